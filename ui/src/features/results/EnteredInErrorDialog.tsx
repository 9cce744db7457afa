// "Entered in error" for one value: says which value, asks for the reason (required:
// checked here and by the shell, whose field error shows under the input) and quotes the
// version shown. On `edit_conflict` the reason stays and the table is refreshed; the
// value is never changed, only marked (it leaves trends and the summary).
import { Alert, Button, Group, Modal, Stack, Text, Textarea } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Observation } from "../../bindings/Observation";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { splitErrors } from "../admin/format";
import { ChartError } from "../chart/ChartError";
import { resultsKeys, setObservationEnteredInError } from "./api";
import { takenAt, valueWithUnit } from "./format";

type Props = { obs: Observation; onClose: () => void; onDone: (obs: Observation) => void };

export function EnteredInErrorDialog({ obs, onClose, onDone }: Props) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const refresh = () => client.invalidateQueries({ queryKey: resultsKeys.patient(obs.patient_id) });

  const save = useMutation<Observation, UiError, string>({
    mutationFn: (text) =>
      setObservationEnteredInError({ id: obs.id, expected_version: obs.version, reason: text }).catch((e: unknown) =>
        Promise.reject(toUiError(e)),
      ),
    onSuccess: async (saved) => {
      await refresh();
      onDone(saved);
    },
    onError: (e) => {
      if (e.code === "edit_conflict") void refresh();
    },
  });

  const conflict = save.error?.code === "edit_conflict";
  const server = splitErrors(conflict ? null : save.error, ["reason"]);
  const reasonError = missing ? t("results.eie.reasonRequired") : server.byField.reason;

  const close = () => {
    if (!save.isPending) onClose();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    const text = reason.trim();
    if (text === "") {
      setMissing(true);
      save.reset();
      return;
    }
    save.mutate(text);
  };

  const what = `${obs.display} ${valueWithUnit(obs.value, obs.unit, i18n.language)}`;
  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={close}
      title={t("results.eie.title")}
      closeButtonProps={{ "aria-label": t("results.dialog.cancel") }}
    >
      <form onSubmit={onSubmit} noValidate data-testid="result-eie-dialog" aria-busy={save.isPending}>
        <Stack gap="sm">
          <Text size="sm" data-testid="result-eie-what">
            {t("results.eie.what", { what, date: takenAt(obs, i18n.language) })}
          </Text>
          <Text size="sm" c="dimmed">
            {t("results.eie.help")}
          </Text>
          {conflict ? (
            <Alert color="orange" role="alert" title={t("results.eie.conflictTitle")} data-testid="result-eie-conflict">
              {t("results.eie.conflict")}
            </Alert>
          ) : null}
          {server.rest ? (
            <ChartError error={server.rest} testId="result-eie-error" title={t("results.eie.errorTitle")} />
          ) : null}
          <Textarea
            label={t("results.eie.reason")}
            value={reason}
            onChange={(e) => {
              setReason(e.currentTarget.value);
              setMissing(false);
            }}
            error={reasonError}
            errorProps={{ "data-testid": "result-eie-error-reason" }}
            withAsterisk
            aria-required
            rows={3}
            data-autofocus
            data-testid="result-eie-reason"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={save.isPending} data-testid="result-eie-cancel">
              {t("results.dialog.cancel")}
            </Button>
            <Button type="submit" color="red" loading={save.isPending} disabled={conflict} data-testid="result-eie-save">
              {save.isPending ? t("results.dialog.saving") : t("results.eie.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

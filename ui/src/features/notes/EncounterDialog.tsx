// The "New visit" dialog: the type of contact (native select) and the reason; the visit
// starts now. The shell's field errors show under their inputs (a start time error, with
// no input here, is listed in the dialog's alert); the input stays on any error.
import { Button, Group, Modal, NativeSelect, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Encounter } from "../../bindings/Encounter";
import type { EncounterType } from "../../bindings/EncounterType";
import type { PatientId } from "../../bindings/PatientId";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { splitErrors } from "../admin/format";
import { ChartError } from "../chart/ChartError";
import { createEncounter, notesKeys } from "./api";
import { ENCOUNTER_TYPES, isEncounterType } from "./model";

type Props = {
  patientId: PatientId;
  onClose: () => void;
  onDone: (encounter: Encounter) => void;
};

export function EncounterDialog({ patientId, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [type, setType] = useState<EncounterType>("office_visit");
  const [reason, setReason] = useState("");

  const save = useMutation<Encounter, UiError, void>({
    mutationFn: () =>
      createEncounter({ patient_id: patientId, type, reason: reason.trim(), started_at: "" }).catch((e: unknown) =>
        Promise.reject(toUiError(e)),
      ),
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: notesKeys.patient(patientId) });
      onDone(saved);
    },
  });
  const server = splitErrors(save.error, ["type", "reason"]);

  const close = () => {
    if (!save.isPending) onClose();
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!save.isPending) save.mutate();
  };

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={close}
      title={t("notes.encounterDialog.title")}
      closeButtonProps={{ "aria-label": t("notes.encounterDialog.cancel") }}
    >
      <form onSubmit={onSubmit} noValidate data-testid="encounter-dialog" aria-busy={save.isPending}>
        <Stack gap="sm">
          {server.rest ? (
            <ChartError error={server.rest} testId="encounter-error" title={t("notes.encounterDialog.errorTitle")} />
          ) : null}
          <NativeSelect
            label={t("notes.encounterDialog.type")}
            value={type}
            onChange={(e) => {
              const next = e.currentTarget.value;
              if (isEncounterType(next)) setType(next);
            }}
            data={ENCOUNTER_TYPES.map((v) => ({ value: v, label: t(`notes.type.${v}`) }))}
            error={server.byField.type}
            errorProps={{ "data-testid": "encounter-error-type" }}
            data-testid="encounter-type"
          />
          <TextInput
            label={t("notes.encounterDialog.reason")}
            description={t("notes.encounterDialog.reasonHelp")}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={server.byField.reason}
            errorProps={{ "data-testid": "encounter-error-reason" }}
            autoComplete="off"
            data-autofocus
            data-testid="encounter-reason"
          />
          <Text size="xs" c="dimmed">
            {t("notes.encounterDialog.startedHelp")}
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={save.isPending} data-testid="encounter-cancel">
              {t("notes.encounterDialog.cancel")}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="encounter-save">
              {save.isPending ? t("notes.encounterDialog.saving") : t("notes.encounterDialog.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

// Emergency ("break-glass") access to a restricted chart: explains what happens (audited,
// administrators alerted, 60-minute expiry), takes the reason and calls `break_glass`.
import { Button, Group, List, Modal, Stack, Text, Textarea } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { BreakGlassGrant } from "../../bindings/BreakGlassGrant";
import type { PatientId } from "../../bindings/PatientId";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { CommandError } from "../admin/CommandError";
import { splitErrors } from "../admin/format";
import { patientKeys } from "../patients/api";
import { searchKeys } from "../search/api";
import { breakGlass } from "./api";

export const MIN_REASON_CHARS = 10;
export const MAX_REASON_CHARS = 1000;

type Props = {
  patientId: PatientId;
  mrn: string;
  opened: boolean;
  onClose: () => void;
  onGranted: () => void;
};

export function BreakGlassDialog({ patientId, mrn, opened, onClose, onGranted }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [reason, setReason] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const mutation = useMutation<BreakGlassGrant, UiError, string>({
    mutationFn: (text) =>
      breakGlass({ patient_id: patientId, reason: text }).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: async () => {
      await Promise.all([
        client.invalidateQueries({ queryKey: patientKeys.one(patientId) }),
        client.invalidateQueries({ queryKey: searchKeys.all }),
      ]);
      setReason("");
      onGranted();
    },
  });
  const server = splitErrors(mutation.error, ["reason"]);
  const reasonError = localError ?? server.byField.reason;

  const close = () => {
    if (mutation.isPending) return;
    setReason("");
    setLocalError(null);
    mutation.reset();
    onClose();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const n = [...reason.trim()].length;
    const problem =
      n < MIN_REASON_CHARS ? t("admin.breakGlass.reasonShort") : n > MAX_REASON_CHARS ? t("admin.breakGlass.reasonLong") : null;
    setLocalError(problem);
    if (problem) {
      mutation.reset();
      return;
    }
    mutation.mutate(reason.trim());
  };

  return (
    <Modal opened={opened} onClose={close} title={t("admin.breakGlass.title")} size="lg">
      <form onSubmit={onSubmit} noValidate data-testid="break-glass-dialog" data-patient-id={patientId}>
        <Stack gap="sm">
          {mrn ? (
            <Text fw={700} data-testid="break-glass-mrn">
              {t("admin.breakGlass.mrn", { mrn })}
            </Text>
          ) : null}
          <Text size="sm">{t("admin.breakGlass.explain")}</Text>
          <List size="sm">
            <List.Item>{t("admin.breakGlass.audited")}</List.Item>
            <List.Item>{t("admin.breakGlass.alerted")}</List.Item>
            <List.Item>{t("admin.breakGlass.expires")}</List.Item>
          </List>
          {server.rest ? (
            <CommandError
              error={server.rest}
              testId={reasonError ? "break-glass-error-other" : "break-glass-error"}
              title={t("admin.breakGlass.errorTitle")}
            />
          ) : null}
          <Textarea
            label={t("admin.breakGlass.reason")}
            description={t("admin.breakGlass.reasonHelp")}
            value={reason}
            onChange={(e) => {
              setReason(e.currentTarget.value);
              setLocalError(null);
            }}
            error={reasonError}
            // The one error shown for a submit (the reason's, or the alert above).
            errorProps={{ "data-testid": "break-glass-error" }}
            autosize
            minRows={3}
            maxRows={8}
            required
            data-autofocus
            data-testid="break-glass-reason"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={mutation.isPending} data-testid="break-glass-cancel">
              {t("admin.breakGlass.cancel")}
            </Button>
            <Button type="submit" color="red" loading={mutation.isPending} data-testid="break-glass-submit">
              {mutation.isPending ? t("admin.breakGlass.submitting") : t("admin.breakGlass.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

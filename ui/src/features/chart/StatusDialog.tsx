// The "Change status" dialog of a chart entry: a native select with only the statuses
// the entry's kind allows, and the reason (required for anything but active: marked
// here, checked by the shell, whose field error shows under the textarea). On `edit_conflict` the
// choice and reason stay; "Reload" fetches the entry's latest version to save against.
import { Alert, Button, Group, Modal, NativeSelect, Stack, Text, Textarea } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { ChartEntry } from "../../bindings/ChartEntry";
import type { EntryStatus } from "../../bindings/EntryStatus";
import type { PatientId } from "../../bindings/PatientId";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { splitErrors } from "../admin/format";
import { chartKeys, getChartEntry, setChartEntryStatus } from "./api";
import { ChartError } from "./ChartError";
import { entryTitle, STATUSES } from "./model";

type Props = {
  patientId: PatientId;
  entry: ChartEntry;
  onClose: () => void;
  onDone: (entry: ChartEntry) => void;
};

type Field = "status" | "reason";

export function StatusDialog({ patientId, entry, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const kind = entry.details.kind;
  const allowed = STATUSES[kind];
  const [base, setBase] = useState(entry);
  const [status, setStatus] = useState<EntryStatus>(() => allowed.find((s) => s !== entry.status) ?? allowed[0]!);
  const [reason, setReason] = useState("");
  const [localErrors, setLocalErrors] = useState<Partial<Record<Field, string>>>({});
  // Only the "same status" check is local; the shell is the one judge of the reason.
  const [reloaded, setReloaded] = useState(false);
  const refresh = () => client.invalidateQueries({ queryKey: chartKeys.patient(patientId) });

  const save = useMutation<ChartEntry, UiError, void>({
    mutationFn: () =>
      setChartEntryStatus({ id: base.id, expected_version: base.version, status, reason: reason.trim() }).catch(
        (e: unknown) => Promise.reject(toUiError(e)),
      ),
    onMutate: () => setReloaded(false),
    onSuccess: async (saved) => {
      await refresh();
      onDone(saved);
    },
  });

  const latest = useMutation<ChartEntry, UiError, void>({
    mutationFn: () => getChartEntry(patientId, kind, base.id).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (fresh) => {
      setBase(fresh);
      save.reset();
      setReloaded(true);
      void refresh();
    },
  });

  const conflict = save.error?.code === "edit_conflict";
  const server = splitErrors(conflict ? null : save.error, ["status", "reason"]);
  const statusError = localErrors.status ?? server.byField.status;
  const reasonError = localErrors.reason ?? server.byField.reason;
  const busy = save.isPending || latest.isPending;
  const what = entryTitle(base.details);
  const reasonRequired = status !== "active";

  const close = () => {
    if (!busy) onClose();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const problems: Partial<Record<Field, string>> = {};
    if (status === base.status) problems.status = t("chart.statusDialog.same");
    setLocalErrors(problems);
    if (Object.keys(problems).length > 0) {
      save.reset();
      return;
    }
    save.mutate();
  };

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={close}
      title={t("chart.statusDialog.title", { what })}
      closeButtonProps={{ "aria-label": t("chart.statusDialog.cancel") }}
    >
      <form onSubmit={onSubmit} noValidate data-testid="chart-status-dialog" data-kind={kind} aria-busy={busy}>
        <Stack gap="sm">
          <Text size="sm" data-testid="chart-status-current">
            {t("chart.statusDialog.current", { status: t(`chart.status.${base.status}`) })}
          </Text>
          {conflict ? (
            <Alert color="orange" title={t("chart.conflict.title")} role="alert" data-testid="chart-conflict">
              <Text size="sm" mb="sm">
                {t("chart.conflict.statusBody")}
              </Text>
              <Button onClick={() => latest.mutate()} disabled={busy} data-testid="chart-conflict-reload">
                {t("chart.conflict.reload")}
              </Button>
            </Alert>
          ) : null}
          {reloaded ? (
            <Alert color="blue" role="status" data-testid="chart-conflict-resolved">
              {t("chart.conflict.reloaded")}
            </Alert>
          ) : null}
          {server.rest ? (
            <ChartError error={server.rest} testId="chart-status-error" title={t("chart.statusDialog.errorTitle")} />
          ) : null}
          {latest.error ? <ChartError error={latest.error} testId="chart-status-reload-error" /> : null}
          <NativeSelect
            label={t("chart.statusDialog.select")}
            value={status}
            onChange={(e) => {
              const next = allowed.find((s) => s === e.currentTarget.value);
              if (next) setStatus(next);
              setLocalErrors({});
            }}
            data={allowed.map((s) => ({
              value: s,
              label:
                s === base.status
                  ? t("chart.statusDialog.currentOption", { status: t(`chart.status.${s}`) })
                  : t(`chart.status.${s}`),
            }))}
            error={statusError}
            errorProps={{ "data-testid": "chart-error-status" }}
            data-testid="chart-status-select"
          />
          <Textarea
            label={t("chart.statusDialog.reason")}
            description={t("chart.statusDialog.reasonHelp")}
            value={reason}
            onChange={(e) => {
              setReason(e.currentTarget.value);
              setLocalErrors((prev) => ({ ...prev, reason: undefined }));
            }}
            error={reasonError}
            errorProps={{ "data-testid": "chart-error-reason" }}
            withAsterisk={reasonRequired}
            aria-required={reasonRequired || undefined}
            rows={3}
            data-autofocus
            data-testid="chart-status-reason"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy} data-testid="chart-status-cancel">
              {t("chart.statusDialog.cancel")}
            </Button>
            <Button type="submit" loading={save.isPending} disabled={latest.isPending} data-testid="chart-status-save">
              {save.isPending ? t("chart.statusDialog.saving") : t("chart.statusDialog.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

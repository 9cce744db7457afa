// The add/edit dialog of a chart entry (one kind per dialog). Required fields and date
// formats are checked here; the shell's field errors show under their inputs. An edit
// quotes the version it started from: on `edit_conflict` the input stays, and the user
// reloads the latest version into the form or keeps their input and saves over it.
import { Alert, Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { ChartEntry } from "../../bindings/ChartEntry";
import type { ChartEntryDetails } from "../../bindings/ChartEntryDetails";
import type { ChartEntryKind } from "../../bindings/ChartEntryKind";
import type { PatientId } from "../../bindings/PatientId";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { splitErrors } from "../admin/format";
import { isIsoDate } from "../patients/form/validation";
import { addChartEntry, chartKeys, getChartEntry, updateChartEntry } from "./api";
import { ChartError } from "./ChartError";
import { EntryFields } from "./EntryFields";
import {
  DATE_FIELDS,
  detailsToValues,
  emptyValues,
  entryTitle,
  FIELDS,
  REQUIRED,
  valuesToDetails,
  type ChartField,
  type EntryValues,
} from "./model";

type Props = {
  patientId: PatientId;
  kind: ChartEntryKind;
  /** The entry to correct; absent to record a new one. */
  entry?: ChartEntry;
  onClose: () => void;
  onDone: (entry: ChartEntry, mode: "added" | "updated") => void;
};

type Errors = Partial<Record<ChartField, string>>;

export function EntryDialog({ patientId, kind, entry, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [values, setValues] = useState<EntryValues>(() => (entry ? detailsToValues(entry.details) : emptyValues(kind)));
  const [base, setBase] = useState<ChartEntry | undefined>(entry);
  const [localErrors, setLocalErrors] = useState<Errors>({});
  const [note, setNote] = useState<"reloaded" | "rebased" | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: chartKeys.patient(patientId) });

  const save = useMutation<ChartEntry, UiError, ChartEntryDetails>({
    mutationFn: (details) =>
      (base
        ? updateChartEntry({ id: base.id, expected_version: base.version, details })
        : addChartEntry({ patient_id: patientId, details })
      ).catch((e: unknown) => Promise.reject(toUiError(e))),
    onMutate: () => setNote(null),
    onSuccess: async (saved) => {
      await refresh();
      onDone(saved, base ? "updated" : "added");
    },
  });

  const latest = useMutation<ChartEntry, UiError, "reload" | "keep">({
    mutationFn: () =>
      getChartEntry(patientId, kind, base?.id ?? "").catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (fresh, choice) => {
      setBase(fresh);
      save.reset();
      void refresh();
      if (choice === "reload") {
        setValues(detailsToValues(fresh.details));
        setLocalErrors({});
      }
      setNote(choice === "reload" ? "reloaded" : "rebased");
    },
  });

  const conflict = save.error?.code === "edit_conflict";
  const server = splitErrors(conflict ? null : save.error, FIELDS[kind]);
  const errors: Errors = { ...(server.byField as Errors), ...stripEmpty(localErrors) };
  const busy = save.isPending || latest.isPending;

  const set = (field: ChartField, value: string) => {
    setValues((prev) => ({ ...prev, [field]: value }));
    setLocalErrors((prev) => ({ ...prev, [field]: undefined }));
  };

  const close = () => {
    if (!busy) onClose();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const problems: Errors = {};
    const required = REQUIRED[kind];
    if ((values[required] ?? "").trim() === "") problems[required] = t("chart.dialog.required");
    for (const f of DATE_FIELDS) {
      const v = (values[f] ?? "").trim();
      if (v !== "" && !isIsoDate(v)) problems[f] = t("chart.dialog.dateFormat");
    }
    setLocalErrors(problems);
    if (Object.keys(problems).length > 0) {
      save.reset();
      return;
    }
    save.mutate(valuesToDetails(kind, values));
  };

  const title = base
    ? t("chart.dialog.editTitle", { what: entryTitle(base.details) })
    : t(`chart.kind.${kind}.add`);

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={close}
      title={title}
      size="lg"
      closeButtonProps={{ "aria-label": t("chart.dialog.cancel") }}
    >
      <form onSubmit={onSubmit} noValidate data-testid="chart-entry-dialog" data-kind={kind} aria-busy={busy}>
        <Stack gap="sm">
          {conflict ? (
            <Alert color="orange" title={t("chart.conflict.title")} role="alert" data-testid="chart-conflict">
              <Text size="sm" mb="sm">
                {t("chart.conflict.body")}
              </Text>
              <Group>
                <Button onClick={() => latest.mutate("reload")} disabled={busy} data-testid="chart-conflict-reload">
                  {t("chart.conflict.reload")}
                </Button>
                <Button
                  variant="default"
                  onClick={() => latest.mutate("keep")}
                  disabled={busy}
                  data-testid="chart-conflict-keep"
                >
                  {t("chart.conflict.keepMine")}
                </Button>
              </Group>
            </Alert>
          ) : null}
          {note ? (
            <Alert color="blue" role="status" data-testid="chart-conflict-resolved">
              {t(note === "reloaded" ? "chart.conflict.reloaded" : "chart.conflict.rebased")}
            </Alert>
          ) : null}
          {server.rest ? (
            <ChartError error={server.rest} testId="chart-entry-error" title={t("chart.dialog.errorTitle")} />
          ) : null}
          {latest.error ? (
            <ChartError
              error={latest.error}
              testId="chart-entry-reload-error"
              title={latest.error.code === "not_found" ? t("chart.conflict.gone") : undefined}
            />
          ) : null}
          <EntryFields kind={kind} values={values} errors={errors} onChange={set} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy} data-testid="chart-entry-cancel">
              {t("chart.dialog.cancel")}
            </Button>
            <Button type="submit" loading={save.isPending} disabled={latest.isPending} data-testid="chart-entry-save">
              {save.isPending ? t("chart.dialog.saving") : t("chart.dialog.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function stripEmpty(errors: Errors): Errors {
  return Object.fromEntries(Object.entries(errors).filter(([, v]) => v)) as Errors;
}

// "FHIR" (administrators and doctors): import FHIR R4 files — the shell asks which in a
// native dialog, reads them and imports one patient at a time while a progress bar
// follows its `fhir-import-progress` events — then the summary (`ImportSummary`).
// Administrators also export every patient as NDJSON (a native save dialog). An import
// changes patients, charts and conflicts: every screen's data is refreshed after it.
import { Alert, Button, Paper, Progress, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { FhirImportProgress } from "../../bindings/FhirImportProgress";
import type { FhirImportSummary } from "../../bindings/FhirImportSummary";
import type { FhirPatientsExported } from "../../bindings/FhirPatientsExported";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { canExportAllFhir, canImportFhir } from "../session/roles";
import { useSession, useSessionErrors } from "../session/SessionContext";
import { refreshAfterSync } from "../sync/hooks";
import { exportFhirPatients, importFhir, onImportProgress } from "./api";
import { ImportSummary } from "./ImportSummary";
import { progressPercent } from "./model";

const rejectUi = (e: unknown) => Promise.reject(toUiError(e));

export function FhirScreen() {
  const { t } = useTranslation();
  const { role } = useSession();
  const errors = useSessionErrors();
  const client = useQueryClient();
  const [progress, setProgress] = useState<FhirImportProgress | null>(null);
  useEffect(() => onImportProgress(setProgress), []);

  const importing = useMutation<FhirImportSummary | null, UiError, void>({
    mutationFn: () => importFhir().catch(rejectUi),
    onMutate: () => setProgress(null),
    onError: (e) => void errors.report(e),
    onSettled: () => refreshAfterSync(client),
  });
  const exporting = useMutation<FhirPatientsExported | null, UiError, void>({
    mutationFn: () => exportFhirPatients().catch(rejectUi),
    onError: (e) => void errors.report(e),
  });

  const percent = progressPercent(progress);
  const progressText =
    progress === null
      ? t("interop.import.running")
      : progress.phase === "reading"
        ? t("interop.import.reading", { done: progress.done, total: progress.total })
        : t("interop.import.applying", { done: Math.max(0, progress.done - 1), total: Math.max(0, progress.total - 1) });

  return (
    <Stack gap="lg" data-testid="fhir-screen">
      <Title order={1} size="h2">
        {t("interop.title")}
      </Title>
      {canImportFhir(role) ? (
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Title order={2} size="h3">
              {t("interop.import.title")}
            </Title>
            <Text size="sm">{t("interop.import.help")}</Text>
            <div>
              <Button
                data-testid="fhir-import"
                loading={importing.isPending}
                onClick={() => importing.mutate()}
              >
                {t("interop.import.choose")}
              </Button>
            </div>
            {importing.isPending ? (
              <Stack gap={4} data-testid="fhir-import-running">
                <Progress
                  value={percent}
                  animated
                  aria-label={t("interop.import.progressLabel")}
                  data-testid="fhir-import-progress"
                  data-value={percent}
                />
                <Text size="sm" aria-live="polite" data-testid="fhir-import-progress-text">
                  {progressText}
                </Text>
              </Stack>
            ) : null}
            {importing.isError ? (
              <ErrorAlert error={importing.error} testId="fhir-import-error">
                <Text size="sm" mt={4}>
                  {t("interop.import.failed")}
                </Text>
              </ErrorAlert>
            ) : null}
            {importing.isSuccess && importing.data === null ? (
              <Text size="sm" c="dimmed" data-testid="fhir-import-cancelled">
                {t("interop.import.cancelled")}
              </Text>
            ) : null}
            {importing.data ? <ImportSummary summary={importing.data} /> : null}
          </Stack>
        </Paper>
      ) : null}
      {canExportAllFhir(role) ? (
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Title order={2} size="h3">
              {t("interop.exportAll.title")}
            </Title>
            <Text size="sm">{t("interop.exportAll.help")}</Text>
            <div>
              <Button
                variant="default"
                data-testid="fhir-export-all"
                loading={exporting.isPending}
                onClick={() => exporting.mutate()}
              >
                {t("interop.exportAll.button")}
              </Button>
            </div>
            {exporting.isError ? <ErrorAlert error={exporting.error} testId="fhir-export-all-error" /> : null}
            {exporting.data ? (
              <Alert color="green" role="status" data-testid="fhir-export-all-done">
                {t("interop.exportAll.done", { patients: exporting.data.patients, path: exporting.data.path })}
                {exporting.data.withheld > 0 ? ` ${t("interop.exportAll.withheld", { count: exporting.data.withheld })}` : ""}
              </Alert>
            ) : null}
          </Stack>
        </Paper>
      ) : null}
    </Stack>
  );
}

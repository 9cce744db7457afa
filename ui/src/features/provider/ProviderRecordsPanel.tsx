// The patient's "Primary care provider" panel, on the chart and the profile: the link
// to the provider's FHIR endpoint (`ProviderLinkSection`), "Sync now" with its progress,
// the last job and a failure's troubleshooting with Retry (`ProviderSyncStatus`), and for
// clinicians the records pulled (`ProviderDocuments`) and the requests for more
// documents (`ProviderRequests`). Administrators and the front desk link, sync and ask
// for documents (administrators) but do not read the records: they see the patient's
// latest job from the history instead. While a job is queued or running the panel asks
// again every few seconds; `provider-job-finished` refreshes it at once (and after a
// pull every screen, so the chart shows what arrived).
import { Button, Center, Group, Loader, Paper, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useContext, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { PatientId } from "../../bindings/PatientId";
import type { ProviderJob } from "../../bindings/ProviderJob";
import type { ProviderJobQuery } from "../../bindings/ProviderJobQuery";
import type { ProviderSyncProgress } from "../../bindings/ProviderSyncProgress";
import type { Role } from "../../bindings/Role";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { SessionContext } from "../session/SessionContext";
import { routeAllowed } from "../shell/nav";
import { useNavigate } from "../shell/route";
import { refreshAfterSync } from "../sync/hooks";
import {
  getPatientProviderRecords,
  listProviderJobs,
  onJobFinished,
  onSyncProgress,
  providerKeys,
  retryProviderJob,
  syncPatientProvider,
} from "./api";
import {
  canReadProviderRecords,
  canRequestProviderDocuments,
  canUseProviderSync,
  isPendingJob,
  PENDING_POLL_MS,
} from "./model";
import { ProviderDocuments } from "./ProviderDocuments";
import { ProviderLinkSection } from "./ProviderLinkForm";
import { ProviderRequests } from "./ProviderRequests";
import { ProviderSyncStatus } from "./ProviderSyncStatus";

const rejectUi = (e: unknown) => Promise.reject(toUiError(e));

type Props = { patientId: PatientId; mrn?: string };

export function ProviderRecordsPanel({ patientId, mrn }: Props) {
  // Read without `useSession()` so screens render without a session (component tests).
  const role = useContext(SessionContext)?.role;
  if (!role || !canUseProviderSync(role)) return null;
  return <Panel patientId={patientId} mrn={mrn} role={role} />;
}

function Panel({ patientId, mrn, role }: Props & { role: Role }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const navigate = useNavigate();
  const full = canReadProviderRecords(role);
  const titleId = `provider-records-title-${patientId}`;

  const records = useQuery({
    queryKey: providerKeys.records(patientId),
    queryFn: () => getPatientProviderRecords(patientId),
    enabled: full,
    refetchInterval: (q) => ((q.state.data?.pending_jobs ?? 0) > 0 ? PENDING_POLL_MS : false),
  });
  // Roles that do not read the records see the patient's latest job from the history.
  const latestQuery: ProviderJobQuery = { patient_id: patientId, status: null, kind: null, text: null, limit: 1 };
  const latest = useQuery({
    queryKey: providerKeys.jobList(latestQuery),
    queryFn: () => listProviderJobs(latestQuery),
    enabled: !full,
    refetchInterval: (q) => (isPendingJob(q.state.data?.[0]) ? PENDING_POLL_MS : false),
  });

  const [progress, setProgress] = useState<ProviderSyncProgress | null>(null);
  useEffect(
    () =>
      onSyncProgress((p) => {
        if (p.patient_id === patientId) setProgress(p);
      }),
    [patientId],
  );
  useEffect(
    () =>
      onJobFinished((job) => {
        if (job.patient_id !== patientId) return;
        setProgress((p) => (p?.job_id === job.id ? null : p));
        if (job.kind === "pull" && job.status === "succeeded") void refreshAfterSync(client);
        else void client.invalidateQueries({ queryKey: providerKeys.all });
      }),
    [patientId, client],
  );

  const sync = useMutation<ProviderJob, UiError, void>({
    mutationFn: () => syncPatientProvider(patientId).catch(rejectUi),
    onSettled: () => client.invalidateQueries({ queryKey: providerKeys.all }),
  });
  const retry = useMutation<ProviderJob, UiError, ProviderJob>({
    mutationFn: (job) => retryProviderJob(job.id).catch(rejectUi),
    onSettled: () => client.invalidateQueries({ queryKey: providerKeys.all }),
  });

  const data = records.data;
  const lastJob = (full ? data?.last_job : latest.data?.[0]) ?? null;
  const pending = full ? (data?.pending_jobs ?? 0) > 0 : isPendingJob(lastJob);
  // A progress event outlives its job only until the job is known to have ended.
  const ended = progress !== null && lastJob?.id === progress.job_id && !isPendingJob(lastJob);
  const liveProgress = ended ? null : progress;
  const loading = full ? records.isPending : latest.isPending;
  const loadError = full ? records.error : latest.error;

  return (
    <Paper withBorder p="md" component="section" aria-labelledby={titleId} data-testid="provider-records" data-patient-id={patientId}>
      <Group justify="space-between" mb="xs" wrap="wrap">
        <div>
          <Title order={2} size="h4" id={titleId}>
            {t("provider.title")}
          </Title>
          <Text size="xs" c="dimmed">
            {t("provider.subtitle")}
          </Text>
        </div>
        {routeAllowed(role, "providerSync") ? (
          <Button
            size="xs"
            variant="default"
            onClick={() => navigate({ name: "providerSync", patientId, mrn })}
            data-testid="provider-open-history"
          >
            {t("provider.openHistory")}
          </Button>
        ) : null}
      </Group>
      {loading ? (
        <Center p="sm">
          <Loader size="sm" aria-label={t("provider.loading")} data-testid="provider-loading" />
        </Center>
      ) : loadError ? (
        <ErrorAlert error={toUiError(loadError)} testId="provider-records-error" title={t("provider.loadFailed")} />
      ) : (
        <Stack gap="md">
          <ProviderLinkSection patientId={patientId} link={full ? (data?.link ?? null) : undefined} />
          <ProviderSyncStatus
            lastJob={lastJob}
            pending={pending}
            progress={liveProgress}
            linked={full ? Boolean(data?.link) : undefined}
            canSyncHere={full && data?.link ? data.can_sync_here : undefined}
            onSync={() => {
              retry.reset();
              sync.mutate();
            }}
            syncing={sync.isPending}
            syncError={sync.error}
            onRetry={(job) => retry.mutate(job)}
            retrying={retry.isPending}
            retryError={retry.error}
          />
          {full && data ? <ProviderDocuments patientId={patientId} records={data} /> : null}
          {canRequestProviderDocuments(role) ? (
            <ProviderRequests
              patientId={patientId}
              requests={full && data ? data.requests : null}
              linked={full ? Boolean(data?.link) : undefined}
            />
          ) : null}
        </Stack>
      )}
    </Paper>
  );
}

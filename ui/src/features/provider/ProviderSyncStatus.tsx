// The panel's sync block: "Sync now" (disabled while a job of the patient is queued or
// running, without a link, or when this device holds no credentials for the provider),
// the progress bar fed by `provider-sync-progress` events (phase, resource type, steps
// done of the total), "Queued — will run when online", the last job's status and time
// with its details and counts, and for a failed one the error block with its
// troubleshooting steps and Retry.
import { Alert, Badge, Button, Group, Progress, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { FhirTypeCounts } from "../../bindings/FhirTypeCounts";
import type { ProviderJob } from "../../bindings/ProviderJob";
import type { ProviderSyncProgress } from "../../bindings/ProviderSyncProgress";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { formatInstant } from "../chart/format";
import { changedTypes, jobStatusColor, progressPercent } from "./model";
import { ProviderJobError } from "./ProviderJobError";

type Props = {
  lastJob: ProviderJob | null;
  /** A job of this patient is queued or running. */
  pending: boolean;
  progress: ProviderSyncProgress | null;
  /** False: the patient has no link (undefined: not known to this role). */
  linked: boolean | undefined;
  /** False: this device holds no credentials for the linked provider. */
  canSyncHere: boolean | undefined;
  onSync: () => void;
  syncing: boolean;
  syncError: UiError | null;
  onRetry: (job: ProviderJob) => void;
  retrying: boolean;
  retryError: UiError | null;
};

export function ProviderSyncStatus(props: Props) {
  const { t } = useTranslation();
  const { lastJob, pending, progress, linked, canSyncHere } = props;
  const running = progress !== null || lastJob?.status === "running";
  const queued = !running && pending;
  return (
    <Stack gap="xs" data-testid="provider-sync">
      <Group gap="sm" align="center">
        <Button
          onClick={props.onSync}
          loading={props.syncing}
          disabled={pending || running || linked === false || canSyncHere === false}
          data-testid="provider-sync-now"
          data-pending={pending || running ? "true" : "false"}
        >
          {t("provider.sync.now")}
        </Button>
        {linked === false ? (
          <Text size="sm" c="dimmed" data-testid="provider-sync-needs-link">
            {t("provider.sync.needsLink")}
          </Text>
        ) : null}
      </Group>
      {canSyncHere === false && linked !== false ? (
        <Alert color="yellow" role="status" data-testid="provider-not-here">
          {t("provider.sync.notHere")}
        </Alert>
      ) : null}
      {running ? <SyncProgress progress={progress} /> : null}
      {queued ? (
        <Text size="sm" aria-live="polite" data-testid="provider-queued">
          {t("provider.sync.queued")}
        </Text>
      ) : null}
      <LastJob job={lastJob} />
      {props.syncError ? (
        <ErrorAlert error={props.syncError} testId="provider-sync-error" title={t("provider.sync.failed")} />
      ) : null}
      {lastJob?.status === "failed" ? (
        <ProviderJobError
          job={lastJob}
          onRetry={() => props.onRetry(lastJob)}
          retrying={props.retrying}
          retryError={props.retryError}
        />
      ) : null}
    </Stack>
  );
}

function SyncProgress({ progress }: { progress: ProviderSyncProgress | null }) {
  const { t } = useTranslation();
  const percent = progressPercent(progress);
  let text: string;
  if (progress === null) text = t("provider.progress.starting");
  else if (progress.phase === "resolving") text = t("provider.progress.resolving");
  else if (progress.phase === "fetching")
    text = t("provider.progress.fetching", {
      type: progress.resource_type ?? t("provider.progress.records"),
      done: progress.done,
      total: progress.total,
    });
  else text = t("provider.progress.applying", { done: progress.done, total: progress.total });
  return (
    <Stack gap={4} data-testid="provider-running">
      <Progress
        value={percent}
        animated
        aria-label={t("provider.progress.label")}
        data-testid="provider-progress"
        data-value={percent}
        data-phase={progress?.phase ?? "starting"}
      />
      <Text size="sm" aria-live="polite" data-testid="provider-progress-text">
        {text}
      </Text>
    </Stack>
  );
}

function LastJob({ job }: { job: ProviderJob | null }) {
  const { t, i18n } = useTranslation();
  if (!job) {
    return (
      <Text size="sm" c="dimmed" data-testid="provider-last-status" data-status="none">
        {t("provider.sync.never")}
      </Text>
    );
  }
  const when = job.finished_at ?? job.started_at ?? job.queued_at;
  return (
    <div data-testid="provider-last-status" data-status={job.status} data-kind={job.kind} data-job-id={job.id}>
      <Group gap="xs">
        <Text size="sm">{t("provider.sync.last", { what: t(`provider.kind.${job.kind}`) })}</Text>
        <Badge color={jobStatusColor(job.status)} variant="light" data-testid="provider-last-status-badge">
          {t(`provider.status.${job.status}`)}
        </Badge>
        <Text size="sm" c="dimmed" data-testid="provider-last-status-time">
          {formatInstant(when, i18n.language, true)}
        </Text>
      </Group>
      {job.status !== "failed" && job.details ? (
        <Text size="xs" c="dimmed" data-testid="provider-last-status-details">
          {job.details}
        </Text>
      ) : null}
      <JobCounts counts={job.counts} />
    </div>
  );
}

/** "Observation: 3 new, 1 updated · DocumentReference: 2 new" (types with changes only). */
export function JobCounts({ counts }: { counts: FhirTypeCounts[] }) {
  const { t } = useTranslation();
  const changed = changedTypes(counts);
  if (changed.length === 0) return null;
  return (
    <Text size="xs" c="dimmed" data-testid="provider-job-counts">
      {changed
        .map((c) => {
          const parts = [
            c.imported ? t("provider.counts.imported", { count: c.imported }) : "",
            c.updated ? t("provider.counts.updated", { count: c.updated }) : "",
            c.kept ? t("provider.counts.kept", { count: c.kept }) : "",
            c.errors ? t("provider.counts.errors", { count: c.errors }) : "",
          ].filter(Boolean);
          return `${c.resource_type}: ${parts.join(", ")}`;
        })
        .join(" · ")}
    </Text>
  );
}

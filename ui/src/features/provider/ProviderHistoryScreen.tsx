// "Provider sync" (administrators, front desk, doctors, nurses): the log of every
// exchange of this device with patients' primary providers, newest first — when each
// job was queued, started and finished, the patient's MRN, the provider, what it did,
// who started it, its status and attempts, its details and counts — filtered by status
// and kind, searched by text (MRN, provider, details; after typing pauses) and
// optionally narrowed to one patient. A failed job shows its troubleshooting and Retry.
// Refreshed when any job ends (`provider-job-finished`) and every few seconds while one
// is queued or running.
import { Badge, Button, Center, Group, Loader, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { PatientId } from "../../bindings/PatientId";
import type { ProviderJob } from "../../bindings/ProviderJob";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { formatInstant } from "../chart/format";
import { useNavigate } from "../shell/route";
import { listProviderJobs, onJobFinished, providerKeys, retryProviderJob } from "./api";
import {
  historyQuery,
  isJobKind,
  isJobStatus,
  isPendingJob,
  JOB_KINDS,
  JOB_STATUSES,
  jobStatusColor,
  PENDING_POLL_MS,
  type HistoryFilters,
} from "./model";
import { JobCounts } from "./ProviderSyncStatus";
import { ProviderJobError } from "./ProviderJobError";

/** Text is searched this long after the last keystroke. */
export const SEARCH_DEBOUNCE_MS = 300;

type Props = { patientId?: PatientId; mrn?: string };

export function ProviderHistoryScreen({ patientId, mrn }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [status, setStatus] = useState<HistoryFilters["status"]>("");
  const [kind, setKind] = useState<HistoryFilters["kind"]>("");
  const [text, setText] = useState("");
  const [debounced] = useDebouncedValue(text, SEARCH_DEBOUNCE_MS);
  const [expanded, setExpanded] = useState<string | null>(null);
  const query = historyQuery({ patientId: patientId ?? null, status, kind, text: debounced });
  const jobs = useQuery({
    queryKey: providerKeys.jobList(query),
    queryFn: () => listProviderJobs(query),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.some(isPendingJob) ? PENDING_POLL_MS : false),
  });
  useEffect(() => onJobFinished(() => void client.invalidateQueries({ queryKey: providerKeys.jobs })), [client]);
  const retry = useMutation<ProviderJob, UiError, ProviderJob>({
    mutationFn: (job) => retryProviderJob(job.id).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSettled: () => client.invalidateQueries({ queryKey: providerKeys.all }),
  });

  let body;
  if (jobs.isPending) {
    body = (
      <Center p="md">
        <Loader size="sm" aria-label={t("provider.history.loading")} data-testid="provider-history-loading" />
      </Center>
    );
  } else if (jobs.isError && !jobs.data) {
    body = <ErrorAlert error={toUiError(jobs.error)} testId="provider-history-error" title={t("provider.history.failed")} />;
  } else if (jobs.data.length === 0) {
    body = (
      <Text size="sm" c="dimmed" data-testid="provider-history-empty">
        {status || kind || debounced.trim() ? t("provider.history.emptyFiltered") : t("provider.history.empty")}
      </Text>
    );
  } else {
    body = (
      <Table.ScrollContainer minWidth={1100}>
        <Table highlightOnHover aria-label={t("provider.history.title")} data-testid="provider-history-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("provider.history.col.queued")}</Table.Th>
              <Table.Th scope="col">{t("provider.history.col.started")}</Table.Th>
              <Table.Th scope="col">{t("provider.history.col.finished")}</Table.Th>
              <Table.Th scope="col">{t("provider.history.col.patient")}</Table.Th>
              <Table.Th scope="col">{t("provider.history.col.provider")}</Table.Th>
              <Table.Th scope="col">{t("provider.history.col.kind")}</Table.Th>
              <Table.Th scope="col">{t("provider.history.col.trigger")}</Table.Th>
              <Table.Th scope="col">{t("provider.history.col.status")}</Table.Th>
              <Table.Th scope="col">{t("provider.history.col.attempts")}</Table.Th>
              <Table.Th scope="col">{t("provider.history.col.details")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {jobs.data.map((job) => (
              <Fragment key={job.id}>
                <HistoryRow
                  job={job}
                  expanded={expanded === job.id}
                  onToggle={() => setExpanded((e) => (e === job.id ? null : job.id))}
                  onRetry={() => retry.mutate(job)}
                  retrying={retry.isPending && retry.variables?.id === job.id}
                />
                {expanded === job.id && job.status === "failed" ? (
                  <Table.Tr>
                    <Table.Td colSpan={10}>
                      <ProviderJobError job={job} />
                    </Table.Td>
                  </Table.Tr>
                ) : null}
              </Fragment>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    );
  }

  return (
    <Stack gap="md" data-testid="provider-history-screen">
      <Title order={1} size="h2">
        {t("provider.history.title")}
      </Title>
      <Text size="sm">{t("provider.history.help")}</Text>
      <Paper withBorder p="md">
        <Stack gap="sm">
          <Group gap="sm" align="flex-end" wrap="wrap">
            <NativeSelect
              label={t("provider.history.status")}
              data={[
                { value: "", label: t("provider.history.all") },
                ...JOB_STATUSES.map((s) => ({ value: s, label: t(`provider.status.${s}`) })),
              ]}
              value={status}
              onChange={(e) => {
                const v = e.currentTarget.value;
                setStatus(isJobStatus(v) ? v : "");
              }}
              data-testid="provider-history-status"
            />
            <NativeSelect
              label={t("provider.history.kind")}
              data={[
                { value: "", label: t("provider.history.all") },
                ...JOB_KINDS.map((k) => ({ value: k, label: t(`provider.kind.${k}`) })),
              ]}
              value={kind}
              onChange={(e) => {
                const v = e.currentTarget.value;
                setKind(isJobKind(v) ? v : "");
              }}
              data-testid="provider-history-kind"
            />
            <TextInput
              label={t("provider.history.search")}
              placeholder={t("provider.history.searchPlaceholder")}
              value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              type="search"
              w={320}
              data-testid="provider-history-search"
            />
          </Group>
          {patientId ? (
            <Group gap="xs" data-testid="provider-history-patient" data-patient-id={patientId}>
              <Badge variant="light">{t("provider.history.patient", { mrn: mrn || t("provider.history.unknownMrn") })}</Badge>
              <Button
                size="compact-xs"
                variant="subtle"
                onClick={() => navigate({ name: "providerSync" })}
                data-testid="provider-history-patient-clear"
              >
                {t("provider.history.allPatients")}
              </Button>
            </Group>
          ) : null}
          {retry.error ? (
            <ErrorAlert error={retry.error} testId="provider-history-retry-error" title={t("provider.error.retryFailed")} />
          ) : null}
          {jobs.isRefetchError ? (
            <ErrorAlert error={toUiError(jobs.error)} testId="provider-history-error" title={t("provider.history.failed")} />
          ) : null}
          {body}
          {jobs.isFetching && !jobs.isPending ? (
            <Text size="xs" c="dimmed" aria-live="polite" data-testid="provider-history-refreshing">
              {t("provider.history.refreshing")}
            </Text>
          ) : null}
        </Stack>
      </Paper>
    </Stack>
  );
}

type RowProps = { job: ProviderJob; expanded: boolean; onToggle: () => void; onRetry: () => void; retrying: boolean };

function HistoryRow({ job, expanded, onToggle, onRetry, retrying }: RowProps) {
  const { t, i18n } = useTranslation();
  const when = (iso: string | null) => (iso ? formatInstant(iso, i18n.language, true) : t("provider.history.notYet"));
  return (
    <Table.Tr data-testid="provider-history-row" data-job-id={job.id} data-status={job.status} data-kind={job.kind}>
      <Table.Td>{when(job.queued_at)}</Table.Td>
      <Table.Td>{when(job.started_at)}</Table.Td>
      <Table.Td>{when(job.finished_at)}</Table.Td>
      <Table.Td data-testid="provider-history-mrn">{job.patient_mrn ?? t("provider.history.noPatient")}</Table.Td>
      <Table.Td data-testid="provider-history-provider">{job.provider_name}</Table.Td>
      <Table.Td>{t(`provider.kind.${job.kind}`)}</Table.Td>
      <Table.Td>{t(`provider.trigger.${job.trigger}`)}</Table.Td>
      <Table.Td>
        <Badge color={jobStatusColor(job.status)} variant="light" data-testid="provider-history-status-badge">
          {t(`provider.status.${job.status}`)}
        </Badge>
      </Table.Td>
      <Table.Td>{job.attempts}</Table.Td>
      <Table.Td>
        {job.status === "failed" && job.error ? (
          <Text size="sm" fw={600} data-testid="provider-history-error-kind" data-kind={job.error}>
            {t(`provider.errorKind.${job.error}`)}
          </Text>
        ) : null}
        {job.status === "queued" && job.attempts === 0 ? (
          <Text size="sm" data-testid="provider-history-queued">
            {t("provider.sync.queued")}
          </Text>
        ) : null}
        <Text size="sm" data-testid="provider-history-details">
          {job.details}
        </Text>
        <JobCounts counts={job.counts} />
        {job.next_attempt_at && job.status === "failed" ? (
          <Text size="xs" c="dimmed">
            {t("provider.error.nextAttempt", { time: when(job.next_attempt_at) })}
          </Text>
        ) : null}
        {job.status === "failed" ? (
          <Group gap="xs" mt={4}>
            <Button size="compact-xs" color="red" variant="outline" onClick={onRetry} loading={retrying} data-testid="provider-retry">
              {t("provider.error.retry")}
            </Button>
            <Button
              size="compact-xs"
              variant="subtle"
              onClick={onToggle}
              aria-expanded={expanded}
              data-testid="provider-history-troubleshoot"
            >
              {expanded ? t("provider.history.hideHelp") : t("provider.history.showHelp")}
            </Button>
          </Group>
        ) : null}
      </Table.Td>
    </Table.Tr>
  );
}

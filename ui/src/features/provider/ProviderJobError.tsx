// Why a provider job failed, and what to do: the error kind in plain language, the
// job's details (counts, HTTP statuses — never clinical values), when a temporary
// failure is tried again by itself, the kind's troubleshooting steps in order, and
// "Retry" (`retry_provider_job`, when `onRetry` is given) with its own failure underneath.
import { Alert, Button, Group, List, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { ProviderErrorKind } from "../../bindings/ProviderErrorKind";
import type { ProviderJob } from "../../bindings/ProviderJob";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { formatInstant } from "../chart/format";
import { isTemporary, troubleshootingSteps } from "./model";

type Props = {
  job: ProviderJob;
  /** Omitted where Retry sits elsewhere (the history's row). */
  onRetry?: () => void;
  retrying?: boolean;
  retryError?: UiError | null;
};

export function ProviderJobError({ job, onRetry, retrying = false, retryError = null }: Props) {
  const { t, i18n } = useTranslation();
  const kind: ProviderErrorKind = job.error ?? "server_error";
  return (
    <Alert
      color="red"
      role="alert"
      title={t(`provider.errorKind.${kind}`)}
      data-testid="provider-error"
      data-kind={kind}
      data-job-id={job.id}
    >
      <Text size="sm" data-testid="provider-error-explained">
        {t(`provider.errorExplained.${kind}`)}
      </Text>
      {job.details ? (
        <Text size="xs" c="dimmed" mt={4} data-testid="provider-error-details">
          {t("provider.error.details", { details: job.details })}
        </Text>
      ) : null}
      {isTemporary(kind) && job.next_attempt_at ? (
        <Text size="sm" mt={4} data-testid="provider-error-next">
          {t("provider.error.nextAttempt", { time: formatInstant(job.next_attempt_at, i18n.language, true) })}
        </Text>
      ) : null}
      <Text size="sm" fw={600} mt="xs">
        {t("provider.error.whatToDo")}
      </Text>
      <List type="ordered" size="sm" data-testid="provider-error-steps">
        {troubleshootingSteps(kind).map((step) => (
          <List.Item key={step} data-testid="provider-error-step" data-step={step}>
            {t(`provider.steps.${step}`)}
          </List.Item>
        ))}
      </List>
      {onRetry ? (
        <Group mt="sm">
          <Button size="xs" color="red" variant="outline" onClick={onRetry} loading={retrying} data-testid="provider-retry">
            {t("provider.error.retry")}
          </Button>
        </Group>
      ) : null}
      {retryError ? (
        <ErrorAlert error={retryError} testId="provider-retry-error" title={t("provider.error.retryFailed")} />
      ) : null}
    </Alert>
  );
}

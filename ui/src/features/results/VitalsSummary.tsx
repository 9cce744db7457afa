// The chart's "Vital signs & results" summary, near the top: the latest value of each
// vital sign as tiles (value, unit, when, flag) and the most recent test results, with
// "Record vitals" and "Add result". It owns those two dialogs and the confirmation after
// a recording; a tile or result opens that code's trend (`onShowTrend`).
import { Alert, Button, Center, Group, Loader, Paper, Stack, Text, Title, UnstyledButton } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Observation } from "../../bindings/Observation";
import type { PatientId } from "../../bindings/PatientId";
import { toUiError } from "../../shared/uiError";
import { ChartError } from "../chart/ChartError";
import { getObservationSummary, resultsKeys } from "./api";
import { AddResultDialog } from "./AddResultDialog";
import { FlagBadge } from "./FlagBadge";
import { takenAt, valueWithUnit } from "./format";
import { flagLevel } from "./model";
import { RecordVitalsDialog } from "./RecordVitalsDialog";

type Props = { patientId: PatientId; onShowTrend: (code: string) => void };

export function VitalsSummary({ patientId, onShowTrend }: Props) {
  const { t } = useTranslation();
  const summary = useQuery({ queryKey: resultsKeys.summary(patientId), queryFn: () => getObservationSummary(patientId) });
  const [dialog, setDialog] = useState<"vitals" | "result" | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const titleId = "vitals-summary-title";

  const open = (next: "vitals" | "result") => {
    setNotice(null);
    setDialog(next);
  };
  const done = (saved: Observation[]) => {
    setDialog(null);
    const abnormal = saved.filter((o) => o.flag !== "normal").length;
    setNotice(
      abnormal > 0
        ? t("results.notice.recordedAbnormal", { count: saved.length, abnormal })
        : t("results.notice.recorded", { count: saved.length }),
    );
  };

  let body;
  if (summary.isPending) {
    body = (
      <Center p="sm">
        <Loader size="sm" aria-label={t("results.loading")} data-testid="vitals-summary-loading" />
      </Center>
    );
  } else if (summary.isError) {
    body = <ChartError error={toUiError(summary.error)} testId="vitals-summary-error" title={t("results.summaryError")} />;
  } else {
    const { latest_vitals: vitals, recent_results: results } = summary.data;
    body = (
      <Stack gap="sm">
        <div>
          <Title order={3} size="h5" mb={4} id="latest-vitals-title">
            {t("results.latestVitals")}
          </Title>
          {vitals.length === 0 ? (
            <Text size="sm" c="dimmed" data-testid="latest-vitals-empty">
              {t("results.noVitals")}
            </Text>
          ) : (
            <ul className="vital-tiles" aria-labelledby="latest-vitals-title" data-testid="latest-vitals">
              {vitals.map((o) => (
                <VitalTile key={o.id} obs={o} onOpen={() => onShowTrend(o.code)} />
              ))}
            </ul>
          )}
        </div>
        <div>
          <Title order={3} size="h5" mb={4} id="recent-results-title">
            {t("results.recentResults")}
          </Title>
          {results.length === 0 ? (
            <Text size="sm" c="dimmed" data-testid="recent-results-empty">
              {t("results.noResults")}
            </Text>
          ) : (
            <ul className="plain-list recent-results" aria-labelledby="recent-results-title" data-testid="recent-results">
              {results.map((o) => (
                <RecentResult key={o.id} obs={o} onOpen={() => onShowTrend(o.code)} />
              ))}
            </ul>
          )}
        </div>
      </Stack>
    );
  }

  return (
    <Paper withBorder p="md" component="section" aria-labelledby={titleId} data-testid="vitals-summary">
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Title order={2} size="h4" id={titleId}>
          {t("results.summaryTitle")}
        </Title>
        <Group gap="sm" wrap="wrap">
          <Button size="xs" onClick={() => open("vitals")} data-testid="vitals-record">
            {t("results.recordVitals")}
          </Button>
          <Button size="xs" variant="default" onClick={() => open("result")} data-testid="result-add">
            {t("results.addResult")}
          </Button>
        </Group>
      </Group>
      {notice ? (
        <Alert
          color="green"
          role="status"
          mb="sm"
          data-testid="results-notice"
          withCloseButton
          closeButtonLabel={t("results.notice.dismiss")}
          onClose={() => setNotice(null)}
        >
          {notice}
        </Alert>
      ) : null}
      {body}
      {dialog === "vitals" ? (
        <RecordVitalsDialog patientId={patientId} onClose={() => setDialog(null)} onDone={done} />
      ) : null}
      {dialog === "result" ? <AddResultDialog patientId={patientId} onClose={() => setDialog(null)} onDone={done} /> : null}
    </Paper>
  );
}

function VitalTile({ obs, onOpen }: { obs: Observation; onOpen: () => void }) {
  const { t, i18n } = useTranslation();
  const level = flagLevel(obs.flag);
  return (
    <li className={`vital-tile vital-tile-${level}`} data-testid="vital-tile" data-code={obs.code} data-flag={obs.flag}>
      <UnstyledButton
        onClick={onOpen}
        className="vital-tile-button"
        title={t("results.showTrendOf", { what: obs.display })}
      >
        <Text size="xs" c="dimmed" data-testid="vital-tile-name">
          {obs.display}
        </Text>
        <Text fw={700} size="lg" data-testid="vital-tile-value">
          {valueWithUnit(obs.value, obs.unit, i18n.language)}
        </Text>
        <Text size="xs" c="dimmed" data-testid="vital-tile-date">
          {takenAt(obs, i18n.language)}
        </Text>
      </UnstyledButton>
      <FlagBadge flag={obs.flag} />
    </li>
  );
}

function RecentResult({ obs, onOpen }: { obs: Observation; onOpen: () => void }) {
  const { t, i18n } = useTranslation();
  return (
    <li
      className={`recent-result recent-result-${flagLevel(obs.flag)}`}
      data-testid="recent-result"
      data-code={obs.code}
      data-flag={obs.flag}
    >
      <Group gap="xs" wrap="wrap">
        <UnstyledButton
          onClick={onOpen}
          className="link-button"
          aria-label={t("results.showTrendOf", { what: obs.display })}
        >
          {obs.display}
        </UnstyledButton>
        <Text span fw={600}>
          {valueWithUnit(obs.value, obs.unit, i18n.language)}
        </Text>
        <FlagBadge flag={obs.flag} />
        <Text span size="xs" c="dimmed">
          {takenAt(obs, i18n.language)}
        </Text>
      </Group>
    </li>
  );
}

// One section of the chart (problems, medications, allergies or treatment plans): the
// active entries from the summary, or with "Show inactive" every entry of the kind
// (`list_chart_entries`), and the button that opens the add dialog.
import { Button, Center, Group, Loader, Paper, Switch, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { ChartEntry } from "../../bindings/ChartEntry";
import type { ChartEntryKind } from "../../bindings/ChartEntryKind";
import type { PatientId } from "../../bindings/PatientId";
import { toUiError } from "../../shared/uiError";
import { chartKeys, listChartEntries } from "./api";
import { ChartEntryRow, type EntryAction } from "./ChartEntryRow";
import { ChartError } from "./ChartError";

type Props = {
  patientId: PatientId;
  kind: ChartEntryKind;
  /** The active entries of this kind, newest first (from the chart summary). */
  active: ChartEntry[];
  onAdd: (kind: ChartEntryKind) => void;
  onAction: (action: EntryAction, entry: ChartEntry) => void;
};

export function ChartSection({ patientId, kind, active, onAdd, onAction }: Props) {
  const { t } = useTranslation();
  const [showInactive, setShowInactive] = useState(false);
  const all = useQuery({
    queryKey: chartKeys.list(patientId, kind),
    queryFn: () => listChartEntries({ patient_id: patientId, kind, include_inactive: true }),
    enabled: showInactive,
  });
  const titleId = `chart-section-title-${kind}`;

  let body;
  if (showInactive && all.isPending) {
    body = (
      <Center p="sm">
        <Loader size="sm" aria-label={t("chart.loading")} />
      </Center>
    );
  } else if (showInactive && all.isError) {
    body = <ChartError error={toUiError(all.error)} testId={`chart-list-error-${kind}`} title={t("chart.listError")} />;
  } else {
    const entries = showInactive && all.data ? all.data : active;
    body =
      entries.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid={`chart-empty-${kind}`}>
          {t(`chart.kind.${kind}.empty`)}
        </Text>
      ) : (
        <ul className="chart-entries" aria-labelledby={titleId}>
          {entries.map((e) => (
            <ChartEntryRow key={e.id} entry={e} onAction={onAction} />
          ))}
        </ul>
      );
  }

  return (
    <Paper withBorder p="md" component="section" aria-labelledby={titleId} data-testid={`chart-section-${kind}`}>
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Title order={2} size="h4" id={titleId}>
          {t(`chart.kind.${kind}.title`)}
        </Title>
        <Group gap="md" wrap="wrap">
          <Switch
            label={t("chart.showInactive")}
            checked={showInactive}
            onChange={(e) => setShowInactive(e.currentTarget.checked)}
            data-testid={`chart-show-inactive-${kind}`}
          />
          <Button size="xs" onClick={() => onAdd(kind)} data-testid={`chart-add-${kind}`}>
            {t(`chart.kind.${kind}.add`)}
          </Button>
        </Group>
      </Group>
      {body}
    </Paper>
  );
}

// The history of one chart entry (`get_chart_entry_history`, oldest first): per version
// when, who, the status with its reason, and what the entry said, all as plain text.
import { Alert, Badge, Button, Center, Group, Loader, Modal, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { ChartEntry } from "../../bindings/ChartEntry";
import type { ChartEntryVersion } from "../../bindings/ChartEntryVersion";
import { toUiError } from "../../shared/uiError";
import { chartKeys, getChartEntryHistory } from "./api";
import { ChartError } from "./ChartError";
import { fieldText, formatInstant } from "./format";
import { detailsToValues, entryTitle, FIELDS, type ChartField } from "./model";

type Props = { entry: ChartEntry; onClose: () => void };

export function HistoryDialog({ entry, onClose }: Props) {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: chartKeys.history(entry.patient_id, entry.id),
    queryFn: () => getChartEntryHistory(entry.id),
  });

  let body;
  if (query.isPending) {
    body = (
      <Center p="md">
        <Loader aria-label={t("chart.history.loading")} />
      </Center>
    );
  } else if (query.isError) {
    body = <ChartError error={toUiError(query.error)} testId="chart-history-error" title={t("chart.history.errorTitle")} />;
  } else if (query.data.length === 0) {
    body = <Alert color="gray">{t("chart.history.empty")}</Alert>;
  } else {
    body = (
      <>
        <Text size="xs" c="dimmed">
          {t("chart.history.order")}
        </Text>
        <ol className="chart-history" data-testid="chart-history-list">
          {query.data.map((v) => (
            <HistoryRow key={v.version} version={v} />
          ))}
        </ol>
      </>
    );
  }

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={onClose}
      title={t("chart.history.title", { what: entryTitle(entry.details) })}
      size="lg"
      closeButtonProps={{ "aria-label": t("chart.history.close") }}
    >
      <Stack gap="sm" data-testid="chart-history-dialog">
        {body}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-testid="chart-history-close">
            {t("chart.history.close")}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function HistoryRow({ version: v }: { version: ChartEntryVersion }) {
  const { t, i18n } = useTranslation();
  const values = detailsToValues(v.details);
  const fields: ChartField[] = [...FIELDS[v.details.kind]];
  return (
    <li className="chart-history-row" data-testid="chart-history-row" data-version={v.version} data-status={v.status}>
      <Group gap="xs" wrap="wrap">
        <Text fw={700} span data-testid="chart-history-version">
          {t("chart.history.version", { version: v.version })}
        </Text>
        <Text span size="sm" data-testid="chart-history-when">
          {formatInstant(v.changed_at, i18n.language, true)}
        </Text>
        {v.changed_by ? (
          <Text span size="sm" data-testid="chart-history-who">
            {t("chart.history.by", { name: v.changed_by })}
          </Text>
        ) : null}
        <Badge color={v.status === "active" ? "green" : v.status === "entered_in_error" ? "red" : "gray"} variant="light">
          <span data-testid="chart-history-status">{t(`chart.status.${v.status}`)}</span>
        </Badge>
      </Group>
      {v.status_reason ? (
        <Text size="sm" data-testid="chart-history-reason">
          {t("chart.entry.reason", { reason: v.status_reason })}
        </Text>
      ) : null}
      <dl className="details chart-history-details" data-testid="chart-history-details">
        {fields
          .filter((f) => (values[f] ?? "").trim() !== "")
          .map((f) => (
            <div key={f} className="details-row">
              <dt>{t(`chart.field.${f}`)}</dt>
              <dd className="chart-multiline">{fieldText(t, f, values[f] ?? "")}</dd>
            </div>
          ))}
      </dl>
    </li>
  );
}

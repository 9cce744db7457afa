// One chart entry as a row: what it is, its other recorded fields, who recorded it and
// when; a non-active entry also shows its status and reason (entered in error is struck
// through). Buttons: Edit, Change status, History. All clinical text is plain text.
import { Badge, Button, Group, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { ChartEntry } from "../../bindings/ChartEntry";
import { detailParts, formatInstant } from "./format";
import { entryTitle } from "./model";

export type EntryAction = "edit" | "status" | "history";

type Props = { entry: ChartEntry; onAction: (action: EntryAction, entry: ChartEntry) => void };

export function ChartEntryRow({ entry, onAction }: Props) {
  const { t, i18n } = useTranslation();
  const d = entry.details;
  const what = entryTitle(d);
  const inError = entry.status === "entered_in_error";
  const date = formatInstant(entry.recorded_at, i18n.language);
  // A plan's description keeps its line breaks; other kinds list their fields on one line.
  const details = d.kind === "plan" ? d.description.trim() : detailParts(t, d).join(" · ");
  return (
    <li
      className={`chart-entry${inError ? " chart-entry-error" : ""}`}
      data-testid="chart-entry"
      data-kind={d.kind}
      data-status={entry.status}
      data-entry-id={entry.id}
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
        <div className="chart-entry-body">
          <Group gap="xs" wrap="wrap">
            <Text fw={600} component={inError ? "s" : "span"} data-testid="chart-entry-title">
              {what}
            </Text>
            {entry.status !== "active" ? (
              <Badge color={inError ? "red" : "gray"} variant="light" data-testid="chart-entry-status-label">
                {t(`chart.status.${entry.status}`)}
              </Badge>
            ) : null}
          </Group>
          {details ? (
            <Text size="sm" className="chart-multiline" component={inError ? "s" : "p"} data-testid="chart-entry-details">
              {details}
            </Text>
          ) : null}
          {entry.status !== "active" && entry.status_reason ? (
            <Text size="sm" data-testid="chart-entry-reason">
              {t("chart.entry.reason", { reason: entry.status_reason })}
            </Text>
          ) : null}
          <Text size="xs" c="dimmed">
            {entry.recorded_by
              ? t("chart.entry.recorded", { name: entry.recorded_by, date })
              : t("chart.entry.recordedUnknown", { date })}
          </Text>
        </div>
        <Group gap={4} wrap="nowrap">
          <Button
            size="xs"
            variant="default"
            onClick={() => onAction("edit", entry)}
            aria-label={t("chart.entry.editLabel", { what })}
            data-testid="chart-entry-edit"
          >
            {t("chart.entry.edit")}
          </Button>
          <Button
            size="xs"
            variant="default"
            onClick={() => onAction("status", entry)}
            aria-label={t("chart.entry.changeStatusLabel", { what })}
            data-testid="chart-entry-status"
          >
            {t("chart.entry.changeStatus")}
          </Button>
          <Button
            size="xs"
            variant="subtle"
            onClick={() => onAction("history", entry)}
            aria-label={t("chart.entry.historyLabel", { what })}
            data-testid="chart-entry-history"
          >
            {t("chart.entry.history")}
          </Button>
        </Group>
      </Group>
    </li>
  );
}

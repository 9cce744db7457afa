// One page of the results table: when, which test (a button that opens its trend), the
// value and unit (and what was typed when it was converted), the reference range, the
// flag, and "Entered in error". Abnormal rows are highlighted (orange, critical red); a
// value entered in error is struck through with its reason. All values are plain text.
import { Badge, Button, Table, Text, UnstyledButton, VisuallyHidden } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Observation } from "../../bindings/Observation";
import { FlagBadge } from "./FlagBadge";
import { enteredText, rangeText, takenAt, valueWithUnit } from "./format";
import { flagLevel } from "./model";

type Props = {
  items: Observation[];
  captionId: string;
  onShowTrend: (code: string) => void;
  onEnteredInError: (obs: Observation) => void;
};

export function ResultsTable({ items, captionId, onShowTrend, onEnteredInError }: Props) {
  const { t } = useTranslation();
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table data-testid="results-table" aria-labelledby={captionId} verticalSpacing={6}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("results.table.date")}</Table.Th>
            <Table.Th scope="col">{t("results.table.test")}</Table.Th>
            <Table.Th scope="col">{t("results.table.value")}</Table.Th>
            <Table.Th scope="col">{t("results.table.range")}</Table.Th>
            <Table.Th scope="col">{t("results.table.flag")}</Table.Th>
            <Table.Th scope="col">
              <VisuallyHidden>{t("results.table.actions")}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((o) => (
            <ResultRow key={o.id} obs={o} onShowTrend={onShowTrend} onEnteredInError={onEnteredInError} />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

type RowProps = {
  obs: Observation;
  onShowTrend: (code: string) => void;
  onEnteredInError: (obs: Observation) => void;
};

function ResultRow({ obs, onShowTrend, onEnteredInError }: RowProps) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const inError = obs.status === "entered_in_error";
  const level = inError ? "error" : flagLevel(obs.flag);
  const Strike = inError ? "s" : "span";
  const entered = enteredText(t, obs, locale);
  return (
    <Table.Tr
      className={`obs-row obs-row-${level}`}
      data-testid="result-row"
      data-code={obs.code}
      data-flag={obs.flag}
      data-status={obs.status}
    >
      <Table.Td>
        <Text size="sm">{takenAt(obs, locale)}</Text>
      </Table.Td>
      <Table.Td>
        <UnstyledButton
          className="link-button"
          onClick={() => onShowTrend(obs.code)}
          aria-label={t("results.showTrendOf", { what: obs.display })}
          data-testid="result-trend"
        >
          <Strike>{obs.display}</Strike>
        </UnstyledButton>
        {obs.source ? (
          <Text size="xs" c="dimmed" data-testid="result-row-source">
            {t("results.table.source", { source: obs.source })}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td>
        <Text size="sm" fw={inError ? 400 : 600} data-testid="result-row-value">
          <Strike>{valueWithUnit(obs.value, obs.unit, locale)}</Strike>
        </Text>
        {entered ? (
          <Text size="xs" c="dimmed" data-testid="result-entered">
            {entered}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td>
        <Text size="sm" data-testid="result-range">
          {rangeText(t, obs.ref_low, obs.ref_high, obs.unit, locale)}
        </Text>
      </Table.Td>
      <Table.Td>
        {inError ? (
          <>
            <Badge color="gray" variant="light" data-testid="result-status">
              {t("results.status.entered_in_error")}
            </Badge>
            {obs.status_reason ? (
              <Text size="xs" data-testid="result-status-reason">
                {t("results.table.reason", { reason: obs.status_reason })}
              </Text>
            ) : null}
          </>
        ) : (
          <FlagBadge flag={obs.flag} showNormal />
        )}
      </Table.Td>
      <Table.Td>
        {inError ? null : (
          <Button
            size="xs"
            variant="subtle"
            color="red"
            onClick={() => onEnteredInError(obs)}
            aria-label={t("results.eie.actionLabel", { what: obs.display })}
            data-testid="result-eie"
          >
            {t("results.eie.action")}
          </Button>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

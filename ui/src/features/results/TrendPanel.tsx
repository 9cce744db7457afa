// The trend of one chosen code (or blood pressure: systolic and diastolic together): the
// code picker, the line chart, and under it a plain table of the same points, newest
// first, so every value is readable without the chart. Nothing is fetched until a code is
// chosen (each trend view is audited). `focusTick` brings the panel into view.
import { Center, Group, Loader, NativeSelect, Stack, Table, Text, Title } from "@mantine/core";
import { useQueries } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { AbnormalFlag } from "../../bindings/AbnormalFlag";
import type { ObservationTrend } from "../../bindings/ObservationTrend";
import type { PatientId } from "../../bindings/PatientId";
import { toUiError } from "../../shared/uiError";
import { ChartError } from "../chart/ChartError";
import { formatInstant } from "../chart/format";
import { getObservationTrend, resultsKeys } from "./api";
import { FlagBadge } from "./FlagBadge";
import { valueWithUnit } from "./format";
import { chartRows, flagLevel, trendCodes } from "./model";
import { codeOptions } from "./options";
import { TrendChart, type TrendSeries } from "./TrendChart";
import { useObservationCodes } from "./useObservationCodes";

type Props = { patientId: PatientId; code: string | null; onCode: (code: string | null) => void; focusTick?: number };

const COLORS = ["blue.7", "grape.7"];
const SEVERITY: Record<ReturnType<typeof flagLevel>, number> = { normal: 0, abnormal: 1, critical: 2 };

export function TrendPanel({ patientId, code, onCode, focusTick = 0 }: Props) {
  const { t, i18n } = useTranslation();
  const codes = useObservationCodes();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const wanted = code ? trendCodes(code) : [];
  const trends = useQueries({
    queries: wanted.map((c) => ({
      queryKey: resultsKeys.trend(patientId, c),
      queryFn: () => getObservationTrend({ patient_id: patientId, code: c, from: null, to: null }),
    })),
  });

  useEffect(() => {
    if (focusTick === 0) return;
    headingRef.current?.scrollIntoView?.({ block: "start" });
    headingRef.current?.focus();
  }, [focusTick]);

  let body;
  const failed = trends.find((q) => q.isError);
  if (!code) {
    body = (
      <Text size="sm" c="dimmed" data-testid="trend-none">
        {t("results.trend.none")}
      </Text>
    );
  } else if (failed) {
    body = <ChartError error={toUiError(failed.error)} testId="trend-error" title={t("results.trend.error")} />;
  } else if (trends.some((q) => q.isPending)) {
    body = (
      <Center p="sm">
        <Loader size="sm" aria-label={t("results.loading")} data-testid="trend-loading" />
      </Center>
    );
  } else {
    const data = trends.map((q) => q.data).filter((d): d is ObservationTrend => d !== undefined);
    body = <TrendBody trends={data} locale={i18n.language} />;
  }

  return (
    <Stack gap="xs" mt="lg" data-testid="trend-panel">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={3} size="h5" ref={headingRef} tabIndex={-1} className="focus-target trend-heading" id="trend-title">
          {t("results.trend.title")}
        </Title>
        <NativeSelect
          label={t("results.trend.code")}
          value={code ?? ""}
          onChange={(e) => onCode(e.currentTarget.value || null)}
          data={[{ value: "", label: t("results.trend.choose") }, ...codeOptions(t, codes.data ?? [], true)]}
          data-testid="trend-code"
        />
      </Group>
      {body}
    </Stack>
  );
}

function TrendBody({ trends, locale }: { trends: ObservationTrend[]; locale: string }) {
  const { t } = useTranslation();
  const series: TrendSeries[] = trends.map((tr, i) => ({ code: tr.code, color: COLORS[i % COLORS.length]! }));
  const rows = chartRows(trends.map((tr) => ({ code: tr.code.code, points: tr.points })));
  const names = trends.map((tr) => tr.code.display).join(", ");
  if (rows.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid="trend-empty">
        {t("results.trend.empty", { what: names })}
      </Text>
    );
  }
  const first = formatInstant(new Date(rows[0]!.t).toISOString(), locale);
  const last = formatInstant(new Date(rows[rows.length - 1]!.t).toISOString(), locale);
  const label = t("results.trend.chartLabel", { what: names, count: rows.length, from: first, to: last });
  return (
    <Stack gap="xs">
      {trends.some((tr) => tr.truncated) ? (
        <Text size="sm" c="dimmed" data-testid="trend-truncated">
          {t("results.trend.truncated")}
        </Text>
      ) : null}
      <div data-testid="trend-chart" data-codes={trends.map((tr) => tr.code.code).join(" ")}>
        <TrendChart series={series} rows={rows} label={label} />
      </div>
      <Table.ScrollContainer minWidth={360}>
        <Table data-testid="trend-points" verticalSpacing={4} captionSide="top">
          <Table.Caption>{t("results.trend.tableCaption", { what: names })}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("results.table.date")}</Table.Th>
              {trends.map((tr) => (
                <Table.Th scope="col" key={tr.code.code}>
                  {tr.code.display}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {[...rows].reverse().map((row) => {
              const flags = trends.map((tr) => row[`${tr.code.code}__flag`] as AbnormalFlag | undefined);
              const worst = flags.reduce<AbnormalFlag>(
                (w, f) => (f && SEVERITY[flagLevel(f)] > SEVERITY[flagLevel(w)] ? f : w),
                "normal",
              );
              return (
                <Table.Tr
                  key={row.t}
                  className={`obs-row obs-row-${flagLevel(worst)}`}
                  data-testid="trend-point"
                  data-flag={worst}
                >
                  <Table.Td>{formatInstant(new Date(row.t).toISOString(), locale, true)}</Table.Td>
                  {trends.map((tr, i) => {
                    const v = row[tr.code.code];
                    return (
                      <Table.Td key={tr.code.code} data-testid="trend-point-value">
                        {typeof v === "number" ? (
                          <Group gap={6} wrap="nowrap">
                            <span>{valueWithUnit(v, tr.code.unit, locale)}</span>
                            {flags[i] ? <FlagBadge flag={flags[i]} /> : null}
                          </Group>
                        ) : (
                          "—"
                        )}
                      </Table.Td>
                    );
                  })}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

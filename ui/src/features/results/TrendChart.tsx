// The trend line chart (`@mantine/charts` on recharts; its styles come from the bundled
// `@mantine/charts/styles.css`, nothing is injected at run time, so the strict CSP holds):
// time on a proportional axis, each code's reference range as a shaded band with its
// limits as lines, and abnormal points drawn larger in orange (critical: red). The table
// under it (`TrendPanel`) carries the same values as text.
import { LineChart } from "@mantine/charts";
import { getThemeColor, useMantineTheme } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { ReferenceArea } from "recharts";
import type { AbnormalFlag } from "../../bindings/AbnormalFlag";
import type { ObservationCode } from "../../bindings/ObservationCode";
import { formatInstant } from "../chart/format";
import { flagLevel, formatValue, unitLabel, type ChartRow } from "./model";

export type TrendSeries = { code: ObservationCode; color: string };

type Props = { series: TrendSeries[]; rows: ChartRow[]; label: string };

const DOT_FILL = { normal: "", abnormal: "var(--mantine-color-orange-8)", critical: "var(--mantine-color-red-9)" };
const BAND_FILL = ["var(--mantine-color-green-6)", "var(--mantine-color-teal-6)"];

/** A chart time (ms) as a date, or date and time; "" for anything else. */
function timeText(v: unknown, locale: string, withTime: boolean): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return "";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? "" : formatInstant(d.toISOString(), locale, withTime);
}

type DotProps = { cx?: number | null; cy?: number | null; payload?: ChartRow; index?: number };

/** A point's dot: the series colour when normal, larger and orange/red when abnormal. */
function dotFor(code: string, color: string, active: boolean) {
  return function Dot({ cx, cy, payload, index }: DotProps) {
    const key = `${code}-${index ?? 0}-${active ? "a" : "d"}`;
    if (cx == null || cy == null || payload?.[code] == null) return <g key={key} />;
    const flag = (payload[`${code}__flag`] ?? "normal") as AbnormalFlag;
    const level = flagLevel(flag);
    const r = (level === "normal" ? 3 : level === "abnormal" ? 5 : 6) + (active ? 2 : 0);
    return (
      <circle
        key={key}
        cx={cx}
        cy={cy}
        r={r}
        fill={DOT_FILL[level] || color}
        stroke="white"
        strokeWidth={level === "normal" ? 1 : 2}
        data-testid={active ? undefined : "trend-dot"}
        data-flag={flag}
      />
    );
  };
}

export function TrendChart({ series, rows, label }: Props) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const theme = useMantineTheme();
  const colors = new Map(series.map((s) => [s.code.code, getThemeColor(s.color, theme)]));
  const single = series.length === 1 ? series[0]!.code : null;
  const units = [...new Set(series.map((s) => unitLabel(s.code.unit)))].join(", ");

  const bands = series.flatMap(({ code }, i) =>
    code.ref_low === null && code.ref_high === null
      ? []
      : [
          <ReferenceArea
            key={`band-${code.code}`}
            yAxisId="left"
            y1={code.ref_low ?? undefined}
            y2={code.ref_high ?? undefined}
            fill={BAND_FILL[i % BAND_FILL.length]}
            fillOpacity={0.12}
            strokeOpacity={0}
            ifOverflow="extendDomain"
          />,
        ],
  );
  // The low limit's label sits under its line on the left, the high one's above on the
  // right, so they never overlap however narrow the band is drawn.
  const limit = (y: number | null, key: "refLow" | "refHigh", labelPosition: "insideBottomLeft" | "insideTopRight") =>
    y === null
      ? []
      : [
          {
            y,
            labelPosition,
            color: "green.8",
            strokeDasharray: "4 4",
            label: t(`results.trend.${key}`, { value: formatValue(y, locale) }),
          },
        ];
  const limits = single
    ? [...limit(single.ref_low, "refLow", "insideBottomLeft"), ...limit(single.ref_high, "refHigh", "insideTopRight")]
    : [];

  return (
    <div role="img" aria-label={label} className="trend-chart-box">
      <LineChart
        h={280}
        data={rows}
        dataKey="t"
        series={series.map((s) => ({ name: s.code.code, label: s.code.display, color: s.color }))}
        curveType="linear"
        connectNulls
        withLegend={series.length > 1}
        legendProps={{ verticalAlign: "bottom", height: 40 }}
        gridAxis="xy"
        yAxisLabel={units}
        valueFormatter={(v) => formatValue(v, locale)}
        xAxisProps={{
          type: "number",
          scale: "time",
          domain: ["dataMin", "dataMax"],
          padding: { left: 16, right: 16 },
          tickFormatter: (v: unknown) => timeText(v, locale, false),
        }}
        yAxisProps={{ domain: ["auto", "auto"], width: 56 }}
        // Called with no label while the tooltip is hidden.
        tooltipProps={{ labelFormatter: (v: unknown) => timeText(v, locale, true) }}
        referenceLines={limits}
        lineProps={(s) => ({
          dot: dotFor(s.name, colors.get(s.name) ?? "currentColor", false),
          activeDot: dotFor(s.name, colors.get(s.name) ?? "currentColor", true),
        })}
      >
        {bands}
      </LineChart>
    </div>
  );
}

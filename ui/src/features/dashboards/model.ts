// The dashboards' pure logic: who sees which dashboard (doctors the schedule ones — the
// core scopes them to the doctor — billing the money ones, administrators all), the
// default range, and each dashboard's answer as one table (period rows, text cells) and
// one chart (numbers per period). Counts and minor units stay integers in the table;
// the chart gets plain numbers (money in major units, rates in percent) only to plot.
import type { DashboardKind } from "../../bindings/DashboardKind";
import type { DashboardPeriod } from "../../bindings/DashboardPeriod";
import type { Role } from "../../bindings/Role";
import { bpToPercent, currencyDigits, minorToDecimal } from "../billing/model";
import type { DashboardData } from "./api";

export const SCHEDULE_KINDS: DashboardKind[] = ["appointments", "attendance", "utilisation", "patient_mix"];
export const FINANCIAL_KINDS: DashboardKind[] = ["revenue", "receivables"];

export const canSeeDashboards = (role: Role): boolean =>
  role === "administrator" || role === "doctor" || role === "billing";

export function kindsFor(role: Role): DashboardKind[] {
  if (role === "administrator") return [...SCHEDULE_KINDS, ...FINANCIAL_KINDS];
  if (role === "doctor") return SCHEDULE_KINDS;
  if (role === "billing") return FINANCIAL_KINDS;
  return [];
}

/** Only administrators pick a provider (a doctor's dashboards are their own). */
export const canPickProvider = (role: Role): boolean => role === "administrator";

const pad = (n: number) => String(n).padStart(2, "0");
const iso = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** The last 30 days up to `now` (browser zone). */
export function defaultRange(now: Date = new Date()): { from: string; to: string } {
  const from = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 29);
  return { from: iso(from), to: iso(now) };
}

export const periodLabel = (p: DashboardPeriod): string => (p.starts_on === p.ends_on ? p.starts_on : `${p.starts_on} – ${p.ends_on}`);

/** A column: its i18n key under `dashboards.cols` (or a literal label), and how it reads. */
export type Column = { key: string; label?: string };
export type Table = { columns: Column[]; rows: { key: string; period: string; cells: string[] }[]; totals: string[] | null };
export type Chart = { data: Record<string, string | number>[]; series: { name: string; label?: string }[]; unit: string };
export type View = { table: Table; chart: Chart };

type Formatters = { money: (minor: number, currency: string) => string; rate: (bp: number | null) => string };

export const rateText = (bp: number | null, na: string): string => (bp === null ? na : `${bpToPercent(bp)} %`);

/** Minor units as a plain number of major units, for plotting only. */
export const plotMoney = (minor: number, currency: string): number => Number(minorToDecimal(minor, currencyDigits(currency)));

export function viewOf<K extends DashboardKind>(kind: K, data: DashboardData[K], f: Formatters): View {
  switch (kind) {
    case "appointments": {
      const d = data as DashboardData["appointments"];
      const keys = ["total", "booked", "in_progress", "done", "no_show", "cancelled", "needs_reschedule"] as const;
      return {
        table: {
          columns: keys.map((key) => ({ key })),
          rows: d.rows.map((r) => ({ key: r.period.starts_on, period: periodLabel(r.period), cells: keys.map((k) => String(r.counts[k])) })),
          totals: keys.map((k) => String(d.totals[k])),
        },
        chart: {
          data: d.rows.map((r) => ({ period: r.period.starts_on, done: r.counts.done, no_show: r.counts.no_show, cancelled: r.counts.cancelled, booked: r.counts.booked })),
          series: [{ name: "done" }, { name: "booked" }, { name: "no_show" }, { name: "cancelled" }],
          unit: "",
        },
      };
    }
    case "attendance": {
      const d = data as DashboardData["attendance"];
      const cells = (x: DashboardData["attendance"]["totals"]) => [
        String(x.scheduled),
        String(x.attended),
        String(x.no_show),
        String(x.cancelled),
        f.rate(x.no_show_rate_bp),
        f.rate(x.cancellation_rate_bp),
      ];
      return {
        table: {
          columns: ["scheduled", "attended", "no_show", "cancelled", "no_show_rate", "cancellation_rate"].map((key) => ({ key })),
          rows: d.rows.map((r) => ({ key: r.period.starts_on, period: periodLabel(r.period), cells: cells(r.rates) })),
          totals: cells(d.totals),
        },
        chart: {
          data: d.rows.map((r) => ({
            period: r.period.starts_on,
            no_show_rate: (r.rates.no_show_rate_bp ?? 0) / 100,
            cancellation_rate: (r.rates.cancellation_rate_bp ?? 0) / 100,
          })),
          series: [{ name: "no_show_rate" }, { name: "cancellation_rate" }],
          unit: "%",
        },
      };
    }
    case "utilisation": {
      const d = data as DashboardData["utilisation"];
      const byPeriod = new Map<string, Record<string, string | number>>();
      for (const p of d.providers) {
        for (const r of p.rows) {
          const row = byPeriod.get(r.period.starts_on) ?? { period: r.period.starts_on };
          row[p.provider_id] = (r.utilisation.utilisation_bp ?? 0) / 100;
          byPeriod.set(r.period.starts_on, row);
        }
      }
      return {
        table: {
          columns: [{ key: "provider", label: "" }, { key: "booked_minutes" }, { key: "available_minutes" }, { key: "utilisation" }],
          rows: d.providers.flatMap((p) =>
            p.rows.map((r) => ({
              key: `${p.provider_id}-${r.period.starts_on}`,
              period: periodLabel(r.period),
              cells: [p.provider_name, String(r.utilisation.booked_minutes), String(r.utilisation.available_minutes), f.rate(r.utilisation.utilisation_bp)],
            })),
          ),
          totals: null,
        },
        chart: {
          data: [...byPeriod.values()],
          series: d.providers.map((p) => ({ name: p.provider_id, label: p.provider_name })),
          unit: "%",
        },
      };
    }
    case "patient_mix": {
      const d = data as DashboardData["patient_mix"];
      const keys = ["seen", "new", "returning"] as const;
      return {
        table: {
          columns: keys.map((key) => ({ key })),
          rows: d.rows.map((r) => ({ key: r.period.starts_on, period: periodLabel(r.period), cells: keys.map((k) => String(r.mix[k])) })),
          totals: keys.map((k) => String(d.totals[k])),
        },
        chart: { data: d.rows.map((r) => ({ period: r.period.starts_on, new: r.mix.new, returning: r.mix.returning })), series: [{ name: "new" }, { name: "returning" }], unit: "" },
      };
    }
    case "revenue": {
      const d = data as DashboardData["revenue"];
      const keys = ["invoiced", "collected", "refunded", "credited"] as const;
      const s = d.series[0];
      const c = s?.currency ?? "";
      return {
        table: {
          columns: keys.map((key) => ({ key })),
          rows: d.series.flatMap((ser) =>
            ser.rows.map((r) => ({ key: `${ser.currency}-${r.period.starts_on}`, period: periodLabel(r.period), cells: keys.map((k) => f.money(r.amounts[k], ser.currency)) })),
          ),
          totals: s ? keys.map((k) => f.money(s.totals[k], c)) : null,
        },
        chart: {
          data: (s?.rows ?? []).map((r) => ({ period: r.period.starts_on, invoiced: plotMoney(r.amounts.invoiced, c), collected: plotMoney(r.amounts.collected, c) })),
          series: [{ name: "invoiced" }, { name: "collected" }],
          unit: c,
        },
      };
    }
    default: {
      const d = data as DashboardData["receivables"];
      const keys = ["outstanding", "days_0_30", "days_31_60", "days_61_90", "days_over_90"] as const;
      const s = d.series[0];
      const c = s?.currency ?? "";
      return {
        table: {
          columns: keys.map((key) => ({ key })),
          rows: d.series.flatMap((ser) =>
            ser.rows.map((r) => ({ key: `${ser.currency}-${r.period.starts_on}`, period: periodLabel(r.period), cells: keys.map((k) => f.money(r.receivables[k], ser.currency)) })),
          ),
          totals: null,
        },
        chart: {
          data: (s?.rows ?? []).map((r) => ({ period: r.period.starts_on, outstanding: plotMoney(r.receivables.outstanding, c) })),
          series: [{ name: "outstanding" }],
          unit: c,
        },
      };
    }
  }
}

// Vital signs and test results, pure: the vitals the "Record vitals" dialog offers, unit
// symbols as people write them, flag severities, number formatting, the shell's
// `observations.<i>.<field>` errors split per row, typed times turned into what the shell
// takes, and trend points merged into chart rows. Pure, so it can be unit tested.
import type { AbnormalFlag } from "../../bindings/AbnormalFlag";
import type { FieldError } from "../../bindings/FieldError";
import type { ObservationCode } from "../../bindings/ObservationCode";
import type { TrendPoint } from "../../bindings/TrendPoint";
import type { UiError } from "../../bindings/UiError";

/** The rows of "Record vitals", in order (codes of the shell's catalogue). */
export const VITAL_ROWS = [
  "systolic_bp",
  "diastolic_bp",
  "heart_rate",
  "respiratory_rate",
  "temperature",
  "spo2",
  "weight",
  "height",
] as const;

/** Systolic and diastolic pressure, charted together under `BLOOD_PRESSURE`. */
export const BP_CODES = ["systolic_bp", "diastolic_bp"] as const;
export const BLOOD_PRESSURE = "blood_pressure";

/** The trend to open for a code: either blood pressure value opens both together. */
export const trendChoiceFor = (code: string): string =>
  (BP_CODES as readonly string[]).includes(code) ? BLOOD_PRESSURE : code;

/** The codes a trend choice stands for (blood pressure is two). */
export const trendCodes = (choice: string): string[] => (choice === BLOOD_PRESSURE ? [...BP_CODES] : [choice]);

/** UCUM unit codes (as the shell stores them) written as people read them. */
const UNIT_LABELS: Record<string, string> = {
  "mm[Hg]": "mmHg",
  Cel: "°C",
  "[degF]": "°F",
  "[lb_av]": "lb",
  "[in_i]": "in",
  "kg/m2": "kg/m²",
  "umol/L": "µmol/L",
  "mL/min/{1.73_m2}": "mL/min/1.73 m²",
  "meq/L": "mEq/L",
  "m[IU]/L": "mIU/L",
  "u[IU]/mL": "µIU/mL",
};

export const unitLabel = (unit: string): string => UNIT_LABELS[unit] ?? unit;

export type FlagLevel = "normal" | "abnormal" | "critical";

export function flagLevel(flag: AbnormalFlag): FlagLevel {
  switch (flag) {
    case "normal":
      return "normal";
    case "low":
    case "high":
      return "abnormal";
    case "critical_low":
    case "critical_high":
      return "critical";
  }
}

/** The colour of a flag: orange outside the reference range, red past a critical limit. */
export const flagColor = (flag: AbnormalFlag): string | null =>
  ({ normal: null, abnormal: "orange", critical: "red" })[flagLevel(flag)];

/** A value with as many decimals as its size needs (120, 37.2, 5.55, 0.045). */
export function formatValue(value: number, locale: string): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
}

/** True when the value was typed in another unit (or rounded on conversion). */
export const wasConverted = (o: { value: number; unit: string; entered_value: number; entered_unit: string }): boolean =>
  o.entered_unit.trim() !== "" && (o.entered_unit !== o.unit || o.entered_value !== o.value);

export type ObservationField = "code" | "value" | "unit" | "effective_at" | "source";
const FIELD = /^observations\.(\d+)\.(code|value|unit|effective_at|source)$/;

/**
 * The shell's field errors of a recording, per row sent (`observations.<i>.<field>`), and
 * what is left to show above the form (other fields, or any other error). A validation
 * error whose every field has a place under an input leaves nothing above.
 */
export function splitObservationErrors(error: UiError | null): {
  rows: Map<number, Partial<Record<ObservationField, string>>>;
  rest: UiError | null;
} {
  const rows = new Map<number, Partial<Record<ObservationField, string>>>();
  if (!error) return { rows, rest: null };
  const other: FieldError[] = [];
  for (const f of error.fields ?? []) {
    const m = FIELD.exec(f.field);
    if (!m) {
      other.push(f);
      continue;
    }
    const row = rows.get(Number(m[1])) ?? {};
    const field = m[2] as ObservationField;
    row[field] = row[field] ? `${row[field]} ${f.message}` : f.message;
    rows.set(Number(m[1]), row);
  }
  if (error.code === "validation" && rows.size > 0 && other.length === 0) return { rows, rest: null };
  return { rows, rest: other.length > 0 ? { ...error, fields: other } : { ...error, fields: undefined } };
}

/**
 * A typed time as the shell takes it: empty (now), a date `YYYY-MM-DD`, or a local
 * date and time `YYYY-MM-DD HH:MM` turned into UTC. Today's date is sent as "now": the
 * shell reads a bare date as 12:00 UTC, which east of UTC is still in the future on the
 * morning of that day. Anything else goes as typed, for the shell to explain.
 */
export function toEffectiveAt(text: string, today: string): string {
  const t = text.trim();
  if (t === today) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/.exec(t);
  if (!m) return t;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const local = new Date(y, mo - 1, d, h, mi);
  return Number.isNaN(local.getTime()) ? t : local.toISOString();
}

/** Catalogue codes of one category, in catalogue order. */
export const codesOf = (codes: readonly ObservationCode[], category: ObservationCode["category"]) =>
  codes.filter((c) => c.category === category);

/** One chart row: the time (ms) and, per code charted, its value and flag at that time. */
export type ChartRow = { t: number } & Record<string, number | string | null>;

/**
 * The points of one or more codes as chart rows, oldest first. Points taken at the same
 * instant share a row (a blood pressure's two values); a code without a value at a row's
 * time has `null` there. Points with an unreadable time are left out.
 */
export function chartRows(series: { code: string; points: readonly TrendPoint[] }[]): ChartRow[] {
  const byTime = new Map<number, ChartRow>();
  for (const { code, points } of series) {
    for (const p of points) {
      const t = Date.parse(p.effective_at);
      if (Number.isNaN(t)) continue;
      const row = byTime.get(t) ?? ({ t } as ChartRow);
      row[code] = p.value;
      row[`${code}__flag`] = p.flag;
      byTime.set(t, row);
    }
  }
  const codes = series.map((s) => s.code);
  return [...byTime.values()]
    .sort((a, b) => a.t - b.t)
    .map((row) => {
      for (const c of codes) if (!(c in row)) row[c] = null;
      return row;
    });
}

// Display helpers of vital signs and results: a value with its unit, the typed value when
// it was converted, the reference range, a flag's label, and when a value was taken.
import type { TFunction } from "i18next";
import type { AbnormalFlag } from "../../bindings/AbnormalFlag";
import type { Observation } from "../../bindings/Observation";
import { formatInstant } from "../chart/format";
import { formatValue, unitLabel, wasConverted } from "./model";

export const valueWithUnit = (value: number, unit: string, locale: string): string =>
  `${formatValue(value, locale)} ${unitLabel(unit)}`.trim();

/** "entered as 5.5 mmol/L" when the value was typed in another unit, else "". */
export function enteredText(t: TFunction, o: Observation, locale: string): string {
  if (!wasConverted(o)) return "";
  return t("results.entered", { value: valueWithUnit(o.entered_value, o.entered_unit, locale) });
}

/** "70–99 mg/dL", "≥ 95 %", "≤ 200 mg/dL", or "—" when there is no range. */
export function rangeText(t: TFunction, low: number | null, high: number | null, unit: string, locale: string): string {
  const u = unitLabel(unit);
  const f = (v: number) => formatValue(v, locale);
  if (low !== null && high !== null) return t("results.range.between", { low: f(low), high: f(high), unit: u });
  if (low !== null) return t("results.range.atLeast", { low: f(low), unit: u });
  if (high !== null) return t("results.range.atMost", { high: f(high), unit: u });
  return t("results.range.none");
}

export const flagLabel = (t: TFunction, flag: AbnormalFlag): string => t(`results.flag.${flag}`);

/** When it was taken: date and time for vital signs, the date for laboratory results. */
export const takenAt = (o: Pick<Observation, "effective_at" | "category">, locale: string): string =>
  formatInstant(o.effective_at, locale, o.category === "vital_signs");

// Display helpers of the chart: dates and instants in the user's locale, one field's
// value as text (severity translated), and an allergy as the banner lists it.
import type { TFunction } from "i18next";
import type { ChartEntryDetails } from "../../bindings/ChartEntryDetails";
import type { ChartField } from "./model";
import { otherFields } from "./model";

/** An RFC 3339 instant as a date (or date and time); unparseable text as is. */
export function formatInstant(iso: string, locale: string, withTime = false): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const options: Intl.DateTimeFormatOptions = withTime
    ? { dateStyle: "medium", timeStyle: "short" }
    : { dateStyle: "medium" };
  return new Intl.DateTimeFormat(locale, options).format(date);
}

/** One field's value as shown: a severity by its label, anything else as recorded. */
export function fieldText(t: TFunction, field: ChartField, value: string): string {
  if (field === "severity") {
    switch (value) {
      case "mild":
      case "moderate":
      case "severe":
      case "unknown":
        return t(`chart.severity.${value}`);
    }
  }
  return value;
}

/** "Label: value" for each recorded field other than the entry's title. */
export function detailParts(t: TFunction, d: ChartEntryDetails): string[] {
  return otherFields(d).map(({ field, value }) => `${t(`chart.field.${field}`)}: ${fieldText(t, field, value)}`);
}

/** "substance (reaction, severity)", leaving out what is not recorded. */
export function allergyLine(t: TFunction, d: ChartEntryDetails): string {
  if (d.kind !== "allergy") return "";
  const details = [d.reaction.trim(), d.severity ? t(`chart.severity.${d.severity}`) : ""].filter(Boolean);
  return details.length > 0 ? t("chart.banner.item", { substance: d.substance, details: details.join(", ") }) : d.substance;
}

// The chart's closed value lists (kinds in screen order, the statuses each kind allows,
// allergy severities), the form fields of each kind, and the conversion between an
// entry's details and the add/edit form's text values. Pure, so it can be unit tested.
import type { AllergySeverity } from "../../bindings/AllergySeverity";
import type { ChartEntryDetails } from "../../bindings/ChartEntryDetails";
import type { ChartEntryKind } from "../../bindings/ChartEntryKind";
import type { EntryStatus } from "../../bindings/EntryStatus";

const keysOf = <T extends string>(r: Record<T, true>): T[] => Object.keys(r) as T[];

/** The chart's sections, in the order they are shown. */
export const KINDS: ChartEntryKind[] = keysOf<ChartEntryKind>({ problem: true, medication: true, allergy: true, plan: true });

export const SEVERITIES: AllergySeverity[] = keysOf<AllergySeverity>({
  mild: true,
  moderate: true,
  severe: true,
  unknown: true,
});

/** The statuses an entry of each kind may have (mirrors `ChartEntryKind::statuses`). */
export const STATUSES: Record<ChartEntryKind, EntryStatus[]> = {
  allergy: ["active", "inactive", "resolved", "entered_in_error"],
  problem: ["active", "inactive", "resolved", "entered_in_error"],
  medication: ["active", "stopped", "completed", "entered_in_error"],
  plan: ["active", "stopped", "completed", "entered_in_error"],
};

/** The form fields of each kind, in order; the names are those of the details (and of field errors). */
export const FIELDS = {
  allergy: ["substance", "reaction", "severity", "onset_date"],
  medication: ["name", "dose", "route", "frequency", "start_date", "stop_date", "prescriber"],
  problem: ["text", "icd10_code", "onset_date"],
  plan: ["title", "description"],
} as const satisfies Record<ChartEntryKind, readonly string[]>;

export type ChartField = (typeof FIELDS)[ChartEntryKind][number];

/** The one field each kind requires (what the entry is). */
export const REQUIRED: Record<ChartEntryKind, ChartField> = {
  allergy: "substance",
  medication: "name",
  problem: "text",
  plan: "title",
};

export const DATE_FIELDS: readonly ChartField[] = ["onset_date", "start_date", "stop_date"];

/** The add/edit form's values: text per field (severity "" when not recorded). */
export type EntryValues = Partial<Record<ChartField, string>>;

const isSeverity = (s: string): s is AllergySeverity => (SEVERITIES as string[]).includes(s);

export function emptyValues(kind: ChartEntryKind): EntryValues {
  return Object.fromEntries(FIELDS[kind].map((f) => [f, ""]));
}

export function detailsToValues(d: ChartEntryDetails): EntryValues {
  switch (d.kind) {
    case "allergy":
      return { substance: d.substance, reaction: d.reaction, severity: d.severity ?? "", onset_date: d.onset_date };
    case "medication":
      return {
        name: d.name,
        dose: d.dose,
        route: d.route,
        frequency: d.frequency,
        start_date: d.start_date,
        stop_date: d.stop_date,
        prescriber: d.prescriber,
      };
    case "problem":
      return { text: d.text, icd10_code: d.icd10_code, onset_date: d.onset_date };
    case "plan":
      return { title: d.title, description: d.description };
  }
}

/** The details to send, trimmed (a plan's description keeps its inner line breaks). */
export function valuesToDetails(kind: ChartEntryKind, v: EntryValues): ChartEntryDetails {
  const s = (f: ChartField) => (v[f] ?? "").trim();
  switch (kind) {
    case "allergy": {
      const severity = s("severity");
      return {
        kind,
        substance: s("substance"),
        reaction: s("reaction"),
        severity: isSeverity(severity) ? severity : null,
        onset_date: s("onset_date"),
      };
    }
    case "medication":
      return {
        kind,
        name: s("name"),
        dose: s("dose"),
        route: s("route"),
        frequency: s("frequency"),
        start_date: s("start_date"),
        stop_date: s("stop_date"),
        prescriber: s("prescriber"),
      };
    case "problem":
      return { kind, text: s("text"), icd10_code: s("icd10_code"), onset_date: s("onset_date") };
    case "plan":
      return { kind, title: s("title"), description: s("description") };
  }
}

/** What the entry is, in a few words (the substance, medication, problem or plan title). */
export function entryTitle(d: ChartEntryDetails): string {
  switch (d.kind) {
    case "allergy":
      return d.substance;
    case "medication":
      return d.name;
    case "problem":
      return d.text;
    case "plan":
      return d.title;
  }
}

/** The entry's other recorded fields, in form order, leaving out empty ones. */
export function otherFields(d: ChartEntryDetails): { field: ChartField; value: string }[] {
  const values = detailsToValues(d);
  return FIELDS[d.kind]
    .filter((f) => f !== REQUIRED[d.kind])
    .map((field) => ({ field, value: values[field] ?? "" }))
    .filter((x) => x.value.trim() !== "");
}

// Test fixtures for the chart screen (used by tests only): entries of each kind, a chart
// summary, and the mocked commands a chart needs to open (its other sections empty).
import type { ChartEntry } from "../../bindings/ChartEntry";
import type { ChartEntryDetails } from "../../bindings/ChartEntryDetails";
import type { ChartSummary } from "../../bindings/ChartSummary";
import type { TimelinePage } from "../../bindings/TimelinePage";
import { samplePatient, type Handlers } from "../../test/render";

export const PATIENT = samplePatient();

type DetailsOf<K extends ChartEntryDetails["kind"]> = Extract<ChartEntryDetails, { kind: K }>;

export const penicillin: DetailsOf<"allergy"> = {
  kind: "allergy",
  substance: "Penicillin",
  reaction: "Hives",
  severity: "severe",
  onset_date: "2015-06-01",
};

export const metformin: DetailsOf<"medication"> = {
  kind: "medication",
  name: "Metformin",
  dose: "500 mg",
  route: "oral",
  frequency: "twice daily",
  start_date: "2024-01-10",
  stop_date: "",
  prescriber: "Dr Grey",
};

export const diabetes: DetailsOf<"problem"> = {
  kind: "problem",
  text: "Type 2 diabetes mellitus",
  icd10_code: "E11.9",
  onset_date: "2023-11-02",
};

export const dietPlan: DetailsOf<"plan"> = { kind: "plan", title: "Diet", description: "Lose 5 kg.\nWalk daily." };

let next = 1;
export const chartEntry = (details: ChartEntryDetails, over: Partial<ChartEntry> = {}): ChartEntry => ({
  id: `entry-${next++}`,
  patient_id: PATIENT.id,
  status: "active",
  status_reason: "",
  details,
  recorded_at: "2026-01-05T12:00:00Z",
  recorded_by: "Dr Grey",
  updated_at: "2026-01-05T12:00:00Z",
  version: 1,
  ...over,
});

export const chartSummary = (over: Partial<ChartSummary> = {}): ChartSummary => ({
  patient_id: PATIENT.id,
  allergy_status: { state: "not_recorded" },
  allergies: [],
  problems: [],
  medications: [],
  plans: [],
  ...over,
});

/** An empty timeline page (no visits, no notes). */
export const emptyTimeline = (): TimelinePage => ({ encounters: [], loose_notes: [], page: 0, page_size: 20, has_more: false });

/**
 * `get_patient`, `get_chart_summary` and `get_timeline` (empty) answering with these, the
 * chart's other sections empty (vital signs and results, documents), plus any other
 * handlers.
 */
export const chartHandlers = (summary: () => ChartSummary, more: Handlers = {}): Handlers => ({
  get_patient: () => PATIENT,
  get_chart_summary: () => summary(),
  get_timeline: () => emptyTimeline(),
  get_observation_summary: () => ({ latest_vitals: [], recent_results: [] }),
  list_observations: () => ({ items: [], page: 0, page_size: 20, has_more: false }),
  list_observation_codes: () => [],
  list_documents: () => ({ items: [], page: 0, page_size: 20, has_more: false }),
  ...more,
});

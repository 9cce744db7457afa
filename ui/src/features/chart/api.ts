// The only place the chart screen talks to the Tauri shell: the chart summary, lists,
// entry history, recording and correcting entries, status changes and the "no known
// allergies" statement. Each function is one command; a failure rejects with a `UiError`
// (normalize with `toUiError`).
import { invoke } from "@tauri-apps/api/core";
import type { AddChartEntry } from "../../bindings/AddChartEntry";
import type { AllergyStatus } from "../../bindings/AllergyStatus";
import type { ChartEntry } from "../../bindings/ChartEntry";
import type { ChartEntryId } from "../../bindings/ChartEntryId";
import type { ChartEntryKind } from "../../bindings/ChartEntryKind";
import type { ChartEntryVersion } from "../../bindings/ChartEntryVersion";
import type { ChartSummary } from "../../bindings/ChartSummary";
import type { ListChartEntries } from "../../bindings/ListChartEntries";
import type { PatientId } from "../../bindings/PatientId";
import type { SetChartEntryStatus } from "../../bindings/SetChartEntryStatus";
import type { SetNoKnownAllergies } from "../../bindings/SetNoKnownAllergies";
import type { UpdateChartEntry } from "../../bindings/UpdateChartEntry";

export const getChartSummary = (id: PatientId): Promise<ChartSummary> =>
  invoke<ChartSummary>("get_chart_summary", { id });

export const listChartEntries = (request: ListChartEntries): Promise<ChartEntry[]> =>
  invoke<ChartEntry[]>("list_chart_entries", { request });

export const getChartEntryHistory = (id: ChartEntryId): Promise<ChartEntryVersion[]> =>
  invoke<ChartEntryVersion[]>("get_chart_entry_history", { id });

export const addChartEntry = (request: AddChartEntry): Promise<ChartEntry> =>
  invoke<ChartEntry>("add_chart_entry", { request });

export const updateChartEntry = (request: UpdateChartEntry): Promise<ChartEntry> =>
  invoke<ChartEntry>("update_chart_entry", { request });

export const setChartEntryStatus = (request: SetChartEntryStatus): Promise<ChartEntry> =>
  invoke<ChartEntry>("set_chart_entry_status", { request });

export const setNoKnownAllergies = (request: SetNoKnownAllergies): Promise<AllergyStatus> =>
  invoke<AllergyStatus>("set_no_known_allergies", { request });

/**
 * The latest version of one entry (there is no single-entry command: it is looked up in
 * the full list of its kind). Rejects with `not_found` when it is not there.
 */
export async function getChartEntry(patientId: PatientId, kind: ChartEntryKind, id: ChartEntryId): Promise<ChartEntry> {
  const all = await listChartEntries({ patient_id: patientId, kind, include_inactive: true });
  const entry = all.find((e) => e.id === id);
  if (!entry) return Promise.reject({ code: "not_found", message: `chart entry ${id} not found` });
  return entry;
}

/**
 * Query keys. Everything of one patient's chart sits under `chartKeys.patient(id)`, so a
 * write refreshes the summary, the lists and any open history with one invalidation.
 */
export const chartKeys = {
  all: ["chart"] as const,
  patient: (id: PatientId) => ["chart", id] as const,
  summary: (id: PatientId) => ["chart", id, "summary"] as const,
  list: (id: PatientId, kind: ChartEntryKind) => ["chart", id, "list", kind] as const,
  history: (id: PatientId, entryId: ChartEntryId) => ["chart", id, "history", entryId] as const,
};

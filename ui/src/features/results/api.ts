// The only place vital signs and test results talk to the Tauri shell: the code
// catalogue, recording values (all or nothing), the paged results list, one code's trend,
// the chart's summary (latest vitals, recent results) and "entered in error". Each
// function is one command; a failure rejects with whatever the shell sent (normalize with
// `toUiError`).
import { invoke } from "@tauri-apps/api/core";
import type { ListObservations } from "../../bindings/ListObservations";
import type { Observation } from "../../bindings/Observation";
import type { ObservationCode } from "../../bindings/ObservationCode";
import type { ObservationPage } from "../../bindings/ObservationPage";
import type { ObservationSummary } from "../../bindings/ObservationSummary";
import type { ObservationTrend } from "../../bindings/ObservationTrend";
import type { PatientId } from "../../bindings/PatientId";
import type { RecordObservations } from "../../bindings/RecordObservations";
import type { SetObservationEnteredInError } from "../../bindings/SetObservationEnteredInError";
import type { TrendQuery } from "../../bindings/TrendQuery";

/** Values per page of the results table. */
export const RESULTS_PAGE_SIZE = 20;

export const listObservationCodes = (): Promise<ObservationCode[]> => invoke<ObservationCode[]>("list_observation_codes");

export const recordObservations = (request: RecordObservations): Promise<Observation[]> =>
  invoke<Observation[]>("record_observations", { request });

export const listObservations = (query: ListObservations): Promise<ObservationPage> =>
  invoke<ObservationPage>("list_observations", { query });

export const getObservationTrend = (query: TrendQuery): Promise<ObservationTrend> =>
  invoke<ObservationTrend>("get_observation_trend", { query });

export const getObservationSummary = (id: PatientId): Promise<ObservationSummary> =>
  invoke<ObservationSummary>("get_observation_summary", { id });

export const setObservationEnteredInError = (request: SetObservationEnteredInError): Promise<Observation> =>
  invoke<Observation>("set_observation_entered_in_error", { request });

/**
 * Query keys. Everything of one patient's values sits under `resultsKeys.patient(id)`, so
 * a write refreshes the summary, the table and any trend with one invalidation. The
 * catalogue is the same for every patient and never changes while the app runs.
 */
export const resultsKeys = {
  codes: ["observation-codes"] as const,
  patient: (id: PatientId) => ["results", id] as const,
  summary: (id: PatientId) => ["results", id, "summary"] as const,
  list: (id: PatientId, code: string | null, page: number) => ["results", id, "list", code, page] as const,
  trend: (id: PatientId, code: string) => ["results", id, "trend", code] as const,
};

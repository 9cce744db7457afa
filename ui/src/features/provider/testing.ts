// Test fixtures of the primary provider feature (used by tests only): an endpoint, a
// link, jobs, pulled documents, requests and a patient's provider records, plus a
// stand-in for the shell's event bus that lets a test send `provider-sync-progress`
// and `provider-job-finished` events to whatever the screen listens to.
import { listen } from "@tauri-apps/api/event";
import { vi } from "vitest";
import type { DocumentRequest } from "../../bindings/DocumentRequest";
import type { PatientProviderLink } from "../../bindings/PatientProviderLink";
import type { PatientProviderRecords } from "../../bindings/PatientProviderRecords";
import type { ProviderDocument } from "../../bindings/ProviderDocument";
import type { ProviderEndpoint } from "../../bindings/ProviderEndpoint";
import type { ProviderJob } from "../../bindings/ProviderJob";
import { PATIENT } from "../chart/testing";

export const ENDPOINT_ID = "0190f0a0-0000-7000-8000-0000000000e1";

export const endpoint = (over: Partial<ProviderEndpoint> = {}): ProviderEndpoint => ({
  id: ENDPOINT_ID,
  name: "Riverside Family Practice",
  base_url: "https://fhir.riverside.example/r4",
  auth: "bearer",
  client_id: null,
  token_url: null,
  scope: null,
  has_credentials: true,
  refresh_minutes: 60,
  send_demographics: false,
  clinic_default: true,
  updated_at: "2026-01-04T09:00:00Z",
  ...over,
});

export const link = (over: Partial<PatientProviderLink> = {}): PatientProviderLink => ({
  patient_id: PATIENT.id,
  provider_id: ENDPOINT_ID,
  provider_name: "Riverside Family Practice",
  remote_patient_id: "rv-1001",
  identifier: null,
  last_synced_at: "2026-01-05T10:00:00Z",
  ...over,
});

let seq = 0;

export const job = (over: Partial<ProviderJob> = {}): ProviderJob => ({
  id: `job-${++seq}`,
  kind: "pull",
  trigger: "manual",
  status: "succeeded",
  patient_id: PATIENT.id,
  patient_mrn: PATIENT.mrn,
  provider_id: ENDPOINT_ID,
  provider_name: "Riverside Family Practice",
  queued_at: "2026-01-05T09:59:00Z",
  started_at: "2026-01-05T09:59:01Z",
  finished_at: "2026-01-05T10:00:00Z",
  attempts: 1,
  next_attempt_at: null,
  error: null,
  details: "12 resources: 2 new documents, 3 results",
  counts: [],
  ...over,
});

export const providerDoc = (over: Partial<ProviderDocument> = {}): ProviderDocument => ({
  document_id: `pdoc-${++seq}`,
  document_type: "letter",
  title: "Referral letter",
  document_date: "2026-01-02",
  author: "Dr River",
  source: "Riverside Family Practice",
  media_type: "text/plain",
  pulled_at: "2026-01-05T10:00:00Z",
  ...over,
});

export const documentRequest = (over: Partial<DocumentRequest> = {}): DocumentRequest => ({
  id: `req-${++seq}`,
  patient_id: PATIENT.id,
  provider_id: ENDPOINT_ID,
  description: "Discharge summary from March",
  document_type: null,
  status: "requested",
  remote_task_id: "task-1",
  requested_by: "Dr Grey",
  requested_at: "2026-01-05T11:00:00Z",
  updated_at: "2026-01-05T11:00:00Z",
  ...over,
});

export const records = (over: Partial<PatientProviderRecords> = {}): PatientProviderRecords => ({
  link: link(),
  can_sync_here: true,
  documents: [],
  results: 0,
  chart_items: 0,
  requests: [],
  pending_jobs: 0,
  last_job: null,
  ...over,
});

type Handler = (e: { payload: unknown }) => void;

/**
 * Routes the mocked `listen` (vi.mock("@tauri-apps/api/event")) to in-memory handlers;
 * `emit(event, payload)` delivers to every current listener of `event`.
 */
export function fakeEventBus() {
  const handlers = new Map<string, Set<Handler>>();
  vi.mocked(listen).mockImplementation(async (event, handler) => {
    const set = handlers.get(event) ?? new Set<Handler>();
    set.add(handler as Handler);
    handlers.set(event, set);
    return () => void set.delete(handler as Handler);
  });
  return {
    emit: (event: string, payload: unknown) => {
      for (const h of handlers.get(event) ?? []) h({ payload });
    },
    listening: (event: string) => (handlers.get(event)?.size ?? 0) > 0,
  };
}

// The only place the patient's primary provider (a FHIR R4 endpoint) talks to the Tauri
// shell: the endpoints (listed; saved by administrators, the secret write-only), a
// patient's link and provider records, "Sync now", asking for documents, the sync
// history and retrying a job. While a job runs the shell sends `provider-sync-progress`
// events, and `provider-job-finished` when any job ends. Each function is one command; a
// failure rejects with whatever the shell sent (normalize with `toUiError`).
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { DocumentRequest } from "../../bindings/DocumentRequest";
import type { LinkPatientProvider } from "../../bindings/LinkPatientProvider";
import type { PatientId } from "../../bindings/PatientId";
import type { PatientProviderLink } from "../../bindings/PatientProviderLink";
import type { PatientProviderRecords } from "../../bindings/PatientProviderRecords";
import type { ProviderEndpoint } from "../../bindings/ProviderEndpoint";
import type { ProviderJob } from "../../bindings/ProviderJob";
import type { ProviderJobQuery } from "../../bindings/ProviderJobQuery";
import type { ProviderSyncProgress } from "../../bindings/ProviderSyncProgress";
import type { RequestProviderDocuments } from "../../bindings/RequestProviderDocuments";
import type { SaveProviderEndpoint } from "../../bindings/SaveProviderEndpoint";

export const PROGRESS_EVENT = "provider-sync-progress";
export const JOB_FINISHED_EVENT = "provider-job-finished";

export const listProviderEndpoints = (): Promise<ProviderEndpoint[]> =>
  invoke<ProviderEndpoint[]>("list_provider_endpoints");

export const saveProviderEndpoint = (input: SaveProviderEndpoint): Promise<ProviderEndpoint> =>
  invoke<ProviderEndpoint>("save_provider_endpoint", { input });

export const linkPatientProvider = (input: LinkPatientProvider): Promise<PatientProviderLink> =>
  invoke<PatientProviderLink>("link_patient_provider", { input });

export const getPatientProviderRecords = (patientId: PatientId): Promise<PatientProviderRecords> =>
  invoke<PatientProviderRecords>("get_patient_provider_records", { patientId });

/** Queues a manual pull; answers with the queued or running one if there is one already. */
export const syncPatientProvider = (patientId: PatientId): Promise<ProviderJob> =>
  invoke<ProviderJob>("sync_patient_provider", { patientId });

export const requestProviderDocuments = (input: RequestProviderDocuments): Promise<DocumentRequest> =>
  invoke<DocumentRequest>("request_provider_documents", { input });

export const listProviderJobs = (query: ProviderJobQuery): Promise<ProviderJob[]> =>
  invoke<ProviderJob[]>("list_provider_jobs", { query });

export const retryProviderJob = (jobId: string): Promise<ProviderJob> =>
  invoke<ProviderJob>("retry_provider_job", { jobId });

/**
 * Query keys. Everything of the provider feature sits under `providerKeys.all`, so a
 * finished job refreshes the panel and the history at once.
 */
export const providerKeys = {
  all: ["provider"] as const,
  endpoints: ["provider", "endpoints"] as const,
  records: (id: PatientId) => ["provider", "records", id] as const,
  jobs: ["provider", "jobs"] as const,
  jobList: (query: ProviderJobQuery) => ["provider", "jobs", query] as const,
};

/** Calls `handler` with each event's payload until the returned function is called.
 *  Outside the Tauri window (tests, a plain browser) there is no event bus: nothing happens. */
function follow<T>(event: string, handler: (payload: T) => void): () => void {
  let active = true;
  let stop: (() => void) | null = null;
  Promise.resolve()
    .then(() => listen<T>(event, (e) => handler(e.payload)))
    .then((unlisten) => {
      if (active) stop = unlisten;
      else unlisten();
    })
    .catch(() => {});
  return () => {
    active = false;
    stop?.();
  };
}

export const onSyncProgress = (handler: (p: ProviderSyncProgress) => void): (() => void) =>
  follow(PROGRESS_EVENT, handler);

export const onJobFinished = (handler: (job: ProviderJob) => void): (() => void) =>
  follow(JOB_FINISHED_EVENT, handler);

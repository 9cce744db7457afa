// Pure helpers of the patient's primary provider: who may use what (mirrors
// `clinic_core::authz`; the shell enforces it), the troubleshooting steps of each error
// kind, status colours, the progress bar's value, documents grouped by type, a pull's
// counts, the history's query, and the endpoint and link forms' values as the commands
// take them (the secret is write-only: left empty it is kept, "forget" sends "").
import type { DocumentInfo } from "../../bindings/DocumentInfo";
import type { DocumentRequestStatus } from "../../bindings/DocumentRequestStatus";
import type { DocumentType } from "../../bindings/DocumentType";
import type { FhirTypeCounts } from "../../bindings/FhirTypeCounts";
import type { LinkPatientProvider } from "../../bindings/LinkPatientProvider";
import type { PatientId } from "../../bindings/PatientId";
import type { PatientProviderLink } from "../../bindings/PatientProviderLink";
import type { ProviderAuthKind } from "../../bindings/ProviderAuthKind";
import type { ProviderDocument } from "../../bindings/ProviderDocument";
import type { ProviderEndpoint } from "../../bindings/ProviderEndpoint";
import type { ProviderErrorKind } from "../../bindings/ProviderErrorKind";
import type { ProviderJob } from "../../bindings/ProviderJob";
import type { ProviderJobKind } from "../../bindings/ProviderJobKind";
import type { ProviderJobQuery } from "../../bindings/ProviderJobQuery";
import type { ProviderJobStatus } from "../../bindings/ProviderJobStatus";
import type { ProviderSyncProgress } from "../../bindings/ProviderSyncProgress";
import type { Role } from "../../bindings/Role";
import type { SaveProviderEndpoint } from "../../bindings/SaveProviderEndpoint";
import { DOCUMENT_TYPES } from "../documents/model";

// ---- Who may use what -------------------------------------------------------------

/** Link a patient, "Sync now", the sync history and retrying: whoever registers or administers. */
export const canUseProviderSync = (role: Role): boolean =>
  role === "administrator" || role === "front_desk" || role === "doctor" || role === "nurse";

/** The records pulled (documents, counts, requests): clinicians, as documents are. */
export const canReadProviderRecords = (role: Role): boolean => role === "doctor" || role === "nurse";

/** Ask the provider for more documents: clinicians and administrators. */
export const canRequestProviderDocuments = (role: Role): boolean =>
  role === "administrator" || role === "doctor" || role === "nurse";

/** Configure endpoints (and hold their credentials on this device): administrators. */
export const canConfigureProviders = (role: Role): boolean => role === "administrator";

// ---- Errors and their troubleshooting ------------------------------------------------

export const ERROR_KINDS: readonly ProviderErrorKind[] = [
  "unreachable",
  "timeout",
  "unauthorized",
  "forbidden",
  "patient_not_found",
  "server_error",
  "malformed",
  "rejected",
  "not_configured",
];

/** Failures the app tries again by itself (after a growing pause). */
export const isTemporary = (kind: ProviderErrorKind): boolean =>
  kind === "unreachable" || kind === "timeout" || kind === "server_error";

/** One troubleshooting step (its text is `provider.steps.<id>`). */
export type StepId =
  | "checkConnection"
  | "checkProviderUp"
  | "checkBaseUrl"
  | "providerSlow"
  | "autoRetry"
  | "renewToken"
  | "checkClientRegistration"
  | "checkDeviceClock"
  | "checkScopes"
  | "askProviderAccess"
  | "checkRemoteId"
  | "checkIdentifier"
  | "askProviderPatient"
  | "providerProblem"
  | "contactProvider"
  | "checkFhirBaseUrl"
  | "reviewDetails"
  | "checkSendBack"
  | "credentialsHere"
  | "linkPatient";

const STEPS: Record<ProviderErrorKind, readonly StepId[]> = {
  unreachable: ["checkConnection", "checkProviderUp", "checkBaseUrl", "autoRetry"],
  timeout: ["providerSlow", "checkConnection", "autoRetry"],
  unauthorized: ["renewToken", "checkClientRegistration", "checkDeviceClock"],
  forbidden: ["checkScopes", "askProviderAccess"],
  patient_not_found: ["checkRemoteId", "checkIdentifier", "askProviderPatient"],
  server_error: ["providerProblem", "autoRetry", "contactProvider"],
  malformed: ["checkFhirBaseUrl", "contactProvider"],
  rejected: ["reviewDetails", "checkSendBack", "contactProvider"],
  not_configured: ["credentialsHere", "linkPatient"],
};

/** What to do about a failure of this kind, in order. */
export const troubleshootingSteps = (kind: ProviderErrorKind): readonly StepId[] => STEPS[kind];

// ---- Statuses --------------------------------------------------------------------------

export const JOB_STATUSES: readonly ProviderJobStatus[] = ["queued", "running", "succeeded", "failed"];
export const JOB_KINDS: readonly ProviderJobKind[] = ["pull", "request_documents", "check_request", "send_demographics"];

/** How often the panel and the history ask again while a job is queued or running. */
export const PENDING_POLL_MS = 3000;

/** Queued or running: a new pull would only wait behind it. */
export const isPendingJob = (job: Pick<ProviderJob, "status"> | null | undefined): boolean =>
  job?.status === "queued" || job?.status === "running";

export function jobStatusColor(status: ProviderJobStatus): string {
  switch (status) {
    case "queued":
      return "gray";
    case "running":
      return "blue";
    case "succeeded":
      return "green";
    case "failed":
      return "red";
  }
}

/** A request the provider may still act on (it is looked at again until it is not). */
export const isOpenRequest = (status: DocumentRequestStatus): boolean =>
  status === "queued" || status === "requested" || status === "accepted" || status === "in_progress";

export function requestStatusColor(status: DocumentRequestStatus): string {
  switch (status) {
    case "completed":
      return "green";
    case "rejected":
    case "failed":
      return "red";
    case "cancelled":
      return "gray";
    case "queued":
      return "gray";
    default:
      return "blue";
  }
}

// ---- Progress ----------------------------------------------------------------------------

/** 0–100: steps done of the total (finding the patient counts as none done yet). */
export function progressPercent(p: ProviderSyncProgress | null): number {
  if (!p || p.total <= 0 || p.phase === "resolving") return 0;
  return Math.round(Math.min(1, Math.max(0, p.done / p.total)) * 100);
}

// ---- Documents and counts ------------------------------------------------------------------

export type DocumentGroup = { type: DocumentType; documents: ProviderDocument[] };

/** Documents by type (in the documents feature's order), newest document date first in each. */
export function groupDocumentsByType(docs: readonly ProviderDocument[]): DocumentGroup[] {
  return DOCUMENT_TYPES.map((type) => ({
    type,
    documents: docs
      .filter((d) => d.document_type === type)
      .sort((a, b) => b.document_date.localeCompare(a.document_date) || a.title.localeCompare(b.title)),
  })).filter((g) => g.documents.length > 0);
}

/** Distinct sources of the documents, most documents first (ties by name). */
export function documentSources(docs: readonly ProviderDocument[]): { source: string; count: number }[] {
  const bySource = new Map<string, number>();
  for (const d of docs) bySource.set(d.source, (bySource.get(d.source) ?? 0) + 1);
  return [...bySource.entries()]
    .map(([source, count]) => ({ source, count }))
    .sort((a, b) => b.count - a.count || a.source.localeCompare(b.source));
}

/** The viewer's description of a pulled document (its content brings the rest). */
export function providerDocumentInfo(doc: ProviderDocument, patientId: PatientId): DocumentInfo {
  return {
    id: doc.document_id,
    patient_id: patientId,
    type: doc.document_type,
    title: doc.title,
    document_date: doc.document_date,
    author: doc.author,
    source: doc.source,
    file_name: "",
    media_type: doc.media_type,
    size: 0,
    status: "current",
    recorded_at: doc.pulled_at,
    recorded_by: doc.source,
    searchable: false,
    version: 1,
  };
}

export type CountsTotals = Omit<FhirTypeCounts, "resource_type">;

export function countsTotals(counts: readonly FhirTypeCounts[]): CountsTotals {
  const t: CountsTotals = { imported: 0, updated: 0, unchanged: 0, kept: 0, skipped: 0, errors: 0 };
  for (const c of counts) {
    t.imported += c.imported;
    t.updated += c.updated;
    t.unchanged += c.unchanged;
    t.kept += c.kept;
    t.skipped += c.skipped;
    t.errors += c.errors;
  }
  return t;
}

/** The resource types a pull changed something of (new, updated, kept or in error), by name. */
export function changedTypes(counts: readonly FhirTypeCounts[]): FhirTypeCounts[] {
  return counts
    .filter((c) => c.imported + c.updated + c.kept + c.errors > 0)
    .sort((a, b) => a.resource_type.localeCompare(b.resource_type));
}

// ---- The history's query --------------------------------------------------------------------

export const HISTORY_LIMIT = 200;

export type HistoryFilters = {
  patientId: PatientId | null;
  status: ProviderJobStatus | "";
  kind: ProviderJobKind | "";
  text: string;
};

export const NO_HISTORY_FILTERS: HistoryFilters = { patientId: null, status: "", kind: "", text: "" };

export function historyQuery(f: HistoryFilters): ProviderJobQuery {
  const text = f.text.trim();
  return {
    patient_id: f.patientId,
    status: f.status === "" ? null : f.status,
    kind: f.kind === "" ? null : f.kind,
    text: text === "" ? null : text,
    limit: HISTORY_LIMIT,
  };
}

export const isJobStatus = (v: string): v is ProviderJobStatus => (JOB_STATUSES as readonly string[]).includes(v);
export const isJobKind = (v: string): v is ProviderJobKind => (JOB_KINDS as readonly string[]).includes(v);

// ---- The endpoint form --------------------------------------------------------------------------

export const AUTH_KINDS: readonly ProviderAuthKind[] = ["open", "bearer", "smart_backend"];
export const isAuthKind = (v: string): v is ProviderAuthKind => (AUTH_KINDS as readonly string[]).includes(v);

/** Automatic refresh: 0 (manual only) or 5 minutes to 7 days. */
export const MIN_REFRESH_MINUTES = 5;
export const MAX_REFRESH_MINUTES = 7 * 24 * 60;

export type EndpointFormValues = {
  id: string | null;
  name: string;
  baseUrl: string;
  auth: ProviderAuthKind;
  clientId: string;
  tokenUrl: string;
  scope: string;
  /** What is typed now; never what the device holds. */
  secret: string;
  refreshMinutes: number | string;
  sendDemographics: boolean;
  clinicDefault: boolean;
};

export const emptyEndpointForm = (): EndpointFormValues => ({
  id: null,
  name: "",
  baseUrl: "",
  auth: "bearer",
  clientId: "",
  tokenUrl: "",
  scope: "",
  secret: "",
  refreshMinutes: 60,
  sendDemographics: false,
  clinicDefault: false,
});

export const endpointToForm = (e: ProviderEndpoint): EndpointFormValues => ({
  id: e.id,
  name: e.name,
  baseUrl: e.base_url,
  auth: e.auth,
  clientId: e.client_id ?? "",
  tokenUrl: e.token_url ?? "",
  scope: e.scope ?? "",
  secret: "",
  refreshMinutes: e.refresh_minutes,
  sendDemographics: e.send_demographics,
  clinicDefault: e.clinic_default,
});

/** True for 0 or a whole number of minutes in the allowed range. */
export function refreshMinutesOk(v: number | string): boolean {
  const n = typeof v === "number" ? v : v.trim() === "" ? NaN : Number(v);
  return Number.isInteger(n) && (n === 0 || (n >= MIN_REFRESH_MINUTES && n <= MAX_REFRESH_MINUTES));
}

const orNull = (s: string): string | null => (s.trim() === "" ? null : s.trim());

/**
 * The save command's input. The secret: `forget` sends "" (the device forgets what it
 * holds); an empty field sends null (keep); an open endpoint takes none. SMART fields
 * go only with SMART.
 */
export function toSaveEndpoint(v: EndpointFormValues, forget: boolean): SaveProviderEndpoint {
  const smart = v.auth === "smart_backend";
  const typed = v.secret.trim();
  return {
    id: v.id,
    name: v.name.trim(),
    base_url: v.baseUrl.trim(),
    auth: v.auth,
    client_id: smart ? orNull(v.clientId) : null,
    token_url: smart ? orNull(v.tokenUrl) : null,
    scope: orNull(v.scope),
    secret: forget ? "" : v.auth === "open" || typed === "" ? null : typed,
    refresh_minutes: typeof v.refreshMinutes === "number" ? v.refreshMinutes : Number(v.refreshMinutes),
    send_demographics: v.sendDemographics,
    clinic_default: v.clinicDefault,
  };
}

// ---- The link form -------------------------------------------------------------------------------

export type LinkFormValues = {
  /** "" = the clinic's default provider. */
  providerId: string;
  remotePatientId: string;
  identifier: string;
};

export const linkToForm = (link: PatientProviderLink | null): LinkFormValues => ({
  providerId: link?.provider_id ?? "",
  remotePatientId: link?.remote_patient_id ?? "",
  identifier: link?.identifier ?? "",
});

/** True when neither the id there nor an identifier is given (one is needed). */
export const linkIncomplete = (v: LinkFormValues): boolean =>
  v.remotePatientId.trim() === "" && v.identifier.trim() === "";

export function toLinkInput(patientId: PatientId, v: LinkFormValues): LinkPatientProvider {
  return {
    patient_id: patientId,
    provider_id: v.providerId === "" ? null : v.providerId,
    remote_patient_id: orNull(v.remotePatientId),
    identifier: orNull(v.identifier),
  };
}

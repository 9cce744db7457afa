//! The patient's primary healthcare provider as a FHIR R4 endpoint: what the UI
//! sees and sends to configure an endpoint, link a patient to it, pull the
//! patient's documents and results, request more documents, send demographics
//! back, and read the history of all of it.
//!
//! Invariants:
//! - Credentials (a bearer token, a SMART private key) go in only: no type the
//!   shell returns carries them (`has_credentials` says whether this device holds
//!   them). They stay on the device that was given them, in its encrypted store.
//! - Every exchange with a provider is a job: queued first (so it survives being
//!   offline, a restart or a crash), run when the device is online, and logged.
//! - Log details hold counts, resource types, HTTP statuses and error kinds —
//!   never clinical values (they are listed and searched).
use crate::ids::{DocumentId, PatientId};
use crate::interop::FhirTypeCounts;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

text_enum!(
    /// How the app authenticates to a provider's FHIR endpoint.
    ProviderAuthKind {
        /// No authentication (a test or intranet endpoint).
        Open => "open",
        /// A static bearer token given by the provider.
        Bearer => "bearer",
        /// SMART Backend Services: a client id and a private key (PEM, RS384 or
        /// ES384) sign a JWT assertion exchanged at the token URL for an access
        /// token (OAuth 2.0 client credentials).
        SmartBackend => "smart_backend",
    }
);

/// A provider endpoint as configured (never with its credentials).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProviderEndpoint {
    #[ts(type = "string")]
    pub id: uuid::Uuid,
    /// What staff call it ("Riverside Family Practice").
    pub name: String,
    /// The FHIR base URL (`https://fhir.example.org/r4`).
    pub base_url: String,
    pub auth: ProviderAuthKind,
    /// SMART: the client id registered at the provider.
    pub client_id: Option<String>,
    /// SMART: the token endpoint.
    pub token_url: Option<String>,
    /// SMART: the scopes asked for (e.g. `system/*.read system/Patient.write`).
    pub scope: Option<String>,
    /// Whether this device holds the credentials (token or private key).
    pub has_credentials: bool,
    /// Automatic refresh of linked patients every this many minutes (0 = manual only).
    pub refresh_minutes: u32,
    /// Send demographics edits back (the endpoint must accept Patient updates).
    pub send_demographics: bool,
    /// Used for patients linked without naming a provider.
    pub clinic_default: bool,
    pub updated_at: String,
}

/// Create (no `id`) or change an endpoint. Administrators only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SaveProviderEndpoint {
    #[ts(type = "string | null")]
    pub id: Option<uuid::Uuid>,
    pub name: String,
    pub base_url: String,
    pub auth: ProviderAuthKind,
    pub client_id: Option<String>,
    pub token_url: Option<String>,
    pub scope: Option<String>,
    /// Bearer: the token; SMART: the private key (PEM). `None` keeps what this
    /// device holds; an empty string forgets it.
    pub secret: Option<String>,
    pub refresh_minutes: u32,
    pub send_demographics: bool,
    pub clinic_default: bool,
}

impl std::fmt::Debug for SaveProviderEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaveProviderEndpoint")
            .field("id", &self.id)
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// Which provider holds a patient's record there, and under which id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientProviderLink {
    pub patient_id: PatientId,
    #[ts(type = "string")]
    pub provider_id: uuid::Uuid,
    pub provider_name: String,
    /// The patient's logical id at the provider (`Patient/<id>`), once known.
    pub remote_patient_id: Option<String>,
    /// Or an identifier to find them by (`system|value`), e.g. their MRN there.
    pub identifier: Option<String>,
    /// When their documents and results were last pulled successfully.
    pub last_synced_at: Option<String>,
}

/// Link a patient to a provider (doctors, nurses, administrators, front desk).
/// `provider_id: None` means the clinic's default provider. At least one of
/// `remote_patient_id` and `identifier` is required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LinkPatientProvider {
    pub patient_id: PatientId,
    #[ts(type = "string | null")]
    pub provider_id: Option<uuid::Uuid>,
    pub remote_patient_id: Option<String>,
    pub identifier: Option<String>,
}

text_enum!(
    /// What a provider job does.
    ProviderJobKind {
        /// Pull the patient's documents, results and chart items changed since the last pull.
        Pull => "pull",
        /// Ask the provider for more documents (a FHIR Task).
        RequestDocuments => "request_documents",
        /// Look at a request's Task again until it is completed or refused.
        CheckRequest => "check_request",
        /// Send the patient's demographics back (Patient update).
        SendDemographics => "send_demographics",
    }
);

text_enum!(
    /// Who started a job.
    ProviderJobTrigger {
        Manual => "manual",
        Scheduled => "scheduled",
        /// A demographics edit (send back) or a request made by staff.
        Change => "change",
    }
);

text_enum!(
    ProviderJobStatus {
        /// Waiting to run (offline, or its turn has not come).
        Queued => "queued",
        Running => "running",
        Succeeded => "succeeded",
        /// Failed; `error` says why. Retried automatically when the error is
        /// temporary (unreachable, timeout, 5xx), else after a manual retry.
        Failed => "failed",
    }
);

text_enum!(
    /// Why a job failed: each has its own troubleshooting steps in the UI.
    ProviderErrorKind {
        /// No connection (DNS, refused, TLS): the device or the provider is offline.
        Unreachable => "unreachable",
        Timeout => "timeout",
        /// 401: the token is wrong or expired.
        Unauthorized => "unauthorized",
        /// 403: the credentials may not read or write this.
        Forbidden => "forbidden",
        /// The patient is not known at the provider (404 or no match for the identifier).
        PatientNotFound => "patient_not_found",
        /// 5xx.
        ServerError => "server_error",
        /// The answer was not the FHIR we asked for (not JSON, not a Bundle…).
        Malformed => "malformed",
        /// The provider refused what we sent (400, 409, 412, 422): e.g. an update
        /// it does not accept.
        Rejected => "rejected",
        /// This device holds no credentials for the endpoint, or the patient has no link.
        NotConfigured => "not_configured",
    }
);

/// One job, as listed in the sync history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProviderJob {
    #[ts(type = "string")]
    pub id: uuid::Uuid,
    pub kind: ProviderJobKind,
    pub trigger: ProviderJobTrigger,
    pub status: ProviderJobStatus,
    pub patient_id: Option<PatientId>,
    /// The patient's MRN (the log is searched by it; names stay out of the log).
    pub patient_mrn: Option<String>,
    #[ts(type = "string")]
    pub provider_id: uuid::Uuid,
    pub provider_name: String,
    pub queued_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub attempts: u32,
    /// When a failed temporary error will be tried again.
    pub next_attempt_at: Option<String>,
    pub error: Option<ProviderErrorKind>,
    /// What happened, for people: "12 resources: 2 new documents, 3 results
    /// updated", "HTTP 503 from Observation search (attempt 3)".
    pub details: String,
    /// A pull's counts per resource type.
    pub counts: Vec<FhirTypeCounts>,
}

/// Filter and search of the history (newest first).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProviderJobQuery {
    pub patient_id: Option<PatientId>,
    pub status: Option<ProviderJobStatus>,
    pub kind: Option<ProviderJobKind>,
    /// Matched against the MRN, the provider's name and the details.
    pub text: Option<String>,
    pub limit: Option<u32>,
}

text_enum!(
    /// Where a running pull is.
    ProviderPullPhase {
        /// Finding the patient at the provider.
        Resolving => "resolving",
        /// Fetching one resource type (its pages).
        Fetching => "fetching",
        /// Writing what arrived, in one transaction.
        Applying => "applying",
    }
);

/// Sent as the `provider-sync-progress` event while a job runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProviderSyncProgress {
    #[ts(type = "string")]
    pub job_id: uuid::Uuid,
    pub patient_id: Option<PatientId>,
    pub phase: ProviderPullPhase,
    /// The resource type being fetched.
    pub resource_type: Option<String>,
    /// Steps done of `total` (resource types fetched, then applied).
    pub done: u32,
    pub total: u32,
}

text_enum!(
    /// A request for documents, as the provider's Task says.
    DocumentRequestStatus {
        /// Not sent yet (offline or waiting its turn).
        Queued => "queued",
        /// Sent; the Task is `requested`/`received`.
        Requested => "requested",
        Accepted => "accepted",
        InProgress => "in_progress",
        Completed => "completed",
        Rejected => "rejected",
        Cancelled => "cancelled",
        /// Could not be sent (see the job's error).
        Failed => "failed",
    }
);

/// Ask the patient's provider for documents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RequestProviderDocuments {
    pub patient_id: PatientId,
    /// What is wanted, in words ("Discharge summary from March admission").
    pub description: String,
    /// A document type to ask for, if one fits.
    pub document_type: Option<crate::documents::DocumentType>,
}

/// A request for documents and where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DocumentRequest {
    #[ts(type = "string")]
    pub id: uuid::Uuid,
    pub patient_id: PatientId,
    #[ts(type = "string")]
    pub provider_id: uuid::Uuid,
    pub description: String,
    pub document_type: Option<crate::documents::DocumentType>,
    pub status: DocumentRequestStatus,
    /// The Task's id at the provider, once sent.
    pub remote_task_id: Option<String>,
    pub requested_by: String,
    pub requested_at: String,
    pub updated_at: String,
}

/// A document pulled from a provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProviderDocument {
    pub document_id: DocumentId,
    pub document_type: crate::documents::DocumentType,
    pub title: String,
    pub document_date: String,
    pub author: String,
    /// The provider it came from.
    pub source: String,
    pub media_type: String,
    pub pulled_at: String,
}

/// Everything the patient's "Provider records" panel shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientProviderRecords {
    pub link: Option<PatientProviderLink>,
    /// Whether this device can run jobs for the link (credentials held or none needed).
    pub can_sync_here: bool,
    /// Documents pulled from the provider, newest first.
    pub documents: Vec<ProviderDocument>,
    /// Results (observations and reports) pulled from the provider.
    pub results: u32,
    /// Chart entries (allergies, medications, problems, visits…) pulled.
    pub chart_items: u32,
    pub requests: Vec<DocumentRequest>,
    /// Queued or running jobs for this patient.
    pub pending_jobs: u32,
    /// The latest job of this patient, if any.
    pub last_job: Option<ProviderJob>,
}

//! The patient's primary healthcare provider as a FHIR R4 endpoint: the
//! core and store side. The HTTP client lives elsewhere (`crates/provider`);
//! the shell's runner takes queued jobs from here, runs them with that client
//! and hands the results back here. Nothing in this module talks to a network.
//!
//! Invariants:
//! - endpoints are clinic configuration (synced, without credentials);
//!   credentials stay on the device an administrator entered them on, in the
//!   encrypted store, never in an op, never returned (`endpoints`);
//! - a patient's link, requests for documents and which documents came from a
//!   provider are patient data: synced as ops, last writer by HLC wins
//!   (`links`, `requests`, `pull`);
//! - every exchange is a local job, queued first (offline, restarts, crashes),
//!   retried with backoff when the failure is temporary, logged with counts,
//!   types, statuses and error kinds only — never values (`jobs`);
//! - a pull applies all of its answer in ONE transaction through the FHIR
//!   import's writers, bound to the linked patient without touching their
//!   demographics, or nothing (`pull`, `interop::bound`); the same answer
//!   twice writes nothing;
//! - use cases take a `Caller` (authorization is the session gate's, by
//!   `authz::Command`; restricted-patient rules here) and are audited; the
//!   runner's functions act as the device, auditing for the job's requester.
//!
//! Modules: `endpoints`, `links`, `jobs` (queue, claim, failure and backoff,
//! retry, restart recovery, history, schedule), `pull`, `requests`,
//! `demographics` (sending edits back), `records` (the patient's panel and
//! "Sync now").
mod demographics;
mod endpoints;
mod jobs;
mod links;
mod pull;
mod records;
mod requests;

pub use demographics::{demographics_sent, demographics_update, REPLACED_ELEMENTS, SENT_FIELDS};
pub(crate) use endpoints::check_url;
pub use endpoints::{
    can_run_here, get as get_endpoint, list_endpoints, save_endpoint, MAX_REFRESH_MINUTES,
    MIN_REFRESH_MINUTES,
};
pub use jobs::{
    backoff, finish_job_failed, get as get_job, is_temporary, list_jobs, next_job, queue_due_pulls,
    recover_jobs, retry_job, BACKOFF_SECS, MAX_JOBS_LISTED,
};
pub use links::link_patient;
pub use pull::apply_pull;
pub use records::{patient_records, sync_patient_now};
pub use requests::{
    apply_task, document_request_task, get as get_request, request_documents, request_sent,
    task_status, CHECK_EVERY_MINUTES, TASK_IDENTIFIER_SYSTEM,
};

pub(crate) use demographics::edited as demographics_edited;
pub(crate) use endpoints::write_row as write_endpoint_row;
pub(crate) use links::{write_row as write_link_row, StoredLink};
pub(crate) use pull::write_document as write_provider_document;
pub(crate) use requests::write_row as write_request_row;

use clinic_protocol::{DocumentRequest, ProviderEndpoint, ProviderJob};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// A bearer token or a SMART private key (PEM), as the runner gets it: never
/// printed (`Debug` says `<redacted>`), wiped from memory when dropped.
pub struct ProviderSecret(Zeroizing<String>);

impl ProviderSecret {
    pub(crate) fn new(secret: String) -> Self {
        Self(Zeroizing::new(secret))
    }

    /// The secret itself, for the HTTP client only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ProviderSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProviderSecret(<redacted>)")
    }
}

/// A job claimed by the runner, with everything it needs to run it.
#[derive(Debug)]
pub struct ClaimedJob {
    /// Running; `attempts` counts this one.
    pub job: ProviderJob,
    /// Base URL, authentication kind, SMART client id, token URL and scope.
    pub endpoint: ProviderEndpoint,
    /// This device's token or private key (`None` for an open endpoint).
    pub secret: Option<ProviderSecret>,
    /// The patient's id at the provider, when known.
    pub remote_patient_id: Option<String>,
    /// Else (or also) an identifier to find them by: `system|value`.
    pub identifier: Option<String>,
    /// A pull: the newest `meta.lastUpdated` seen per resource type (ask for
    /// `_lastUpdated=ge<watermark>`); empty: everything.
    pub watermarks: BTreeMap<String, String>,
    /// A request or check job: the request (its Task id once sent).
    pub request: Option<DocumentRequest>,
    /// The clinic's name (the Task's requester).
    pub clinic_name: String,
}

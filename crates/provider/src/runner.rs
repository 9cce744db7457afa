//! The device's runner of provider jobs: takes the next due job from the core's
//! queue (`clinic_core::provider::next_job`), does its exchange with the
//! provider through [`FhirClient`], and hands the answer back to the core, which
//! applies it in one transaction (a pull), records it (a request, a send) or
//! fails the job with its error kind (retried with backoff when temporary).
//!
//! What each kind does over FHIR:
//! - **Pull**: the patient at the provider (`Patient/<id>`, else found by
//!   identifier), then each type of [`PULLED_TYPES`] searched by `patient`,
//!   `_lastUpdated=ge<watermark>` when an earlier pull saw that type (an
//!   unchanged resource pulled again writes nothing), every page; the Binary of
//!   each DocumentReference attachment given by URL is downloaded and inlined,
//!   and a document naming no custodian gets the provider as its source.
//!   Nothing is applied unless every request succeeded.
//! - **RequestDocuments**: a Task created at the provider (`POST Task`).
//! - **CheckRequest**: the request's Task read again.
//! - **SendDemographics**: the provider's Patient read, our demographics put in,
//!   sent back with `If-Match` on the version read (a concurrent change there is
//!   refused, 412, and reported, never overwritten).
//!
//! Clients are kept per endpoint configuration (a SMART access token is reused
//! until it expires). Nothing here logs resource contents, identifiers or secrets.
use crate::{FhirClient, ProviderAuth, ProviderFailure, ProviderResult, Timeouts};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use clinic_core::provider::{self, ClaimedJob};
use clinic_core::CoreError;
use clinic_protocol::{
    ProviderAuthKind, ProviderErrorKind, ProviderJob, ProviderJobKind, ProviderPullPhase,
    ProviderSyncProgress,
};
use clinic_store::Store;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What a pull fetches, in this order (documents last: they are the largest).
pub const PULLED_TYPES: &[&str] = &[
    "AllergyIntolerance",
    "Condition",
    "MedicationStatement",
    "MedicationRequest",
    "Immunization",
    "Procedure",
    "Encounter",
    "Coverage",
    "Observation",
    "DiagnosticReport",
    "DocumentReference",
];

/// Search page size asked for.
const PAGE_SIZE: &str = "100";

/// The device's store, as the runner reaches it: `None` when no store is open
/// (locked, being wiped). `f` gets the store and the device's audit key.
pub trait JobStore {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store, &[u8; 32]) -> T) -> Option<T>;
}

/// What the runner tells the UI.
pub trait JobEvents {
    fn progress(&self, progress: ProviderSyncProgress);
    fn finished(&self, job: &ProviderJob);
}

/// Runs due jobs; keeps one client per endpoint configuration.
pub struct Runner {
    timeouts: Timeouts,
    clients: Mutex<HashMap<String, Arc<FhirClient>>>,
}

impl Runner {
    pub fn new(timeouts: Timeouts) -> Self {
        Self {
            timeouts,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Runs every job due at `now`, one after the other; the number run. `Err`
    /// only when the store fails (the job stays claimed and is recovered at the
    /// next start, `recover_jobs`).
    pub async fn run_due(
        &self,
        store: &impl JobStore,
        events: &impl JobEvents,
        now: DateTime<Utc>,
    ) -> Result<usize, CoreError> {
        let mut ran = 0;
        loop {
            let Some(claimed) = store
                .with_store(|s, _| provider::next_job(s, now))
                .transpose()?
                .flatten()
            else {
                return Ok(ran);
            };
            let Some(job) = self.run(claimed, store, events).await? else {
                return Ok(ran); // the store closed meanwhile: recovered at the next start
            };
            events.finished(&job);
            ran += 1;
        }
    }

    /// Runs one claimed job to its end: the job as finished (or re-queued);
    /// `None` when the store closed meanwhile.
    async fn run(
        &self,
        claimed: ClaimedJob,
        store: &impl JobStore,
        events: &impl JobEvents,
    ) -> Result<Option<ProviderJob>, CoreError> {
        let id = claimed.job.id;
        let outcome = match self.client(&claimed) {
            Err(f) => Err(f),
            Ok(client) => match claimed.job.kind {
                ProviderJobKind::Pull => pull(&client, &claimed, store, events).await,
                ProviderJobKind::RequestDocuments => send_request(&client, &claimed, store).await,
                ProviderJobKind::CheckRequest => check_request(&client, &claimed, store).await,
                ProviderJobKind::SendDemographics => {
                    send_demographics(&client, &claimed, store).await
                }
            },
        };
        match outcome {
            Ok(done) => done.map(Some),
            Err(f) if f.kind == ProviderErrorKind::NotConfigured && f.detail == STORE_CLOSED => {
                Ok(None)
            }
            Err(f) => store
                .with_store(|s, _| provider::finish_job_failed(s, id, f.kind, f.status, &f.detail))
                .transpose(),
        }
    }

    /// The client for the job's endpoint, built once per configuration.
    fn client(&self, claimed: &ClaimedJob) -> ProviderResult<Arc<FhirClient>> {
        let e = &claimed.endpoint;
        let secret = claimed.secret.as_ref().map(|s| s.expose());
        let fingerprint =
            ring::digest::digest(&ring::digest::SHA256, secret.unwrap_or_default().as_bytes());
        let key = format!(
            "{}|{}|{}|{:?}|{:?}|{:?}|{}",
            e.id,
            e.base_url,
            e.auth.as_str(),
            e.client_id,
            e.token_url,
            e.scope,
            hex(fingerprint.as_ref())
        );
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = clients.get(&key) {
            return Ok(c.clone());
        }
        let missing =
            || ProviderFailure::not_configured("this device holds no credentials for the provider");
        let auth = match e.auth {
            ProviderAuthKind::Open => ProviderAuth::Open,
            ProviderAuthKind::Bearer => {
                ProviderAuth::Bearer(secret.ok_or_else(missing)?.to_string())
            }
            ProviderAuthKind::SmartBackend => ProviderAuth::Smart {
                client_id: e.client_id.clone().unwrap_or_default(),
                token_url: e.token_url.clone().unwrap_or_default(),
                private_key_pem: secret.ok_or_else(missing)?.to_string(),
                scope: e.scope.clone(),
            },
        };
        let client = Arc::new(FhirClient::new(&e.base_url, auth, self.timeouts)?);
        clients.retain(|k, _| !k.starts_with(&format!("{}|", e.id)));
        clients.insert(key, client.clone());
        Ok(client)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const STORE_CLOSED: &str = "the local store closed while the job ran";

fn locked() -> ProviderFailure {
    ProviderFailure::not_configured(STORE_CLOSED)
}

/// The core's answer as the job's outcome (a store failure is not the provider's).
fn recorded(
    r: Option<Result<ProviderJob, CoreError>>,
) -> ProviderResult<Result<ProviderJob, CoreError>> {
    r.ok_or_else(locked)
}

/// The patient at the provider and its version.
async fn remote_patient(
    client: &FhirClient,
    claimed: &ClaimedJob,
) -> ProviderResult<(Value, Option<String>)> {
    if let Some(id) = claimed
        .remote_patient_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        let id = id.trim().trim_start_matches("Patient/");
        return client.read("Patient", id).await;
    }
    let Some(identifier) = claimed.identifier.as_deref() else {
        return Err(ProviderFailure::not_configured(
            "the patient's link names neither an id nor an identifier at the provider",
        ));
    };
    let patient = client.find_patient(identifier).await?.ok_or_else(|| {
        ProviderFailure::new(
            ProviderErrorKind::PatientNotFound,
            None,
            "finding the patient by identifier: no patient at the provider has it",
        )
    })?;
    let version = patient["meta"]["versionId"].as_str().map(str::to_string);
    Ok((patient, version))
}

fn patient_ref(patient: &Value) -> ProviderResult<String> {
    patient["id"]
        .as_str()
        .filter(|id| !id.is_empty())
        .map(|id| format!("Patient/{id}"))
        .ok_or_else(|| ProviderFailure::malformed("the provider's Patient has no id"))
}

fn progress(
    claimed: &ClaimedJob,
    phase: ProviderPullPhase,
    resource_type: Option<&str>,
    done: usize,
) -> ProviderSyncProgress {
    ProviderSyncProgress {
        job_id: claimed.job.id,
        patient_id: claimed.job.patient_id,
        phase,
        resource_type: resource_type.map(str::to_string),
        done: done as u32,
        total: PULLED_TYPES.len() as u32 + 2,
    }
}

async fn pull(
    client: &FhirClient,
    claimed: &ClaimedJob,
    store: &impl JobStore,
    events: &impl JobEvents,
) -> ProviderResult<Result<ProviderJob, CoreError>> {
    events.progress(progress(claimed, ProviderPullPhase::Resolving, None, 0));
    let (patient, _) = remote_patient(client, claimed).await?;
    let reference = patient_ref(&patient)?;
    let mut resources = vec![patient];
    let mut watermarks = claimed.watermarks.clone();
    for (i, resource_type) in PULLED_TYPES.iter().enumerate() {
        events.progress(progress(
            claimed,
            ProviderPullPhase::Fetching,
            Some(resource_type),
            i + 1,
        ));
        let since = claimed
            .watermarks
            .get(*resource_type)
            .map(|w| format!("ge{w}"));
        let mut params = vec![("patient", reference.as_str()), ("_count", PAGE_SIZE)];
        if let Some(since) = since.as_deref() {
            params.push(("_lastUpdated", since));
        }
        let mut found = client.search_all(resource_type, &params, |_, _| {}).await?;
        if let Some(newest) = newest_update(&found) {
            let keep = watermarks
                .get(*resource_type)
                .is_some_and(|old| later_or_equal(old, &newest));
            if !keep {
                watermarks.insert(resource_type.to_string(), newest);
            }
        }
        if *resource_type == "DocumentReference" {
            for document in &mut found {
                inline_attachments(client, document).await?;
                name_custodian(document, &claimed.endpoint.name);
            }
        }
        resources.append(&mut found);
    }
    events.progress(progress(
        claimed,
        ProviderPullPhase::Applying,
        None,
        PULLED_TYPES.len() + 1,
    ));
    recorded(
        store.with_store(|s, key| {
            provider::apply_pull(s, key, claimed.job.id, resources, &watermarks)
        }),
    )
}

fn instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn later_or_equal(a: &str, b: &str) -> bool {
    match (instant(a), instant(b)) {
        (Some(a), Some(b)) => a >= b,
        _ => false,
    }
}

/// The newest `meta.lastUpdated` among `resources`, as the provider wrote it.
fn newest_update(resources: &[Value]) -> Option<String> {
    resources
        .iter()
        .filter_map(|r| r["meta"]["lastUpdated"].as_str())
        .filter_map(|t| instant(t).map(|at| (at, t)))
        .max_by_key(|(at, _)| *at)
        .map(|(_, t)| t.to_string())
}

/// A document that does not say who keeps it is the provider's: its source.
fn name_custodian(document: &mut Value, provider: &str) {
    if let Some(d) = document.as_object_mut() {
        d.entry("custodian")
            .or_insert_with(|| serde_json::json!({ "display": provider }));
    }
}

/// Downloads each attachment given by URL (no `data`) and puts its bytes in.
async fn inline_attachments(client: &FhirClient, document: &mut Value) -> ProviderResult<()> {
    let Some(contents) = document.get_mut("content").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for content in contents {
        let attachment = &mut content["attachment"];
        if !attachment.is_object() || attachment.get("data").is_some() {
            continue;
        }
        let Some(url) = attachment["url"].as_str().map(str::to_string) else {
            continue;
        };
        let (content_type, bytes) = client.binary(&url).await?;
        if attachment.get("contentType").is_none() {
            attachment["contentType"] = Value::String(content_type);
        }
        attachment["data"] = Value::String(STANDARD.encode(bytes));
    }
    Ok(())
}

async fn send_request(
    client: &FhirClient,
    claimed: &ClaimedJob,
    store: &impl JobStore,
) -> ProviderResult<Result<ProviderJob, CoreError>> {
    let request = claimed
        .request
        .as_ref()
        .ok_or_else(|| ProviderFailure::not_configured("the request is missing on this device"))?;
    let (patient, _) = remote_patient(client, claimed).await?;
    let task =
        provider::document_request_task(request, &patient_ref(&patient)?, &claimed.clinic_name);
    let created = client.create(&task).await?;
    let task_id = created["id"]
        .as_str()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ProviderFailure::malformed("creating a Task: the answer has no id"))?
        .to_string();
    recorded(store.with_store(|s, _| provider::request_sent(s, claimed.job.id, &task_id)))
}

async fn check_request(
    client: &FhirClient,
    claimed: &ClaimedJob,
    store: &impl JobStore,
) -> ProviderResult<Result<ProviderJob, CoreError>> {
    let task_id = claimed
        .request
        .as_ref()
        .and_then(|r| r.remote_task_id.clone())
        .ok_or_else(|| ProviderFailure::not_configured("the request was not sent yet"))?;
    let (task, _) = client
        .read("Task", task_id.trim_start_matches("Task/"))
        .await?;
    recorded(store.with_store(|s, key| provider::apply_task(s, key, claimed.job.id, &task)))
}

async fn send_demographics(
    client: &FhirClient,
    claimed: &ClaimedJob,
    store: &impl JobStore,
) -> ProviderResult<Result<ProviderJob, CoreError>> {
    let (remote, version) = remote_patient(client, claimed).await?;
    let update = store
        .with_store(|s, _| provider::demographics_update(s, claimed.job.id, &remote))
        .ok_or_else(locked)?;
    let update = match update {
        Ok(u) => u,
        Err(e) => return Ok(Err(e)),
    };
    client.update(&update, version.as_deref()).await?;
    recorded(store.with_store(|s, _| provider::demographics_sent(s, claimed.job.id, Ok(()))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_newest_update_compares_instants_not_text() {
        let found = vec![
            json!({"meta": {"lastUpdated": "2026-01-01T10:00:00+02:00"}}),
            json!({"meta": {"lastUpdated": "2026-01-01T09:30:00Z"}}),
            json!({"meta": {}}),
        ];
        assert_eq!(
            newest_update(&found).as_deref(),
            Some("2026-01-01T09:30:00Z")
        );
        assert!(later_or_equal(
            "2026-01-01T09:30:00Z",
            "2026-01-01T10:00:00+02:00"
        ));
        assert!(!later_or_equal("garbage", "2026-01-01T10:00:00Z"));
    }
}

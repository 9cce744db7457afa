//! The runner end to end: a real encrypted store with a patient linked to the
//! real test FHIR server (Medplum's router, loaded with two Synthea patients and
//! their documents), jobs queued by the core's use cases and run by
//! `clinic_provider::runner` — first pull, incremental pull, unchanged pull,
//! provider down / failing / slow / refusing the token / answering garbage
//! (nothing applied, the right error kind, retried or not), a request for
//! documents followed to completion, and demographics sent back.
mod common;

use chrono::{DateTime, Duration, Utc};
use clinic_core::{provider, registry, Caller};
use clinic_protocol::{
    DocumentRequestStatus, LinkPatientProvider, PatientId, ProviderAuthKind, ProviderEndpoint,
    ProviderErrorKind, ProviderJob, ProviderJobKind, ProviderJobStatus, ProviderSyncProgress,
    RegisterOutcome, RegisterPatient, RequestProviderDocuments, SaveProviderEndpoint,
    UpdatePatient,
};
use clinic_provider::runner::{JobEvents, JobStore, Runner};
use clinic_provider::Timeouts;
use clinic_store::{DbKey, Encryption, Store};
use common::*;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::sync::Mutex;

const AUDIT_KEY: [u8; 32] = [9; 32];
const TOKEN: &str = "riverside-token-5d1e";

fn as_device() -> Caller<'static> {
    Caller::device(&AUDIT_KEY)
}

/// A fresh encrypted store, as the app opens it.
struct Device {
    store: Mutex<Store>,
    _dir: tempfile::TempDir,
}

impl JobStore for Device {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store, &[u8; 32]) -> T) -> Option<T> {
        Some(f(&mut self.store.lock().unwrap(), &AUDIT_KEY))
    }
}

impl Device {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key = Encryption::Key(DbKey::from_bytes([7; 32]));
        let store = clinic_store::open(&dir.path().join("clinic.db"), &key).unwrap();
        Self {
            store: Mutex::new(store),
            _dir: dir,
        }
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap()
    }

    fn outbox(&self) -> i64 {
        self.store()
            .conn()
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap()
    }
}

#[derive(Default)]
struct Seen {
    progress: RefCell<Vec<ProviderSyncProgress>>,
    finished: RefCell<Vec<ProviderJob>>,
}

impl JobEvents for Seen {
    fn progress(&self, progress: ProviderSyncProgress) {
        self.progress.borrow_mut().push(progress);
    }
    fn finished(&self, job: &ProviderJob) {
        self.finished.borrow_mut().push(job.clone());
    }
}

fn endpoint_request(base_url: &str, secret: &str, send_demographics: bool) -> SaveProviderEndpoint {
    SaveProviderEndpoint {
        id: None,
        name: "Riverside Family Practice".into(),
        base_url: base_url.into(),
        auth: ProviderAuthKind::Bearer,
        client_id: None,
        token_url: None,
        scope: None,
        secret: Some(secret.into()),
        refresh_minutes: 60,
        send_demographics,
        clinic_default: true,
    }
}

/// Gerard (as registered at the clinic), linked by his Synthea identifier.
fn linked_gerard(device: &Device, endpoint: &ProviderEndpoint) -> PatientId {
    let bundle = bundle(GERARD);
    let remote = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "Patient")
        .unwrap()
        .clone();
    let mut details = clinic_testkit::PatientGenerator::new(7).next_patient();
    details.given_name = remote["name"][0]["given"][0].as_str().unwrap().into();
    details.family_name = remote["name"][0]["family"].as_str().unwrap().into();
    details.date_of_birth = remote["birthDate"].as_str().unwrap().into();
    let mut store = device.store();
    let outcome = registry::register_patient(
        &mut store,
        &as_device(),
        RegisterPatient {
            details,
            confirm_not_duplicate: true,
        },
    )
    .unwrap();
    let RegisterOutcome::Registered { patient } = outcome else {
        panic!("{outcome:?}")
    };
    provider::link_patient(
        &mut store,
        &as_device(),
        LinkPatientProvider {
            patient_id: patient.id,
            provider_id: Some(endpoint.id),
            remote_patient_id: None,
            identifier: Some(synthea_identifier(GERARD)),
        },
    )
    .unwrap();
    patient.id
}

struct Clinic {
    device: Device,
    gerard: PatientId,
    runner: Runner,
}

fn clinic(server: &FhirServer, secret: &str, send_demographics: bool) -> Clinic {
    let device = Device::new();
    let endpoint = provider::save_endpoint(
        &mut device.store(),
        &as_device(),
        endpoint_request(&server.base_url(), secret, send_demographics),
    )
    .unwrap();
    let gerard = linked_gerard(&device, &endpoint);
    Clinic {
        device,
        gerard,
        runner: Runner::new(Timeouts {
            connect: std::time::Duration::from_secs(5),
            request: std::time::Duration::from_secs(5),
        }),
    }
}

impl Clinic {
    fn sync_now(&self) -> ProviderJob {
        provider::sync_patient_now(&mut self.device.store(), &as_device(), self.gerard).unwrap()
    }

    async fn run_at(&self, now: DateTime<Utc>) -> Seen {
        let seen = Seen::default();
        self.runner
            .run_due(&self.device, &seen, now)
            .await
            .expect("the store does not fail");
        seen
    }

    async fn run(&self) -> Seen {
        self.run_at(Utc::now()).await
    }

    fn job(&self, id: uuid::Uuid) -> ProviderJob {
        provider::get_job(self.device.store().conn(), id).unwrap()
    }

    fn records(&self) -> clinic_protocol::PatientProviderRecords {
        let session = staff_session(&mut self.device.store());
        let caller = Caller::staff(&AUDIT_KEY, &session);
        provider::patient_records(&mut self.device.store(), &caller, self.gerard).unwrap()
    }
}

/// A doctor of the clinic (the patient's records are the chart's).
fn staff_session(store: &mut Store) -> clinic_protocol::SessionInfo {
    use clinic_core::identity;
    if identity::clinic_info(store.conn()).unwrap().is_none() {
        identity::create_clinic(
            store,
            clinic_protocol::CreateClinic {
                clinic_name: "Harbour Street Clinic".into(),
                admin_username: "grace.admin".into(),
                admin_display_name: "Grace Hopper".into(),
                admin_password: "tarragon-Lantern-41".into(),
            },
        )
        .unwrap();
    }
    let member = match identity::list_staff(store.conn())
        .unwrap()
        .into_iter()
        .find(|m| m.username == "d.okafor")
    {
        Some(m) => m,
        None => identity::create_staff(
            store,
            clinic_protocol::CreateStaff {
                username: "d.okafor".into(),
                display_name: "Dr Okafor".into(),
                role: clinic_protocol::Role::Doctor,
                password: "Fjord pebble orchard".into(),
            },
        )
        .unwrap(),
    };
    clinic_protocol::SessionInfo {
        staff_id: member.id,
        username: member.username,
        display_name: member.display_name,
        role: clinic_protocol::Role::Doctor,
        scope: clinic_protocol::SessionScope::Full,
        signed_in_at: "2026-01-05T09:00:00.000Z".into(),
        auto_lock_minutes: 10,
    }
}

fn server_with_documents() -> FhirServer {
    start(two_patients().documents(2).page_size(20).token(TOKEN))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_pull_brings_documents_and_results_and_the_next_only_what_changed() {
    let server = server_with_documents();
    let clinic = clinic(&server, TOKEN, false);

    let queued = clinic.sync_now();
    assert_eq!(queued.status, ProviderJobStatus::Queued);
    assert_eq!(
        clinic.sync_now().id,
        queued.id,
        "a second Sync now is the same job"
    );
    let seen = clinic.run().await;
    let first = clinic.job(queued.id);
    assert_eq!(
        first.status,
        ProviderJobStatus::Succeeded,
        "{}",
        first.details
    );
    assert_eq!(seen.finished.borrow().len(), 1);
    let phases: Vec<_> = seen.progress.borrow().iter().map(|p| p.phase).collect();
    assert_eq!(
        phases.first(),
        Some(&clinic_protocol::ProviderPullPhase::Resolving)
    );
    assert_eq!(
        phases.last(),
        Some(&clinic_protocol::ProviderPullPhase::Applying)
    );

    let records = clinic.records();
    assert_eq!(
        records.documents.len(),
        2,
        "the two documents the provider holds"
    );
    assert!(records
        .documents
        .iter()
        .all(|d| d.source == "Riverside Family Practice"));
    assert!(records.results > 0);
    assert!(records.chart_items > 0);
    let observations = count_in_bundle(GERARD, "Observation") as u32;
    let pulled: u32 = first
        .counts
        .iter()
        .filter(|c| c.resource_type == "Observation")
        .map(|c| c.imported + c.updated + c.unchanged + c.kept + c.skipped)
        .sum();
    assert_eq!(
        pulled, observations,
        "every Observation of Gerard, across pages"
    );
    let after_first = clinic.device.outbox();
    assert!(after_first > 0);

    // Nothing changed at the provider: asked with _lastUpdated, nothing written.
    server.admin("reset-log", "{}").unwrap();
    let again = clinic.sync_now();
    clinic.run().await;
    assert_eq!(clinic.job(again.id).status, ProviderJobStatus::Succeeded);
    assert_eq!(
        clinic.device.outbox(),
        after_first,
        "an unchanged pull writes nothing"
    );
    let searches: Vec<Request> = requests(&server)
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/Observation"))
        .collect();
    assert!(!searches.is_empty());
    assert!(
        searches.iter().all(|r| r.has_param("_lastUpdated")),
        "{searches:?}"
    );

    // The provider corrects one result: the next pull brings just that.
    let client = clinic_provider::FhirClient::new(
        &server.base_url(),
        clinic_provider::ProviderAuth::Bearer(TOKEN.into()),
        Timeouts::default(),
    )
    .unwrap();
    let remote_id = patient_id(&client, GERARD).await;
    let observations = client
        .search_all("Observation", &[("patient", remote_id.as_str())], |_, _| {})
        .await
        .unwrap();
    // What `_lastUpdated=ge<watermark>` must bring back unchanged: per type,
    // the resources sharing the newest `meta.lastUpdated` (seeded resources
    // often share one instant), plus the patient, always resolved.
    let mut at_watermark = std::collections::BTreeMap::new();
    for resource_type in clinic_provider::runner::PULLED_TYPES {
        let found = client
            .search_all(resource_type, &[("patient", remote_id.as_str())], |_, _| {})
            .await
            .unwrap();
        at_watermark.insert(*resource_type, newest_of(&found));
    }
    let mut corrected = observations
        .iter()
        .find(|o| o["valueQuantity"]["value"].is_number())
        .expect("a quantity result")
        .clone();
    let was_at_watermark = at_watermark["Observation"]
        .1
        .contains(&corrected["id"].as_str().unwrap().to_string());
    let value = corrected["valueQuantity"]["value"].as_f64().unwrap();
    corrected["valueQuantity"]["value"] = json!(value + 1.0);
    client.update(&corrected, None).await.unwrap();
    let third = clinic.sync_now();
    clinic.run().await;
    let third = clinic.job(third.id);
    assert_eq!(
        third.status,
        ProviderJobStatus::Succeeded,
        "{}",
        third.details
    );
    let changed: u32 = third.counts.iter().map(|c| c.imported + c.updated).sum();
    let observations = third
        .counts
        .iter()
        .find(|c| c.resource_type == "Observation")
        .expect("observations pulled");
    assert_eq!(
        (changed, observations.updated),
        (1, 1),
        "{:?}",
        third.counts
    );
    // `_lastUpdated=ge` brings back only what sits at the watermark besides.
    for (resource_type, (_, ids)) in &at_watermark {
        let expected =
            ids.len() as u32 - u32::from(*resource_type == "Observation" && was_at_watermark);
        let unchanged = third
            .counts
            .iter()
            .filter(|c| c.resource_type == *resource_type)
            .map(|c| c.unchanged)
            .sum::<u32>();
        assert_eq!(unchanged, expected, "{resource_type}: {:?}", third.counts);
    }
    assert!(
        clinic.device.outbox() > after_first,
        "the correction was recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_apply_nothing_and_say_why() {
    let server = server_with_documents();
    let clinic = clinic(&server, TOKEN, false);
    let before = clinic.device.outbox();

    // 5xx: temporary, retried later by itself.
    server
        .admin(
            "fault",
            &json!({"fault": "503", "times": 1, "path": "Observation"}).to_string(),
        )
        .unwrap();
    let job = clinic.sync_now();
    clinic.run().await;
    let failed = clinic.job(job.id);
    assert_eq!(failed.status, ProviderJobStatus::Failed);
    assert_eq!(failed.error, Some(ProviderErrorKind::ServerError));
    assert!(
        failed.next_attempt_at.is_some(),
        "a temporary failure is retried"
    );
    assert_eq!(clinic.device.outbox(), before, "nothing partial is applied");
    // Its time comes: it runs again and succeeds.
    clinic.run_at(Utc::now() + Duration::hours(1)).await;
    assert_eq!(clinic.job(job.id).status, ProviderJobStatus::Succeeded);
    let after = clinic.device.outbox();
    assert!(after > before);

    // Garbage in one answer: nothing applied, not retried by itself.
    server
        .admin(
            "fault",
            &json!({"fault": "malformed", "times": 1, "path": "Condition"}).to_string(),
        )
        .unwrap();
    let job = clinic.sync_now();
    clinic.run().await;
    let failed = clinic.job(job.id);
    assert_eq!(failed.error, Some(ProviderErrorKind::Malformed));
    assert!(failed.next_attempt_at.is_none());
    assert_eq!(clinic.device.outbox(), after);

    // Slow beyond the client's timeout.
    server
        .admin(
            "fault",
            &json!({"fault": "slow:8000", "times": 1, "path": "Patient"}).to_string(),
        )
        .unwrap();
    let job = clinic.sync_now();
    clinic.run().await;
    assert_eq!(clinic.job(job.id).error, Some(ProviderErrorKind::Timeout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_and_a_provider_that_is_down_are_told_apart() {
    let mut server = server_with_documents();
    let clinic = clinic(&server, "not-the-token", false);
    let job = clinic.sync_now();
    clinic.run().await;
    let failed = clinic.job(job.id);
    assert_eq!(failed.error, Some(ProviderErrorKind::Unauthorized));
    assert!(
        failed.next_attempt_at.is_none(),
        "a person must fix the token"
    );

    server.kill();
    let retried = provider::retry_job(&mut clinic.device.store(), &as_device(), job.id).unwrap();
    assert_eq!(retried.status, ProviderJobStatus::Queued);
    clinic.run().await;
    let failed = clinic.job(job.id);
    assert_eq!(failed.error, Some(ProviderErrorKind::Unreachable));
    assert!(
        failed.next_attempt_at.is_some(),
        "queued until the provider answers"
    );
    let log = provider::list_jobs(
        &clinic.device.store(),
        &as_device(),
        &clinic_protocol::ProviderJobQuery {
            status: Some(ProviderJobStatus::Failed),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].attempts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_for_documents_is_followed_to_completion() {
    let server = server_with_documents();
    let clinic = clinic(&server, TOKEN, false);
    let request = provider::request_documents(
        &mut clinic.device.store(),
        &as_device(),
        RequestProviderDocuments {
            patient_id: clinic.gerard,
            description: "Discharge summary from the March admission".into(),
            document_type: None,
        },
    )
    .unwrap();
    assert_eq!(request.status, DocumentRequestStatus::Queued);
    clinic.run().await;
    let sent = provider::get_request(clinic.device.store().conn(), request.id).unwrap();
    assert_eq!(sent.status, DocumentRequestStatus::Requested);
    let task_id = sent.remote_task_id.clone().expect("the Task's id");

    // The provider's staff complete the Task; the next look sees it.
    let client = clinic_provider::FhirClient::new(
        &server.base_url(),
        clinic_provider::ProviderAuth::Bearer(TOKEN.into()),
        Timeouts::default(),
    )
    .unwrap();
    let (mut task, _) = client.read("Task", &task_id).await.unwrap();
    assert_eq!(task["status"], "requested");
    assert_eq!(
        task["description"],
        "Discharge summary from the March admission"
    );
    task["status"] = json!("completed");
    client.update(&task, None).await.unwrap();
    let later = Utc::now() + Duration::minutes(provider::CHECK_EVERY_MINUTES + 1);
    clinic.run_at(later).await;
    let done = provider::get_request(clinic.device.store().conn(), request.id).unwrap();
    assert_eq!(done.status, DocumentRequestStatus::Completed);
    // Completed: a pull of the patient was queued and ran.
    let pulls = provider::list_jobs(
        &clinic.device.store(),
        &as_device(),
        &clinic_protocol::ProviderJobQuery {
            kind: Some(ProviderJobKind::Pull),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0].status, ProviderJobStatus::Succeeded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demographics_edits_are_sent_back_keeping_the_providers_identifiers() {
    let server = server_with_documents();
    let clinic = clinic(&server, TOKEN, true);
    let current = registry::get_patient(clinic.device.store().conn(), clinic.gerard).unwrap();
    let mut details = current.details.clone();
    details.phone = "+1 555 0100 777".into();
    details.address.city = "Springfield".into();
    registry::update_patient(
        &mut clinic.device.store(),
        &as_device(),
        UpdatePatient {
            id: clinic.gerard,
            expected_version: current.version,
            details,
        },
    )
    .unwrap();
    clinic.run().await;
    let sent = provider::list_jobs(
        &clinic.device.store(),
        &as_device(),
        &clinic_protocol::ProviderJobQuery {
            kind: Some(ProviderJobKind::SendDemographics),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(sent.len(), 1, "one job for the edit");
    assert_eq!(
        sent[0].status,
        ProviderJobStatus::Succeeded,
        "{}",
        sent[0].details
    );

    let client = clinic_provider::FhirClient::new(
        &server.base_url(),
        clinic_provider::ProviderAuth::Bearer(TOKEN.into()),
        Timeouts::default(),
    )
    .unwrap();
    let remote = client
        .find_patient(&synthea_identifier(GERARD))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(remote["address"][0]["city"], "Springfield");
    let phones: Vec<&Value> = remote["telecom"].as_array().unwrap().iter().collect();
    assert!(phones.iter().any(|t| t["value"] == "+1 555 0100 777"));
    let original = bundle(GERARD)["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"].clone())
        .find(|r| r["resourceType"] == "Patient")
        .unwrap();
    assert_eq!(
        remote["identifier"], original["identifier"],
        "their identifiers kept"
    );
    assert_eq!(
        remote["extension"], original["extension"],
        "their extensions kept"
    );
}

/// The newest `meta.lastUpdated` among `resources` and the ids sharing it.
fn newest_of(resources: &[Value]) -> (Option<DateTime<Utc>>, Vec<String>) {
    let at = |r: &Value| {
        r["meta"]["lastUpdated"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let newest = resources.iter().filter_map(at).max();
    let ids = resources
        .iter()
        .filter(|r| newest.is_some() && at(r) == newest)
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect();
    (newest, ids)
}

//! Pulls from the patient's provider on the real encrypted store, with a
//! provider's answer built from the shared Synthea data: the records land on
//! the locally registered patient (their registration untouched), documents
//! are listed with their source, whoever asked is told once; the same answer
//! again writes nothing and tells no one; a malformed answer writes nothing
//! and fails the job; a scheduled pull tells the care team's doctors, else the
//! administrators; the provider's patient bound to another patient here is
//! refused.
mod common;
mod provider_common;

use chrono::Utc;
use clinic_core::{provider, registry, restricted};
use clinic_protocol::{
    FhirTypeCounts, NotificationKind, PatientId, ProviderErrorKind, ProviderJob, ProviderJobKind,
    ProviderJobStatus, ProviderJobTrigger, Role,
};
use clinic_store::Store;
use common::{caller, outbox_len, AUDIT_KEY};
use provider_common::{
    as_staff, count, endpoint, linked_patient, notifications, staff, synthea_answer, TOKEN,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const REMOTE: &str = "rv-1042";

fn marks() -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "Observation".to_string(),
            "2026-03-01T10:00:00Z".to_string(),
        ),
        (
            "DocumentReference".to_string(),
            "2026-03-02T08:30:00Z".to_string(),
        ),
    ])
}

/// Claims the next job, which must be a pull of `patient`.
fn claim_pull(store: &mut Store, patient: PatientId) -> provider::ClaimedJob {
    let claimed = provider::next_job(store, Utc::now())
        .unwrap()
        .expect("a due job");
    assert_eq!(claimed.job.kind, ProviderJobKind::Pull);
    assert_eq!(claimed.job.patient_id, Some(patient));
    assert_eq!(claimed.job.status, ProviderJobStatus::Running);
    claimed
}

fn pull(store: &mut Store, patient: PatientId, answer: Vec<Value>) -> ProviderJob {
    let claimed = claim_pull(store, patient);
    provider::apply_pull(store, &AUDIT_KEY, claimed.job.id, answer, &marks()).unwrap()
}

fn of_type(job: &ProviderJob, t: &str) -> FhirTypeCounts {
    job.counts
        .iter()
        .find(|c| c.resource_type == t)
        .cloned()
        .unwrap_or_default()
}

/// Rows of the tables a pull may write, and the outbox.
fn footprint(store: &Store) -> Vec<i64> {
    [
        "patient",
        "chart_entry",
        "encounter",
        "observation",
        "document",
        "fhir_link",
        "provider_document",
        "notification",
        "outbox",
        "patient_provider_link",
    ]
    .iter()
    .map(|t| count(store, t))
    .collect()
}

fn patient_count(store: &Store, sql: &str, patient: PatientId) -> i64 {
    store
        .conn()
        .query_row(sql, [patient.to_string()], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_pull_lands_on_the_linked_patient_and_tells_who_asked() {
    let mut t = common::store();
    let doctor = staff(&mut t.store, Role::Doctor, "dr.okafor");
    let ep = endpoint(&mut t.store);
    let patient = linked_patient(&mut t.store, &ep, REMOTE);
    let registered = registry::get_patient(t.store.conn(), patient).unwrap();

    let queued = provider::sync_patient_now(&mut t.store, &as_staff(&doctor), patient).unwrap();
    assert_eq!(
        (queued.status, queued.trigger),
        (ProviderJobStatus::Queued, ProviderJobTrigger::Manual)
    );
    assert_eq!(queued.patient_mrn.as_deref(), Some(registered.mrn.as_str()));
    // Asking again returns the queued pull.
    let again = provider::sync_patient_now(&mut t.store, &as_staff(&doctor), patient).unwrap();
    assert_eq!(again.id, queued.id);

    let claimed = claim_pull(&mut t.store, patient);
    assert_eq!(claimed.job.id, queued.id);
    assert_eq!(claimed.job.attempts, 1);
    assert_eq!(claimed.secret.as_ref().map(|s| s.expose()), Some(TOKEN));
    assert!(!format!("{claimed:?}").contains(TOKEN));
    assert_eq!(claimed.remote_patient_id.as_deref(), Some(REMOTE));
    assert_eq!(
        claimed.endpoint.base_url,
        "https://fhir.riverside.example.org/r4"
    );
    assert!(claimed.watermarks.is_empty());

    let answer = synthea_answer(REMOTE, 3);
    let observations = answer
        .iter()
        .filter(|r| r["resourceType"] == "Observation")
        .count() as u32;
    let job =
        provider::apply_pull(&mut t.store, &AUDIT_KEY, claimed.job.id, answer, &marks()).unwrap();
    assert_eq!(job.status, ProviderJobStatus::Succeeded, "{}", job.details);
    assert_eq!(job.error, None);

    // Everything is the local patient's; the registration is as it was.
    assert_eq!(count(&t.store, "patient"), 1);
    let now = registry::get_patient(t.store.conn(), patient).unwrap();
    assert_eq!(
        (now.details, now.version),
        (registered.details, registered.version)
    );
    let bound: String = t
        .store
        .conn()
        .query_row(
            "SELECT e.entity_id FROM fhir_link l JOIN fhir_link_entity e ON e.link_id = l.id
             WHERE l.resource_type = 'Patient'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bound, patient.to_string());
    let documents = patient_count(
        &t.store,
        "SELECT count(*) FROM document WHERE patient_id = ?1",
        patient,
    );
    let results = patient_count(
        &t.store,
        "SELECT count(*) FROM fhir_link WHERE patient_id = ?1 AND entity = 'observation'",
        patient,
    );
    let allergies = patient_count(
        &t.store,
        "SELECT count(*) FROM chart_entry WHERE patient_id = ?1 AND kind = 'allergy'",
        patient,
    );
    let medications = patient_count(
        &t.store,
        "SELECT count(*) FROM chart_entry WHERE patient_id = ?1 AND kind = 'medication'",
        patient,
    );
    let problems = patient_count(
        &t.store,
        "SELECT count(*) FROM chart_entry WHERE patient_id = ?1 AND kind = 'problem'",
        patient,
    );
    assert_eq!(documents, 3);
    assert!(
        results > 0 && allergies > 0 && medications > 0 && problems > 0,
        "{results} {allergies} {medications} {problems}"
    );
    let obs = of_type(&job, "Observation");
    assert_eq!(
        obs.imported + obs.kept + obs.skipped + obs.unchanged + obs.updated,
        observations
    );
    assert_eq!(of_type(&job, "DocumentReference").imported, 3);
    assert_eq!(of_type(&job, "Patient").imported, 1);
    assert!(job.details.contains("3 new documents"), "{}", job.details);

    // One notification, to the doctor who asked, with counts only.
    let told = notifications(&t.store, NotificationKind::ProviderRecordsChanged.as_str());
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].0, doctor.staff_id.to_string());
    assert_eq!(
        told[0].1,
        json!({"documents": 3, "results": results, "allergies": allergies,
               "medications": medications, "problems": problems})
    );

    // The panel lists the documents with their source, newest first.
    let records = provider::patient_records(&mut t.store, &as_staff(&doctor), patient).unwrap();
    assert_eq!(records.documents.len(), 3);
    assert!(records
        .documents
        .iter()
        .all(|d| d.source == "Riverside Family Practice" && !d.author.is_empty()));
    let dates: Vec<&str> = records
        .documents
        .iter()
        .map(|d| d.document_date.as_str())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    assert_eq!(
        records.results as i64,
        results
            + count(
                &t.store,
                "fhir_link WHERE resource_type = 'DiagnosticReport'"
            )
    );
    assert!(records.chart_items > 0 && records.can_sync_here);
    assert_eq!(records.pending_jobs, 0);
    assert_eq!(records.last_job.as_ref().map(|j| j.id), Some(job.id));
    let link = records.link.unwrap();
    assert_eq!(link.last_synced_at, job.finished_at);
    // The documents open through the documents use cases.
    let first = records.documents[0].document_id;
    clinic_core::documents::view(&mut t.store, &as_staff(&doctor), first).unwrap();

    // The next pull asks from the watermarks on.
    provider::sync_patient_now(&mut t.store, &as_staff(&doctor), patient).unwrap();
    let next = claim_pull(&mut t.store, patient);
    assert_eq!(next.watermarks, marks());
}

#[test]
fn the_same_answer_again_writes_nothing_and_tells_no_one() {
    let mut t = common::store();
    let doctor = staff(&mut t.store, Role::Doctor, "dr.okafor");
    let ep = endpoint(&mut t.store);
    let patient = linked_patient(&mut t.store, &ep, REMOTE);
    provider::sync_patient_now(&mut t.store, &as_staff(&doctor), patient).unwrap();
    let first = pull(&mut t.store, patient, synthea_answer(REMOTE, 3));
    assert_eq!(first.status, ProviderJobStatus::Succeeded);
    let before = footprint(&t.store);
    provider::sync_patient_now(&mut t.store, &as_staff(&doctor), patient).unwrap();
    let second = pull(&mut t.store, patient, synthea_answer(REMOTE, 3));
    assert_eq!(
        second.status,
        ProviderJobStatus::Succeeded,
        "{}",
        second.details
    );
    assert!(
        second.details.ends_with("nothing new"),
        "{}",
        second.details
    );
    assert_eq!(
        footprint(&t.store),
        before,
        "a second identical pull writes no row and no op"
    );
    let d = of_type(&second, "DocumentReference");
    assert_eq!((d.imported, d.updated, d.unchanged), (0, 0, 3));
}

#[test]
fn a_malformed_answer_writes_nothing_and_fails_the_job() {
    let mut t = common::store();
    let ep = endpoint(&mut t.store);
    let patient = linked_patient(&mut t.store, &ep, REMOTE);
    let before = footprint(&t.store);
    let mut answer = synthea_answer(REMOTE, 2);
    let i = answer
        .iter()
        .position(|r| r["resourceType"] == "Observation")
        .unwrap();
    answer[i]["status"] = json!("Zebulon-Quixotefield");
    let other = {
        let mut o = answer[i + 1].clone();
        o["subject"] = json!({"reference": "Patient/someone-else"});
        o
    };
    let no_patient: Vec<Value> = synthea_answer(REMOTE, 1)
        .into_iter()
        .filter(|r| r["resourceType"] != "Patient")
        .collect();
    let mut another = synthea_answer(REMOTE, 1);
    another.push(other);
    for (answer, expected) in [
        (answer, "Observation at status"),
        (another, "names another patient"),
        (no_patient, "Patient"),
    ] {
        provider::sync_patient_now(&mut t.store, &caller(), patient).unwrap();
        let job = pull(&mut t.store, patient, answer);
        assert_eq!(job.status, ProviderJobStatus::Failed);
        assert_eq!(job.error, Some(ProviderErrorKind::Malformed));
        assert_eq!(job.next_attempt_at, None, "not retried by itself");
        assert!(job.details.contains(expected), "{}", job.details);
        assert!(
            !job.details.contains("Zebulon"),
            "no values in the log: {}",
            job.details
        );
        assert_eq!(footprint(&t.store), before);
    }
    assert_eq!(count(&t.store, "provider_watermark"), 0);
}

#[test]
fn a_scheduled_pull_tells_the_care_team_doctors_else_the_administrators() {
    let mut t = common::store();
    let ep = endpoint(&mut t.store);
    let patient = linked_patient(&mut t.store, &ep, REMOTE);
    let doctor = staff(&mut t.store, Role::Doctor, "dr.care");
    let nurse = staff(&mut t.store, Role::Nurse, "nurse.care");
    let admin: String = t
        .store
        .conn()
        .query_row(
            "SELECT id FROM staff WHERE role = 'administrator'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        provider::queue_due_pulls(&mut t.store, Utc::now()).unwrap(),
        1
    );
    let job = pull(&mut t.store, patient, synthea_answer(REMOTE, 1));
    assert_eq!(job.trigger, ProviderJobTrigger::Scheduled);
    let told = notifications(&t.store, "provider_records_changed");
    assert_eq!(
        told.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(),
        [admin.as_str()]
    );

    // Not due again before the endpoint's interval; due after it.
    assert_eq!(
        provider::queue_due_pulls(&mut t.store, Utc::now()).unwrap(),
        0
    );
    restricted::add_to_care_team(&mut t.store, &caller(), patient, doctor.staff_id).unwrap();
    restricted::add_to_care_team(&mut t.store, &caller(), patient, nurse.staff_id).unwrap();
    let later = Utc::now() + chrono::Duration::minutes(61);
    assert_eq!(provider::queue_due_pulls(&mut t.store, later).unwrap(), 1);
    assert_eq!(
        provider::queue_due_pulls(&mut t.store, later).unwrap(),
        0,
        "one queued at a time"
    );
    let claimed = provider::next_job(&mut t.store, later).unwrap().unwrap();
    let mut answer = synthea_answer(REMOTE, 2);
    answer.retain(|r| r["resourceType"] == "Patient" || r["resourceType"] == "DocumentReference");
    let job =
        provider::apply_pull(&mut t.store, &AUDIT_KEY, claimed.job.id, answer, &marks()).unwrap();
    assert_eq!(job.status, ProviderJobStatus::Succeeded);
    let told = notifications(&t.store, "provider_records_changed");
    assert_eq!(told.len(), 2);
    assert_eq!(
        told[1],
        (doctor.staff_id.to_string(), json!({"documents": 1}))
    );
}

#[test]
fn the_providers_patient_bound_to_another_patient_here_is_refused() {
    let mut t = common::store();
    let ep = endpoint(&mut t.store);
    let first = linked_patient(&mut t.store, &ep, REMOTE);
    provider::sync_patient_now(&mut t.store, &caller(), first).unwrap();
    assert_eq!(
        pull(&mut t.store, first, synthea_answer(REMOTE, 1)).status,
        ProviderJobStatus::Succeeded
    );
    let mut other = common::ada();
    other.given_name = "Augusta".into();
    other.email = "augusta@example.org".into();
    other.phone = "+44 20 7946 0555".into();
    let second = match registry::register_patient(
        &mut t.store,
        &caller(),
        clinic_protocol::RegisterPatient {
            details: other,
            confirm_not_duplicate: true,
        },
    )
    .unwrap()
    {
        clinic_protocol::RegisterOutcome::Registered { patient } => patient.id,
        o => panic!("{o:?}"),
    };
    provider::link_patient(
        &mut t.store,
        &caller(),
        clinic_protocol::LinkPatientProvider {
            patient_id: second,
            provider_id: Some(ep.id),
            remote_patient_id: Some(REMOTE.into()),
            identifier: None,
        },
    )
    .unwrap();
    let ops = outbox_len(&t.store);
    provider::sync_patient_now(&mut t.store, &caller(), second).unwrap();
    let job = pull(&mut t.store, second, synthea_answer(REMOTE, 1));
    assert_eq!(job.error, Some(ProviderErrorKind::NotConfigured));
    let mrn = registry::get_patient(t.store.conn(), first).unwrap().mrn;
    assert!(job.details.contains(&mrn), "{}", job.details);
    assert_eq!(outbox_len(&t.store), ops);
}

#[test]
fn a_patient_linked_by_identifier_learns_their_id_there_once() {
    let mut t = common::store();
    let ep = endpoint(&mut t.store);
    let patient = common::register_ada(&mut t.store);
    provider::link_patient(
        &mut t.store,
        &caller(),
        clinic_protocol::LinkPatientProvider {
            patient_id: patient,
            provider_id: Some(ep.id),
            remote_patient_id: None,
            identifier: Some("http://riverside.example.org/mrn|R-1042".into()),
        },
    )
    .unwrap();
    provider::sync_patient_now(&mut t.store, &caller(), patient).unwrap();
    let claimed = claim_pull(&mut t.store, patient);
    assert_eq!(
        (
            claimed.remote_patient_id.as_deref(),
            claimed.identifier.as_deref()
        ),
        (None, Some("http://riverside.example.org/mrn|R-1042"))
    );
    let job = provider::apply_pull(
        &mut t.store,
        &AUDIT_KEY,
        claimed.job.id,
        synthea_answer(REMOTE, 1),
        &marks(),
    )
    .unwrap();
    assert_eq!(job.status, ProviderJobStatus::Succeeded);
    let records = provider::patient_records(&mut t.store, &caller(), patient).unwrap();
    let link = records.link.unwrap();
    assert_eq!(link.remote_patient_id.as_deref(), Some(REMOTE));
    assert_eq!(
        link.identifier.as_deref(),
        Some("http://riverside.example.org/mrn|R-1042")
    );
    let before = footprint(&t.store);
    provider::sync_patient_now(&mut t.store, &caller(), patient).unwrap();
    let next = claim_pull(&mut t.store, patient);
    assert_eq!(next.remote_patient_id.as_deref(), Some(REMOTE));
    provider::apply_pull(
        &mut t.store,
        &AUDIT_KEY,
        next.job.id,
        synthea_answer(REMOTE, 1),
        &marks(),
    )
    .unwrap();
    assert_eq!(footprint(&t.store), before);
}

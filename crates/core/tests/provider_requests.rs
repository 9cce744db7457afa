//! Requests for documents and demographics sent back, on the real encrypted
//! store: a request becomes a FHIR Task, is followed (Task status mapping)
//! until the provider completes it — the requester is told and a pull is
//! queued — or refuses it; a request that cannot be sent is failed; an edit of
//! a linked patient queues one send-back, whose Patient keeps the provider's
//! identifiers and extensions, and the editor is told how it went.
mod common;
mod provider_common;

use chrono::{Duration, Utc};
use clinic_core::{provider, registry};
use clinic_protocol::{
    DocumentRequestStatus, DocumentType, ProviderErrorKind, ProviderJobKind, ProviderJobQuery,
    ProviderJobStatus, ProviderJobTrigger, RequestProviderDocuments, Role, UpdatePatient,
};
use clinic_store::Store;
use common::{caller, AUDIT_KEY};
use provider_common::{as_staff, endpoint, linked_patient, notifications, staff};
use serde_json::{json, Value};

fn jobs_of(store: &Store, kind: ProviderJobKind) -> Vec<clinic_protocol::ProviderJob> {
    provider::list_jobs(
        store,
        &caller(),
        &ProviderJobQuery {
            kind: Some(kind),
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn task_statuses_map_to_request_statuses() {
    use DocumentRequestStatus as S;
    for (task, status) in [
        ("requested", S::Requested),
        ("received", S::Requested),
        ("accepted", S::Accepted),
        ("in-progress", S::InProgress),
        ("completed", S::Completed),
        ("rejected", S::Rejected),
        ("failed", S::Rejected),
        ("cancelled", S::Cancelled),
    ] {
        assert_eq!(provider::task_status(task), Some(status), "{task}");
    }
    assert_eq!(provider::task_status("done"), None);
}

#[test]
fn a_request_is_sent_as_a_task_and_followed_to_completion() {
    let mut t = common::store();
    let doctor = staff(&mut t.store, Role::Doctor, "dr.okafor");
    let ep = endpoint(&mut t.store);
    let patient = linked_patient(&mut t.store, &ep, "rv-5");
    let request = provider::request_documents(
        &mut t.store,
        &as_staff(&doctor),
        RequestProviderDocuments {
            patient_id: patient,
            description: "Discharge summary from the March admission".into(),
            document_type: Some(DocumentType::Referral),
        },
    )
    .unwrap();
    assert_eq!(request.status, DocumentRequestStatus::Queued);
    assert_eq!(request.requested_by, doctor.display_name);
    assert_eq!(
        provider_common::count(&t.store, "outbox WHERE kind = 'save_document_request'"),
        1
    );

    let now = Utc::now();
    let claimed = provider::next_job(&mut t.store, now).unwrap().unwrap();
    assert_eq!(claimed.job.kind, ProviderJobKind::RequestDocuments);
    let sent = claimed.request.clone().unwrap();
    assert_eq!(sent.id, request.id);
    let task = provider::document_request_task(&sent, "Patient/rv-5", &claimed.clinic_name);
    assert_eq!(task["resourceType"], "Task");
    assert_eq!(
        (task["status"].as_str(), task["intent"].as_str()),
        (Some("requested"), Some("order"))
    );
    assert_eq!(task["code"]["coding"][0]["code"], "fulfill");
    assert_eq!(task["for"]["reference"], "Patient/rv-5");
    assert_eq!(
        task["description"],
        "Discharge summary from the March admission"
    );
    assert_eq!(task["authoredOn"], json!(request.requested_at));
    assert_eq!(task["requester"]["display"], "Harbour Street Clinic");
    assert_eq!(
        task["identifier"][0]["value"],
        json!(request.id.to_string())
    );
    assert_eq!(
        task["input"][0]["valueCodeableConcept"]["coding"][0],
        json!({"system": "http://loinc.org", "code": "57133-1"})
    );

    let job = provider::request_sent(&mut t.store, claimed.job.id, "task-981").unwrap();
    assert_eq!(job.status, ProviderJobStatus::Succeeded);
    assert!(
        provider::request_sent(&mut t.store, claimed.job.id, "task-982").is_err(),
        "a finished job is not reported twice"
    );
    let r = provider::get_request(t.store.conn(), request.id).unwrap();
    assert_eq!(
        (r.status, r.remote_task_id.as_deref()),
        (DocumentRequestStatus::Requested, Some("task-981"))
    );
    // The Task is looked at again later, not now.
    assert!(provider::next_job(&mut t.store, now).unwrap().is_none());
    let mut at = now;
    for (status, expected) in [
        ("accepted", DocumentRequestStatus::Accepted),
        ("in-progress", DocumentRequestStatus::InProgress),
        ("completed", DocumentRequestStatus::Completed),
    ] {
        at += Duration::minutes(provider::CHECK_EVERY_MINUTES + 1);
        let check = provider::next_job(&mut t.store, at).unwrap().unwrap();
        assert_eq!(check.job.kind, ProviderJobKind::CheckRequest);
        assert_eq!(
            check
                .request
                .as_ref()
                .and_then(|r| r.remote_task_id.as_deref()),
            Some("task-981")
        );
        let task = json!({"resourceType": "Task", "id": "task-981", "status": status});
        let done = provider::apply_task(&mut t.store, &AUDIT_KEY, check.job.id, &task).unwrap();
        assert_eq!(done.status, ProviderJobStatus::Succeeded);
        assert_eq!(
            provider::get_request(t.store.conn(), request.id)
                .unwrap()
                .status,
            expected
        );
        let told = notifications(&t.store, "provider_request_updated");
        assert_eq!(told.len(), usize::from(status == "completed"), "{status}");
    }
    let told = notifications(&t.store, "provider_request_updated");
    assert_eq!(
        told[0],
        (
            doctor.staff_id.to_string(),
            json!({"document_request": request.id.to_string(), "status": "completed"})
        )
    );
    // Completed: the documents come with a pull, told to the requester; no more looks.
    let pulls = jobs_of(&t.store, ProviderJobKind::Pull);
    assert_eq!(pulls.len(), 1);
    assert_eq!(
        (pulls[0].status, pulls[0].trigger),
        (ProviderJobStatus::Queued, ProviderJobTrigger::Change)
    );
    assert!(jobs_of(&t.store, ProviderJobKind::CheckRequest)
        .iter()
        .all(|j| j.status != ProviderJobStatus::Queued));
    assert_eq!(
        provider::queue_due_pulls(&mut t.store, at + Duration::hours(1)).unwrap(),
        0
    );
    let records = provider::patient_records(&mut t.store, &as_staff(&doctor), patient).unwrap();
    assert_eq!(records.requests.len(), 1);
    assert_eq!(records.pending_jobs, 1);
}

#[test]
fn a_refused_request_is_told_and_one_that_cannot_be_sent_fails() {
    let mut t = common::store();
    let nurse = staff(&mut t.store, Role::Nurse, "nurse.ng");
    let ep = endpoint(&mut t.store);
    let patient = linked_patient(&mut t.store, &ep, "rv-6");
    let ask = |store: &mut Store| {
        provider::request_documents(
            store,
            &as_staff(&nurse),
            RequestProviderDocuments {
                patient_id: patient,
                description: "Latest lab results".into(),
                document_type: None,
            },
        )
        .unwrap()
    };
    let first = ask(&mut t.store);
    let now = Utc::now();
    let claimed = provider::next_job(&mut t.store, now).unwrap().unwrap();
    assert!(provider::document_request_task(
        claimed.request.as_ref().unwrap(),
        "Patient/rv-6",
        "x"
    )
    .get("input")
    .is_none());
    provider::request_sent(&mut t.store, claimed.job.id, "t-1").unwrap();
    let later = now + Duration::minutes(20);
    let check = provider::next_job(&mut t.store, later).unwrap().unwrap();
    // Not a Task: the look fails, the request is unchanged.
    let bad = provider::apply_task(
        &mut t.store,
        &AUDIT_KEY,
        check.job.id,
        &json!({"resourceType": "Patient"}),
    )
    .unwrap();
    assert_eq!(bad.error, Some(ProviderErrorKind::Malformed));
    assert_eq!(
        provider::get_request(t.store.conn(), first.id)
            .unwrap()
            .status,
        DocumentRequestStatus::Requested
    );
    provider::retry_job(&mut t.store, &as_staff(&nurse), check.job.id).unwrap();
    let check = provider::next_job(&mut t.store, later).unwrap().unwrap();
    provider::apply_task(
        &mut t.store,
        &AUDIT_KEY,
        check.job.id,
        &json!({"resourceType": "Task", "status": "rejected"}),
    )
    .unwrap();
    assert_eq!(
        provider::get_request(t.store.conn(), first.id)
            .unwrap()
            .status,
        DocumentRequestStatus::Rejected
    );
    let told = notifications(&t.store, "provider_request_updated");
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].1["status"], "rejected");
    assert!(jobs_of(&t.store, ProviderJobKind::Pull).is_empty());

    // The provider refuses the Task itself: the request failed; a retry queues it again.
    let second = ask(&mut t.store);
    let claimed = provider::next_job(&mut t.store, later).unwrap().unwrap();
    provider::finish_job_failed(
        &mut t.store,
        claimed.job.id,
        ProviderErrorKind::Forbidden,
        Some(403),
        "Task create",
    )
    .unwrap();
    assert_eq!(
        provider::get_request(t.store.conn(), second.id)
            .unwrap()
            .status,
        DocumentRequestStatus::Failed
    );
    provider::retry_job(&mut t.store, &as_staff(&nurse), claimed.job.id).unwrap();
    assert_eq!(
        provider::get_request(t.store.conn(), second.id)
            .unwrap()
            .status,
        DocumentRequestStatus::Queued
    );
}

fn edit(
    store: &mut Store,
    who: &clinic_core::Caller<'_>,
    patient: clinic_protocol::PatientId,
    f: impl FnOnce(&mut clinic_protocol::PatientDetails),
) {
    let current = registry::get_patient(store.conn(), patient).unwrap();
    let mut details = current.details.clone();
    f(&mut details);
    registry::update_patient(
        store,
        who,
        UpdatePatient {
            id: patient,
            expected_version: current.version,
            details,
        },
    )
    .unwrap();
}

fn remote_patient() -> Value {
    json!({
        "resourceType": "Patient",
        "id": "rv-7",
        "meta": {"versionId": "12", "lastUpdated": "2026-02-01T10:00:00Z"},
        "extension": [{"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex", "valueCode": "F"}],
        "identifier": [{"system": "http://riverside.example.org/mrn", "value": "R-7"}],
        "active": true,
        "name": [{"use": "official", "family": "Byron", "given": ["Ada"]}],
        "telecom": [{"system": "phone", "value": "+44 20 0000 0000"}],
        "gender": "female",
        "birthDate": "1990-12-10",
        "maritalStatus": {"text": "Married"},
        "generalPractitioner": [{"reference": "Practitioner/p-1"}],
    })
}

#[test]
fn an_edit_is_sent_back_keeping_the_providers_identifiers_and_the_editor_is_told() {
    let mut t = common::store();
    let desk = staff(&mut t.store, Role::FrontDesk, "desk");
    let ep = endpoint(&mut t.store);
    let patient = linked_patient(&mut t.store, &ep, "rv-7");
    let who = as_staff(&desk);
    edit(&mut t.store, &who, patient, |d| {
        d.preferences.language = "fr".into()
    });
    assert!(
        jobs_of(&t.store, ProviderJobKind::SendDemographics).is_empty(),
        "preferences are not sent"
    );
    edit(&mut t.store, &who, patient, |d| {
        d.phone = "+44 20 7946 0123".into()
    });
    edit(&mut t.store, &who, patient, |d| {
        d.family_name = "King".into()
    });
    let queued = jobs_of(&t.store, ProviderJobKind::SendDemographics);
    assert_eq!(queued.len(), 1, "one queued per patient");
    assert_eq!(queued[0].trigger, ProviderJobTrigger::Change);

    let claimed = provider::next_job(&mut t.store, Utc::now())
        .unwrap()
        .unwrap();
    assert_eq!(claimed.job.kind, ProviderJobKind::SendDemographics);
    let remote = remote_patient();
    let update = provider::demographics_update(&t.store, claimed.job.id, &remote).unwrap();
    for kept in [
        "id",
        "meta",
        "extension",
        "identifier",
        "active",
        "maritalStatus",
        "generalPractitioner",
    ] {
        assert_eq!(update[kept], remote[kept], "{kept}");
    }
    assert_eq!(update["name"][0]["family"], "King");
    assert_eq!(update["name"][0]["given"][0], "Ada");
    assert_eq!(update["birthDate"], "1990-12-10");
    assert_eq!(update["gender"], "female");
    let telecom = update["telecom"].to_string();
    assert!(
        telecom.contains("+44 20 7946 0123") && !telecom.contains("0000 0000"),
        "{telecom}"
    );
    assert_eq!(update["address"][0]["city"], "London");
    assert!(provider::demographics_update(
        &t.store,
        claimed.job.id,
        &json!({"resourceType": "Bundle"})
    )
    .is_err());

    let job = provider::demographics_sent(&mut t.store, claimed.job.id, Ok(())).unwrap();
    assert_eq!(job.status, ProviderJobStatus::Succeeded);
    let told = notifications(&t.store, "provider_demographics_sent");
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].0, desk.staff_id.to_string());
    assert_eq!(
        (told[0].1["accepted"].clone(), told[0].1["error"].clone()),
        (json!(true), Value::Null)
    );

    // A temporary failure is retried without telling; a refusal is told.
    edit(&mut t.store, &who, patient, |d| {
        d.email = "ada.king@example.org".into()
    });
    let claimed = provider::next_job(&mut t.store, Utc::now())
        .unwrap()
        .unwrap();
    let job = provider::demographics_sent(
        &mut t.store,
        claimed.job.id,
        Err((
            ProviderErrorKind::ServerError,
            Some(503),
            "Patient update".into(),
        )),
    )
    .unwrap();
    assert!(job.next_attempt_at.is_some());
    assert_eq!(
        notifications(&t.store, "provider_demographics_sent").len(),
        1
    );
    let claimed = provider::next_job(&mut t.store, Utc::now() + Duration::hours(1))
        .unwrap()
        .unwrap();
    provider::demographics_sent(
        &mut t.store,
        claimed.job.id,
        Err((
            ProviderErrorKind::Rejected,
            Some(412),
            "Patient update: version conflict".into(),
        )),
    )
    .unwrap();
    let told = notifications(&t.store, "provider_demographics_sent");
    assert_eq!(told.len(), 2);
    assert_eq!(
        (told[1].1["accepted"].clone(), told[1].1["error"].clone()),
        (json!(false), json!("rejected"))
    );

    // An endpoint that does not accept updates gets none.
    let mut off = provider_common::save_request(
        "Riverside Family Practice",
        clinic_protocol::ProviderAuthKind::Bearer,
        None,
    );
    off.id = Some(ep.id);
    off.send_demographics = false;
    provider::save_endpoint(&mut t.store, &caller(), off).unwrap();
    let before = jobs_of(&t.store, ProviderJobKind::SendDemographics).len();
    edit(&mut t.store, &who, patient, |d| {
        d.family_name = "Lovelace".into()
    });
    assert_eq!(
        jobs_of(&t.store, ProviderJobKind::SendDemographics).len(),
        before
    );
}

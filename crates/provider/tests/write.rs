//! Writing to the real test FHIR server: a document request as a Task (created,
//! moved on by the provider's staff, read back) and demographics sent back with
//! optimistic locking (`If-Match`, 412 on a stale version).
mod common;

use clinic_protocol::ProviderErrorKind;
use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn a_document_request_task_is_created_and_followed() {
    let server = start(two_patients());
    let client = open_client(&server);
    let gerard = patient_id(&client, GERARD).await;
    let task = json!({
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "code": {"text": "Send documents"},
        "description": "Discharge summary from the March admission",
        "for": {"reference": format!("Patient/{gerard}")},
        "authoredOn": "2025-03-20T10:00:00Z",
    });
    let created = client.create(&task).await.unwrap();
    let task_id = created["id"]
        .as_str()
        .expect("the provider gave the Task an id");
    assert_eq!(created["status"], "requested");
    assert_eq!(created["description"], task["description"]);

    // The provider's staff complete it, pointing at the document they made available.
    let moved: Value = serde_json::from_str(
        &server
            .admin(
                "task-status",
                &json!({
                    "id": task_id,
                    "status": "completed",
                    "output": [{
                        "type": {"text": "document"},
                        "valueReference": {"reference": "DocumentReference/discharge-1"}
                    }]
                })
                .to_string(),
            )
            .unwrap(),
    )
    .unwrap();
    assert_eq!(moved["status"], "completed");

    let (read, version) = client.read("Task", task_id).await.unwrap();
    assert_eq!(read["status"], "completed");
    assert_eq!(
        read["output"][0]["valueReference"]["reference"],
        "DocumentReference/discharge-1"
    );
    assert_eq!(read["for"]["reference"], format!("Patient/{gerard}"));
    assert_ne!(version.as_deref(), created["meta"]["versionId"].as_str());
    let tasks = client
        .search_all("Task", &[("patient", gerard.as_str())], |_, _| {})
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
}

#[tokio::test]
async fn demographics_are_sent_back_with_if_match() {
    let server = start(two_patients());
    let client = open_client(&server);
    let matt = patient_id(&client, MATT).await;
    let (patient, version) = client.read("Patient", &matt).await.unwrap();
    let version = version.expect("the Patient has a version");

    let mut edited = patient.clone();
    edited["telecom"] = json!([{"system": "phone", "value": "555-0100", "use": "mobile"}]);
    let stored = client.update(&edited, Some(&version)).await.unwrap();
    assert_eq!(stored["telecom"][0]["value"], "555-0100");
    let new_version = stored["meta"]["versionId"].as_str().unwrap().to_string();
    assert_ne!(new_version, version);

    // Sending again against the old version is refused: someone changed it since.
    let mut stale = patient.clone();
    stale["telecom"] = json!([{"system": "phone", "value": "555-0199"}]);
    let refused = client.update(&stale, Some(&version)).await.unwrap_err();
    assert_eq!(refused.kind, ProviderErrorKind::Rejected);
    assert_eq!(refused.status, Some(412));
    assert!(!refused.is_temporary());
    assert!(refused.detail.contains("412"), "{}", refused.detail);

    let (now, now_version) = client.read("Patient", &matt).await.unwrap();
    assert_eq!(now["telecom"][0]["value"], "555-0100");
    assert_eq!(now_version.as_deref(), Some(new_version.as_str()));

    // An ETag as the server sent it works as well as a bare version.
    let mut again = now.clone();
    again["telecom"][0]["value"] = json!("555-0111");
    let stored = client
        .update(&again, Some(&format!("W/\"{new_version}\"")))
        .await
        .unwrap();
    assert_eq!(stored["telecom"][0]["value"], "555-0111");
}

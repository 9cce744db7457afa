//! Failures of the real test FHIR server, injected through its test controls,
//! and how the client sorts them: 5xx → ServerError, slow beyond the timeout →
//! Timeout, not JSON → Malformed, a dropped connection or a stopped server →
//! Unreachable (temporary ones retried later by the jobs), 401/403 → Unauthorized
//! and Forbidden (not temporary).
mod common;

use clinic_protocol::ProviderErrorKind;
use clinic_provider::{FhirClient, ProviderAuth, Timeouts};
use common::*;
use serde_json::json;
use std::time::Duration;

fn fault(server: &clinic_server_harness::FhirServer, fault: &str, path: &str) {
    server
        .admin(
            "fault",
            &json!({"fault": fault, "times": 1, "path": path}).to_string(),
        )
        .unwrap();
}

#[tokio::test]
async fn injected_faults_are_classified() {
    let server = start(two_patients());
    let client = open_client(&server);
    let gerard = patient_id(&client, GERARD).await;
    let search = |resource_type: &'static str| {
        let client = &client;
        let gerard = gerard.clone();
        async move {
            client
                .search_all(resource_type, &[("patient", gerard.as_str())], |_, _| {})
                .await
        }
    };

    // (fault, the resource type it hits, kind, HTTP status, temporary)
    let cases = [
        (
            "503",
            "Observation",
            ProviderErrorKind::ServerError,
            Some(503),
            true,
        ),
        (
            "500",
            "Condition",
            ProviderErrorKind::ServerError,
            Some(500),
            true,
        ),
        (
            "malformed",
            "Procedure",
            ProviderErrorKind::Malformed,
            Some(200),
            false,
        ),
        (
            "reset",
            "Immunization",
            ProviderErrorKind::Unreachable,
            None,
            true,
        ),
        (
            "401",
            "Encounter",
            ProviderErrorKind::Unauthorized,
            Some(401),
            false,
        ),
        (
            "403",
            "DiagnosticReport",
            ProviderErrorKind::Forbidden,
            Some(403),
            false,
        ),
        (
            "404",
            "Condition",
            ProviderErrorKind::PatientNotFound,
            Some(404),
            false,
        ),
    ];
    for (name, resource_type, kind, status, temporary) in cases {
        fault(&server, name, &format!("/fhir/{resource_type}"));
        let failure = search(resource_type).await.unwrap_err();
        assert_eq!(failure.kind, kind, "{name}: {failure}");
        assert_eq!(failure.status, status, "{name}: {failure}");
        assert_eq!(failure.is_temporary(), temporary, "{name}");
        assert!(
            failure.detail.contains(resource_type) && !failure.detail.contains(&gerard),
            "{name}: the detail names what was done, not the patient: {}",
            failure.detail
        );
        // The fault was for one request: the same search now succeeds.
        let found = search(resource_type).await.unwrap();
        assert_eq!(
            found.len(),
            count_in_bundle(GERARD, resource_type),
            "{name}"
        );
    }

    // A 404 outside the patient's records is the provider refusing, not an unknown patient.
    fault(&server, "404", "/fhir/metadata");
    let failure = client.capabilities().await.unwrap_err();
    assert_eq!(failure.kind, ProviderErrorKind::Rejected);

    // A failure on a later page fails the whole search (nothing half-pulled).
    server.admin("reset-log", "{}").unwrap();
    server
        .admin(
            "fault",
            &json!({"fault": "slow:0", "times": 1, "path": "/fhir/Observation"}).to_string(),
        )
        .unwrap();
    fault(&server, "503", "/fhir/Observation");
    let failure = client
        .search_all(
            "Observation",
            &[("patient", gerard.as_str()), ("_count", "10")],
            |_, _| {},
        )
        .await
        .unwrap_err();
    assert_eq!(failure.kind, ProviderErrorKind::ServerError);
    assert!(failure.detail.contains("page 2"), "{}", failure.detail);
    let statuses: Vec<u16> = requests(&server).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 503]);
}

#[tokio::test]
async fn a_slow_provider_times_out() {
    let server = start(two_patients());
    let impatient = FhirClient::new(
        &server.base_url(),
        ProviderAuth::Open,
        Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_millis(500),
        },
    )
    .unwrap();
    let identifier = synthea_identifier(GERARD);
    fault(&server, "slow:5000", "/fhir/Patient");
    let failure = impatient.find_patient(&identifier).await.unwrap_err();
    assert_eq!(failure.kind, ProviderErrorKind::Timeout, "{failure}");
    assert!(failure.is_temporary());
    assert_eq!(failure.status, None);

    // A delay within the timeout is only slow.
    let patient = open_client(&server);
    fault(&server, "slow:200", "/fhir/Patient");
    assert!(patient.find_patient(&identifier).await.unwrap().is_some());
}

#[tokio::test]
async fn a_stopped_provider_is_unreachable() {
    let mut server = start(FhirOptions::new().load(bundle_path(MATT)));
    let client = open_client(&server);
    let matt = patient_id(&client, MATT).await;
    server.kill();
    for failure in [
        client.read("Patient", &matt).await.unwrap_err(),
        client.capabilities().await.unwrap_err(),
    ] {
        assert_eq!(failure.kind, ProviderErrorKind::Unreachable, "{failure}");
        assert!(failure.is_temporary());
        assert_eq!(failure.status, None);
    }
}

//! Pulling a patient's records from the real test FHIR server (two Synthea
//! patients loaded): finding the patient by identifier, searches across pages,
//! incremental searches by `_lastUpdated`, documents and their Binaries.
mod common;

use clinic_protocol::ProviderErrorKind;
use common::*;
use serde_json::{json, Value};
use std::collections::HashSet;

#[tokio::test]
async fn the_patient_is_found_by_identifier_and_read() {
    let server = start(two_patients());
    let client = open_client(&server);
    let capabilities = client.capabilities().await.unwrap();
    assert_eq!(capabilities["fhirVersion"], "4.0.1");

    let gerard = client
        .find_patient(&synthea_identifier(GERARD))
        .await
        .unwrap()
        .expect("Gerard is known");
    let matt = client
        .find_patient(&synthea_identifier(MATT))
        .await
        .unwrap()
        .expect("Matt is known");
    assert_ne!(gerard["id"], matt["id"]);
    assert_eq!(gerard["name"][0]["family"], "Thiel");

    let unknown = client
        .find_patient(&format!("{SYNTHEA_SYSTEM}|no-such-patient"))
        .await
        .unwrap();
    assert!(unknown.is_none());

    let (read, version) = client
        .read("Patient", gerard["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(read["id"], gerard["id"]);
    assert_eq!(version.as_deref(), gerard["meta"]["versionId"].as_str());

    let missing = client.read("Patient", "no-such-id").await.unwrap_err();
    assert_eq!(missing.kind, ProviderErrorKind::PatientNotFound);
    assert_eq!(missing.status, Some(404));
}

#[tokio::test]
async fn a_search_follows_every_page() {
    let server = start(two_patients());
    let client = open_client(&server);
    let gerard = patient_id(&client, GERARD).await;
    let expected = count_in_bundle(GERARD, "Observation");
    assert!(expected > 40, "the fixture has {expected} observations");

    let mut progress = Vec::new();
    let observations = client
        .search_all(
            "Observation",
            &[("patient", gerard.as_str()), ("_count", "20")],
            |pages, entries| progress.push((pages, entries)),
        )
        .await
        .unwrap();
    assert_eq!(observations.len(), expected);
    let ids: HashSet<&str> = observations
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), expected, "no observation twice");
    let reference = format!("Patient/{gerard}");
    assert!(observations
        .iter()
        .all(|o| o["resourceType"] == "Observation" && o["subject"]["reference"] == reference));
    let pages = expected.div_ceil(20) as u32;
    assert!(pages > 1);
    assert_eq!(progress.len() as u32, pages);
    assert_eq!(progress.last(), Some(&(pages, expected)));

    // Every page was asked for under the base URL, the later ones by the server's next links.
    let searches: Vec<_> = requests(&server)
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == "/fhir/Observation")
        .collect();
    assert_eq!(searches.len() as u32, pages);
    assert!(!searches[0].has_param("_offset"));
    assert!(searches[1..].iter().all(|r| r.has_param("_offset")));

    // The other patient's records are not mixed in, and the server's default page size works too.
    let matt = patient_id(&client, MATT).await;
    let theirs = client
        .search_all("Observation", &[("patient", matt.as_str())], |_, _| {})
        .await
        .unwrap();
    assert_eq!(theirs.len(), count_in_bundle(MATT, "Observation"));
    for (resource_type, expected) in [
        ("Encounter", count_in_bundle(GERARD, "Encounter")),
        (
            "DiagnosticReport",
            count_in_bundle(GERARD, "DiagnosticReport"),
        ),
        ("Immunization", count_in_bundle(GERARD, "Immunization")),
        ("AllergyIntolerance", 0),
    ] {
        let found = client
            .search_all(resource_type, &[("patient", gerard.as_str())], |_, _| {})
            .await
            .unwrap();
        assert_eq!(found.len(), expected, "{resource_type}");
    }
}

#[tokio::test]
async fn an_incremental_search_returns_only_what_changed() {
    let server = start(two_patients());
    let client = open_client(&server);
    let gerard = patient_id(&client, GERARD).await;
    let all = client
        .search_all("Observation", &[("patient", gerard.as_str())], |_, _| {})
        .await
        .unwrap();
    assert!(all.len() > 1);
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);

    // The provider's staff change one observation.
    let changed = all[7]["id"].as_str().unwrap();
    let touched: Value = serde_json::from_str(
        &server
            .admin(
                "touch",
                &json!({"type": "Observation", "id": changed}).to_string(),
            )
            .unwrap(),
    )
    .unwrap();
    assert_ne!(touched["meta"]["versionId"], all[7]["meta"]["versionId"]);

    server.admin("reset-log", "{}").unwrap();
    let since_param = format!("ge{since}");
    let delta = client
        .search_all(
            "Observation",
            &[
                ("patient", gerard.as_str()),
                ("_lastUpdated", since_param.as_str()),
            ],
            |_, _| {},
        )
        .await
        .unwrap();
    let ids: Vec<&str> = delta.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [changed]);
    assert_eq!(delta[0]["meta"]["versionId"], touched["meta"]["versionId"]);
    let log = requests(&server);
    assert_eq!(log.len(), 1);
    assert!(log[0]
        .params
        .contains(&("_lastUpdated".to_string(), since_param.clone())));
}

#[tokio::test]
async fn documents_and_their_binaries_are_downloaded() {
    let server = start(two_patients().documents(3));
    let client = open_client(&server);
    let gerard = patient_id(&client, GERARD).await;
    let documents = client
        .search_all(
            "DocumentReference",
            &[("patient", gerard.as_str())],
            |_, _| {},
        )
        .await
        .unwrap();
    assert_eq!(documents.len(), 3);
    let mut kinds = Vec::new();
    for document in &documents {
        assert_eq!(document["type"]["coding"][0]["system"], "http://loinc.org");
        assert!(document["author"][0]["display"].as_str().is_some());
        let attachment = &document["content"][0]["attachment"];
        let url = attachment["url"].as_str().unwrap();
        let (content_type, bytes) = client.binary(url).await.unwrap();
        assert_eq!(content_type, attachment["contentType"].as_str().unwrap());
        assert_eq!(bytes.len() as u64, attachment["size"].as_u64().unwrap());
        match content_type.as_str() {
            "application/pdf" => {
                assert!(bytes.starts_with(b"%PDF-1.") && bytes.ends_with(b"%%EOF\n"))
            }
            "text/plain" => assert!(String::from_utf8(bytes)
                .unwrap()
                .contains("synthetic test document")),
            other => panic!("unexpected content type {other}"),
        }
        kinds.push(content_type);
        // An absolute URL under the base works the same.
        let absolute = format!("{}/{url}", server.base_url());
        assert_eq!(
            client.binary(&absolute).await.unwrap().0,
            kinds[kinds.len() - 1]
        );
    }
    kinds.sort();
    assert_eq!(kinds, ["application/pdf", "text/plain", "text/plain"]);

    let missing = client.binary("Binary/no-such-binary").await.unwrap_err();
    assert_eq!(missing.kind, ProviderErrorKind::Rejected);
    assert_eq!(missing.status, Some(404));
    let elsewhere = client
        .binary("https://elsewhere.example/fhir/Binary/1")
        .await
        .unwrap_err();
    assert_eq!(elsewhere.kind, ProviderErrorKind::Malformed);
}

#[tokio::test]
async fn a_binary_sent_as_a_fhir_resource_is_decoded() {
    let server = start(two_patients().documents(1).arg("--binary-json"));
    let client = open_client(&server);
    let matt = patient_id(&client, MATT).await;
    let documents = client
        .search_all(
            "DocumentReference",
            &[("patient", matt.as_str())],
            |_, _| {},
        )
        .await
        .unwrap();
    let attachment = &documents[0]["content"][0]["attachment"];
    let (content_type, bytes) = client
        .binary(attachment["url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(content_type, "application/pdf");
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(bytes.len() as u64, attachment["size"].as_u64().unwrap());
}

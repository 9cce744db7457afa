//! Authenticating to the real test FHIR server: a static bearer token, and SMART
//! Backend Services with keys made for the test (RS384 and ES384) — the access
//! token is cached, renewed once on a 401, and a wrong key is Unauthorized.
mod common;

use clinic_protocol::ProviderErrorKind;
use clinic_provider::ProviderAuth;
use clinic_server_harness::fhir::{node_key_pair, KeyAlg};
use clinic_server_harness::FhirServer;
use common::*;

const CLIENT_ID: &str = "clinic-desktop-test";

#[tokio::test]
async fn a_bearer_token_must_be_the_right_one() {
    let server = start(two_patients().token("provider-issued-token"));
    let right = client(
        &server,
        ProviderAuth::Bearer("provider-issued-token".into()),
    );
    assert!(right
        .find_patient(&synthea_identifier(GERARD))
        .await
        .unwrap()
        .is_some());

    for auth in [
        ProviderAuth::Bearer("a-wrong-token".into()),
        ProviderAuth::Open,
    ] {
        let wrong = client(&server, auth);
        let failure = wrong
            .find_patient(&synthea_identifier(GERARD))
            .await
            .unwrap_err();
        assert_eq!(failure.kind, ProviderErrorKind::Unauthorized);
        assert_eq!(failure.status, Some(401));
        assert!(!failure.is_temporary());
        assert!(
            !failure.detail.contains("wrong-token"),
            "{}",
            failure.detail
        );
    }
}

/// A server trusting a fresh key pair for [`CLIENT_ID`], and that key's private PEM.
fn smart_server(alg: KeyAlg) -> (FhirServer, String, tempfile::TempDir) {
    let keys = node_key_pair(alg).expect("a test key pair");
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("client-public.pem");
    std::fs::write(&public, &keys.public_pem).unwrap();
    let server = start(two_patients().smart(&public, CLIENT_ID));
    (server, keys.private_pem, dir)
}

fn smart(server: &FhirServer, private_key_pem: &str) -> ProviderAuth {
    ProviderAuth::Smart {
        client_id: CLIENT_ID.into(),
        token_url: server.token_url(),
        private_key_pem: private_key_pem.into(),
        scope: Some("system/Patient.read system/Observation.read".into()),
    }
}

fn token_requests(server: &FhirServer) -> usize {
    requests(server)
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/auth/token")
        .count()
}

#[tokio::test]
async fn smart_rs384_token_is_fetched_cached_and_renewed_on_401() {
    let (server, private_pem, _keys) = smart_server(KeyAlg::Rs384);
    let client = client(&server, smart(&server, &private_pem));
    let gerard = patient_id(&client, GERARD).await;
    let observations = client
        .search_all("Observation", &[("patient", gerard.as_str())], |_, _| {})
        .await
        .unwrap();
    assert_eq!(observations.len(), count_in_bundle(GERARD, "Observation"));
    // Three requests (find, two pages), one token.
    assert_eq!(token_requests(&server), 1);

    // The provider forgets its tokens: the next call renews once and succeeds.
    server.admin("revoke-tokens", "{}").unwrap();
    let (patient, _) = client.read("Patient", &gerard).await.unwrap();
    assert_eq!(patient["id"], gerard.as_str());
    assert_eq!(token_requests(&server), 2);
    let reads: Vec<u16> = requests(&server)
        .into_iter()
        .filter(|r| r.path.starts_with("/fhir/Patient/"))
        .map(|r| r.status)
        .collect();
    assert_eq!(
        reads,
        [401, 200],
        "the 401, then the retry with a new token"
    );
}

#[tokio::test]
async fn smart_es384_token_works() {
    let (server, private_pem, _keys) = smart_server(KeyAlg::Es384);
    let client = client(&server, smart(&server, &private_pem));
    assert!(client
        .find_patient(&synthea_identifier(MATT))
        .await
        .unwrap()
        .is_some());
    assert_eq!(token_requests(&server), 1);
}

#[tokio::test]
async fn smart_with_a_key_the_provider_does_not_know_is_unauthorized() {
    let (server, _private_pem, _keys) = smart_server(KeyAlg::Rs384);
    let other = node_key_pair(KeyAlg::Rs384).unwrap();
    let client = client(&server, smart(&server, &other.private_pem));
    let failure = client
        .find_patient(&synthea_identifier(GERARD))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, ProviderErrorKind::Unauthorized);
    assert_eq!(failure.status, Some(401));
    assert!(
        failure.detail.contains("invalid_client"),
        "{}",
        failure.detail
    );
    // No FHIR request went out without a token.
    assert!(requests(&server).iter().all(|r| r.path == "/auth/token"));

    // The capability statement is open and names the token URL; the records are not.
    let open = open_client(&server);
    let capabilities = open.capabilities().await.unwrap();
    let oauth = &capabilities["rest"][0]["security"]["extension"][0]["extension"][0];
    assert_eq!(oauth["valueUri"], server.token_url());
    let denied = open.read("Patient", "x").await.unwrap_err();
    assert_eq!(denied.kind, ProviderErrorKind::Unauthorized);
}

#[tokio::test]
async fn a_bad_private_key_is_not_configured() {
    let failure = clinic_provider::FhirClient::new(
        "http://127.0.0.1:9/fhir",
        ProviderAuth::Smart {
            client_id: CLIENT_ID.into(),
            token_url: "http://127.0.0.1:9/auth/token".into(),
            private_key_pem: "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
                .into(),
            scope: None,
        },
        timeouts(),
    )
    .unwrap_err();
    assert_eq!(failure.kind, ProviderErrorKind::NotConfigured);
}

//! Shared by the provider tests: the shared Synthea data (two patients' bundles),
//! the real test FHIR server started on them, and what the tests compare with
//! (counts read from the bundle files themselves, the server's request log).
#![allow(dead_code)]

use clinic_provider::{FhirClient, ProviderAuth, Timeouts};
pub use clinic_server_harness::{FhirOptions, FhirServer};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Gerard Thiel: 94 Observations, 16 Encounters, 5 DiagnosticReports.
pub const GERARD: &str = "Gerard_Thiel_912b242e-0b4a-422e-80f2-93313fa84c98.json";
/// Matt Mosciski: 65 Observations.
pub const MATT: &str = "Matt_Mosciski_11bfb5ea-d969-43ae-8411-953b246de98d.json";
/// Synthea's identifier system (its patients also carry an MRN, SSN, …).
pub const SYNTHEA_SYSTEM: &str = "https://github.com/synthetichealth/synthea";

/// The shared test data (see crates/fhir/tests/common): `CLINIC_SHARED_DATA`, else
/// `../shared/data` next to the repository.
pub fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("CLINIC_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        dir.join("synthea-r4-bundles").is_dir(),
        "the shared FHIR test data is missing: expected {} with synthea-r4-bundles/",
        dir.display()
    );
    dir
}

pub fn bundle_path(name: &str) -> PathBuf {
    data_dir().join("synthea-r4-bundles").join(name)
}

pub fn bundle(name: &str) -> Value {
    let text = std::fs::read_to_string(bundle_path(name)).expect("read a Synthea bundle");
    serde_json::from_str(&text).expect("a Synthea bundle is JSON")
}

/// How many resources of `resource_type` the bundle file holds.
pub fn count_in_bundle(name: &str, resource_type: &str) -> usize {
    bundle(name)["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["resource"]["resourceType"] == resource_type)
        .count()
}

/// The patient's Synthea identifier as `system|value`.
pub fn synthea_identifier(name: &str) -> String {
    let bundle = bundle(name);
    let patient = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "Patient")
        .expect("a Patient");
    let value = patient["identifier"]
        .as_array()
        .expect("identifiers")
        .iter()
        .find(|i| i["system"] == SYNTHEA_SYSTEM)
        .expect("a Synthea identifier")["value"]
        .as_str()
        .expect("its value");
    format!("{SYNTHEA_SYSTEM}|{value}")
}

/// Options loading both patients' bundles.
pub fn two_patients() -> FhirOptions {
    FhirOptions::new()
        .load(bundle_path(GERARD))
        .load(bundle_path(MATT))
}

pub fn start(options: FhirOptions) -> FhirServer {
    FhirServer::start(options).expect("start the test FHIR server")
}

pub fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(5),
        request: Duration::from_secs(30),
    }
}

pub fn client(server: &FhirServer, auth: ProviderAuth) -> FhirClient {
    FhirClient::new(&server.base_url(), auth, timeouts()).expect("a client")
}

pub fn open_client(server: &FhirServer) -> FhirClient {
    client(server, ProviderAuth::Open)
}

/// The patient's id at the server, found by their Synthea identifier.
pub async fn patient_id(client: &FhirClient, bundle_name: &str) -> String {
    let patient = client
        .find_patient(&synthea_identifier(bundle_name))
        .await
        .expect("find the patient")
        .expect("the patient is known");
    patient["id"].as_str().expect("an id").to_string()
}

/// One request the server received (its `$admin/requests` log).
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub params: Vec<(String, String)>,
    /// 0 when the connection was dropped (a `reset` fault).
    pub status: u16,
}

impl Request {
    pub fn has_param(&self, key: &str) -> bool {
        self.params.iter().any(|(k, _)| k == key)
    }
}

/// The server's request log, oldest first.
pub fn requests(server: &FhirServer) -> Vec<Request> {
    let log: Value = serde_json::from_str(&server.admin_get("requests").expect("the request log"))
        .expect("the log is JSON");
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    log.as_array()
        .expect("a list")
        .iter()
        .map(|r| Request {
            method: text(&r["method"]),
            path: text(&r["path"]),
            params: r["params"]
                .as_array()
                .expect("params")
                .iter()
                .map(|p| (text(&p[0]), text(&p[1])))
                .collect(),
            status: r["status"].as_u64().unwrap_or_default() as u16,
        })
        .collect()
}

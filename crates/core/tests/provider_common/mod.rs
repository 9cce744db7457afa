//! Provider test fixtures: staff members, an endpoint and a linked patient on
//! a real encrypted store, and a provider's answer built from the shared
//! Synthea data (one patient's resources as a FHIR server returns them).
#![allow(dead_code)]
use crate::common::{self, caller, AUDIT_KEY};
use clinic_core::session::SessionGate;
use clinic_core::{identity, provider, Caller, CoreError};
use clinic_protocol::{
    CreateStaff, LinkPatientProvider, PatientId, ProviderAuthKind, ProviderEndpoint, Role,
    SaveProviderEndpoint, SessionInfo, SessionScope,
};
use clinic_store::Store;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const PASSWORD: &str = "Fjord pebble orchard";
pub const TOKEN: &str = "tok-3f9a1c7e5b2d4068";

/// Creates the clinic (once) and a staff member of `role`; their session.
pub fn staff(store: &mut Store, role: Role, username: &str) -> SessionInfo {
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
    let member = identity::create_staff(
        store,
        CreateStaff {
            username: username.into(),
            display_name: format!("{username} person"),
            role,
            password: PASSWORD.into(),
        },
    )
    .unwrap();
    SessionInfo {
        staff_id: member.id,
        username: username.into(),
        display_name: member.display_name,
        role,
        scope: SessionScope::Full,
        signed_in_at: "2026-01-05T09:00:00.000Z".into(),
        auto_lock_minutes: 10,
    }
}

pub fn as_staff(session: &SessionInfo) -> Caller<'static> {
    Caller::staff(&AUDIT_KEY, session)
}

/// What the session gate answers `session` asking for `command`.
pub fn admit(
    store: &mut Store,
    session: &SessionInfo,
    command: clinic_core::authz::Command,
) -> Result<(), CoreError> {
    let mut gate = SessionGate::new();
    gate.login(
        store,
        &AUDIT_KEY,
        clinic_protocol::Login {
            username: session.username.clone(),
            password: PASSWORD.into(),
            totp_code: None,
        },
        chrono::Utc::now(),
    )
    .unwrap();
    gate.admit(store, &AUDIT_KEY, command, chrono::Utc::now())
        .map(|_| ())
}

pub fn save_request(
    name: &str,
    auth: ProviderAuthKind,
    secret: Option<&str>,
) -> SaveProviderEndpoint {
    SaveProviderEndpoint {
        id: None,
        name: name.into(),
        base_url: "https://fhir.riverside.example.org/r4/".into(),
        auth,
        client_id: None,
        token_url: None,
        scope: None,
        secret: secret.map(str::to_string),
        refresh_minutes: 60,
        send_demographics: true,
        clinic_default: false,
    }
}

/// A bearer endpoint whose token this device holds.
pub fn endpoint(store: &mut Store) -> ProviderEndpoint {
    provider::save_endpoint(
        store,
        &caller(),
        save_request(
            "Riverside Family Practice",
            ProviderAuthKind::Bearer,
            Some(TOKEN),
        ),
    )
    .unwrap()
}

/// Ada, registered here and linked to `endpoint` as `remote` there.
pub fn linked_patient(store: &mut Store, endpoint: &ProviderEndpoint, remote: &str) -> PatientId {
    let patient = common::register_ada(store);
    provider::link_patient(
        store,
        &caller(),
        LinkPatientProvider {
            patient_id: patient,
            provider_id: Some(endpoint.id),
            remote_patient_id: Some(remote.into()),
            identifier: None,
        },
    )
    .unwrap();
    patient
}

/// The shared test data (`CLINIC_SHARED_DATA`, else `../shared/data` next to
/// the repository). Missing data fails the tests.
pub fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("CLINIC_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        dir.join("synthea-r4-bundles").is_dir() && dir.join("synthea-bulk-10").is_dir(),
        "the shared FHIR test data is missing: expected {} with synthea-r4-bundles/ and synthea-bulk-10/",
        dir.display()
    );
    dir
}

/// The resource types a pull fetches.
pub const PULLED: &[&str] = &[
    "Patient",
    "DocumentReference",
    "DiagnosticReport",
    "Observation",
    "AllergyIntolerance",
    "MedicationStatement",
    "MedicationRequest",
    "Condition",
    "Encounter",
    "Procedure",
    "Immunization",
    "Coverage",
];

/// Rewrites every string equal to a key of `refs` (a bundle's `urn:uuid:`
/// full URLs) into the `Type/id` a server writes.
fn rewrite(v: &mut Value, refs: &HashMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(r) = refs.get(s.as_str()) {
                *s = r.clone();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite(x, refs)),
        Value::Object(o) => o.values_mut().for_each(|x| rewrite(x, refs)),
        _ => {}
    }
}

/// One Synthea patient's resources as the provider returns them: the
/// patient's id renamed `remote`, references as `Type/id`, only the types a
/// pull fetches, plus `documents` DocumentReferences (text notes from the
/// bulk export) about the same patient.
pub fn synthea_answer(remote: &str, documents: usize) -> Vec<Value> {
    let dir = data_dir();
    let path = std::fs::read_dir(dir.join("synthea-r4-bundles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("Octavio_Dickens")
        })
        .expect("the Octavio_Dickens Synthea bundle");
    let bundle: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let entries = bundle["entry"].as_array().unwrap();
    let patient_id = entries
        .iter()
        .find(|e| e["resource"]["resourceType"] == "Patient")
        .unwrap()["resource"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut refs = HashMap::new();
    for e in entries {
        let r = &e["resource"];
        let t = r["resourceType"].as_str().unwrap();
        let id = r["id"].as_str().unwrap();
        let target = if id == patient_id {
            format!("Patient/{remote}")
        } else {
            format!("{t}/{id}")
        };
        refs.insert(e["fullUrl"].as_str().unwrap().to_string(), target);
    }
    let mut out = Vec::new();
    for e in entries {
        let mut r = e["resource"].clone();
        if !PULLED.contains(&r["resourceType"].as_str().unwrap()) {
            continue;
        }
        rewrite(&mut r, &refs);
        if r["resourceType"] == "Patient" {
            r["id"] = json!(remote);
        }
        r["meta"] = json!({"lastUpdated": "2026-03-01T10:00:00Z", "versionId": "1"});
        out.push(r);
    }
    let notes =
        std::fs::read_to_string(dir.join("synthea-bulk-10/DocumentReference.000.ndjson")).unwrap();
    for line in notes.lines().take(documents) {
        let mut d: Value = serde_json::from_str(line).unwrap();
        d["subject"] = json!({"reference": format!("Patient/{remote}")});
        if let Some(ctx) = d.get_mut("context").and_then(Value::as_object_mut) {
            ctx.remove("encounter");
        }
        d["meta"] = json!({"lastUpdated": "2026-03-02T08:30:00Z", "versionId": "1"});
        out.push(d);
    }
    out
}

/// Rows of `table`.
pub fn count(store: &Store, table: &str) -> i64 {
    store
        .conn()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Notifications of `kind` (all staff).
pub fn notifications(store: &Store, kind: &str) -> Vec<(String, Value)> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT staff_id, detail FROM notification WHERE kind = ?1 ORDER BY created_at, id",
        )
        .unwrap();
    stmt.query_map([kind], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })
    .unwrap()
    .map(|r| {
        let (s, d) = r.unwrap();
        (s, serde_json::from_str(&d).unwrap())
    })
    .collect()
}

//! No patient data in the audit trail: a patient with canary values is registered,
//! searched for, viewed and edited through the registry's use cases, which audit
//! themselves; each action left exactly its entry, and no column of any audit row,
//! nor the CSV export, contains any canary.
mod common;

use clinic_core::audit::{export_csv, verify, AuditActor};
use clinic_core::registry::{register_patient, update_patient, view_patient};
use clinic_core::search::search_patients_audited;
use clinic_core::Caller;
use clinic_protocol::{AuditQuery, PatientSearch, RegisterOutcome, RegisterPatient, UpdatePatient};
use common::{ada, store};

const KEY: [u8; 32] = [1; 32];

#[test]
fn canary_patient_values_never_reach_the_audit_trail() {
    let mut s = store();
    let mut details = ada();
    details.given_name = "Zqxcanarya".into();
    details.family_name = "Wvcanaryb".into();
    details.email = "zqx.canary@example.org".into();
    details.phone = "+44 20 7946 0731".into();
    // Digit-only canaries are long enough never to occur by chance in hex hashes or ids.
    let canaries = [
        "canary",
        "Zqx",
        "Wvc",
        "+44 20 7946 0731",
        "442079460731",
        "442079460732",
        "+44 20 7946 0732",
        "1990-12-10",
        "Lovelace",
        "St James",
        "Acme Mutual",
    ];
    let actor = Some(AuditActor {
        id: "staff-1".into(),
        name: "Front Desk One".into(),
        role: "front_desk".into(),
    });

    // The real use cases, which append their own audit entries.
    let caller = Caller {
        audit_key: &KEY,
        actor,
        staff_id: None,
    };
    let patient = match register_patient(
        &mut s.store,
        &caller,
        RegisterPatient {
            details: details.clone(),
            confirm_not_duplicate: false,
        },
    )
    .unwrap()
    {
        RegisterOutcome::Registered { patient } => *patient,
        other => panic!("{other:?}"),
    };
    let page = search_patients_audited(
        &mut s.store,
        &caller,
        &PatientSearch {
            text: "zqxcan wvcan".into(),
            page: 0,
            page_size: 20,
        },
    )
    .unwrap();
    assert_eq!(page.items.len(), 1);
    let loaded = view_patient(&mut s.store, &caller, patient.id).unwrap();
    let mut edited = loaded.details.clone();
    edited.phone = "+44 20 7946 0732".into();
    update_patient(
        &mut s.store,
        &caller,
        UpdatePatient {
            id: loaded.id,
            expected_version: loaded.version,
            details: edited,
        },
    )
    .unwrap();
    let actions: Vec<String> = s
        .store
        .conn()
        .prepare("SELECT action || ':' || coalesce(patient_id, '-') || ':' || actor_id FROM audit_event ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let id = patient.id.to_string();
    assert_eq!(
        actions,
        [
            format!("create:{id}:staff-1"),
            "search:-:staff-1".to_string(),
            format!("view:{id}:staff-1"),
            format!("update:{id}:staff-1"),
        ]
    );

    let rows: Vec<String> = {
        let mut stmt = s
            .store
            .conn()
            .prepare(
                "SELECT concat_ws('|', seq, event_id, device_time, device_id, actor_id, actor_name,
                        actor_role, action, category, patient_id, detail, hex(prev_hash), hex(hash))
                 FROM audit_event ORDER BY seq",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(rows.len(), 4);
    let csv = export_csv(
        s.store.conn(),
        &AuditQuery {
            page_size: 10,
            ..Default::default()
        },
    )
    .unwrap();
    // The check itself finds a canary where one is.
    let stored: String = s
        .store
        .conn()
        .query_row(
            "SELECT concat_ws('|', given_name, phone) FROM patient",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(stored.to_lowercase().contains("canary") && stored.contains("+44 20 7946 0732"));
    for text in rows.iter().chain([&csv]) {
        let lower = text.to_lowercase();
        for canary in canaries {
            assert!(
                !lower.contains(&canary.to_lowercase()),
                "{canary} found in the audit trail"
            );
        }
    }
    // The patient is identified by id only, and the entries are sound.
    assert!(rows[2].contains(&patient.id.to_string()));
    assert!(
        rows[1].contains(&patient.id.to_string()),
        "the search lists the ids shown"
    );
    assert!(verify(s.store.conn(), &KEY).unwrap().ok);
}

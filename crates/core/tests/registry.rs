//! The patient registry on the real SQLCipher store: registration, duplicate
//! warnings, edits with version checks, and change capture (exactly one outbox op
//! per successful write, none for a failed one).
mod common;

use clinic_core::registry::{get_patient, register_many, register_patient, update_patient};
use clinic_core::CoreError;
use clinic_protocol::{
    DuplicateReason, ErrorCode, OpKind, Patient, RegisterOutcome, RegisterPatient, UiError,
    UpdatePatient,
};
use common::{ada, outbox_len, store};

fn register(s: &mut clinic_store::Store, details: clinic_protocol::PatientDetails) -> Patient {
    match register_patient(
        s,
        &common::caller(),
        RegisterPatient {
            details,
            confirm_not_duplicate: false,
        },
    )
    .unwrap()
    {
        RegisterOutcome::Registered { patient } => *patient,
        other => panic!("expected registration, got {other:?}"),
    }
}

#[test]
fn register_assigns_mrn_and_round_trips_every_field() {
    let mut t = store();
    let p = register(&mut t.store, ada());
    assert_eq!(p.details, ada());
    assert_eq!(p.version, 1);
    let code = clinic_core::registry::device_code(&t.store.device_id());
    assert_eq!(p.mrn, format!("{code}-000001"));
    let again = get_patient(t.store.conn(), p.id).unwrap();
    assert_eq!(again, p);
    let second = register(
        &mut t.store,
        clinic_protocol::PatientDetails {
            given_name: "Grace".into(),
            family_name: "Hopper".into(),
            phone: "".into(),
            email: "".into(),
            ..ada()
        },
    );
    assert_eq!(second.mrn, format!("{code}-000002"));
}

#[test]
fn duplicates_are_reported_and_nothing_is_written_until_confirmed() {
    let mut t = store();
    let first = register(&mut t.store, ada());
    let ops_before = outbox_len(&t.store);

    // Same name (different case and accents) and DOB, different contact details.
    let mut twin = ada();
    twin.given_name = "ÁDA".into();
    twin.phone = "".into();
    twin.email = "".into();
    let outcome = register_patient(
        &mut t.store,
        &common::caller(),
        RegisterPatient {
            details: twin.clone(),
            confirm_not_duplicate: false,
        },
    )
    .unwrap();
    let RegisterOutcome::PossibleDuplicates { candidates } = outcome else {
        panic!("expected a duplicate warning");
    };
    assert_eq!(candidates.len(), 1);
    assert_eq!(candidates[0].patient.id, first.id);
    assert_eq!(
        candidates[0].reasons,
        vec![DuplicateReason::SameNameAndDateOfBirth]
    );
    assert_eq!(outbox_len(&t.store), ops_before, "a warning must not write");

    // Same phone written differently, and same email in other case: other person.
    let mut housemate = ada();
    housemate.given_name = "Charles".into();
    housemate.family_name = "Babbage".into();
    housemate.phone = "020 7946 0018".into();
    housemate.email = "ADA@example.org".into();
    let RegisterOutcome::PossibleDuplicates { candidates } = register_patient(
        &mut t.store,
        &common::caller(),
        RegisterPatient {
            details: housemate,
            confirm_not_duplicate: false,
        },
    )
    .unwrap() else {
        panic!("expected a duplicate warning");
    };
    assert_eq!(
        candidates[0].reasons,
        vec![DuplicateReason::SameEmail, DuplicateReason::SamePhone]
    );

    // The user confirms it is a different patient.
    let outcome = register_patient(
        &mut t.store,
        &common::caller(),
        RegisterPatient {
            details: twin,
            confirm_not_duplicate: true,
        },
    )
    .unwrap();
    assert!(matches!(outcome, RegisterOutcome::Registered { .. }));
    assert_eq!(outbox_len(&t.store), ops_before + 1);
}

#[test]
fn invalid_registration_writes_nothing_and_names_the_fields() {
    let mut t = store();
    let mut bad = ada();
    bad.family_name = " ".into();
    bad.date_of_birth = "2999-01-01".into();
    let err = register_patient(
        &mut t.store,
        &common::caller(),
        RegisterPatient {
            details: bad,
            confirm_not_duplicate: true,
        },
    )
    .unwrap_err();
    let ui = UiError::from(err);
    assert_eq!(ui.code, ErrorCode::Validation);
    let fields: Vec<_> = ui.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["family_name", "date_of_birth"]);
    assert_eq!(outbox_len(&t.store), 0);
    assert_eq!(
        clinic_core::registry::patient_count(t.store.conn()).unwrap(),
        0
    );
}

#[test]
fn edit_records_only_changed_fields_and_checks_the_version() {
    let mut t = store();
    let p = register(&mut t.store, ada());
    let mut changed = p.details.clone();
    changed.phone = "+44 20 7946 0000".into();
    changed.address.city = "Bath".into();
    let updated = update_patient(
        &mut t.store,
        &common::caller(),
        UpdatePatient {
            id: p.id,
            expected_version: 1,
            details: changed.clone(),
        },
    )
    .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.details, changed);

    let ops = t.store.pending_ops(10).unwrap();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[1].kind, OpKind::SetFields);
    let fields = ops[1].payload["fields"].as_object().unwrap();
    let mut names: Vec<_> = fields.keys().cloned().collect();
    names.sort();
    assert_eq!(names, ["address", "phone"]);
    assert!(ops[1].hlc > ops[0].hlc);

    // A stale edit (based on version 1) is refused and changes nothing.
    let mut stale = p.details.clone();
    stale.email = "other@example.org".into();
    let err = update_patient(
        &mut t.store,
        &common::caller(),
        UpdatePatient {
            id: p.id,
            expected_version: 1,
            details: stale,
        },
    )
    .unwrap_err();
    assert!(matches!(
        err,
        CoreError::EditConflict {
            expected: 1,
            current: 2
        }
    ));
    assert_eq!(
        get_patient(t.store.conn(), p.id).unwrap().details.email,
        "ada@example.org"
    );

    // An edit that changes nothing writes nothing.
    let same = update_patient(
        &mut t.store,
        &common::caller(),
        UpdatePatient {
            id: p.id,
            expected_version: 2,
            details: changed,
        },
    )
    .unwrap();
    assert_eq!(same.version, 2);
    assert_eq!(outbox_len(&t.store), 2);
}

#[test]
fn unknown_patient_is_not_found() {
    let mut t = store();
    let err = update_patient(
        &mut t.store,
        &common::caller(),
        UpdatePatient {
            id: clinic_protocol::PatientId::new(),
            expected_version: 1,
            details: ada(),
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

/// Every successful write to the registry produced exactly one op for its
/// patient, and the failed ones none: the sum of row versions (1 on insert, +1
/// per effective edit) equals the number of ops per patient.
#[test]
fn every_write_has_exactly_one_op_and_failed_writes_have_none() {
    let mut t = store();
    let ids = register_many(
        &mut t.store,
        &common::caller(),
        clinic_testkit::PatientGenerator::new(3).take(40),
    )
    .unwrap();
    for (i, id) in ids.iter().enumerate() {
        let p = get_patient(t.store.conn(), *id).unwrap();
        let mut d = p.details.clone();
        match i % 4 {
            0 => d.phone = format!("+1 555 010 {:04}", i),
            1 => d.given_name = "   ".into(), // invalid: must leave nothing
            2 => {}                           // no change: no op
            _ => {
                d.email = format!("changed{i}@example.org");
                d.middle_name = "Q".into();
            }
        }
        let _ = update_patient(
            &mut t.store,
            &common::caller(),
            UpdatePatient {
                id: *id,
                expected_version: p.version,
                details: d,
            },
        );
    }
    // A batch with one invalid record aborts whole.
    let mut batch: Vec<_> = clinic_testkit::PatientGenerator::new(4).take(5).collect();
    batch[3].date_of_birth = "not a date".into();
    assert!(register_many(&mut t.store, &common::caller(), batch).is_err());

    let conn = t.store.conn();
    let mismatches: i64 = conn
        .query_row(
            "SELECT count(*) FROM patient p
             WHERE p.version <> (SELECT count(*) FROM outbox o WHERE o.entity = 'patient' AND o.entity_id = p.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(mismatches, 0);
    let orphan_ops: i64 = conn
        .query_row(
            "SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM patient p WHERE p.id = o.entity_id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphan_ops, 0);
    assert_eq!(
        outbox_len(&t.store),
        40 + 10 + 10,
        "40 registrations, 20 effective edits"
    );
    let counters: Vec<i64> = conn
        .prepare("SELECT device_counter FROM outbox ORDER BY device_counter")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        counters,
        (1..=60).collect::<Vec<_>>(),
        "device counter is gap-free"
    );
}

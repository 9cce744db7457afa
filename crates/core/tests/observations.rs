//! Vital signs and results on the real (SQLCipher) store: unit conversion and
//! flags, all-or-nothing validation with per-row field errors, trends without
//! entered-in-error values, immutable values, the responsible doctor's
//! notification, and an audit trail without values.
mod common;
mod identity_common;

use clinic_core::{notes, observations, Caller, CoreError};
use clinic_protocol::{
    AbnormalFlag, CreateEncounter, EncounterType, NewObservation, PatientId, RecordObservations,
    Role, SessionInfo, SetObservationEnteredInError, TrendQuery,
};
use clinic_store::Store;
use common::AUDIT_KEY;

fn obs(code: &str, value: &str, unit: &str, when: &str) -> NewObservation {
    NewObservation {
        code: code.into(),
        value: value.into(),
        unit: unit.into(),
        effective_at: when.into(),
        source: "in clinic".into(),
    }
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

struct Setup {
    t: common::TestStore,
    doctor: SessionInfo,
    nurse: SessionInfo,
    patient: PatientId,
}

fn setup() -> Setup {
    let mut t = common::store();
    identity_common::clinic(&mut t.store);
    let doctor = clinician(&mut t.store, "house", Role::Doctor);
    let nurse = clinician(&mut t.store, "joy", Role::Nurse);
    let patient = common::register_ada(&mut t.store);
    Setup {
        t,
        doctor,
        nurse,
        patient,
    }
}

fn record(
    s: &mut Setup,
    who: &SessionInfo,
    items: Vec<NewObservation>,
) -> Result<Vec<clinic_protocol::Observation>, CoreError> {
    let caller = Caller::staff(&AUDIT_KEY, who);
    observations::record(
        &mut s.t.store,
        &caller,
        RecordObservations {
            patient_id: s.patient,
            encounter_id: None,
            observations: items,
        },
    )
}

#[test]
fn values_are_converted_flagged_and_the_responsible_doctor_is_notified() {
    let mut s = setup();
    // The doctor saw the patient last: they are responsible.
    notes::create_encounter(
        &mut s.t.store,
        &Caller::staff(&AUDIT_KEY, &s.doctor),
        CreateEncounter {
            patient_id: s.patient,
            encounter_type: EncounterType::OfficeVisit,
            reason: String::new(),
            started_at: String::new(),
        },
    )
    .unwrap();
    let ops = count(&s.t.store, "SELECT count(*) FROM outbox");
    let audits = count(&s.t.store, "SELECT count(*) FROM audit_event");
    let nurse = s.nurse.clone();
    let saved = record(
        &mut s,
        &nurse,
        vec![
            obs("glucose", "7,8", "mmol/L", "2025-01-10"),
            obs("systolic_bp", "152", "mmHg", ""),
            obs("temperature", "98.6", "°F", ""),
        ],
    )
    .unwrap();
    assert_eq!(saved.len(), 3);
    assert!((saved[0].value - 140.52).abs() < 0.1, "{}", saved[0].value);
    assert_eq!(
        (saved[0].unit.as_str(), saved[0].entered_unit.as_str()),
        ("mg/dL", "mmol/L")
    );
    assert_eq!(saved[0].flag, AbnormalFlag::High);
    assert_eq!(saved[0].loinc, "2345-7");
    assert_eq!(saved[1].flag, AbnormalFlag::High);
    assert!((saved[2].value - 37.0).abs() < 0.01);
    assert_eq!(saved[2].flag, AbnormalFlag::Normal);
    // Three observation ops + one notification op; one audit entry.
    assert_eq!(count(&s.t.store, "SELECT count(*) FROM outbox"), ops + 4);
    assert_eq!(
        count(&s.t.store, "SELECT count(*) FROM audit_event"),
        audits + 1
    );
    let detail: String =
        s.t.store
            .conn()
            .query_row(
                "SELECT detail FROM audit_event ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
    // The detail names ids and counts, never a value. Ids are random hex and can
    // contain "140" by chance, so look only at what is left once they are removed.
    let parsed: serde_json::Value = serde_json::from_str(&detail).unwrap();
    let mut without_ids = parsed.clone();
    let object = without_ids.as_object_mut().unwrap();
    object.remove("notified");
    object.remove("observations");
    let rest = without_ids.to_string();
    assert!(
        !rest.contains("140") && !rest.contains("7.8") && !rest.contains("152"),
        "{detail}"
    );
    assert_eq!(parsed["observations"].as_array().map(Vec::len), Some(3));

    let inbox = observations::notifications(s.t.store.conn(), s.doctor.staff_id, true).unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].detail["observations"], 3);
    assert_eq!(inbox[0].detail["abnormal"], 2);
    assert!(!inbox[0].patient_mrn.is_empty());
    assert!(
        observations::notifications(s.t.store.conn(), s.nurse.staff_id, true)
            .unwrap()
            .is_empty()
    );
    // Only the owner marks it read.
    assert!(observations::mark_read(&mut s.t.store, s.nurse.staff_id, inbox[0].id).is_err());
    observations::mark_read(&mut s.t.store, s.doctor.staff_id, inbox[0].id).unwrap();
    assert!(
        observations::notifications(s.t.store.conn(), s.doctor.staff_id, true)
            .unwrap()
            .is_empty()
    );

    // The doctor's own results notify nobody.
    let doctor = s.doctor.clone();
    record(&mut s, &doctor, vec![obs("hba1c", "6.1", "%", "")]).unwrap();
    assert!(
        observations::notifications(s.t.store.conn(), s.doctor.staff_id, true)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn one_bad_value_saves_none_and_names_its_row_and_field() {
    let mut s = setup();
    let before = count(&s.t.store, "SELECT count(*) FROM outbox");
    let nurse = s.nurse.clone();
    let cases = [
        (obs("glucose", "high", "mg/dL", ""), "observations.1.value"),
        (obs("glucose", "5.5", "furlongs", ""), "observations.1.unit"),
        (obs("unobtainium", "1", "mg/dL", ""), "observations.1.code"),
        (obs("heart_rate", "720", "/min", ""), "observations.1.value"),
        (
            obs("weight", "70", "kg", "2999-01-01"),
            "observations.1.effective_at",
        ),
    ];
    for (bad, field) in cases {
        let e = record(&mut s, &nurse, vec![obs("weight", "70", "kg", ""), bad])
            .err()
            .unwrap();
        let CoreError::Validation(fields) = e else {
            panic!("{e:?}")
        };
        assert_eq!(fields[0].field, field);
    }
    assert_eq!(
        count(&s.t.store, "SELECT count(*) FROM outbox"),
        before,
        "nothing saved"
    );
    assert_eq!(count(&s.t.store, "SELECT count(*) FROM observation"), 0);
}

#[test]
fn trends_are_oldest_first_bounded_and_leave_out_entered_in_error_values() {
    let mut s = setup();
    let nurse = s.nurse.clone();
    let saved = record(
        &mut s,
        &nurse,
        vec![
            obs("glucose", "180", "mg/dL", "2024-03-01"),
            obs("glucose", "95", "mg/dL", "2024-01-01"),
            obs("glucose", "130", "mg/dL", "2024-02-01"),
            obs("glucose", "999", "mg/dL", "2024-02-15"),
        ],
    )
    .unwrap();
    let caller = Caller::staff(&AUDIT_KEY, &s.doctor);
    observations::mark_entered_in_error(
        &mut s.t.store,
        &caller,
        SetObservationEnteredInError {
            id: saved[3].id,
            expected_version: 1,
            reason: "typo".into(),
        },
    )
    .unwrap();
    let q = |from: Option<&str>| TrendQuery {
        patient_id: s.patient,
        code: "glucose".into(),
        from: from.map(String::from),
        to: None,
    };
    let trend = observations::trend(&mut s.t.store, &caller, q(None)).unwrap();
    let values: Vec<f64> = trend.points.iter().map(|p| p.value).collect();
    assert_eq!(values, vec![95.0, 130.0, 180.0]);
    assert_eq!(trend.code.unit, "mg/dL");
    assert_eq!(trend.points[2].flag, AbnormalFlag::High);
    let later = observations::trend(&mut s.t.store, &caller, q(Some("2024-02-01"))).unwrap();
    assert_eq!(later.points.len(), 2);
    // Values never change; nothing is deleted.
    assert!(s
        .t
        .store
        .conn()
        .execute("UPDATE observation SET value = 1", [])
        .is_err());
    assert!(s
        .t
        .store
        .conn()
        .execute("DELETE FROM observation", [])
        .is_err());
}

fn clinician(store: &mut Store, username: &str, role: Role) -> SessionInfo {
    identity_common::member_session(store, username, &format!("{username} person"), role)
}

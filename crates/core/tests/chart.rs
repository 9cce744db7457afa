//! The clinical chart's entries on the real (SQLCipher) store: recording, the
//! allergy banner's states ("not recorded" vs "no known allergies"), validation
//! that saves nothing, status changes with reasons, full history, edit conflicts,
//! no deletes, one op + one audit entry per write without clinical text in the
//! audit, and restricted-patient access.
mod common;
mod identity_common;

use clinic_core::chart;
use clinic_core::{restricted, Caller, CoreError};
use clinic_protocol::{
    AddChartEntry, AllergyDetails, AllergySeverity, AllergyStatus, ChartEntry, ChartEntryDetails,
    ChartEntryKind, EntryStatus, ListChartEntries, MedicationDetails, PatientId, ProblemDetails,
    RestrictionCategory, Role, SessionInfo, SetChartEntryStatus, SetNoKnownAllergies,
    UpdateChartEntry,
};
use clinic_store::Store;
use common::AUDIT_KEY;

struct Setup {
    t: common::TestStore,
    doctor: SessionInfo,
    patient: PatientId,
}

fn setup() -> Setup {
    let mut t = common::store();
    identity_common::clinic(&mut t.store);
    let doctor = staff(&mut t.store, "house", Role::Doctor);
    let patient = common::register_ada(&mut t.store);
    Setup { t, doctor, patient }
}

fn penicillin() -> ChartEntryDetails {
    ChartEntryDetails::Allergy(AllergyDetails {
        substance: "  Penicillin ".into(),
        reaction: "Hives".into(),
        severity: Some(AllergySeverity::Moderate),
        onset_date: "2001-04-02".into(),
    })
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn writes(store: &Store) -> (i64, i64) {
    (
        count(store, "SELECT count(*) FROM outbox"),
        count(store, "SELECT count(*) FROM audit_event"),
    )
}

fn add(s: &mut Setup, details: ChartEntryDetails) -> Result<ChartEntry, CoreError> {
    let caller = Caller::staff(&AUDIT_KEY, &s.doctor);
    chart::add_entry(
        &mut s.t.store,
        &caller,
        AddChartEntry {
            patient_id: s.patient,
            details,
        },
    )
}

#[test]
fn recording_an_allergy_writes_one_op_and_one_audit_entry_and_shows_in_the_summary() {
    let mut s = setup();
    let caller = Caller::staff(&AUDIT_KEY, &s.doctor);
    let summary = chart::summary(&mut s.t.store, &caller, s.patient).unwrap();
    assert_eq!(summary.allergy_status, AllergyStatus::NotRecorded);

    let (ops, audits) = writes(&s.t.store);
    let entry = add(&mut s, penicillin()).unwrap();
    assert_eq!(writes(&s.t.store), (ops + 1, audits + 1));
    assert_eq!((entry.status, entry.version), (EntryStatus::Active, 1));
    assert_eq!(entry.recorded_by, "Dr house");
    let ChartEntryDetails::Allergy(a) = &entry.details else {
        panic!("{entry:?}")
    };
    assert_eq!(a.substance, "Penicillin", "trimmed");
    let (action, category, detail): (String, String, String) =
        s.t.store
            .conn()
            .query_row(
                "SELECT action, category, detail FROM audit_event ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
    assert_eq!((action.as_str(), category.as_str()), ("create", "chart"));
    assert!(
        !detail.contains("Penicillin") && !detail.contains("Hives"),
        "{detail}"
    );

    let summary = chart::summary(&mut s.t.store, &caller, s.patient).unwrap();
    assert_eq!(summary.allergy_status, AllergyStatus::HasAllergies);
    assert_eq!(summary.allergies, vec![entry.clone()]);
    assert!(summary.problems.is_empty() && summary.medications.is_empty());

    // "No known allergies" is refused while an allergy is active.
    let e = chart::set_no_known_allergies(
        &mut s.t.store,
        &caller,
        SetNoKnownAllergies {
            patient_id: s.patient,
        },
    )
    .err()
    .unwrap();
    assert!(matches!(e, CoreError::Validation(_)));

    // Entered in error: the banner no longer shows it; then NKA is allowed, and
    // recording an allergy afterwards clears the statement.
    chart::set_status(
        &mut s.t.store,
        &caller,
        SetChartEntryStatus {
            id: entry.id,
            expected_version: 1,
            status: EntryStatus::EnteredInError,
            reason: "wrong patient".into(),
        },
    )
    .unwrap();
    let status = chart::set_no_known_allergies(
        &mut s.t.store,
        &caller,
        SetNoKnownAllergies {
            patient_id: s.patient,
        },
    )
    .unwrap();
    assert!(
        matches!(status, AllergyStatus::NoKnownAllergies { ref asserted_by, .. } if asserted_by == "Dr house")
    );
    add(&mut s, penicillin()).unwrap();
    let summary = chart::summary(&mut s.t.store, &caller, s.patient).unwrap();
    assert_eq!(summary.allergy_status, AllergyStatus::HasAllergies);
}

#[test]
fn bad_input_gets_field_errors_and_saves_nothing() {
    let mut s = setup();
    let before = writes(&s.t.store);
    let cases: Vec<(ChartEntryDetails, &str)> = vec![
        (
            ChartEntryDetails::Allergy(AllergyDetails {
                substance: "   ".into(),
                ..Default::default()
            }),
            "substance",
        ),
        (
            ChartEntryDetails::Allergy(AllergyDetails {
                substance: "Latex".into(),
                onset_date: "2999-01-01".into(),
                ..Default::default()
            }),
            "onset_date",
        ),
        (
            ChartEntryDetails::Problem(ProblemDetails {
                text: "Asthma".into(),
                icd10_code: "asthma".into(),
                onset_date: String::new(),
            }),
            "icd10_code",
        ),
        (
            ChartEntryDetails::Medication(MedicationDetails {
                name: "Metformin".into(),
                start_date: "2024-05-01".into(),
                stop_date: "2024-04-01".into(),
                ..Default::default()
            }),
            "stop_date",
        ),
        (
            ChartEntryDetails::Medication(MedicationDetails {
                name: "Metformin\u{7}".into(),
                ..Default::default()
            }),
            "name",
        ),
    ];
    for (details, field) in cases {
        let e = add(&mut s, details).err().unwrap();
        let CoreError::Validation(fields) = e else {
            panic!("{e:?}")
        };
        assert_eq!(fields[0].field, field);
    }
    assert_eq!(writes(&s.t.store), before, "nothing written");
    // A lower-case ICD-10 code is normalized, not refused.
    let ok = add(
        &mut s,
        ChartEntryDetails::Problem(ProblemDetails {
            text: "Type 2 diabetes mellitus".into(),
            icd10_code: " e11.9 ".into(),
            onset_date: "2019-02-01".into(),
        }),
    )
    .unwrap();
    let ChartEntryDetails::Problem(p) = ok.details else {
        panic!()
    };
    assert_eq!(p.icd10_code, "E11.9");
}

#[test]
fn status_changes_need_a_reason_keep_history_and_refuse_stale_versions_and_deletes() {
    let mut s = setup();
    let caller = Caller::staff(&AUDIT_KEY, &s.doctor);
    let med = add(
        &mut s,
        ChartEntryDetails::Medication(MedicationDetails {
            name: "Lisinopril".into(),
            dose: "10 mg".into(),
            route: "oral".into(),
            frequency: "once daily".into(),
            start_date: "2023-01-10".into(),
            stop_date: String::new(),
            prescriber: "Dr Who".into(),
        }),
    )
    .unwrap();
    let set = |status, reason: &str, version| SetChartEntryStatus {
        id: med.id,
        expected_version: version,
        status,
        reason: reason.into(),
    };
    let e = chart::set_status(&mut s.t.store, &caller, set(EntryStatus::Stopped, " ", 1))
        .err()
        .unwrap();
    assert!(matches!(e, CoreError::Validation(ref f) if f[0].field == "reason"));
    let e = chart::set_status(&mut s.t.store, &caller, set(EntryStatus::Resolved, "x", 1))
        .err()
        .unwrap();
    assert!(
        matches!(e, CoreError::Validation(ref f) if f[0].field == "status"),
        "a medication is not 'resolved'"
    );
    let stopped = chart::set_status(
        &mut s.t.store,
        &caller,
        set(EntryStatus::Stopped, "cough", 1),
    )
    .unwrap();
    assert_eq!((stopped.status, stopped.version), (EntryStatus::Stopped, 2));
    assert_eq!(stopped.status_reason, "cough");
    // Stale: based on version 1.
    let e = chart::update_entry(
        &mut s.t.store,
        &caller,
        UpdateChartEntry {
            id: med.id,
            expected_version: 1,
            details: med.details.clone(),
        },
    )
    .err()
    .unwrap();
    assert!(matches!(
        e,
        CoreError::EditConflict {
            expected: 1,
            current: 2
        }
    ));
    // A correction at the right version; a change of kind is refused.
    let ChartEntryDetails::Medication(mut m) = med.details.clone() else {
        panic!()
    };
    m.dose = "20 mg".into();
    let fixed = chart::update_entry(
        &mut s.t.store,
        &caller,
        UpdateChartEntry {
            id: med.id,
            expected_version: 2,
            details: ChartEntryDetails::Medication(m),
        },
    )
    .unwrap();
    assert_eq!(fixed.version, 3);
    assert!(chart::update_entry(
        &mut s.t.store,
        &caller,
        UpdateChartEntry {
            id: med.id,
            expected_version: 3,
            details: penicillin(),
        },
    )
    .is_err());
    let history = chart::history(&mut s.t.store, &caller, med.id).unwrap();
    let versions: Vec<(i64, EntryStatus)> = history.iter().map(|v| (v.version, v.status)).collect();
    assert_eq!(
        versions,
        vec![
            (1, EntryStatus::Active),
            (2, EntryStatus::Stopped),
            (3, EntryStatus::Stopped)
        ]
    );
    assert!(history.iter().all(|v| v.changed_by == "Dr house"));
    // Lists: active only hides it; all shows it.
    let list = |include_inactive| ListChartEntries {
        patient_id: s.patient,
        kind: ChartEntryKind::Medication,
        include_inactive,
    };
    assert!(chart::list(&mut s.t.store, &caller, list(false))
        .unwrap()
        .is_empty());
    assert_eq!(
        chart::list(&mut s.t.store, &caller, list(true))
            .unwrap()
            .len(),
        1
    );
    // Never deleted, not even in SQL.
    assert!(s
        .t
        .store
        .conn()
        .execute("DELETE FROM chart_entry", [])
        .is_err());
    assert!(s
        .t
        .store
        .conn()
        .execute("UPDATE chart_entry_version SET status = 'active'", [])
        .is_err());
}

#[test]
fn a_restricted_chart_is_refused_off_the_care_team() {
    let mut s = setup();
    restricted::set_restricted(
        &mut s.t.store,
        &common::caller(),
        s.patient,
        true,
        Some(RestrictionCategory::StaffMember),
    )
    .unwrap();
    let caller = Caller::staff(&AUDIT_KEY, &s.doctor);
    let before = count(&s.t.store, "SELECT count(*) FROM chart_entry");
    assert!(matches!(
        chart::summary(&mut s.t.store, &caller, s.patient),
        Err(CoreError::RestrictedPatient)
    ));
    assert!(matches!(
        add(&mut s, penicillin()),
        Err(CoreError::RestrictedPatient)
    ));
    assert_eq!(
        count(&s.t.store, "SELECT count(*) FROM chart_entry"),
        before
    );
    restricted::add_to_care_team(
        &mut s.t.store,
        &common::caller(),
        s.patient,
        s.doctor.staff_id,
    )
    .unwrap();
    add(&mut s, penicillin()).unwrap();
}

fn staff(store: &mut Store, username: &str, role: Role) -> SessionInfo {
    identity_common::member_session(store, username, &format!("Dr {username}"), role)
}

//! Encounters and clinical notes on the real (SQLCipher) store: drafts, signing
//! by the author only, immutability of signed notes (also against direct SQL),
//! amendments shown with their original, the paged timeline, validation that
//! saves nothing, and audit entries without note text.
mod common;
mod identity_common;

use clinic_core::{notes, Caller, CoreError};
use clinic_protocol::{
    ClinicalNote, CreateEncounter, CreateNote, EncounterStatus, EncounterType, NoteContent,
    NoteStatus, PatientId, Role, SessionInfo, SetEncounterStatus, SignNote, TimelineQuery,
    UpdateNote,
};
use clinic_store::Store;
use common::AUDIT_KEY;

fn soap(assessment: &str) -> NoteContent {
    NoteContent::Soap {
        subjective: "Canary-Subjective: thirsty, polyuria".into(),
        objective: "BP 128/82".into(),
        assessment: assessment.into(),
        plan: "HbA1c in 3 months".into(),
    }
}

fn draft(
    store: &mut Store,
    caller: &Caller<'_>,
    patient: PatientId,
    encounter: Option<clinic_protocol::EncounterId>,
) -> ClinicalNote {
    notes::create_note(
        store,
        caller,
        CreateNote {
            patient_id: patient,
            encounter_id: encounter,
            amends: None,
            title: "Diabetes review".into(),
            content: soap("T2DM, fair control"),
        },
    )
    .unwrap()
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_signed_note_never_changes_and_is_corrected_by_an_amendment_shown_with_it() {
    let mut t = common::store();
    identity_common::clinic(&mut t.store);
    let doctor = clinician(&mut t.store, "house", Role::Doctor);
    let nurse = clinician(&mut t.store, "joy", Role::Nurse);
    let patient = common::register_ada(&mut t.store);
    let by_doctor = Caller::staff(&AUDIT_KEY, &doctor);
    let by_nurse = Caller::staff(&AUDIT_KEY, &nurse);

    let visit = notes::create_encounter(
        &mut t.store,
        &by_doctor,
        CreateEncounter {
            patient_id: patient,
            encounter_type: EncounterType::OfficeVisit,
            reason: "Follow-up".into(),
            started_at: String::new(),
        },
    )
    .unwrap();
    assert_eq!(visit.status, EncounterStatus::InProgress);
    let note = draft(&mut t.store, &by_doctor, patient, Some(visit.id));
    assert_eq!((note.status, note.version), (NoteStatus::Draft, 1));

    // Only the author edits or signs the draft.
    let e = notes::sign_note(
        &mut t.store,
        &by_nurse,
        SignNote {
            id: note.id,
            expected_version: 1,
        },
    )
    .err()
    .unwrap();
    assert!(matches!(e, CoreError::Validation(ref f) if f[0].field == "author"));
    let saved = notes::update_note(
        &mut t.store,
        &by_doctor,
        UpdateNote {
            id: note.id,
            expected_version: 1,
            title: "Diabetes review".into(),
            content: soap("T2DM, good control"),
        },
    )
    .unwrap();
    assert_eq!(saved.version, 2);
    let stale = notes::sign_note(
        &mut t.store,
        &by_doctor,
        SignNote {
            id: note.id,
            expected_version: 1,
        },
    );
    assert!(matches!(stale, Err(CoreError::EditConflict { .. })));
    let signed = notes::sign_note(
        &mut t.store,
        &by_doctor,
        SignNote {
            id: note.id,
            expected_version: 2,
        },
    )
    .unwrap();
    assert_eq!(signed.status, NoteStatus::Signed);
    assert!(signed.signed_at.is_some());

    // Signed: no more edits, not even in SQL.
    let e = notes::update_note(
        &mut t.store,
        &by_doctor,
        UpdateNote {
            id: note.id,
            expected_version: 3,
            title: "x".into(),
            content: soap("changed"),
        },
    )
    .err()
    .unwrap();
    assert!(matches!(e, CoreError::Validation(ref f) if f[0].field == "status"));
    assert!(t
        .store
        .conn()
        .execute("UPDATE clinical_note SET title = 'tampered'", [])
        .is_err());
    assert!(t
        .store
        .conn()
        .execute("DELETE FROM clinical_note", [])
        .is_err());

    // A draft cannot be amended; a signed one can, and the amendment joins its encounter.
    let other = draft(&mut t.store, &by_doctor, patient, None);
    let amend = |amends| CreateNote {
        patient_id: patient,
        encounter_id: None,
        amends: Some(amends),
        title: "Addendum".into(),
        content: NoteContent::Free {
            text: "Correction: BP 138/82".into(),
        },
    };
    assert!(notes::create_note(&mut t.store, &by_nurse, amend(other.id)).is_err());
    let addendum = notes::create_note(&mut t.store, &by_nurse, amend(note.id)).unwrap();
    assert_eq!(addendum.encounter_id, Some(visit.id));
    notes::sign_note(
        &mut t.store,
        &by_nurse,
        SignNote {
            id: addendum.id,
            expected_version: 1,
        },
    )
    .unwrap();

    let page = notes::timeline(
        &mut t.store,
        &by_doctor,
        TimelineQuery {
            patient_id: patient,
            page: 0,
            page_size: 10,
        },
    )
    .unwrap();
    assert_eq!(page.encounters.len(), 1);
    let shown = &page.encounters[0].notes;
    assert_eq!(shown.len(), 1, "the amendment is listed under its original");
    assert_eq!(shown[0].id, note.id);
    assert_eq!(shown[0].amendments.len(), 1);
    assert_eq!(shown[0].amendments[0].author_name, "joy person");
    assert_eq!(page.loose_notes.len(), 1, "the note outside the encounter");

    notes::set_encounter_status(
        &mut t.store,
        &by_doctor,
        SetEncounterStatus {
            id: visit.id,
            expected_version: 1,
            status: EncounterStatus::Finished,
        },
    )
    .unwrap();

    // The audit has ids, never the note text.
    let details: String = t
        .store
        .conn()
        .query_row(
            "SELECT group_concat(detail, ' ') FROM audit_event WHERE category = 'chart'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(details.contains(&note.id.to_string()));
    assert!(
        !details.contains("Canary") && !details.contains("polyuria"),
        "{details}"
    );
}

#[test]
fn empty_notes_are_not_signed_and_bad_input_saves_nothing() {
    let mut t = common::store();
    identity_common::clinic(&mut t.store);
    let doctor = clinician(&mut t.store, "house", Role::Doctor);
    let patient = common::register_ada(&mut t.store);
    let caller = Caller::staff(&AUDIT_KEY, &doctor);
    let before = count(&t.store, "SELECT count(*) FROM outbox");
    let e = notes::create_note(
        &mut t.store,
        &caller,
        CreateNote {
            patient_id: patient,
            encounter_id: None,
            amends: None,
            title: "Bad\u{0}title".into(),
            content: soap(""),
        },
    )
    .err()
    .unwrap();
    assert!(matches!(e, CoreError::Validation(ref f) if f[0].field == "title"));
    let e = notes::create_encounter(
        &mut t.store,
        &caller,
        CreateEncounter {
            patient_id: patient,
            encounter_type: EncounterType::Telephone,
            reason: String::new(),
            started_at: "yesterday".into(),
        },
    )
    .err()
    .unwrap();
    assert!(matches!(e, CoreError::Validation(ref f) if f[0].field == "started_at"));
    assert_eq!(count(&t.store, "SELECT count(*) FROM outbox"), before);

    let empty = notes::create_note(
        &mut t.store,
        &caller,
        CreateNote {
            patient_id: patient,
            encounter_id: None,
            amends: None,
            title: String::new(),
            content: NoteContent::Free { text: "  ".into() },
        },
    )
    .unwrap();
    let e = notes::sign_note(
        &mut t.store,
        &caller,
        SignNote {
            id: empty.id,
            expected_version: 1,
        },
    )
    .err()
    .unwrap();
    assert!(matches!(e, CoreError::Validation(ref f) if f[0].field == "content"));
}

#[test]
fn the_timeline_pages_encounters_newest_first() {
    let mut t = common::store();
    identity_common::clinic(&mut t.store);
    let doctor = clinician(&mut t.store, "house", Role::Doctor);
    let patient = common::register_ada(&mut t.store);
    let caller = Caller::staff(&AUDIT_KEY, &doctor);
    for day in 1..=25 {
        notes::create_encounter(
            &mut t.store,
            &caller,
            CreateEncounter {
                patient_id: patient,
                encounter_type: EncounterType::OfficeVisit,
                reason: format!("visit {day}"),
                started_at: format!("2024-01-{day:02}T09:00:00Z"),
            },
        )
        .unwrap();
    }
    let mut page = |n| {
        notes::timeline(
            &mut t.store,
            &caller,
            TimelineQuery {
                patient_id: patient,
                page: n,
                page_size: 10,
            },
        )
        .unwrap()
    };
    let first = page(0);
    assert!(first.has_more);
    assert_eq!(first.encounters[0].encounter.reason, "visit 25");
    assert_eq!(page(1).encounters.len(), 10);
    let last = page(2);
    assert!(!last.has_more);
    assert_eq!(last.encounters.len(), 5);
    assert_eq!(last.encounters[4].encounter.reason, "visit 1");
}

fn clinician(store: &mut Store, username: &str, role: Role) -> SessionInfo {
    identity_common::member_session(store, username, &format!("{username} person"), role)
}

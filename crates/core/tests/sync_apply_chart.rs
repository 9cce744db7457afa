//! Chart ops applied on another device (crates/core/src/sync/apply/chart.rs):
//! device A works through the real use cases, device B (a fresh store) pulls the
//! shared log and must hold the same chart — row for row and through the core's
//! reads. Then the conflict policies: last-writer-wins for details and statuses in
//! every delivery order, add-wins for entries, "no known allergies" against a
//! concurrent allergy, signed notes against a concurrent draft update, and
//! malformed or premature ops held whole.
mod common;
mod identity_common;
mod sync_common;

use base64::Engine;
use clinic_core::{chart, documents, notes, observations, sync, Caller};
use clinic_protocol::{
    AddChartEntry, AllergyDetails, AllergySeverity, AllergyStatus, ChartEntry, ChartEntryDetails,
    ChartEntryId, ChartEntryKind, CreateEncounter, CreateNote, DocumentQuery, DocumentType,
    EncounterStatus, EncounterType, EntryStatus, ListChartEntries, ListObservations, LoggedOp,
    MedicationDetails, NewObservation, NoteContent, NoteId, NoteStatus, OpId, OpKind, PatientId,
    ProblemDetails, RecordObservations, Role, SessionInfo, SetChartEntryStatus,
    SetDocumentEnteredInError, SetEncounterStatus, SetNoKnownAllergies,
    SetObservationEnteredInError, ShareDocument, SignNote, TimelineQuery, UpdateChartEntry,
    UpdateNote, UploadDocument,
};
use clinic_store::Store;
use common::{TestStore, AUDIT_KEY};
use sync_common::{held, rows, Log};

struct Pair {
    log: Log,
    a: TestStore,
    b: TestStore,
    doctor: SessionInfo,
    nurse: SessionInfo,
    patient: PatientId,
}

/// Device A sets up the clinic, a doctor, a nurse and a patient; B pulls them.
fn pair() -> Pair {
    let mut a = sync_common::device();
    identity_common::clinic(&mut a.store);
    let doctor = identity_common::member_session(&mut a.store, "house", "Dr House", Role::Doctor);
    let nurse = identity_common::member_session(&mut a.store, "joy", "Nurse Joy", Role::Nurse);
    let patient = common::register_ada(&mut a.store);
    let mut log = Log::default();
    log.push(&mut a.store);
    let mut b = sync_common::device();
    log.pull(&mut b.store);
    assert_eq!(held(&b.store), vec![], "the setup must reach B whole");
    Pair {
        log,
        a,
        b,
        doctor,
        nurse,
        patient,
    }
}

impl Pair {
    /// Both push (A first unless `b_first`), then both pull everything.
    fn exchange(&mut self, b_first: bool) {
        if b_first {
            self.log.push(&mut self.b.store);
            self.log.push(&mut self.a.store);
        } else {
            self.log.push(&mut self.a.store);
            self.log.push(&mut self.b.store);
        }
        self.log.pull(&mut self.a.store);
        self.log.pull(&mut self.b.store);
        assert_eq!(held(&self.a.store), vec![]);
        assert_eq!(held(&self.b.store), vec![]);
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Fixes `store`'s wall clock (so which of two offline writes is later is known).
fn set_time(store: &mut Store, millis: u64) {
    store.set_wall_clock(Box::new(move || millis));
}

/// Every chart table, row by row (all columns; the content as hex), keyed order.
const TABLES: [(&str, &str); 8] = [
    ("chart_entry", "id"),
    ("chart_entry_version", "entry_id, version"),
    ("allergy_statement", "patient_id"),
    ("encounter", "id"),
    ("clinical_note", "id"),
    ("observation", "id"),
    ("document", "id"),
    ("document_share", "document_id, staff_id"),
];

fn dump(store: &Store, table: &str, order: &str) -> Vec<String> {
    let columns = rows(
        store,
        &format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
    );
    let row = columns
        .iter()
        .map(|c| format!("quote({c})"))
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    rows(
        store,
        &format!("SELECT {row} FROM {table} ORDER BY {order}"),
    )
}

fn chart_rows(store: &Store) -> Vec<(&'static str, Vec<String>)> {
    TABLES
        .iter()
        .map(|(t, order)| (*t, dump(store, t, order)))
        .collect()
}

fn allergy(substance: &str) -> ChartEntryDetails {
    ChartEntryDetails::Allergy(AllergyDetails {
        substance: substance.into(),
        reaction: "Hives".into(),
        severity: Some(AllergySeverity::Moderate),
        onset_date: "2001-04-02".into(),
    })
}

fn medication(name: &str, dose: &str) -> ChartEntryDetails {
    ChartEntryDetails::Medication(MedicationDetails {
        name: name.into(),
        dose: dose.into(),
        route: "oral".into(),
        frequency: "twice daily".into(),
        ..Default::default()
    })
}

fn add(
    store: &mut Store,
    who: &SessionInfo,
    patient: PatientId,
    d: ChartEntryDetails,
) -> ChartEntry {
    let caller = Caller::staff(&AUDIT_KEY, who);
    let request = AddChartEntry {
        patient_id: patient,
        details: d,
    };
    chart::add_entry(store, &caller, request).unwrap()
}

fn entry(store: &Store, id: ChartEntryId) -> ChartEntry {
    chart::get_entry(store.conn(), id).unwrap()
}

fn medications(store: &mut Store, who: &SessionInfo, patient: PatientId) -> Vec<ChartEntry> {
    let caller = Caller::staff(&AUDIT_KEY, who);
    let request = ListChartEntries {
        patient_id: patient,
        kind: ChartEntryKind::Medication,
        include_inactive: true,
    };
    chart::list(store, &caller, request).unwrap()
}

fn soap(assessment: &str) -> NoteContent {
    NoteContent::Soap {
        subjective: "thirsty".into(),
        objective: "BP 128/82".into(),
        assessment: assessment.into(),
        plan: "HbA1c in 3 months".into(),
    }
}

fn note(store: &Store, id: NoteId) -> clinic_protocol::ClinicalNote {
    notes::get_note_unaudited(store.conn(), id).unwrap()
}

fn status(id: ChartEntryId, v: i64, status: EntryStatus, reason: &str) -> SetChartEntryStatus {
    SetChartEntryStatus {
        id,
        expected_version: v,
        status,
        reason: reason.into(),
    }
}

fn value(code: &str, value: &str, unit: &str) -> NewObservation {
    NewObservation {
        code: code.into(),
        value: value.into(),
        unit: unit.into(),
        effective_at: String::new(),
        source: "in clinic".into(),
    }
}

/// A plain-text document of `patient`.
fn text_doc(patient: PatientId, title: &str, text: &str) -> UploadDocument {
    UploadDocument {
        patient_id: patient,
        document_type: DocumentType::LabReport,
        title: title.into(),
        document_date: "2025-01-10".into(),
        author: "Dr Lab".into(),
        source: "City Lab".into(),
        file_name: "report.txt".into(),
        content_base64: text_file(text),
    }
}

fn text_file(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
}

/// A copy of `op` as if another op of its device: new id, next seq, `edit`ed.
fn forged(log: &Log, op: &LoggedOp, edit: impl FnOnce(&mut serde_json::Value)) -> LoggedOp {
    let mut copy = op.clone();
    copy.seq = log.ops.len() as u64 + 1;
    copy.op.op_id = OpId::new();
    edit(&mut copy.op.payload);
    copy
}

fn logged<'a>(log: &'a Log, kind: OpKind, entity_id: &str) -> &'a LoggedOp {
    log.ops
        .iter()
        .rfind(|o| o.op.kind == kind && o.op.entity_id == entity_id)
        .expect("op in the log")
}

#[test]
fn every_chart_op_kind_reaches_the_other_device_as_the_same_rows_and_reads() {
    let mut p = pair();
    let (pt, doc) = (p.patient, p.doctor.clone());
    let by = Caller::staff(&AUDIT_KEY, &doc);
    let a = &mut p.a.store;

    // Allergies: "no known allergies", then one recorded (clears it), then withdrawn.
    chart::set_no_known_allergies(a, &by, SetNoKnownAllergies { patient_id: pt }).unwrap();
    let pen = add(a, &doc, pt, allergy("Penicillin"));
    let withdrawn = status(pen.id, 1, EntryStatus::EnteredInError, "wrong patient");
    chart::set_status(a, &by, withdrawn).unwrap();
    // A medication corrected then stopped; a problem.
    let met = add(a, &doc, pt, medication("Metformin", "500 mg"));
    let update = UpdateChartEntry {
        id: met.id,
        expected_version: 1,
        details: medication("Metformin", "850 mg"),
    };
    chart::update_entry(a, &by, update).unwrap();
    chart::set_status(a, &by, status(met.id, 2, EntryStatus::Stopped, "GI upset")).unwrap();
    let problem = ChartEntryDetails::Problem(ProblemDetails {
        text: "Type 2 diabetes mellitus".into(),
        icd10_code: "E11.9".into(),
        onset_date: "2020-01-01".into(),
    });
    add(a, &doc, pt, problem);

    // An encounter with results (one withdrawn), a signed note, its amendment, a
    // loose draft; then the encounter is finished.
    let visit = CreateEncounter {
        patient_id: pt,
        encounter_type: EncounterType::OfficeVisit,
        reason: "Follow-up".into(),
        started_at: String::new(),
    };
    let visit = notes::create_encounter(a, &by, visit).unwrap();
    let values = vec![
        value("glucose", "7,8", "mmol/L"),
        value("systolic_bp", "152", "mmHg"),
    ];
    let recorded = RecordObservations {
        patient_id: pt,
        encounter_id: Some(visit.id),
        observations: values,
    };
    let obs = observations::record(a, &by, recorded).unwrap();
    let wrong = SetObservationEnteredInError {
        id: obs[1].id,
        expected_version: 1,
        reason: "wrong cuff".into(),
    };
    observations::mark_entered_in_error(a, &by, wrong).unwrap();
    let draft = CreateNote {
        patient_id: pt,
        encounter_id: Some(visit.id),
        amends: None,
        title: "Diabetes review".into(),
        content: soap("fair control"),
    };
    let n = notes::create_note(a, &by, draft.clone()).unwrap();
    let edit = UpdateNote {
        id: n.id,
        expected_version: 1,
        title: "Diabetes review".into(),
        content: soap("good control"),
    };
    notes::update_note(a, &by, edit).unwrap();
    notes::sign_note(
        a,
        &by,
        SignNote {
            id: n.id,
            expected_version: 2,
        },
    )
    .unwrap();
    let amendment = CreateNote {
        amends: Some(n.id),
        content: soap("good control; HbA1c 6.9%"),
        ..draft.clone()
    };
    notes::create_note(a, &by, amendment).unwrap();
    let loose = CreateNote {
        encounter_id: None,
        title: "Phone call".into(),
        content: NoteContent::Free {
            text: "Called about results".into(),
        },
        ..draft
    };
    notes::create_note(a, &by, loose).unwrap();
    let finish = SetEncounterStatus {
        id: visit.id,
        expected_version: 1,
        status: EncounterStatus::Finished,
    };
    notes::set_encounter_status(a, &by, finish).unwrap();

    // Documents: one shared with the nurse, one filed by mistake.
    let report =
        documents::upload(a, &by, text_doc(pt, "Kidney panel", "Creatinine 88 umol/L")).unwrap();
    let share = ShareDocument {
        id: report.id,
        staff_id: p.nurse.staff_id,
        note: "please review".into(),
    };
    documents::share(a, &by, share).unwrap();
    let other = documents::upload(a, &by, text_doc(pt, "Lipids", "LDL 2.1 mmol/L")).unwrap();
    let misfiled = SetDocumentEnteredInError {
        id: other.id,
        expected_version: 1,
        reason: "other patient".into(),
    };
    documents::mark_entered_in_error(a, &by, misfiled).unwrap();

    let pushed = p.log.push(&mut p.a.store);
    let first = p.log.pull(&mut p.b.store);
    assert_eq!(held(&p.b.store), vec![]);
    assert_eq!((first.applied, first.held), (pushed, 0));

    // Row for row the same chart (every table has rows: nothing silently skipped).
    let on_a = chart_rows(&p.a.store);
    assert_eq!(chart_rows(&p.b.store), on_a);
    for (table, rows) in &on_a {
        assert!(!rows.is_empty(), "{table} has rows");
    }
    let pen_b = entry(&p.b.store, pen.id);
    assert_eq!(pen_b.recorded_by, "Dr House");
    assert_eq!(
        (pen_b.status, pen_b.version),
        (EntryStatus::EnteredInError, 2)
    );
    let met_b = entry(&p.b.store, met.id);
    assert_eq!(
        (met_b.details, met_b.status, met_b.version),
        (medication("Metformin", "850 mg"), EntryStatus::Stopped, 3)
    );

    // And through the core's reads, as staff on each device see them.
    let (a, b) = (&mut p.a.store, &mut p.b.store);
    assert_eq!(
        chart::summary(b, &by, pt).unwrap(),
        chart::summary(a, &by, pt).unwrap()
    );
    assert_eq!(
        chart::summary(b, &by, pt).unwrap().allergy_status,
        AllergyStatus::NotRecorded
    );
    assert_eq!(
        chart::history(b, &by, met.id).unwrap(),
        chart::history(a, &by, met.id).unwrap()
    );
    let timeline = TimelineQuery {
        patient_id: pt,
        page: 0,
        page_size: 10,
    };
    let t_b = notes::timeline(b, &by, timeline.clone()).unwrap();
    assert_eq!(t_b, notes::timeline(a, &by, timeline).unwrap());
    assert_eq!(
        t_b.encounters[0].encounter.status,
        EncounterStatus::Finished
    );
    assert_eq!(t_b.encounters[0].notes[0].amendments.len(), 1);
    assert_eq!(t_b.loose_notes.len(), 1);
    let results = ListObservations {
        patient_id: pt,
        code: None,
        page: 0,
        page_size: 50,
    };
    assert_eq!(
        observations::list(b, &by, results.clone()).unwrap(),
        observations::list(a, &by, results).unwrap()
    );
    assert_eq!(
        observations::summary(b, &by, pt).unwrap(),
        observations::summary(a, &by, pt).unwrap()
    );
    // The search index followed: B finds the report by a word of its text.
    let find = |keywords: &str| DocumentQuery {
        patient_id: pt,
        document_type: None,
        from: None,
        to: None,
        keywords: keywords.into(),
        include_entered_in_error: true,
        page: 0,
        page_size: 10,
    };
    let found = documents::list(b, &by, find("creatinine")).unwrap();
    assert_eq!(
        found.items.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![report.id]
    );
    assert_eq!(found, documents::list(a, &by, find("creatinine")).unwrap());
    let nurse = p.nurse.staff_id;
    let inbox_b = documents::shared_with(b.conn(), nurse).unwrap();
    assert_eq!(inbox_b.len(), 1);
    assert_eq!(inbox_b, documents::shared_with(a.conn(), nurse).unwrap());
    let viewed = documents::view(b, &by, report.id).unwrap();
    assert_eq!(viewed.text, "Creatinine 88 umol/L");

    // Pulling again changes nothing.
    let again = p.log.pull(&mut p.b.store);
    assert_eq!((again.applied, again.held), (0, 0));
    assert_eq!(sync::retry_held(&mut p.b.store).unwrap(), 0);
    assert_eq!(chart_rows(&p.b.store), on_a);
}

/// A and B correct the same medication offline; whichever is later by clock wins
/// on both, whatever the order the log received them in.
#[test]
fn concurrent_corrections_end_as_the_later_one_on_both_devices_in_any_order() {
    for (a_later, b_first) in [(false, false), (false, true), (true, false), (true, true)] {
        let mut p = pair();
        let doc = p.doctor.clone();
        let by = Caller::staff(&AUDIT_KEY, &doc);
        let met = add(
            &mut p.a.store,
            &doc,
            p.patient,
            medication("Metformin", "500 mg"),
        );
        p.exchange(false);
        let t = now_ms() + 5_000;
        let (ta, tb) = if a_later {
            (t + 20, t + 10)
        } else {
            (t + 10, t + 20)
        };
        set_time(&mut p.a.store, ta);
        set_time(&mut p.b.store, tb);
        for (store, dose) in [(&mut p.a.store, "850 mg"), (&mut p.b.store, "1000 mg")] {
            let update = UpdateChartEntry {
                id: met.id,
                expected_version: 1,
                details: medication("Metformin", dose),
            };
            chart::update_entry(store, &by, update).unwrap();
        }
        p.exchange(b_first);

        let later = if a_later { "850 mg" } else { "1000 mg" };
        let (on_a, on_b) = (entry(&p.a.store, met.id), entry(&p.b.store, met.id));
        assert_eq!(
            on_a.details,
            medication("Metformin", later),
            "a_later={a_later} b_first={b_first}"
        );
        assert_eq!(on_b, on_a, "a_later={a_later} b_first={b_first}");
        assert_eq!(on_a.version, 3, "both corrections counted");
        assert_eq!(
            dump(&p.b.store, "chart_entry", "id"),
            dump(&p.a.store, "chart_entry", "id")
        );
        let history = chart::history(&mut p.b.store, &by, met.id).unwrap();
        assert_eq!(history.len(), 3);
        assert_eq!(history.last().unwrap().details, on_b.details);
    }
}

/// A details correction on one device and a status change on the other are
/// independent: both stay everywhere. Same for observation and document statuses
/// set concurrently (the later reason wins) and a re-share to the same colleague.
#[test]
fn details_and_status_merge_and_concurrent_statuses_and_shares_converge() {
    let mut p = pair();
    let (pt, doc) = (p.patient, p.doctor.clone());
    let by = Caller::staff(&AUDIT_KEY, &doc);
    let met = add(&mut p.a.store, &doc, pt, medication("Metformin", "500 mg"));
    let recorded = RecordObservations {
        patient_id: pt,
        encounter_id: None,
        observations: vec![value("glucose", "5.4", "mmol/L")],
    };
    let obs = observations::record(&mut p.a.store, &by, recorded).unwrap()[0].id;
    let upload = text_doc(pt, "Referral", "Dear colleague");
    let letter = documents::upload(&mut p.a.store, &by, upload).unwrap().id;
    p.exchange(false);

    let t = now_ms() + 5_000;
    set_time(&mut p.a.store, t + 10);
    set_time(&mut p.b.store, t + 20);
    let update = UpdateChartEntry {
        id: met.id,
        expected_version: 1,
        details: medication("Metformin", "850 mg"),
    };
    chart::update_entry(&mut p.a.store, &by, update).unwrap();
    let stop = status(met.id, 1, EntryStatus::Stopped, "GI upset");
    chart::set_status(&mut p.b.store, &by, stop).unwrap();
    for (store, reason) in [(&mut p.a.store, "typo"), (&mut p.b.store, "wrong patient")] {
        let o = SetObservationEnteredInError {
            id: obs,
            expected_version: 1,
            reason: reason.into(),
        };
        observations::mark_entered_in_error(store, &by, o).unwrap();
        let d = SetDocumentEnteredInError {
            id: letter,
            expected_version: 1,
            reason: reason.into(),
        };
        documents::mark_entered_in_error(store, &by, d).unwrap();
    }
    let nurse = p.nurse.staff_id;
    for (store, note) in [
        (&mut p.b.store, "later note"),
        (&mut p.a.store, "earlier note"),
    ] {
        let share = ShareDocument {
            id: letter,
            staff_id: nurse,
            note: note.into(),
        };
        documents::share(store, &by, share).unwrap();
    }
    p.exchange(true);

    let (on_a, on_b) = (entry(&p.a.store, met.id), entry(&p.b.store, met.id));
    assert_eq!(on_b, on_a);
    assert_eq!(on_a.details, medication("Metformin", "850 mg"));
    assert_eq!(
        (on_a.status, on_a.status_reason.as_str(), on_a.version),
        (EntryStatus::Stopped, "GI upset", 3)
    );
    let (oa, ob) = (
        observations::get(p.a.store.conn(), obs).unwrap(),
        observations::get(p.b.store.conn(), obs).unwrap(),
    );
    assert_eq!(ob, oa);
    assert_eq!(
        (oa.status_reason.as_str(), oa.version),
        ("wrong patient", 3)
    );
    let (da, db) = (
        documents::get_info(p.a.store.conn(), letter).unwrap(),
        documents::get_info(p.b.store.conn(), letter).unwrap(),
    );
    assert_eq!((db.version, da.version), (3, 3));
    for table in ["observation", "document", "document_share"] {
        assert_eq!(
            dump(&p.b.store, table, "1"),
            dump(&p.a.store, table, "1"),
            "{table}"
        );
    }
    let share_note = rows(&p.a.store, "SELECT note FROM document_share");
    assert_eq!(share_note, vec!["later note".to_string()]);
}

/// Entries are add-wins: both devices' concurrent additions are kept everywhere.
#[test]
fn concurrent_additions_are_all_kept_on_both_devices() {
    let mut p = pair();
    let (pt, doc) = (p.patient, p.doctor.clone());
    let from_a = add(&mut p.a.store, &doc, pt, medication("Metformin", "500 mg"));
    let from_b = add(&mut p.b.store, &doc, pt, medication("Ramipril", "5 mg"));
    p.exchange(true);
    for store in [&mut p.a.store, &mut p.b.store] {
        let mut ids: Vec<_> = medications(store, &doc, pt).iter().map(|e| e.id).collect();
        ids.sort_by_key(|i| i.to_string());
        let mut expected = vec![from_a.id, from_b.id];
        expected.sort_by_key(|i| i.to_string());
        assert_eq!(ids, expected);
    }
    assert_eq!(
        medications(&mut p.b.store, &doc, pt),
        medications(&mut p.a.store, &doc, pt)
    );
    assert_eq!(chart_rows(&p.b.store), chart_rows(&p.a.store));
}

/// "No known allergies" stated on A while B records an allergy: the later of the
/// two decides the statement, identically on both devices.
#[test]
fn no_known_allergies_against_a_concurrent_allergy_converges_by_clock() {
    for statement_later in [false, true] {
        let mut p = pair();
        let (pt, doc) = (p.patient, p.doctor.clone());
        let by = Caller::staff(&AUDIT_KEY, &doc);
        let t = now_ms() + 5_000;
        let (ta, tb) = if statement_later {
            (t + 20, t + 10)
        } else {
            (t + 10, t + 20)
        };
        set_time(&mut p.a.store, ta);
        set_time(&mut p.b.store, tb);
        chart::set_no_known_allergies(&mut p.a.store, &by, SetNoKnownAllergies { patient_id: pt })
            .unwrap();
        add(&mut p.b.store, &doc, pt, allergy("Latex"));
        p.exchange(!statement_later);

        let statement = dump(&p.a.store, "allergy_statement", "patient_id");
        assert_eq!(
            dump(&p.b.store, "allergy_statement", "patient_id"),
            statement
        );
        let flag = rows(
            &p.a.store,
            "SELECT CAST(no_known_allergies AS TEXT) FROM allergy_statement",
        );
        assert_eq!(
            flag,
            vec![if statement_later { "1" } else { "0" }.to_string()],
            "later={statement_later}"
        );
        for store in [&mut p.a.store, &mut p.b.store] {
            let summary = chart::summary(store, &by, pt).unwrap();
            assert_eq!(summary.allergy_status, AllergyStatus::HasAllergies);
        }
    }
}

/// A signs; B (the same doctor, offline, later clock) edits the draft. Everywhere
/// the note ends signed with what A signed; a second sign changes nothing.
#[test]
fn a_signed_note_wins_over_a_concurrent_draft_update_everywhere() {
    for b_first in [true, false] {
        let mut p = pair();
        let (pt, doc) = (p.patient, p.doctor.clone());
        let by = Caller::staff(&AUDIT_KEY, &doc);
        let draft = CreateNote {
            patient_id: pt,
            encounter_id: None,
            amends: None,
            title: "Review".into(),
            content: soap("draft"),
        };
        let id = notes::create_note(&mut p.a.store, &by, draft).unwrap().id;
        p.exchange(false);
        let t = now_ms() + 5_000;
        set_time(&mut p.a.store, t + 10);
        set_time(&mut p.b.store, t + 20);
        let edit = |assessment: &str, v| UpdateNote {
            id,
            expected_version: v,
            title: "Review".into(),
            content: soap(assessment),
        };
        notes::update_note(&mut p.a.store, &by, edit("as signed", 1)).unwrap();
        notes::sign_note(
            &mut p.a.store,
            &by,
            SignNote {
                id,
                expected_version: 2,
            },
        )
        .unwrap();
        notes::update_note(&mut p.b.store, &by, edit("late draft edit", 1)).unwrap();
        p.exchange(b_first);

        let (on_a, on_b) = (note(&p.a.store, id), note(&p.b.store, id));
        assert_eq!(on_a.status, NoteStatus::Signed);
        assert_eq!(on_a.content, soap("as signed"), "b_first={b_first}");
        assert_eq!(on_b, on_a, "b_first={b_first}");
        let before = dump(&p.b.store, "clinical_note", "id");
        assert_eq!(before, dump(&p.a.store, "clinical_note", "id"));

        // The same sign again (another op, a later time): applied, changes nothing.
        let sign = logged(&p.log, OpKind::SignNote, &id.to_string()).clone();
        let again = forged(&p.log, &sign, |payload| {
            payload["signed_at"] = "2031-01-01T00:00:00.000Z".into();
            payload["content"] = serde_json::to_value(soap("rewritten")).unwrap();
        });
        p.log.ops.push(again);
        let s = p.log.pull(&mut p.b.store);
        assert_eq!((s.applied, s.held), (1, 0));
        assert_eq!(dump(&p.b.store, "clinical_note", "id"), before);
    }
}

/// Malformed ops are held whole with a reason naming the field (never a value)
/// and write nothing; an op whose entry has not arrived is held, then applied by
/// a retry once it has.
#[test]
fn malformed_and_premature_ops_are_held_whole_and_retried() {
    let mut p = pair();
    let (pt, doc) = (p.patient, p.doctor.clone());
    let by = Caller::staff(&AUDIT_KEY, &doc);
    let pen = add(&mut p.a.store, &doc, pt, allergy("Penicillin"));
    let start = p.log.ops.len() as u64;
    p.log.push(&mut p.a.store);
    let stop = status(pen.id, 1, EntryStatus::Inactive, "outgrown");
    chart::set_status(&mut p.a.store, &by, stop).unwrap();
    p.log.push(&mut p.a.store);

    // The status change alone (its entry not pulled yet): held, not dropped.
    let status_seq = p.log.ops.len() as u64 - 1;
    let s = p.log.pull_from(&mut p.b.store, status_seq);
    assert_eq!((s.applied, s.held), (0, 1));
    assert!(!rows(&p.b.store, "SELECT id FROM chart_entry").contains(&pen.id.to_string()));

    // Malformed: a correction of the allergy into a medication, an entry without
    // details, a document whose bytes do not match their hash.
    let add_op = logged(&p.log, OpKind::AddChartEntry, &pen.id.to_string()).clone();
    let mut bad_update = forged(&p.log, &add_op, |payload| {
        *payload = serde_json::json!({ "details": medication("Penicillin", "1 g"), "version": 2 });
    });
    bad_update.op.kind = OpKind::UpdateChartEntry;
    p.log.ops.push(bad_update);
    let mut no_details = forged(&p.log, &add_op, |payload| {
        payload.as_object_mut().unwrap().remove("details");
    });
    no_details.op.entity_id = ChartEntryId::new().to_string();
    p.log.ops.push(no_details.clone());
    let mut bad_file = forged(&p.log, &add_op, |payload| {
        *payload = serde_json::json!({
            "patient_id": pt.to_string(), "type": "letter", "title": "Penicillin letter",
            "document_date": "2025-01-10", "author": "", "source": "", "file_name": "a.txt",
            "media_type": "text/plain", "sha256": "00".repeat(32),
            "content_base64": text_file("Penicillin allergy confirmed"),
        });
    });
    bad_file.op.kind = OpKind::UploadDocument;
    bad_file.op.entity = clinic_protocol::EntityKind::Document;
    bad_file.op.entity_id = clinic_protocol::DocumentId::new().to_string();
    p.log.ops.push(bad_file.clone());

    let s = p.log.pull_from(&mut p.b.store, start);
    // The add applies; the status change was already held (skipped); three held.
    assert_eq!((s.applied, s.held), (1, 3));
    let reasons: Vec<String> = held(&p.b.store).into_iter().map(|(_, r)| r).collect();
    assert_eq!(reasons.len(), 4);
    for (reason, field) in reasons[1..].iter().zip(["details", "details", "sha256"]) {
        assert!(reason.contains(&format!("'{field}'")), "{reason}");
        assert!(!reason.contains("Penicillin"), "{reason}");
    }
    // Nothing of the malformed ops was written.
    let on_b = entry(&p.b.store, pen.id);
    assert_eq!(
        (on_b.version, on_b.details.kind()),
        (1, ChartEntryKind::Allergy)
    );
    assert_eq!(
        dump(&p.b.store, "chart_entry_version", "entry_id, version").len(),
        1
    );
    assert!(!rows(&p.b.store, "SELECT id FROM chart_entry").contains(&no_details.op.entity_id));
    assert_eq!(dump(&p.b.store, "document", "id"), Vec::<String>::new());

    // A retry applies the status change now that its entry is here; the
    // malformed ones stay held.
    assert_eq!(sync::retry_held(&mut p.b.store).unwrap(), 1);
    assert_eq!(held(&p.b.store).len(), 3);
    assert_eq!(entry(&p.b.store, pen.id), entry(&p.a.store, pen.id));
    assert_eq!(
        dump(&p.b.store, "chart_entry_version", "entry_id, version"),
        dump(&p.a.store, "chart_entry_version", "entry_id, version")
    );
}

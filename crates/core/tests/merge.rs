//! Merging duplicate patients on the real (SQLCipher) store: every chart item
//! moves in one transaction with one op, the old id redirects, search and
//! duplicate checks skip the merged record, a restriction carries over, and
//! invalid merges are refused.
mod common;

use clinic_core::{chart, merge, notes, observations, registry, restricted, search, CoreError};
use clinic_protocol::{
    AddChartEntry, AllergyDetails, ChartEntryDetails, CreateEncounter, CreateNote, EncounterType,
    MergePatients, NewObservation, NoteContent, PatientSearch, RecordObservations,
    RestrictionCategory,
};

fn count(store: &clinic_store::Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_merge_moves_every_chart_item_and_leaves_a_redirect() {
    let mut t = common::store();
    let caller = common::caller();
    let survivor = common::register_ada(&mut t.store);
    let duplicate = common::register_ada(&mut t.store);
    chart::add_entry(
        &mut t.store,
        &caller,
        AddChartEntry {
            patient_id: duplicate,
            details: ChartEntryDetails::Allergy(AllergyDetails {
                substance: "Latex".into(),
                ..Default::default()
            }),
        },
    )
    .unwrap();
    let visit = notes::create_encounter(
        &mut t.store,
        &caller,
        CreateEncounter {
            patient_id: duplicate,
            encounter_type: EncounterType::OfficeVisit,
            reason: String::new(),
            started_at: String::new(),
        },
    )
    .unwrap();
    notes::create_note(
        &mut t.store,
        &caller,
        CreateNote {
            patient_id: duplicate,
            encounter_id: Some(visit.id),
            amends: None,
            title: "Visit".into(),
            content: NoteContent::Free {
                text: "Seen.".into(),
            },
        },
    )
    .unwrap();
    observations::record(
        &mut t.store,
        &caller,
        RecordObservations {
            patient_id: duplicate,
            encounter_id: None,
            observations: vec![NewObservation {
                code: "weight".into(),
                value: "61".into(),
                unit: "kg".into(),
                effective_at: String::new(),
                source: String::new(),
            }],
        },
    )
    .unwrap();
    restricted::set_restricted(
        &mut t.store,
        &caller,
        duplicate,
        true,
        Some(RestrictionCategory::PublicFigure),
    )
    .unwrap();

    let ops = count(&t.store, "SELECT count(*) FROM outbox");
    let outcome = merge::merge(
        &mut t.store,
        &caller,
        MergePatients {
            survivor_id: survivor,
            merged_id: duplicate,
        },
    )
    .unwrap();
    assert_eq!(outcome.moved, 4, "entry, encounter, note, observation");
    assert_eq!(
        count(&t.store, "SELECT count(*) FROM outbox"),
        ops + 1,
        "one op"
    );
    let s = survivor.to_string();
    for table in ["chart_entry", "encounter", "clinical_note", "observation"] {
        let n: i64 = t
            .store
            .conn()
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE patient_id = ?1"),
                [&s],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "{table}");
    }
    assert!(
        restricted::restriction(t.store.conn(), survivor)
            .unwrap()
            .restricted,
        "the stricter wins"
    );

    // The old id resolves to the survivor; search and duplicate checks skip it.
    let opened = registry::view_patient(&mut t.store, &caller, duplicate).unwrap();
    assert_eq!(opened.id, survivor);
    assert_eq!(opened.redirected_from, Some(duplicate));
    for text in ["lovelace", "1990-12-10"] {
        let page = search::search_patients(
            t.store.conn(),
            &PatientSearch {
                text: text.into(),
                page: 0,
                page_size: 25,
            },
        )
        .unwrap();
        assert_eq!(
            page.items.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![survivor],
            "{text}"
        );
    }
    assert_eq!(
        registry::find_duplicates(t.store.conn(), &common::ada(), Some(survivor))
            .unwrap()
            .len(),
        0
    );
    assert_eq!(registry::patient_count(t.store.conn()).unwrap(), 1);

    // Refused: the same record twice, or a record already merged.
    assert!(matches!(
        merge::merge(
            &mut t.store,
            &caller,
            MergePatients {
                survivor_id: survivor,
                merged_id: survivor
            }
        ),
        Err(CoreError::Validation(_))
    ));
    assert!(matches!(
        merge::merge(
            &mut t.store,
            &caller,
            MergePatients {
                survivor_id: duplicate,
                merged_id: survivor
            }
        ),
        Err(CoreError::Validation(_))
    ));
}

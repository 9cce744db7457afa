//! As-you-type search on the real encrypted store: name prefixes regardless of
//! case and accents, DOB, phone (prefix and last digits), MRN, several words at
//! once, ordering and pagination.
mod common;

use clinic_core::registry::{register_many, register_patient};
use clinic_core::search::search_patients;
use clinic_protocol::{PatientDetails, PatientSearch, RegisterOutcome, RegisterPatient};
use common::{ada, store};

fn person(given: &str, family: &str, dob: &str, phone: &str) -> PatientDetails {
    PatientDetails {
        given_name: given.into(),
        family_name: family.into(),
        date_of_birth: dob.into(),
        phone: phone.into(),
        email: String::new(),
        insurance: None,
        emergency_contacts: vec![],
        ..ada()
    }
}

fn names(s: &clinic_store::Store, text: &str) -> Vec<String> {
    search_patients(
        s.conn(),
        &PatientSearch {
            text: text.into(),
            page: 0,
            page_size: 50,
        },
    )
    .unwrap()
    .items
    .into_iter()
    .map(|p| format!("{} {}", p.given_name, p.family_name))
    .collect()
}

fn seeded() -> common::TestStore {
    let mut t = store();
    register_many(
        &mut t.store,
        &common::caller(),
        [
            person("José", "Álvarez", "1980-05-01", "+34 600 111 222"),
            person("Josephine", "Baker", "1906-06-03", "+33 1 42 00 00 01"),
            person("Søren", "Kierkegaard", "1913-05-05", "+45 33 12 34 56"),
            person("Mary-Jane", "O'Brien", "1975-01-31", "+353 1 555 0199"),
            person("Nguyễn", "Thị Lan", "2001-09-09", "+84 24 3825 0000"),
            person("Joe", "Alvarado", "1980-05-01", ""),
        ],
    )
    .unwrap();
    t
}

#[test]
fn name_prefix_ignores_case_and_accents() {
    let t = seeded();
    assert_eq!(names(&t.store, "alv"), ["Joe Alvarado", "José Álvarez"]);
    assert_eq!(names(&t.store, "ÁLVAREZ"), ["José Álvarez"]);
    assert_eq!(names(&t.store, "soren"), ["Søren Kierkegaard"]);
    assert_eq!(names(&t.store, "nguyen"), ["Nguyễn Thị Lan"]);
    assert_eq!(names(&t.store, "obri"), ["Mary-Jane O'Brien"]);
    assert_eq!(names(&t.store, "o'brien"), ["Mary-Jane O'Brien"]);
    assert_eq!(names(&t.store, "jane"), ["Mary-Jane O'Brien"]);
    assert!(names(&t.store, "zzz").is_empty());
    assert!(names(&t.store, "").is_empty());
}

#[test]
fn every_word_must_match() {
    let t = seeded();
    assert_eq!(names(&t.store, "jo alv"), ["Joe Alvarado", "José Álvarez"]);
    assert_eq!(names(&t.store, "jos alv"), ["José Álvarez"]);
    assert_eq!(names(&t.store, "jo 1906-06-03"), ["Josephine Baker"]);
    assert_eq!(
        names(&t.store, "1980-05-01"),
        ["Joe Alvarado", "José Álvarez"]
    );
}

#[test]
fn phone_by_prefix_or_last_digits() {
    let t = seeded();
    assert_eq!(names(&t.store, "0199"), ["Mary-Jane O'Brien"]);
    assert_eq!(names(&t.store, "+34 600"), ["José Álvarez"]);
    assert_eq!(names(&t.store, "3456"), ["Søren Kierkegaard"]);
}

#[test]
fn mrn_prefix_in_any_case() {
    let mut t = seeded();
    let RegisterOutcome::Registered { patient } = register_patient(
        &mut t.store,
        &common::caller(),
        RegisterPatient {
            details: person("Mrn", "Target", "1999-01-01", ""),
            confirm_not_duplicate: false,
        },
    )
    .unwrap() else {
        panic!()
    };
    assert!(patient.mrn.ends_with("-000007"), "{}", patient.mrn);
    assert_eq!(names(&t.store, &patient.mrn), ["Mrn Target"]);
    assert_eq!(
        names(&t.store, &patient.mrn.to_lowercase().replace('-', "")),
        ["Mrn Target"]
    );
}

/// Pages through every match of `prefix` and checks each patient appears exactly
/// once, in family-then-given-name order.
fn assert_paging_complete(t: &common::TestStore, prefix: &str) -> usize {
    let total: i64 = t
        .store
        .conn()
        .query_row(
            "SELECT count(DISTINCT patient_id) FROM patient_name_token WHERE token >= ?1 AND token < ?2",
            [prefix.to_string(), clinic_core::text::prefix_end(prefix)],
            |r| r.get(0),
        )
        .unwrap();
    assert!(total > 25, "fixture too small: {total}");
    let mut seen = Vec::new();
    for page in 0.. {
        let res = search_patients(
            t.store.conn(),
            &PatientSearch {
                text: prefix.into(),
                page,
                page_size: 25,
            },
        )
        .unwrap();
        assert!(res.items.len() <= 25);
        seen.extend(res.items);
        if !res.has_more {
            break;
        }
    }
    assert_eq!(seen.len() as i64, total);
    let mut ids: Vec<_> = seen.iter().map(|p| p.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), seen.len(), "a patient appeared on two pages");
    let sort_keys: Vec<String> = seen
        .iter()
        .map(|p| {
            clinic_core::text::fold(&format!(
                "{} {} {}",
                p.family_name, p.given_name, p.middle_name
            ))
        })
        .collect();
    let mut sorted = sort_keys.clone();
    sorted.sort();
    assert_eq!(sort_keys, sorted, "results are in family, given name order");
    seen.len()
}

#[test]
fn pages_cover_all_results_once_in_name_order_for_a_rare_prefix() {
    let mut t = store();
    register_many(
        &mut t.store,
        &common::caller(),
        clinic_testkit::PatientGenerator::new(11).take(300),
    )
    .unwrap();
    let plan = clinic_core::search::explain(t.store.conn(), "a")
        .unwrap()
        .join(" ");
    assert!(
        !plan.contains("patient_sort"),
        "expected the lookup plan: {plan}"
    );
    assert_paging_complete(&t, "a");
}

#[test]
fn pages_cover_all_results_once_in_name_order_for_a_common_prefix() {
    let mut t = store();
    // Everyone's given name starts with "Ab": matches are spread along the
    // family-name order, so walking it in order fills a page at once.
    let batch = clinic_testkit::PatientGenerator::new(12)
        .take(2_300)
        .map(|mut d| {
            d.given_name = format!("Ab{}", d.given_name.to_lowercase());
            d
        });
    register_many(&mut t.store, &common::caller(), batch).unwrap();
    let plan = clinic_core::search::explain(t.store.conn(), "ab")
        .unwrap()
        .join(" ");
    assert!(
        plan.contains("patient_sort"),
        "expected the name-order walk: {plan}"
    );
    assert!(assert_paging_complete(&t, "ab") >= 2_300);
}

#[test]
fn a_common_family_name_prefix_is_looked_up_not_walked() {
    let mut t = store();
    // Family-name matches cluster in name order: a walk could cross most of the
    // registry before meeting them, so the planner must look them up instead.
    let batch = clinic_testkit::PatientGenerator::new(13)
        .take(2_300)
        .map(|mut d| {
            if d.family_name.starts_with(['A', 'a', 'Á']) {
                d.family_name = format!("Zz{}", d.family_name.to_lowercase());
            }
            d
        });
    register_many(&mut t.store, &common::caller(), batch).unwrap();
    let mut many_zz: Vec<_> = clinic_testkit::PatientGenerator::new(14)
        .take(2_100)
        .collect();
    for d in &mut many_zz {
        d.family_name = format!("Zzy{}", d.family_name.to_lowercase());
        d.given_name = "Bea".into();
        d.middle_name = String::new();
    }
    register_many(&mut t.store, &common::caller(), many_zz).unwrap();
    let plan = clinic_core::search::explain(t.store.conn(), "zzy")
        .unwrap()
        .join(" ");
    assert!(
        !plan.contains("patient_sort"),
        "a family-name prefix must not walk: {plan}"
    );
    assert!(assert_paging_complete(&t, "zzy") >= 2_100);
}

#[test]
fn oversized_pages_are_refused() {
    let t = seeded();
    let err = search_patients(
        t.store.conn(),
        &PatientSearch {
            text: "a".into(),
            page: 0,
            page_size: 10_000,
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), clinic_protocol::ErrorCode::Validation);
}

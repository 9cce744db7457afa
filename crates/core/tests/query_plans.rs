//! Search must stay fast on big registries: no query shape may scan the whole
//! patient table. Checked on the plans SQLite chooses after `PRAGMA optimize`.
mod common;

use clinic_core::registry::register_many;
use clinic_core::search::explain;

#[test]
fn no_search_shape_scans_the_patient_table() {
    let mut t = common::store();
    register_many(
        &mut t.store,
        &common::caller(),
        clinic_testkit::PatientGenerator::new(5).take(2000),
    )
    .unwrap();
    t.store
        .conn()
        .execute_batch("PRAGMA optimize; ANALYZE;")
        .unwrap();
    for text in [
        "a",
        "al",
        "zzz",
        "jo alv",
        "1980-05-01",
        "0412",
        "+44 20 7946",
        "KQX-00",
        "ana 1980-05-01",
    ] {
        let plan = explain(t.store.conn(), text).unwrap();
        println!("{text:>14}: {}", plan.join(" | "));
        assert!(
            !plan
                .iter()
                .any(|step| step.starts_with("SCAN p") && !step.contains("USING")),
            "{text:?} scans the patient table: {plan:?}"
        );
    }
}

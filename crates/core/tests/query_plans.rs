//! Search must stay fast on big registries: no query shape may scan the whole
//! patient table; nor may the practice dashboards scan appointments or
//! billing's tables. Checked on the plans SQLite chooses after `PRAGMA optimize`.
mod common;
mod identity_common;

use clinic_core::dashboards;
use clinic_core::registry::register_many;
use clinic_core::search::explain;
use clinic_protocol::{DashboardQuery, Granularity, Role};

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

/// The dashboards read appointments and billing's facts by indexed time
/// ranges only: no statement of theirs scans a table or a whole index,
/// clinic-wide or for one provider.
#[test]
fn no_dashboard_statement_scans_a_table() {
    let mut t = common::store();
    let doctor =
        identity_common::member_session(&mut t.store, "okafor", "Dr Okafor", Role::Doctor).staff_id;
    t.store
        .conn()
        .execute_batch("PRAGMA optimize; ANALYZE;")
        .unwrap();
    for provider_id in [None, Some(doctor)] {
        let query = DashboardQuery {
            from: "2022-01-01".into(),
            to: "2026-12-31".into(),
            granularity: Granularity::Month,
            provider_id,
        };
        let plans = dashboards::explain(t.store.conn(), &query).unwrap();
        assert!(plans.len() >= 10, "{plans:?}");
        for (statement, plan) in plans {
            println!("{statement:>24}: {}", plan.join(" | "));
            // Not even a whole index: only the statements' own subqueries
            // (`v`, `firsts`, `w`) are scanned.
            let scans_a_table = plan.iter().any(|step| {
                step.strip_prefix("SCAN ")
                    .and_then(|rest| rest.split_whitespace().next())
                    .is_some_and(|name| !["v", "firsts", "w"].contains(&name))
            });
            assert!(
                !scans_a_table,
                "{statement} scans a table or a whole index: {plan:?}"
            );
        }
    }
}

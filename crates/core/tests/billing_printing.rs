//! Printable billing documents on a real encrypted store: an invoice, a receipt,
//! a statement and the desk's day come with the clinic's name, the billing
//! settings and the patient's name and MRN for the letterhead, and each export
//! is audited (action `export`, ids and numbers only — never the name).
mod billing_common;
mod common;
mod identity_common;
mod schedule_common;

use billing_common::setup;
use chrono::Utc;
use clinic_core::billing::printing;
use clinic_protocol::{DaySummaryQuery, PaymentMethod, StatementQuery};

fn exports(store: &clinic_store::Store) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare("SELECT detail FROM audit_event WHERE action = 'export' ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn documents_come_with_their_letterhead_and_addressee_and_each_export_is_audited() {
    let mut b = setup();
    let inv = b.issued();
    let payment = b.pay(&inv, PaymentMethod::Cash, 2000).unwrap();
    let clerk = b.clerk();
    let patient = clinic_core::registry::get_patient(b.store().conn(), inv.patient_id).unwrap();

    let invoice = printing::invoice_for_print(b.store(), &clerk, inv.id, "pdf").unwrap();
    assert_eq!(invoice.document.invoice.id, inv.id);
    assert!(!invoice.clinic_name.is_empty());
    assert!(!invoice.time_zone.is_empty());
    let (name, mrn) = invoice.patient.clone().expect("the addressee");
    assert!(name.contains(&patient.details.family_name), "{name}");
    assert_eq!(mrn, patient.mrn);

    let receipt = printing::receipt_for_print(b.store(), &clerk, payment.id, "pdf").unwrap();
    assert_eq!(receipt.patient.as_ref().map(|p| &p.1), Some(&patient.mrn));
    let today = Utc::now().date_naive().to_string();
    let statement = printing::statement_for_print(
        b.store(),
        &clerk,
        StatementQuery {
            patient_id: inv.patient_id,
            from: "2020-01-01".into(),
            to: today,
        },
        "pdf",
    )
    .unwrap();
    assert!(!statement.document.entries.is_empty());
    let desk = b.desk();
    let day = printing::day_for_print(
        b.store(),
        &desk,
        DaySummaryQuery {
            date: String::new(),
            opening_float_minor: 0,
        },
        Utc::now(),
        "csv",
    )
    .unwrap();
    assert!(day.patient.is_none());

    let audited = exports(b.store());
    assert_eq!(audited.len(), 4, "{audited:?}");
    for (detail, document) in audited
        .iter()
        .zip(["invoice", "receipt", "statement", "day_close"])
    {
        assert!(detail.contains(document), "{detail}");
        assert!(
            !detail.contains(&patient.details.family_name),
            "a name in the audit: {detail}"
        );
    }
}

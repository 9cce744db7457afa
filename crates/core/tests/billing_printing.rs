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
use clinic_core::billing;
use clinic_core::billing::printing;
use clinic_protocol::{CloseDay, DaySummaryQuery, PaymentMethod, StatementQuery};

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
    assert!(
        matches!(day.document, printing::DayDocument::Open(_)),
        "a day not closed prints as its summary"
    );

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

/// Once the desk has closed the day, the saved day is that close (its latest
/// version after a recount), with the counted cash and who closed it.
#[test]
fn a_closed_day_exports_its_latest_close() {
    let mut b = setup();
    let inv = b.issued();
    let cash = b.pay(&inv, PaymentMethod::Cash, 2000).unwrap();
    let desk = b.desk();
    let zone = clinic_core::schedule::time::clinic_zone(b.store().conn()).unwrap();
    let taken = clinic_core::schedule::time::parse_instant(&cash.received_at).unwrap();
    let date = clinic_core::schedule::time::local_date(zone, taken).to_string();
    let close = |counted: i64, note: &str| CloseDay {
        date: date.clone(),
        opening_float_minor: 500,
        counted_cash_minor: counted,
        note: note.into(),
    };
    billing::close_day(b.store(), &desk, close(2400, ""), Utc::now()).unwrap();
    let recount = billing::close_day(b.store(), &desk, close(2500, "recount"), Utc::now()).unwrap();
    assert_eq!(recount.version, 2);
    let query = DaySummaryQuery {
        date: date.clone(),
        opening_float_minor: 0,
    };
    let day = printing::day_for_print(b.store(), &desk, query, Utc::now(), "pdf").unwrap();
    match day.document {
        printing::DayDocument::Closed(c) => {
            assert_eq!(c.id, recount.id);
            assert_eq!((c.counted_cash_minor, c.difference_minor), (2500, 0));
            assert_eq!(c.summary.expected_cash_minor, 2500);
        }
        printing::DayDocument::Open(s) => panic!("the closed day printed as open: {s:?}"),
    }
    let audited = exports(b.store());
    assert!(audited[0].contains(&recount.id.to_string()), "{audited:?}");
}

//! The receipt and the statement PDFs read back: the receipt's number, amount,
//! method, reference, invoice and balance after it (with the receipt's own
//! clinic name and footer when the letterhead has none); the statement's
//! period, entries with running balances, opening and closing balances.
mod common;

use clinic_print::{receipt_pdf, statement_pdf, Letterhead};
use clinic_protocol::billing::*;
use common::*;
use uuid::Uuid;

fn receipt() -> Receipt {
    let mut payment = payment(PaymentMethod::Card, 25_000, "USD");
    payment.refunded_minor = 2_500;
    Receipt {
        receipt_number: "RCP-FD1-000017".into(),
        payment,
        invoice_number: Some("INV-FD1-000042".into()),
        invoice_balance_minor: 5_000,
        clinic_name: "Sunrise Clinic".into(),
        invoice_footer: "Sunrise Clinic LLC · EIN 12-3456789".into(),
    }
}

#[test]
fn a_receipt_prints_the_payment_and_the_balance_after_it() {
    let pdf = receipt_pdf(&receipt(), &patient("Анастасия Кузнецова"), &letterhead()).unwrap();
    assert_pdf_envelope(&pdf);
    let drawn = lines(&pdf);
    assert_line(&drawn, "RECEIPT");
    assert_line(&drawn, "RCP-FD1-000017");
    assert_line(&drawn, "Анастасия Кузнецова");
    assert_line(&drawn, "Amount received");
    assert_line(&drawn, "$250.00");
    assert_line(&drawn, "Card");
    assert_line(&drawn, "TERM-88412");
    assert_line(&drawn, "INV-FD1-000042");
    assert_line(&drawn, "Front desk: Chidi");
    assert_line(&drawn, "Refunded so far");
    assert_line(&drawn, "$25.00");
    assert_line(&drawn, "Invoice balance after this payment");
    assert_line(&drawn, "$50.00");
    // Received 10:42 UTC is 11:42 in Lagos.
    assert_line(&drawn, "2026-03-29 11:42");
    // The letterhead's clinic and footer win over the receipt's.
    assert_line(&drawn, "Harbourside Family Clinic");
    assert!(!drawn.iter().any(|l| l.contains("Sunrise")));

    let pdf = receipt_pdf(
        &receipt(),
        &patient("Анастасия Кузнецова"),
        &Letterhead::default(),
    )
    .unwrap();
    let drawn = lines(&pdf);
    assert_line(&drawn, "Sunrise Clinic");
    assert_line(&drawn, "Sunrise Clinic LLC · EIN 12-3456789");
    assert_line(&drawn, "2026-03-29 10:42 UTC");
    assert_eq!(
        pdf,
        receipt_pdf(
            &receipt(),
            &patient("Анастасия Кузнецова"),
            &Letterhead::default()
        )
        .unwrap(),
        "deterministic"
    );
}

#[test]
fn a_pending_payment_does_not_print_as_a_receipt() {
    let mut pending = receipt();
    pending.payment.status = PaymentStatus::Pending;
    let pdf = receipt_pdf(&pending, &patient("Amara Okafor"), &letterhead()).unwrap();
    let drawn = lines(&pdf);
    assert_line(&drawn, "PAYMENT PENDING");
    assert!(!drawn.iter().any(|l| l == "RECEIPT"));
}

fn entry(
    at: &str,
    kind: StatementEntryKind,
    reference: &str,
    amount: i64,
    running: i64,
) -> StatementEntry {
    StatementEntry {
        at: at.into(),
        kind,
        reference: reference.into(),
        invoice_id: InvoiceId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_1001)),
        amount_minor: amount,
        running_balance_minor: running,
    }
}

#[test]
fn a_statement_prints_entries_with_running_balances() {
    let statement = PatientStatement {
        patient_id: patient_id(),
        currency: "GHS".into(),
        from: "2026-03-01".into(),
        to: "2026-03-31".into(),
        opening_balance_minor: 1_000,
        entries: vec![
            entry(
                "2026-03-03T09:00:00Z",
                StatementEntryKind::Invoice,
                "INV-FD1-000040",
                20_000,
                21_000,
            ),
            entry(
                "2026-03-04T09:30:00Z",
                StatementEntryKind::Payment,
                "RCP-FD1-000011",
                -15_000,
                6_000,
            ),
            entry(
                "2026-03-10T14:00:00Z",
                StatementEntryKind::Refund,
                "cash",
                2_000,
                8_000,
            ),
            entry(
                "2026-03-12T16:45:00Z",
                StatementEntryKind::CreditNote,
                "CN-FD1-000003",
                -1_000,
                7_000,
            ),
        ],
        closing_balance_minor: 7_000,
    };
    let pdf = statement_pdf(&statement, &patient("Kwame Mensah"), &letterhead()).unwrap();
    assert_pdf_envelope(&pdf);
    let drawn = lines(&pdf);
    assert_line(&drawn, "STATEMENT");
    assert_line(&drawn, "2026-03-01 – 2026-03-31");
    assert_line(&drawn, "Kwame Mensah");
    assert_line(&drawn, "Opening balance (2026-03-01)");
    assert_line(&drawn, "₵10.00");
    for reference in ["INV-FD1-000040", "RCP-FD1-000011", "CN-FD1-000003"] {
        assert_line(&drawn, reference);
    }
    for kind in ["Invoice", "Payment", "Refund", "Credit note"] {
        assert_line(&drawn, kind);
    }
    // Charges and credits in their own columns, then the running balance.
    for amount in [
        "200.00", "210.00", "150.00", "60.00", "20.00", "80.00", "10.00", "70.00",
    ] {
        assert_line(&drawn, amount);
    }
    // Entry instants in the clinic's zone (Lagos, UTC+1).
    assert_line(&drawn, "2026-03-12 17:45");
    assert_line(&drawn, "Charges in period");
    assert_line(&drawn, "₵220.00");
    assert_line(&drawn, "Payments and credits");
    assert_line(&drawn, "-₵160.00");
    assert_line(&drawn, "Closing balance (2026-03-31)");
    assert_line(&drawn, "₵70.00");
    assert_line(&drawn, "Amount due");

    let mut credit = statement.clone();
    credit.closing_balance_minor = -500;
    let drawn = lines(&statement_pdf(&credit, &patient("Kwame Mensah"), &letterhead()).unwrap());
    assert_line(&drawn, "In credit");
    assert_line(&drawn, "₵5.00");
    assert!(!drawn.iter().any(|l| l == "Amount due"));
}

//! Shared fixtures for the print tests: a letterhead, patients, invoices built
//! from lines with the amounts the core would have derived, and helpers that
//! read a PDF back (lopdf) page by page as the text lines it draws.
#![allow(dead_code)]

use clinic_print::{BilledPatient, Letterhead};
use clinic_protocol::billing::*;
use clinic_protocol::ids::{DeviceId, PatientId};
use uuid::Uuid;

pub fn letterhead() -> Letterhead {
    Letterhead {
        clinic_name: "Harbourside Family Clinic".into(),
        address_lines: vec!["12 Marina Road".into(), "Lagos Island, Lagos".into()],
        phone: "+234 1 555 0100".into(),
        email: "billing@harbourside.example".into(),
        tax_id: "TIN 01234567-0001".into(),
        footer: "Harbourside Family Clinic Ltd · RC 123456\nPayment due within 30 days.".into(),
        time_zone: "Africa/Lagos".into(),
    }
}

pub fn patient(name: &str) -> BilledPatient {
    BilledPatient {
        name: name.into(),
        mrn: "MRN-000731".into(),
    }
}

pub fn patient_id() -> PatientId {
    PatientId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001))
}

pub fn device_id() -> DeviceId {
    DeviceId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00d1))
}

fn no_tax() -> TaxRule {
    TaxRule {
        name: String::new(),
        rate_bp: 0,
        mode: TaxMode::Exclusive,
    }
}

/// A line with its amounts given (as the core derives them).
pub fn line(position: u32, description: &str, quantity: i64, unit: i64) -> InvoiceLine {
    let gross = quantity * unit;
    InvoiceLine {
        id: InvoiceLineId(Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0001_0000 + u128::from(position),
        )),
        position,
        service_id: None,
        service_code: String::new(),
        description: description.into(),
        quantity,
        unit_price_minor: unit,
        tax: no_tax(),
        discount: None,
        insurance: None,
        gross_minor: gross,
        discount_minor: 0,
        invoice_discount_minor: 0,
        tax_minor: 0,
        total_minor: gross,
        insurance_minor: 0,
        patient_minor: gross,
        credited_minor: 0,
    }
}

/// An issued invoice with these lines; totals summed from them (no payments).
pub fn invoice(currency: &str, number: &str, lines: Vec<InvoiceLine>) -> InvoiceDetail {
    let sum = |f: fn(&InvoiceLine) -> i64| lines.iter().map(f).sum::<i64>();
    let total = sum(|l| l.total_minor);
    let totals = InvoiceTotals {
        subtotal_minor: sum(|l| l.gross_minor),
        discount_minor: sum(|l| l.discount_minor + l.invoice_discount_minor),
        tax_minor: sum(|l| l.tax_minor),
        total_minor: total,
        insurance_minor: sum(|l| l.insurance_minor),
        patient_minor: sum(|l| l.patient_minor),
        balance_minor: total,
        patient_balance_minor: sum(|l| l.patient_minor),
        insurance_balance_minor: sum(|l| l.insurance_minor),
        ..InvoiceTotals::default()
    };
    InvoiceDetail {
        invoice: Invoice {
            id: InvoiceId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_1001)),
            number: Some(number.into()),
            patient_id: patient_id(),
            appointment_id: None,
            encounter_id: None,
            currency: currency.into(),
            status: InvoiceStatus::Issued,
            lines,
            discount: None,
            totals,
            note: String::new(),
            created_at: "2026-03-29T08:55:00Z".into(),
            issued_at: Some("2026-03-29T09:10:00Z".into()),
            voided_at: None,
            void_reason: None,
            needs_review: false,
            version: 3,
        },
        payments: Vec::new(),
        refunds: Vec::new(),
        credit_notes: Vec::new(),
    }
}

pub fn payment(method: PaymentMethod, amount: i64, currency: &str) -> Payment {
    Payment {
        id: PaymentId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_2001)),
        invoice_id: InvoiceId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_1001)),
        patient_id: patient_id(),
        method,
        status: PaymentStatus::Succeeded,
        amount_minor: amount,
        currency: currency.into(),
        refunded_minor: 0,
        reference: "TERM-88412".into(),
        idempotency_key: None,
        gateway_ref: None,
        checkout_url: None,
        failure_reason: None,
        received_at: "2026-03-29T10:42:00Z".into(),
        device_id: device_id(),
        recorded_by: "Front desk: Chidi".into(),
        receipt_number: Some("RCP-FD1-000017".into()),
    }
}

/// The PDF's pages, each as the lines of text it draws (one text object per
/// line), read back with lopdf through the fonts' ToUnicode maps.
pub fn page_texts(pdf: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(pdf).expect("the PDF parses");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    pages
        .iter()
        .map(|n| doc.extract_text(&[*n]).expect("text extracts"))
        .collect()
}

/// All pages' lines, trimmed.
pub fn lines(pdf: &[u8]) -> Vec<String> {
    page_texts(pdf)
        .iter()
        .flat_map(|page| {
            page.lines()
                .map(|l| l.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Panics unless some drawn line is exactly `expected`.
pub fn assert_line(lines: &[String], expected: &str) {
    assert!(
        lines.iter().any(|l| l == expected),
        "no line {expected:?} in {lines:#?}"
    );
}

/// A PDF file: the header at the start, the end-of-file marker at the end.
pub fn assert_pdf_envelope(pdf: &[u8]) {
    assert!(pdf.starts_with(b"%PDF-"), "starts with %PDF-");
    let end = pdf.trim_ascii_end();
    assert!(end.ends_with(b"%%EOF"), "ends with %%EOF");
}

/// Every `/ActualText` of the PDF's marked content (the logical text of lines
/// drawn shaped or reordered), decoded from UTF-16BE.
pub fn actual_texts(pdf: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(pdf).expect("the PDF parses");
    let mut texts = Vec::new();
    for page in doc.get_pages().values() {
        let content = doc.get_page_content(*page).expect("page content");
        let content = lopdf::content::Content::decode(&content).expect("content decodes");
        for op in content.operations.iter().filter(|op| op.operator == "BDC") {
            let Some(Ok(props)) = op.operands.get(1).map(|o| o.as_dict()) else {
                continue;
            };
            let Ok(bytes) = props.get(b"ActualText").and_then(|t| t.as_str()) else {
                continue;
            };
            let bytes = bytes
                .strip_prefix(&[0xFE, 0xFF])
                .expect("UTF-16BE with BOM");
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect();
            texts.push(String::from_utf16(&units).expect("UTF-16"));
        }
    }
    texts
}

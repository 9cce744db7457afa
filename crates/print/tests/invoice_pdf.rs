//! The invoice PDF read back: its number, patient, every line, the totals in
//! the currency's exact exponent (USD 2, JPY 0, KWD 3), non-Latin names and
//! the naira sign, deterministic bytes, and a long invoice across pages with
//! the table header repeated.
mod common;

use clinic_print::{invoice_pdf, unprintable_chars};
use clinic_protocol::billing::*;
use common::*;

fn usd_invoice() -> InvoiceDetail {
    let consult = line(1, "Consultation, extended (45 min)", 1, 123_456);
    let mut panel = line(2, "Blood panel — full", 2, 4_550);
    panel.service_code = "LAB-FBC".into();
    panel.discount_minor = 910;
    panel.tax = TaxRule {
        name: "VAT".into(),
        rate_bp: 2000,
        mode: TaxMode::Exclusive,
    };
    panel.tax_minor = 1_638;
    panel.total_minor = 9_828;
    panel.patient_minor = 9_828;
    let dressing = line(3, "Dressing kit", 3, 333);
    let mut detail = invoice("USD", "INV-FD1-000042", vec![consult, panel, dressing]);
    let t = &mut detail.invoice.totals;
    assert_eq!(t.total_minor, 134_283);
    t.insurance_minor = 50_000;
    t.patient_minor = 84_283;
    t.paid_minor = 30_000;
    t.balance_minor = 104_283;
    t.patient_balance_minor = 54_283;
    t.insurance_balance_minor = 50_000;
    detail.invoice.status = InvoiceStatus::PartiallyPaid;
    detail
        .payments
        .push(payment(PaymentMethod::Card, 30_000, "USD"));
    detail
}

#[test]
fn a_usd_invoice_prints_its_number_patient_lines_and_exact_totals() {
    let pdf = invoice_pdf(&usd_invoice(), &patient("Amara Okafor"), &letterhead()).unwrap();
    assert_pdf_envelope(&pdf);
    let drawn = lines(&pdf);

    assert_line(&drawn, "INVOICE");
    assert_line(&drawn, "INV-FD1-000042");
    assert_line(&drawn, "Amara Okafor");
    assert_line(&drawn, "MRN: MRN-000731");
    assert_line(&drawn, "Harbourside Family Clinic");
    assert_line(&drawn, "Tax ID: TIN 01234567-0001");
    assert_line(&drawn, "Partially paid");
    // Issued 09:10 UTC is 10:10 in Lagos; the date is the clinic's.
    assert_line(&drawn, "2026-03-29");
    for description in [
        "Consultation, extended (45 min)",
        "Blood panel — full",
        "Dressing kit",
    ] {
        assert!(
            drawn.iter().any(|l| l.contains(description)),
            "line {description:?} missing"
        );
    }
    assert_line(&drawn, "LAB-FBC");
    assert_line(&drawn, "VAT 20%");
    // Line amounts (no sign in the table).
    assert_line(&drawn, "1,234.56");
    assert_line(&drawn, "45.50");
    assert_line(&drawn, "9.10");
    assert_line(&drawn, "16.38");
    assert_line(&drawn, "98.28");
    assert_line(&drawn, "9.99");
    // The totals block, exactly.
    for (label, amount) in [
        ("Subtotal", "$1,335.55"),
        ("Discount", "-$9.10"),
        ("Tax", "$16.38"),
        ("Total", "$1,342.83"),
        ("Insurance portion", "$500.00"),
        ("Patient portion", "$842.83"),
        ("Paid", "-$300.00"),
        ("Balance due", "$1,042.83"),
        ("of which patient", "$542.83"),
        ("of which insurer", "$500.00"),
    ] {
        assert_line(&drawn, label);
        assert_line(&drawn, amount);
    }
    // The payment row: in the clinic's zone, with its receipt number.
    assert_line(&drawn, "2026-03-29 11:42");
    assert_line(&drawn, "RCP-FD1-000017");
    // The footer on the page.
    assert_line(&drawn, "Payment due within 30 days.");
    assert_line(&drawn, "Page 1 of 1");
}

#[test]
fn the_same_invoice_gives_the_same_bytes_and_its_metadata_names_no_patient() {
    let detail = usd_invoice();
    let first = invoice_pdf(&detail, &patient("Amara Okafor"), &letterhead()).unwrap();
    let second = invoice_pdf(&detail, &patient("Amara Okafor"), &letterhead()).unwrap();
    assert_eq!(first, second, "deterministic output");

    let doc = lopdf::Document::load_mem(&first).unwrap();
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let info = doc.get_dictionary(info).unwrap();
    let title = info.get(b"Title").unwrap().as_str().unwrap();
    assert_eq!(title, b"Invoice INV-FD1-000042");
    let created = info.get(b"CreationDate").unwrap().as_str().unwrap();
    assert!(
        created.starts_with(b"D:20260329091000"),
        "creation date is the issue instant: {}",
        String::from_utf8_lossy(created)
    );
    // The name never appears in clear in the file (text is glyph ids in
    // compressed streams; the metadata holds the number only).
    assert!(!first.windows(5).any(|w| w == b"Amara"));
}

#[test]
fn yen_has_no_decimals_and_dinar_has_three() {
    let yen = invoice(
        "JPY",
        "INV-FD1-000043",
        vec![
            line(1, "Consultation", 1, 5_500),
            line(2, "Vaccine dose", 3, 1_234),
        ],
    );
    let pdf = invoice_pdf(&yen, &patient("Sato Haruto"), &letterhead()).unwrap();
    let drawn = lines(&pdf);
    assert_line(&drawn, "¥9,202");
    assert_line(&drawn, "3,702");
    assert_line(&drawn, "JPY (¥)");
    assert!(
        !drawn.iter().any(|l| l.contains("9,202.")),
        "no decimals for yen"
    );

    let mut dose = line(1, "Physiotherapy session", 2, 12_345);
    dose.tax = TaxRule {
        name: "VAT".into(),
        rate_bp: 500,
        mode: TaxMode::Exclusive,
    };
    dose.tax_minor = 1_235;
    dose.total_minor = 25_925;
    dose.patient_minor = 25_925;
    let dinar = invoice("KWD", "INV-FD1-000044", vec![dose]);
    let pdf = invoice_pdf(&dinar, &patient("Noura Al-Sabah"), &letterhead()).unwrap();
    let drawn = lines(&pdf);
    assert_line(&drawn, "12.345");
    assert_line(&drawn, "KWD 24.690");
    assert_line(&drawn, "KWD 1.235");
    assert_line(&drawn, "KWD 25.925");
    assert_line(&drawn, "VAT 5%");
}

#[test]
fn naira_and_greek_cyrillic_arabic_names_survive_as_text() {
    let names = [
        "Αικατερίνη Παπαδοπούλου",
        "Анастасия Кузнецова",
        "فاطمة الزهراء",
        "Chiamaka Ọ̀kọ̀nkwọ́",
    ];
    for name in names {
        assert!(
            unprintable_chars(name).unwrap().is_empty(),
            "{name} is covered"
        );
        let detail = invoice(
            "NGN",
            "INV-FD1-000045",
            vec![line(1, "Antenatal visit — Ἐπίσκεψη / Приём", 1, 4_500_000)],
        );
        let pdf = invoice_pdf(&detail, &patient(name), &letterhead()).unwrap();
        assert_pdf_envelope(&pdf);
        let drawn = lines(&pdf);
        if name.starts_with('ف') {
            // Arabic is drawn joined (presentation forms) right to left; the
            // logical name is kept as the line's /ActualText.
            assert!(actual_texts(&pdf).iter().any(|t| t == name));
            let feh_initial = '\u{FED3}';
            let teh_marbuta_final = '\u{FE94}';
            let shown = drawn
                .iter()
                .find(|l| l.contains(feh_initial))
                .expect("joined");
            assert!(shown.starts_with("ء\u{FE8D}"), "visual order: {shown}");
            assert!(shown.contains(teh_marbuta_final));
        } else {
            assert_line(&drawn, name);
            assert!(actual_texts(&pdf).is_empty(), "no reordering for {name}");
        }
        assert_line(&drawn, "₦45,000.00");
        assert_line(&drawn, "NGN (₦)");
        assert!(drawn.iter().any(|l| l.contains("Ἐπίσκεψη / Приём")));
    }
    // Scripts the font lacks are reported before printing.
    assert_eq!(unprintable_chars("王芳 Wang").unwrap(), vec!['王', '芳']);
}

#[test]
fn a_hundred_and_twenty_lines_span_pages_under_a_repeated_header() {
    let lines_in: Vec<_> = (1..=120)
        .map(|i| line(i, &format!("Service item {i:03}"), 1, 1_000 + i64::from(i)))
        .collect();
    let detail = invoice("USD", "INV-FD1-000046", lines_in);
    let pdf = invoice_pdf(&detail, &patient("Amara Okafor"), &letterhead()).unwrap();
    assert_pdf_envelope(&pdf);
    let pages = page_texts(&pdf);
    assert!(
        pages.len() >= 3,
        "120 lines need several pages, got {}",
        pages.len()
    );
    let count = pages.len();
    for (i, page) in pages.iter().enumerate() {
        let page_lines: Vec<&str> = page.lines().map(str::trim).collect();
        for header in [
            "Description",
            "Qty",
            "Unit price",
            "Discount",
            "Tax",
            "Line total",
        ] {
            assert!(
                page_lines.contains(&header),
                "page {} lacks header {header}",
                i + 1
            );
        }
        let number = format!("Page {} of {count}", i + 1);
        assert!(
            page_lines.contains(&number.as_str()),
            "page {} numbered",
            i + 1
        );
        if i > 0 {
            assert!(
                page_lines.contains(&"Invoice INV-FD1-000046 · Amara Okafor"),
                "continuation page {} names the invoice",
                i + 1
            );
        }
    }
    let all = lines(&pdf);
    for i in 1..=120 {
        let description = format!("Service item {i:03}");
        let seen = all.iter().filter(|l| **l == description).count();
        assert_eq!(seen, 1, "{description} printed once");
    }
    // The totals come after the last line, on the last page.
    let last = pages.last().unwrap();
    assert!(last.contains("Balance due"));
    let total: i64 = (1..=120).map(|i| 1_000 + i).sum();
    assert_eq!(total, 127_260);
    assert!(last.lines().any(|l| l.trim() == "$1,272.60"));
}

#[test]
fn a_void_draft_and_an_unknown_currency_are_handled() {
    let mut detail = invoice("EUR", "unused", vec![line(1, "Consultation", 1, 6_000)]);
    detail.invoice.number = None;
    detail.invoice.status = InvoiceStatus::Void;
    detail.invoice.voided_at = Some("2026-03-29T12:00:00Z".into());
    detail.invoice.void_reason = Some("Entered twice".into());
    let pdf = invoice_pdf(&detail, &patient("Amara Okafor"), &letterhead()).unwrap();
    let drawn = lines(&pdf);
    assert_line(&drawn, "Draft (not issued)");
    assert_line(&drawn, "VOID since 2026-03-29 13:00: Entered twice");
    assert_line(&drawn, "€60.00");

    detail.invoice.currency = String::new();
    let err = invoice_pdf(&detail, &patient("Amara Okafor"), &letterhead()).unwrap_err();
    assert!(err.to_string().contains("unknown currency"));
}

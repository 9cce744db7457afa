//! The end-of-day close read back: the PDF's payments by method, refunds,
//! expected, counted and difference, who closed it and when (and a summary
//! that is marked not closed); the CSV's header, one row per method, RFC 4180
//! quoting and the formula-injection guard, parsed back with a small reader.
mod common;

use clinic_print::{day_close_csv, day_close_pdf};
use clinic_protocol::billing::*;
use common::*;
use uuid::Uuid;

fn summary() -> DaySummary {
    let method = |method, count, amount, refunded| MethodTotal {
        method,
        count,
        amount_minor: amount,
        refunded_minor: refunded,
    };
    DaySummary {
        date: "2026-03-29".into(),
        device_id: device_id(),
        currency: "EUR".into(),
        by_method: vec![
            method(PaymentMethod::Cash, 4, 25_000, 1_500),
            method(PaymentMethod::Card, 3, 42_000, 0),
            method(PaymentMethod::BankTransfer, 1, 10_000, 0),
            method(PaymentMethod::InsuranceRemittance, 0, 0, 0),
        ],
        opening_float_minor: 10_000,
        expected_cash_minor: 33_500,
        pending_count: 2,
    }
}

fn close() -> DayClose {
    DayClose {
        id: DayCloseId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_3001)),
        summary: summary(),
        counted_cash_minor: 33_000,
        difference_minor: -500,
        version: 2,
        note: "Recount: \"one €5 note\" missing, drawer 2\n=HYPERLINK(\"http://x\")".into(),
        closed_at: "2026-03-29T17:05:00Z".into(),
        closed_by: "@desk-lead, Ngozi".into(),
    }
}

#[test]
fn the_close_pdf_prints_methods_cash_and_who_closed_it() {
    let pdf = day_close_pdf(&close(), &letterhead()).unwrap();
    assert_pdf_envelope(&pdf);
    let drawn = lines(&pdf);
    assert_line(&drawn, "END-OF-DAY CLOSE");
    assert_line(&drawn, "2026-03-29");
    assert_line(&drawn, &device_id().to_string());
    assert_line(&drawn, "version 2");
    for method in [
        "Cash",
        "Card",
        "Bank transfer",
        "Insurance remittance",
        "Total",
    ] {
        assert_line(&drawn, method);
    }
    // Cash: taken, refunded, net; card; bank; totals (8 payments, 770.00 taken, 755.00 net).
    for amount in [
        "250.00", "15.00", "235.00", "420.00", "100.00", "770.00", "755.00",
    ] {
        assert_line(&drawn, amount);
    }
    assert_line(&drawn, "8");
    for (label, amount) in [
        ("Opening float", "€100.00"),
        ("Cash taken", "€250.00"),
        ("Cash refunded", "-€15.00"),
        ("Expected cash", "€335.00"),
        ("Counted cash", "€330.00"),
        ("Difference", "-€5.00 (short)"),
    ] {
        assert_line(&drawn, label);
        assert_line(&drawn, amount);
    }
    assert!(drawn
        .iter()
        .any(|l| l.starts_with("2 card payment(s) still pending")));
    assert_line(&drawn, "@desk-lead, Ngozi");
    assert_line(&drawn, "2026-03-29 18:05");
    assert!(drawn.iter().any(|l| l.contains("one €5 note")));
    assert_line(&drawn, "Counted and closed by");
    assert_eq!(pdf, day_close_pdf(&close(), &letterhead()).unwrap());
}

#[test]
fn a_summary_prints_as_not_closed_with_blanks_to_count() {
    let pdf = day_close_pdf(&summary(), &letterhead()).unwrap();
    assert_pdf_envelope(&pdf);
    let drawn = lines(&pdf);
    assert_line(&drawn, "DAY SUMMARY (NOT CLOSED)");
    assert!(!drawn.iter().any(|l| l == "END-OF-DAY CLOSE"));
    assert_line(&drawn, "€335.00");
    assert_line(&drawn, "____________");
    assert!(!drawn.iter().any(|l| l == "Closed by"));
}

/// An RFC 4180 reader: rows of fields (quoted fields may hold commas, quotes
/// doubled, and line breaks); rows end with CRLF.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CRLF line ends");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "the last row ends with CRLF"
    );
    rows
}

#[test]
fn the_close_csv_has_a_header_one_row_per_method_and_safe_cells() {
    let csv = day_close_csv(&close()).unwrap();
    let rows = parse_csv(&csv);
    let header = [
        "date",
        "desk",
        "currency",
        "method",
        "payments",
        "taken",
        "refunded",
        "net",
        "opening_float",
        "expected_cash",
        "counted_cash",
        "difference",
        "over_short",
        "pending_card_payments",
        "version",
        "closed_at",
        "closed_by",
        "note",
    ];
    assert_eq!(rows[0], header);
    assert_eq!(rows.len(), 5, "header + one row per method");
    assert!(
        rows.iter().all(|r| r.len() == header.len()),
        "every row is complete"
    );
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let methods: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r[col("method")].as_str())
        .collect();
    assert_eq!(
        methods,
        ["cash", "card", "bank_transfer", "insurance_remittance"]
    );

    let cash = &rows[1];
    assert_eq!(cash[col("date")], "2026-03-29");
    assert_eq!(cash[col("desk")], device_id().to_string());
    assert_eq!(cash[col("currency")], "EUR");
    assert_eq!(cash[col("payments")], "4");
    assert_eq!(cash[col("taken")], "250.00");
    assert_eq!(cash[col("refunded")], "15.00");
    assert_eq!(cash[col("net")], "235.00");
    assert_eq!(cash[col("opening_float")], "100.00");
    assert_eq!(cash[col("expected_cash")], "335.00");
    assert_eq!(cash[col("counted_cash")], "330.00");
    // A negative amount stays a number (not guarded as a formula).
    assert_eq!(cash[col("difference")], "-5.00");
    assert_eq!(cash[col("over_short")], "short");
    assert_eq!(cash[col("version")], "2");
    assert_eq!(cash[col("closed_at")], "2026-03-29T17:05:00Z");
    // User text that a spreadsheet would run is prefixed with a quote, and
    // commas, quotes and line breaks survive the quoting.
    assert_eq!(cash[col("closed_by")], "'@desk-lead, Ngozi");
    assert_eq!(
        cash[col("note")],
        "Recount: \"one €5 note\" missing, drawer 2\n=HYPERLINK(\"http://x\")"
    );
    let card = &rows[2];
    assert_eq!(card[col("pending_card_payments")], "2");
    assert_eq!(card[col("taken")], "420.00");
    assert_eq!(
        card[col("expected_cash")],
        "",
        "the drawer is on the cash row only"
    );
    assert_eq!(card[col("counted_cash")], "");
    assert_eq!(rows[4][col("taken")], "0.00");
    // The raw text: CRLF rows and the quoting as RFC 4180 writes it.
    assert!(csv.starts_with("date,desk,currency,method,"));
    assert!(csv.contains(",\"'@desk-lead, Ngozi\","));
    assert!(csv.contains(
        "\"Recount: \"\"one €5 note\"\" missing, drawer 2\n=HYPERLINK(\"\"http://x\"\")\""
    ));
}

#[test]
fn formula_cells_are_guarded_wherever_they_start() {
    let mut close = close();
    close.note = "-2+3+cmd|' /C calc'!A0".into();
    close.closed_by = "=1+1".into();
    let rows = parse_csv(&day_close_csv(&close).unwrap());
    assert_eq!(rows[1][17], "'-2+3+cmd|' /C calc'!A0");
    assert_eq!(rows[1][16], "'=1+1");
    close.note = "+44 20 7946 0000".into();
    close.closed_by = "\tTabbed".into();
    let rows = parse_csv(&day_close_csv(&close).unwrap());
    assert_eq!(rows[1][17], "'+44 20 7946 0000");
    assert_eq!(rows[1][16], "'\tTabbed");
}

#[test]
fn a_summary_csv_leaves_the_count_blank_and_jpy_has_no_decimals() {
    let mut summary = summary();
    summary.currency = "JPY".into();
    summary.expected_cash_minor = 33_500;
    let rows = parse_csv(&day_close_csv(&summary).unwrap());
    assert_eq!(rows[1][9], "33500");
    assert_eq!(rows[1][5], "25000");
    assert_eq!(rows[1][10], "", "not counted yet");
    assert_eq!(rows[1][11], "");
    assert_eq!(rows[1][14], "", "no version before a close");
    summary.currency = "XYZ".into();
    assert!(day_close_csv(&summary).is_err());
}

//! The end-of-day close as CSV (RFC 4180: comma-separated, CRLF line ends,
//! fields with a comma, quote or line break quoted with quotes doubled): a
//! header row, then one row per payment method. Each row repeats the day's
//! facts (date, desk, currency, version, who closed it and when, the note) so
//! closes of many days concatenate into one sheet; the cash row also carries
//! the drawer (opening float, expected, counted, difference), the card row the
//! pending card payments.
//!
//! Invariants: amounts are plain decimals with the currency's exponent
//! (`1234.50`, `-0.05`), no grouping and no sign; a cell that a spreadsheet
//! would run as a formula (starting `=`, `+`, `-`, `@`, tab or CR) is prefixed
//! with `'` unless it is exactly a decimal number that we wrote.
use crate::amounts::Currency;
use crate::day_close::{difference_word, DaySheet};
use crate::Result;
use clinic_protocol::billing::PaymentMethod;

/// The header row's columns, in order.
pub(crate) const COLUMNS: [&str; 18] = [
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

/// The day's close (or summary: the count columns left blank) as CSV text.
pub fn day_close_csv<'a>(day: impl Into<DaySheet<'a>>) -> Result<String> {
    let day = day.into();
    let summary = day.summary();
    let close = day.close();
    let money = Currency::of(&summary.currency)?;
    let mut out = String::new();
    push_row(&mut out, COLUMNS.iter().map(|c| (*c).to_owned()));
    for m in &summary.by_method {
        let is_cash = m.method == PaymentMethod::Cash;
        let drawer = |value: String| if is_cash { value } else { String::new() };
        let counted = |value: String| {
            if is_cash && close.is_some() {
                value
            } else {
                String::new()
            }
        };
        let row = [
            summary.date.clone(),
            summary.device_id.to_string(),
            money.code().to_owned(),
            m.method.as_str().to_owned(),
            m.count.to_string(),
            money.plain(m.amount_minor),
            money.plain(m.refunded_minor),
            money.plain(m.amount_minor - m.refunded_minor),
            drawer(money.plain(summary.opening_float_minor)),
            drawer(money.plain(summary.expected_cash_minor)),
            counted(close.map_or(String::new(), |c| money.plain(c.counted_cash_minor))),
            counted(close.map_or(String::new(), |c| money.plain(c.difference_minor))),
            counted(close.map_or(String::new(), |c| {
                difference_word(c.difference_minor).to_owned()
            })),
            if m.method == PaymentMethod::Card {
                summary.pending_count.to_string()
            } else {
                String::new()
            },
            close.map_or(String::new(), |c| c.version.to_string()),
            close.map_or(String::new(), |c| c.closed_at.clone()),
            close.map_or(String::new(), |c| c.closed_by.clone()),
            close.map_or(String::new(), |c| c.note.clone()),
        ];
        push_row(&mut out, row);
    }
    Ok(out)
}

fn push_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&field(&cell));
    }
    out.push_str("\r\n");
}

/// One field: guarded against formulas, then quoted when RFC 4180 needs it.
pub(crate) fn field(value: &str) -> String {
    let guarded = if starts_a_formula(value) && !is_decimal(value) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn starts_a_formula(value: &str) -> bool {
    value.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// `-12`, `-0.05`: a number as we write amounts (safe in a spreadsheet).
fn is_decimal(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let (int, frac) = match digits.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(int) && frac.is_none_or(all_digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_guarded() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=1+1"), "'=1+1");
        assert_eq!(field("-2+3+cmd|' /C calc'!A0"), "'-2+3+cmd|' /C calc'!A0");
        assert_eq!(field("-0.05"), "-0.05");
        assert_eq!(field("-"), "'-");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("=A1,B1"), "\"'=A1,B1\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}

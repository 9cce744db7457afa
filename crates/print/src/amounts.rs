//! Money as printed text: integer minor units to exact decimals with the
//! currency's ISO 4217 exponent (USD `1,234.56`, JPY `1,235`, KWD `1.234`),
//! with the currency's sign where it has a well-known one (`₦1,234.56`,
//! `KSh 1,234.56`) or its code (`KWD 1.234`).
//!
//! Invariants: the digits come from the core's table
//! (`clinic_core::billing::money`) and the decimal from its `format_minor`;
//! nothing is a float. Grouping is by thousands with `,` and the point is `.`
//! (locale-free: the documents are not localized yet). CSV cells use the plain
//! decimal with no grouping and no sign ([`format_plain_amount`]).
use crate::{PrintError, Result};
use clinic_core::billing::money::{format_minor, minor_digits};

/// A currency's sign and whether a space separates it from the number. Every
/// sign here has a glyph in the embedded font (a test checks).
#[rustfmt::skip]
pub(crate) const SIGNS: &[(&str, &str, bool)] = &[
    ("AUD", "A$", false), ("BRL", "R$", false), ("CAD", "CA$", false), ("CNY", "CN¥", false),
    ("EUR", "€", false), ("GBP", "£", false), ("GHS", "₵", false), ("ILS", "₪", false),
    ("INR", "₹", false), ("JPY", "¥", false), ("KES", "KSh", true), ("KRW", "₩", false),
    ("MXN", "MX$", false), ("NGN", "₦", false), ("NZD", "NZ$", false), ("PHP", "₱", false),
    ("PKR", "Rs", true), ("RUB", "₽", false), ("THB", "฿", false), ("TRY", "₺", false),
    ("TZS", "TSh", true), ("UAH", "₴", false), ("UGX", "USh", true), ("USD", "$", false),
    ("VND", "₫", false), ("ZAR", "R", true),
];

/// A document's currency: its code and exponent.
#[derive(Clone, Debug)]
pub(crate) struct Currency {
    code: String,
    digits: u8,
}

impl Currency {
    /// The currency of an ISO 4217 code the core knows.
    pub(crate) fn of(code: &str) -> Result<Self> {
        let digits =
            minor_digits(code).ok_or_else(|| PrintError::UnknownCurrency(code.to_owned()))?;
        Ok(Self {
            code: code.to_owned(),
            digits,
        })
    }

    pub(crate) fn code(&self) -> &str {
        &self.code
    }

    /// `1,234.56` (no sign): table cells under a header naming the currency.
    pub(crate) fn grouped(&self, minor: i64) -> String {
        group_thousands(&format_minor(minor, self.digits))
    }

    /// `$1,234.56`, `-₦500.00`, `KWD 1.234`: totals and single amounts.
    pub(crate) fn signed(&self, minor: i64) -> String {
        let number = self.grouped(minor.saturating_abs());
        let minus = if minor < 0 { "-" } else { "" };
        match SIGNS.iter().find(|(code, _, _)| *code == self.code) {
            Some((_, sign, false)) => format!("{minus}{sign}{number}"),
            Some((_, sign, true)) => format!("{minus}{sign} {number}"),
            None => format!("{minus}{} {number}", self.code),
        }
    }

    /// `1234.56`: CSV cells.
    pub(crate) fn plain(&self, minor: i64) -> String {
        format_minor(minor, self.digits)
    }

    /// How table headers name the currency: `USD ($)`, `KWD`.
    pub(crate) fn caption(&self) -> String {
        match SIGNS.iter().find(|(code, _, _)| *code == self.code) {
            Some((_, sign, _)) => format!("{} ({sign})", self.code),
            None => self.code.clone(),
        }
    }
}

/// Groups the integer part of a plain decimal by thousands: `-1234567.5` →
/// `-1,234,567.5`.
fn group_thousands(plain: &str) -> String {
    let (sign, rest) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (rest, None),
    };
    let mut grouped = String::with_capacity(plain.len() + int.len() / 3);
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match frac {
        Some(frac) => format!("{sign}{grouped}.{frac}"),
        None => format!("{sign}{grouped}"),
    }
}

/// An amount as the documents print it, with the currency's sign or code:
/// `format_amount(123456, "USD")` is `"$1,234.56"`, JPY `1235` is `"¥1,235"`,
/// KWD `1234` is `"KWD 1.234"`.
pub fn format_amount(minor: i64, currency: &str) -> Result<String> {
    Ok(Currency::of(currency)?.signed(minor))
}

/// An amount as the CSV prints it: the plain decimal (`"1234.56"`, `"-0.05"`).
pub fn format_plain_amount(minor: i64, currency: &str) -> Result<String> {
    Ok(Currency::of(currency)?.plain(minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_thousands_with_the_exponent() {
        assert_eq!(group_thousands("0.05"), "0.05");
        assert_eq!(group_thousands("-1234567.50"), "-1,234,567.50");
        assert_eq!(group_thousands("123"), "123");
        assert_eq!(group_thousands("1000"), "1,000");
        assert_eq!(format_amount(123_456, "USD").unwrap(), "$1,234.56");
        assert_eq!(format_amount(1_235, "JPY").unwrap(), "¥1,235");
        assert_eq!(format_amount(1_234, "KWD").unwrap(), "KWD 1.234");
        assert_eq!(format_amount(-5, "NGN").unwrap(), "-₦0.05");
        assert_eq!(format_amount(250_000, "KES").unwrap(), "KSh 2,500.00");
        assert!(format_amount(1, "").is_err());
    }
}

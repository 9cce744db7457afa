//! Money arithmetic: ISO 4217 currencies and their minor-unit digits, half-even
//! rounding of integer ratios, percentages in basis points, and a plain
//! (locale-free) formatter for tests and receipts' data.
//!
//! Invariants: amounts are `i64` minor units and every intermediate product is
//! computed in `i128`, so nothing overflows and nothing is ever a float;
//! rounding is half-even ("banker's"): an exact half goes to the even neighbour,
//! so rounding errors do not drift one way over many lines.

/// The largest amount accepted anywhere (a price, a payment, a line's gross):
/// 10^12 minor units (ten billion dollars). Sums of up to [`super::MAX_LINES`]
/// lines stay far inside `i64`.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000;
/// 100 % in basis points.
pub const FULL_BP: u32 = 10_000;

/// ISO 4217 codes in use and the digits of their minor unit. Codes not listed
/// here are refused (funds codes and precious metals are left out). Sorted.
#[rustfmt::skip]
pub const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2), ("AFN", 2), ("ALL", 2), ("AMD", 2), ("ANG", 2), ("AOA", 2), ("ARS", 2),
    ("AUD", 2), ("AWG", 2), ("AZN", 2), ("BAM", 2), ("BBD", 2), ("BDT", 2), ("BGN", 2),
    ("BHD", 3), ("BIF", 0), ("BMD", 2), ("BND", 2), ("BOB", 2), ("BRL", 2), ("BSD", 2),
    ("BTN", 2), ("BWP", 2), ("BYN", 2), ("BZD", 2), ("CAD", 2), ("CDF", 2), ("CHF", 2),
    ("CLP", 0), ("CNY", 2), ("COP", 2), ("CRC", 2), ("CUP", 2), ("CVE", 2), ("CZK", 2),
    ("DJF", 0), ("DKK", 2), ("DOP", 2), ("DZD", 2), ("EGP", 2), ("ERN", 2), ("ETB", 2),
    ("EUR", 2), ("FJD", 2), ("FKP", 2), ("GBP", 2), ("GEL", 2), ("GHS", 2), ("GIP", 2),
    ("GMD", 2), ("GNF", 0), ("GTQ", 2), ("GYD", 2), ("HKD", 2), ("HNL", 2), ("HTG", 2),
    ("HUF", 2), ("IDR", 2), ("ILS", 2), ("INR", 2), ("IQD", 3), ("IRR", 2), ("ISK", 0),
    ("JMD", 2), ("JOD", 3), ("JPY", 0), ("KES", 2), ("KGS", 2), ("KHR", 2), ("KMF", 0),
    ("KPW", 2), ("KRW", 0), ("KWD", 3), ("KYD", 2), ("KZT", 2), ("LAK", 2), ("LBP", 2),
    ("LKR", 2), ("LRD", 2), ("LSL", 2), ("LYD", 3), ("MAD", 2), ("MDL", 2), ("MGA", 2),
    ("MKD", 2), ("MMK", 2), ("MNT", 2), ("MOP", 2), ("MRU", 2), ("MUR", 2), ("MVR", 2),
    ("MWK", 2), ("MXN", 2), ("MYR", 2), ("MZN", 2), ("NAD", 2), ("NGN", 2), ("NIO", 2),
    ("NOK", 2), ("NPR", 2), ("NZD", 2), ("OMR", 3), ("PAB", 2), ("PEN", 2), ("PGK", 2),
    ("PHP", 2), ("PKR", 2), ("PLN", 2), ("PYG", 0), ("QAR", 2), ("RON", 2), ("RSD", 2),
    ("RUB", 2), ("RWF", 0), ("SAR", 2), ("SBD", 2), ("SCR", 2), ("SDG", 2), ("SEK", 2),
    ("SGD", 2), ("SHP", 2), ("SLE", 2), ("SOS", 2), ("SRD", 2), ("SSP", 2), ("STN", 2),
    ("SVC", 2), ("SYP", 2), ("SZL", 2), ("THB", 2), ("TJS", 2), ("TMT", 2), ("TND", 3),
    ("TOP", 2), ("TRY", 2), ("TTD", 2), ("TWD", 2), ("TZS", 2), ("UAH", 2), ("UGX", 0),
    ("USD", 2), ("UYU", 2), ("UZS", 2), ("VES", 2), ("VND", 0), ("VUV", 0), ("WST", 2),
    ("XAF", 0), ("XCD", 2), ("XOF", 0), ("XPF", 0), ("YER", 2), ("ZAR", 2), ("ZMW", 2),
    ("ZWG", 2),
];

/// The minor-unit digits of a known ISO 4217 code (exact, upper case).
pub fn minor_digits(code: &str) -> Option<u8> {
    CURRENCIES
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .map(|i| CURRENCIES[i].1)
}

/// A submitted code trimmed and upper-cased, if it is a known currency.
pub fn normalize_currency(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    minor_digits(&code).map(|_| code)
}

/// `n / d` rounded half to even (`d > 0`).
pub fn div_half_even(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0);
    let q = n.div_euclid(d);
    let r = n.rem_euclid(d);
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => {
            if q % 2 == 0 {
                q
            } else {
                q + 1
            }
        }
    }
}

/// `basis_points` of `amount`, rounded half-even (`amount` within
/// [`MAX_AMOUNT_MINOR`] × a few, `basis_points` ≤ 100 %).
pub fn percent_of(amount: i64, basis_points: u32) -> i64 {
    div_half_even(
        i128::from(amount) * i128::from(basis_points),
        i128::from(FULL_BP),
    ) as i64
}

/// The tax included in a tax-inclusive `amount` at `rate_bp`:
/// `amount × rate / (1 + rate)`, rounded half-even.
pub fn included_tax(amount: i64, rate_bp: u32) -> i64 {
    div_half_even(
        i128::from(amount) * i128::from(rate_bp),
        i128::from(FULL_BP) + i128::from(rate_bp),
    ) as i64
}

/// `amount` minor units as a plain decimal (`1234`, 2 digits → `"12.34"`;
/// `-5`, 2 → `"-0.05"`; JPY `500`, 0 → `"500"`). No grouping, no symbol: the
/// UI formats for the clinic's locale.
pub fn format_minor(amount: i64, digits: u8) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    if digits == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(u32::from(digits));
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = usize::from(digits)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_knows_the_odd_exponents() {
        assert!(CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(minor_digits("JPY"), Some(0));
        assert_eq!(minor_digits("USD"), Some(2));
        assert_eq!(minor_digits("KWD"), Some(3));
        assert_eq!(minor_digits("XXX"), None);
        assert_eq!(normalize_currency(" eur "), Some("EUR".into()));
        assert_eq!(normalize_currency("EURO"), None);
    }

    #[test]
    fn halves_round_to_even() {
        assert_eq!(div_half_even(5, 2), 2);
        assert_eq!(div_half_even(7, 2), 4);
        assert_eq!(div_half_even(-5, 2), -2);
        assert_eq!(div_half_even(-7, 2), -4);
        assert_eq!(div_half_even(10, 4), 2);
        assert_eq!(div_half_even(11, 4), 3);
        // 12.5 % of 100 = 12.5 → 12; of 300 = 37.5 → 38.
        assert_eq!(percent_of(100, 1250), 12);
        assert_eq!(percent_of(300, 1250), 38);
        // 20 % VAT inside 120.00 is 20.00.
        assert_eq!(included_tax(12_000, 2000), 2000);
    }

    #[test]
    fn formats_by_the_currency_digits() {
        assert_eq!(format_minor(1234, 2), "12.34");
        assert_eq!(format_minor(-5, 2), "-0.05");
        assert_eq!(format_minor(500, 0), "500");
        assert_eq!(format_minor(1_000, 3), "1.000");
    }
}

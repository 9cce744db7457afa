//! Exact money for [`super::Flutterwave`]: Flutterwave's JSON carries amounts in
//! major units (`72.5` NGN) while ours are integer minor units, so nothing here
//! ever goes through floating point:
//! - [`minor_digits`]: the minor digits (ISO 4217) of the currencies taken;
//! - [`major_text`] / [`parse_major`]: minor units to the exact decimal text and
//!   back (more non-zero decimals than the currency has, an exponent or a sign
//!   is refused: the caller reports it as Malformed);
//! - [`parse_exact`]: reads a JSON body keeping every number as its text (a
//!   `Value::String`), since serde_json (without `arbitrary_precision`) would
//!   read `72.5` into an f64;
//! - [`body_with_amount`]: a request body with `"amount":<exact text>`.
use serde_json::Value;

/// The currencies this adapter takes and their minor digits (ISO 4217).
const CURRENCIES: &[(&str, u32)] = &[
    ("NGN", 2),
    ("GHS", 2),
    ("KES", 2),
    ("ZAR", 2),
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("TZS", 2),
    ("ZMW", 2),
    ("MWK", 2),
    ("EGP", 2),
    ("MAD", 2),
    ("UGX", 0),
    ("RWF", 0),
    ("XAF", 0),
    ("XOF", 0),
];

/// The minor digits of `currency` (any case), if it is one of [`CURRENCIES`].
pub(crate) fn minor_digits(currency: &str) -> Option<u32> {
    CURRENCIES
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(currency))
        .map(|&(_, digits)| digits)
}

/// `7250, 2` → `72.50`; `5000, 0` → `5000`. None for a negative amount.
pub(crate) fn major_text(minor: i64, digits: u32) -> Option<String> {
    if minor < 0 {
        return None;
    }
    if digits == 0 {
        return Some(minor.to_string());
    }
    let scale = 10i64.checked_pow(digits)?;
    Some(format!(
        "{}.{:0width$}",
        minor / scale,
        minor % scale,
        width = digits as usize
    ))
}

/// `72.5`, `2` → 7250. Plain decimals only (`123`, `72.50`): decimals beyond
/// `digits` must be zeros (`72.500` is exact; `72.505` is refused), no sign, no
/// exponent, no overflow.
pub(crate) fn parse_major(text: &str, digits: u32) -> Option<i64> {
    let (whole, fraction) = match text.split_once('.') {
        Some((_, "")) => return None,
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let digits = digits as usize;
    let (kept, extra) = fraction.split_at(fraction.len().min(digits));
    if extra.bytes().any(|b| b != b'0') {
        return None;
    }
    let padding = std::iter::repeat_n(b'0', digits - kept.len());
    whole
        .bytes()
        .chain(kept.bytes())
        .chain(padding)
        .try_fold(0i64, |n, b| {
            n.checked_mul(10)?.checked_add(i64::from(b - b'0'))
        })
}

/// Parses a JSON body with every number turned into a string of its exact text
/// (`{"amount":72.5}` reads as `{"amount":"72.5"}`). None when it is not JSON.
pub(crate) fn parse_exact(raw: &[u8]) -> Option<Value> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 8 + 2);
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < raw.len() && raw[i] != b'"' {
                    i += if raw[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.extend_from_slice(raw.get(start..i)?);
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < raw.len()
                    && matches!(raw[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                let number = &raw[start..i];
                if !is_json_number(number) {
                    return None;
                }
                out.push(b'"');
                out.extend_from_slice(number);
                out.push(b'"');
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    serde_json::from_slice(&out).ok()
}

/// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_json_number(text: &[u8]) -> bool {
    let mut rest = text.strip_prefix(b"-").unwrap_or(text);
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let whole = digits(rest);
    if whole == 0 || (whole > 1 && rest[0] == b'0') {
        return false;
    }
    rest = &rest[whole..];
    if let Some(after) = rest.strip_prefix(b".") {
        let n = digits(after);
        if n == 0 {
            return false;
        }
        rest = &after[n..];
    }
    if let Some(after) = rest.strip_prefix(b"e").or_else(|| rest.strip_prefix(b"E")) {
        let after = after
            .strip_prefix(b"+")
            .or_else(|| after.strip_prefix(b"-"))
            .unwrap_or(after);
        let n = digits(after);
        if n == 0 {
            return false;
        }
        rest = &after[n..];
    }
    rest.is_empty()
}

/// `fields` (a JSON object without `amount`) as bytes with `"amount":<amount>`
/// first, `amount` written as given: the exact decimal text of [`major_text`].
pub(crate) fn body_with_amount(fields: &Value, amount: &str) -> Vec<u8> {
    debug_assert!(fields.is_object() && fields.get("amount").is_none());
    debug_assert!(is_json_number(amount.as_bytes()));
    let rest = serde_json::to_string(fields).unwrap_or_else(|_| "{}".into());
    let inner = rest.strip_prefix('{').unwrap_or("}");
    let separator = if inner == "}" { "" } else { "," };
    format!("{{\"amount\":{amount}{separator}{inner}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn minor_units_become_exact_decimal_text_and_back() {
        assert_eq!(major_text(7250, 2).as_deref(), Some("72.50"));
        assert_eq!(major_text(5, 2).as_deref(), Some("0.05"));
        assert_eq!(major_text(5000, 0).as_deref(), Some("5000"));
        assert_eq!(major_text(-1, 2), None);
        assert_eq!(parse_major("72.5", 2), Some(7250));
        assert_eq!(parse_major("72.50", 2), Some(7250));
        assert_eq!(parse_major("72.500", 2), Some(7250));
        assert_eq!(parse_major("0.05", 2), Some(5));
        assert_eq!(parse_major("5000", 0), Some(5000));
        assert_eq!(parse_major("5000.0", 0), Some(5000));
        for bad in [
            "72.505", "5000.5", "-1", "+1", "7.25e1", "72.", ".5", "", "1,5", "NaN",
        ] {
            let digits = if bad.starts_with("5000") { 0 } else { 2 };
            assert_eq!(parse_major(bad, digits), None, "{bad}");
        }
        assert_eq!(parse_major("92233720368547758.08", 2), None, "overflow");
        for minor in [0, 1, 99, 100, 7250, 123_456_789, i64::MAX / 10] {
            for digits in [0, 2] {
                let text = major_text(minor, digits).unwrap();
                assert_eq!(parse_major(&text, digits), Some(minor), "{text}");
            }
        }
    }

    #[test]
    fn currencies_have_their_iso_digits() {
        assert_eq!(minor_digits("ngn"), Some(2));
        assert_eq!(minor_digits("UGX"), Some(0));
        assert_eq!(minor_digits("XOF"), Some(0));
        assert_eq!(minor_digits("TZS"), Some(2));
        assert_eq!(minor_digits("JPY"), None);
    }

    #[test]
    fn numbers_are_read_as_their_text() {
        let body = br#"{"status":"success","data":{"id":42,"amount":72.50,"fee":-0.1,"s":"1.5 \" 2","ok":true,"n":null,"list":[1,2e3]}}"#;
        let value = parse_exact(body).unwrap();
        assert_eq!(value["data"]["id"], "42");
        assert_eq!(value["data"]["amount"], "72.50");
        assert_eq!(value["data"]["fee"], "-0.1");
        assert_eq!(value["data"]["s"], "1.5 \" 2");
        assert_eq!(value["data"]["ok"], true);
        assert!(value["data"]["n"].is_null());
        assert_eq!(value["data"]["list"], json!(["1", "2e3"]));
        for bad in [
            &b"{\"a\":01}"[..],
            b"{\"a\":1.}",
            b"{\"a\":--1}",
            b"{\"a\":1e}",
            b"{\"a\":\"x",
            b"nope",
        ] {
            assert_eq!(parse_exact(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn bodies_carry_the_amount_text_exactly() {
        let body = body_with_amount(&json!({"tx_ref": "k1", "currency": "NGN"}), "72.50");
        let text = String::from_utf8(body.clone()).unwrap();
        assert!(text.starts_with("{\"amount\":72.50,"), "{text}");
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["tx_ref"], "k1");
        assert_eq!(parse_exact(&body).unwrap()["amount"], "72.50");
        assert_eq!(body_with_amount(&json!({}), "5000"), b"{\"amount\":5000}");
    }
}

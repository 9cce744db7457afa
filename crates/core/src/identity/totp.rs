//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1,
//! 6 digits, 30-second steps — the defaults every authenticator app supports.
//!
//! Invariants: secrets are 160 random bits, shown once (base32) at enrollment and
//! never logged; a code is accepted for the current step ±1 (clock drift) and a
//! step already used on this device is not accepted again.
use hmac::{Hmac, Mac};
use sha1::Sha1;
use zeroize::Zeroizing;

pub const DIGITS: u32 = 6;
pub const PERIOD_SECS: u32 = 30;
/// Steps accepted either side of the current one.
pub const SKEW_STEPS: i64 = 1;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A fresh 160-bit secret, base32.
pub(crate) fn new_secret() -> Result<Zeroizing<String>, crate::CoreError> {
    let mut bytes = Zeroizing::new([0u8; 20]);
    getrandom::fill(bytes.as_mut())
        .map_err(|_| crate::CoreError::Corrupt("no OS random source for a secret".into()))?;
    Ok(Zeroizing::new(base32_encode(bytes.as_ref())))
}

/// RFC 4648 base32 without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes base32 (case-insensitive; spaces and padding ignored).
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = BASE32
            .iter()
            .position(|&b| b as char == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The HOTP value of `secret` at counter `step`, `DIGITS` digits.
pub fn code_at(secret: &[u8], step: u64) -> u32 {
    // HMAC accepts keys of any length; new_from_slice cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return u32::MAX;
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let binary = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    binary % 10u32.pow(DIGITS)
}

/// The time step of Unix time `unix_secs`.
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(i64::from(PERIOD_SECS))
}

/// The step `code` matches at `unix_secs` (±`SKEW_STEPS`), excluding steps at or
/// before `last_used_step`; `None` when it matches none.
pub(crate) fn verify(
    secret_base32: &str,
    code: &str,
    unix_secs: i64,
    last_used_step: Option<i64>,
) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let given: u32 = code.parse().ok()?;
    let secret = Zeroizing::new(base32_decode(secret_base32)?);
    let now = step_at(unix_secs);
    let mut matched = None;
    // Check every candidate (no early return) so timing does not say which matched.
    for step in (now - SKEW_STEPS)..=(now + SKEW_STEPS) {
        if step < 0 || last_used_step.is_some_and(|last| step <= last) {
            continue;
        }
        if code_at(&secret, step as u64) == given && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

/// `otpauth://totp/{issuer}:{account}?secret=..&issuer=..` for a QR code.
pub(crate) fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret_base32}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={PERIOD_SECS}",
        account = percent_encode(account),
    )
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B (SHA-1 secret "12345678901234567890"), last 6 digits.
    #[test]
    fn rfc6238_vectors() {
        let secret = b"12345678901234567890";
        for (t, expected) in [
            (59, 287_082),
            (1_111_111_109, 81_804),
            (1_111_111_111, 50_471),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
        ] {
            assert_eq!(code_at(secret, step_at(t) as u64), expected, "t={t}");
        }
    }

    #[test]
    fn base32_round_trips() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw6ytboi======").unwrap(), b"foobar");
        let s = new_secret().unwrap();
        assert_eq!(s.len(), 32);
        assert_eq!(base32_decode(&s).unwrap().len(), 20);
        assert!(base32_decode("not base32!").is_none());
    }

    #[test]
    fn accepts_one_step_of_drift_and_refuses_reuse() {
        let secret = base32_encode(b"12345678901234567890");
        let t = 1_111_111_109;
        let code = format!("{:06}", code_at(b"12345678901234567890", step_at(t) as u64));
        let step = verify(&secret, &code, t, None).unwrap();
        assert_eq!(verify(&secret, &code, t + 30, None), Some(step));
        assert_eq!(verify(&secret, &code, t - 30, None), Some(step));
        assert_eq!(verify(&secret, &code, t + 90, None), None);
        assert_eq!(verify(&secret, &code, t, Some(step)), None);
        assert_eq!(verify(&secret, "12345", t, None), None);
    }

    #[test]
    fn uri_escapes_the_label() {
        let uri = otpauth_uri("St Mary's Clinic", "ada", "ABC");
        assert!(uri.starts_with("otpauth://totp/St%20Mary%27s%20Clinic:ada?secret=ABC&"));
    }
}

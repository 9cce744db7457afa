//! Device tokens and enrollment codes: generation, normalization and hashing.
//!
//! Both are high-entropy random secrets (256-bit tokens, 100-bit codes), so a plain
//! SHA-256 is the right stored form (no slow KDF needed: nothing to brute-force).
//! The plaintext exists only in the response or CLI output that hands it out; it is
//! never stored or logged.
use crate::store::SecretHash;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Crockford base32: no I, L, O, U, so codes survive being read aloud or typed.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of an enrollment code (5 bits each: 100 bits).
const CODE_CHARS: usize = 20;
/// Length of a device token: base64url (no padding) of 32 bytes.
const TOKEN_CHARS: usize = 43;

/// How long an enrollment code stays usable.
pub const CODE_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

fn random_bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

fn sha256_hex(bytes: &[u8]) -> SecretHash {
    SecretHash(hex::encode(Sha256::digest(bytes)))
}

/// A new device token (shown once) and its stored hash.
pub fn new_device_token() -> Result<(String, SecretHash), getrandom::Error> {
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
    let hash = sha256_hex(token.as_bytes());
    Ok((token, hash))
}

/// The stored hash of a presented token, or `None` when it cannot be one of ours
/// (then there is nothing to look up).
pub fn token_hash(presented: &str) -> Option<SecretHash> {
    let plausible = presented.len() == TOKEN_CHARS
        && presented
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plausible.then(|| sha256_hex(presented.as_bytes()))
}

/// A new enrollment code, formatted `XXXXX-XXXXX-XXXXX-XXXXX`, and its stored hash.
pub fn new_enrollment_code() -> Result<(String, SecretHash), getrandom::Error> {
    let raw: String = random_bytes::<CODE_CHARS>()?
        .iter()
        // 256 is a multiple of 32: masking keeps every character equally likely.
        .map(|b| CODE_ALPHABET[usize::from(b & 31)] as char)
        .collect();
    let hash = sha256_hex(raw.as_bytes());
    let shown = raw
        .as_bytes()
        .chunks(5)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-");
    Ok((shown, hash))
}

/// The stored hash of a typed code: case, dashes and spaces do not matter, and the
/// look-alikes I/L and O read as 1 and 0. `None` when it cannot be a code.
pub fn code_hash(typed: &str) -> Option<SecretHash> {
    if typed.len() > 64 {
        return None;
    }
    let mut raw = String::with_capacity(CODE_CHARS);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c => c,
        };
        if !c.is_ascii() || !CODE_ALPHABET.contains(&(c as u8)) {
            return None;
        }
        raw.push(c);
    }
    (raw.len() == CODE_CHARS).then(|| sha256_hex(raw.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_hashes_the_same_however_it_is_typed() {
        let (code, hash) = new_enrollment_code().unwrap();
        assert_eq!(code.len(), CODE_CHARS + 3);
        assert_eq!(code_hash(&code), Some(hash.clone()));
        let sloppy = code.to_lowercase().replace('-', " ");
        assert_eq!(code_hash(&sloppy), Some(hash));
        assert_eq!(code_hash("not a code"), None);
        assert_eq!(code_hash(""), None);
    }

    #[test]
    fn tokens_are_distinct_and_only_plausible_ones_are_hashed() {
        let (a, ha) = new_device_token().unwrap();
        let (b, _) = new_device_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), Some(ha));
        assert_eq!(token_hash("short"), None);
        assert_eq!(token_hash(&"!".repeat(TOKEN_CHARS)), None);
    }
}

//! Passwords: the policy (NIST SP 800-63B style: length, not composition rules)
//! and argon2id hashing.
//!
//! Invariants: a password is never logged, never stored and never placed in an op;
//! only its PHC hash string is. Passwords are NFKC-normalized before hashing (the
//! same on set and verify) and never truncated: every character counts.
use crate::CoreError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::collections::HashSet;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

pub const MIN_PASSWORD_CHARS: usize = 8;
/// Long passphrases are welcome; the cap only bounds the work of one hash.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// argon2id parameters (OWASP's minimum for argon2id): 19 MiB, 2 passes, 1 lane.
pub const ARGON2_M_KIB: u32 = 19_456;
pub const ARGON2_T: u32 = 2;
pub const ARGON2_P: u32 = 1;

/// A well-formed argon2id hash with the current parameters whose password nobody
/// knows (random salt and output): unknown usernames are verified against it, so
/// they cost one full argon2id run like known ones.
pub(crate) const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$y3uHVcvaX6X3rDqIY2lGPw$7lDFuSUu3ZkyIvEjXHZLSd8Pn7Ap6ubL+xXtEKYNDNE";

const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

fn common_passwords() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_lowercase)
            .collect()
    })
}

fn normalized(password: &str) -> Zeroizing<String> {
    Zeroizing::new(password.nfkc().collect())
}

/// Why a password is refused, as the message shown next to the field; `None`
/// when it is acceptable. `username_key` is the folded username of the account.
pub fn password_problem(password: &str, username_key: &str) -> Option<String> {
    let p = normalized(password);
    let chars = p.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!("Use at least {MIN_PASSWORD_CHARS} characters."));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Some(format!("Use at most {MAX_PASSWORD_CHARS} characters."));
    }
    let lower = Zeroizing::new(p.to_lowercase());
    if common_passwords().contains(lower.as_str()) {
        return Some("This password is too common. Choose a longer, less guessable one.".into());
    }
    if crate::text::fold(&p) == username_key {
        return Some("The password must not be the username.".into());
    }
    None
}

fn argon2() -> Result<Argon2<'static>, CoreError> {
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None)
        .map_err(|_| CoreError::Corrupt("argon2 parameters".into()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// An argon2id PHC string for `password` with a fresh 128-bit salt.
pub(crate) fn hash_password(password: &str) -> Result<String, CoreError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|_| CoreError::Corrupt("no OS random source for a salt".into()))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|_| CoreError::Corrupt("password salt encoding".into()))?;
    let p = normalized(password);
    let hash = argon2()?
        .hash_password(p.as_bytes(), &salt)
        .map_err(|_| CoreError::Corrupt("password hashing failed".into()))?;
    Ok(hash.to_string())
}

/// Does `password` match the PHC string? Uses the parameters recorded in the hash.
pub(crate) fn verify_password(password: &str, phc: &str) -> Result<bool, CoreError> {
    let parsed =
        PasswordHash::new(phc).map_err(|_| CoreError::Corrupt("stored password hash".into()))?;
    let p = normalized(password);
    Ok(argon2()?.verify_password(p.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_uses_the_current_parameters() {
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&parsed).unwrap();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (ARGON2_M_KIB, ARGON2_T, ARGON2_P)
        );
    }

    #[test]
    fn fresh_hashes_record_the_parameters_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h).unwrap());
        assert!(!verify_password("correct horse batterY", &h).unwrap());
    }

    #[test]
    fn policy() {
        assert!(password_problem("seven77", "ada").is_some());
        assert!(password_problem("eight888", "ada").is_none());
        assert!(password_problem(&"x".repeat(MAX_PASSWORD_CHARS), "ada").is_none());
        assert!(password_problem(&"x".repeat(MAX_PASSWORD_CHARS + 1), "ada").is_some());
        assert!(password_problem("PassWord123", "ada").is_some());
        assert!(password_problem("ada.lovelace", "ada.lovelace").is_some());
        assert!(password_problem("Ada.Lovelace", "ada.lovelace").is_some());
        assert!(common_passwords().len() > 300);
    }
}

//! Database keys: a random 256-bit raw key (used as `x'..'`, no KDF on open), kept
//! in the OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on
//! Linux). There is no fallback to a plaintext key file or a mock keychain.
//!
//! For tests and the headless demo there is one explicit, documented alternative:
//! `CLINIC_KEY_SOURCE=insecure-test-key` with `CLINIC_TEST_DB_KEY=<64 hex digits>`.
//! Release builds refuse it.
use crate::StoreError;
use std::fmt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Keychain service name under which the database key is stored.
pub const KEYCHAIN_SERVICE: &str = "org.clinic.desktop";
/// Environment variable that selects the key source.
pub const ENV_KEY_SOURCE: &str = "CLINIC_KEY_SOURCE";
/// Environment variable holding the insecure test key (hex).
pub const ENV_TEST_KEY: &str = "CLINIC_TEST_DB_KEY";
/// The value of `CLINIC_KEY_SOURCE` that selects the test key.
pub const TEST_KEY_SOURCE: &str = "insecure-test-key";

/// A 256-bit database key. Its bytes never appear in `Debug` output and are
/// wiped from memory when dropped.
#[derive(Clone)]
pub struct DbKey(Zeroizing<[u8; 32]>);

impl DbKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A fresh random key from the OS random source.
    pub fn generate() -> Result<Self, StoreError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| StoreError::Config(format!("no OS random source: {e}")))?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn from_hex(s: &str) -> Result<Self, StoreError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut bytes).map_err(|_| {
            StoreError::Config("a database key must be exactly 64 hexadecimal digits".into())
        })?;
        Ok(Self::from_bytes(bytes))
    }

    pub(crate) fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(*self.0))
    }

    /// The SQL literal for `PRAGMA key`: `"x'<hex>'"` (raw key, no KDF).
    pub(crate) fn pragma_literal(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("\"x'{}'\"", self.to_hex().as_str()))
    }
}

impl fmt::Debug for DbKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DbKey(<redacted>)")
    }
}

/// Where the database key comes from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// The OS keychain entry `service/account`; created on first run.
    Keychain { service: String, account: String },
    /// An explicit key given by the test harness or demo. Refused in release builds.
    InsecureTestKey(DbKey),
}

impl KeySource {
    /// The keychain entry for the database at `db_path` (one entry per data directory).
    pub fn keychain_for(db_path: &Path) -> Self {
        KeySource::Keychain {
            service: KEYCHAIN_SERVICE.into(),
            account: format!("db-key:{}", db_path.display()),
        }
    }

    /// Reads `CLINIC_KEY_SOURCE` (`keychain`, the default, or `insecure-test-key`).
    pub fn from_env(db_path: &Path) -> Result<Self, StoreError> {
        let source = std::env::var(ENV_KEY_SOURCE).unwrap_or_else(|_| "keychain".into());
        match source.as_str() {
            "keychain" | "" => Ok(Self::keychain_for(db_path)),
            TEST_KEY_SOURCE => {
                if !cfg!(debug_assertions) {
                    return Err(StoreError::Config(format!(
                        "{ENV_KEY_SOURCE}={TEST_KEY_SOURCE} is for tests and demos and is refused by release builds"
                    )));
                }
                let hex = std::env::var(ENV_TEST_KEY).map_err(|_| {
                    StoreError::Config(format!(
                        "{ENV_KEY_SOURCE}={TEST_KEY_SOURCE} needs {ENV_TEST_KEY} set to 64 hex digits"
                    ))
                })?;
                Ok(KeySource::InsecureTestKey(DbKey::from_hex(&hex)?))
            }
            other => Err(StoreError::Config(format!(
                "unknown {ENV_KEY_SOURCE} '{other}': use 'keychain' or '{TEST_KEY_SOURCE}'"
            ))),
        }
    }

    pub fn is_test_key(&self) -> bool {
        matches!(self, KeySource::InsecureTestKey(_))
    }

    /// The key for the database at `db_path`. Creates and stores a new key only when
    /// the database does not exist yet; an existing database whose key is gone is
    /// an error, never a reason to start over.
    pub fn load_or_create(&self, db_path: &Path) -> Result<DbKey, StoreError> {
        match self {
            KeySource::InsecureTestKey(k) => Ok(k.clone()),
            KeySource::Keychain { service, account } => {
                let entry = keyring::Entry::new(service, account).map_err(keychain_error)?;
                match entry.get_password() {
                    Ok(hex) => DbKey::from_hex(&Zeroizing::new(hex)),
                    Err(keyring::Error::NoEntry) => {
                        if db_file_has_content(db_path)? || wal_has_frames(db_path)? {
                            return Err(StoreError::KeyMissing {
                                path: db_path.to_path_buf(),
                                service: service.clone(),
                                account: account.clone(),
                            });
                        }
                        let key = DbKey::generate()?;
                        entry
                            .set_password(key.to_hex().as_str())
                            .map_err(keychain_error)?;
                        // Read it back: proves the keychain really persisted it.
                        let stored = Zeroizing::new(entry.get_password().map_err(keychain_error)?);
                        if stored.as_str() != key.to_hex().as_str() {
                            return Err(StoreError::KeychainUnavailable {
                                detail: "the keychain did not keep the new key".into(),
                            });
                        }
                        tracing::info!("created a new database key in the system keychain");
                        Ok(key)
                    }
                    Err(e) => Err(keychain_error(e)),
                }
            }
        }
    }
}

fn keychain_error(e: keyring::Error) -> StoreError {
    // keyring errors describe the platform failure, never the secret.
    StoreError::KeychainUnavailable {
        detail: e.to_string(),
    }
}

pub(crate) fn db_file_has_content(path: &Path) -> Result<bool, StoreError> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(m.len() > 0),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// True when a `-wal` file next to `path` holds at least one frame (more than its
/// 32-byte header), i.e. possibly commits that are not in the main file yet.
pub(crate) fn wal_has_frames(path: &Path) -> Result<bool, StoreError> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    match std::fs::metadata(PathBuf::from(wal)) {
        Ok(m) => Ok(m.len() > 32),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let k = DbKey::from_bytes([0xab; 32]);
        assert!(!format!("{k:?}").contains("ab"));
        assert!(!format!("{:?}", KeySource::InsecureTestKey(k)).contains("abab"));
    }

    #[test]
    fn hex_must_be_64_digits() {
        assert!(DbKey::from_hex("abcd").is_err());
        assert!(DbKey::from_hex(&"zz".repeat(32)).is_err());
        assert!(DbKey::from_hex(&"0f".repeat(32)).is_ok());
    }
}

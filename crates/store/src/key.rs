//! Database keys: a random 256-bit raw key (used as `x'..'`, no KDF on open), kept
//! in the OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on
//! Linux). There is no fallback to a plaintext key file or a mock keychain.
//!
//! For tests and the headless demo there is one explicit, documented alternative:
//! `CLINIC_KEY_SOURCE=insecure-test-key` with `CLINIC_TEST_DB_KEY=<64 hex digits>`.
//! Release builds refuse it.
//!
//! Next to the database key, each database has an *audit key* (the secret of the
//! audit trail's hash chain): a second keychain entry created together with the
//! database key and never changed by re-keying (see [`crate::rekey`]).
use crate::StoreError;
use sha2::{Digest, Sha256};
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

/// The 256-bit secret of the audit trail of one database. Its bytes never appear
/// in `Debug` output and are wiped from memory when dropped. Unlike the database
/// key it is never rotated by [`crate::rekey`].
#[derive(Clone)]
pub struct AuditKey(Zeroizing<[u8; 32]>);

impl AuditKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn generate() -> Result<Self, StoreError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut())
            .map_err(|e| StoreError::Config(format!("no OS random source: {e}")))?;
        Ok(Self(bytes))
    }

    fn from_hex(s: &str) -> Result<Self, StoreError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(s.trim(), bytes.as_mut()).map_err(|_| {
            StoreError::Config("the stored audit key is not 64 hexadecimal digits".into())
        })?;
        Ok(Self(bytes))
    }

    fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(*self.0))
    }

    /// The audit key of the insecure test key source: SHA-256 over a fixed label
    /// and the test database key, so test runs and demos are reproducible.
    fn derive_for_test(db_key: &DbKey) -> Self {
        let mut h = Sha256::new();
        h.update(b"org.clinic.desktop/insecure-test-audit-key/v1\0");
        h.update(*db_key.0);
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&h.finalize());
        Self(bytes)
    }
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(<redacted>)")
    }
}

/// A store of named secrets: the OS keychain ([`KeychainVault`]) in the app. The
/// key protocol of [`crate::rekey`] is written against this trait so that tests
/// can also run it where no keychain exists; the app never uses anything but the
/// keychain. Implementations never log the secrets.
pub trait SecretVault {
    /// The service name reported in error messages.
    fn service(&self) -> &str;
    /// The secret stored under `account`, `None` when there is no such entry.
    fn get(&self, account: &str) -> Result<Option<Zeroizing<String>>, StoreError>;
    /// Stores `secret` under `account` (replacing it) and proves it was kept by
    /// reading it back. Returns only once the entry is durable.
    fn set(&self, account: &str, secret: &str) -> Result<(), StoreError>;
    /// Deletes the entry; deleting a missing entry is not an error.
    fn delete(&self, account: &str) -> Result<(), StoreError>;
}

/// The OS keychain, one service.
#[derive(Clone, Debug)]
pub struct KeychainVault {
    pub service: String,
}

impl KeychainVault {
    fn entry(&self, account: &str) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(&self.service, account).map_err(keychain_error)
    }
}

impl SecretVault for KeychainVault {
    fn service(&self) -> &str {
        &self.service
    }

    fn get(&self, account: &str) -> Result<Option<Zeroizing<String>>, StoreError> {
        match self.entry(account)?.get_password() {
            Ok(s) => Ok(Some(Zeroizing::new(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(e)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), StoreError> {
        let entry = self.entry(account)?;
        entry.set_password(secret).map_err(keychain_error)?;
        let stored = Zeroizing::new(entry.get_password().map_err(keychain_error)?);
        if stored.as_str() != secret {
            return Err(StoreError::KeychainUnavailable {
                detail: "the keychain did not keep a new entry".into(),
            });
        }
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), StoreError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keychain_error(e)),
        }
    }
}

/// The vault entries (accounts) that belong to one database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEntries {
    /// The key the database is encrypted with (`db-key:<path>`).
    pub current: String,
    /// A new key while re-keying is under way (`db-key-pending:<path>`).
    pub pending: String,
    /// The audit-trail key (`audit-key:<path>`), never rotated.
    pub audit: String,
}

impl KeyEntries {
    /// The default entry names for the database at `db_path`.
    pub fn for_db(db_path: &Path) -> Self {
        Self::with_current(format!("db-key:{}", db_path.display()), db_path)
    }

    /// `current` as given (e.g. from `KeySource::Keychain`), the others by path.
    pub fn with_current(current: String, db_path: &Path) -> Self {
        Self {
            current,
            pending: format!("db-key-pending:{}", db_path.display()),
            audit: format!("audit-key:{}", db_path.display()),
        }
    }
}

/// True when a database exists at `db_path` (a main file with content, or a WAL
/// with commits): then keys are never invented for it.
pub(crate) fn db_exists(db_path: &Path) -> Result<bool, StoreError> {
    Ok(db_file_has_content(db_path)? || wal_has_frames(db_path)?)
}

/// The audit key in `vault`: created only when no database exists yet; an existing
/// database without one is [`StoreError::AuditKeyMissing`].
pub fn load_or_create_audit_key_in(
    vault: &dyn SecretVault,
    entries: &KeyEntries,
    db_path: &Path,
) -> Result<AuditKey, StoreError> {
    if let Some(hex) = vault.get(&entries.audit)? {
        return AuditKey::from_hex(&hex);
    }
    if db_exists(db_path)? {
        return Err(StoreError::AuditKeyMissing {
            path: db_path.to_path_buf(),
            service: vault.service().to_string(),
            account: entries.audit.clone(),
        });
    }
    let key = AuditKey::generate()?;
    vault.set(&entries.audit, key.to_hex().as_str())?;
    tracing::info!("created a new audit key in the system keychain");
    Ok(key)
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

    /// The keychain service and entries of this source (`None` for the test key).
    pub(crate) fn vault(&self, db_path: &Path) -> Option<(KeychainVault, KeyEntries)> {
        match self {
            KeySource::InsecureTestKey(_) => None,
            KeySource::Keychain { service, account } => Some((
                KeychainVault {
                    service: service.clone(),
                },
                KeyEntries::with_current(account.clone(), db_path),
            )),
        }
    }

    /// Wipes this device's clinic data: the database files at `db_path` (with
    /// their WAL and shared-memory files) and, for the keychain, the database,
    /// pending and audit keys. For a device removed from its clinic (the sync
    /// server says so). The store must be closed first.
    pub fn wipe(&self, db_path: &Path) -> Result<(), StoreError> {
        if let Some((vault, entries)) = self.vault(db_path) {
            for account in [&entries.current, &entries.pending, &entries.audit] {
                vault.delete(account)?;
            }
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut name = db_path.as_os_str().to_owned();
            name.push(suffix);
            match std::fs::remove_file(std::path::PathBuf::from(name)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(StoreError::Config(format!(
                        "the database could not be deleted: {e}"
                    )))
                }
            }
        }
        Ok(())
    }

    /// The audit-trail key of the database at `db_path`. Keychain: the entry
    /// `audit-key:<db path>` of the same service, created only while the database
    /// does not exist yet (normally by [`KeySource::open_store`] on first run); an
    /// existing database without it is [`StoreError::AuditKeyMissing`], never a
    /// new key. Test key: derived from the test key (SHA-256 with a fixed label).
    /// Re-keying the database never changes it.
    pub fn load_or_create_audit_key(&self, db_path: &Path) -> Result<AuditKey, StoreError> {
        match self {
            KeySource::InsecureTestKey(k) => Ok(AuditKey::derive_for_test(k)),
            KeySource::Keychain { .. } => {
                let (vault, entries) = self.vault(db_path).expect("keychain source");
                load_or_create_audit_key_in(&vault, &entries, db_path)
            }
        }
    }

    /// Resolves the database key and opens the store: the one start-up path.
    /// Keychain: tries the current key and, if the file refuses it, a key left
    /// pending by an interrupted re-key (promoting it when it works); removes a
    /// stale pending key; on first run creates the database key and the audit key.
    /// Test key: opens with it.
    pub fn open_store(&self, db_path: &Path) -> Result<crate::Store, StoreError> {
        match self {
            KeySource::InsecureTestKey(k) => {
                crate::open(db_path, &crate::Encryption::Key(k.clone()))
            }
            KeySource::Keychain { .. } => {
                let (vault, entries) = self.vault(db_path).expect("keychain source");
                crate::rekey::open_with_vault(&vault, &entries, db_path)
            }
        }
    }

    pub fn is_test_key(&self) -> bool {
        matches!(self, KeySource::InsecureTestKey(_))
    }

    /// The key for the database at `db_path`. Creates and stores a new key only when
    /// the database does not exist yet; an existing database whose key is gone is
    /// an error, never a reason to start over.
    ///
    /// Knows nothing of a re-key interrupted by a crash (a pending key): the app
    /// starts through [`KeySource::open_store`], which does.
    pub fn load_or_create(&self, db_path: &Path) -> Result<DbKey, StoreError> {
        let (vault, entries) = match self {
            KeySource::InsecureTestKey(k) => return Ok(k.clone()),
            KeySource::Keychain { .. } => self.vault(db_path).expect("keychain source"),
        };
        if let Some(hex) = vault.get(&entries.current)? {
            return DbKey::from_hex(&hex);
        }
        if db_exists(db_path)? {
            return Err(StoreError::KeyMissing {
                path: db_path.to_path_buf(),
                service: vault.service().to_string(),
                account: entries.current.clone(),
            });
        }
        let key = DbKey::generate()?;
        vault.set(&entries.current, key.to_hex().as_str())?; // reads it back
        tracing::info!("created a new database key in the system keychain");
        Ok(key)
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
    fn audit_key_is_redacted_and_derived_from_the_test_key() {
        let a = KeySource::InsecureTestKey(DbKey::from_bytes([0xab; 32]));
        let b = KeySource::InsecureTestKey(DbKey::from_bytes([0xcd; 32]));
        let p = Path::new("/nonexistent/x.db");
        let ka = a.load_or_create_audit_key(p).unwrap();
        assert_eq!(
            ka.as_bytes(),
            a.load_or_create_audit_key(p).unwrap().as_bytes()
        );
        assert_ne!(
            ka.as_bytes(),
            b.load_or_create_audit_key(p).unwrap().as_bytes()
        );
        assert_ne!(ka.as_bytes(), &[0xab; 32], "not the database key itself");
        let dbg = format!("{ka:?}");
        assert_eq!(dbg, "AuditKey(<redacted>)");
    }

    #[test]
    fn hex_must_be_64_digits() {
        assert!(DbKey::from_hex("abcd").is_err());
        assert!(DbKey::from_hex(&"zz".repeat(32)).is_err());
        assert!(DbKey::from_hex(&"0f".repeat(32)).is_ok());
    }
}

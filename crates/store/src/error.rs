//! Store errors. Messages say what is wrong and what to do, and never contain
//! patient data, keys or SQL text from user input.
use clinic_protocol::ErrorCode;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("The system keychain is not available ({detail}). Unlock or start your keychain (on Linux: GNOME Keyring or KWallet with the Secret Service) and try again.")]
    KeychainUnavailable { detail: String },
    #[error("The database at {path} exists but its encryption key is not in the system keychain. Restore the keychain entry '{service}/{account}' or restore the database from a backup; the file was not changed.")]
    KeyMissing {
        path: PathBuf,
        service: String,
        account: String,
    },
    #[error("The database at {path} exists but its audit-trail key is not in the system keychain. Restore the keychain entry '{service}/{account}' (a new key would break the audit trail's hash chain); the file was not changed.")]
    AuditKeyMissing {
        path: PathBuf,
        service: String,
        account: String,
    },
    #[error("The database at {path} cannot be decrypted: the key is wrong or the file is damaged ({detail}). The file was not changed.")]
    WrongKeyOrCorrupt { path: PathBuf, detail: String },
    #[error("The database at {path} was written by a newer version of this app (schema {found}, this app knows up to {supported}). Update the app; the file was not changed.")]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("Configuration error: {0}")]
    Config(String),
    #[error("The local database failed: {0}")]
    Sqlite(rusqlite::Error),
    #[error("The disk is full, so nothing was saved. Free some disk space and try again.")]
    DiskFull,
    #[error("The local database file could not be read: {0}")]
    Io(#[from] std::io::Error),
    #[error("The device clock counter overflowed; try again")]
    ClockOverflow,
    #[error("The database encryption library did not start ({detail}). Restart the app; no database was opened.")]
    CryptoUnavailable { detail: String },
}

impl StoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::KeychainUnavailable { .. } => ErrorCode::KeychainUnavailable,
            StoreError::KeyMissing { .. } | StoreError::AuditKeyMissing { .. } => {
                ErrorCode::KeyMissing
            }
            StoreError::WrongKeyOrCorrupt { .. } => ErrorCode::WrongKeyOrCorrupt,
            StoreError::SchemaTooNew { .. } => ErrorCode::SchemaTooNew,
            StoreError::Config(_) => ErrorCode::Config,
            StoreError::Sqlite(e) if is_corruption(e) => ErrorCode::WrongKeyOrCorrupt,
            StoreError::Sqlite(_)
            | StoreError::DiskFull
            | StoreError::Io(_)
            | StoreError::ClockOverflow
            | StoreError::CryptoUnavailable { .. } => ErrorCode::Storage,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    /// A full disk gets its own error (what to do is clear); the rest stay SQLite's.
    fn from(e: rusqlite::Error) -> Self {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
            StoreError::DiskFull
        } else {
            StoreError::Sqlite(e)
        }
    }
}

/// True for SQLite errors that mean "this is not a readable database".
pub(crate) fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase) | Some(rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

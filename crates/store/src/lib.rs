//! The encrypted local store. Owns:
//! - the database key and where it comes from (`key`): OS keychain, or an explicit
//!   insecure test key that release builds refuse;
//! - the ONE function that opens the database (`open`): key, integrity of the
//!   header, schema-version guard, WAL, foreign keys, migrations in one transaction;
//! - change capture (`write`): every domain write runs in a `WriteTx` that appends
//!   intent ops to the outbox in the same transaction, stamped with a persisted
//!   hybrid logical clock and a gap-free device counter;
//! - applying other devices' ops (`remote`): one transaction without change
//!   capture per pulled page, merging their clocks into this device's HLC;
//! - a first sync's deferred search indexes (`catch_up`): dropped while the
//!   clinic's log is applied, rebuilt at the end or at the next open.
//!
//! Invariants: a failed open never creates, replaces or modifies an existing file;
//! a write either commits its rows and its ops together or neither.
#![forbid(unsafe_code)]

mod catch_up;
mod error;
pub mod key;
mod migrations;
mod open;
pub mod rekey;
mod remote;
mod write;

pub use catch_up::SEARCH_ONLY_INDEXES;
pub use error::StoreError;
pub use key::{AuditKey, DbKey, KeyEntries, KeySource, KeychainVault, SecretVault};
pub use migrations::{latest_version, MIGRATIONS};
pub use open::{open, Encryption, Store};
pub use rekey::{open_with_vault, rekey, rekey_with_vault, RekeyStep};
pub use remote::RemoteTx;
pub use write::WriteTx;

/// Re-exported so callers name the same rusqlite the store was built with.
pub use rusqlite;

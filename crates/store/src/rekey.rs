//! Re-keying the database, and the key resolution that makes it crash-safe.
//!
//! **Invariant: after a crash (kill -9, power loss) at any moment, the database
//! opens with the key in the keychain's current entry or with the pending one.**
//!
//! Re-keying ([`rekey_with_vault`]):
//! 1. close the store and reopen it with the keychain's *current* key (proves the
//!    keychain holds the key the file really uses);
//! 2. store a fresh random key as the *pending* entry (`db-key-pending:<path>`),
//!    read back;
//! 3. re-encrypt in place with `PRAGMA rekey`, in a rollback journal: checkpoint
//!    the WAL (TRUNCATE), `journal_mode=DELETE`, `synchronous=EXTRA`, rekey, back
//!    to WAL. SQLCipher writes the rollback journal with the *old* key and the
//!    database pages with the new one, inside one write transaction: until the
//!    journal is deleted (the commit point, directory fsynced under EXTRA) a crash
//!    leaves a hot journal that the next open rolls back to the old-key file;
//!    afterwards the whole file uses the new key. (`PRAGMA rekey` is not used in
//!    WAL mode: SQLCipher 4 does not document it as safe there.)
//! 4. reopen with the new key (proves it from disk), then promote: current := new,
//!    delete pending.
//!
//! Resolution ([`open_with_vault`], used by [`crate::KeySource::open_store`]): open
//! with the current key; if the file refuses it (`WrongKeyOrCorrupt`) and a
//! pending key exists, open with that and promote it; if the current key works,
//! delete a stale pending entry. Crash points: before 2 or during 3 -> current
//! works (a hot journal is rolled back first); after the commit of 3 -> pending
//! works and is promoted; during 4 -> current (already new) works.
use crate::key::{
    db_exists, load_or_create_audit_key_in, DbKey, KeyEntries, KeySource, SecretVault,
};
use crate::{open, Encryption, Store, StoreError};
use std::path::Path;

/// Progress of a re-key, reported to the caller's callback (for a progress
/// display, and so tests can interrupt it at each step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RekeyStep {
    /// The new key is stored as the pending keychain entry.
    PendingStored,
    /// The database is about to be re-encrypted (this takes time on big files).
    Reencrypting,
    /// The file is committed with the new key (proved by reopening it);
    /// the keychain is not promoted yet.
    Reencrypted,
    /// The keychain's current entry holds the new key; no pending entry remains.
    Promoted,
}

/// Replaces the database key with a fresh random key and returns the reopened
/// store. Needs the keychain key source: the insecure test key is fixed by the
/// environment and cannot be rotated (a `Config` error). The audit key does not
/// change.
///
/// `store` is consumed; the database must have no other open connection. On an
/// error the store is closed: reopen it with [`KeySource::open_store`], which
/// resolves whichever key the file has.
pub fn rekey(store: Store, source: &KeySource) -> Result<Store, StoreError> {
    match source.vault(store.path()) {
        None => Err(StoreError::Config(
            "re-keying needs the keychain key source; the insecure test key is fixed by CLINIC_TEST_DB_KEY".into(),
        )),
        Some((vault, entries)) => rekey_with_vault(store, &vault, &entries, &mut |_| {}),
    }
}

/// [`rekey`] against any [`SecretVault`], with progress reports.
pub fn rekey_with_vault(
    store: Store,
    vault: &dyn SecretVault,
    entries: &KeyEntries,
    progress: &mut dyn FnMut(RekeyStep),
) -> Result<Store, StoreError> {
    let Store {
        conn,
        path,
        wall_clock,
        ..
    } = store;
    drop(conn);
    let current_hex = vault
        .get(&entries.current)?
        .ok_or_else(|| StoreError::KeyMissing {
            path: path.clone(),
            service: vault.service().to_string(),
            account: entries.current.clone(),
        })?;
    let current = DbKey::from_hex(&current_hex)?;
    // 1. Re-keying a file whose key is not the stored one would leave a database
    //    that no stored key opens: prove it first.
    let store = open(&path, &Encryption::Key(current))?;
    // 2. A stale pending entry (an earlier, interrupted attempt) is overwritten:
    //    the current key was just proved to be the file's key.
    let new = DbKey::generate()?;
    vault.set(&entries.pending, new.to_hex().as_str())?;
    progress(RekeyStep::PendingStored);
    // 3.
    let result = reencrypt(&store, &new, progress);
    drop(store);
    if let Err(e) = result {
        tracing::warn!("re-keying the database failed; resolving its key");
        // Whichever key the file has now, resolution finds it and cleans up.
        drop(open_with_vault(vault, entries, &path));
        return Err(e);
    }
    // 4.
    let mut store = match open(&path, &Encryption::Key(new.clone())) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("the re-keyed database did not open with its new key");
            drop(open_with_vault(vault, entries, &path));
            return Err(e);
        }
    };
    progress(RekeyStep::Reencrypted);
    promote(vault, entries, &new)?;
    progress(RekeyStep::Promoted);
    tracing::info!("re-keyed the local database");
    store.wall_clock = wall_clock;
    Ok(store)
}

/// Step 3: in-place re-encryption in a rollback journal (see the module docs).
fn reencrypt(
    store: &Store,
    new: &DbKey,
    progress: &mut dyn FnMut(RekeyStep),
) -> Result<(), StoreError> {
    let conn = &store.conn;
    let (busy, _, _): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    if busy != 0 {
        return Err(StoreError::Config(
            "the database is in use by another connection; close it and re-key again".into(),
        ));
    }
    let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(StoreError::Config(format!(
            "could not leave WAL mode for re-keying (journal mode is {mode}); close other connections and try again"
        )));
    }
    // EXTRA also fsyncs the directory after deleting the journal: the commit of
    // the re-key is durable before the keychain is promoted.
    conn.execute_batch("PRAGMA synchronous = EXTRA")?;
    progress(RekeyStep::Reencrypting);
    let ok: String = conn.query_row(
        &format!("PRAGMA rekey = {}", new.pragma_literal().as_str()),
        [],
        |r| r.get(0),
    )?;
    if ok != "ok" {
        return Err(StoreError::Config("SQLCipher refused to re-key".into()));
    }
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Config(format!(
            "could not return to WAL mode after re-keying (journal mode is {mode})"
        )));
    }
    conn.execute_batch("PRAGMA synchronous = FULL")?;
    Ok(())
}

/// current := `key`, then delete pending.
fn promote(vault: &dyn SecretVault, entries: &KeyEntries, key: &DbKey) -> Result<(), StoreError> {
    vault.set(&entries.current, key.to_hex().as_str())?;
    vault.delete(&entries.pending)
}

/// Resolves the key of the database at `db_path` from `vault` and opens it (see
/// the module docs). On first run (no database) creates the database key and the
/// audit key. An existing database without a key is `KeyMissing`; a file that
/// neither the current nor the pending key opens is the error of the current key.
pub fn open_with_vault(
    vault: &dyn SecretVault,
    entries: &KeyEntries,
    db_path: &Path,
) -> Result<Store, StoreError> {
    let current = vault.get(&entries.current)?;
    let pending = vault.get(&entries.pending)?;
    let exists = db_exists(db_path)?;
    let Some(current) = current else {
        if exists {
            // Not left by our protocol (pending only exists next to current), but
            // if the pending key opens the file, it is the file's key.
            if let Some(p) = pending {
                let key = DbKey::from_hex(&p)?;
                if let Ok(store) = open(db_path, &Encryption::Key(key.clone())) {
                    promote(vault, entries, &key)?;
                    return Ok(store);
                }
            }
            return Err(StoreError::KeyMissing {
                path: db_path.to_path_buf(),
                service: vault.service().to_string(),
                account: entries.current.clone(),
            });
        }
        // First run: the audit key, then the database key, then the database.
        vault.delete(&entries.pending)?;
        load_or_create_audit_key_in(vault, entries, db_path)?;
        let key = DbKey::generate()?;
        vault.set(&entries.current, key.to_hex().as_str())?;
        tracing::info!("created a new database key in the system keychain");
        return open(db_path, &Encryption::Key(key));
    };
    let key = DbKey::from_hex(&current)?;
    if !exists {
        // A first run that stopped after storing the database key.
        load_or_create_audit_key_in(vault, entries, db_path)?;
    }
    match open(db_path, &Encryption::Key(key)) {
        Ok(store) => {
            if pending.is_some() {
                vault.delete(&entries.pending)?;
                tracing::info!("removed the key of an interrupted re-key that never committed");
            }
            Ok(store)
        }
        Err(e @ StoreError::WrongKeyOrCorrupt { .. }) => {
            let Some(p) = pending else { return Err(e) };
            let new = DbKey::from_hex(&p)?;
            match open(db_path, &Encryption::Key(new.clone())) {
                Ok(store) => {
                    promote(vault, entries, &new)?;
                    tracing::info!("finished an interrupted re-key: promoted its key");
                    Ok(store)
                }
                Err(_) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

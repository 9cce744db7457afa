//! A first sync into a store that holds nothing of its own yet ("catch-up"): the
//! patient table's search-only indexes are dropped while the clinic's log is
//! applied, and built once at the end. Kept up to date, each costs one insert at
//! a random position per registration — on a large store a page read (decrypted)
//! and a dirty page to encrypt and write at every commit; `CREATE INDEX` over the
//! full table sorts once and writes each page once.
//!
//! Which indexes: only those no applier reads ([`SEARCH_ONLY_INDEXES`]; lookups
//! by id, the registration key of duplicate detection and the name-token table
//! stay). While deferred, `patient_sort` is replaced by a stand-in of the same
//! name on `patient (merged_into)` (appended at the end, so nearly free), because
//! search names it in `INDEXED BY`: searches stay correct, only slower.
//!
//! Crash safety: each dropped index's definition is saved in `deferred_index` (a
//! local-only table created here on first use, not by a migration, and dropped
//! again once empty) in the transaction that drops it; a rebuild recreates them
//! and removes the table in one transaction. `open` rebuilds whatever a stopped
//! first sync left deferred, before any migration runs, so every store the app
//! opens has all its indexes.
use crate::{Store, StoreError};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// Indexes of the patient table that only search, the kiosk and the local
/// duplicate check read — never an applier of pulled ops.
pub const SEARCH_ONLY_INDEXES: [&str; 5] = [
    "patient_sort",
    "patient_dob",
    "patient_phone",
    "patient_phone_reversed",
    "patient_email",
];

/// Search pages name this index (`INDEXED BY`): while the real one is deferred,
/// a stand-in of the same name keeps those statements valid.
const NAMED_BY_SEARCH: &str = "patient_sort";
const STAND_IN: &str = "CREATE INDEX patient_sort ON patient (merged_into)";

/// Page cache while catching up (KiB, as `PRAGMA cache_size` takes it negated):
/// more of the b-trees a first sync inserts into at random positions (name
/// tokens, registration keys) stays in memory instead of being read back and
/// decrypted.
const CATCH_UP_CACHE_KIB: i64 = 128 * 1024;
/// The page cache at other times (as `open` sets it).
pub(crate) const CACHE_KIB: i64 = 64 * 1024;
/// Write-ahead log pages after which a commit copies them into the database:
/// SQLite's default, and ~400 MB while catching up (a group's commit writes
/// ~100 MB: copied after every one, a page rewritten by each is copied each time).
const CHECKPOINT_PAGES: i64 = 1_000;
const CATCH_UP_CHECKPOINT_PAGES: i64 = 100_000;

fn table_exists(conn: &Connection) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deferred_index'",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The names of the indexes a first sync left deferred (none: every index exists).
pub(crate) fn deferred(conn: &Connection) -> Result<Vec<String>, StoreError> {
    if !table_exists(conn)? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare("SELECT name FROM deferred_index ORDER BY name")?;
    let names = stmt.query_map([], |r| r.get(0))?;
    Ok(names.collect::<Result<_, _>>()?)
}

/// Recreates every deferred index from its saved definition and removes the
/// record, in one transaction. Returns how many were rebuilt.
pub(crate) fn rebuild(conn: &Connection) -> Result<usize, StoreError> {
    if !table_exists(conn)? {
        return Ok(0);
    }
    let started = std::time::Instant::now();
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| -> Result<usize, StoreError> {
        let saved: Vec<(String, String)> = {
            let mut stmt = conn.prepare("SELECT name, definition FROM deferred_index")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        for (name, definition) in &saved {
            // The stand-in, if this is the index search names.
            conn.execute_batch(&format!("DROP INDEX IF EXISTS \"{name}\""))?;
            conn.execute_batch(definition)?;
        }
        conn.execute_batch("DROP TABLE deferred_index")?;
        Ok(saved.len())
    })();
    match result {
        Ok(n) => {
            conn.execute_batch("COMMIT")?;
            tracing::info!(
                indexes = n,
                millis = started.elapsed().as_millis() as u64,
                "rebuilt the search indexes a first sync deferred"
            );
            Ok(n)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

impl Store {
    /// Drops the search-only indexes for a first sync (see the module header),
    /// saving their definitions so that [`Store::rebuild_deferred_indexes`] — or
    /// the next [`crate::open`] — builds them again. Idempotent. Returns how many
    /// were dropped now.
    pub fn defer_search_indexes(&mut self) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS deferred_index (
                 name       TEXT PRIMARY KEY,
                 definition TEXT NOT NULL
             )",
        )?;
        let mut dropped = 0;
        for name in SEARCH_ONLY_INDEXES {
            let already: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM deferred_index WHERE name = ?1)",
                [name],
                |r| r.get(0),
            )?;
            let definition: Option<String> = tx
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1
                         AND tbl_name = 'patient'",
                    [name],
                    |r| r.get(0),
                )
                .optional()?;
            let (false, Some(definition)) = (already, definition) else {
                continue;
            };
            tx.execute(
                "INSERT INTO deferred_index (name, definition) VALUES (?1, ?2)",
                (name, &definition),
            )?;
            tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
            if name == NAMED_BY_SEARCH {
                tx.execute_batch(STAND_IN)?;
            }
            dropped += 1;
        }
        tx.commit()?;
        if dropped > 0 {
            tracing::info!(
                indexes = dropped,
                "deferred the search indexes for a first sync"
            );
        }
        Ok(dropped)
    }

    /// The indexes a first sync deferred and has not rebuilt yet.
    pub fn deferred_indexes(&self) -> Result<Vec<String>, StoreError> {
        deferred(&self.conn)
    }

    /// Builds the deferred indexes again (a first sync caught up). Returns how
    /// many were rebuilt; none when nothing was deferred.
    pub fn rebuild_deferred_indexes(&mut self) -> Result<usize, StoreError> {
        self.conn.execute_batch("PRAGMA synchronous = NORMAL")?;
        let rebuilt = rebuild(&self.conn);
        let restored = self.conn.execute_batch("PRAGMA synchronous = FULL");
        let n = rebuilt?;
        restored?;
        Ok(n)
    }

    /// Connection settings while a first sync catches up (`true`): a larger page
    /// cache, and the write-ahead log copied into the database every ~400 MB
    /// rather than after every group. `false` restores the usual ones and empties
    /// the write-ahead log (it would otherwise keep its largest size on disk).
    pub fn set_catch_up_mode(&mut self, catching_up: bool) -> Result<(), StoreError> {
        if catching_up {
            self.conn.execute_batch(&format!(
                "PRAGMA cache_size = -{CATCH_UP_CACHE_KIB};
                 PRAGMA wal_autocheckpoint = {CATCH_UP_CHECKPOINT_PAGES};"
            ))?;
        } else {
            self.conn.execute_batch(&format!(
                "PRAGMA cache_size = -{CACHE_KIB};
                 PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES};"
            ))?;
            // Returns a row (busy, frames, checkpointed): a statement, not a batch.
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }
}

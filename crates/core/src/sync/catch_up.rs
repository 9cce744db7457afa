//! When a round's pull is a *catch-up*: the first sync of a device that holds
//! nothing of its own (it joined a clinic: every row it has came from the log),
//! with a long log still to apply. Then the store's search-only indexes are
//! deferred to the end (`clinic_store`'s `catch_up`), the page cache is larger
//! and the engine applies bigger groups. Nobody uses such a device until its
//! first sync is done (the app shows the download's progress, and sign-in
//! appears only once `first_sync_done` is set, after the rebuild), and search
//! stays correct meanwhile anyway (only slower).
//!
//! A catch-up stopped midway leaves the indexes deferred. While the app runs
//! (offline, a server error), the next round goes on catching up and rebuilds them
//! once caught up. Opening the store rebuilds them (every store the app opens has
//! all its indexes); the round after that defers them again if much is left.
use crate::CoreError;
use clinic_store::Store;
use rusqlite::Connection;

/// Ops left to apply from which a first sync runs as a catch-up. Below, neither
/// way takes long (the rebuild of a small store takes milliseconds).
pub const CATCH_UP_MIN_OPS: u64 = 5_000;

/// Whether this device's first sync is unfinished and it holds nothing made here
/// (its outbox never had an op): a device joining a clinic.
fn only_received(conn: &Connection) -> Result<bool, CoreError> {
    Ok(conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM outbox)
             AND EXISTS (SELECT 1 FROM sync_state WHERE first_sync_done = 0)",
        [],
        |r| r.get(0),
    )?)
}

/// Decides, at a round's first pulled page, whether the pull is a catch-up
/// (`remaining`: ops in the log from that page on) and if so prepares the store:
/// search indexes deferred, larger page cache, fewer checkpoints. A store whose indexes an earlier
/// round deferred goes on catching up whatever is left.
pub fn begin(store: &mut Store, remaining: u64) -> Result<bool, CoreError> {
    let resumed = !store.deferred_indexes()?.is_empty();
    if !resumed && (remaining < CATCH_UP_MIN_OPS || !only_received(store.conn())?) {
        return Ok(false);
    }
    store.defer_search_indexes()?;
    store.set_catch_up_mode(true)?;
    tracing::info!(remaining, resumed, "first sync: catching up");
    Ok(true)
}

/// Ends a catch-up round: when the log was applied to its end (`caught_up`), the
/// deferred indexes are built again; the usual connection settings either way.
pub fn finish(store: &mut Store, caught_up: bool) -> Result<(), CoreError> {
    let rebuilt = if caught_up {
        store.rebuild_deferred_indexes().map(|_| ())
    } else {
        Ok(())
    };
    let settings = store.set_catch_up_mode(false);
    rebuilt?;
    settings?;
    Ok(())
}

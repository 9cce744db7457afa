//! This device's side of sync, transport-free: what to push, applying pulled
//! pages, the saved cursor and enrollment, and conflicts for staff to resolve.
//! The HTTP loop lives in the `clinic-sync` crate; it calls these functions.
//!
//! - [`apply`]: one op from another device → rows here, with its kind's conflict
//!   policy (DESIGN.md §5);
//! - [`apply_page`]: one pulled page in ONE local transaction together with the
//!   server cursor; ops it cannot apply are held whole, never dropped;
//! - [`state`]: enrollment (server URL, CA, device token), cursor, last sync,
//!   errors, pending count; what the UI's sync indicator shows;
//! - [`conflicts`]: identity-field conflicts and possible duplicates;
//! - [`anchor`]: this device's audit entries for the server, and the server's anchor;
//! - [`catch_up`]: a joining device's first sync of a long log (search indexes
//!   deferred to its end).
pub mod anchor;
pub mod apply;
pub mod catch_up;
pub mod conflicts;
pub mod state;

use crate::CoreError;
use apply::Incoming;
use clinic_protocol::{LoggedOp, OpKind, SCHEMA_VERSION};
use clinic_store::Store;
use rusqlite::{params, Connection, OptionalExtension};

/// What applying a page did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PageSummary {
    /// Ops from other devices applied now.
    pub applied: usize,
    /// Ops of this device pulled back, or already applied/held before.
    pub skipped: usize,
    /// Ops kept aside unapplied (newer schema, unknown or refused).
    pub held: usize,
}

fn known(conn: &Connection, op_id: &str) -> Result<bool, CoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM applied_op WHERE op_id = ?1 UNION ALL SELECT 1 FROM held_op WHERE op_id = ?1")?.query_row(
            [op_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn in_outbox(conn: &Connection, op_id: &str) -> Result<bool, CoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM outbox WHERE op_id = ?1")?
        .query_row([op_id], |_| Ok(()))
        .optional()?
        .is_some())
}

fn hold(conn: &Connection, logged: &LoggedOp, reason: &str, now: &str) -> Result<(), CoreError> {
    let op = serde_json::to_string(logged).map_err(|_| CoreError::Corrupt("op".into()))?;
    conn.prepare_cached("INSERT OR IGNORE INTO held_op (op_id, seq, op, reason, held_at) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(
        params![logged.op.op_id.to_string(), logged.seq as i64, op, reason, now],
    )?;
    // Ids and kinds only: a reason never carries payload values.
    tracing::warn!(op = %logged.op.op_id, kind = logged.op.kind.as_str(), seq = logged.seq, reason, "held a pulled op");
    Ok(())
}

/// Applies `ops` (a pulled page, in seq order) in one transaction and, in the same
/// transaction, saves `cursor` (when given) as where the next pull starts. Either
/// the whole page and its cursor are saved, or nothing is.
///
/// Fast path first: every op applied straight into the transaction. Should one op
/// fail, that attempt is rolled back whole and the page is applied again with each
/// op in its own savepoint, so the failing op is held and the rest applied. (A
/// savepoint per op costs about a fifth of the apply time; ops rarely fail.)
pub fn apply_page(
    store: &mut Store,
    ops: &[LoggedOp],
    cursor: Option<&str>,
) -> Result<PageSummary, CoreError> {
    apply_pulled(store, ops, cursor, None)
}

/// [`apply_page`] that also saves the server's latest log position (`head_seq`,
/// for the first-sync progress bar) in the same transaction: one commit per group.
pub fn apply_pulled(
    store: &mut Store,
    ops: &[LoggedOp],
    cursor: Option<&str>,
    head_seq: Option<u64>,
) -> Result<PageSummary, CoreError> {
    let at = Position { cursor, head_seq };
    match store.apply_remote(|tx| apply_ops(tx, ops, at, Isolation::FailFast)) {
        Err(PageError::OpFailed) => store
            .apply_remote(|tx| apply_ops(tx, ops, at, Isolation::SavepointPerOp))
            .map_err(PageError::into_core),
        other => other.map_err(PageError::into_core),
    }
}

/// Where a group leaves the pull: the cursor after its last page, and the
/// server's latest seq when known.
#[derive(Clone, Copy)]
struct Position<'a> {
    cursor: Option<&'a str>,
    head_seq: Option<u64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Isolation {
    /// No savepoints; the first failing op fails the page (to be applied again).
    FailFast,
    /// Each op in a savepoint; a failing op is undone and held.
    SavepointPerOp,
}

/// Why applying a page stopped.
#[derive(Debug)]
enum PageError {
    /// An op failed on the fast path: apply the page again, op by op.
    OpFailed,
    Core(CoreError),
}

impl PageError {
    fn into_core(self) -> CoreError {
        match self {
            PageError::Core(e) => e,
            // Only the fast path returns it, and it is retried.
            PageError::OpFailed => CoreError::Corrupt("an op failed twice".into()),
        }
    }
}

impl From<CoreError> for PageError {
    fn from(e: CoreError) -> Self {
        PageError::Core(e)
    }
}

impl From<clinic_store::StoreError> for PageError {
    fn from(e: clinic_store::StoreError) -> Self {
        PageError::Core(e.into())
    }
}

impl From<rusqlite::Error> for PageError {
    fn from(e: rusqlite::Error) -> Self {
        PageError::Core(e.into())
    }
}

fn apply_ops(
    tx: &mut clinic_store::RemoteTx<'_>,
    ops: &[LoggedOp],
    at: Position<'_>,
    isolation: Isolation,
) -> Result<PageSummary, PageError> {
    let mut summary = PageSummary::default();
    let now = tx.now_rfc3339();
    // One clock merge for the page: the latest clock it carries.
    if let Some(latest) = ops.iter().map(|o| &o.op.hlc).max() {
        tx.observe(latest)?;
    }
    for logged in ops {
        let op_id = logged.op.op_id.to_string();
        // This device's own op (in its outbox): already applied here. An op
        // under this device's id that the outbox lacks (a database restored
        // from an older copy) is applied like any other.
        let own = logged.device_id == tx.device_id() && in_outbox(tx.conn(), &op_id)?;
        if own {
            apply::own_op_returned(tx.conn(), logged)?;
        }
        if own || known(tx.conn(), &op_id)? {
            summary.skipped += 1;
            continue;
        }
        if logged.op.schema_version > SCHEMA_VERSION {
            hold(
                tx.conn(),
                logged,
                "written by a newer version of the app",
                &now,
            )?;
            summary.held += 1;
            continue;
        }
        let incoming = Incoming::new(logged);
        let apply = |conn: &Connection| {
            apply::apply_one(conn, &incoming)?;
            record_applied(conn, logged, &now)
        };
        if isolation == Isolation::FailFast {
            apply(tx.conn()).map_err(|_| PageError::OpFailed)?;
            summary.applied += 1;
            continue;
        }
        match tx.isolated(apply) {
            Ok(()) => summary.applied += 1,
            Err(e) => {
                hold(tx.conn(), logged, &e.to_string(), &now)?;
                summary.held += 1;
            }
        }
    }
    if let Some(cursor) = at.cursor {
        let last = ops.last().map(|o| o.seq as i64);
        let head = at.head_seq.map(|h| h as i64);
        tx.conn().prepare_cached(
            "UPDATE sync_state SET cursor = ?1, applied_seq = max(applied_seq, coalesce(?2, 0)),
                head_seq = max(head_seq, coalesce(?2, 0), coalesce(?3, 0))",
        )?.execute(params![cursor, last, head])?;
    }
    Ok(summary)
}

/// Kinds whose last-writer-wins tests read earlier ops' payloads (a field, a staff
/// member, a status): their applied payload is kept; other kinds keep `{}` (a
/// document's content is not stored twice).
fn payload_kept(kind: OpKind) -> bool {
    matches!(
        kind,
        OpKind::SetFields
            | OpKind::AddCareTeamMember
            | OpKind::RemoveCareTeamMember
            | OpKind::ShareDocument
            | OpKind::SetAppointmentStatus
    )
}

fn record_applied(conn: &Connection, logged: &LoggedOp, now: &str) -> Result<(), CoreError> {
    let op = &logged.op;
    let payload = if payload_kept(op.kind) {
        op.payload.to_string()
    } else {
        "{}".to_string()
    };
    conn.prepare_cached("INSERT INTO applied_op (op_id, seq, device_id, hlc, kind, entity, entity_id, payload, applied_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")?.execute(
        params![
            op.op_id.to_string(),
            logged.seq as i64,
            logged.device_id.to_string(),
            op.hlc.to_string(),
            op.kind.as_str(),
            op.entity.as_str(),
            op.entity_id,
            payload,
            now
        ],
    )?;
    Ok(())
}

/// Retries held ops (oldest first) — after an upgrade, or when a missing
/// prerequisite has arrived since. Returns how many were applied now.
pub fn retry_held(store: &mut Store) -> Result<usize, CoreError> {
    let held: Vec<String> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT op FROM held_op ORDER BY seq LIMIT 1000")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut ops = Vec::new();
    for text in held {
        if let Ok(op) = serde_json::from_str::<LoggedOp>(&text) {
            if op.op.schema_version <= SCHEMA_VERSION {
                ops.push(op);
            }
        }
    }
    if ops.is_empty() {
        return Ok(0);
    }
    store.apply_remote(|tx| {
        let now = tx.now_rfc3339();
        let mut applied = 0;
        for logged in &ops {
            let incoming = Incoming::new(logged);
            let ok = tx.isolated(|conn| {
                apply::apply_one(conn, &incoming)?;
                record_applied(conn, logged, &now)?;
                conn.prepare_cached("DELETE FROM held_op WHERE op_id = ?1")?
                    .execute([logged.op.op_id.to_string()])?;
                Ok::<_, CoreError>(())
            });
            if ok.is_ok() {
                applied += 1;
            }
        }
        Ok(applied)
    })
}

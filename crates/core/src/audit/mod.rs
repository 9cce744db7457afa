//! The tamper-evident audit trail: who did what to which patient's data, when, on
//! which device. Every entry is sealed with a keyed hash chained to the previous
//! entry (`chain`), so an entry edited, deleted, inserted or moved with direct
//! database access is found by `verify`; a tail cut off is found against an anchor
//! (`head` today, countersigned by the sync server later).
//!
//! Writing: [`append`] runs INSIDE the caller's write transaction, so an edit and
//! its audit entry commit together or not at all; [`append_standalone`] opens its
//! own transaction for actions that write nothing else (view, search, login, …).
//! Audit entries are not outbox ops: they will travel to the server separately, in
//! `seq` order, with the last pushed `seq` kept outside `audit_event` (rows are
//! never updated; triggers refuse UPDATE and DELETE).
//!
//! What goes in: ids, field names and counts. Never values, names, search text or
//! anything else a patient could be identified by — `detail` is stored in the clear
//! inside the encrypted database, exported to CSV and synced.
//!
//! Trust: the audit key comes from the store's key material, so someone holding
//! the database key can in principle re-seal a rewritten chain; only anchoring the
//! head on the server makes the trail tamper-evident against them.
//!
//! Modules: `chain` (what is hashed), `verify` (checking the chain), `report`
//! (the filtered, sorted, paged report and its CSV export).
mod chain;
mod report;
mod verify;

pub use chain::{GENESIS, HASH_LEN};
pub use report::{
    export_csv, export_csv_audited, export_csv_in_zone, query, query_in_zone, MAX_PAGE_SIZE,
};
pub use verify::{verify, verify_against_anchor, verify_audited, MAX_LISTED_PROBLEMS};

use crate::CoreError;
use chain::ChainFields;
use clinic_protocol::{AuditAction, AuditAnchor, AuditCategory, AuditEvent, DeviceId, PatientId};
use clinic_store::{Store, WriteTx};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

/// Largest `detail` accepted, as JSON text.
pub const MAX_DETAIL_BYTES: usize = 8 * 1024;
/// Most patient ids listed in one search entry.
pub const MAX_LISTED_IDS: usize = 100;

/// The signed-in staff member, as recorded in each entry (a snapshot: later name or
/// role changes do not rewrite history).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditActor {
    pub id: String,
    pub name: String,
    pub role: String,
}

/// An entry to append. Build with [`NewAuditEvent::new`] or the ready-made
/// constructors; `detail` must be a JSON object of ids, field names and counts.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAuditEvent {
    pub actor: Option<AuditActor>,
    pub action: AuditAction,
    pub category: AuditCategory,
    pub patient_id: Option<PatientId>,
    pub detail: Value,
}

impl NewAuditEvent {
    /// An entry with no actor, no patient and an empty detail.
    pub fn new(action: AuditAction, category: AuditCategory) -> Self {
        Self {
            actor: None,
            action,
            category,
            patient_id: None,
            detail: json!({}),
        }
    }

    pub fn by(mut self, actor: Option<AuditActor>) -> Self {
        self.actor = actor;
        self
    }

    pub fn patient(mut self, id: PatientId) -> Self {
        self.patient_id = Some(id);
        self
    }

    /// Ids, field names and counts only.
    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }

    /// A patient record was opened.
    pub fn patient_viewed(actor: Option<AuditActor>, id: PatientId) -> Self {
        Self::new(AuditAction::View, AuditCategory::Demographics)
            .by(actor)
            .patient(id)
    }

    /// A patient was registered; `fields` are the names of the fields given.
    pub fn patient_created(actor: Option<AuditActor>, id: PatientId, fields: &[&str]) -> Self {
        Self::new(AuditAction::Create, AuditCategory::Demographics)
            .by(actor)
            .patient(id)
            .detail(json!({ "fields": fields }))
    }

    /// A patient was edited; `fields` are the names of the changed fields.
    pub fn patient_updated(
        actor: Option<AuditActor>,
        id: PatientId,
        fields: &[&str],
        version: i64,
    ) -> Self {
        Self::new(AuditAction::Update, AuditCategory::Demographics)
            .by(actor)
            .patient(id)
            .detail(json!({ "fields": fields, "version": version }))
    }

    /// A patient search returned `results` (the ids shown, at most
    /// [`MAX_LISTED_IDS`] listed). Records how many words were typed, never the text.
    pub fn patient_search(
        actor: Option<AuditActor>,
        words: usize,
        page: u32,
        results: &[PatientId],
    ) -> Self {
        let ids: Vec<String> = results
            .iter()
            .take(MAX_LISTED_IDS)
            .map(ToString::to_string)
            .collect();
        Self::new(AuditAction::Search, AuditCategory::Demographics)
            .by(actor)
            .detail(json!({
                "words": words,
                "page": page,
                "results": results.len(),
                "patient_ids": ids,
            }))
    }
}

/// Appends `event` at the current UTC time, INSIDE the caller's open transaction
/// (an error if `conn` is not in one): the entry commits or rolls back with the
/// caller's other writes. Returns the sealed entry.
pub fn append(
    conn: &Connection,
    key: &[u8; 32],
    device_id: DeviceId,
    event: &NewAuditEvent,
) -> Result<AuditEvent, CoreError> {
    append_at(conn, key, device_id, chrono::Utc::now(), event)
}

/// [`append`] stamped with the write transaction's own clock (the same time as the
/// rows it writes).
pub fn append_in(
    tx: &WriteTx<'_>,
    key: &[u8; 32],
    device_id: DeviceId,
    event: &NewAuditEvent,
) -> Result<AuditEvent, CoreError> {
    let now = chrono::DateTime::parse_from_rfc3339(&tx.now_rfc3339())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|_| chrono::Utc::now());
    if let Some(actor) = &event.actor {
        // The same person made the transaction's ops: other devices show who.
        tx.set_actor(&actor.id, &actor.name);
    }
    append_at(tx.conn(), key, device_id, now, event)
}

/// Appends `event` in its own write transaction: for actions that write nothing
/// else (view, search, login, lock, …).
pub fn append_standalone(
    store: &mut Store,
    key: &[u8; 32],
    event: &NewAuditEvent,
) -> Result<AuditEvent, CoreError> {
    let device_id = store.device_id();
    store.write(|tx| append_in(tx, key, device_id, event))
}

/// [`append`] with an explicit device time (tests, imports of a known time).
pub fn append_at(
    conn: &Connection,
    key: &[u8; 32],
    device_id: DeviceId,
    device_time: chrono::DateTime<chrono::Utc>,
    event: &NewAuditEvent,
) -> Result<AuditEvent, CoreError> {
    if conn.is_autocommit() {
        return Err(CoreError::Audit(
            "entries are appended inside the write transaction of the action",
        ));
    }
    if !event.detail.is_object() {
        return Err(CoreError::Audit("the detail must be a JSON object"));
    }
    let detail = event.detail.to_string();
    if detail.len() > MAX_DETAIL_BYTES {
        return Err(CoreError::Audit("the detail is too large"));
    }
    let last: Option<(i64, SqlValue)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (last_seq, prev) = match last {
        None => (0, GENESIS),
        Some((seq, hash)) => (
            seq,
            hash_of(&hash).unwrap_or_else(|| {
                // Fail open (the clinic keeps working) but leave a trace: verify
                // reports the damaged entry and the broken link after it.
                tracing::warn!(
                    seq,
                    "the last audit entry's hash is malformed; chaining from zeros"
                );
                GENESIS
            }),
        ),
    };
    let seq = u64::try_from(last_seq).unwrap_or(0) + 1;
    let actor = event.actor.as_ref();
    let fields = ChainFields {
        seq,
        event_id: uuid::Uuid::now_v7().to_string(),
        device_time: device_time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        device_id: device_id.to_string(),
        actor_id: actor.map(|a| a.id.clone()),
        actor_name: actor.map(|a| a.name.clone()),
        actor_role: actor.map(|a| a.role.clone()),
        action: event.action.as_str().to_string(),
        category: event.category.as_str().to_string(),
        patient_id: event.patient_id.map(|p| p.to_string()),
        detail,
    };
    let hash = chain::seal(key, &prev, &fields);
    conn.prepare_cached(
        "INSERT INTO audit_event (seq, event_id, device_time, device_id, actor_id, actor_name, actor_role,
            action, category, patient_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        seq as i64,
        fields.event_id,
        fields.device_time,
        fields.device_id,
        fields.actor_id,
        fields.actor_name,
        fields.actor_role,
        fields.action,
        fields.category,
        fields.patient_id,
        fields.detail,
        prev.as_slice(),
        hash.as_slice(),
    ])?;
    tracing::debug!(seq, action = fields.action, "audit entry appended");
    Ok(AuditEvent {
        seq,
        event_id: fields.event_id,
        device_time: fields.device_time,
        device_id: fields.device_id,
        actor_id: fields.actor_id,
        actor_name: fields.actor_name,
        actor_role: fields.actor_role,
        action: fields.action,
        category: fields.category,
        patient_id: fields.patient_id,
        detail: event.detail.clone(),
        hash: hex::encode(hash),
    })
}

/// The head of the chain: the last entry's sequence number and hash (`0` and
/// zeros when empty). This is what the sync server will anchor.
pub fn head(conn: &Connection) -> Result<AuditAnchor, CoreError> {
    let last: Option<(i64, SqlValue)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match last {
        None => AuditAnchor {
            seq: 0,
            hash: hex::encode(GENESIS),
        },
        Some((seq, hash)) => AuditAnchor {
            seq: u64::try_from(seq).unwrap_or(0),
            hash: display_text(hash).unwrap_or_default(),
        },
    })
}

/// A stored hash, if it is a 32-byte blob.
fn hash_of(v: &SqlValue) -> Option<[u8; HASH_LEN]> {
    match v {
        SqlValue::Blob(b) => b.as_slice().try_into().ok(),
        _ => None,
    }
}

/// A stored column as text for display (hashes as hex), whatever its type.
fn display_text(v: SqlValue) -> Option<String> {
    match v {
        SqlValue::Null => None,
        SqlValue::Integer(i) => Some(i.to_string()),
        SqlValue::Real(f) => Some(f.to_string()),
        SqlValue::Text(s) => Some(s),
        SqlValue::Blob(b) => Some(hex::encode(b)),
    }
}

/// The columns `event_from_row` reads, in order.
const EVENT_COLUMNS: &str =
    "seq, event_id, device_time, device_id, actor_id, actor_name, actor_role, \
     action, category, patient_id, detail, hash";

/// An entry for display, tolerant of tampered column types (shown as stored).
fn event_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEvent> {
    let text = |i: usize| -> rusqlite::Result<Option<String>> {
        Ok(display_text(r.get::<_, SqlValue>(i)?))
    };
    let detail_text = text(10)?.unwrap_or_default();
    Ok(AuditEvent {
        seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
        event_id: text(1)?.unwrap_or_default(),
        device_time: text(2)?.unwrap_or_default(),
        device_id: text(3)?.unwrap_or_default(),
        actor_id: text(4)?,
        actor_name: text(5)?,
        actor_role: text(6)?,
        action: text(7)?.unwrap_or_default(),
        category: text(8)?.unwrap_or_default(),
        patient_id: text(9)?,
        detail: serde_json::from_str(&detail_text).unwrap_or(Value::String(detail_text)),
        hash: text(11)?.unwrap_or_default(),
    })
}

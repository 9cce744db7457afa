//! This device's audit chain on the sync server: the entries not yet uploaded,
//! and the anchor the server answered (where its copy of the chain ends). The
//! administrators' "Verify chain" checks the local trail still holds that anchor.
use crate::CoreError;
use clinic_protocol::AuditAnchor;
use clinic_protocol::AuditUploadEntry;
use clinic_store::Store;
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

fn hex_of(v: SqlValue) -> String {
    match v {
        SqlValue::Blob(b) => hex::encode(b),
        SqlValue::Text(t) => t,
        _ => String::new(),
    }
}

/// Up to `limit` audit entries after the server's anchor, oldest first.
pub fn pending(conn: &Connection, limit: u32) -> Result<Vec<AuditUploadEntry>, CoreError> {
    let after: i64 = conn
        .query_row("SELECT audit_anchor_seq FROM sync_state", [], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let mut stmt = conn.prepare_cached(
        "SELECT seq, event_id, device_time, device_id, actor_id, actor_role, action, category,
            patient_id, detail, prev_hash, hash
         FROM audit_event WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit], |r| {
        let detail: String = r.get(9)?;
        Ok(AuditUploadEntry {
            seq: r.get::<_, i64>(0)? as u64,
            entry: json!({
                "event_id": r.get::<_, String>(1)?,
                "device_time": r.get::<_, String>(2)?,
                "device_id": r.get::<_, String>(3)?,
                "actor_id": r.get::<_, Option<String>>(4)?,
                "actor_role": r.get::<_, Option<String>>(5)?,
                "action": r.get::<_, String>(6)?,
                "category": r.get::<_, String>(7)?,
                "patient_id": r.get::<_, Option<String>>(8)?,
                "detail": serde_json::from_str::<serde_json::Value>(&detail).unwrap_or_default(),
            }),
            prev_hash: hex_of(r.get(10)?),
            hash: hex_of(r.get(11)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Saves the anchor the server answered.
pub fn save(store: &mut Store, anchor: &AuditAnchor) -> Result<(), CoreError> {
    store.conn().execute(
        "UPDATE sync_state SET audit_anchor_seq = ?1, audit_anchor_hash = ?2",
        params![anchor.seq as i64, anchor.hash],
    )?;
    Ok(())
}

/// The server's anchor of this device's chain, once it holds any entry.
pub fn server_anchor(conn: &Connection) -> Result<Option<AuditAnchor>, CoreError> {
    let row: Option<(i64, Option<String>)> = conn
        .query_row(
            "SELECT audit_anchor_seq, audit_anchor_hash FROM sync_state",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((seq, Some(hash))) if seq > 0 => Some(AuditAnchor {
            seq: seq as u64,
            hash,
        }),
        _ => None,
    })
}

/// True when the local trail still holds the entry the server anchored (same
/// seq, same hash); false when it was cut below it or rewritten.
pub fn local_trail_holds_anchor(conn: &Connection) -> Result<bool, CoreError> {
    let Some(anchor) = server_anchor(conn)? else {
        return Ok(true);
    };
    let at: Option<SqlValue> = conn
        .query_row(
            "SELECT hash FROM audit_event WHERE seq = ?1",
            [anchor.seq as i64],
            |r| r.get(0),
        )
        .optional()?;
    Ok(at.map(hex_of).is_some_and(|h| h == anchor.hash))
}

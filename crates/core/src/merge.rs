//! Merging duplicate patient records: every chart item of the merged record
//! (allergies, medications, problems, plans, encounters, notes, observations,
//! documents, notifications) moves to the surviving record; the merged record
//! stays as a redirect (`merged_into`) so every id held elsewhere still resolves;
//! a restriction and care team carry over (the stricter wins). One transaction,
//! one `merge_patients` op, one audit entry.
//!
//! The surviving record's demographics are kept as they are: staff edit them
//! afterwards if the merged record had better details.
use crate::audit::{self, NewAuditEvent};
use crate::authz::Command;
use crate::restricted::ensure_caller_access;
use crate::{registry, Caller, CoreError};
use clinic_protocol::{
    AuditAction, AuditCategory, EntityKind, MergeOutcome, MergePatients, OpKind, PatientId,
};
use clinic_store::Store;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

/// Tables whose rows belong to a patient and move with a merge.
const MOVED: [&str; 6] = [
    "chart_entry",
    "encounter",
    "clinical_note",
    "observation",
    "document",
    "notification",
];

/// Longest chain of redirects followed (merges of merged records).
const MAX_REDIRECTS: usize = 8;

fn merged_into(conn: &Connection, id: PatientId) -> Result<Option<Option<String>>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT merged_into FROM patient WHERE id = ?1",
            [id.to_string()],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?)
}

/// The record `id` resolves to: itself, or the record it was merged into.
pub fn resolve(conn: &Connection, id: PatientId) -> Result<PatientId, CoreError> {
    let mut current = id;
    for _ in 0..MAX_REDIRECTS {
        match merged_into(conn, current)? {
            None => return Err(CoreError::NotFound("patient")),
            Some(None) => return Ok(current),
            Some(Some(next)) => {
                current = next
                    .parse()
                    .map_err(|_| CoreError::Corrupt("patient redirect".into()))?;
            }
        }
    }
    Err(CoreError::Corrupt("patient redirects loop".into()))
}

/// Merges `merged_id` into `survivor_id` (see the module header).
pub fn merge(
    store: &mut Store,
    caller: &Caller<'_>,
    request: MergePatients,
) -> Result<MergeOutcome, CoreError> {
    let (survivor, merged) = (request.survivor_id, request.merged_id);
    if survivor == merged {
        return Err(CoreError::field(
            "merged_id",
            "Choose two different records.",
        ));
    }
    for (field, id) in [("survivor_id", survivor), ("merged_id", merged)] {
        match merged_into(store.conn(), id)? {
            None => return Err(CoreError::NotFound("patient")),
            Some(Some(_)) => {
                return Err(CoreError::field(
                    field,
                    "This record was already merged into another one.",
                ))
            }
            Some(None) => {}
        }
    }
    ensure_caller_access(store, caller, survivor, Command::MergePatients)?;
    ensure_caller_access(store, caller, merged, Command::MergePatients)?;
    let device = store.device_id();
    let moved = store.write(|tx| {
        let now = tx.now_rfc3339();
        tx.record(
            OpKind::MergePatients,
            EntityKind::Patient,
            &merged.to_string(),
            json!({ "survivor_id": survivor.to_string() }),
        )?;
        let moved = move_records(tx.conn(), survivor, merged, &now)?;
        let m = merged.to_string();
        let event = NewAuditEvent::new(AuditAction::Update, AuditCategory::Demographics)
            .by(caller.actor.clone())
            .patient(survivor)
            .detail(json!({ "merged_id": m, "moved": moved }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok::<_, CoreError>(moved)
    })?;
    tracing::info!(survivor = %survivor, merged = %merged, moved, "merged duplicate patients");
    Ok(MergeOutcome {
        survivor: registry::get_patient(store.conn(), survivor)?,
        moved,
    })
}

/// Moves everything of `merged` to `survivor` and leaves `merged` as a redirect:
/// the rows part of a merge, shared by the local use case and by applying a
/// `merge_patients` op from another device. Returns the chart items moved.
pub(crate) fn move_records(
    conn: &Connection,
    survivor: PatientId,
    merged: PatientId,
    now: &str,
) -> Result<i64, CoreError> {
    let (s, m) = (survivor.to_string(), merged.to_string());
    let mut moved = 0i64;
    for table in MOVED {
        let n = conn.execute(
            &format!("UPDATE {table} SET patient_id = ?1 WHERE patient_id = ?2"),
            params![s, m],
        )?;
        if table != "notification" {
            moved += n as i64;
        }
    }
    let c = conn;
    // "No known allergies" carries over only if the survivor has no statement.
    c.execute(
        "INSERT OR IGNORE INTO allergy_statement (patient_id, no_known_allergies, stated_at,
            stated_by, stated_by_name)
         SELECT ?1, no_known_allergies, stated_at, stated_by, stated_by_name
         FROM allergy_statement WHERE patient_id = ?2",
        params![s, m],
    )?;
    // The stricter restriction wins; care teams are united.
    c.execute(
        "INSERT INTO patient_restriction (patient_id, restricted, category, updated_at, updated_by)
         SELECT ?1, restricted, category, ?3, updated_by FROM patient_restriction
         WHERE patient_id = ?2 AND restricted = 1
         ON CONFLICT (patient_id) DO UPDATE SET restricted = 1,
            category = coalesce(patient_restriction.category, excluded.category),
            updated_at = excluded.updated_at
         WHERE patient_restriction.restricted = 0",
        params![s, m, now],
    )?;
    c.execute(
        "INSERT INTO care_team_member (patient_id, staff_id, active, updated_at, updated_by)
         SELECT ?1, staff_id, 1, ?3, updated_by FROM care_team_member
         WHERE patient_id = ?2 AND active = 1
         ON CONFLICT (patient_id, staff_id) DO UPDATE SET active = 1, updated_at = excluded.updated_at",
        params![s, m, now],
    )?;
    // The merged record leaves search and duplicate checks.
    c.execute("DELETE FROM patient_name_token WHERE patient_id = ?1", [&m])?;
    c.execute(
        "UPDATE patient SET merged_into = ?1, merged_at = ?3 WHERE id = ?2",
        params![s, m, now],
    )?;
    // A possible-duplicate conflict about the merged record is settled.
    conn.execute(
        "UPDATE sync_conflict SET status = 'resolved', resolution = 'merged', resolved_at = ?2
         WHERE kind = 'possible_duplicate' AND status = 'open' AND (patient_id = ?1 OR other_id = ?1)",
        params![m, now],
    )?;
    Ok(moved)
}

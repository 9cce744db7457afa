//! Conflicts that need a human (DESIGN.md §5): concurrent edits of a patient's
//! identity fields, and registrations that look like the same person. Appliers
//! detect them the same way on every device; staff resolve them here.
use crate::audit::{self, NewAuditEvent};
use crate::{registry, Caller, CoreError};
use clinic_protocol::{
    AuditAction, AuditCategory, ConflictResolution, EntityKind, OpKind, PatientId,
    ResolveSyncConflict, SyncConflict, SyncConflictKind,
};
use clinic_store::Store;
use rusqlite::{params, Connection};
use serde_json::json;

/// Records an identity-field conflict (once per patient, field and value pair).
pub fn record_identity(
    conn: &Connection,
    patient_id: &str,
    field: &str,
    current: &str,
    other: &str,
    now: &str,
) -> Result<(), CoreError> {
    let id = format!(
        "identity:{patient_id}:{field}:{}",
        short_hash(&[current, other])
    );
    conn.execute(
        "INSERT OR IGNORE INTO sync_conflict (id, kind, patient_id, field, local_value, remote_value, detected_at)
         VALUES (?1, 'identity_field', ?2, ?3, ?4, ?5, ?6)",
        params![id, patient_id, field, current, other, now],
    )?;
    Ok(())
}

/// Records a possible duplicate registration (the pair in a fixed order).
pub fn record_duplicate(conn: &Connection, a: &str, b: &str, now: &str) -> Result<(), CoreError> {
    let (first, second) = if a < b { (a, b) } else { (b, a) };
    let id = format!("duplicate:{first}:{second}");
    conn.execute(
        "INSERT OR IGNORE INTO sync_conflict (id, kind, patient_id, other_id, detected_at)
         VALUES (?1, 'possible_duplicate', ?2, ?3, ?4)",
        params![id, first, second, now],
    )?;
    Ok(())
}

fn short_hash(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    let mut h = Sha256::new();
    for p in sorted {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

/// Closes a conflict (`resolution`: keep_current, use_other, dismiss, merged).
pub fn close(conn: &Connection, id: &str, resolution: &str, now: &str) -> Result<(), CoreError> {
    let status = if resolution == "dismiss" {
        "dismissed"
    } else {
        "resolved"
    };
    conn.execute(
        "UPDATE sync_conflict SET status = ?2, resolution = ?3, resolved_at = ?4
         WHERE id = ?1 AND status = 'open'",
        params![id, status, resolution, now],
    )?;
    Ok(())
}

struct Row {
    id: String,
    kind: String,
    patient: PatientId,
    other: Option<PatientId>,
    field: Option<String>,
    current: Option<String>,
    other_value: Option<String>,
    detected_at: String,
}

fn open_rows(conn: &Connection, only: Option<&str>) -> Result<Vec<Row>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, patient_id, other_id, field, local_value, remote_value, detected_at
         FROM sync_conflict WHERE status = 'open' AND (?1 IS NULL OR id = ?1)
         ORDER BY detected_at, id LIMIT 500",
    )?;
    let rows = stmt.query_map([only], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, String>(7)?,
        ))
    })?;
    let bad = || CoreError::Corrupt("sync conflict".into());
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, patient, other, field, current, other_value, detected_at) = row?;
        out.push(Row {
            id,
            kind,
            patient: patient.parse().map_err(|_| bad())?,
            other: other.map(|o| o.parse().map_err(|_| bad())).transpose()?,
            field,
            current,
            other_value,
            detected_at,
        });
    }
    Ok(out)
}

/// A stored JSON value as staff read it ("1990-12-10", not "\"1990-12-10\"").
fn shown(value: Option<String>) -> Option<String> {
    value.map(|v| match serde_json::from_str::<serde_json::Value>(&v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Null) => String::new(),
        _ => v,
    })
}

/// Open conflicts for the caller; patients the caller may not see are shown by
/// MRN only ("Restricted record", no values).
pub fn list(store: &Store, caller: &Caller<'_>) -> Result<Vec<SyncConflict>, CoreError> {
    let conn = store.conn();
    let rows = open_rows(conn, None)?;
    let ids = rows
        .iter()
        .flat_map(|r| std::iter::once(r.patient).chain(r.other));
    let hidden = crate::restricted::hidden_from(conn, caller, chrono::Utc::now(), ids)?;
    let label = |id: PatientId| -> Result<(String, String), CoreError> {
        let p = registry::get_patient(conn, id)?;
        let name = if hidden.contains(&id) {
            RESTRICTED_LABEL.to_string()
        } else {
            format!("{}, {}", p.details.family_name, p.details.given_name)
        };
        Ok((name, p.mrn))
    };
    let mut out = Vec::new();
    for r in rows {
        let kind = SyncConflictKind::parse(&r.kind)
            .ok_or_else(|| CoreError::Corrupt("sync conflict kind".into()))?;
        let (patient_label, mrn) = label(r.patient)?;
        let other = r.other.map(label).transpose()?;
        let masked = hidden.contains(&r.patient);
        out.push(SyncConflict {
            id: r.id,
            kind,
            patient_id: r.patient,
            patient_label,
            mrn,
            other_patient_id: r.other,
            other_label: other.as_ref().map(|o| o.0.clone()),
            other_mrn: other.map(|o| o.1),
            field: r.field,
            current_value: if masked { None } else { shown(r.current) },
            other_value: if masked { None } else { shown(r.other_value) },
            detected_at: r.detected_at,
        });
    }
    Ok(out)
}

/// What a restricted patient is called where the caller may not see them.
const RESTRICTED_LABEL: &str = "Restricted record";

/// Resolves a conflict as staff chose: one `resolve_conflict` op (which sets the
/// chosen identity value, so every device shows it and closes the conflict) and
/// one audit entry, in one transaction.
pub fn resolve(
    store: &mut Store,
    caller: &Caller<'_>,
    request: ResolveSyncConflict,
) -> Result<(), CoreError> {
    let row = open_rows(store.conn(), Some(&request.id))?
        .pop()
        .ok_or(CoreError::NotFound("conflict"))?;
    crate::restricted::ensure_caller_access(
        store,
        caller,
        row.patient,
        crate::authz::Command::ResolveSyncConflict,
    )?;
    let (field, value) = match (row.kind.as_str(), request.resolution) {
        ("identity_field", ConflictResolution::KeepCurrent | ConflictResolution::UseOther) => {
            let text = if request.resolution == ConflictResolution::KeepCurrent {
                row.current.clone()
            } else {
                row.other_value.clone()
            };
            let value: serde_json::Value = text
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
                .ok_or_else(|| CoreError::Corrupt("sync conflict value".into()))?;
            (row.field.clone(), value)
        }
        (_, ConflictResolution::Dismiss) => (None, serde_json::Value::Null),
        _ => {
            return Err(CoreError::field(
                "resolution",
                "Choose keep, use the other value, or not the same person.",
            ))
        }
    };
    let resolution = match request.resolution {
        ConflictResolution::KeepCurrent => "keep_current",
        ConflictResolution::UseOther => "use_other",
        ConflictResolution::Dismiss => "dismiss",
    };
    let device = store.device_id();
    store.write(|tx| {
        let mut payload = json!({ "conflict_id": row.id, "resolution": resolution });
        if let Some(f) = &field {
            payload["field"] = json!(f);
            payload["value"] = value.clone();
        }
        let op = tx.record(
            OpKind::ResolveConflict,
            EntityKind::Patient,
            &row.patient.to_string(),
            payload,
        )?;
        if let Some(f) = &field {
            set_field_locally(
                tx.conn(),
                row.patient,
                f,
                &value,
                &op.hlc.to_string(),
                &tx.now_rfc3339(),
            )?;
        }
        close(tx.conn(), &row.id, resolution, &tx.now_rfc3339())?;
        let event = NewAuditEvent::new(AuditAction::Update, AuditCategory::Demographics)
            .by(caller.actor.clone())
            .patient(row.patient)
            .detail(json!({ "conflict": row.kind, "field": field, "resolution": resolution }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok::<_, CoreError>(())
    })?;
    tracing::info!(conflict_kind = %row.kind, resolution, "resolved a sync conflict");
    Ok(())
}

fn set_field_locally(
    conn: &Connection,
    id: PatientId,
    field: &str,
    value: &serde_json::Value,
    hlc: &str,
    now: &str,
) -> Result<(), CoreError> {
    let current = registry::get_patient(conn, id)?;
    let mut values = registry::detail_map(&current.details);
    values.insert(field.to_string(), value.clone());
    let details: clinic_protocol::PatientDetails =
        serde_json::from_value(serde_json::Value::Object(values))
            .map_err(|_| CoreError::Corrupt("sync conflict value".into()))?;
    let mut clock = registry::field_clock(conn, id)?;
    clock.insert(field.to_string(), hlc.to_string());
    let names = ["given_name", "middle_name", "family_name"].contains(&field);
    registry::write_patient_rows(conn, id, &details, &clock, names, now)
}

//! The clinic, staff accounts, break-glass grants and alerts, and notifications
//! from other devices.
//!
//! Policies: the clinic and staff rows are created once (idempotent); their
//! fields are last-writer-wins per field by HLC; a grant is created once with its
//! alert, a revocation or acknowledgement is a one-way stamp (the first wins);
//! notifications are created once and "read" is one-way.
use super::{exists, is_newest_field, malformed, Incoming};
use crate::CoreError;
use clinic_protocol::Role;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

pub fn create_clinic(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let name = inc.text("name")?;
    let minutes = inc.int("auto_lock_minutes")?;
    let existing: Option<String> = conn
        .prepare_cached("SELECT id FROM clinic")?
        .query_row([], |r| r.get(0))
        .optional()?;
    match existing {
        Some(id) if id == inc.entity_id() => Ok(()),
        Some(_) => Err(CoreError::Corrupt(
            "this device belongs to another clinic than the server's".into(),
        )),
        None => {
            conn.prepare_cached("INSERT INTO clinic (singleton, id, name, auto_lock_minutes, created_at, updated_at)
                 VALUES (1, ?1, ?2, ?3, ?4, ?4)")?.execute(
                params![inc.entity_id(), name, minutes, inc.at],
            )?;
            Ok(())
        }
    }
}

pub fn clinic_fields(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let fields = fields(inc)?;
    for (field, value) in fields {
        let field = field.as_str();
        if !is_newest_field(conn, inc, field)? {
            continue;
        }
        match field {
            "auto_lock_minutes" => {
                let minutes = value.as_i64().ok_or_else(|| malformed(inc, field))?;
                conn.prepare_cached(
                    "UPDATE clinic SET auto_lock_minutes = ?1, updated_at = ?2 WHERE id = ?3",
                )?
                .execute(params![minutes, inc.at, inc.entity_id()])?;
            }
            "name" => {
                let name = value.as_str().ok_or_else(|| malformed(inc, field))?;
                conn.prepare_cached("UPDATE clinic SET name = ?1, updated_at = ?2 WHERE id = ?3")?
                    .execute(params![name, inc.at, inc.entity_id()])?;
            }
            _ => return Err(malformed(inc, field)),
        }
    }
    Ok(())
}

pub fn create_staff(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    if exists(conn, "staff", inc.entity_id())? {
        return Ok(());
    }
    let username = inc.text("username")?;
    let role: Role = inc.parse("role")?;
    conn.prepare_cached(
        "INSERT INTO staff (id, username, username_key, display_name, role, password_hash,
            totp_secret, totp_enabled, disabled, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, 0, ?7, ?8, ?8)",
    )?
    .execute(params![
        inc.entity_id(),
        username,
        crate::identity::username_key(username),
        inc.text("display_name")?,
        role.as_str(),
        inc.text("password_hash")?,
        inc.field("disabled").as_bool().unwrap_or(false),
        inc.at
    ])?;
    Ok(())
}

/// Staff columns a `set_fields` op may change.
const STAFF_FIELDS: [&str; 6] = [
    "display_name",
    "role",
    "password_hash",
    "disabled",
    "totp_secret",
    "totp_enabled",
];

pub fn staff_fields(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    if !exists(conn, "staff", inc.entity_id())? {
        return Err(CoreError::NotFound("staff member"));
    }
    let fields = fields(inc)?;
    // Validate every field before changing anything.
    for (field, value) in &fields {
        let column = STAFF_FIELDS
            .iter()
            .find(|c| **c == field.as_str())
            .ok_or_else(|| malformed(inc, field))?;
        if *column == "role" {
            serde_json::from_value::<Role>(value.clone()).map_err(|_| malformed(inc, field))?;
        }
    }
    for (field, value) in fields {
        if !is_newest_field(conn, inc, &field)? {
            continue;
        }
        let sql_value: rusqlite::types::Value = match value {
            Value::Null => rusqlite::types::Value::Null,
            Value::Bool(b) => rusqlite::types::Value::Integer(b as i64),
            Value::Number(n) => rusqlite::types::Value::Integer(n.as_i64().unwrap_or(0)),
            Value::String(s) => rusqlite::types::Value::Text(s),
            _ => return Err(malformed(inc, &field)),
        };
        // `field` is one of STAFF_FIELDS (checked above), never input text.
        conn.execute(
            &format!("UPDATE staff SET {field} = ?2, updated_at = ?3 WHERE id = ?1"),
            params![inc.entity_id(), sql_value, inc.at],
        )?;
    }
    Ok(())
}

fn fields(inc: &Incoming<'_>) -> Result<Vec<(String, Value)>, CoreError> {
    let map = inc
        .field("fields")
        .as_object()
        .ok_or_else(|| malformed(inc, "fields"))?;
    Ok(map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

pub fn break_glass(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    if exists(conn, "break_glass_grant", inc.entity_id())? {
        return Ok(());
    }
    let granted_at = inc.text("granted_at")?;
    conn.prepare_cached(
        "INSERT INTO break_glass_grant (id, staff_id, patient_id, reason, granted_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        inc.entity_id(),
        inc.text("staff_id")?,
        inc.text("patient_id")?,
        inc.text("reason")?,
        granted_at,
        inc.text("expires_at")?
    ])?;
    conn.prepare_cached(
        "INSERT OR IGNORE INTO break_glass_alert (id, grant_id, created_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![inc.text("alert_id")?, inc.entity_id(), granted_at])?;
    Ok(())
}

pub fn revoke_break_glass(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE break_glass_grant SET revoked_at = ?2, revoked_by = ?3
         WHERE id = ?1 AND revoked_at IS NULL",
        )?
        .execute(params![
            inc.entity_id(),
            inc.text("revoked_at")?,
            inc.opt_text("revoked_by")?
        ])?;
    if changed == 0 && !exists(conn, "break_glass_grant", inc.entity_id())? {
        return Err(CoreError::NotFound("break-glass grant"));
    }
    Ok(())
}

pub fn acknowledge_alert(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE break_glass_alert SET acknowledged_at = ?2, acknowledged_by = ?3
         WHERE id = ?1 AND acknowledged_at IS NULL",
        )?
        .execute(params![
            inc.entity_id(),
            inc.text("acknowledged_at")?,
            inc.opt_text("acknowledged_by")?
        ])?;
    if changed == 0 && !exists(conn, "break_glass_alert", inc.entity_id())? {
        return Err(CoreError::NotFound("break-glass alert"));
    }
    Ok(())
}

pub fn create_notification(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    if exists(conn, "notification", inc.entity_id())? {
        return Ok(());
    }
    let detail = inc.field("detail");
    if !detail.is_object() {
        return Err(malformed(inc, "detail"));
    }
    conn.prepare_cached(
        "INSERT INTO notification (id, staff_id, kind, patient_id, detail, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        inc.entity_id(),
        inc.text("staff_id")?,
        inc.text("kind")?,
        inc.opt_text("patient_id")?,
        detail.to_string(),
        inc.at
    ])?;
    Ok(())
}

pub fn mark_notification_read(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    conn.prepare_cached("UPDATE notification SET read_at = ?2 WHERE id = ?1 AND read_at IS NULL")?
        .execute(params![inc.entity_id(), inc.text("read_at")?])?;
    Ok(())
}

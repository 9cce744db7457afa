//! The sync client's saved state (one `sync_state` row): enrollment with a server
//! (URL, CA, the device's token, clinic), the pull cursor, the last successful sync
//! and the last error; and the status the UI's indicator shows.
//!
//! The device token is kept in the encrypted database (its key is in the OS
//! keychain) and never leaves this module except to the transport.
use crate::CoreError;
use clinic_protocol::{ClinicId, SyncPhase, SyncStatus};
use clinic_store::Store;
use rusqlite::{params, Connection, OptionalExtension};

/// This device's enrollment with a sync server.
#[derive(Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub server_url: String,
    pub ca_pem: Option<String>,
    pub clinic_id: ClinicId,
    pub device_token: String,
    pub device_name: String,
}

impl std::fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrollment")
            .field("server_url", &self.server_url)
            .field("clinic_id", &self.clinic_id)
            .field("device_name", &self.device_name)
            .finish_non_exhaustive() // never the token
    }
}

/// The saved enrollment, if this device has one.
pub fn enrollment(conn: &Connection) -> Result<Option<Enrollment>, CoreError> {
    let row = conn
        .query_row(
            "SELECT server_url, ca_pem, clinic_id, device_token, device_name FROM sync_state",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    row.map(|(server_url, ca_pem, clinic, device_token, device_name)| {
        Ok(Enrollment {
            server_url,
            ca_pem,
            clinic_id: clinic
                .parse()
                .map_err(|_| CoreError::Corrupt("sync clinic id".into()))?,
            device_token,
            device_name,
        })
    })
    .transpose()
}

/// Saves a new enrollment (replacing any earlier one: a new server starts from
/// the beginning of its log). Ops already pushed to an earlier server are pushed
/// again (the new server has none of them).
pub fn save_enrollment(store: &mut Store, e: &Enrollment, now: &str) -> Result<(), CoreError> {
    store.apply_remote(|tx| {
        tx.conn().execute(
            "INSERT INTO sync_state (singleton, server_url, ca_pem, clinic_id, device_token, device_name, enrolled_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (singleton) DO UPDATE SET server_url = excluded.server_url,
                ca_pem = excluded.ca_pem, clinic_id = excluded.clinic_id,
                device_token = excluded.device_token, device_name = excluded.device_name,
                enrolled_at = excluded.enrolled_at, cursor = NULL, head_seq = 0, applied_seq = 0,
                first_sync_done = 0, last_sync_at = NULL, last_error = NULL, upgrade_required = 0,
                audit_anchor_seq = 0, audit_anchor_hash = NULL",
            params![e.server_url, e.ca_pem, e.clinic_id.to_string(), e.device_token, e.device_name, now],
        )?;
        tx.conn().execute("UPDATE outbox SET pushed_at = NULL", [])?;
        Ok(())
    })
}

/// Where the next pull starts (opaque, from the server), `None` = the beginning.
pub fn cursor(conn: &Connection) -> Result<Option<String>, CoreError> {
    Ok(conn
        .query_row("SELECT cursor FROM sync_state", [], |r| r.get(0))
        .optional()?
        .flatten())
}

/// The server's latest log position, for the first-sync progress bar.
pub fn set_head(store: &mut Store, head_seq: u64) -> Result<(), CoreError> {
    store.conn().execute(
        "UPDATE sync_state SET head_seq = max(head_seq, ?1)",
        [head_seq as i64],
    )?;
    Ok(())
}

/// A complete push + pull finished.
pub fn record_success(
    store: &mut Store,
    now: &str,
    upgrade_required: bool,
) -> Result<(), CoreError> {
    store.conn().execute(
        "UPDATE sync_state SET last_sync_at = ?1, last_error = NULL, first_sync_done = 1,
            upgrade_required = max(upgrade_required, ?2)",
        params![now, upgrade_required as i64],
    )?;
    Ok(())
}

/// A sync attempt failed; `message` is for staff (no PHI, no secrets).
pub fn record_error(store: &mut Store, message: &str) -> Result<(), CoreError> {
    store
        .conn()
        .execute("UPDATE sync_state SET last_error = ?1", [message])?;
    Ok(())
}

fn count(conn: &Connection, sql: &str) -> Result<u32, CoreError> {
    Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u32)
}

/// The indicator's data: saved state plus `phase`, which only the running sync
/// loop knows (syncing / offline / error); `None` derives it from what is saved.
pub fn status(conn: &Connection, phase: Option<SyncPhase>) -> Result<SyncStatus, CoreError> {
    let pending = count(conn, "SELECT count(*) FROM outbox WHERE pushed_at IS NULL")?;
    let open_conflicts = count(
        conn,
        "SELECT count(*) FROM sync_conflict WHERE status = 'open'",
    )?;
    let held = count(conn, "SELECT count(*) FROM held_op")?;
    type Row = (String, Option<String>, Option<String>, bool, bool, i64, i64);
    let row: Option<Row> = conn
        .query_row(
            "SELECT server_url, last_sync_at, last_error, upgrade_required, first_sync_done,
                applied_seq, head_seq FROM sync_state",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .optional()?;
    let Some((url, last_sync_at, last_error, upgrade_required, first_sync_done, applied, head)) =
        row
    else {
        return Ok(SyncStatus {
            phase: SyncPhase::NotEnrolled,
            server_url: None,
            pending_changes: pending,
            last_sync_at: None,
            last_error: None,
            upgrade_required: false,
            first_sync_done: false,
            received: 0,
            total: 0,
            open_conflicts,
            held_changes: held,
        });
    };
    let phase = phase.unwrap_or(if last_error.is_some() {
        SyncPhase::Error
    } else {
        SyncPhase::Idle
    });
    Ok(SyncStatus {
        phase,
        server_url: Some(url),
        pending_changes: pending,
        last_sync_at,
        last_error,
        upgrade_required,
        first_sync_done,
        received: applied.max(0) as u64,
        total: head.max(applied).max(0) as u64,
        open_conflicts,
        held_changes: held,
    })
}

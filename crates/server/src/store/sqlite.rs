//! SQLite implementation of [`OpLogStore`]: one file `server.sqlite3` in the data
//! directory, opened only by [`open`].
//!
//! The file is plain (not keyed): it uses the workspace's SQLCipher build without a
//! key, which is ordinary SQLite. Protecting it at rest is the host's disk
//! encryption for now; keying it is a later decision.
//!
//! One connection behind a mutex: SQLite has a single writer anyway, and every push
//! runs in one `BEGIN IMMEDIATE` transaction, so `seq` assignment cannot race, even
//! against the CLI writing to the same file from another process (WAL + busy
//! timeout). `synchronous = FULL`: a push is durable before it is acknowledged.
use super::{
    latest_version, parse_reason, reason_str, DeviceAuth, Enrollment, IncomingOp,
    NewEnrollmentCode, OpLogStore, PullPage, QuarantinedOp, SecretHash, StoreError, MIGRATIONS,
};
use clinic_protocol::{
    AuditAnchor, AuditUploadEntry, ClinicId, DeviceId, LoggedOp, Op, OpId, PushOutcome,
    QuarantineReason,
};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction};
use rusqlite::{TransactionBehavior, TransactionBehavior::Immediate};
use std::path::Path;
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "server.sqlite3";

/// The SQLite op log.
pub struct SqliteOpLog {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteOpLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteOpLog").finish_non_exhaustive()
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            _ => StoreError::Backend(e.to_string()),
        }
    }
}

/// Opens (creating if absent) `<data_dir>/server.sqlite3`: refuses a schema newer
/// than this build, then WAL, FULL sync, foreign keys, and pending migrations in
/// one transaction.
// The server's own database is not the client store, so clinic_store::open does not
// apply; this is the one sanctioned place in the server that opens a connection.
#[allow(clippy::disallowed_methods)]
pub fn open(data_dir: &Path) -> Result<SqliteOpLog, StoreError> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| StoreError::Backend(format!("cannot create the data directory: {e}")))?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(data_dir.join(DB_FILE), flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > latest_version() {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: latest_version(),
        });
    }
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;",
    )?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    // Re-read inside the lock: another process may have migrated meanwhile.
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {version};"))?;
    }
    tx.commit()?;
    Ok(SqliteOpLog {
        conn: Mutex::new(conn),
    })
}

impl SqliteOpLog {
    fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.conn
            .lock()
            .map_err(|_| StoreError::Backend("the connection mutex is poisoned".into()))
    }
}

fn parse_id<T: FromStr>(s: &str, what: &str) -> Result<T, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Backend(format!("stored {what} is not a UUID")))
}

fn to_i64(v: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Backend(format!("{what} out of range")))
}

impl OpLogStore for SqliteOpLog {
    fn issue_enrollment_code(&self, code: NewEnrollmentCode<'_>) -> Result<(), StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(Immediate)?;
        let clinic = code.clinic_id.to_string();
        let exists = tx
            .query_row(
                "SELECT 1 FROM clinic WHERE clinic_id = ?1",
                [&clinic],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !exists {
            tx.execute(
                "INSERT INTO clinic (clinic_id, name, epoch, created_ms) VALUES (?1, ?2, ?3, ?4)",
                (
                    &clinic,
                    code.clinic_name,
                    to_i64(code.new_clinic_epoch, "epoch")?,
                    code.now_ms,
                ),
            )?;
            tx.execute(
                "INSERT INTO clinic_seq (clinic_id, last_seq) VALUES (?1, 0)",
                [&clinic],
            )?;
        }
        tx.execute(
            "INSERT INTO enrollment_code (clinic_id, code_hash, created_ms, expires_ms)
             VALUES (?1, ?2, ?3, ?4)",
            (&clinic, &code.code_hash.0, code.now_ms, code.expires_ms),
        )?;
        tx.commit()?;
        Ok(())
    }

    fn enroll(&self, e: Enrollment<'_>) -> Result<ClinicId, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(Immediate)?;
        let code: Option<(String, i64, Option<i64>)> = tx
            .query_row(
                "SELECT clinic_id, expires_ms, used_ms FROM enrollment_code WHERE code_hash = ?1",
                [&e.code_hash.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let clinic = match code {
            Some((clinic, expires_ms, None)) if expires_ms > e.now_ms => clinic,
            _ => return Err(StoreError::InvalidCode),
        };
        let device = e.device_id.to_string();
        let existing: Option<(String, Option<i64>)> = tx
            .query_row(
                "SELECT clinic_id, revoked_ms FROM device WHERE device_id = ?1",
                [&device],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match existing {
            None => {
                tx.execute(
                    "INSERT INTO device (clinic_id, device_id, device_name, token_hash, enrolled_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    (&clinic, &device, e.device_name, &e.token_hash.0, e.now_ms),
                )?;
            }
            Some((other, _)) if other != clinic => {
                return Err(StoreError::Conflict(
                    "this device id is enrolled with another clinic",
                ))
            }
            Some((_, Some(_))) => {
                return Err(StoreError::Conflict(
                    "this device id was revoked; a wiped device enrolls with a new device id",
                ))
            }
            Some((_, None)) => {
                tx.execute(
                    "UPDATE device SET token_hash = ?1, device_name = ?2, enrolled_ms = ?3
                     WHERE clinic_id = ?4 AND device_id = ?5",
                    (&e.token_hash.0, e.device_name, e.now_ms, &clinic, &device),
                )?;
            }
        }
        let used = tx.execute(
            "UPDATE enrollment_code SET used_ms = ?1, used_by = ?2
             WHERE clinic_id = ?3 AND code_hash = ?4 AND used_ms IS NULL",
            (e.now_ms, &device, &clinic, &e.code_hash.0),
        )?;
        if used != 1 {
            return Err(StoreError::InvalidCode);
        }
        tx.commit()?;
        parse_id(&clinic, "clinic id")
    }

    fn authenticate(&self, token_hash: &SecretHash) -> Result<DeviceAuth, StoreError> {
        let conn = self.lock()?;
        let row: Option<(String, String, Option<i64>)> = conn
            .prepare_cached(
                "SELECT clinic_id, device_id, revoked_ms FROM device WHERE token_hash = ?1",
            )?
            .query_row([&token_hash.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        Ok(match row {
            None => DeviceAuth::Unknown,
            Some((_, device, Some(_))) => DeviceAuth::Revoked {
                device_id: parse_id(&device, "device id")?,
            },
            Some((clinic, device, None)) => DeviceAuth::Active {
                clinic_id: parse_id(&clinic, "clinic id")?,
                device_id: parse_id(&device, "device id")?,
            },
        })
    }

    fn revoke_device(&self, device_id: DeviceId, now_ms: i64) -> Result<bool, StoreError> {
        let conn = self.lock()?;
        let known = conn
            .query_row(
                "SELECT 1 FROM device WHERE device_id = ?1",
                [device_id.to_string()],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        conn.execute(
            "UPDATE device SET revoked_ms = ?1 WHERE device_id = ?2 AND revoked_ms IS NULL",
            (now_ms, device_id.to_string()),
        )?;
        Ok(known)
    }

    fn push(
        &self,
        clinic_id: ClinicId,
        device_id: DeviceId,
        ops: &[IncomingOp],
        now_ms: i64,
    ) -> Result<Vec<PushOutcome>, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(Immediate)?;
        let clinic = clinic_id.to_string();
        let device = device_id.to_string();
        let start: i64 = tx
            .query_row(
                "SELECT last_seq FROM clinic_seq WHERE clinic_id = ?1",
                [&clinic],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NotFound("clinic"))?;
        let mut last_seq = start;
        let mut outcomes = Vec::with_capacity(ops.len());
        for op in ops {
            let outcome = push_one(&tx, &clinic, &device, op, now_ms, &mut last_seq)?;
            outcomes.push(outcome);
        }
        if last_seq != start {
            let moved = tx.execute(
                "UPDATE clinic_seq SET last_seq = ?1 WHERE clinic_id = ?2 AND last_seq = ?3",
                (last_seq, &clinic, start),
            )?;
            if moved != 1 {
                // Cannot happen under BEGIN IMMEDIATE; refuse rather than leave a gap.
                return Err(StoreError::Backend(
                    "the clinic sequence moved during a push".into(),
                ));
            }
        }
        tx.commit()?;
        Ok(outcomes)
    }

    fn pull(
        &self,
        clinic_id: ClinicId,
        after_seq: u64,
        limit: u32,
    ) -> Result<PullPage, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let clinic = clinic_id.to_string();
        let epoch: i64 = tx
            .query_row(
                "SELECT epoch FROM clinic WHERE clinic_id = ?1",
                [&clinic],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NotFound("clinic"))?;
        let mut ops = Vec::new();
        {
            let mut stmt = tx.prepare_cached(
                "SELECT seq, device_id, op_json FROM op_log
                 WHERE clinic_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let rows = stmt.query_map(
                (&clinic, to_i64(after_seq, "cursor")?, i64::from(limit) + 1),
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )?;
            for row in rows {
                let (seq, device, json) = row?;
                // serde's message could quote op content: keep only the seq.
                let op: Op = serde_json::from_str(&json).map_err(|_| {
                    StoreError::Backend(format!("stored op at seq {seq} is unreadable"))
                })?;
                ops.push(LoggedOp {
                    seq: seq as u64,
                    device_id: parse_id(&device, "device id")?,
                    op,
                });
            }
        }
        let head_seq: i64 = tx.query_row(
            "SELECT coalesce(max(seq), 0) FROM op_log WHERE clinic_id = ?1",
            [&clinic],
            |r| r.get(0),
        )?;
        tx.commit()?;
        let more = ops.len() > limit as usize;
        ops.truncate(limit as usize);
        Ok(PullPage {
            epoch: epoch as u64,
            ops,
            more,
            head_seq: head_seq as u64,
        })
    }

    fn append_audit(
        &self,
        clinic_id: ClinicId,
        device_id: DeviceId,
        entries: &[AuditUploadEntry],
        now_ms: i64,
    ) -> Result<AuditAnchor, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let device = device_id.to_string();
        let anchor = sqlite_anchor(&tx, &device)?;
        let first_new = super::audit_continuation(&anchor, entries, |seq| {
            Ok(tx
                .query_row(
                    "SELECT hash FROM audit_entry WHERE device_id = ?1 AND seq = ?2",
                    (&device, to_i64(seq, "seq")?),
                    |r| r.get(0),
                )
                .optional()?)
        })?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO audit_entry (device_id, seq, clinic_id, prev_hash, hash, entry_json, received_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for e in &entries[first_new..] {
                stmt.execute((
                    &device,
                    to_i64(e.seq, "seq")?,
                    clinic_id.to_string(),
                    &e.prev_hash,
                    &e.hash,
                    e.entry.to_string(),
                    now_ms,
                ))?;
            }
        }
        let anchor = sqlite_anchor(&tx, &device)?;
        tx.commit()?;
        Ok(anchor)
    }

    fn audit_anchor(&self, device_id: DeviceId) -> Result<AuditAnchor, StoreError> {
        let conn = self.lock()?;
        sqlite_anchor(&conn, &device_id.to_string())
    }

    fn quarantined(&self) -> Result<Vec<QuarantinedOp>, StoreError> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare(
            "SELECT clinic_id, device_id, op_id, device_counter, schema_version, reason, received_ms
             FROM quarantine ORDER BY clinic_id, received_ms, device_id, device_counter",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (clinic, device, op_id, counter, version, reason, received_ms) = row?;
            out.push(QuarantinedOp {
                clinic_id: parse_id(&clinic, "clinic id")?,
                device_id: parse_id(&device, "device id")?,
                op_id: parse_id::<OpId>(&op_id, "op id")?,
                device_counter: counter as u64,
                schema_version: u32::try_from(version).map_err(|_| {
                    StoreError::Backend("stored schema version out of range".into())
                })?,
                reason: parse_reason(&reason).ok_or_else(|| {
                    StoreError::Backend("unknown stored quarantine reason".into())
                })?,
                received_ms,
            });
        }
        Ok(out)
    }
}

/// Decides and stores one op of a push (inside the push transaction).
fn push_one(
    tx: &Transaction<'_>,
    clinic: &str,
    device: &str,
    op: &IncomingOp,
    now_ms: i64,
    last_seq: &mut i64,
) -> Result<PushOutcome, StoreError> {
    let op_id = op.op_id.to_string();
    let counter = to_i64(op.device_counter, "device counter")?;
    if let Some(reason) = super::quarantine_before_insert(op, now_ms) {
        return quarantine(tx, clinic, device, op, now_ms, reason);
    }
    let known: Option<(i64, String, i64)> = tx
        .prepare_cached(
            "SELECT seq, device_id, device_counter FROM op_log WHERE clinic_id = ?1 AND op_id = ?2",
        )?
        .query_row((clinic, &op_id), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    if let Some((seq, known_device, known_counter)) = known {
        return if known_device == device && known_counter == counter {
            Ok(PushOutcome::Duplicate { seq: seq as u64 })
        } else {
            quarantine(
                tx,
                clinic,
                device,
                op,
                now_ms,
                QuarantineReason::OpIdConflict,
            )
        };
    }
    let counter_taken = tx
        .prepare_cached(
            "SELECT 1 FROM op_log WHERE clinic_id = ?1 AND device_id = ?2 AND device_counter = ?3",
        )?
        .query_row((clinic, device, counter), |_| Ok(()))
        .optional()?
        .is_some();
    if counter_taken {
        return quarantine(
            tx,
            clinic,
            device,
            op,
            now_ms,
            QuarantineReason::DeviceCounterReused,
        );
    }
    *last_seq += 1;
    tx.prepare_cached(
        "INSERT INTO op_log (clinic_id, seq, op_id, device_id, device_counter, schema_version, op_json, received_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute((
        clinic,
        *last_seq,
        &op_id,
        device,
        counter,
        i64::from(op.schema_version),
        &op.json,
        now_ms,
    ))?;
    Ok(PushOutcome::Accepted {
        seq: *last_seq as u64,
    })
}

/// Keeps an op aside; re-quarantining the same op is a no-op.
fn quarantine(
    tx: &Transaction<'_>,
    clinic: &str,
    device: &str,
    op: &IncomingOp,
    now_ms: i64,
    reason: QuarantineReason,
) -> Result<PushOutcome, StoreError> {
    tx.prepare_cached(
        "INSERT INTO quarantine (clinic_id, device_id, op_id, device_counter, schema_version, reason, op_json, received_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT DO NOTHING",
    )?
    .execute((
        clinic,
        device,
        op.op_id.to_string(),
        to_i64(op.device_counter, "device counter")?,
        i64::from(op.schema_version),
        reason_str(reason),
        &op.json,
        now_ms,
    ))?;
    Ok(PushOutcome::Quarantined { reason })
}

fn sqlite_anchor(conn: &Connection, device: &str) -> Result<AuditAnchor, StoreError> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_entry WHERE device_id = ?1 ORDER BY seq DESC LIMIT 1",
            [device],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match last {
        Some((seq, hash)) => AuditAnchor {
            seq: seq as u64,
            hash,
        },
        None => AuditAnchor {
            seq: 0,
            hash: super::AUDIT_GENESIS.to_string(),
        },
    })
}

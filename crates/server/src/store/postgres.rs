//! PostgreSQL implementation of [`OpLogStore`], for several server processes
//! sharing one database. Opened only by [`open`] with a connection URL
//! (`postgres://user[:password]@host[:port]/dbname` or the `key=value` form).
//!
//! Same schema and semantics as the SQLite backend (the same migrations run
//! here, recorded in `server_schema`). What differs is how concurrency is made
//! safe, because other processes write to the same database:
//! - **gap-free `seq`**: a push locks its clinic's `clinic_seq` row
//!   (`SELECT ... FOR UPDATE`) first, so pushes of one clinic run one after the
//!   other across every process, and writes the new `last_seq` in the same
//!   transaction as the ops that use it (no PostgreSQL sequence: those have gaps).
//!   Because the next push of a clinic can only start after the previous one has
//!   committed, a reader can never see seq `n + 1` without seq `n`;
//! - **idempotency**: with the row lock held, an op whose id is already in the
//!   clinic's log is a duplicate (or a quarantined conflict), exactly as in SQLite;
//! - **enrollment** takes a transaction-scoped advisory lock, so two enrollments
//!   (or an enrollment and a code being issued) never interleave;
//! - **migrations** run in one transaction under another advisory lock: two
//!   servers starting together migrate once, and a schema newer than this build
//!   is refused.
//!
//! Connections come from a small pool ([`POOL_SIZE`] at most, opened on demand).
//! Every connection sets lock, statement and idle-in-transaction timeouts, so a
//! stuck peer surfaces as [`StoreError::Busy`] (a 503 "retry"), never a hang.
//! No TLS to PostgreSQL: use it on loopback or a trusted network only.
use super::{
    latest_version, parse_reason, reason_str, DeviceAuth, Enrollment, IncomingOp,
    NewEnrollmentCode, OpLogStore, PullPage, QuarantinedOp, SecretHash, StoreError, MIGRATIONS,
};
use ::postgres::error::SqlState;
use ::postgres::{Client, Config, NoTls, Statement, Transaction};
use clinic_protocol::{
    AuditAnchor, AuditUploadEntry, ClinicId, DeviceId, LoggedOp, Op, OpId, PushOutcome,
    QuarantineReason,
};
use std::str::FromStr;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Most connections one server process holds.
pub const POOL_SIZE: usize = 8;
/// How long a request waits for a free connection before answering "busy".
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);
/// An idle connection older than this is checked before it is reused.
const REVALIDATE_AFTER: Duration = Duration::from_secs(30);
/// Per-connection limits, so a stuck peer or query becomes a retryable error.
const SESSION_SETTINGS: &str = "SET client_min_messages = warning;
     SET lock_timeout = '10s';
     SET statement_timeout = '30s';
     SET idle_in_transaction_session_timeout = '60s';";
/// Advisory lock keys (arbitrary constants, unique to this application).
const MIGRATION_LOCK: i64 = 0x636c_696e_6963_0001;
const ENROLLMENT_LOCK: i64 = 0x636c_696e_6963_0002;

/// The PostgreSQL op log.
pub struct PgOpLog {
    pool: Pool,
}

impl std::fmt::Debug for PgOpLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgOpLog").finish_non_exhaustive()
    }
}

impl From<::postgres::Error> for StoreError {
    fn from(e: ::postgres::Error) -> Self {
        if is_transient(&e) {
            tracing::warn!(error = %full_text(&e), "transient PostgreSQL failure");
            StoreError::Busy
        } else {
            StoreError::Backend(full_text(&e))
        }
    }
}

/// The error with its causes ("error connecting to server: Connection refused").
/// A server error keeps only its code and message: its DETAIL can quote a whole
/// row ("Failing row contains ..."), op payload included.
fn full_text(e: &::postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!(
            "db error {} {}: {}",
            db.severity(),
            db.code().code(),
            db.message()
        );
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// A lost connection, a lock or statement timeout, a deadlock, a server
/// shutting down: worth a retry by the client.
fn is_transient(e: &::postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        return [
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::LOCK_NOT_AVAILABLE,
            SqlState::QUERY_CANCELED,
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
            SqlState::TOO_MANY_CONNECTIONS,
            SqlState::IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
        ]
        .contains(code);
    }
    // No server error: an I/O failure talking to the server.
    std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
}

/// Parses `url`, connects, and migrates the schema (refusing a newer one).
pub fn open(url: &str) -> Result<PgOpLog, StoreError> {
    // The parser's message could echo the URL, password included: keep it out.
    let mut config = Config::from_str(url).map_err(|_| {
        StoreError::Backend(
            "the database URL is not valid (expected postgres://user@host:port/dbname)".into(),
        )
    })?;
    config.application_name("clinic-server");
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let pool = Pool {
        config,
        state: Mutex::new(PoolState {
            idle: Vec::new(),
            open: 0,
        }),
        freed: Condvar::new(),
    };
    let mut client = config_connect(&pool.config).map_err(|e| {
        StoreError::Backend(format!("cannot connect to PostgreSQL: {}", full_text(&e)))
    })?;
    migrate(&mut client)?;
    let conn = PgConn::new(client)?;
    {
        let mut state = pool.lock()?;
        state.open = 1;
        state.idle.push(conn);
    }
    Ok(PgOpLog { pool })
}

fn config_connect(config: &Config) -> Result<Client, ::postgres::Error> {
    let mut client = config.connect(NoTls)?;
    client.batch_execute(SESSION_SETTINGS)?;
    Ok(client)
}

/// Applies the pending migrations in one transaction, under an advisory lock.
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS server_schema (
             version    BIGINT PRIMARY KEY,
             applied_ms BIGINT NOT NULL
         )",
    )?;
    let current: i64 = tx
        .query_one("SELECT COALESCE(MAX(version), 0) FROM server_schema", &[])?
        .try_get(0)?;
    if current > latest_version() {
        return Err(StoreError::SchemaTooNew {
            found: current,
            supported: latest_version(),
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO server_schema (version, applied_ms) VALUES ($1, $2)",
            &[version, &unix_ms()],
        )?;
        tracing::info!(version, "PostgreSQL schema migrated");
    }
    tx.commit()?;
    Ok(())
}

/// One connection and the statements the hot paths use, prepared once.
struct PgConn {
    client: Client,
    stmts: Stmts,
    last_used: Instant,
}

struct Stmts {
    authenticate: Statement,
    lock_seq: Statement,
    insert_op: Statement,
    classify_op: Statement,
    quarantine: Statement,
    set_seq: Statement,
    epoch: Statement,
    page: Statement,
}

impl PgConn {
    fn new(mut client: Client) -> Result<Self, ::postgres::Error> {
        let mut prepare = |sql: &str| client.prepare(sql);
        let stmts = Stmts {
            authenticate: prepare(
                "SELECT clinic_id, device_id, revoked_ms FROM device WHERE token_hash = $1",
            )?,
            lock_seq: prepare("SELECT last_seq FROM clinic_seq WHERE clinic_id = $1 FOR UPDATE")?,
            // Any unique clash (op id, device counter) inserts nothing; the op is
            // then classified like SQLite does.
            insert_op: prepare(
                "INSERT INTO op_log (clinic_id, seq, op_id, device_id, device_counter,
                                     schema_version, op_json, received_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT DO NOTHING",
            )?,
            classify_op: prepare(
                "SELECT seq, device_id, device_counter, op_id = $2 AS same_id FROM op_log
                 WHERE clinic_id = $1 AND (op_id = $2 OR (device_id = $3 AND device_counter = $4))
                 ORDER BY same_id DESC LIMIT 1",
            )?,
            quarantine: prepare(
                "INSERT INTO quarantine (clinic_id, device_id, op_id, device_counter,
                                         schema_version, reason, op_json, received_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT DO NOTHING",
            )?,
            set_seq: prepare("UPDATE clinic_seq SET last_seq = $1 WHERE clinic_id = $2")?,
            epoch: prepare("SELECT epoch FROM clinic WHERE clinic_id = $1")?,
            page: prepare(
                "SELECT seq, device_id, op_json FROM op_log
                 WHERE clinic_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            )?,
        };
        Ok(Self {
            client,
            stmts,
            last_used: Instant::now(),
        })
    }
}

/// A fixed-size pool: idle connections plus a count of those handed out.
struct Pool {
    config: Config,
    state: Mutex<PoolState>,
    freed: Condvar,
}

struct PoolState {
    idle: Vec<PgConn>,
    /// Idle plus checked out.
    open: usize,
}

/// A checked-out connection; returns to the pool on drop unless it broke.
struct Lease<'a> {
    pool: &'a Pool,
    conn: Option<PgConn>,
}

impl Pool {
    fn lock(&self) -> Result<MutexGuard<'_, PoolState>, StoreError> {
        self.state
            .lock()
            .map_err(|_| StoreError::Backend("the connection pool mutex is poisoned".into()))
    }

    fn get(&self) -> Result<Lease<'_>, StoreError> {
        let deadline = Instant::now() + CHECKOUT_TIMEOUT;
        let mut state = self.lock()?;
        loop {
            if let Some(mut conn) = state.idle.pop() {
                drop(state);
                if conn.client.is_closed()
                    || (conn.last_used.elapsed() > REVALIDATE_AFTER
                        && conn.client.is_valid(Duration::from_secs(2)).is_err())
                {
                    self.forget();
                    state = self.lock()?;
                    continue;
                }
                return Ok(Lease {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if state.open < POOL_SIZE {
                state.open += 1;
                drop(state);
                let fresh = config_connect(&self.config).and_then(PgConn::new);
                return match fresh {
                    Ok(conn) => Ok(Lease {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.forget();
                        tracing::warn!(error = %full_text(&e), "cannot connect to PostgreSQL");
                        Err(StoreError::Busy)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                tracing::warn!("no free PostgreSQL connection in time");
                return Err(StoreError::Busy);
            }
            state = self
                .freed
                .wait_timeout(state, deadline - now)
                .map_err(|_| StoreError::Backend("the connection pool mutex is poisoned".into()))?
                .0;
        }
    }

    /// A connection was dropped: make room for a new one.
    fn forget(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.open = state.open.saturating_sub(1);
        }
        self.freed.notify_one();
    }
}

impl Drop for Pool {
    /// Closing a sync client blocks on its own runtime, which panics inside an
    /// async context (the server drops its store there): close them on a plain
    /// thread.
    fn drop(&mut self) {
        let idle = match self.state.get_mut() {
            Ok(state) => std::mem::take(&mut state.idle),
            Err(poisoned) => std::mem::take(&mut poisoned.into_inner().idle),
        };
        if !idle.is_empty() {
            let _ = std::thread::spawn(move || drop(idle)).join();
        }
    }
}

impl std::ops::Deref for Lease<'_> {
    type Target = PgConn;
    fn deref(&self) -> &PgConn {
        self.conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl std::ops::DerefMut for Lease<'_> {
    fn deref_mut(&mut self) -> &mut PgConn {
        self.conn
            .as_mut()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        // A transaction dropped without commit was rolled back by its own drop;
        // a closed connection (lost server, failed rollback) is not reused.
        if conn.client.is_closed() {
            drop(conn);
            self.pool.forget();
            return;
        }
        conn.last_used = Instant::now();
        match self.pool.state.lock() {
            Ok(mut state) => state.idle.push(conn),
            Err(_) => return,
        }
        self.pool.freed.notify_one();
    }
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn parse_id<T: FromStr>(s: &str, what: &str) -> Result<T, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Backend(format!("stored {what} is not a UUID")))
}

fn to_i64(v: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Backend(format!("{what} out of range")))
}

fn to_u64(v: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Backend(format!("stored {what} is negative")))
}

impl OpLogStore for PgOpLog {
    fn issue_enrollment_code(&self, code: NewEnrollmentCode<'_>) -> Result<(), StoreError> {
        let mut conn = self.pool.get()?;
        let mut tx = conn.client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ENROLLMENT_LOCK])?;
        let clinic = code.clinic_id.to_string();
        let created = tx.execute(
            "INSERT INTO clinic (clinic_id, name, epoch, created_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (clinic_id) DO NOTHING",
            &[
                &clinic,
                &code.clinic_name,
                &to_i64(code.new_clinic_epoch, "epoch")?,
                &code.now_ms,
            ],
        )?;
        if created == 1 {
            tx.execute(
                "INSERT INTO clinic_seq (clinic_id, last_seq) VALUES ($1, 0)",
                &[&clinic],
            )?;
        }
        tx.execute(
            "INSERT INTO enrollment_code (clinic_id, code_hash, created_ms, expires_ms)
             VALUES ($1, $2, $3, $4)",
            &[&clinic, &code.code_hash.0, &code.now_ms, &code.expires_ms],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn enroll(&self, e: Enrollment<'_>) -> Result<ClinicId, StoreError> {
        let mut conn = self.pool.get()?;
        let mut tx = conn.client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ENROLLMENT_LOCK])?;
        let code = tx.query_opt(
            "SELECT clinic_id, expires_ms, used_ms FROM enrollment_code WHERE code_hash = $1",
            &[&e.code_hash.0],
        )?;
        let clinic: String = match code {
            Some(row)
                if row.try_get::<_, Option<i64>>(2)?.is_none()
                    && row.try_get::<_, i64>(1)? > e.now_ms =>
            {
                row.try_get(0)?
            }
            _ => return Err(StoreError::InvalidCode),
        };
        let device = e.device_id.to_string();
        let existing = tx.query_opt(
            "SELECT clinic_id, revoked_ms FROM device WHERE device_id = $1",
            &[&device],
        )?;
        match existing {
            None => {
                tx.execute(
                    "INSERT INTO device (clinic_id, device_id, device_name, token_hash, enrolled_ms)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[&clinic, &device, &e.device_name, &e.token_hash.0, &e.now_ms],
                )?;
            }
            Some(row) if row.try_get::<_, String>(0)? != clinic => {
                return Err(StoreError::Conflict(
                    "this device id is enrolled with another clinic",
                ))
            }
            Some(row) if row.try_get::<_, Option<i64>>(1)?.is_some() => {
                return Err(StoreError::Conflict(
                    "this device id was revoked; a wiped device enrolls with a new device id",
                ))
            }
            Some(_) => {
                tx.execute(
                    "UPDATE device SET token_hash = $1, device_name = $2, enrolled_ms = $3
                     WHERE clinic_id = $4 AND device_id = $5",
                    &[&e.token_hash.0, &e.device_name, &e.now_ms, &clinic, &device],
                )?;
            }
        }
        let used = tx.execute(
            "UPDATE enrollment_code SET used_ms = $1, used_by = $2
             WHERE clinic_id = $3 AND code_hash = $4 AND used_ms IS NULL",
            &[&e.now_ms, &device, &clinic, &e.code_hash.0],
        )?;
        if used != 1 {
            return Err(StoreError::InvalidCode);
        }
        tx.commit()?;
        parse_id(&clinic, "clinic id")
    }

    fn authenticate(&self, token_hash: &SecretHash) -> Result<DeviceAuth, StoreError> {
        let mut conn = self.pool.get()?;
        let PgConn { client, stmts, .. } = &mut *conn;
        let Some(row) = client.query_opt(&stmts.authenticate, &[&token_hash.0])? else {
            return Ok(DeviceAuth::Unknown);
        };
        let device: String = row.try_get(1)?;
        Ok(match row.try_get::<_, Option<i64>>(2)? {
            Some(_) => DeviceAuth::Revoked {
                device_id: parse_id(&device, "device id")?,
            },
            None => DeviceAuth::Active {
                clinic_id: parse_id(&row.try_get::<_, String>(0)?, "clinic id")?,
                device_id: parse_id(&device, "device id")?,
            },
        })
    }

    fn revoke_device(&self, device_id: DeviceId, now_ms: i64) -> Result<bool, StoreError> {
        let mut conn = self.pool.get()?;
        let mut tx = conn.client.transaction()?;
        let device = device_id.to_string();
        let known = tx
            .query_opt(
                "SELECT 1 FROM device WHERE device_id = $1 FOR UPDATE",
                &[&device],
            )?
            .is_some();
        tx.execute(
            "UPDATE device SET revoked_ms = $1 WHERE device_id = $2 AND revoked_ms IS NULL",
            &[&now_ms, &device],
        )?;
        tx.commit()?;
        Ok(known)
    }

    fn push(
        &self,
        clinic_id: ClinicId,
        device_id: DeviceId,
        ops: &[IncomingOp],
        now_ms: i64,
    ) -> Result<Vec<PushOutcome>, StoreError> {
        let mut conn = self.pool.get()?;
        let PgConn { client, stmts, .. } = &mut *conn;
        let mut tx = client.transaction()?;
        let clinic = clinic_id.to_string();
        let device = device_id.to_string();
        // Serializes this clinic's pushes across every server process.
        let start: i64 = tx
            .query_opt(&stmts.lock_seq, &[&clinic])?
            .ok_or(StoreError::NotFound("clinic"))?
            .try_get(0)?;
        let mut push = Push {
            tx: &mut tx,
            stmts,
            clinic: &clinic,
            device: &device,
            now_ms,
            last_seq: start,
        };
        let mut outcomes = Vec::with_capacity(ops.len());
        for op in ops {
            outcomes.push(push.one(op)?);
        }
        let last_seq = push.last_seq;
        if last_seq != start {
            tx.execute(&stmts.set_seq, &[&last_seq, &clinic])?;
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
        let mut conn = self.pool.get()?;
        let PgConn { client, stmts, .. } = &mut *conn;
        let clinic = clinic_id.to_string();
        let epoch: i64 = client
            .query_opt(&stmts.epoch, &[&clinic])?
            .ok_or(StoreError::NotFound("clinic"))?
            .try_get(0)?;
        // Committed seqs are always a prefix (see the module header), so a page
        // read without a transaction never skips an op a later pull would find.
        let rows = client.query(
            &stmts.page,
            &[
                &clinic,
                &to_i64(after_seq, "cursor")?,
                &(i64::from(limit) + 1),
            ],
        )?;
        let mut ops = Vec::with_capacity(rows.len());
        for row in rows {
            let seq: i64 = row.try_get(0)?;
            let json: &str = row.try_get(2)?;
            // serde's message could quote op content: keep only the seq.
            let op: Op = serde_json::from_str(json).map_err(|_| {
                StoreError::Backend(format!("stored op at seq {seq} is unreadable"))
            })?;
            ops.push(LoggedOp {
                seq: to_u64(seq, "seq")?,
                device_id: parse_id(row.try_get::<_, &str>(1)?, "device id")?,
                op,
            });
        }
        let head: i64 = client
            .query_one(
                "SELECT coalesce(max(seq), 0)::bigint FROM op_log WHERE clinic_id = $1",
                &[&clinic],
            )?
            .try_get(0)?;
        let more = ops.len() > limit as usize;
        ops.truncate(limit as usize);
        Ok(PullPage {
            epoch: to_u64(epoch, "epoch")?,
            ops,
            more,
            head_seq: to_u64(head, "seq")?.max(after_seq),
        })
    }

    fn append_audit(
        &self,
        clinic_id: ClinicId,
        device_id: DeviceId,
        entries: &[AuditUploadEntry],
        now_ms: i64,
    ) -> Result<AuditAnchor, StoreError> {
        let mut conn = self.pool.get()?;
        let PgConn { client, .. } = &mut *conn;
        let mut tx = client.transaction()?;
        let device = device_id.to_string();
        // One upload per device at a time, across server processes.
        tx.execute(
            "SELECT 1 FROM device WHERE device_id = $1 FOR UPDATE",
            &[&device],
        )?;
        let anchor = pg_anchor(&mut tx, &device)?;
        let mut held = Vec::new();
        for e in entries.iter().filter(|e| e.seq <= anchor.seq) {
            let row = tx.query_opt(
                "SELECT hash FROM audit_entry WHERE device_id = $1 AND seq = $2",
                &[&device, &to_i64(e.seq, "seq")?],
            )?;
            held.push((e.seq, row.map(|r| r.try_get::<_, String>(0)).transpose()?));
        }
        let first_new = super::audit_continuation(&anchor, entries, |seq| {
            Ok(held
                .iter()
                .find(|(s, _)| *s == seq)
                .and_then(|(_, h)| h.clone()))
        })?;
        let clinic = clinic_id.to_string();
        for e in &entries[first_new..] {
            tx.execute(
                "INSERT INTO audit_entry (device_id, seq, clinic_id, prev_hash, hash, entry_json, received_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &device,
                    &to_i64(e.seq, "seq")?,
                    &clinic,
                    &e.prev_hash,
                    &e.hash,
                    &e.entry.to_string(),
                    &now_ms,
                ],
            )?;
        }
        let anchor = pg_anchor(&mut tx, &device)?;
        tx.commit()?;
        Ok(anchor)
    }

    fn audit_anchor(&self, device_id: DeviceId) -> Result<AuditAnchor, StoreError> {
        let mut conn = self.pool.get()?;
        let PgConn { client, .. } = &mut *conn;
        let mut tx = client.transaction()?;
        let anchor = pg_anchor(&mut tx, &device_id.to_string())?;
        tx.commit()?;
        Ok(anchor)
    }

    fn quarantined(&self) -> Result<Vec<QuarantinedOp>, StoreError> {
        let mut conn = self.pool.get()?;
        // COLLATE "C": the same byte order as SQLite, whatever the database locale.
        let rows = conn.client.query(
            "SELECT clinic_id, device_id, op_id, device_counter, schema_version, reason, received_ms
             FROM quarantine
             ORDER BY clinic_id COLLATE \"C\", received_ms, device_id COLLATE \"C\", device_counter",
            &[],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(QuarantinedOp {
                clinic_id: parse_id(row.try_get::<_, &str>(0)?, "clinic id")?,
                device_id: parse_id(row.try_get::<_, &str>(1)?, "device id")?,
                op_id: parse_id::<OpId>(row.try_get::<_, &str>(2)?, "op id")?,
                device_counter: to_u64(row.try_get(3)?, "device counter")?,
                schema_version: u32::try_from(row.try_get::<_, i64>(4)?).map_err(|_| {
                    StoreError::Backend("stored schema version out of range".into())
                })?,
                reason: parse_reason(row.try_get(5)?).ok_or_else(|| {
                    StoreError::Backend("unknown stored quarantine reason".into())
                })?,
                received_ms: row.try_get(6)?,
            });
        }
        Ok(out)
    }
}

/// One push in progress: its transaction (holding the clinic's seq row lock)
/// and the last seq handed out so far.
struct Push<'t, 'c> {
    tx: &'t mut Transaction<'c>,
    stmts: &'t Stmts,
    clinic: &'t str,
    device: &'t str,
    now_ms: i64,
    last_seq: i64,
}

impl Push<'_, '_> {
    /// Decides and stores one op: quarantined when too new, else inserted with the
    /// next seq, else (a unique clash) a duplicate or a quarantined conflict.
    fn one(&mut self, op: &IncomingOp) -> Result<PushOutcome, StoreError> {
        if let Some(reason) = super::quarantine_before_insert(op, self.now_ms) {
            return self.quarantine(op, reason);
        }
        let op_id = op.op_id.to_string();
        let counter = to_i64(op.device_counter, "device counter")?;
        let seq = self.last_seq + 1;
        let inserted = self.tx.execute(
            &self.stmts.insert_op,
            &[
                &self.clinic,
                &seq,
                &op_id,
                &self.device,
                &counter,
                &i64::from(op.schema_version),
                &op.json,
                &self.now_ms,
            ],
        )?;
        if inserted == 1 {
            self.last_seq = seq;
            return Ok(PushOutcome::Accepted { seq: seq as u64 });
        }
        let clash = self
            .tx
            .query_opt(
                &self.stmts.classify_op,
                &[&self.clinic, &op_id, &self.device, &counter],
            )?
            .ok_or_else(|| {
                // Only the seq itself could have clashed: the lock was not held.
                StoreError::Backend(format!("seq {seq} was taken during a push"))
            })?;
        let same_id: bool = clash.try_get(3)?;
        if !same_id {
            return self.quarantine(op, QuarantineReason::DeviceCounterReused);
        }
        let known_device: &str = clash.try_get(1)?;
        let known_counter: i64 = clash.try_get(2)?;
        if known_device == self.device && known_counter == counter {
            Ok(PushOutcome::Duplicate {
                seq: to_u64(clash.try_get(0)?, "seq")?,
            })
        } else {
            self.quarantine(op, QuarantineReason::OpIdConflict)
        }
    }

    /// Keeps an op aside; re-quarantining the same op is a no-op.
    fn quarantine(
        &mut self,
        op: &IncomingOp,
        reason: QuarantineReason,
    ) -> Result<PushOutcome, StoreError> {
        self.tx.execute(
            &self.stmts.quarantine,
            &[
                &self.clinic,
                &self.device,
                &op.op_id.to_string(),
                &to_i64(op.device_counter, "device counter")?,
                &i64::from(op.schema_version),
                &reason_str(reason),
                &op.json,
                &self.now_ms,
            ],
        )?;
        Ok(PushOutcome::Quarantined { reason })
    }
}

fn pg_anchor(tx: &mut Transaction<'_>, device: &str) -> Result<AuditAnchor, StoreError> {
    let row = tx.query_opt(
        "SELECT seq, hash FROM audit_entry WHERE device_id = $1 ORDER BY seq DESC LIMIT 1",
        &[&device],
    )?;
    Ok(match row {
        Some(r) => AuditAnchor {
            seq: to_u64(r.try_get(0)?, "seq")?,
            hash: r.try_get(1)?,
        },
        None => AuditAnchor {
            seq: 0,
            hash: super::AUDIT_GENESIS.to_string(),
        },
    })
}

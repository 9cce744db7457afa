//! Server storage behind one trait, [`OpLogStore`]. SQLite ([`sqlite`]) is the
//! embedded default; PostgreSQL ([`postgres`]) serves several server processes
//! sharing one database. The trait speaks only protocol and std types, and both
//! backends run the same numbered migrations ([`MIGRATIONS`], portable SQL).
//!
//! The trait is synchronous: the HTTP layer calls it on tokio's blocking pool
//! (`spawn_blocking`). Implementations must be safe to call from many threads.
//!
//! Invariants every implementation keeps:
//! - everything is scoped by `clinic_id`; nothing reads across clinics;
//! - `push` is all-or-nothing, assigns per-clinic `seq` values gap-free inside its
//!   write transaction, and is idempotent by `op_id`;
//! - quarantined ops are stored, never dropped;
//! - secrets arrive already hashed ([`SecretHash`]); no plaintext secret is stored.
use clinic_protocol::{ClinicId, DeviceId, LoggedOp, OpId, PushOutcome, QuarantineReason};
use std::fmt;

pub mod postgres;
pub mod sqlite;

/// Numbered server migrations, embedded at build, run by both backends; never
/// edit one that has landed. The SQL is portable (SQLite and PostgreSQL); a later
/// migration that cannot be must become one entry per backend.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        include_str!("../../migrations/0001_clinics_devices_op_log.sql"),
    ),
    (2, include_str!("../../migrations/0002_audit_chains.sql")),
];

/// The hash before a device's first audit entry (64 zero hex digits).
pub const AUDIT_GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The continuity rule of audit uploads, shared by both backends: entries at or
/// below the anchor must be the ones already held (a replay), the rest must
/// continue the chain without a gap (`prev_hash` = the previous entry's hash).
/// Returns the index of the first entry to store.
pub fn audit_continuation(
    anchor: &clinic_protocol::AuditAnchor,
    entries: &[clinic_protocol::AuditUploadEntry],
    mut stored_hash: impl FnMut(u64) -> Result<Option<String>, StoreError>,
) -> Result<usize, StoreError> {
    let mut first_new = entries.len();
    let (mut seq, mut hash) = (anchor.seq, anchor.hash.clone());
    for (i, e) in entries.iter().enumerate() {
        if e.seq <= anchor.seq {
            if stored_hash(e.seq)?.as_deref() != Some(e.hash.as_str()) {
                return Err(StoreError::Conflict(
                    "this audit entry differs from the one already anchored: the device's audit trail was changed",
                ));
            }
            continue;
        }
        if e.seq != seq + 1 || e.prev_hash != hash {
            return Err(StoreError::Conflict(
                "the audit entries do not continue the anchored chain",
            ));
        }
        first_new = first_new.min(i);
        seq = e.seq;
        hash = e.hash.clone();
    }
    Ok(first_new)
}

/// The schema version this build writes and understands.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |(v, _)| *v)
}

/// Hex SHA-256 of a high-entropy secret (device token or enrollment code). Stored
/// and compared instead of the secret; `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHash(pub String);

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash(..)")
    }
}

/// Who presented a device token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceAuth {
    Active {
        clinic_id: ClinicId,
        device_id: DeviceId,
    },
    /// A known token of a revoked device: it must wipe.
    Revoked { device_id: DeviceId },
    /// No device holds this token.
    Unknown,
}

/// A new one-time enrollment code for a clinic (created if it does not exist).
#[derive(Clone, Debug)]
pub struct NewEnrollmentCode<'a> {
    pub clinic_id: ClinicId,
    pub clinic_name: &'a str,
    /// Used only when the clinic is created by this call.
    pub new_clinic_epoch: u64,
    pub code_hash: SecretHash,
    pub now_ms: i64,
    pub expires_ms: i64,
}

/// An enrollment attempt: consume `code_hash`, bind `device_id` to its clinic with
/// `token_hash`.
#[derive(Clone, Debug)]
pub struct Enrollment<'a> {
    pub code_hash: SecretHash,
    pub device_id: DeviceId,
    pub device_name: &'a str,
    pub token_hash: SecretHash,
    pub now_ms: i64,
}

/// One validated op of a push, as the store keeps it.
#[derive(Clone, Debug)]
pub struct IncomingOp {
    pub op_id: OpId,
    pub device_counter: u64,
    /// Above the server's `SCHEMA_VERSION`: quarantined, not applied.
    pub schema_version: u32,
    /// The op's clock (wall-clock part), when this build can read it.
    pub hlc_millis: Option<u64>,
    /// The op's JSON exactly as stored (and later pulled): the server's canonical
    /// serialization of `Op` for known versions, the op as received for newer ones
    /// (which this build cannot parse).
    pub json: String,
}

/// One page of a clinic's log.
#[derive(Clone, Debug)]
pub struct PullPage {
    /// The clinic log's current epoch (goes into the next cursor).
    pub epoch: u64,
    pub ops: Vec<LoggedOp>,
    /// More ops follow the last one of this page.
    pub more: bool,
    /// The clinic log's latest seq (for the device's progress bar).
    pub head_seq: u64,
}

/// One quarantined op, for administrators.
#[derive(Clone, Debug)]
pub struct QuarantinedOp {
    pub clinic_id: ClinicId,
    pub device_id: DeviceId,
    pub op_id: OpId,
    pub device_counter: u64,
    pub schema_version: u32,
    pub reason: QuarantineReason,
    pub received_ms: i64,
}

/// Storage failures and refusals. Only the `Display` of the first four may reach a
/// client; `Backend` text is for the server log (it may contain SQL).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The enrollment code is unknown, used or expired (one answer for all three).
    #[error("the enrollment code is not valid")]
    InvalidCode,
    /// The request contradicts what is stored; the text is safe to show.
    #[error("{0}")]
    Conflict(&'static str),
    /// The named thing does not exist (in the caller's clinic).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The database is busy or locked by another process: retry.
    #[error("the database is busy")]
    Busy,
    /// The data directory holds a database written by a newer server.
    #[error(
        "the database schema version {found} is newer than this server supports ({supported})"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    /// Anything else (I/O, corruption, a bug). Log it; never send it to a client.
    #[error("storage failure: {0}")]
    Backend(String),
}

/// The server's storage. See the module header for the invariants.
pub trait OpLogStore: Send + Sync + 'static {
    /// Creates the clinic if needed and stores a new enrollment code hash.
    fn issue_enrollment_code(&self, code: NewEnrollmentCode<'_>) -> Result<(), StoreError>;

    /// Consumes the code (one use, unexpired) and binds the device to the code's
    /// clinic with the token hash. Re-enrolling an active device of the same clinic
    /// replaces its token; a revoked device or one of another clinic is a conflict.
    fn enroll(&self, enrollment: Enrollment<'_>) -> Result<ClinicId, StoreError>;

    /// Looks a device token up.
    fn authenticate(&self, token_hash: &SecretHash) -> Result<DeviceAuth, StoreError>;

    /// Marks a device revoked. `Ok(false)` when no such device exists.
    fn revoke_device(&self, device_id: DeviceId, now_ms: i64) -> Result<bool, StoreError>;

    /// Applies one validated batch from `device_id` of `clinic_id` in one
    /// transaction: one outcome per op, in order.
    fn push(
        &self,
        clinic_id: ClinicId,
        device_id: DeviceId,
        ops: &[IncomingOp],
        now_ms: i64,
    ) -> Result<Vec<PushOutcome>, StoreError>;

    /// Up to `limit` ops of the clinic with `seq > after_seq`, in `seq` order.
    fn pull(&self, clinic_id: ClinicId, after_seq: u64, limit: u32)
        -> Result<PullPage, StoreError>;

    /// Every quarantined op of every clinic (administration).
    fn quarantined(&self) -> Result<Vec<QuarantinedOp>, StoreError>;

    /// Appends a device's audit entries after checking they continue its chain
    /// ([`audit_continuation`]), in one transaction; returns the new anchor.
    fn append_audit(
        &self,
        clinic_id: ClinicId,
        device_id: DeviceId,
        entries: &[clinic_protocol::AuditUploadEntry],
        now_ms: i64,
    ) -> Result<clinic_protocol::AuditAnchor, StoreError>;

    /// The end of the device's audit chain held here.
    fn audit_anchor(&self, device_id: DeviceId)
        -> Result<clinic_protocol::AuditAnchor, StoreError>;
}

/// Why an op cannot go into the log now (before any insert): too new for this
/// build, or its clock too far ahead of the server's (`now_ms`).
pub fn quarantine_before_insert(op: &IncomingOp, now_ms: i64) -> Option<QuarantineReason> {
    if op.schema_version > clinic_protocol::SCHEMA_VERSION {
        return Some(QuarantineReason::SchemaTooNew);
    }
    let limit = now_ms.max(0) as u64 + clinic_protocol::sync::MAX_CLOCK_AHEAD_MS;
    if op.hlc_millis.is_some_and(|m| m > limit) {
        return Some(QuarantineReason::ClockFarAhead);
    }
    None
}

/// The stored text of a quarantine reason. Do not change these strings.
pub fn reason_str(reason: QuarantineReason) -> &'static str {
    match reason {
        QuarantineReason::SchemaTooNew => "schema_too_new",
        QuarantineReason::DeviceCounterReused => "device_counter_reused",
        QuarantineReason::OpIdConflict => "op_id_conflict",
        QuarantineReason::ClockFarAhead => "clock_far_ahead",
    }
}

/// Inverse of [`reason_str`].
pub fn parse_reason(s: &str) -> Option<QuarantineReason> {
    [
        QuarantineReason::SchemaTooNew,
        QuarantineReason::DeviceCounterReused,
        QuarantineReason::OpIdConflict,
        QuarantineReason::ClockFarAhead,
    ]
    .into_iter()
    .find(|r| reason_str(*r) == s)
}

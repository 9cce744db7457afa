//! Device <-> sync server wire types (HTTP JSON bodies of `/v1/*`).
//!
//! Rust-only for now: they derive `TS` like the rest of the crate but are not
//! exported (no `#[ts(export)]`), so `ui/src/bindings/` does not change — the UI
//! never talks to the server itself; the sync client in the shell does.
//!
//! Invariants the server guarantees and the client may rely on:
//! - `seq` is per clinic, starts at 1 and is gap-free; an op keeps its `seq` forever
//!   (a replayed push answers `duplicate` with the original `seq`);
//! - cursors are opaque: store `next_cursor` as received, never build one;
//! - an error body is always an [`ApiError`]; match on `code`, never on `message`.
use crate::ids::{ClinicId, DeviceId, OpId};
use crate::op::Op;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Most ops one push may carry; larger batches are refused whole (400).
pub const MAX_PUSH_OPS: usize = 1_000;
/// Largest request body the server reads, measured after gzip decoding (413 above it).
/// Room for one op carrying the largest document (20 MiB, base64 in JSON); clients
/// keep batches far smaller ([`PUSH_BATCH_BYTES`]).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// A client closes a push batch once its ops' JSON passes this size (a single
/// larger op goes alone).
pub const PUSH_BATCH_BYTES: usize = 2 * 1024 * 1024;
/// The server ends a pull page once its ops' JSON passes this size (a page always
/// has at least one op), so documents do not make pages huge.
pub const PULL_PAGE_BYTES: usize = 4 * 1024 * 1024;
/// Page size of a pull when the request gives none, and the largest one allowed.
pub const DEFAULT_PULL_LIMIT: u32 = 500;
pub const MAX_PULL_LIMIT: u32 = 1_000;

/// `POST /v1/push`: the device's next outbox ops, oldest first (strictly increasing
/// `device_counter`). Do not reorder/rename: request bodies may be signed later.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct PushRequest {
    /// Must be the device the bearer token was issued to.
    pub device_id: DeviceId,
    pub ops: Vec<Op>,
}

/// Why an op was quarantined (kept aside, never applied, never dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum QuarantineReason {
    /// Written by a newer build (`schema_version` above the server's): the device's
    /// data is safe on the server; someone has to upgrade the server.
    SchemaTooNew,
    /// The device reused a `device_counter` the server already holds for another
    /// op: typically a device database restored from an old copy.
    DeviceCounterReused,
    /// The `op_id` is already in the log for a different op (another device or
    /// another counter).
    OpIdConflict,
    /// The op's clock is more than [`MAX_CLOCK_AHEAD_MS`] ahead of the server's: kept
    /// aside so one device's wrong clock cannot drag every device's clock (and the
    /// times shown for changes) into the future. Fix that device's clock.
    ClockFarAhead,
}

/// How far ahead of the server's clock an op's clock may be before it is
/// quarantined (7 days; devices more than a few minutes ahead are flagged in the
/// server's log).
pub const MAX_CLOCK_AHEAD_MS: u64 = 7 * 24 * 3600 * 1000;

/// What the server did with one pushed op.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PushOutcome {
    /// Appended to the clinic's log at `seq`.
    Accepted {
        #[ts(type = "number")]
        seq: u64,
    },
    /// Already in the log (a replay): `seq` is where it was appended the first time.
    Duplicate {
        #[ts(type = "number")]
        seq: u64,
    },
    /// Kept in quarantine: the client may mark it pushed (it is safe on the server)
    /// but must not expect to pull it back.
    Quarantined { reason: QuarantineReason },
}

/// One op's result, in the order of the request's ops.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PushResult {
    pub op_id: OpId,
    pub outcome: PushOutcome,
}

/// Answer to a push: every op of the batch has a result (the batch is applied
/// whole or, on any error, not at all).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
    /// True when at least one op was quarantined as `schema_too_new`: the server
    /// is older than this client (tell an administrator; keep working offline).
    pub upgrade_required: bool,
}

/// One op of the clinic's log as pulled. Do not reorder/rename: pulled pages may be
/// hashed when anchored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct LoggedOp {
    /// Position in the clinic's log: gap-free, starting at 1.
    #[ts(type = "number")]
    pub seq: u64,
    /// The device that pushed it.
    pub device_id: DeviceId,
    pub op: Op,
}

/// `GET /v1/pull?cursor=..&limit=..`: the next page of the clinic's log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct PullResponse {
    /// Ops with `seq` after the request's cursor, in `seq` order.
    pub ops: Vec<LoggedOp>,
    /// Opaque; pass it as `cursor` next time (save it in the same local
    /// transaction that applies `ops`).
    pub next_cursor: String,
    /// More ops are waiting: pull again right away.
    pub more: bool,
    /// The clinic log's latest seq when this page was read (progress of a first
    /// sync: the last op's seq / `head_seq`). Absent from older servers (0).
    #[serde(default)]
    #[ts(type = "number")]
    pub head_seq: u64,
}

/// `POST /v1/enroll`: binds a device to the clinic that issued `code`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EnrollRequest {
    /// The one-time enrollment code an administrator got from the server.
    pub code: String,
    pub device_id: DeviceId,
    /// Shown to administrators (e.g. "Front desk 2"); not a secret, not PHI.
    pub device_name: String,
}

/// Answer to an enrollment. Keep `device_token` in the OS keychain; it is shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EnrollResponse {
    pub clinic_id: ClinicId,
    /// Bearer token for every later request (`Authorization: Bearer <token>`).
    pub device_token: String,
}

/// Most audit entries one upload may carry.
pub const MAX_AUDIT_ENTRIES: usize = 1_000;

/// One entry of a device's audit hash chain as uploaded: its position, the chain
/// hashes (hex) and the entry itself (ids only, never patient data — see the
/// device's audit module). The server checks that the chain continues what it
/// holds; it cannot recompute the keyed hashes (the key stays on the device).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct AuditUploadEntry {
    #[ts(type = "number")]
    pub seq: u64,
    pub prev_hash: String,
    pub hash: String,
    pub entry: serde_json::Value,
}

/// `POST /v1/audit`: the device's next audit entries, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct AuditUpload {
    pub device_id: DeviceId,
    pub entries: Vec<AuditUploadEntry>,
}

/// Stable error codes of the sync API. Adding a variant is fine; renaming one
/// breaks deployed clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorCode {
    /// The request is malformed or invalid; `message` says what (and which op).
    BadRequest,
    /// The body is larger than [`MAX_BODY_BYTES`] (before or after gzip decoding).
    PayloadTooLarge,
    /// No valid credentials (missing/unknown token, wrong or used enrollment code).
    Unauthorized,
    /// This device was revoked: the client must wipe its local data and key.
    DeviceRevoked,
    NotFound,
    /// The request contradicts what the server holds (e.g. a cursor from another
    /// epoch: pull again from the start).
    Conflict,
    /// The server is busy or its storage is unavailable: retry with backoff.
    Unavailable,
    /// A server bug; the message carries an incident id, never details.
    Internal,
}

/// Every error response body of the sync API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ApiError {
    pub code: ApiErrorCode,
    pub message: String,
}

/// `GET /v1/health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HealthResponse {
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outcomes_are_tagged_by_status() {
        let r = PushResult {
            op_id: OpId::new(),
            outcome: PushOutcome::Accepted { seq: 7 },
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["outcome"], json!({"status": "accepted", "seq": 7}));
        let q = PushOutcome::Quarantined {
            reason: QuarantineReason::SchemaTooNew,
        };
        assert_eq!(
            serde_json::to_value(q).unwrap(),
            json!({"status": "quarantined", "reason": "schema_too_new"})
        );
    }

    #[test]
    fn error_codes_are_snake_case() {
        let e = ApiError {
            code: ApiErrorCode::DeviceRevoked,
            message: "m".into(),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"code": "device_revoked", "message": "m"})
        );
        let back: ApiError =
            serde_json::from_value(json!({"code": "payload_too_large", "message": ""})).unwrap();
        assert_eq!(back.code, ApiErrorCode::PayloadTooLarge);
    }
}

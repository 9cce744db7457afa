//! Audit anchoring (`/v1/audit`, `/v1/audit/anchor`): devices upload their audit
//! hash chains entry by entry; the server keeps them and checks that each upload
//! continues what it holds (`store::audit_continuation`). The end of a device's
//! chain held here is its anchor: a device whose local trail no longer contains it
//! was tampered with. The server cannot recompute the keyed hashes (the key stays
//! on the device); it checks positions and links.
use crate::api::{blocking, now_ms, AppState};
use crate::auth::AuthedDevice;
use crate::body;
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::State;
use axum::Json;
use clinic_protocol::sync::MAX_AUDIT_ENTRIES;
use clinic_protocol::{AuditAnchor, AuditUpload};

fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Parses and checks an upload whole before anything is stored.
fn validate(bytes: &[u8], device: &AuthedDevice) -> Result<AuditUpload, ApiError> {
    let upload: AuditUpload = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "the body is not an audit upload (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    if upload.device_id != device.device_id {
        return Err(ApiError::bad_request(
            "device_id is not the device this token was issued to",
        ));
    }
    if upload.entries.len() > MAX_AUDIT_ENTRIES {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_AUDIT_ENTRIES} entries per upload"
        )));
    }
    let mut last = 0;
    for (i, e) in upload.entries.iter().enumerate() {
        if e.seq == 0 || e.seq <= last {
            return Err(ApiError::bad_request(format!(
                "entry {i}: seq must start at 1 and increase"
            )));
        }
        if !is_hash(&e.hash) || !is_hash(&e.prev_hash) {
            return Err(ApiError::bad_request(format!(
                "entry {i}: hashes are 64 lower-case hexadecimal digits"
            )));
        }
        if !e.entry.is_object() {
            return Err(ApiError::bad_request(format!(
                "entry {i}: entry must be an object"
            )));
        }
        last = e.seq;
    }
    Ok(upload)
}

pub async fn upload(
    State(state): State<AppState>,
    device: AuthedDevice,
    body: Body,
) -> Result<Json<AuditAnchor>, ApiError> {
    let bytes = body::read(body).await?;
    let upload = validate(&bytes, &device)?;
    let count = upload.entries.len();
    let store = state.store.clone();
    let anchor = blocking(move || {
        store.append_audit(device.clinic_id, device.device_id, &upload.entries, now_ms())
    })
    .await
    .inspect_err(|e| {
        if e.code() == clinic_protocol::ApiErrorCode::Conflict {
            tracing::warn!(device_id = %device.device_id, "an audit upload does not continue the anchored chain");
        }
    })?;
    tracing::info!(device_id = %device.device_id, entries = count, anchored_seq = anchor.seq, "audit entries anchored");
    Ok(Json(anchor))
}

pub async fn anchor(
    State(state): State<AppState>,
    device: AuthedDevice,
) -> Result<Json<AuditAnchor>, ApiError> {
    let store = state.store.clone();
    Ok(Json(
        blocking(move || store.audit_anchor(device.device_id)).await?,
    ))
}

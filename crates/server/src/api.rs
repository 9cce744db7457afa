//! The HTTP API (`/v1/*`): routes, handlers and the shared state.
//!
//! Handlers stay thin: authenticate (extractor), read and validate the whole body,
//! call the store on the blocking pool, map the result. Every failure is an
//! [`ApiError`]; unknown routes and methods answer 404 `not_found` in the same shape.
//! Logs carry ids and counts only — never op payloads, names, tokens or codes.
use crate::auth::AuthedDevice;
use crate::cursor::Cursor;
use crate::error::ApiError;
use crate::gateway::GatewayWebhooks;
use crate::store::{Enrollment, OpLogStore, StoreError};
use crate::{body, secret, validate};
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use clinic_protocol::sync::{DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, PULL_PAGE_BYTES};
use clinic_protocol::{
    ApiErrorCode, EnrollRequest, EnrollResponse, HealthResponse, PullResponse, PushOutcome,
    PushResponse, PushResult, QuarantineReason,
};
use serde::Deserialize;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tower_http::decompression::RequestDecompressionLayer;

/// Longest device name accepted at enrollment.
const MAX_DEVICE_NAME_CHARS: usize = 100;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn OpLogStore>,
    /// The clinics' payment gateway webhook secrets.
    pub webhooks: Arc<GatewayWebhooks>,
}

/// The whole API with its body limits, gzip decoding and request log.
pub fn router(store: Arc<dyn OpLogStore>, webhooks: Arc<GatewayWebhooks>) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/enroll", post(enroll))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .route("/v1/audit", post(crate::audit::upload))
        .route("/v1/audit/anchor", get(crate::audit::anchor))
        .route(
            "/v1/gateway-webhooks/{gateway}/{clinic_id}",
            post(crate::gateway::receive),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        // Layers run outermost-last-added: log -> guard -> gunzip -> handler.
        .layer(RequestDecompressionLayer::new())
        .layer(middleware::from_fn(body::guard))
        .layer(middleware::from_fn(log_request))
        .with_state(AppState { store, webhooks })
}

/// Runs a store call on the blocking pool and maps its error.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(ApiError::from)
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// One line per request: method, route (only known ones: a path could carry
/// anything), status, duration.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route: &'static str = match request.uri().path() {
        "/v1/health" => "/v1/health",
        "/v1/enroll" => "/v1/enroll",
        "/v1/push" => "/v1/push",
        "/v1/pull" => "/v1/pull",
        "/v1/audit" => "/v1/audit",
        "/v1/audit/anchor" => "/v1/audit/anchor",
        p if p.starts_with("/v1/gateway-webhooks/") => "/v1/gateway-webhooks",
        _ => "<other>",
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_millis() as u64;
    // Devices pull every second or so: a successful pull is debug, the rest info.
    if route == "/v1/pull" && status == 200 {
        tracing::debug!(%method, route, status, ms, "request");
    } else {
        tracing::info!(%method, route, status, ms, "request");
    }
    response
}

async fn not_found() -> ApiError {
    ApiError::new(
        ApiErrorCode::NotFound,
        "no such endpoint (check the method and path)",
    )
}

async fn health() -> Json<HealthResponse> {
    Json(HealthResponse {
        status: "ok".into(),
    })
}

async fn enroll(
    State(state): State<AppState>,
    body: Body,
) -> Result<Json<EnrollResponse>, ApiError> {
    let bytes = body::read(body).await?;
    let request: EnrollRequest = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request(format!("the body is not a valid enroll request: {e}"))
    })?;
    let name = request.device_name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_DEVICE_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(ApiError::bad_request(format!(
            "device_name must be 1 to {MAX_DEVICE_NAME_CHARS} printable characters"
        )));
    }
    // A code that cannot even be well-formed gets the same answer as a wrong one.
    let code_hash = secret::code_hash(&request.code).ok_or(StoreError::InvalidCode)?;
    let (token, token_hash) = secret::new_device_token().map_err(|e| ApiError::internal(&e))?;
    let device_id = request.device_id;
    let name = name.to_string();
    let store = state.store.clone();
    let clinic_id = blocking(move || {
        store.enroll(Enrollment {
            code_hash,
            device_id,
            device_name: &name,
            token_hash,
            now_ms: now_ms(),
        })
    })
    .await?;
    tracing::info!(%clinic_id, %device_id, "device enrolled");
    Ok(Json(EnrollResponse {
        clinic_id,
        device_token: token,
    }))
}

async fn push(
    State(state): State<AppState>,
    device: AuthedDevice,
    body: Body,
) -> Result<Json<PushResponse>, ApiError> {
    let bytes = body::read(body).await?;
    let ops = validate::push_batch(&bytes, device.device_id)?;
    let op_ids: Vec<_> = ops.iter().map(|o| o.op_id).collect();
    // DESIGN.md §5: flag devices whose clocks run ahead (ops far ahead are
    // quarantined by the store).
    let ahead_ms = ops
        .iter()
        .filter_map(|o| o.hlc_millis)
        .max()
        .map_or(0, |m| m as i64 - now_ms());
    if ahead_ms > 5 * 60 * 1000 {
        tracing::warn!(device_id = %device.device_id, ahead_minutes = ahead_ms / 60_000, "this device's clock runs ahead of the server's");
    }
    let outcomes = if ops.is_empty() {
        Vec::new()
    } else {
        let store = state.store.clone();
        blocking(move || store.push(device.clinic_id, device.device_id, &ops, now_ms())).await?
    };
    let count = |f: fn(&PushOutcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let accepted = count(|o| matches!(o, PushOutcome::Accepted { .. }));
    let duplicate = count(|o| matches!(o, PushOutcome::Duplicate { .. }));
    let quarantined = count(|o| matches!(o, PushOutcome::Quarantined { .. }));
    let upgrade_required = outcomes.iter().any(|o| {
        matches!(
            o,
            PushOutcome::Quarantined {
                reason: QuarantineReason::SchemaTooNew
            }
        )
    });
    tracing::info!(
        clinic_id = %device.clinic_id,
        device_id = %device.device_id,
        accepted,
        duplicate,
        quarantined,
        "push applied"
    );
    if quarantined > 0 {
        tracing::warn!(device_id = %device.device_id, quarantined, "ops quarantined");
    }
    let results = op_ids
        .into_iter()
        .zip(outcomes)
        .map(|(op_id, outcome)| PushResult { op_id, outcome })
        .collect();
    Ok(Json(PushResponse {
        results,
        upgrade_required,
    }))
}

/// Query of `GET /v1/pull`; kept as text so bad values get a clear 400.
#[derive(Deserialize)]
struct PullParams {
    cursor: Option<String>,
    limit: Option<String>,
}

async fn pull(
    State(state): State<AppState>,
    device: AuthedDevice,
    query: Result<Query<PullParams>, QueryRejection>,
) -> Result<Json<PullResponse>, ApiError> {
    let Query(params) =
        query.map_err(|_| ApiError::bad_request("the query string is malformed"))?;
    let cursor = match params.cursor.as_deref() {
        None | Some("") => None,
        Some(text) => Some(Cursor::decode(text).map_err(|_| {
            ApiError::bad_request("malformed cursor: pass next_cursor exactly as received")
        })?),
    };
    let limit = match params.limit.as_deref() {
        None => DEFAULT_PULL_LIMIT,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=MAX_PULL_LIMIT).contains(l))
            .ok_or_else(|| {
                ApiError::bad_request(format!("limit must be a number from 1 to {MAX_PULL_LIMIT}"))
            })?,
    };
    let after = cursor.map_or(0, |c| c.seq);
    let store = state.store.clone();
    let page = blocking(move || store.pull(device.clinic_id, after, limit)).await?;
    if let Some(c) = cursor {
        if c.epoch != page.epoch {
            return Err(ApiError::new(
                ApiErrorCode::Conflict,
                "the cursor belongs to another epoch of this clinic's log: pull again from the start",
            ));
        }
    }
    // Cap the page's size (documents travel inside ops): at least one op, then
    // stop once the JSON passes PULL_PAGE_BYTES; the rest comes next page.
    let mut page = page;
    let mut bytes = 0usize;
    let mut keep = 0usize;
    for op in &page.ops {
        if keep > 0 && bytes >= PULL_PAGE_BYTES {
            break;
        }
        bytes += serde_json::to_vec(&op.op.payload).map_or(0, |v| v.len()) + 256;
        keep += 1;
    }
    if keep < page.ops.len() {
        page.ops.truncate(keep);
        page.more = true;
    }
    let last = page.ops.last().map_or(after, |o| o.seq);
    tracing::debug!(
        clinic_id = %device.clinic_id,
        device_id = %device.device_id,
        ops = page.ops.len(),
        more = page.more,
        "pull served"
    );
    Ok(Json(PullResponse {
        ops: page.ops,
        next_cursor: Cursor {
            epoch: page.epoch,
            seq: last,
        }
        .encode(),
        more: page.more,
        head_seq: page.head_seq,
    }))
}

//! The server's one error type, [`ApiError`]: every failing request is answered
//! with a JSON [`clinic_protocol::ApiError`] body and the status its code implies.
//!
//! Invariant: no storage text (SQL, file paths) ever reaches a client. Internal
//! failures are logged with a fresh incident id and answered `internal` with only
//! that id, so an operator can find the log line.
use crate::store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use clinic_protocol::ApiErrorCode;
use std::fmt;

/// A refused request: the wire body plus nothing else.
#[derive(Debug)]
pub struct ApiError(pub clinic_protocol::ApiError);

impl ApiError {
    pub fn new(code: ApiErrorCode, message: impl Into<String>) -> Self {
        Self(clinic_protocol::ApiError {
            code,
            message: message.into(),
        })
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ApiErrorCode::BadRequest, message)
    }

    pub fn too_large() -> Self {
        Self::new(
            ApiErrorCode::PayloadTooLarge,
            format!(
                "the request body is larger than {} bytes (after gzip decoding)",
                clinic_protocol::sync::MAX_BODY_BYTES
            ),
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(ApiErrorCode::Unauthorized, "missing or invalid credentials")
    }

    pub fn device_revoked() -> Self {
        Self::new(
            ApiErrorCode::DeviceRevoked,
            "this device was revoked: delete its local data and key",
        )
    }

    /// Logs `detail` (server side only) under a new incident id and answers
    /// `internal` with just that id.
    pub fn internal(detail: &dyn fmt::Display) -> Self {
        let incident = uuid::Uuid::now_v7();
        tracing::error!(%incident, error = %detail, "internal error");
        Self::new(
            ApiErrorCode::Internal,
            format!("internal error (incident {incident})"),
        )
    }

    pub fn code(&self) -> ApiErrorCode {
        self.0.code
    }

    pub fn status(&self) -> StatusCode {
        match self.0.code {
            ApiErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ApiErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiErrorCode::Unauthorized | ApiErrorCode::DeviceRevoked => StatusCode::UNAUTHORIZED,
            ApiErrorCode::NotFound => StatusCode::NOT_FOUND,
            ApiErrorCode::Conflict => StatusCode::CONFLICT,
            ApiErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidCode => Self::new(
                ApiErrorCode::Unauthorized,
                "the enrollment code is not valid",
            ),
            StoreError::Conflict(msg) => Self::new(ApiErrorCode::Conflict, msg),
            StoreError::NotFound(what) => {
                Self::new(ApiErrorCode::NotFound, format!("{what} not found"))
            }
            StoreError::Busy => Self::new(
                ApiErrorCode::Unavailable,
                "the server is busy: retry with backoff",
            ),
            e @ (StoreError::SchemaTooNew { .. } | StoreError::Backend(_)) => Self::internal(&e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(self.0)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

//! Device authentication: the [`AuthedDevice`] extractor turns
//! `Authorization: Bearer <device token>` into the device and its clinic.
//!
//! Invariant: the clinic a request works on comes only from here (the token's
//! stored binding), never from anything the client sends. A revoked device gets
//! 401 `device_revoked` (wipe), any other failure 401 `unauthorized` with no hint.
use crate::api::{blocking, AppState};
use crate::error::ApiError;
use crate::secret;
use crate::store::DeviceAuth;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use clinic_protocol::{ClinicId, DeviceId};

/// The authenticated caller of a device endpoint.
#[derive(Clone, Copy, Debug)]
pub struct AuthedDevice {
    pub clinic_id: ClinicId,
    pub device_id: DeviceId,
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

impl FromRequestParts<AppState> for AuthedDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let hash = bearer(parts)
            .and_then(secret::token_hash)
            .ok_or_else(ApiError::unauthorized)?;
        let store = state.store.clone();
        match blocking(move || store.authenticate(&hash)).await? {
            DeviceAuth::Active {
                clinic_id,
                device_id,
            } => Ok(Self {
                clinic_id,
                device_id,
            }),
            DeviceAuth::Revoked { device_id } => {
                tracing::info!(%device_id, "request from a revoked device refused");
                Err(ApiError::device_revoked())
            }
            DeviceAuth::Unknown => Err(ApiError::unauthorized()),
        }
    }
}

//! Request body limits and gzip.
//!
//! Layering (outermost first): [`guard`] refuses unsupported encodings, refuses a
//! declared `Content-Length` above the limit before reading a byte, and caps the
//! raw body stream; tower-http's `RequestDecompressionLayer` then decodes gzip;
//! [`read`] collects the decoded body with the same cap, so a small gzip bomb is
//! stopped after [`MAX_BODY_BYTES`] decoded bytes. Every refusal is an `ApiError`
//! (413 for size, 400 for a broken body), never a 500.
//!
//! A client that streams a too-large body without waiting for `100 Continue`
//! would see a connection reset instead of the 413 if the server closed the
//! socket with its bytes unread; so for a declared length up to [`DRAIN_MAX_BYTES`]
//! the guard reads and discards the body (bounded in time) before answering 413
//! with `Connection: close`.
use crate::error::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header::{CONNECTION, CONTENT_ENCODING, CONTENT_LENGTH};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clinic_protocol::sync::MAX_BODY_BYTES;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::error::Error as StdError;
use std::time::Duration;

/// Largest declared body the guard drains before answering 413 (larger ones are
/// answered at once and the connection closed).
pub const DRAIN_MAX_BYTES: u64 = 16 * 1024 * 1024;
/// Longest the guard spends draining one refused body.
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// Runs before decompression: encoding allow-list, declared size, raw size cap.
pub async fn guard(request: Request, next: Next) -> Response {
    let declared = match check_headers(&request) {
        Ok(declared) => declared,
        Err(e) => return e.into_response(),
    };
    if let Some(length) = declared.filter(|l| *l > MAX_BODY_BYTES as u64) {
        if length <= DRAIN_MAX_BYTES {
            let _ = tokio::time::timeout(DRAIN_TIME, drain(request.into_body())).await;
        }
        let mut response = ApiError::too_large().into_response();
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    let (parts, body) = request.into_parts();
    let capped = Body::new(Limited::new(body, MAX_BODY_BYTES));
    next.run(Request::from_parts(parts, capped)).await
}

/// Reads and discards a body (the caller bounds it in time; hyper bounds it by
/// the declared length).
async fn drain(mut body: Body) {
    while let Some(Ok(_)) = body.frame().await {}
}

/// Checks the encoding; returns the declared length, if any.
fn check_headers(request: &Request) -> Result<Option<u64>, ApiError> {
    if let Some(encoding) = request.headers().get(CONTENT_ENCODING) {
        // tower-http matches these exact bytes; anything else would be its bare 415.
        if !matches!(encoding.as_bytes(), b"gzip" | b"identity") {
            return Err(ApiError::bad_request(
                "unsupported Content-Encoding: send gzip or no encoding",
            ));
        }
    }
    request
        .headers()
        .get(CONTENT_LENGTH)
        .map(|length| {
            length
                .to_str()
                .ok()
                .and_then(|l| l.parse::<u64>().ok())
                .ok_or_else(|| ApiError::bad_request("Content-Length is not a number"))
        })
        .transpose()
}

/// Collects the (decoded) request body, at most [`MAX_BODY_BYTES`].
pub async fn read(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| {
            if is_length_limit(&e) {
                ApiError::too_large()
            } else {
                // Truncated upload, broken gzip stream, client gone: the client's problem.
                ApiError::bad_request("the request body could not be read or decoded")
            }
        })
}

/// Whether the length cap is anywhere in the error's chain (it arrives wrapped by
/// axum, by the decompression body, and sometimes inside an `io::Error`).
fn is_length_limit(e: &(dyn StdError + 'static)) -> bool {
    let mut next: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = next {
        if err.is::<LengthLimitError>() {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if is_length_limit(inner) {
                    return true;
                }
            }
        }
        next = err.source();
    }
    false
}

//! Why an exchange with a payment gateway failed: a [`GatewayFailure`] holds the
//! [`GatewayErrorKind`] the billing core and the UI act on, the HTTP status and the
//! gateway's own error code when there were ones, and a detail for people and logs.
//!
//! The detail says what was being done ("creating a checkout") and the status and
//! code; it may carry the gateway's error message (Stripe's messages name amounts
//! and object ids, never card data), but never API keys, webhook secrets or
//! anything of the patient's.
//!
//! Classification of answers (each gateway module sorts its own bodies first):
//! - 402, or a card error (`card_declined`, `expired_card`, …) → Declined;
//! - 401 and 403 → Unauthorized (a wrong, revoked or restricted secret key);
//! - 409, and 400 with an idempotency error → IdempotencyConflict (the key was used
//!   with other parameters, or its first request is still running);
//! - 429 → RateLimited; 5xx → ServerError (both temporary);
//! - any other 4xx → Invalid (bad parameters, unknown object, a refund above what
//!   is left of the payment).
//!
//! Network failures: connect, DNS, TLS, a broken connection → Unreachable; past the
//! timeouts → Timeout. An answer that is not what was asked for (not JSON, missing
//! fields, too large) → Malformed. A configuration the client refuses to use (a bad
//! URL, a publishable key instead of a secret one) → NotConfigured.
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of failure, for the billing core (retry or not) and the UI (what to say).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GatewayErrorKind {
    /// No connection to the gateway (offline, DNS, TLS, connection reset).
    Unreachable,
    /// The gateway did not answer in time: the request may or may not have run.
    Timeout,
    /// The card was declined (insufficient funds, expired, …): the patient must act.
    Declined,
    /// The secret key is wrong, revoked or lacks a permission.
    Unauthorized,
    /// Too many requests: try again later.
    RateLimited,
    /// The idempotency key was used with other parameters, or its first request is
    /// still running (`idempotency_key_in_use`, temporary).
    IdempotencyConflict,
    /// The gateway refused the request's parameters (or the object is unknown).
    Invalid,
    /// The gateway failed (5xx): temporary.
    ServerError,
    /// The answer is not what was asked for.
    Malformed,
    /// The client's configuration cannot be used (URL, key format).
    NotConfigured,
}

impl GatewayErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unreachable => "unreachable",
            Self::Timeout => "timeout",
            Self::Declined => "declined",
            Self::Unauthorized => "unauthorized",
            Self::RateLimited => "rate_limited",
            Self::IdempotencyConflict => "idempotency_conflict",
            Self::Invalid => "invalid",
            Self::ServerError => "server_error",
            Self::Malformed => "malformed",
            Self::NotConfigured => "not_configured",
        }
    }
}

/// The gateway's code of the key-in-use conflict (Stripe): the first request with
/// that key is still running, so trying again later is right.
pub const KEY_IN_USE: &str = "idempotency_key_in_use";

/// A failed exchange with a gateway. Safe to log and to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayFailure {
    pub kind: GatewayErrorKind,
    /// The HTTP status of the answer, if one came.
    pub status: Option<u16>,
    /// The gateway's error code (`card_declined`, `amount_too_large`, …), when it is a code.
    pub code: Option<String>,
    pub detail: String,
}

pub type GatewayResult<T> = Result<T, GatewayFailure>;

impl GatewayFailure {
    pub fn new(kind: GatewayErrorKind, status: Option<u16>, detail: impl Into<String>) -> Self {
        Self {
            kind,
            status,
            code: None,
            detail: detail.into(),
        }
    }

    pub fn with_code(mut self, code: Option<String>) -> Self {
        self.code = code;
        self
    }

    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(GatewayErrorKind::Malformed, None, detail)
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(GatewayErrorKind::Invalid, None, detail)
    }

    pub fn not_configured(detail: impl Into<String>) -> Self {
        Self::new(GatewayErrorKind::NotConfigured, None, detail)
    }

    /// Worth trying again later by itself, with the same idempotency key: the
    /// gateway was unreachable, slow, busy or failing, or the key's first request
    /// was still running. The others need a person (the key, the card, the data).
    pub fn is_temporary(&self) -> bool {
        match self.kind {
            GatewayErrorKind::Unreachable
            | GatewayErrorKind::Timeout
            | GatewayErrorKind::RateLimited
            | GatewayErrorKind::ServerError => true,
            GatewayErrorKind::IdempotencyConflict => self.code.as_deref() == Some(KEY_IN_USE),
            _ => false,
        }
    }

    /// Whether the request may have run although no answer came: retrying it must
    /// reuse its idempotency key.
    pub fn answer_lost(&self) -> bool {
        matches!(
            self.kind,
            GatewayErrorKind::Unreachable | GatewayErrorKind::Timeout
        )
    }
}

impl fmt::Display for GatewayFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.detail)
    }
}

impl std::error::Error for GatewayFailure {}

/// The kind of a non-2xx answer by its status alone (the gateway modules look at
/// the body first for card and idempotency errors).
pub fn kind_for_status(status: u16) -> GatewayErrorKind {
    match status {
        402 => GatewayErrorKind::Declined,
        401 | 403 => GatewayErrorKind::Unauthorized,
        409 => GatewayErrorKind::IdempotencyConflict,
        408 => GatewayErrorKind::Timeout,
        429 => GatewayErrorKind::RateLimited,
        500..=599 => GatewayErrorKind::ServerError,
        _ => GatewayErrorKind::Invalid,
    }
}

/// A short code (`card_declined`, `amount_too_large`) or nothing: gateway-given text
/// is kept as a code only when it cannot carry anything but a code.
pub fn safe_code(code: &str) -> Option<String> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    ok.then(|| code.to_string())
}

/// A gateway's human message made safe for a detail: one line, printable, at most
/// 240 characters.
pub fn safe_message(message: &str) -> String {
    let mut out: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(240)
        .collect();
    if message.chars().count() > 240 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use GatewayErrorKind as K;

    #[test]
    fn statuses_map_to_kinds() {
        let cases = [
            (400, K::Invalid),
            (401, K::Unauthorized),
            (402, K::Declined),
            (403, K::Unauthorized),
            (404, K::Invalid),
            (409, K::IdempotencyConflict),
            (429, K::RateLimited),
            (500, K::ServerError),
            (503, K::ServerError),
        ];
        for (status, kind) in cases {
            assert_eq!(kind_for_status(status), kind, "HTTP {status}");
        }
    }

    #[test]
    fn only_network_busy_and_server_failures_are_temporary() {
        let temporary = [K::Unreachable, K::Timeout, K::RateLimited, K::ServerError];
        for kind in [
            K::Unreachable,
            K::Timeout,
            K::Declined,
            K::Unauthorized,
            K::RateLimited,
            K::IdempotencyConflict,
            K::Invalid,
            K::ServerError,
            K::Malformed,
            K::NotConfigured,
        ] {
            let failure = GatewayFailure::new(kind, None, "x");
            assert_eq!(
                failure.is_temporary(),
                temporary.contains(&kind),
                "{kind:?}"
            );
        }
        let in_use = GatewayFailure::new(K::IdempotencyConflict, Some(409), "x")
            .with_code(Some(KEY_IN_USE.into()));
        assert!(in_use.is_temporary());
    }

    #[test]
    fn codes_and_messages_are_sanitised() {
        assert_eq!(safe_code("card_declined").as_deref(), Some("card_declined"));
        assert_eq!(safe_code("Jane Doe"), None);
        assert_eq!(safe_message("a\nb"), "a b");
        assert_eq!(safe_message(&"x".repeat(300)).chars().count(), 241);
    }
}

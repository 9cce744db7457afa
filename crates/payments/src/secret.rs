//! The gateway secrets: an account's secret API key ([`ApiKey`]) and a webhook
//! endpoint's signing secret ([`WebhookSecret`]). Neither ever shows in `Debug`,
//! `Display`, logs or failure details: both print as `[redacted]` with, for the
//! key, only its mode (test or live) so a misconfiguration can still be told.
use crate::error::{GatewayFailure, GatewayResult};
use std::fmt;

/// A gateway secret API key (`sk_test_…`, `sk_live_…`, `rk_…`).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Accepts any non-empty key of printable ASCII without spaces (each gateway
    /// checks its own format further).
    pub fn new(key: impl Into<String>) -> GatewayResult<Self> {
        let key = key.into().trim().to_string();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(GatewayFailure::not_configured(
                "the gateway's secret key is empty or has spaces or control characters",
            ));
        }
        Ok(Self(key))
    }

    /// The key itself, for the Authorization header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// `test` or `live` when the key says so (`sk_test_…`, `FLWSECK_TEST-…`),
    /// for diagnostics.
    pub fn mode(&self) -> &'static str {
        if self.0.contains("_test_") || self.0.starts_with("FLWSECK_TEST-") {
            "test"
        } else if self.0.contains("_live_") || self.0.starts_with("FLWSECK-") {
            "live"
        } else {
            "unknown"
        }
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({} mode, [redacted])", self.mode())
    }
}

/// A webhook signing secret (Stripe's `whsec_…`; for Paystack, the secret key).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    pub fn new(secret: impl Into<String>) -> GatewayResult<Self> {
        let secret = secret.into().trim().to_string();
        if secret.is_empty() {
            return Err(GatewayFailure::not_configured(
                "the webhook signing secret is empty",
            ));
        }
        Ok(Self(secret.into_bytes()))
    }

    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug() {
        let key = ApiKey::new("sk_test_51CanaryKey0123456789").unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains("Canary"), "{shown}");
        assert!(shown.contains("test mode"), "{shown}");
        let secret = WebhookSecret::new("whsec_CanarySecret").unwrap();
        assert!(!format!("{secret:?}").contains("Canary"));
        assert!(ApiKey::new(" ").is_err());
        assert!(ApiKey::new("sk test").is_err());
        assert!(WebhookSecret::new("").is_err());
    }
}

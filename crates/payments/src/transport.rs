//! The HTTP layer under the gateway clients: the reqwest client (rustls with
//! `ring`, TLS 1.3/1.2, the system's roots through the platform verifier, as
//! crates/provider does), URL checks (https, plain http only on loopback), bounded
//! reading of answers, sorting network failures into [`GatewayFailure`]s, and the
//! [`RetryPolicy`]: a request whose answer was lost (timeout, broken connection)
//! or whose idempotency key is still in use is sent again — the very same request,
//! with the same idempotency key, so the gateway answers it once.
//!
//! Nothing here logs URLs with their queries, bodies, keys or headers: the `what`
//! each call carries ("creating a checkout") is the only label.
use crate::error::{GatewayErrorKind, GatewayFailure, GatewayResult, KEY_IN_USE};
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::Url;
use std::error::Error as StdError;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The TLS versions offered, newest first. rustls has nothing below 1.2.
pub const TLS_VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];
/// Largest answer read: gateway answers are small JSON objects.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// Connect and whole-request timeouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect and TLS handshake.
    pub connect: Duration,
    /// One request, from sending to the last byte of the answer. Stripe advises
    /// 80 s for its slowest calls; ours are fast, 30 s is generous.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(30),
        }
    }
}

/// How often a request is sent when its answer is lost or its key is in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Sends at most, the first included (1: never again).
    pub attempts: u32,
    /// Wait before the second send; doubled for each later one.
    pub first_backoff: Duration,
    /// Longest wait between sends.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// Whether a failure is one to send the same request again for, right away:
    /// its answer was lost (it may have run: only the same idempotency key makes a
    /// second send safe), or the key's first request is still running. Rate limits
    /// and 5xx are the billing core's to retry later (Stripe replays a saved 5xx
    /// for the same key, so an immediate resend would not help).
    pub fn retries(failure: &GatewayFailure) -> bool {
        failure.answer_lost()
            || (failure.kind == GatewayErrorKind::IdempotencyConflict
                && failure.code.as_deref() == Some(KEY_IN_USE))
    }

    /// Runs `attempt` until it succeeds, fails in a way not retried, or the attempts
    /// are used up; the last failure then. `attempt` must build the same request
    /// each time (same body, same idempotency key).
    pub async fn run<T, F, Fut>(&self, what: &str, mut attempt: F) -> GatewayResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = GatewayResult<T>>,
    {
        let mut backoff = self.first_backoff;
        let mut sent = 0;
        loop {
            sent += 1;
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(failure) if sent < self.attempts.max(1) && Self::retries(&failure) => {
                    tracing::info!(
                        what,
                        kind = failure.kind.as_str(),
                        attempt = sent,
                        "gateway request sent again with the same idempotency key"
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(self.max_backoff);
                }
                Err(failure) => return Err(failure),
            }
        }
    }
}

/// A complete answer (any status).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// Whether the answer claims to be JSON.
    pub fn is_json(&self) -> bool {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("json"))
    }

    /// The body as JSON: Malformed when it is not.
    pub fn json(&self, what: &str) -> GatewayResult<serde_json::Value> {
        serde_json::from_slice(&self.body).map_err(|e| {
            GatewayFailure::new(
                GatewayErrorKind::Malformed,
                Some(self.status),
                format!("{what}: the answer is not JSON ({e})"),
            )
        })
    }
}

/// Parses and checks the gateway's API base URL: https anywhere, plain http only on
/// loopback (the tests' local gateway), no credentials, query or fragment; the
/// path without a trailing slash. A bad URL is NotConfigured.
pub fn check_base_url(text: &str) -> GatewayResult<Url> {
    let bad = |why: String| GatewayFailure::not_configured(format!("the gateway API URL {why}"));
    let mut url = Url::parse(text.trim()).map_err(|e| bad(format!("is not a valid URL ({e})")))?;
    if url.host().is_none() {
        return Err(bad("has no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not contain credentials".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query or fragment".into()));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(bad(
                "uses plain http://, allowed only for 127.0.0.1, localhost or ::1: use https://"
                    .into(),
            ))
        }
        other => return Err(bad(format!("has the unsupported scheme {other:?}"))),
    }
    let trimmed = url.path().trim_end_matches('/').to_string();
    url.set_path(&trimmed);
    Ok(url)
}

pub fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `base` + `/` + each segment (percent-encoded, so an id can never change the path).
pub fn endpoint(base: &Url, segments: &[&str]) -> GatewayResult<Url> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|_| GatewayFailure::not_configured("the gateway API URL cannot have a path"))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// The reqwest client: our TLS configuration, no redirects (a gateway API never
/// redirects; following one could send the key elsewhere), the timeouts.
pub fn build_client(timeouts: Timeouts, loopback: bool) -> GatewayResult<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config()?)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.request)
        .user_agent(concat!("clinic-payments/", env!("CARGO_PKG_VERSION")));
    if loopback {
        // Never send loopback traffic through an environment proxy.
        builder = builder.no_proxy();
    }
    builder
        .build()
        .map_err(|e| GatewayFailure::not_configured(format!("cannot build the HTTP client: {e}")))
}

/// rustls with `ring`, TLS 1.3/1.2, the platform's verifier and roots, ALPN http/1.1.
fn tls_config() -> GatewayResult<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // The platform verifier is webpki with the system's roots on Linux and the OS's
    // own verifier on macOS/Windows; installed through rustls's "dangerous" hook
    // only because it is a custom verifier — it verifies fully.
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| {
        GatewayFailure::not_configured(format!("cannot set up certificate verification: {e}"))
    })?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(TLS_VERSIONS)
        .map_err(|e| GatewayFailure::not_configured(format!("TLS versions not supported: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Sends a request and reads its whole answer, at most [`MAX_ANSWER_BYTES`].
/// Network failures become Unreachable or Timeout; a longer answer is Malformed.
pub async fn send(what: &str, request: reqwest::RequestBuilder) -> GatewayResult<Answer> {
    let started = Instant::now();
    let result = async {
        let mut response = request.send().await.map_err(|e| network_failure(what, e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let too_large = || {
            GatewayFailure::new(
                GatewayErrorKind::Malformed,
                Some(status),
                format!("{what}: the answer is larger than {MAX_ANSWER_BYTES} bytes"),
            )
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| network_failure(what, e))?
        {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
    .await;
    let ms = started.elapsed().as_millis() as u64;
    match &result {
        Ok(answer) => tracing::debug!(what, status = answer.status, ms, "gateway request"),
        Err(e) => tracing::debug!(what, kind = e.kind.as_str(), ms, "gateway request failed"),
    }
    result
}

/// Sorts a reqwest failure: past a timeout → Timeout; connect, DNS, TLS, a broken
/// connection (also one closed before its answer) → Unreachable; a builder error →
/// NotConfigured.
pub fn network_failure(what: &str, e: reqwest::Error) -> GatewayFailure {
    let e = e.without_url();
    let text = chain_text(&e);
    let kind = if e.is_timeout() {
        GatewayErrorKind::Timeout
    } else if e.is_builder() {
        GatewayErrorKind::NotConfigured
    } else {
        GatewayErrorKind::Unreachable
    };
    GatewayFailure::new(kind, None, format!("{what}: {text}"))
}

/// "a: b: c" from an error's chain (including errors wrapped in io::Errors), without repeats.
fn chain_text(e: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut stack: Vec<&(dyn StdError + 'static)> = vec![e];
    while let Some(err) = stack.pop() {
        let text = err.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            stack.push(inner);
        }
        if let Some(next) = err.source() {
            stack.push(next);
        }
    }
    parts.join(": ")
}

/// The clinic's billing email a gateway takes as the customer (Paystack,
/// Flutterwave), trimmed; NotConfigured naming `gateway` when it is not one.
pub(crate) fn customer_email(gateway: &str, email: &str) -> GatewayResult<String> {
    let email = email.trim().to_string();
    if email.len() < 3 || !email.contains('@') || email.contains(char::is_whitespace) {
        return Err(GatewayFailure::not_configured(format!(
            "{gateway} needs the clinic's billing email address"
        )));
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            check_base_url("https://api.stripe.com/").unwrap().as_str(),
            "https://api.stripe.com/"
        );
        assert!(check_base_url("http://127.0.0.1:8080").is_ok());
        assert!(check_base_url("http://localhost/gw").is_ok());
        for bad in [
            "http://api.stripe.com",
            "ftp://api.stripe.com",
            "https://user:pw@api.stripe.com",
            "https://api.stripe.com/?x=1",
            "not a url",
        ] {
            let failure = check_base_url(bad).unwrap_err();
            assert_eq!(failure.kind, GatewayErrorKind::NotConfigured, "{bad}");
        }
    }

    #[test]
    fn endpoints_escape_ids() {
        let base = check_base_url("https://api.stripe.com/").unwrap();
        let url = endpoint(&base, &["v1", "checkout", "sessions", "cs_1/../x?y"]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://api.stripe.com/v1/checkout/sessions/cs_1%2F..%2Fx%3Fy"
        );
        let base = check_base_url("http://127.0.0.1:9/prefix/").unwrap();
        assert_eq!(
            endpoint(&base, &["v1", "refunds"]).unwrap().as_str(),
            "http://127.0.0.1:9/prefix/v1/refunds"
        );
    }

    #[tokio::test]
    async fn only_lost_answers_and_keys_in_use_are_sent_again() {
        let policy = RetryPolicy {
            attempts: 3,
            first_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
        };
        let cases = [
            (GatewayErrorKind::Timeout, None, 3),
            (GatewayErrorKind::Unreachable, None, 3),
            (
                GatewayErrorKind::IdempotencyConflict,
                Some(KEY_IN_USE.to_string()),
                3,
            ),
            (GatewayErrorKind::IdempotencyConflict, None, 1),
            (GatewayErrorKind::ServerError, None, 1),
            (GatewayErrorKind::RateLimited, None, 1),
            (GatewayErrorKind::Declined, None, 1),
        ];
        for (kind, code, expected) in cases {
            let mut sends = 0;
            let result: GatewayResult<()> = policy
                .run("test", || {
                    sends += 1;
                    let failure = GatewayFailure::new(kind, None, "x").with_code(code.clone());
                    async move { Err(failure) }
                })
                .await;
            assert_eq!(result.unwrap_err().kind, kind);
            assert_eq!(sends, expected, "{kind:?}");
        }
    }
}

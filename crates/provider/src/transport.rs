//! The HTTP layer under [`crate::client`]: the reqwest client (rustls with `ring`,
//! TLS 1.3/1.2, the system's roots through the platform verifier, as crates/sync
//! does), URL checks, redirects (followed on the same origin only, so a token
//! never leaves for another host), bounded reading of answers, and sorting
//! failures into [`ProviderFailure`]s.
//!
//! Nothing here logs or reports URLs with their queries, bodies or tokens: the
//! `what` each call carries ("searching Observation, page 2") is the only label.
use crate::error::{kind_for_status, ProviderFailure, ProviderResult};
use clinic_protocol::ProviderErrorKind;
use reqwest::header::{HeaderMap, CONTENT_TYPE, ETAG, LOCATION};
use reqwest::Url;
use std::error::Error as StdError;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The TLS versions offered, newest first. rustls has nothing below 1.2.
pub const TLS_VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];
/// Redirects followed at most (same origin only).
const MAX_REDIRECTS: usize = 5;

/// Connect and whole-request timeouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect and TLS handshake.
    pub connect: Duration,
    /// One request, from sending to the last byte of the answer.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(60),
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
    /// The Content-Type's media type, lowercased, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|v| !v.is_empty())
    }

    /// The ETag's version: `W/"3"` → `3`.
    pub fn etag_version(&self) -> Option<String> {
        let tag = self.headers.get(ETAG)?.to_str().ok()?.trim();
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        let tag = tag.trim_matches('"');
        (!tag.is_empty()).then(|| tag.to_string())
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    /// Whether the answer claims to be JSON (FHIR or plain).
    pub fn is_json(&self) -> bool {
        self.media_type()
            .is_some_and(|m| m == "application/fhir+json" || m == "application/json")
    }
}

/// Parses and checks an endpoint URL (the FHIR base or the token URL): https
/// anywhere, plain http only on loopback (tests, a local proxy), no credentials,
/// query or fragment. A bad URL is NotConfigured.
pub fn check_url(label: &str, text: &str) -> ProviderResult<Url> {
    let bad = |why: String| ProviderFailure::not_configured(format!("the {label} {why}"));
    let url = Url::parse(text.trim()).map_err(|e| bad(format!("is not a valid URL ({e})")))?;
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
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(bad(
            "uses plain http://, allowed only for 127.0.0.1, localhost or ::1: use https://".into(),
        )),
        other => Err(bad(format!("has the unsupported scheme {other:?}"))),
    }
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

/// Same scheme, host and port.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The reqwest client: our TLS configuration, same-origin redirects only, the timeouts.
pub fn build_client(timeouts: Timeouts, loopback: bool) -> ProviderResult<reqwest::Client> {
    let tls = tls_config()?;
    let redirects = reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().cloned();
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.stop()
        } else if first.is_some_and(|first| same_origin(&first, attempt.url())) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    });
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(redirects)
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.request)
        .user_agent(concat!("clinic-provider/", env!("CARGO_PKG_VERSION")));
    if loopback {
        // Never send loopback traffic through an environment proxy.
        builder = builder.no_proxy();
    }
    builder
        .build()
        .map_err(|e| ProviderFailure::not_configured(format!("cannot build the HTTP client: {e}")))
}

/// rustls with `ring`, TLS 1.3/1.2, the platform's verifier and roots, ALPN http/1.1.
fn tls_config() -> ProviderResult<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // The platform verifier is webpki with the system's roots on Linux and the OS's
    // own verifier on macOS/Windows; installed through rustls's "dangerous" hook
    // only because it is a custom verifier — it verifies fully.
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| {
        ProviderFailure::not_configured(format!("cannot set up certificate verification: {e}"))
    })?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(TLS_VERSIONS)
        .map_err(|e| ProviderFailure::not_configured(format!("TLS versions not supported: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Sends a request and reads its whole answer, at most `cap` bytes. Network
/// failures become Unreachable or Timeout; a longer answer is Malformed.
pub async fn send(
    what: &str,
    request: reqwest::RequestBuilder,
    cap: usize,
) -> ProviderResult<Answer> {
    let started = Instant::now();
    let result = async {
        let mut response = request.send().await.map_err(|e| network_failure(what, e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(too_large(what, status, cap));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| network_failure(what, e))?
        {
            if body.len() + chunk.len() > cap {
                return Err(too_large(what, status, cap));
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
        Ok(answer) => tracing::debug!(what, status = answer.status, ms, "provider request"),
        Err(e) => tracing::debug!(what, kind = e.kind.as_str(), ms, "provider request failed"),
    }
    result
}

fn too_large(what: &str, status: u16, cap: usize) -> ProviderFailure {
    ProviderFailure::new(
        ProviderErrorKind::Malformed,
        Some(status),
        format!(
            "{what}: the answer is larger than {} MiB",
            cap / (1024 * 1024)
        ),
    )
}

/// The failure for a non-2xx answer: its kind by status, the detail with the
/// FHIR outcome's issue code when the body is an OperationOutcome.
pub fn status_failure(what: &str, answer: &Answer, patient_scoped: bool) -> ProviderFailure {
    let status = answer.status;
    let mut detail = format!("{what}: HTTP {status}");
    if let Some(code) = outcome_code(&answer.body) {
        detail.push_str(&format!(" (outcome {code})"));
    }
    if (300..400).contains(&status) {
        detail.push_str(": a redirect to another host is not followed (is the base URL right?)");
    }
    ProviderFailure::new(
        kind_for_status(status, patient_scoped),
        Some(status),
        detail,
    )
}

/// The first issue's code of an OperationOutcome body (a FHIR code: safe to log).
pub fn outcome_code(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    if value.get("resourceType")?.as_str()? != "OperationOutcome" {
        return None;
    }
    let code = value.get("issue")?.get(0)?.get("code")?.as_str()?;
    safe_code(code)
}

/// A short code (`not-found`, `invalid_client`) or nothing: server-given text is
/// kept only when it cannot carry anything but a code.
pub fn safe_code(code: &str) -> Option<String> {
    let ok = !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    ok.then(|| code.to_string())
}

/// Sorts a reqwest failure: past a timeout → Timeout; connect, DNS, TLS, a broken
/// connection → Unreachable; a builder error → NotConfigured.
pub fn network_failure(what: &str, e: reqwest::Error) -> ProviderFailure {
    let e = e.without_url();
    let text = chain_text(&e);
    let kind = if e.is_timeout() {
        ProviderErrorKind::Timeout
    } else if e.is_builder() {
        ProviderErrorKind::NotConfigured
    } else {
        ProviderErrorKind::Unreachable
    };
    ProviderFailure::new(kind, None, format!("{what}: {text}"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_are_checked() {
        assert!(check_url("FHIR base URL", "https://fhir.example.org/r4").is_ok());
        assert!(check_url("FHIR base URL", "http://127.0.0.1:8080/fhir").is_ok());
        assert!(check_url("FHIR base URL", "http://localhost/fhir").is_ok());
        for bad in [
            "http://fhir.example.org/r4",
            "ftp://fhir.example.org",
            "https://user:pw@fhir.example.org",
            "https://fhir.example.org/r4?x=1",
            "not a url",
        ] {
            let failure = check_url("FHIR base URL", bad).unwrap_err();
            assert_eq!(failure.kind, ProviderErrorKind::NotConfigured, "{bad}");
        }
    }

    #[test]
    fn outcome_codes_are_kept_only_when_they_are_codes() {
        let body = br#"{"resourceType":"OperationOutcome","issue":[{"code":"not-found"}]}"#;
        assert_eq!(outcome_code(body).as_deref(), Some("not-found"));
        let prose =
            br#"{"resourceType":"OperationOutcome","issue":[{"code":"Jane Doe, born 1970"}]}"#;
        assert_eq!(outcome_code(prose), None);
        assert_eq!(outcome_code(b"<html>"), None);
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let a = Url::parse("https://fhir.example.org/r4/Patient").unwrap();
        assert!(same_origin(
            &a,
            &Url::parse("https://FHIR.example.org:443/x").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://fhir.example.org/r4").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("https://evil.example/r4").unwrap()
        ));
    }
}

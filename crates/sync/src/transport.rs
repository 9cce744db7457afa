//! HTTPS transport to the sync server (DESIGN.md §5 and §6): one [`Transport`] per
//! server, one async method per endpoint, typed [`TransportError`]s.
//!
//! TLS: reqwest over rustls with the `ring` provider (no OpenSSL, no aws-lc), TLS
//! 1.3 and 1.2 only — rustls implements nothing older, so a server offering only
//! TLS 1.0/1.1 fails the handshake. Certificates are checked against the system's
//! roots plus the clinic's own CA ([`TransportConfig::ca_pem`]), and for the host
//! name of the base URL. Plain `http://` is accepted for loopback base URLs only
//! (tests, a local TLS terminator); anything else is a [`TransportError::Config`].
//!
//! Push bodies are gzip-compressed (`Content-Encoding: gzip`); redirects are not
//! followed (a bearer token never goes anywhere but the configured server).
//! Nothing here logs tokens, codes or bodies: logs and error texts carry routes,
//! statuses and the transport's own diagnostics only.
use clinic_protocol::{
    ApiErrorCode, AuditAnchor, AuditUpload, EnrollRequest, EnrollResponse, HealthResponse,
    PullResponse, PushRequest, PushResponse,
};
use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::{Method, StatusCode, Url};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde::de::DeserializeOwned;
use std::error::Error as StdError;
use std::fmt;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Whole-request timeout (connect, TLS, upload, answer) when none is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest answer read from the server; a longer one is a [`TransportError::Protocol`].
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024 * 1024;
/// The TLS versions offered, newest first. rustls has nothing below 1.2.
pub const TLS_VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];
/// Longest server error message kept (the server's are short; this bounds a hostile one).
const MAX_MESSAGE_CHARS: usize = 500;

/// How to reach one sync server.
#[derive(Clone)]
pub struct TransportConfig {
    /// `https://host[:port][/prefix]`; `http://` only for 127.0.0.1, localhost or ::1.
    pub base_url: String,
    /// An extra trusted root in PEM (the clinic's CA), on top of the system's roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Whole-request timeout; past it the request fails as [`TransportError::Offline`].
    pub timeout: Duration,
}

impl TransportConfig {
    /// A configuration with the system roots only and [`DEFAULT_TIMEOUT`].
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            ca_pem: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Also trusts this CA (PEM, one or more certificates).
    pub fn with_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl fmt::Debug for TransportConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportConfig")
            .field("base_url", &self.base_url)
            .field("ca_pem_bytes", &self.ca_pem.as_ref().map(Vec::len))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Why a call failed. Texts are safe to log and to show: no token, code or body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The server could not be reached or the connection broke: refused, DNS,
    /// timeout, reset. Retry later with backoff.
    #[error("the sync server cannot be reached: {0}")]
    Offline(String),
    /// The TLS handshake failed: untrusted or wrong certificate, no common TLS
    /// version, not a TLS server. Retrying will not help; the setup must change.
    #[error("secure connection to the sync server failed: {0}")]
    Tls(String),
    /// The server answered with an error (`code` from its `ApiError` body; for a
    /// 5xx without such a body, e.g. a proxy's page, `internal` or `unavailable`).
    #[error("the sync server refused the request (HTTP {status}, {code:?}): {message}")]
    Api {
        status: u16,
        code: ApiErrorCode,
        message: String,
    },
    /// The answer could not be understood (not the expected JSON, too large, a
    /// redirect, a 4xx without an API error body).
    #[error("unexpected answer from the sync server: {0}")]
    Protocol(String),
    /// The transport is misconfigured (base URL, CA, token format).
    #[error("sync transport misconfigured: {0}")]
    Config(String),
}

impl TransportError {
    /// Worth retrying later with backoff: offline, or a server-side failure.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Offline(_) => true,
            Self::Api { status, code, .. } => {
                *code == ApiErrorCode::Unavailable || *status >= 500 || *status == 429
            }
            Self::Tls(_) | Self::Protocol(_) | Self::Config(_) => false,
        }
    }

    /// The server says this device was revoked: wipe its local data and key.
    pub fn is_revoked(&self) -> bool {
        matches!(
            self,
            Self::Api {
                code: ApiErrorCode::DeviceRevoked,
                ..
            }
        )
    }
}

/// A client for one sync server. Cheap to clone (connections are pooled and shared).
#[derive(Clone)]
pub struct Transport {
    client: reqwest::Client,
    /// The base URL without a trailing slash.
    base: String,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base", &self.base)
            .finish()
    }
}

impl Transport {
    /// Checks the configuration and builds the client (no network access yet).
    pub fn new(config: TransportConfig) -> Result<Self, TransportError> {
        let url = check_base_url(&config.base_url)?;
        let loopback_http = url.scheme() == "http";
        let tls = client_tls_config(config.ca_pem.as_deref())?;
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .https_only(!loopback_http)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .user_agent(concat!("clinic-sync/", env!("CARGO_PKG_VERSION")));
        if is_loopback(&url) {
            // Never send loopback traffic through an environment proxy.
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| TransportError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            base: url.as_str().trim_end_matches('/').to_string(),
        })
    }

    /// The server's base URL as configured (without a trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `GET /v1/health`.
    pub async fn health(&self) -> Result<HealthResponse, TransportError> {
        let request = self.client.get(self.url("/v1/health")?);
        self.call("/v1/health", request).await
    }

    /// `POST /v1/enroll`: trades a one-time code for the device's token.
    pub async fn enroll(&self, request: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        let body = to_json(request)?;
        let request = self
            .client
            .post(self.url("/v1/enroll")?)
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        self.call("/v1/enroll", request).await
    }

    /// `POST /v1/push` with a gzip-compressed body.
    pub async fn push(
        &self,
        token: &str,
        request: &PushRequest,
    ) -> Result<PushResponse, TransportError> {
        let body = gzip(&to_json(request)?)?;
        let request = self
            .authed(Method::POST, self.url("/v1/push")?, token)?
            .header(CONTENT_TYPE, "application/json")
            .header(CONTENT_ENCODING, "gzip")
            .body(body);
        self.call("/v1/push", request).await
    }

    /// `GET /v1/pull`: the page after `cursor` (`None`: from the start), at most
    /// `limit` ops (1 to `MAX_PULL_LIMIT`).
    pub async fn pull(
        &self,
        token: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<PullResponse, TransportError> {
        let mut url = self.url("/v1/pull")?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("limit", &limit.to_string());
            if let Some(cursor) = cursor {
                query.append_pair("cursor", cursor);
            }
        }
        let request = self.authed(Method::GET, url, token)?;
        self.call("/v1/pull", request).await
    }

    /// `POST /v1/audit`: the device's next audit entries (gzip body); answers the
    /// server's new anchor of this device's chain.
    pub async fn upload_audit(
        &self,
        token: &str,
        upload: &AuditUpload,
    ) -> Result<AuditAnchor, TransportError> {
        let body = gzip(&to_json(upload)?)?;
        let request = self
            .authed(Method::POST, self.url("/v1/audit")?, token)?
            .header(CONTENT_TYPE, "application/json")
            .header(CONTENT_ENCODING, "gzip")
            .body(body);
        self.call("/v1/audit", request).await
    }

    /// `GET /v1/audit/anchor`: where the server's copy of this device's chain ends.
    pub async fn audit_anchor(&self, token: &str) -> Result<AuditAnchor, TransportError> {
        let request = self.authed(Method::GET, self.url("/v1/audit/anchor")?, token)?;
        self.call("/v1/audit/anchor", request).await
    }

    fn url(&self, route: &str) -> Result<Url, TransportError> {
        Url::parse(&format!("{}{route}", self.base))
            .map_err(|e| TransportError::Config(format!("bad URL for {route}: {e}")))
    }

    /// A request carrying the device token (marked sensitive: never in Debug output).
    fn authed(
        &self,
        method: Method,
        url: Url,
        token: &str,
    ) -> Result<reqwest::RequestBuilder, TransportError> {
        let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
            .ok()
            .filter(|_| !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                TransportError::Config("the device token is empty or malformed".into())
            })?;
        value.set_sensitive(true);
        Ok(self
            .client
            .request(method, url)
            .header(AUTHORIZATION, value))
    }

    /// Sends, reads the whole answer (bounded) and decodes it or its error.
    async fn call<T: DeserializeOwned>(
        &self,
        route: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, TransportError> {
        let started = Instant::now();
        let result = async {
            let mut response = request.send().await.map_err(|e| classify(&e))?;
            let status = response.status();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(TransportError::Protocol(format!(
                        "the answer to {route} is larger than {MAX_RESPONSE_BYTES} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok((status, body))
        }
        .await;
        let ms = started.elapsed().as_millis() as u64;
        let (status, body) = match result {
            Ok(answer) => answer,
            Err(e) => {
                tracing::debug!(route, ms, error = %e, "sync request failed");
                return Err(e);
            }
        };
        tracing::debug!(route, status = status.as_u16(), ms, "sync request");
        if status.is_success() {
            serde_json::from_slice(&body).map_err(|e| {
                TransportError::Protocol(format!(
                    "the answer to {route} is not the expected JSON ({})",
                    json_error(&e)
                ))
            })
        } else {
            Err(error_answer(route, status, &body))
        }
    }
}

/// Parses and checks the base URL: https anywhere, http on loopback only, no
/// credentials, query or fragment.
fn check_base_url(base_url: &str) -> Result<Url, TransportError> {
    let url = Url::parse(base_url.trim()).map_err(|e| {
        TransportError::Config(format!("the server URL {base_url:?} is not valid: {e}"))
    })?;
    if url.host().is_none() {
        return Err(TransportError::Config(format!(
            "the server URL {base_url:?} has no host"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(TransportError::Config(
            "the server URL must not contain credentials".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(TransportError::Config(
            "the server URL must not have a query or fragment".into(),
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(TransportError::Config(format!(
            "plain http:// is allowed only for 127.0.0.1, localhost or ::1; use https:// for {}",
            url.host_str().unwrap_or_default()
        ))),
        other => Err(TransportError::Config(format!(
            "unsupported URL scheme {other:?}: use https://"
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// rustls with `ring`, TLS 1.3/1.2, system roots plus the clinic's CA, ALPN http/1.1.
fn client_tls_config(ca_pem: Option<&[u8]>) -> Result<rustls::ClientConfig, TransportError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut extra_roots: Vec<CertificateDer<'static>> = Vec::new();
    if let Some(pem) = ca_pem {
        extra_roots = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<_, _>>()
            .map_err(|e| TransportError::Config(format!("the clinic CA is not valid PEM: {e}")))?;
        if extra_roots.is_empty() {
            return Err(TransportError::Config(
                "the clinic CA PEM holds no certificate (BEGIN CERTIFICATE)".into(),
            ));
        }
        let mut check = rustls::RootCertStore::empty();
        for cert in &extra_roots {
            check.add(cert.clone()).map_err(|e| {
                TransportError::Config(format!("the clinic CA is not a usable certificate: {e}"))
            })?;
        }
    }
    // The platform verifier is webpki with the system's roots on Linux and the OS's
    // own verifier on macOS/Windows; it is installed through rustls's "dangerous"
    // hook only because it is a custom verifier — it verifies fully.
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
            .map_err(|e| {
                TransportError::Tls(format!("cannot set up certificate verification: {e}"))
            })?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(TLS_VERSIONS)
        .map_err(|e| TransportError::Config(format!("TLS versions not supported: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, TransportError> {
    serde_json::to_vec(value)
        .map_err(|e| TransportError::Protocol(format!("cannot encode the request: {e}")))
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>, TransportError> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::fast());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| TransportError::Protocol(format!("cannot gzip the request: {e}")))
}

/// A serde error's category and position only: its text may quote the body.
fn json_error(e: &serde_json::Error) -> String {
    format!(
        "{:?} error at line {}, column {}",
        e.classify(),
        e.line(),
        e.column()
    )
}

/// Maps a non-2xx answer: its `ApiError` body, or a synthetic one for a 5xx.
fn error_answer(route: &str, status: StatusCode, body: &[u8]) -> TransportError {
    let code = status.as_u16();
    if let Ok(api) = serde_json::from_slice::<clinic_protocol::ApiError>(body) {
        return TransportError::Api {
            status: code,
            code: api.code,
            message: api.message.chars().take(MAX_MESSAGE_CHARS).collect(),
        };
    }
    let what = format!("HTTP {code} from {route} without an API error body");
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        let api_code = if matches!(code, 429 | 502 | 503 | 504) {
            ApiErrorCode::Unavailable
        } else {
            ApiErrorCode::Internal
        };
        TransportError::Api {
            status: code,
            code: api_code,
            message: format!("{what} (a proxy in between?)"),
        }
    } else if status.is_redirection() {
        TransportError::Protocol(format!(
            "{what}: redirects are not followed, check the server URL"
        ))
    } else {
        TransportError::Protocol(format!("{what}: is the server URL right?"))
    }
}

/// Sorts a reqwest failure into Tls (a rustls error anywhere in the chain),
/// Offline (connect, timeout, broken connection) or Config (builder).
fn classify(e: &reqwest::Error) -> TransportError {
    let mut tls = None;
    for_each_cause(e, &mut |err| {
        if tls.is_none() {
            tls = err.downcast_ref::<rustls::Error>().map(tls_text);
        }
    });
    if let Some(text) = tls {
        return TransportError::Tls(text);
    }
    let text = chain_text(e);
    if e.is_builder() {
        TransportError::Config(text)
    } else if e.is_timeout() {
        TransportError::Offline(format!("timed out: {text}"))
    } else {
        // Connect (refused, DNS), request or body errors: the network's fault.
        TransportError::Offline(text)
    }
}

/// rustls's reason plus a hint for the usual certificate mistakes.
fn tls_text(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    let hint = match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
            " (the server's certificate is not signed by a trusted CA: is the clinic's CA configured?)"
        }
        rustls::Error::InvalidCertificate(C::BadSignature) => {
            " (the server's certificate does not verify against the trusted CAs)"
        }
        rustls::Error::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
            " (the server's certificate is for another host name)"
        }
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            " (the server's certificate has expired, or this computer's clock is wrong)"
        }
        rustls::Error::InvalidMessage(_) => " (is the server speaking plain HTTP?)",
        _ => "",
    };
    format!("{e}{hint}")
}

/// Calls `f` on every error of the chain, including the errors wrapped inside
/// `io::Error`s (whose `source()` skips the wrapped error itself).
fn for_each_cause<'a>(
    e: &'a (dyn StdError + 'static),
    f: &mut dyn FnMut(&'a (dyn StdError + 'static)),
) {
    let mut next: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = next {
        f(err);
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                for_each_cause(inner, f);
            }
        }
        next = err.source();
    }
}

/// "a: b: c" from the chain, without the URL and without repeats.
fn chain_text(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for_each_cause(e, &mut |err| {
        let text = err.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    });
    // reqwest's own text names the URL; keep its kind only.
    if let Some(first) = parts.first_mut() {
        if let Some(at) = first.find(" for url (") {
            first.truncate(at);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tls_1_2_and_1_3_are_offered() {
        let versions: Vec<_> = TLS_VERSIONS.iter().map(|v| v.version).collect();
        assert_eq!(
            versions,
            [
                rustls::ProtocolVersion::TLSv1_3,
                rustls::ProtocolVersion::TLSv1_2
            ]
        );
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1/",
            "http://[::1]:9",
            "https://sync.example.org",
            "https://sync.example.org/clinic/",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://sync.example.org",
            "http://192.168.1.10:8080",
            "ftp://127.0.0.1",
            "https://user:pw@sync.example.org",
            "https://sync.example.org/?x=1",
            "not a url",
        ] {
            assert!(
                matches!(check_base_url(bad), Err(TransportError::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_bad_ca_is_a_config_error() {
        assert!(matches!(
            client_tls_config(Some(b"nothing here")),
            Err(TransportError::Config(_))
        ));
        assert!(matches!(
            client_tls_config(Some(
                b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
            )),
            Err(TransportError::Config(_))
        ));
    }

    #[test]
    fn error_answers_map_to_codes_and_retry_advice() {
        let e = error_answer(
            "/v1/pull",
            StatusCode::UNAUTHORIZED,
            br#"{"code":"device_revoked","message":"wipe"}"#,
        );
        assert!(e.is_revoked() && !e.is_retryable(), "{e:?}");
        let e = error_answer(
            "/v1/push",
            StatusCode::BAD_GATEWAY,
            b"<html>bad gateway</html>",
        );
        assert!(
            matches!(
                e,
                TransportError::Api {
                    status: 502,
                    code: ApiErrorCode::Unavailable,
                    ..
                }
            ) && e.is_retryable(),
            "{e:?}"
        );
        let e = error_answer("/v1/push", StatusCode::NOT_FOUND, b"<html>no</html>");
        assert!(matches!(e, TransportError::Protocol(_)) && !e.is_retryable());
        let e = error_answer(
            "/v1/push",
            StatusCode::SERVICE_UNAVAILABLE,
            br#"{"code":"unavailable","message":"busy"}"#,
        );
        assert!(e.is_retryable());
        assert!(TransportError::Offline("x".into()).is_retryable());
        assert!(!TransportError::Tls("x".into()).is_retryable());
    }

    #[test]
    fn a_malformed_token_is_refused_before_sending() {
        let t = Transport::new(TransportConfig::new("http://127.0.0.1:9")).unwrap();
        let url = t.url("/v1/pull").unwrap();
        for bad in ["", "has space", "new\nline"] {
            assert!(matches!(
                t.authed(Method::GET, url.clone(), bad),
                Err(TransportError::Config(_))
            ));
        }
    }
}

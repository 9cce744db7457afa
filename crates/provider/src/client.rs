//! [`FhirClient`]: the async FHIR R4 REST client for one provider endpoint — its
//! capability statement, finding the patient by identifier, reads, searches
//! followed across all their pages, Binary downloads, and creating and updating
//! resources (Task, Patient) with optimistic locking (`If-Match`).
//!
//! Authentication is [`ProviderAuth`]: none, a static bearer token, or SMART
//! Backend Services, whose access token is fetched with a signed client assertion,
//! cached until shortly before it expires, and fetched again once when the
//! provider answers 401 to a cached one.
//!
//! Resources are `serde_json::Value`s: mapping them to the clinic's domain is the
//! caller's business. Every answer is checked to be the FHIR asked for (JSON, the
//! right resourceType, a Bundle of the searched type: `crate::answer`) and bounded
//! in size; failures are [`ProviderFailure`]s classified as `crate::error` documents.
//! Searches follow only `next` links under the base URL, at most [`MAX_PAGES`]
//! pages and [`MAX_SEARCH_BYTES`] in all.
use crate::answer::{check_id, check_type, json_resource, read_page, type_of, version_of};
use crate::auth::{token_request_form, AccessToken, ProviderAuth, SmartKey};
use crate::error::{ProviderFailure, ProviderResult};
pub use crate::transport::Timeouts;
use crate::transport::{self, Answer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use clinic_protocol::ProviderErrorKind;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, IF_MATCH};
use reqwest::{Method, Url};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::{Instant, SystemTime};

/// Largest FHIR JSON answer read (one resource or one search page).
pub const MAX_RESOURCE_BYTES: usize = 64 * 1024 * 1024;
/// Largest Binary downloaded.
pub const MAX_BINARY_BYTES: usize = 256 * 1024 * 1024;
/// Most pages one search follows.
pub const MAX_PAGES: u32 = 1000;
/// Most bytes one search reads over all its pages.
pub const MAX_SEARCH_BYTES: usize = 512 * 1024 * 1024;
const FHIR_JSON: &str = "application/fhir+json";

/// A client for one provider's FHIR endpoint. Cheap to share (`&self` methods;
/// connections are pooled).
pub struct FhirClient {
    http: reqwest::Client,
    /// The base URL without a trailing slash.
    base: Url,
    auth: ProviderAuth,
    smart_key: Option<SmartKey>,
    token_url: Option<Url>,
    token: tokio::sync::Mutex<Option<AccessToken>>,
}

impl fmt::Debug for FhirClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FhirClient")
            .field("base", &self.base.as_str())
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

/// What a request is, for errors and logs, and whether a 404 means the patient is unknown.
struct Purpose<'a> {
    what: &'a str,
    patient_scoped: bool,
}

impl FhirClient {
    /// Checks the configuration (URLs, the SMART key) and builds the client; no
    /// network access yet. A bad configuration is NotConfigured.
    pub fn new(base_url: &str, auth: ProviderAuth, timeouts: Timeouts) -> ProviderResult<Self> {
        let mut base = transport::check_url("FHIR base URL", base_url)?;
        let trimmed = base.path().trim_end_matches('/').to_string();
        base.set_path(&trimmed);
        let mut loopback = transport::is_loopback(&base);
        let (smart_key, token_url) = match &auth {
            ProviderAuth::Open => (None, None),
            ProviderAuth::Bearer(token) => {
                if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(ProviderFailure::not_configured(
                        "the bearer token is empty or has spaces or control characters",
                    ));
                }
                (None, None)
            }
            ProviderAuth::Smart {
                client_id,
                token_url,
                private_key_pem,
                ..
            } => {
                if client_id.trim().is_empty() {
                    return Err(ProviderFailure::not_configured(
                        "the SMART client id is empty",
                    ));
                }
                let token_url = transport::check_url("SMART token URL", token_url)?;
                loopback &= transport::is_loopback(&token_url);
                (Some(SmartKey::from_pem(private_key_pem)?), Some(token_url))
            }
        };
        Ok(Self {
            http: transport::build_client(timeouts, loopback)?,
            base,
            auth,
            smart_key,
            token_url,
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// The base URL as used (without a trailing slash).
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// `GET [base]/metadata`: the CapabilityStatement.
    pub async fn capabilities(&self) -> ProviderResult<Value> {
        let purpose = Purpose {
            what: "reading the capability statement",
            patient_scoped: false,
        };
        let url = self.url(&["metadata"])?;
        let answer = self.fetch(&purpose, Method::GET, url, None, None).await?;
        json_resource(purpose.what, &answer, "CapabilityStatement")
    }

    /// `GET [base]/Patient?identifier=system|value`: the one patient with that
    /// identifier, `None` when there is none. Several → PatientNotFound (the
    /// identifier does not tell which).
    pub async fn find_patient(&self, identifier: &str) -> ProviderResult<Option<Value>> {
        let what = "finding the patient by identifier";
        let purpose = Purpose {
            what,
            patient_scoped: true,
        };
        if identifier.trim().is_empty() {
            return Err(ProviderFailure::not_configured(
                "the patient's identifier at the provider is empty",
            ));
        }
        let mut url = self.url(&["Patient"])?;
        url.query_pairs_mut()
            .append_pair("identifier", identifier.trim())
            .append_pair("_count", "2");
        let answer = self.fetch(&purpose, Method::GET, url, None, None).await?;
        let bundle = json_resource(what, &answer, "Bundle")?;
        let mut page = read_page(what, &bundle, "Patient")?;
        match page.entries.len() {
            0 => Ok(None),
            1 => Ok(page.entries.pop()),
            n => Err(ProviderFailure::new(
                ProviderErrorKind::PatientNotFound,
                Some(answer.status),
                format!("{what}: {n} patients match, the identifier must name one"),
            )),
        }
    }

    /// `GET [base]/<type>/<id>`: the resource and its version (ETag, else
    /// `meta.versionId`). A 404 on a Patient is PatientNotFound.
    pub async fn read(
        &self,
        resource_type: &str,
        id: &str,
    ) -> ProviderResult<(Value, Option<String>)> {
        check_type(resource_type)?;
        check_id(id)?;
        let what = format!("reading {resource_type}");
        let purpose = Purpose {
            what: &what,
            patient_scoped: resource_type == "Patient",
        };
        let url = self.url(&[resource_type, id])?;
        let answer = self.fetch(&purpose, Method::GET, url, None, None).await?;
        let resource = json_resource(&what, &answer, resource_type)?;
        let version = answer.etag_version().or_else(|| version_of(&resource));
        Ok((resource, version))
    }

    /// `GET [base]/<type>?params`, then every `next` page: the matched resources
    /// (included resources and OperationOutcome entries left out; a resource seen
    /// on two pages is kept once, as last seen). `on_page(pages, entries)` after
    /// each page, with the totals so far. A 404 when `params` name the patient
    /// (`patient`, `subject`) is PatientNotFound.
    pub async fn search_all(
        &self,
        resource_type: &str,
        params: &[(&str, &str)],
        mut on_page: impl FnMut(u32, usize),
    ) -> ProviderResult<Vec<Value>> {
        check_type(resource_type)?;
        let patient_scoped = params
            .iter()
            .any(|(k, _)| matches!(k.split(':').next(), Some("patient" | "subject")));
        let mut url = self.url(&[resource_type])?;
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        let mut found: Vec<Value> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut visited: HashSet<String> = HashSet::new();
        let mut pages = 0u32;
        let mut bytes = 0usize;
        loop {
            pages += 1;
            let what = format!("searching {resource_type} (page {pages})");
            if pages > MAX_PAGES {
                return Err(ProviderFailure::malformed(format!(
                    "{what}: more than {MAX_PAGES} pages"
                )));
            }
            visited.insert(url.to_string());
            let purpose = Purpose {
                what: &what,
                patient_scoped,
            };
            let answer = self.fetch(&purpose, Method::GET, url, None, None).await?;
            bytes += answer.body.len();
            if bytes > MAX_SEARCH_BYTES {
                return Err(ProviderFailure::malformed(format!(
                    "{what}: the search is larger than {} MiB",
                    MAX_SEARCH_BYTES / (1024 * 1024)
                )));
            }
            let bundle = json_resource(&what, &answer, "Bundle")?;
            let page = read_page(&what, &bundle, resource_type)?;
            for resource in page.entries {
                let id = resource["id"].as_str().unwrap_or_default().to_string();
                match index.get(&id) {
                    Some(&at) => found[at] = resource,
                    None => {
                        index.insert(id, found.len());
                        found.push(resource);
                    }
                }
            }
            on_page(pages, found.len());
            let Some(next) = page.next else {
                return Ok(found);
            };
            let next = self.next_url(&what, &next)?;
            if visited.contains(next.as_str()) {
                return Err(ProviderFailure::malformed(format!(
                    "{what}: the next link goes back to a page already read"
                )));
            }
            url = next;
        }
    }

    /// Downloads a Binary (`Binary/<id>` or an absolute URL under the base URL):
    /// its content type and bytes, whether the provider sends the raw content or a
    /// Binary resource (its `data` decoded).
    pub async fn binary(&self, reference_or_url: &str) -> ProviderResult<(String, Vec<u8>)> {
        let what = "downloading a Binary";
        let purpose = Purpose {
            what,
            patient_scoped: false,
        };
        let url = self.resolve_reference(what, reference_or_url)?;
        let answer = self
            .fetch_capped(
                &purpose,
                Method::GET,
                url,
                None,
                None,
                MAX_BINARY_BYTES,
                "*/*",
            )
            .await?;
        if answer.is_json() {
            if let Ok(value) = serde_json::from_slice::<Value>(&answer.body) {
                if value.get("resourceType").and_then(Value::as_str) == Some("Binary") {
                    let content_type = value["contentType"]
                        .as_str()
                        .unwrap_or("application/octet-stream")
                        .to_string();
                    let data = value["data"].as_str().ok_or_else(|| {
                        ProviderFailure::malformed(format!("{what}: the Binary has no data"))
                    })?;
                    let bytes = STANDARD
                        .decode(data.split_ascii_whitespace().collect::<String>())
                        .map_err(|_| {
                            ProviderFailure::malformed(format!("{what}: the data is not base64"))
                        })?;
                    return Ok((content_type, bytes));
                }
            }
        }
        let content_type = answer
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .trim()
            .to_string();
        Ok((content_type, answer.body))
    }

    /// `POST [base]/<resourceType>`: the created resource as the provider stored it.
    pub async fn create(&self, resource: &Value) -> ProviderResult<Value> {
        let resource_type = type_of(resource)?;
        let what = format!("creating a {resource_type}");
        let purpose = Purpose {
            what: &what,
            patient_scoped: false,
        };
        let url = self.url(&[resource_type])?;
        let body = serde_json::to_vec(resource).map_err(|_| {
            ProviderFailure::malformed(format!("{what}: the resource cannot be encoded"))
        })?;
        let answer = self
            .fetch(&purpose, Method::POST, url, Some(body), None)
            .await?;
        self.stored(&what, &answer, resource_type).await
    }

    /// `PUT [base]/<resourceType>/<id>`, with `If-Match: W/"<version>"` when
    /// `if_match` is given (a version, or an ETag as is): the stored resource. A
    /// stale version is Rejected (HTTP 412).
    pub async fn update(&self, resource: &Value, if_match: Option<&str>) -> ProviderResult<Value> {
        let resource_type = type_of(resource)?;
        let id = resource["id"].as_str().ok_or_else(|| {
            ProviderFailure::malformed(format!("updating {resource_type}: no id"))
        })?;
        check_id(id)?;
        let what = format!("updating {resource_type}");
        let purpose = Purpose {
            what: &what,
            patient_scoped: resource_type == "Patient",
        };
        let url = self.url(&[resource_type, id])?;
        let body = serde_json::to_vec(resource).map_err(|_| {
            ProviderFailure::malformed(format!("{what}: the resource cannot be encoded"))
        })?;
        let if_match = if_match.map(|v| {
            if v.starts_with("W/") || v.starts_with('"') {
                v.to_string()
            } else {
                format!("W/\"{v}\"")
            }
        });
        let answer = self
            .fetch(&purpose, Method::PUT, url, Some(body), if_match)
            .await?;
        self.stored(&what, &answer, resource_type).await
    }

    /// The resource a create/update answered with, or read from its Location
    /// when the provider answered without a body.
    async fn stored(
        &self,
        what: &str,
        answer: &Answer,
        resource_type: &str,
    ) -> ProviderResult<Value> {
        if !answer.body.iter().all(u8::is_ascii_whitespace) {
            return json_resource(what, answer, resource_type);
        }
        let location = answer.location().ok_or_else(|| {
            ProviderFailure::malformed(format!(
                "{what}: the answer has neither a body nor a Location"
            ))
        })?;
        let url = self.resolve_reference(what, location)?;
        let purpose = Purpose {
            what,
            patient_scoped: false,
        };
        let answer = self.fetch(&purpose, Method::GET, url, None, None).await?;
        json_resource(what, &answer, resource_type)
    }

    /// `[base]/a/b`.
    fn url(&self, segments: &[&str]) -> ProviderResult<Url> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| ProviderFailure::not_configured("the FHIR base URL cannot take a path"))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Whether `url` is under the base URL (same origin, path below the base's).
    fn is_under_base(&self, url: &Url) -> bool {
        let base_path = self.base.path().trim_end_matches('/');
        transport::same_origin(&self.base, url)
            && (url.path() == base_path || url.path().starts_with(&format!("{base_path}/")))
    }

    /// A `next` link, which must stay under the base URL.
    fn next_url(&self, what: &str, link: &str) -> ProviderResult<Url> {
        let url = Url::parse(link)
            .or_else(|_| Url::parse(&format!("{}/", self.base_url())).and_then(|b| b.join(link)))
            .map_err(|_| {
                ProviderFailure::malformed(format!("{what}: the next link is not a URL"))
            })?;
        if !self.is_under_base(&url) {
            return Err(ProviderFailure::malformed(format!(
                "{what}: the next link leaves the provider's base URL"
            )));
        }
        Ok(url)
    }

    /// `Type/id[/_history/v]` relative to the base, or an absolute URL under it.
    fn resolve_reference(&self, what: &str, reference: &str) -> ProviderResult<Url> {
        let reference = reference.trim();
        if reference.starts_with("http://") || reference.starts_with("https://") {
            let url = Url::parse(reference)
                .map_err(|_| ProviderFailure::malformed(format!("{what}: the URL is not valid")))?;
            if !self.is_under_base(&url) {
                return Err(ProviderFailure::malformed(format!(
                    "{what}: the URL is not under the provider's base URL (not fetched with its credentials)"
                )));
            }
            return Ok(url);
        }
        let segments: Vec<&str> = reference.trim_start_matches('/').split('/').collect();
        let valid = match segments.as_slice() {
            [t, id] => check_type(t).is_ok() && check_id(id).is_ok(),
            [t, id, "_history", v] => {
                check_type(t).is_ok() && check_id(id).is_ok() && check_id(v).is_ok()
            }
            _ => false,
        };
        if !valid {
            return Err(ProviderFailure::malformed(format!(
                "{what}: the reference is neither Type/id nor a URL"
            )));
        }
        self.url(&segments)
    }

    async fn fetch(
        &self,
        purpose: &Purpose<'_>,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        if_match: Option<String>,
    ) -> ProviderResult<Answer> {
        self.fetch_capped(
            purpose,
            method,
            url,
            body,
            if_match,
            MAX_RESOURCE_BYTES,
            FHIR_JSON,
        )
        .await
    }

    /// One request with the endpoint's credentials; a SMART 401 to a cached token
    /// fetches a new one and tries once more. Non-2xx answers are failures.
    #[allow(clippy::too_many_arguments)]
    async fn fetch_capped(
        &self,
        purpose: &Purpose<'_>,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        if_match: Option<String>,
        cap: usize,
        accept: &str,
    ) -> ProviderResult<Answer> {
        let mut retried = false;
        loop {
            let (authorization, cached) = self.authorization().await?;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .header(ACCEPT, accept);
            if let Some(value) = authorization {
                request = request.header(AUTHORIZATION, value);
            }
            if let Some(tag) = &if_match {
                let value = HeaderValue::from_str(tag).map_err(|_| {
                    ProviderFailure::malformed(format!(
                        "{}: the version is not a valid ETag",
                        purpose.what
                    ))
                })?;
                request = request.header(IF_MATCH, value);
            }
            if let Some(body) = &body {
                request = request
                    .header(CONTENT_TYPE, FHIR_JSON)
                    .header("Prefer", "return=representation")
                    .body(body.clone());
            }
            let answer = transport::send(purpose.what, request, cap).await?;
            if (200..300).contains(&answer.status) {
                return Ok(answer);
            }
            if answer.status == 401 && cached && !retried {
                // The provider no longer takes the cached SMART token: get a new one.
                *self.token.lock().await = None;
                retried = true;
                continue;
            }
            return Err(transport::status_failure(
                purpose.what,
                &answer,
                purpose.patient_scoped,
            ));
        }
    }

    /// The Authorization header for the endpoint, and whether it is a cached
    /// SMART token (worth renewing on a 401).
    async fn authorization(&self) -> ProviderResult<(Option<HeaderValue>, bool)> {
        let (token, cached) = match &self.auth {
            ProviderAuth::Open => return Ok((None, false)),
            ProviderAuth::Bearer(token) => (token.clone(), false),
            ProviderAuth::Smart { .. } => self.smart_token().await?,
        };
        let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            ProviderFailure::not_configured("the access token cannot be sent in a header")
        })?;
        value.set_sensitive(true);
        Ok((Some(value), cached))
    }

    /// The cached SMART access token while fresh, else a new one (one request at a time).
    async fn smart_token(&self) -> ProviderResult<(String, bool)> {
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref().filter(|t| t.is_fresh(Instant::now())) {
            return Ok((token.token.clone(), true));
        }
        let token = self.fetch_smart_token().await?;
        let text = token.token.clone();
        *slot = Some(token);
        Ok((text, false))
    }

    /// `POST token_url` with a signed client assertion (client credentials).
    async fn fetch_smart_token(&self) -> ProviderResult<AccessToken> {
        let what = "getting a SMART access token";
        let (
            ProviderAuth::Smart {
                client_id, scope, ..
            },
            Some(key),
            Some(token_url),
        ) = (&self.auth, &self.smart_key, &self.token_url)
        else {
            return Err(ProviderFailure::not_configured("SMART is not configured"));
        };
        let assertion = key.client_assertion(client_id, token_url.as_str(), SystemTime::now())?;
        let request = self
            .http
            .post(token_url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(token_request_form(&assertion, scope.as_deref()));
        let answer = transport::send(what, request, 1024 * 1024).await?;
        let received = Instant::now();
        if (200..300).contains(&answer.status) {
            return AccessToken::from_answer(&answer.body, received);
        }
        let oauth_error = serde_json::from_slice::<Value>(&answer.body)
            .ok()
            .and_then(|v| {
                v.get("error")
                    .and_then(Value::as_str)
                    .and_then(transport::safe_code)
            });
        let kind = match answer.status {
            400 | 401 => ProviderErrorKind::Unauthorized,
            status => crate::error::kind_for_status(status, false),
        };
        let mut detail = format!("{what}: HTTP {}", answer.status);
        if let Some(code) = oauth_error {
            detail.push_str(&format!(" ({code})"));
        }
        Err(ProviderFailure::new(kind, Some(answer.status), detail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_references_stay_under_the_base() {
        let client = FhirClient::new(
            "http://127.0.0.1:9/fhir/",
            ProviderAuth::Open,
            Timeouts::default(),
        )
        .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9/fhir");
        assert!(client
            .next_url("t", "http://127.0.0.1:9/fhir/Observation?_offset=50")
            .is_ok());
        assert!(client.next_url("t", "Observation?_offset=50").is_ok());
        for bad in [
            "http://127.0.0.1:10/fhir/Observation",
            "http://127.0.0.1:9/other/Observation",
            "http://127.0.0.1:9/fhirx",
        ] {
            assert!(client.next_url("t", bad).is_err(), "{bad}");
        }
        assert_eq!(
            client
                .resolve_reference("t", "Binary/abc")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9/fhir/Binary/abc"
        );
        assert!(client
            .resolve_reference("t", "https://elsewhere.example/Binary/abc")
            .is_err());
        assert!(client.resolve_reference("t", "Binary/../../etc").is_err());
    }
}

//! Why an exchange with a provider failed: a [`ProviderFailure`] holds the
//! [`ProviderErrorKind`] the UI explains (each kind has its own troubleshooting),
//! the HTTP status when there was one, and a detail for people and the job log.
//!
//! The detail says what was being done ("searching Observation, page 3") and the
//! HTTP status or FHIR outcome code: never resource contents, identifiers, URLs
//! with their queries, tokens or keys (the job log is listed and searched).
//!
//! Classification of HTTP answers (see [`kind_for_status`]):
//! - 401 → Unauthorized; 403 → Forbidden;
//! - 404 and 410 → PatientNotFound when the request concerned the patient (a read
//!   of the Patient, a search of the patient's records), otherwise Rejected (the
//!   provider does not have or support what was asked: a resource type, a Binary);
//! - 408 → Timeout; 429 and 5xx → ServerError (temporary);
//! - 400, 409, 412, 422 and every other 4xx → Rejected;
//! - a redirect (3xx) that is not followed → Rejected (the base URL is wrong).
//!
//! Network failures: connect, DNS, TLS, a broken connection → Unreachable; past
//! the timeouts → Timeout. An answer that is not the FHIR asked for (not JSON,
//! another resourceType, a Bundle of other types, over the size caps) → Malformed.
use clinic_protocol::ProviderErrorKind;
use std::fmt;

/// A failed exchange with a provider. Safe to log and to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderFailure {
    pub kind: ProviderErrorKind,
    /// The HTTP status of the answer, if one came.
    pub status: Option<u16>,
    pub detail: String,
}

pub type ProviderResult<T> = Result<T, ProviderFailure>;

impl ProviderFailure {
    pub fn new(kind: ProviderErrorKind, status: Option<u16>, detail: impl Into<String>) -> Self {
        Self {
            kind,
            status,
            detail: detail.into(),
        }
    }

    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(ProviderErrorKind::Malformed, None, detail)
    }

    pub fn not_configured(detail: impl Into<String>) -> Self {
        Self::new(ProviderErrorKind::NotConfigured, None, detail)
    }

    /// Worth retrying later by itself: unreachable, timed out or a server error.
    /// The others need a person (credentials, configuration, the link, the data).
    pub fn is_temporary(&self) -> bool {
        matches!(
            self.kind,
            ProviderErrorKind::Unreachable
                | ProviderErrorKind::Timeout
                | ProviderErrorKind::ServerError
        )
    }
}

impl fmt::Display for ProviderFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.detail)
    }
}

impl std::error::Error for ProviderFailure {}

/// The kind of a non-2xx answer. `patient_scoped`: the request concerned the
/// patient (its read, or a search of its records), so a 404 means the provider
/// does not know the patient.
pub fn kind_for_status(status: u16, patient_scoped: bool) -> ProviderErrorKind {
    match status {
        401 => ProviderErrorKind::Unauthorized,
        403 => ProviderErrorKind::Forbidden,
        404 | 410 if patient_scoped => ProviderErrorKind::PatientNotFound,
        408 => ProviderErrorKind::Timeout,
        429 | 500..=599 => ProviderErrorKind::ServerError,
        _ => ProviderErrorKind::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProviderErrorKind as K;

    #[test]
    fn statuses_map_to_kinds() {
        let cases = [
            (400, false, K::Rejected),
            (401, false, K::Unauthorized),
            (403, true, K::Forbidden),
            (404, true, K::PatientNotFound),
            (404, false, K::Rejected),
            (410, true, K::PatientNotFound),
            (408, false, K::Timeout),
            (409, false, K::Rejected),
            (412, false, K::Rejected),
            (422, false, K::Rejected),
            (429, false, K::ServerError),
            (500, false, K::ServerError),
            (503, true, K::ServerError),
            (302, false, K::Rejected),
        ];
        for (status, scoped, kind) in cases {
            assert_eq!(kind_for_status(status, scoped), kind, "HTTP {status}");
        }
    }

    #[test]
    fn only_network_and_server_failures_are_temporary() {
        let temporary = [K::Unreachable, K::Timeout, K::ServerError];
        for kind in [
            K::Unreachable,
            K::Timeout,
            K::Unauthorized,
            K::Forbidden,
            K::PatientNotFound,
            K::ServerError,
            K::Malformed,
            K::Rejected,
            K::NotConfigured,
        ] {
            let failure = ProviderFailure::new(kind, None, "x");
            assert_eq!(
                failure.is_temporary(),
                temporary.contains(&kind),
                "{kind:?}"
            );
        }
    }
}

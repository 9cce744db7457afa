//! How the client authenticates to a provider: [`ProviderAuth`] (open, a static
//! bearer token, or SMART Backend Services), and for SMART the signed client
//! assertion (a JWT, RS384 or ES384, signed with `ring`) traded at the token URL
//! for an access token, and that token's cache.
//!
//! Keys: PEM, RSA as PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE
//! KEY`), at least 2048 bits → RS384; EC P-384 as PKCS#8 → ES384 (a SEC1 `BEGIN EC
//! PRIVATE KEY` must be converted: `openssl pkcs8 -topk8 -nocrypt`). The JWT header
//! names the key by its RFC 7638 JWK thumbprint (`kid`), the usual key id of JWKS
//! registrations.
//!
//! Secrets (the token, the private key, access tokens) never appear in Debug
//! output, errors or logs.
use crate::error::{ProviderFailure, ProviderResult};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use clinic_protocol::ProviderAuthKind;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::PrivateKeyDer;
use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The client assertion's type (RFC 7523).
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How long a client assertion is valid (SMART: at most five minutes).
pub const ASSERTION_LIFETIME: Duration = Duration::from_secs(240);
/// An access token is renewed this long before it expires.
pub const TOKEN_RENEW_MARGIN: Duration = Duration::from_secs(30);
/// Lifetime assumed when the token answer has no `expires_in`.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

/// How to authenticate to one provider endpoint.
#[derive(Clone, PartialEq, Eq)]
pub enum ProviderAuth {
    /// No authentication.
    Open,
    /// `Authorization: Bearer <token>` with a token given by the provider.
    Bearer(String),
    /// SMART Backend Services (client credentials with a signed JWT assertion).
    Smart {
        client_id: String,
        token_url: String,
        /// PEM (see the module header for the accepted forms).
        private_key_pem: String,
        /// The scopes asked for (space-separated); `None` leaves it to the provider.
        scope: Option<String>,
    },
}

impl ProviderAuth {
    pub fn kind(&self) -> ProviderAuthKind {
        match self {
            Self::Open => ProviderAuthKind::Open,
            Self::Bearer(_) => ProviderAuthKind::Bearer,
            Self::Smart { .. } => ProviderAuthKind::SmartBackend,
        }
    }
}

impl fmt::Debug for ProviderAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open => f.write_str("Open"),
            Self::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Self::Smart {
                client_id,
                token_url,
                scope,
                ..
            } => f
                .debug_struct("Smart")
                .field("client_id", client_id)
                .field("token_url", token_url)
                .field("private_key_pem", &"<redacted>")
                .field("scope", scope)
                .finish(),
        }
    }
}

/// A SMART client's signing key.
pub struct SmartKey {
    signer: Signer,
    kid: String,
    rng: SystemRandom,
}

enum Signer {
    Rs384(RsaKeyPair),
    Es384(EcdsaKeyPair),
}

impl fmt::Debug for SmartKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmartKey")
            .field("alg", &self.alg())
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SmartKey {
    /// Parses a PEM private key; a failure is NotConfigured (the key must be replaced).
    pub fn from_pem(pem: &str) -> ProviderResult<Self> {
        let bad =
            |why: &str| ProviderFailure::not_configured(format!("the SMART private key {why}"));
        let der = PrivateKeyDer::from_pem_slice(pem.trim().as_bytes())
            .map_err(|_| bad("is not a PEM private key"))?;
        let rng = SystemRandom::new();
        let signer = match &der {
            PrivateKeyDer::Pkcs1(key) => Signer::Rs384(
                RsaKeyPair::from_der(key.secret_pkcs1_der())
                    .map_err(|_| bad("is not a usable RSA key (2048 bits or more)"))?,
            ),
            PrivateKeyDer::Pkcs8(key) => {
                let bytes = key.secret_pkcs8_der();
                match RsaKeyPair::from_pkcs8(bytes) {
                    Ok(rsa) => Signer::Rs384(rsa),
                    Err(_) => Signer::Es384(
                        EcdsaKeyPair::from_pkcs8(
                            &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                            bytes,
                            &rng,
                        )
                        .map_err(|_| bad("is neither RSA (2048+ bits) nor EC P-384"))?,
                    ),
                }
            }
            PrivateKeyDer::Sec1(_) => {
                return Err(bad(
                    "is a SEC1 EC key: convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)",
                ))
            }
            _ => return Err(bad("has an unsupported format")),
        };
        let kid = thumbprint(&signer);
        Ok(Self { signer, kid, rng })
    }

    /// `RS384` or `ES384`.
    pub fn alg(&self) -> &'static str {
        match self.signer {
            Signer::Rs384(_) => "RS384",
            Signer::Es384(_) => "ES384",
        }
    }

    /// The RFC 7638 JWK thumbprint of the public key (the JWT's `kid`).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// A client assertion for `client_id` at `token_url`, valid for
    /// [`ASSERTION_LIFETIME`] from `now`, with a random `jti`.
    pub fn client_assertion(
        &self,
        client_id: &str,
        token_url: &str,
        now: SystemTime,
    ) -> ProviderResult<String> {
        let issued = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let mut jti = [0u8; 16];
        self.rng
            .fill(&mut jti)
            .map_err(|_| ProviderFailure::not_configured("no random numbers for the JWT id"))?;
        let header = serde_json::json!({ "alg": self.alg(), "typ": "JWT", "kid": self.kid });
        let claims = serde_json::json!({
            "iss": client_id,
            "sub": client_id,
            "aud": token_url,
            "iat": issued,
            "exp": issued + ASSERTION_LIFETIME.as_secs(),
            "jti": URL_SAFE_NO_PAD.encode(jti),
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let failed =
            |_| ProviderFailure::not_configured("signing the SMART client assertion failed");
        let signature = match &self.signer {
            Signer::Rs384(key) => {
                let mut out = vec![0u8; key.public().modulus_len()];
                key.sign(
                    &signature::RSA_PKCS1_SHA384,
                    &self.rng,
                    signing_input.as_bytes(),
                    &mut out,
                )
                .map_err(failed)?;
                out
            }
            Signer::Es384(key) => key
                .sign(&self.rng, signing_input.as_bytes())
                .map_err(failed)?
                .as_ref()
                .to_vec(),
        };
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

/// RFC 7638: SHA-256 of the canonical public JWK, base64url.
fn thumbprint(signer: &Signer) -> String {
    let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
    let canonical = match signer {
        Signer::Rs384(key) => {
            let parts: signature::RsaPublicKeyComponents<Vec<u8>> = key.public().into();
            format!(
                r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                b64(&parts.e),
                b64(&parts.n)
            )
        }
        Signer::Es384(key) => {
            // An uncompressed point: 0x04 || x (48 bytes) || y (48 bytes).
            let point = key.public_key().as_ref();
            let (x, y) = point[1..].split_at((point.len() - 1) / 2);
            format!(
                r#"{{"crv":"P-384","kty":"EC","x":"{}","y":"{}"}}"#,
                b64(x),
                b64(y)
            )
        }
    };
    b64(ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes()).as_ref())
}

/// An access token from the token URL and when to stop using it.
#[derive(Clone)]
pub struct AccessToken {
    pub token: String,
    /// `expires_in` minus [`TOKEN_RENEW_MARGIN`] from when it arrived.
    pub renew_at: Instant,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("renew_at", &self.renew_at)
            .finish()
    }
}

impl AccessToken {
    pub fn is_fresh(&self, now: Instant) -> bool {
        now < self.renew_at
    }

    /// Reads a token answer (`{access_token, token_type, expires_in, scope}`).
    pub fn from_answer(body: &[u8], received: Instant) -> ProviderResult<Self> {
        let answer: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
            ProviderFailure::malformed("getting a SMART access token: the answer is not JSON")
        })?;
        let token = answer
            .get("access_token")
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                ProviderFailure::malformed(
                    "getting a SMART access token: the answer has no usable access_token",
                )
            })?;
        let token_type = answer.get("token_type").and_then(|t| t.as_str());
        if token_type.is_some_and(|t| !t.eq_ignore_ascii_case("bearer")) {
            return Err(ProviderFailure::malformed(
                "getting a SMART access token: the token_type is not bearer",
            ));
        }
        let lifetime = answer
            .get("expires_in")
            .and_then(|e| {
                e.as_u64()
                    .or_else(|| e.as_str().and_then(|s| s.parse().ok()))
            })
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_TOKEN_LIFETIME);
        // Short-lived tokens are still used at least once.
        let usable = lifetime
            .checked_sub(TOKEN_RENEW_MARGIN)
            .unwrap_or(lifetime / 2);
        Ok(Self {
            token: token.to_string(),
            renew_at: received + usable,
        })
    }
}

/// The token request's form fields (`application/x-www-form-urlencoded`).
pub fn token_request_form(assertion: &str, scope: Option<&str>) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "client_credentials")
        .append_pair("client_assertion_type", CLIENT_ASSERTION_TYPE)
        .append_pair("client_assertion", assertion);
    if let Some(scope) = scope.filter(|s| !s.trim().is_empty()) {
        form.append_pair("scope", scope.trim());
    }
    form.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_secrets() {
        let bearer = ProviderAuth::Bearer("s3cr3t-token".into());
        let smart = ProviderAuth::Smart {
            client_id: "clinic".into(),
            token_url: "https://provider.example/token".into(),
            private_key_pem: "-----BEGIN PRIVATE KEY-----\nSECRETKEY\n".into(),
            scope: Some("system/*.read".into()),
        };
        for auth in [bearer, smart] {
            let text = format!("{auth:?}");
            assert!(
                !text.contains("s3cr3t") && !text.contains("SECRETKEY"),
                "{text}"
            );
        }
    }

    #[test]
    fn token_answer_is_read_with_its_lifetime() {
        let now = Instant::now();
        let token = AccessToken::from_answer(
            br#"{"access_token":"abc","token_type":"bearer","expires_in":300}"#,
            now,
        )
        .unwrap();
        assert_eq!(token.token, "abc");
        assert_eq!(token.renew_at, now + Duration::from_secs(270));
        assert!(format!("{token:?}").contains("redacted"));
        for bad in [
            &br#"{"token_type":"bearer"}"#[..],
            b"<html>",
            br#"{"access_token":"a b"}"#,
        ] {
            let failure = AccessToken::from_answer(bad, now).unwrap_err();
            assert_eq!(failure.kind, clinic_protocol::ProviderErrorKind::Malformed);
        }
    }

    #[test]
    fn garbage_keys_are_not_configured() {
        for pem in [
            "",
            "not a key",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ] {
            let failure = SmartKey::from_pem(pem).unwrap_err();
            assert_eq!(
                failure.kind,
                clinic_protocol::ProviderErrorKind::NotConfigured
            );
        }
    }
}

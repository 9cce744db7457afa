//! [`Flutterwave`]: the gateway adapter for Flutterwave's API v3 (Flutterwave
//! Standard) — `POST /v3/payments` (the hosted page: `data.link`),
//! `GET /v3/transactions/verify_by_reference?tx_ref=…`,
//! `GET /v3/transactions/{id}/verify`, `POST /v3/transactions/{id}/refund`,
//! `GET /v3/refunds` — and its webhooks (`verif-hash`: the secret hash the
//! merchant set in the dashboard, compared in constant time). Its modules:
//! `money` (exact amounts), `answer` (reading answers), `webhook`.
//!
//! Flutterwave takes no idempotency key. What stands in for it:
//! - a checkout's `tx_ref` IS the idempotency key (Flutterwave wants it unique
//!   per transaction): a resend after a lost answer, with the same parameters,
//!   gets the same link; the same tx_ref with other parameters is refused
//!   (→ IdempotencyConflict, code `duplicate_reference`);
//! - a refund carries `comments = "idempotency:<key>"`, and before each send (the
//!   first and every resend) the transaction's refunds are listed
//!   (`GET /v3/refunds?id=<transaction id>&from=<its day>&to=<tomorrow>`, every
//!   page): one carrying that comment is returned instead of refunding again.
//!
//! Money: Flutterwave's amounts are major units (`72.5` NGN); ours are integer
//! minor units. A request's amount is written as its exact decimal text (`72.50`,
//! `5000` UGX) and answers are read with every number kept as its text
//! (`money`), so no floating point is ever on the money path. An answer's
//! amount with more (non-zero) decimals than its currency has is Malformed; a
//! currency outside `money`'s table is Invalid before anything is sent.
//!
//! Statuses: a Flutterwave Standard page lets the patient try again after a
//! decline until its session ends (`session_duration`, sent as
//! [`SESSION_MINUTES`]); each attempt is a transaction under the same tx_ref. So:
//! successful → Paid (`payment_ref`: the transaction id); failed → Open with the
//! decline while the session may still run (the attempt is younger than
//! [`SESSION_MINUTES`]), Failed once it cannot; pending → Open; "No transaction
//! was found" (nobody tried yet, or the link expired untried: Flutterwave tells
//! them apart nowhere) → Open until the session's end, Expired after it — so the
//! checkout's `gateway_ref` is `<tx_ref>~<session end, unix seconds>`. A `charge.completed` webhook for a failed attempt
//! is CheckoutFailed only past the session too (else Other), so a decline never
//! fails a payment the patient can still make on the same page.
//!
//! Flutterwave requires a customer email: the clinic's own billing address from
//! the configuration is sent, never the patient's. The description is the page's
//! title (no PHI). `cancel_url` is not sent: Flutterwave sends a cancelled
//! payment to `redirect_url` with `status=cancelled`. Currencies are sent
//! upper-case and returned lower-case, as the other gateways' are.
use crate::error::{safe_code, GatewayFailure, GatewayResult};
use crate::model::{Checkout, CheckoutRequest, CheckoutStatus, IdempotencyKey, Refund};
use crate::secret::ApiKey;
use crate::transport::{self, RetryPolicy, Timeouts};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, Url};
use serde_json::{json, Value};
use std::fmt;

mod answer;
mod money;
mod webhook;

use answer::{created_at, read_answer, read_refund, read_status, string, NOT_FOUND};

pub use webhook::{signature_header, verify_webhook};

/// Flutterwave's API (paths start with `/v3`).
pub const FLUTTERWAVE_API: &str = "https://api.flutterwave.com";
/// How long a checkout page takes payments (`session_duration`; Flutterwave's
/// longest, as Stripe's default of 24 h).
pub const SESSION_MINUTES: i64 = 1440;
const NOTE_PREFIX: &str = "idempotency:";
/// Separates a checkout's tx_ref from its session's end in [`Checkout::gateway_ref`]
/// (`~` is not a tx_ref character).
const SESSION_END: char = '~';
/// Pages of a transaction's refunds read at most when looking for a key's.
const MAX_REFUND_PAGES: u32 = 50;

/// How to reach a Flutterwave account.
#[derive(Clone, Debug)]
pub struct FlutterwaveConfig {
    /// [`FLUTTERWAVE_API`], or a local test gateway.
    pub api_base: String,
    /// The secret key: `FLWSECK_TEST-…` or `FLWSECK-…`.
    pub secret_key: ApiKey,
    /// The clinic's billing email, sent as the customer (Flutterwave requires one).
    pub customer_email: String,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
}

impl FlutterwaveConfig {
    pub fn new(secret_key: ApiKey, customer_email: impl Into<String>) -> Self {
        Self {
            api_base: FLUTTERWAVE_API.to_string(),
            secret_key,
            customer_email: customer_email.into(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
        }
    }
}

/// A client for one Flutterwave account.
pub struct Flutterwave {
    http: reqwest::Client,
    base: Url,
    key: ApiKey,
    email: String,
    retry: RetryPolicy,
}

impl fmt::Debug for Flutterwave {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Flutterwave")
            .field("base", &self.base.as_str())
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Flutterwave {
    /// A bad URL, a key that is not a secret key (a public `FLWPUBK…` or an
    /// encryption key) or a missing billing email is NotConfigured.
    pub fn new(config: FlutterwaveConfig) -> GatewayResult<Self> {
        let base = transport::check_base_url(&config.api_base)?;
        let key = config.secret_key.expose();
        if !(key.starts_with("FLWSECK_TEST-") || key.starts_with("FLWSECK-")) {
            return Err(GatewayFailure::not_configured(
                "the Flutterwave key must be a secret key (FLWSECK_TEST-… or FLWSECK-…), never \
                 a public or encryption key",
            ));
        }
        let email = transport::customer_email("Flutterwave", &config.customer_email)?;
        Ok(Self {
            http: transport::build_client(config.timeouts, transport::is_loopback(&base))?,
            base,
            key: config.secret_key,
            email,
            retry: config.retry,
        })
    }

    /// `POST /v3/payments` with the idempotency key as the `tx_ref`.
    pub async fn create_checkout(&self, request: &CheckoutRequest) -> GatewayResult<Checkout> {
        request.check()?;
        let what = "creating a checkout";
        let tx_ref = request.idempotency_key.as_str();
        let currency = request.currency.to_ascii_uppercase();
        let amount = amount_text(what, request.amount_minor, &currency)?;
        let mut fields = json!({
            "tx_ref": tx_ref,
            "currency": currency,
            "customer": { "email": self.email },
            "customizations": { "title": request.description.trim() },
            "meta": { "payment_id": request.payment_id },
            "session_duration": SESSION_MINUTES,
        });
        if let Some(url) = &request.success_url {
            fields["redirect_url"] = json!(url);
        }
        let body = money::body_with_amount(&fields, &amount);
        let url = self.url(&["v3", "payments"])?;
        let expires_at = Utc::now() + Duration::minutes(SESSION_MINUTES);
        let answer = self
            .retry
            .run(what, || {
                self.call(what, Method::POST, url.clone(), Some(&body))
            })
            .await?;
        Ok(Checkout {
            gateway_ref: format!("{tx_ref}{SESSION_END}{}", expires_at.timestamp()),
            url: string(what, &answer["data"], "link")?,
            expires_at: Some(expires_at),
        })
    }

    /// `GET /v3/transactions/verify_by_reference`: see the module's statuses.
    /// `gateway_ref` is what [`Self::create_checkout`] returned (the tx_ref and
    /// when its session ends; a bare tx_ref is read too).
    pub async fn checkout_status(&self, gateway_ref: &str) -> GatewayResult<CheckoutStatus> {
        let what = "reading a checkout";
        let (tx_ref, session_end) = split_gateway_ref(gateway_ref);
        check_reference(what, tx_ref)?;
        let mut url = self.url(&["v3", "transactions", "verify_by_reference"])?;
        url.query_pairs_mut().append_pair("tx_ref", tx_ref);
        let answer = match self
            .retry
            .run(what, || self.call(what, Method::GET, url.clone(), None))
            .await
        {
            Ok(answer) => answer,
            Err(failure) if failure.code.as_deref() == Some(NOT_FOUND) => {
                // Nobody tried the page: open until its session ends, then expired.
                return Ok(match session_end {
                    Some(end) if Utc::now() > end => CheckoutStatus::Expired,
                    _ => CheckoutStatus::Open { last_decline: None },
                });
            }
            Err(failure) => return Err(failure),
        };
        let data = &answer["data"];
        if data.get("tx_ref").and_then(Value::as_str) != Some(tx_ref) {
            return Err(GatewayFailure::malformed(format!(
                "{what}: the answer is not for the tx_ref asked about"
            )));
        }
        read_status(what, data, Utc::now())
    }

    /// `POST /v3/transactions/{id}/refund`, unless a refund with this key's
    /// comment is already there (listed first, again before each resend). The
    /// transaction is read first for its currency and day.
    pub async fn refund(
        &self,
        transaction_id: &str,
        amount_minor: i64,
        idempotency_key: &IdempotencyKey,
    ) -> GatewayResult<Refund> {
        let what = "refunding a payment";
        check_transaction_id(what, transaction_id)?;
        if amount_minor <= 0 {
            return Err(GatewayFailure::invalid(format!(
                "{what}: the amount must be positive"
            )));
        }
        let read = "reading a payment to refund";
        let url = self.url(&["v3", "transactions", transaction_id, "verify"])?;
        let transaction = self
            .retry
            .run(read, || self.call(read, Method::GET, url.clone(), None))
            .await?;
        let transaction = &transaction["data"];
        let currency = string(read, transaction, "currency")?.to_ascii_uppercase();
        let digits = money::minor_digits(&currency).ok_or_else(|| {
            GatewayFailure::malformed(format!("{read}: the payment's currency is not one we take"))
        })?;
        let from = created_at(read, transaction)?.date_naive();
        let amount = amount_text(what, amount_minor, &currency)?;
        let note = format!("{NOTE_PREFIX}{}", idempotency_key.as_str());
        let body = money::body_with_amount(&json!({ "comments": note }), &amount);
        let url = self.url(&["v3", "transactions", transaction_id, "refund"])?;
        let data = self
            .retry
            .run(what, || async {
                if let Some(done) = self.refund_with_note(transaction_id, from, &note).await? {
                    return Ok(done);
                }
                let answer = self
                    .call(what, Method::POST, url.clone(), Some(&body))
                    .await?;
                Ok(answer["data"].clone())
            })
            .await?;
        read_refund(what, &data, &currency, digits)
    }

    /// `GET /v3/refunds?id=…&from=…&to=…&page=…`: the transaction's refund
    /// carrying `note` (`comments`, `comment` in the listing's documented shape).
    async fn refund_with_note(
        &self,
        transaction_id: &str,
        from: NaiveDate,
        note: &str,
    ) -> GatewayResult<Option<Value>> {
        let what = "listing a payment's refunds";
        let to = (Utc::now() + Duration::days(1)).date_naive();
        for page in 1..=MAX_REFUND_PAGES {
            let mut url = self.url(&["v3", "refunds"])?;
            url.query_pairs_mut()
                .append_pair("id", transaction_id)
                .append_pair("from", &from.format("%Y-%m-%d").to_string())
                .append_pair("to", &to.format("%Y-%m-%d").to_string())
                .append_pair("page", &page.to_string());
            let answer = self.call(what, Method::GET, url, None).await?;
            let list = answer["data"].as_array().ok_or_else(|| {
                GatewayFailure::malformed(format!("{what}: the answer's data is not a list"))
            })?;
            let found = list.iter().find(|refund| {
                let field = |a: &str, b: &str| {
                    refund
                        .get(a)
                        .or_else(|| refund.get(b))
                        .and_then(Value::as_str)
                };
                field("comments", "comment") == Some(note)
                    && field("tx_id", "transaction_id").is_none_or(|id| id == transaction_id)
            });
            if let Some(found) = found {
                return Ok(Some(found.clone()));
            }
            let pages = answer["meta"]["page_info"]["total_pages"]
                .as_str()
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(1);
            if page >= pages {
                break;
            }
        }
        Ok(None)
    }

    fn url(&self, segments: &[&str]) -> GatewayResult<Url> {
        transport::endpoint(&self.base, segments)
    }

    /// One request; the whole body of a `{"status": "success"}` answer (numbers
    /// as their text), else its failure.
    async fn call(
        &self,
        what: &str,
        method: Method,
        url: Url,
        body: Option<&[u8]>,
    ) -> GatewayResult<Value> {
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", self.key.expose())).map_err(|_| {
                GatewayFailure::not_configured("the Flutterwave key is not a header value")
            })?;
        auth.set_sensitive(true);
        let mut request = self.http.request(method, url).header(AUTHORIZATION, auth);
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let answer = transport::send(what, request).await?;
        read_answer(what, &answer)
    }
}

/// The exact decimal text of `amount_minor` in `currency`: Invalid for a
/// currency outside the table (nothing is sent then).
fn amount_text(what: &str, amount_minor: i64, currency: &str) -> GatewayResult<String> {
    money::minor_digits(currency)
        .and_then(|digits| money::major_text(amount_minor, digits))
        .ok_or_else(|| {
            GatewayFailure::invalid(format!(
                "{what}: Flutterwave payments are not taken in {:?} here",
                safe_code(currency).unwrap_or_default()
            ))
        })
}

/// A tx_ref we made (an idempotency key): 1 to 255 of `A-Z a-z 0-9 - _ . = :`.
/// A checkout's `gateway_ref`: its tx_ref and, after [`SESSION_END`], when its
/// session ends (unix seconds).
fn split_gateway_ref(gateway_ref: &str) -> (&str, Option<DateTime<Utc>>) {
    match gateway_ref.rsplit_once(SESSION_END) {
        Some((tx_ref, end)) => (
            tx_ref,
            end.parse::<i64>()
                .ok()
                .and_then(|t| DateTime::from_timestamp(t, 0)),
        ),
        None => (gateway_ref, None),
    }
}

fn check_reference(what: &str, tx_ref: &str) -> GatewayResult<()> {
    IdempotencyKey::new(tx_ref).map(drop).map_err(|_| {
        GatewayFailure::invalid(format!(
            "{what}: a Flutterwave tx_ref (the idempotency key) must be 1 to 255 of A-Z a-z 0-9 \
             - _ . = :"
        ))
    })
}

/// A transaction id: 1 to 20 digits.
fn check_transaction_id(what: &str, id: &str) -> GatewayResult<()> {
    if (1..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(GatewayFailure::invalid(format!(
            "{what}: a Flutterwave transaction id is a number"
        )))
    }
}

payment_gateway_impl!(Flutterwave, "flutterwave", verify_webhook);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::GatewayErrorKind;

    #[test]
    fn keys_must_be_secret_keys() {
        for (key, ok) in [
            ("FLWSECK_TEST-0123456789abcdef-X", true),
            ("FLWSECK-0123456789abcdef-X", true),
            ("FLWPUBK_TEST-0123456789abcdef-X", false),
            ("FLWSECK_TEST0123456789ab", false),
            ("sk_test_123", false),
        ] {
            let config =
                FlutterwaveConfig::new(ApiKey::new(key).unwrap(), "billing@clinic.example");
            let result = Flutterwave::new(config);
            assert_eq!(result.is_ok(), ok, "{key}");
            if let Err(failure) = result {
                assert_eq!(failure.kind, GatewayErrorKind::NotConfigured);
                assert!(!failure.detail.contains("0123456789"));
            }
        }
        let config = FlutterwaveConfig::new(ApiKey::new("FLWSECK-1-X").unwrap(), "no email");
        assert!(Flutterwave::new(config).is_err());
        assert!(check_reference("x", "0190c0de-0000-7000-8000-00000000000a").is_ok());
        assert!(check_reference("x", "a b").is_err());
        assert!(check_transaction_id("x", "12/../3").is_err());
    }
}

//! [`Paystack`]: the gateway adapter for Paystack's documented API —
//! `POST /transaction/initialize` (the hosted page: `authorization_url`),
//! `GET /transaction/verify/{reference}`, `POST /refund` — and its webhooks
//! (`x-paystack-signature`: hex HMAC-SHA512 of the raw body with the secret key).
//!
//! Paystack has no `Idempotency-Key`. What stands in for it:
//! - a checkout's transaction `reference` IS the idempotency key, and Paystack
//!   refuses a reference twice: a resend after a lost answer gets "Duplicate
//!   Transaction Reference" (→ IdempotencyConflict, code `duplicate_reference`),
//!   never a second transaction. Its page link cannot be fetched again; its status
//!   can (`checkout_status(key)`), so the billing core decides: wait for it, or
//!   make a new checkout with a new key when it is not paid;
//! - a refund carries `merchant_note = "idempotency:<key>"`, and before each send
//!   the transaction's refunds are listed: one with that note is returned instead
//!   of refunding again.
//!
//! Paystack requires a customer email: the clinic's own billing address from the
//! configuration is sent, never the patient's. Amounts are in the currency's
//! subunit (kobo, pesewas); currencies are sent upper-case and returned
//! lower-case, as Stripe's are.
use crate::error::{
    kind_for_status, safe_code, safe_message, GatewayErrorKind, GatewayFailure, GatewayResult,
};
use crate::model::{
    Checkout, CheckoutRequest, CheckoutStatus, IdempotencyKey, Refund, RefundStatus, WebhookError,
    WebhookEvent, WebhookEventKind,
};
use crate::secret::{ApiKey, WebhookSecret};
use crate::transport::{self, Answer, RetryPolicy, Timeouts};
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, Url};
use ring::hmac;
use serde_json::{json, Value};
use std::fmt;

/// Paystack's API.
pub const PAYSTACK_API: &str = "https://api.paystack.co";
const SIGNATURE_HEADER: &str = "x-paystack-signature";
const NOTE_PREFIX: &str = "idempotency:";

/// How to reach a Paystack integration.
#[derive(Clone, Debug)]
pub struct PaystackConfig {
    /// [`PAYSTACK_API`], or a local test gateway.
    pub api_base: String,
    pub secret_key: ApiKey,
    /// The clinic's billing email, sent as the customer (Paystack requires one).
    pub customer_email: String,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
}

impl PaystackConfig {
    pub fn new(secret_key: ApiKey, customer_email: impl Into<String>) -> Self {
        Self {
            api_base: PAYSTACK_API.to_string(),
            secret_key,
            customer_email: customer_email.into(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
        }
    }
}

/// A client for one Paystack integration.
pub struct Paystack {
    http: reqwest::Client,
    base: Url,
    key: ApiKey,
    email: String,
    retry: RetryPolicy,
}

impl fmt::Debug for Paystack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paystack")
            .field("base", &self.base.as_str())
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Paystack {
    pub fn new(config: PaystackConfig) -> GatewayResult<Self> {
        let base = transport::check_base_url(&config.api_base)?;
        if !config.secret_key.expose().starts_with("sk_") {
            return Err(GatewayFailure::not_configured(
                "the Paystack key must be a secret key (sk_…), never a public one",
            ));
        }
        let email = transport::customer_email("Paystack", &config.customer_email)?;
        Ok(Self {
            http: transport::build_client(config.timeouts, transport::is_loopback(&base))?,
            base,
            key: config.secret_key,
            email,
            retry: config.retry,
        })
    }

    /// `POST /transaction/initialize` with the idempotency key as the reference.
    pub async fn create_checkout(&self, request: &CheckoutRequest) -> GatewayResult<Checkout> {
        request.check()?;
        let what = "creating a checkout";
        let reference = request.idempotency_key.as_str();
        check_reference(what, reference)?;
        let mut metadata =
            json!({ "payment_id": request.payment_id, "description": request.description.trim() });
        if let Some(url) = &request.cancel_url {
            metadata["cancel_action"] = json!(url);
        }
        let mut body = json!({
            "email": self.email,
            "amount": request.amount_minor,
            "currency": request.currency.to_ascii_uppercase(),
            "reference": reference,
            "metadata": metadata,
        });
        if let Some(url) = &request.success_url {
            body["callback_url"] = json!(url);
        }
        let url = self.url(&["transaction", "initialize"])?;
        let data = self
            .retry
            .run(what, || {
                self.call(what, Method::POST, url.clone(), Some(&body))
            })
            .await?;
        Ok(Checkout {
            gateway_ref: string(what, &data, "reference")?,
            url: string(what, &data, "authorization_url")?,
            expires_at: None,
        })
    }

    /// `GET /transaction/verify/{reference}`: success → Paid (also once reversed:
    /// refunds are their own business); failed → Open with the decline (Paystack
    /// lets the patient try again on the same page); abandoned, ongoing, pending →
    /// Open. Paystack transactions do not expire.
    pub async fn checkout_status(&self, reference: &str) -> GatewayResult<CheckoutStatus> {
        let what = "reading a checkout";
        check_reference(what, reference)?;
        let url = self.url(&["transaction", "verify", reference])?;
        let data = self
            .retry
            .run(what, || self.call(what, Method::GET, url.clone(), None))
            .await?;
        let status = string(what, &data, "status")?;
        match status.as_str() {
            "success" | "reversed" => Ok(CheckoutStatus::Paid {
                amount_minor: integer(what, &data, "amount")?,
                currency: string(what, &data, "currency")?.to_ascii_lowercase(),
                paid_at: data
                    .get("paid_at")
                    .and_then(Value::as_str)
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc))
                    .ok_or_else(|| {
                        GatewayFailure::malformed(format!(
                            "{what}: a paid transaction without paid_at"
                        ))
                    })?,
                payment_ref: string(what, &data, "reference")?,
            }),
            "failed" => Ok(CheckoutStatus::Open {
                last_decline: data
                    .get("gateway_response")
                    .and_then(Value::as_str)
                    .map(|r| r.trim().to_ascii_lowercase().replace(' ', "_"))
                    .and_then(|r| safe_code(&r))
                    .or_else(|| Some("declined".into())),
            }),
            "abandoned" | "ongoing" | "pending" | "processing" | "queued" => {
                Ok(CheckoutStatus::Open { last_decline: None })
            }
            other => Err(GatewayFailure::malformed(format!(
                "{what}: unknown transaction status {:?}",
                safe_code(other).unwrap_or_default()
            ))),
        }
    }

    /// `POST /refund` for the transaction `reference`, unless a refund with this
    /// key's note is already there (listed first, again before each resend).
    pub async fn refund(
        &self,
        reference: &str,
        amount_minor: i64,
        idempotency_key: &IdempotencyKey,
    ) -> GatewayResult<Refund> {
        let what = "refunding a payment";
        check_reference(what, reference)?;
        if amount_minor <= 0 {
            return Err(GatewayFailure::invalid(format!(
                "{what}: the amount must be positive"
            )));
        }
        let note = format!("{NOTE_PREFIX}{}", idempotency_key.as_str());
        let body =
            json!({ "transaction": reference, "amount": amount_minor, "merchant_note": note });
        let url = self.url(&["refund"])?;
        let data = self
            .retry
            .run(what, || async {
                if let Some(done) = self.refund_with_note(reference, &note).await? {
                    return Ok(done);
                }
                self.call(what, Method::POST, url.clone(), Some(&body))
                    .await
            })
            .await?;
        read_refund(what, &data)
    }

    /// `GET /refund?reference=…`: the refund carrying `note`, if any.
    async fn refund_with_note(&self, reference: &str, note: &str) -> GatewayResult<Option<Value>> {
        let what = "listing a payment's refunds";
        let mut url = self.url(&["refund"])?;
        url.query_pairs_mut().append_pair("reference", reference);
        let data = self.call(what, Method::GET, url, None).await?;
        let list = data.as_array().ok_or_else(|| {
            GatewayFailure::malformed(format!("{what}: the answer's data is not a list"))
        })?;
        Ok(list
            .iter()
            .find(|r| r.get("merchant_note").and_then(Value::as_str) == Some(note))
            .cloned())
    }

    fn url(&self, segments: &[&str]) -> GatewayResult<Url> {
        transport::endpoint(&self.base, segments)
    }

    /// One request; the `data` of a `{"status": true}` answer, else its failure.
    async fn call(
        &self,
        what: &str,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> GatewayResult<Value> {
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", self.key.expose())).map_err(|_| {
                GatewayFailure::not_configured("the Paystack key is not a header value")
            })?;
        auth.set_sensitive(true);
        let mut request = self.http.request(method, url).header(AUTHORIZATION, auth);
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(body).unwrap_or_default());
        }
        let answer = transport::send(what, request).await?;
        read_answer(what, &answer)
    }
}

fn read_answer(what: &str, answer: &Answer) -> GatewayResult<Value> {
    let value: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let ok = value
        .as_ref()
        .and_then(|v| v.get("status"))
        .and_then(Value::as_bool);
    if (200..300).contains(&answer.status) {
        return match (ok, value.as_ref().and_then(|v| v.get("data"))) {
            (Some(true), Some(data)) => Ok(data.clone()),
            _ => Err(GatewayFailure::new(
                GatewayErrorKind::Malformed,
                Some(answer.status),
                format!("{what}: the answer is not a Paystack success body"),
            )),
        };
    }
    let message = value
        .as_ref()
        .and_then(|v| v.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut code = value
        .as_ref()
        .and_then(|v| v.get("code"))
        .and_then(Value::as_str)
        .and_then(safe_code);
    let mut kind = kind_for_status(answer.status);
    if message
        .to_ascii_lowercase()
        .contains("duplicate transaction reference")
    {
        kind = GatewayErrorKind::IdempotencyConflict;
        code = Some("duplicate_reference".into());
    }
    let mut detail = format!("{what}: HTTP {}", answer.status);
    if let Some(code) = &code {
        detail.push_str(&format!(" ({code})"));
    }
    if kind == GatewayErrorKind::IdempotencyConflict {
        detail.push_str(
            ": a transaction with this reference exists (an earlier send went through); read \
             its status with the same reference",
        );
    } else if kind != GatewayErrorKind::Unauthorized && !message.is_empty() {
        detail.push_str(&format!(": {}", safe_message(message)));
    }
    Err(GatewayFailure::new(kind, Some(answer.status), detail).with_code(code))
}

fn read_refund(what: &str, data: &Value) -> GatewayResult<Refund> {
    let id = data
        .get("id")
        .and_then(|v| {
            v.as_i64()
                .map(|n| n.to_string())
                .or(v.as_str().map(str::to_string))
        })
        .ok_or_else(|| GatewayFailure::malformed(format!("{what}: the answer has no id")))?;
    let status = match string(what, data, "status")?.as_str() {
        "processed" => RefundStatus::Succeeded,
        "pending" | "processing" | "needs-attention" => RefundStatus::Pending,
        "failed" => RefundStatus::Failed,
        other => {
            return Err(GatewayFailure::malformed(format!(
                "{what}: unknown refund status {:?}",
                safe_code(other).unwrap_or_default()
            )))
        }
    };
    Ok(Refund {
        refund_ref: id,
        amount_minor: integer(what, data, "amount")?,
        currency: string(what, data, "currency")?.to_ascii_lowercase(),
        status,
    })
}

/// A Paystack reference: 1 to 100 of `A-Z a-z 0-9 - . =`.
fn check_reference(what: &str, reference: &str) -> GatewayResult<()> {
    let ok = (1..=100).contains(&reference.len())
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.=".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(GatewayFailure::invalid(format!(
            "{what}: a Paystack reference (the idempotency key) must be 1 to 100 of A-Z a-z 0-9 - . ="
        )))
    }
}

fn string(what: &str, value: &Value, key: &str) -> GatewayResult<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| GatewayFailure::malformed(format!("{what}: the answer has no {key}")))
}

fn integer(what: &str, value: &Value, key: &str) -> GatewayResult<i64> {
    value
        .get(key)
        .and_then(Value::as_i64)
        .ok_or_else(|| GatewayFailure::malformed(format!("{what}: the answer has no {key}")))
}

/// Verifies a Paystack delivery: `x-paystack-signature` is the hex HMAC-SHA512 of
/// the raw body with the secret key (compared in constant time). Paystack signs
/// no timestamp: replays are caught by the event id (`<event>:<data.id>`), which
/// the receiver applies once. `now` is the event's `created` time.
pub fn verify_webhook(
    headers: &HeaderMap,
    raw_body: &[u8],
    secret: &WebhookSecret,
    now: DateTime<Utc>,
) -> Result<WebhookEvent, WebhookError> {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| hex::decode(v.trim()).ok())
        .ok_or(WebhookError::MissingSignature)?;
    let key = hmac::Key::new(hmac::HMAC_SHA512, secret.expose());
    hmac::verify(&key, raw_body, &signature).map_err(|_| WebhookError::BadSignature)?;
    let bad = |why: &str| WebhookError::Malformed(why.to_string());
    let event: Value = serde_json::from_slice(raw_body).map_err(|_| bad("not JSON"))?;
    let event_type = event
        .get("event")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no event"))?
        .to_string();
    let data = event
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| bad("no data"))?;
    let data_id = data
        .get("id")
        .map(|v| v.to_string().trim_matches('"').to_string())
        .ok_or_else(|| bad("no data.id"))?;
    let text = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_string);
    let kind = match event_type.as_str() {
        "charge.success" => {
            let reference = text("reference").ok_or_else(|| bad("no reference"))?;
            WebhookEventKind::CheckoutPaid {
                checkout_ref: reference.clone(),
                payment_id: data
                    .get("metadata")
                    .and_then(|m| m.get("payment_id"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                amount_minor: data
                    .get("amount")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| bad("no amount"))?,
                currency: text("currency")
                    .ok_or_else(|| bad("no currency"))?
                    .to_ascii_lowercase(),
                payment_ref: Some(reference),
            }
        }
        "refund.processed" => WebhookEventKind::Refunded {
            payment_ref: text("transaction_reference")
                .ok_or_else(|| bad("no transaction_reference"))?,
            payment_id: None,
            currency: text("currency")
                .ok_or_else(|| bad("no currency"))?
                .to_ascii_lowercase(),
            refunded_total_minor: None,
            refund_amount_minor: data.get("amount").and_then(Value::as_i64),
        },
        _ => WebhookEventKind::Other,
    };
    Ok(WebhookEvent {
        id: format!("{event_type}:{data_id}"),
        created: now,
        event_type,
        kind,
    })
}

/// The `x-paystack-signature` value for a body (tests and tools).
pub fn signature_header(secret: &WebhookSecret, raw_body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA512, secret.expose());
    hex::encode(hmac::sign(&key, raw_body).as_ref())
}

payment_gateway_impl!(Paystack, "paystack", verify_webhook);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paystack_signatures_verify_and_tampering_is_refused() {
        let secret = WebhookSecret::new("sk_test_unit").unwrap();
        let body = br#"{"event":"charge.success","data":{"id":42,"reference":"ref-1","amount":50000,"currency":"NGN","metadata":{"payment_id":"pay-1"}}}"#;
        let mut headers = HeaderMap::new();
        headers.insert(
            SIGNATURE_HEADER,
            HeaderValue::from_str(&signature_header(&secret, body)).unwrap(),
        );
        let event = verify_webhook(&headers, body, &secret, Utc::now()).unwrap();
        assert_eq!(event.id, "charge.success:42");
        assert!(matches!(
            event.kind,
            WebhookEventKind::CheckoutPaid { amount_minor: 50000, ref currency, .. } if currency == "ngn"
        ));
        let tampered = String::from_utf8_lossy(body).replace("50000", "5");
        assert_eq!(
            verify_webhook(&headers, tampered.as_bytes(), &secret, Utc::now()),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn duplicate_references_are_idempotency_conflicts() {
        let answer = Answer {
            status: 400,
            headers: HeaderMap::new(),
            body: br#"{"status":false,"message":"Duplicate Transaction Reference"}"#.to_vec(),
        };
        let failure = read_answer("x", &answer).unwrap_err();
        assert_eq!(failure.kind, GatewayErrorKind::IdempotencyConflict);
        assert_eq!(failure.code.as_deref(), Some("duplicate_reference"));
        assert!(check_reference("x", "0190c0de-0000-7000-8000-00000000000a").is_ok());
        assert!(check_reference("x", "a_b").is_err());
    }
}

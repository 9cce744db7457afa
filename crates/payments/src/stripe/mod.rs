//! [`Stripe`]: the gateway adapter for Stripe's documented API — Checkout Sessions
//! (the hosted payment page), their status with the PaymentIntent and Charge
//! expanded, refunds, expiring an unpaid session — and Stripe's signed webhooks
//! ([`webhook::verify_webhook`]).
//!
//! Requests are form-encoded (`application/x-www-form-urlencoded`, Stripe's
//! `a[b][c]=v` nesting), authenticated with `Authorization: Bearer sk_…`, and every
//! POST carries an `Idempotency-Key`: the caller's key for creating a checkout or a
//! refund, a key derived from the session id for expiring one. A POST whose answer
//! was lost is sent again with the same key ([`RetryPolicy`]), so Stripe replays its
//! first answer instead of creating a second session or refund.
//!
//! Answers are sorted by `stripe::answer`: Stripe's `{"error":{type, code,
//! decline_code, message}}` into [`GatewayFailure`]s, objects into the crate's
//! types. Nothing here logs keys, bodies or URLs with queries.
mod answer;
pub mod webhook;

use crate::error::{GatewayFailure, GatewayResult};
use crate::model::{Checkout, CheckoutRequest, CheckoutStatus, IdempotencyKey, Refund};
use crate::secret::ApiKey;
use crate::transport::{self, Answer, RetryPolicy, Timeouts};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, Url};
use std::fmt;

pub use webhook::{signature_header, verify_webhook, WEBHOOK_TOLERANCE};

/// Stripe's API.
pub const STRIPE_API: &str = "https://api.stripe.com";
/// The API version asked for (`Stripe-Version`): the answers' shapes depend on it.
pub const STRIPE_VERSION: &str = "2024-06-20";
const FORM: &str = "application/x-www-form-urlencoded";

/// How to reach a Stripe account.
#[derive(Clone, Debug)]
pub struct StripeConfig {
    /// [`STRIPE_API`], or a local test gateway (`http://127.0.0.1:PORT`).
    pub api_base: String,
    /// The account's secret (`sk_…`) or restricted (`rk_…`) key.
    pub secret_key: ApiKey,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
}

impl StripeConfig {
    pub fn new(secret_key: ApiKey) -> Self {
        Self {
            api_base: STRIPE_API.to_string(),
            secret_key,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
        }
    }
}

/// A client for one Stripe account. Cheap to share (`&self` methods; connections
/// are pooled).
pub struct Stripe {
    http: reqwest::Client,
    base: Url,
    key: ApiKey,
    retry: RetryPolicy,
}

impl fmt::Debug for Stripe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stripe")
            .field("base", &self.base.as_str())
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// One request, rebuilt identically for each send.
struct Call<'a> {
    what: &'a str,
    method: Method,
    url: Url,
    form: Option<String>,
    idempotency_key: Option<&'a str>,
}

impl Stripe {
    /// Checks the configuration and builds the client; no network access yet. A
    /// publishable key (`pk_…`) or a bad URL is NotConfigured.
    pub fn new(config: StripeConfig) -> GatewayResult<Self> {
        let base = transport::check_base_url(&config.api_base)?;
        let key = config.secret_key.expose();
        if !(key.starts_with("sk_") || key.starts_with("rk_")) {
            return Err(GatewayFailure::not_configured(
                "the Stripe key must be a secret (sk_…) or restricted (rk_…) key, never a \
                 publishable one",
            ));
        }
        Ok(Self {
            http: transport::build_client(config.timeouts, transport::is_loopback(&base))?,
            base,
            key: config.secret_key,
            retry: config.retry,
        })
    }

    /// `POST /v1/checkout/sessions`: a hosted payment page for one line item
    /// (the description, the amount), our payment id as `client_reference_id` and
    /// `metadata[payment_id]` on the session and its PaymentIntent.
    pub async fn create_checkout(&self, request: &CheckoutRequest) -> GatewayResult<Checkout> {
        request.check()?;
        let what = "creating a checkout";
        let amount = request.amount_minor.to_string();
        let currency = request.currency.to_ascii_lowercase();
        let form = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("mode", "payment")
                .append_pair("line_items[0][price_data][currency]", &currency)
                .append_pair("line_items[0][price_data][unit_amount]", &amount)
                .append_pair(
                    "line_items[0][price_data][product_data][name]",
                    request.description.trim(),
                )
                .append_pair("line_items[0][quantity]", "1")
                .append_pair("client_reference_id", &request.payment_id)
                .append_pair("metadata[payment_id]", &request.payment_id)
                .append_pair(
                    "payment_intent_data[metadata][payment_id]",
                    &request.payment_id,
                );
            if let Some(url) = &request.success_url {
                form.append_pair("success_url", url);
            }
            if let Some(url) = &request.cancel_url {
                form.append_pair("cancel_url", url);
            }
            form.finish()
        };
        let call = Call {
            what,
            method: Method::POST,
            url: self.url(&["v1", "checkout", "sessions"])?,
            form: Some(form),
            idempotency_key: Some(request.idempotency_key.as_str()),
        };
        let value = self.object(&call).await?;
        answer::checkout(what, &value)
    }

    /// `GET /v1/checkout/sessions/{id}` with the PaymentIntent and its latest Charge
    /// expanded: open (with the last decline), processing, paid, failed or expired.
    pub async fn checkout_status(&self, checkout_ref: &str) -> GatewayResult<CheckoutStatus> {
        let what = "reading a checkout";
        answer::check_ref(what, checkout_ref)?;
        let mut url = self.url(&["v1", "checkout", "sessions", checkout_ref])?;
        url.query_pairs_mut()
            .append_pair("expand[]", "payment_intent.latest_charge");
        let call = Call {
            what,
            method: Method::GET,
            url,
            form: None,
            idempotency_key: None,
        };
        let value = self.object(&call).await?;
        answer::checkout_status(what, &value)
    }

    /// `POST /v1/checkout/sessions/{id}/expire`: the page stops taking payments
    /// (a payment cancelled at the desk, or replaced by another). A session no
    /// longer open is left as it is: its status is returned (it may have been paid
    /// meanwhile — then it must be refunded or kept, never charged again).
    pub async fn expire_checkout(&self, checkout_ref: &str) -> GatewayResult<CheckoutStatus> {
        let what = "expiring a checkout";
        answer::check_ref(what, checkout_ref)?;
        let key = format!("expire-{checkout_ref}");
        let call = Call {
            what,
            method: Method::POST,
            url: self.url(&["v1", "checkout", "sessions", checkout_ref, "expire"])?,
            form: Some(String::new()),
            idempotency_key: Some(&key),
        };
        match self.object(&call).await {
            Ok(value) => answer::checkout_status(what, &value),
            Err(f) if f.code.as_deref() == Some("checkout_session_not_open") => {
                self.checkout_status(checkout_ref).await
            }
            Err(f) => Err(f),
        }
    }

    /// `POST /v1/refunds` for a paid checkout's PaymentIntent (`payment_ref`): all
    /// or part of it. Above what is left to refund → Invalid (`amount_too_large`).
    pub async fn refund(
        &self,
        payment_ref: &str,
        amount_minor: i64,
        idempotency_key: &IdempotencyKey,
    ) -> GatewayResult<Refund> {
        let what = "refunding a payment";
        answer::check_ref(what, payment_ref)?;
        if amount_minor <= 0 {
            return Err(GatewayFailure::invalid(format!(
                "{what}: the amount must be positive"
            )));
        }
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("payment_intent", payment_ref)
            .append_pair("amount", &amount_minor.to_string())
            .finish();
        let call = Call {
            what,
            method: Method::POST,
            url: self.url(&["v1", "refunds"])?,
            form: Some(form),
            idempotency_key: Some(idempotency_key.as_str()),
        };
        let value = self.object(&call).await?;
        answer::refund(what, &value)
    }

    fn url(&self, segments: &[&str]) -> GatewayResult<Url> {
        transport::endpoint(&self.base, segments)
    }

    /// Sends the call (again, with the same key, while its answer is lost) and
    /// returns the 2xx answer's JSON object; any other answer as its failure.
    async fn object(&self, call: &Call<'_>) -> GatewayResult<serde_json::Value> {
        let answer = self.retry.run(call.what, || self.send_once(call)).await?;
        answer::object(call.what, &answer)
    }

    /// One send. A non-2xx answer is a failure here already, so that a 409 "key in
    /// use" is retried like a lost answer.
    async fn send_once(&self, call: &Call<'_>) -> GatewayResult<Answer> {
        let mut headers = HeaderMap::new();
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", self.key.expose()))
            .map_err(|_| GatewayFailure::not_configured("the Stripe key is not a header value"))?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        headers.insert("Stripe-Version", HeaderValue::from_static(STRIPE_VERSION));
        if let Some(key) = call.idempotency_key {
            let value = HeaderValue::from_str(key).map_err(|_| {
                GatewayFailure::invalid("the idempotency key is not a header value")
            })?;
            headers.insert("Idempotency-Key", value);
        }
        let mut request = self
            .http
            .request(call.method.clone(), call.url.clone())
            .headers(headers);
        if let Some(form) = &call.form {
            request = request
                .header(CONTENT_TYPE, FORM)
                .body(form.clone().into_bytes());
        }
        let answer = transport::send(call.what, request).await?;
        if (200..300).contains(&answer.status) {
            Ok(answer)
        } else {
            Err(answer::failure(call.what, &answer))
        }
    }
}

payment_gateway_impl!(Stripe, "stripe", webhook::verify_webhook);

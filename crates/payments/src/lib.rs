//! Card payments through a payment gateway, behind one adapter: the
//! [`PaymentGateway`] trait and its implementations for [`Stripe`] and
//! [`Paystack`] (Flutterwave, also named by the clinics' users, is not written
//! yet: it would be a third module of the same shape).
//!
//! Card data never touches the app or its store: the patient pays on the
//! gateway's hosted page (a payment link, shown on screen or as a QR code), or on
//! a card terminal. What this crate does:
//! - create a checkout (that page) for one of our payments, with an
//!   [`IdempotencyKey`] on every request that changes something, so a request sent
//!   again after a lost answer never makes a second charge or refund;
//! - read a checkout's status (polling, when no central server receives webhooks);
//! - refund all or part of a paid checkout;
//! - verify a gateway's signed webhook ([`PaymentGateway::verify_webhook`], pure),
//!   for the central server.
//!
//! Modules:
//! - [`model`]: the requests, answers and events every gateway shares;
//! - [`error`]: [`GatewayFailure`] and its [`GatewayErrorKind`] (temporary or not);
//! - [`secret`]: [`ApiKey`] and [`WebhookSecret`], never shown in Debug or logs;
//! - `transport`: HTTP over rustls, URL checks, bounded answers, [`RetryPolicy`];
//! - [`stripe`]: Stripe Checkout, refunds and `Stripe-Signature` webhooks;
//! - [`paystack`]: Paystack transactions, refunds and `x-paystack-signature` webhooks;
//! - `runner` (feature `runner`, default): the device's round over its pending
//!   card payments; the central server uses this crate without it.
//!
//! The billing core owns the payment's state (pending, confirmed, failed) and its
//! keys; `runner` joins the two (polling the gateway for the device's pending
//! card payments). Nothing here logs keys,
//! secrets, request bodies or URLs with queries.
use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use std::future::Future;
use std::pin::Pin;

pub mod error;
pub mod model;
pub mod paystack;
#[cfg(feature = "runner")]
pub mod runner;
pub mod secret;
pub mod stripe;
mod transport;

pub use error::{GatewayErrorKind, GatewayFailure, GatewayResult};
pub use model::{
    Checkout, CheckoutRequest, CheckoutStatus, IdempotencyKey, Refund, RefundStatus, WebhookError,
    WebhookEvent, WebhookEventKind,
};
pub use paystack::{Paystack, PaystackConfig};
#[cfg(feature = "runner")]
pub use runner::{PaymentRunner, PaymentStore, RoundReport};
pub use secret::{ApiKey, WebhookSecret};
pub use stripe::{Stripe, StripeConfig};
pub use transport::{RetryPolicy, Timeouts};

/// What a gateway call gives back, boxed so that gateways can be picked at run
/// time (`Box<dyn PaymentGateway>`).
pub type GatewayFuture<'a, T> = Pin<Box<dyn Future<Output = GatewayResult<T>> + Send + 'a>>;

/// One payment gateway account.
pub trait PaymentGateway: Send + Sync {
    /// `stripe`, `paystack`.
    fn name(&self) -> &'static str;

    /// A hosted payment page for `request` (the same page again for the same
    /// idempotency key).
    fn create_checkout<'a>(&'a self, request: &'a CheckoutRequest) -> GatewayFuture<'a, Checkout>;

    /// Where the checkout `gateway_ref` ([`Checkout::gateway_ref`]) stands.
    fn checkout_status<'a>(&'a self, gateway_ref: &'a str) -> GatewayFuture<'a, CheckoutStatus>;

    /// Refunds `amount_minor` of a paid checkout (`gateway_payment_ref`:
    /// [`CheckoutStatus::Paid::payment_ref`]).
    fn refund<'a>(
        &'a self,
        gateway_payment_ref: &'a str,
        amount_minor: i64,
        idempotency_key: &'a IdempotencyKey,
    ) -> GatewayFuture<'a, Refund>;

    /// Verifies a webhook delivery (its headers and raw body) with the endpoint's
    /// secret, at `now`, and reads its event. Pure.
    fn verify_webhook(
        &self,
        headers: &HeaderMap,
        raw_body: &[u8],
        secret: &WebhookSecret,
        now: DateTime<Utc>,
    ) -> Result<WebhookEvent, WebhookError>;
}

//! Card payments through a payment gateway, behind one adapter: the
//! [`PaymentGateway`] trait and its implementations for [`Stripe`],
//! [`Paystack`] and [`Flutterwave`].
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
//! - [`flutterwave`]: Flutterwave (API v3) payment links, transactions, refunds and
//!   `verif-hash` webhooks, with exact major-unit amounts;
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

/// Implements [`PaymentGateway`] for an adapter whose inherent methods carry
/// the trait's names and signatures (every adapter here), with its name and
/// its webhook verifier.
macro_rules! payment_gateway_impl {
    ($adapter:ident, $name:literal, $verify:path) => {
        impl $crate::PaymentGateway for $adapter {
            fn name(&self) -> &'static str {
                $name
            }

            fn create_checkout<'a>(
                &'a self,
                request: &'a $crate::CheckoutRequest,
            ) -> $crate::GatewayFuture<'a, $crate::Checkout> {
                Box::pin($adapter::create_checkout(self, request))
            }

            fn checkout_status<'a>(
                &'a self,
                gateway_ref: &'a str,
            ) -> $crate::GatewayFuture<'a, $crate::CheckoutStatus> {
                Box::pin($adapter::checkout_status(self, gateway_ref))
            }

            fn refund<'a>(
                &'a self,
                gateway_payment_ref: &'a str,
                amount_minor: i64,
                idempotency_key: &'a $crate::IdempotencyKey,
            ) -> $crate::GatewayFuture<'a, $crate::Refund> {
                Box::pin($adapter::refund(
                    self,
                    gateway_payment_ref,
                    amount_minor,
                    idempotency_key,
                ))
            }

            fn verify_webhook(
                &self,
                headers: &reqwest::header::HeaderMap,
                raw_body: &[u8],
                secret: &$crate::WebhookSecret,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<$crate::WebhookEvent, $crate::WebhookError> {
                $verify(headers, raw_body, secret, now)
            }
        }
    };
}

pub mod error;
pub mod flutterwave;
pub mod model;
pub mod paystack;
#[cfg(feature = "runner")]
pub mod runner;
pub mod secret;
pub mod stripe;
mod transport;

pub use error::{GatewayErrorKind, GatewayFailure, GatewayResult};
pub use flutterwave::{Flutterwave, FlutterwaveConfig};
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
    /// `stripe`, `paystack`, `flutterwave`.
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

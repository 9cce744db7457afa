//! What the billing core exchanges with any gateway: a [`CheckoutRequest`] and the
//! [`Checkout`] (a hosted payment page's URL) it gives, a [`CheckoutStatus`], a
//! [`Refund`], the [`WebhookEvent`]s a gateway signs, and the [`IdempotencyKey`]
//! every request that changes something carries.
//!
//! There are no card data types here on purpose: the patient types the card on
//! the gateway's page (or a card terminal), never into the app. A checkout's
//! description is shown on that page and kept by the gateway: it must never carry
//! PHI ("Clinic visit", not a diagnosis or a name).
use crate::error::{GatewayFailure, GatewayResult};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The key that makes a request safe to send again: the gateway answers a repeat
/// with the first answer (Stripe) or refuses a second object (Paystack's unique
/// reference), so a retry after a lost answer never charges or refunds twice.
/// 1 to 255 characters of `A-Z a-z 0-9 - _ . = :` (a UUID fits every gateway).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn new(key: impl Into<String>) -> GatewayResult<Self> {
        let key = key.into();
        let ok = (1..=255).contains(&key.len())
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.=:".contains(&b));
        if !ok {
            return Err(GatewayFailure::invalid(
                "an idempotency key must be 1 to 255 characters of A-Z a-z 0-9 - _ . = :",
            ));
        }
        Ok(Self(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = GatewayFailure;
    fn try_from(key: String) -> GatewayResult<Self> {
        Self::new(key)
    }
}

impl From<IdempotencyKey> for String {
    fn from(key: IdempotencyKey) -> Self {
        key.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A card payment to take on the gateway's hosted page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutRequest {
    /// Our payment's id: sent as the gateway's reference/metadata, so the gateway's
    /// webhooks name it.
    pub payment_id: String,
    /// In the currency's smallest unit (cents, kobo); > 0.
    pub amount_minor: i64,
    /// ISO 4217 (`usd`, `NGN`; any case).
    pub currency: String,
    /// Shown on the payment page; no PHI.
    pub description: String,
    /// Where the page sends the patient after paying / cancelling.
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub idempotency_key: IdempotencyKey,
}

impl CheckoutRequest {
    /// Checks what every gateway needs: a positive amount, a 3-letter currency, a
    /// description, a payment id. Invalid otherwise (nothing is sent).
    pub fn check(&self) -> GatewayResult<()> {
        if self.amount_minor <= 0 {
            return Err(GatewayFailure::invalid(
                "the amount must be positive (in the currency's smallest unit)",
            ));
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(GatewayFailure::invalid(
                "the currency must be a 3-letter ISO 4217 code",
            ));
        }
        if self.description.trim().is_empty() || self.description.chars().count() > 250 {
            return Err(GatewayFailure::invalid(
                "the description must be 1 to 250 characters",
            ));
        }
        if self.payment_id.trim().is_empty() || self.payment_id.len() > 200 {
            return Err(GatewayFailure::invalid(
                "the payment id must be 1 to 200 characters",
            ));
        }
        Ok(())
    }
}

/// A created checkout: the page the patient pays on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkout {
    /// The gateway's id of the checkout (Stripe session id, Paystack reference):
    /// what [`crate::PaymentGateway::checkout_status`] takes.
    pub gateway_ref: String,
    /// The hosted payment page (a payment link) to open or show as a QR code.
    pub url: String,
    /// When the page stops taking payments, if the gateway says.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Where a checkout stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CheckoutStatus {
    /// Not paid yet; the page still takes payments. `last_decline`: the code of the
    /// last declined attempt (`insufficient_funds`), if any.
    Open { last_decline: Option<String> },
    /// Submitted, the money not confirmed yet (bank debits; cards never stay here).
    Processing,
    /// Paid. `payment_ref` is what [`crate::PaymentGateway::refund`] takes.
    Paid {
        amount_minor: i64,
        currency: String,
        paid_at: DateTime<Utc>,
        payment_ref: String,
    },
    /// Failed for good (an asynchronous payment failed): a new checkout is needed.
    Failed { reason: String },
    /// The page expired unpaid: a new checkout is needed.
    Expired,
}

/// A refund as the gateway took it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub refund_ref: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: RefundStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Queued or processing at the gateway.
    Pending,
    Succeeded,
    Failed,
    Canceled,
}

/// A verified webhook event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// The gateway's event id (deliveries can repeat: apply each id once).
    pub id: String,
    /// When the gateway made the event (Stripe), or when it was verified.
    pub created: DateTime<Utc>,
    /// The gateway's event type (`checkout.session.completed`, `charge.success`).
    pub event_type: String,
    pub kind: WebhookEventKind,
}

/// What an event means for a payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WebhookEventKind {
    /// The checkout was paid. `payment_id`: our id, from the reference/metadata.
    CheckoutPaid {
        checkout_ref: String,
        payment_id: Option<String>,
        amount_minor: i64,
        currency: String,
        payment_ref: Option<String>,
    },
    /// Completed but the money is not confirmed yet (bank debits).
    CheckoutProcessing {
        checkout_ref: String,
        payment_id: Option<String>,
    },
    /// The checkout expired unpaid.
    CheckoutExpired {
        checkout_ref: String,
        payment_id: Option<String>,
    },
    /// The payment failed for good.
    CheckoutFailed {
        checkout_ref: String,
        payment_id: Option<String>,
        reason: String,
    },
    /// Money went back. Stripe gives the total refunded so far (`refunded_total_minor`),
    /// Paystack this refund's amount (`refund_amount_minor`).
    Refunded {
        payment_ref: String,
        payment_id: Option<String>,
        currency: String,
        refunded_total_minor: Option<i64>,
        refund_amount_minor: Option<i64>,
    },
    /// An event we do not act on.
    Other,
}

/// Why a webhook was refused. The central server answers 400 and logs the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookError {
    /// No signature header, or one that cannot be read.
    MissingSignature,
    /// No signature matches the body with the secret.
    BadSignature,
    /// Signed, but too long ago (or too far ahead): a replay is refused.
    StaleTimestamp { age_seconds: i64 },
    /// Signed correctly but not an event we can read.
    Malformed(String),
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingSignature => f.write_str("the webhook has no readable signature header"),
            Self::BadSignature => f.write_str("the webhook's signature does not match its body"),
            Self::StaleTimestamp { age_seconds } => write!(
                f,
                "the webhook was signed {age_seconds} s from now, outside the tolerance"
            ),
            Self::Malformed(why) => write!(f, "the webhook's event cannot be read: {why}"),
        }
    }
}

impl std::error::Error for WebhookError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> CheckoutRequest {
        CheckoutRequest {
            payment_id: "0190c0de-0000-7000-8000-000000000001".into(),
            amount_minor: 2500,
            currency: "usd".into(),
            description: "Clinic visit".into(),
            success_url: None,
            cancel_url: None,
            idempotency_key: IdempotencyKey::new("0190c0de-0000-7000-8000-00000000000a").unwrap(),
        }
    }

    #[test]
    fn checkout_requests_are_checked_before_sending() {
        assert!(request().check().is_ok());
        for bad in [
            CheckoutRequest {
                amount_minor: 0,
                ..request()
            },
            CheckoutRequest {
                currency: "us".into(),
                ..request()
            },
            CheckoutRequest {
                description: " ".into(),
                ..request()
            },
        ] {
            assert_eq!(
                bad.check().unwrap_err().kind,
                crate::GatewayErrorKind::Invalid
            );
        }
    }

    #[test]
    fn idempotency_keys_are_bounded_and_plain() {
        assert!(IdempotencyKey::new("pay-1:refund.2").is_ok());
        assert!(IdempotencyKey::new("").is_err());
        assert!(IdempotencyKey::new("a b").is_err());
        assert!(IdempotencyKey::new("x".repeat(256)).is_err());
        let json = serde_json::to_string(&IdempotencyKey::new("k1").unwrap()).unwrap();
        assert_eq!(json, "\"k1\"");
        assert!(serde_json::from_str::<IdempotencyKey>("\"a b\"").is_err());
    }
}

//! This device's card payment gateway, as the administrator configures it in
//! Settings → Billing. Re-exported by `billing`.
//!
//! Invariants: the secret key goes in ([`SavePaymentGateway::secret_key`]) but
//! never comes back out ([`PaymentGatewaySettings::has_secret_key`] says whether
//! one is saved); the settings are local to the device, never in an op.
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The gateways the app can talk to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum GatewayKind {
    Stripe,
    Paystack,
}

impl GatewayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stripe => "stripe",
            Self::Paystack => "paystack",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "stripe" => Some(Self::Stripe),
            "paystack" => Some(Self::Paystack),
            _ => None,
        }
    }
}

/// This device's gateway, without its secret key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PaymentGatewaySettings {
    /// None: no gateway here; card payments cannot be started on this device.
    pub kind: Option<GatewayKind>,
    /// The gateway's API address (its public API, or a local test gateway).
    pub api_base: String,
    /// Paystack: the clinic's billing email, sent as the customer.
    pub customer_email: String,
    pub has_secret_key: bool,
    /// The last exchange with the gateway: when, and what went wrong if it did.
    pub last_contact_at: Option<String>,
    pub last_error: Option<String>,
}

/// Sets (or, with `kind: None`, removes) this device's gateway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SavePaymentGateway {
    pub kind: Option<GatewayKind>,
    /// Empty: the gateway's public API.
    pub api_base: String,
    pub customer_email: String,
    /// None: keep the saved key.
    pub secret_key: Option<String>,
}

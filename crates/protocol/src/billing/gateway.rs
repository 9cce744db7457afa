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
    Flutterwave,
}

impl GatewayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stripe => "stripe",
            Self::Paystack => "paystack",
            Self::Flutterwave => "flutterwave",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "stripe" => Some(Self::Stripe),
            "paystack" => Some(Self::Paystack),
            "flutterwave" => Some(Self::Flutterwave),
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
    /// Paystack and Flutterwave: the clinic's billing email, sent as the customer.
    pub customer_email: String,
    pub has_secret_key: bool,
    /// The last exchange with the gateway: when, and what went wrong if it did.
    pub last_contact_at: Option<String>,
    pub last_error: Option<String>,
    /// Where to point the gateway's webhooks (the clinic's sync server), when
    /// a gateway is set and this device is connected to a sync server.
    pub webhook_url: Option<String>,
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

/// What a gateway's event means for a card payment (the events the central
/// server turns into ops; others are acknowledged and dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GatewayOutcome {
    /// The checkout was paid.
    Paid,
    /// The payment failed for good.
    Failed,
    /// The checkout expired unpaid.
    Expired,
}

/// The payload of a `gateway_payment_event` op: what the central server read
/// from a gateway's verified webhook about one of our card payments (the op's
/// entity). Only the server writes these, under [`gateway_device_id`]; a
/// device applies it like a confirmation (amount and currency must be the
/// payment's) or a failure, forward-only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayPaymentEvent {
    pub gateway: GatewayKind,
    /// The gateway's event id (each is written once).
    pub event_id: String,
    /// The gateway's event type (`checkout.session.completed`, `charge.success`).
    pub event_type: String,
    pub outcome: GatewayOutcome,
    /// The gateway's checkout (Stripe session id, Paystack reference).
    pub checkout_ref: String,
    /// Paid: the gateway's payment reference (what a refund takes), if it said.
    pub payment_ref: Option<String>,
    /// Paid: what the gateway took, in minor units of `currency`.
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    /// Failed: the gateway's reason.
    pub reason: Option<String>,
    /// When the gateway made the event, RFC 3339 UTC.
    pub at: String,
}

/// The namespace of the ids the central server derives for gateway events.
const GATEWAY_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6c1a_0f4e_93b2_4d17_a5c8_2e7f_1b90_d3a4);

/// The device id under which the central server writes a clinic's gateway
/// events. Devices cannot push `gateway_payment_event` ops, whatever their id.
pub fn gateway_device_id(clinic: crate::ClinicId) -> crate::DeviceId {
    let name = format!("payment-gateway/{clinic}");
    crate::DeviceId(uuid::Uuid::new_v5(&GATEWAY_NAMESPACE, name.as_bytes()))
}

/// The op id of one gateway event of a clinic: the same for every delivery of
/// the event, so a repeated webhook is a duplicate push, never a second op.
pub fn gateway_event_op_id(
    clinic: crate::ClinicId,
    gateway: GatewayKind,
    event_id: &str,
) -> crate::OpId {
    let name = format!("event/{clinic}/{}/{event_id}", gateway.as_str());
    crate::OpId(uuid::Uuid::new_v5(&GATEWAY_NAMESPACE, name.as_bytes()))
}

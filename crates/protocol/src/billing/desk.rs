//! Billing wire types at the desk: payments (cash, card, bank transfer,
//! insurance remittance; card payments through the gateway, pending until
//! confirmed), refunds, receipts, the front desk's end-of-day close, and what
//! the kiosk shows and starts for its patient. Re-exported by `billing`.
//!
//! Invariants: as `billing` — integer minor units only; payments, refunds and
//! closes are immutable facts (a correction is a refund or a new close
//! version); a card payment carries one idempotency key for its whole life.
use super::{CreditNote, DayCloseId, Invoice, InvoiceId, PaymentId, RefundId};
use crate::ids::{DeviceId, PatientId};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
// ---------------------------------------------------------------------------
// Payments and refunds

text_enum!(
    PaymentMethod {
        Cash => "cash",
        /// A card: through the payment gateway (started, then confirmed) or a
        /// standalone terminal (recorded as succeeded with its reference).
        Card => "card",
        BankTransfer => "bank_transfer",
        /// Money from the patient's insurer (pays the insurer's portion).
        InsuranceRemittance => "insurance_remittance",
    }
);

impl PaymentMethod {
    /// Whether the money comes from the insurer (else from the patient).
    pub fn is_insurer(self) -> bool {
        self == PaymentMethod::InsuranceRemittance
    }
}

text_enum!(
    /// A payment's state. `refunded` is shown when refunds cover it all.
    PaymentStatus {
        /// A card payment started at the gateway, not yet confirmed.
        Pending => "pending",
        Succeeded => "succeeded",
        /// The gateway declined it or it expired: it counts for nothing.
        Failed => "failed",
        /// Succeeded, then refunded in full.
        Refunded => "refunded",
    }
);

/// One payment against one invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Payment {
    pub id: PaymentId,
    pub invoice_id: InvoiceId,
    pub patient_id: PatientId,
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    #[ts(type = "number")]
    pub amount_minor: i64,
    pub currency: String,
    /// Refunds against it so far.
    #[ts(type = "number")]
    pub refunded_minor: i64,
    /// A bank or remittance reference, a terminal's slip number…
    pub reference: String,
    /// Card through the gateway: the key every gateway request carries, so it
    /// is never charged twice (a UUIDv7, fixed when the payment is started).
    pub idempotency_key: Option<String>,
    /// The gateway's id of the checkout or charge.
    pub gateway_ref: Option<String>,
    /// Where the patient pays (the gateway's hosted page), once created.
    pub checkout_url: Option<String>,
    pub failure_reason: Option<String>,
    /// When it was taken (succeeded) or started (pending).
    pub received_at: String,
    /// The desk (device) that took it.
    pub device_id: DeviceId,
    pub recorded_by: String,
    /// Receipt number `RCP-<device code>-<sequence>` (succeeded payments).
    pub receipt_number: Option<String>,
}

/// Records a payment that has happened (cash, bank transfer, insurance
/// remittance, card on a standalone terminal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RecordPayment {
    pub invoice_id: InvoiceId,
    pub method: PaymentMethod,
    #[ts(type = "number")]
    pub amount_minor: i64,
    /// Must be the invoice's currency.
    pub currency: String,
    pub reference: String,
}

/// Starts a card payment through the gateway (pending until confirmed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StartCardPayment {
    pub invoice_id: InvoiceId,
    #[ts(type = "number")]
    pub amount_minor: i64,
    pub currency: String,
}

/// The gateway runner: the checkout for a pending card payment was created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CardCheckoutCreated {
    pub payment_id: PaymentId,
    pub gateway_ref: String,
    pub checkout_url: Option<String>,
}

/// The gateway runner: the gateway says the card payment was paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CardPaymentConfirmed {
    pub payment_id: PaymentId,
    pub gateway_ref: String,
    #[ts(type = "number")]
    pub amount_minor: i64,
    pub currency: String,
}

/// The gateway runner: the card payment was declined, cancelled or expired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CardPaymentFailed {
    pub payment_id: PaymentId,
    /// A gateway code or short text (no card data).
    pub reason: String,
}

/// Money given back against a payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Refund {
    pub id: RefundId,
    pub payment_id: PaymentId,
    pub invoice_id: InvoiceId,
    pub patient_id: PatientId,
    /// The payment's method (cash back comes out of the drawer).
    pub method: PaymentMethod,
    #[ts(type = "number")]
    pub amount_minor: i64,
    pub currency: String,
    pub reason: String,
    pub refunded_at: String,
    pub device_id: DeviceId,
    pub recorded_by: String,
    /// A card payment taken through the gateway is refunded through it by the
    /// device that recorded the refund: where that stands, as that device
    /// knows it (`None` on other devices and for other methods).
    pub gateway_status: Option<GatewayRefundStatus>,
    /// Why the gateway refused it, when it did.
    pub gateway_failure: Option<String>,
}

/// A refund's exchange with the card gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum GatewayRefundStatus {
    /// Not taken by the gateway yet (offline, or the gateway did not answer):
    /// sent again, with the same idempotency key, until it is.
    Pending,
    /// The gateway took it: the money goes back to the card.
    Sent,
    /// The gateway refused it for good: give the money back another way.
    Failed,
}

impl GatewayRefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "sent" => Some(Self::Sent),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// A card refund waiting for the gateway (the runner's queue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingGatewayRefund {
    pub refund_id: RefundId,
    pub payment_id: PaymentId,
    /// The payment's gateway reference (what the gateway refunds).
    pub payment_ref: String,
    pub amount_minor: i64,
    pub currency: String,
    pub idempotency_key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RecordRefund {
    pub payment_id: PaymentId,
    #[ts(type = "number")]
    pub amount_minor: i64,
    pub currency: String,
    pub reason: String,
}

/// What a receipt shows (data only; printing is the UI's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Receipt {
    pub receipt_number: String,
    pub payment: Payment,
    pub invoice_number: Option<String>,
    /// The invoice's balance after this payment (as of now).
    #[ts(type = "number")]
    pub invoice_balance_minor: i64,
    pub clinic_name: String,
    pub invoice_footer: String,
}

/// An invoice with everything recorded against it (the invoice screen).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct InvoiceDetail {
    pub invoice: Invoice,
    /// Oldest first.
    pub payments: Vec<Payment>,
    pub refunds: Vec<Refund>,
    pub credit_notes: Vec<CreditNote>,
}

// ---------------------------------------------------------------------------
// End-of-day close

/// Succeeded payments of one method taken at the desk that day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MethodTotal {
    pub method: PaymentMethod,
    pub count: u32,
    #[ts(type = "number")]
    pub amount_minor: i64,
    /// Refunds of that method made at the desk that day.
    #[ts(type = "number")]
    pub refunded_minor: i64,
}

/// The day's figures for one desk (this device), before or as closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DaySummary {
    /// Clinic date.
    pub date: String,
    pub device_id: DeviceId,
    pub currency: String,
    /// Every method, in `PaymentMethod::ALL` order (zeros included).
    pub by_method: Vec<MethodTotal>,
    #[ts(type = "number")]
    pub opening_float_minor: i64,
    /// Float + cash taken − cash refunded.
    #[ts(type = "number")]
    pub expected_cash_minor: i64,
    /// Card payments still pending at the desk that day (not counted anywhere).
    pub pending_count: u32,
}

/// A recorded close: the summary, the cash counted and the difference.
/// A second close of the same day and desk is a new version (a recount); the
/// highest version is the current one and earlier ones stay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DayClose {
    pub id: DayCloseId,
    pub summary: DaySummary,
    #[ts(type = "number")]
    pub counted_cash_minor: i64,
    /// Counted − expected (negative: cash short).
    #[ts(type = "number")]
    pub difference_minor: i64,
    pub version: u32,
    pub note: String,
    pub closed_at: String,
    pub closed_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DaySummaryQuery {
    /// Clinic date; empty means today.
    pub date: String,
    #[ts(type = "number")]
    pub opening_float_minor: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CloseDay {
    /// Clinic date; empty means today.
    pub date: String,
    #[ts(type = "number")]
    pub opening_float_minor: i64,
    #[ts(type = "number")]
    pub counted_cash_minor: i64,
    /// Required for a recount (a second close of the same day), else optional.
    pub note: String,
}

// ---------------------------------------------------------------------------
// Kiosk

/// One invoice as the kiosk shows it to its patient (no clinical data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KioskInvoice {
    pub invoice_id: InvoiceId,
    pub number: String,
    /// Clinic date it was issued.
    pub issued_on: String,
    #[ts(type = "number")]
    pub patient_balance_minor: i64,
    /// A card payment for it is already waiting at the gateway.
    pub payment_pending: bool,
}

/// The kiosk patient's outstanding balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KioskBalance {
    pub currency: String,
    pub minor_digits: u8,
    #[ts(type = "number")]
    pub balance_minor: i64,
    pub invoices: Vec<KioskInvoice>,
}

/// The kiosk patient pays one invoice's balance by card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KioskPayInvoice {
    pub token: String,
    pub invoice_id: InvoiceId,
}

/// What the kiosk needs to hand the patient to the gateway's page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KioskCardPayment {
    pub payment_id: PaymentId,
    #[ts(type = "number")]
    pub amount_minor: i64,
    pub currency: String,
    pub status: PaymentStatus,
    /// Set once the runner created the checkout (poll until it is).
    pub checkout_url: Option<String>,
}

/// The kiosk asks how its patient's card payment is going.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KioskPaymentQuery {
    pub token: String,
    pub payment_id: PaymentId,
}

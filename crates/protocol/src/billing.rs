//! Billing wire types: the clinic's currency, the service catalogue (fee
//! schedule with tax rules), invoices with their lines and derived totals,
//! credit notes, a patient's balance and statement; and (`desk`, re-exported
//! here) payments (cash, card, bank transfer, insurance remittance; card
//! payments through a gateway, pending until confirmed), refunds, receipts,
//! the front desk's end-of-day close, and what the kiosk shows a patient
//! about their balance.
//!
//! Invariants:
//! - money is integer minor units (`*_minor: i64`: cents, pence, yen, fils) of
//!   the clinic's ISO 4217 currency; nothing here is a float;
//! - rates are basis points (`2000` = 20 %);
//! - an invoice's totals are derived from its lines and from the payments,
//!   refunds and credit notes recorded against it (the core recomputes them in
//!   the transaction of every change, on every device);
//! - payments, refunds, credit notes and day closes are immutable facts: a
//!   correction is a new fact (a refund, a credit note, a new close version);
//! - instants are RFC 3339 UTC strings; calendar dates (`"2026-03-29"`) are the
//!   clinic's (its time zone).
use crate::ids::{AppointmentId, AppointmentTypeId, EncounterId, PatientId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use ts_rs::TS;
use uuid::Uuid;

mod desk;
mod gateway;
pub use desk::*;
pub use gateway::*;

/// A UUIDv7 id newtype (as `crate::ids`), for billing's entities.
macro_rules! billing_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
        #[serde(transparent)]
        #[ts(export, type = "string")]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh UUIDv7.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

billing_id!(
    /// One service of the catalogue (fee schedule).
    ServiceId
);
billing_id!(
    /// One invoice (draft, issued or void).
    InvoiceId
);
billing_id!(
    /// One line of an invoice.
    InvoiceLineId
);
billing_id!(
    /// One payment (pending, succeeded or failed).
    PaymentId
);
billing_id!(
    /// Money given back against one payment.
    RefundId
);
billing_id!(
    /// A credit note against an issued invoice.
    CreditNoteId
);
billing_id!(
    /// One recorded end-of-day close of a desk.
    DayCloseId
);

// ---------------------------------------------------------------------------
// Settings and catalogue

/// The clinic's billing settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BillingSettings {
    /// ISO 4217 code (`"EUR"`); empty until an administrator sets it.
    pub currency: String,
    /// Digits after the decimal point of the currency (JPY 0, USD 2, KWD 3).
    pub minor_digits: u8,
    /// Printed on invoices and statements (the clinic's legal name, tax id…).
    pub invoice_footer: String,
}

/// Administrators set the currency (only before the first service or invoice
/// exists: amounts are in its minor units) and the invoice footer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SaveBillingSettings {
    pub currency: String,
    pub invoice_footer: String,
}

text_enum!(
    /// Whether a service's price already includes its tax.
    TaxMode {
        /// Tax is added on top of the price.
        Exclusive => "exclusive",
        /// The price includes the tax (the tax is the part of it).
        Inclusive => "inclusive",
    }
);

/// A service's tax: a rate in basis points (`2000` = 20 %, `0` = none) and
/// whether prices include it. Rounded half-even per line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TaxRule {
    /// What the invoice calls it ("VAT", "GST"); may be empty when the rate is 0.
    pub name: String,
    pub rate_bp: u32,
    pub mode: TaxMode,
}

/// One service of the clinic's fee schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Service {
    pub id: ServiceId,
    /// The clinic's own short code (`"CONS-15"`), unique among services.
    pub code: String,
    pub name: String,
    /// Price of one unit, in minor units of `currency`.
    #[ts(type = "number")]
    pub price_minor: i64,
    pub currency: String,
    pub tax: TaxRule,
    /// Appointments of this type are invoiced with this service by default.
    pub appointment_type_id: Option<AppointmentTypeId>,
    /// Inactive services stay on old invoices but cannot be added to new ones.
    pub active: bool,
    #[ts(type = "number")]
    pub version: i64,
}

/// Creates (no `id`) or edits a service. Billing staff and administrators;
/// creating one or changing its price or tax: administrators only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SaveService {
    pub id: Option<ServiceId>,
    #[ts(type = "number | null")]
    pub expected_version: Option<i64>,
    pub code: String,
    pub name: String,
    #[ts(type = "number")]
    pub price_minor: i64,
    pub tax: TaxRule,
    pub appointment_type_id: Option<AppointmentTypeId>,
    pub active: bool,
}

// ---------------------------------------------------------------------------
// Invoices

text_enum!(
    /// Where an invoice stands. `partially_paid` and `paid` are derived from
    /// the payments, refunds and credit notes recorded against it.
    InvoiceStatus {
        /// Lines can be edited; no number yet; takes no payments.
        Draft => "draft",
        /// Numbered, lines immutable, nothing paid yet.
        Issued => "issued",
        PartiallyPaid => "partially_paid",
        /// Nothing left to pay (also when credit notes cover it all).
        Paid => "paid",
        /// Cancelled with a reason (only when nothing is paid net).
        Void => "void",
    }
);

/// A discount or an insurance portion: a share in basis points of the amount
/// it applies to, or a fixed amount in minor units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Portion {
    /// `basis_points` of the amount (`1000` = 10 %), rounded half-even.
    Percent { basis_points: u32 },
    /// A fixed amount (at most the amount it applies to).
    Fixed {
        #[ts(type = "number")]
        amount_minor: i64,
    },
}

/// One line as staff enter it on a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct InvoiceLineInput {
    /// Keeps a line's id across edits (`None`: a new line).
    pub id: Option<InvoiceLineId>,
    /// The catalogue's service; its price, tax and name are taken from it.
    /// `None`: a free line (description, unit price and tax given here).
    pub service_id: Option<ServiceId>,
    /// Free lines: required; service lines: empty keeps the service's name.
    pub description: String,
    /// Units (at least 1).
    #[ts(type = "number")]
    pub quantity: i64,
    /// Free lines only (service lines use the catalogue's price).
    #[ts(type = "number | null")]
    pub unit_price_minor: Option<i64>,
    /// Free lines only (service lines use the catalogue's tax rule).
    pub tax: Option<TaxRule>,
    pub discount: Option<Portion>,
    /// The part of the line's total billed to the patient's insurer.
    pub insurance: Option<Portion>,
}

/// One line with its computed amounts. For an exclusive tax
/// `total = gross − discount − invoice_discount + tax`; for an inclusive tax
/// `total = gross − discount − invoice_discount` and `tax` is the part of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct InvoiceLine {
    pub id: InvoiceLineId,
    pub position: u32,
    pub service_id: Option<ServiceId>,
    pub service_code: String,
    pub description: String,
    #[ts(type = "number")]
    pub quantity: i64,
    #[ts(type = "number")]
    pub unit_price_minor: i64,
    pub tax: TaxRule,
    pub discount: Option<Portion>,
    pub insurance: Option<Portion>,
    /// `quantity × unit_price`.
    #[ts(type = "number")]
    pub gross_minor: i64,
    /// The line's own discount.
    #[ts(type = "number")]
    pub discount_minor: i64,
    /// This line's share of the invoice's discount.
    #[ts(type = "number")]
    pub invoice_discount_minor: i64,
    #[ts(type = "number")]
    pub tax_minor: i64,
    #[ts(type = "number")]
    pub total_minor: i64,
    /// Billed to the insurer; `patient_minor = total − insurance`.
    #[ts(type = "number")]
    pub insurance_minor: i64,
    #[ts(type = "number")]
    pub patient_minor: i64,
    /// Credit notes against this line so far.
    #[ts(type = "number")]
    pub credited_minor: i64,
}

/// An invoice's totals, all derived from its lines and recorded facts.
/// `due = total − credited`; `paid` counts succeeded payments (before refunds);
/// `balance = due − paid + refunded`. The patient and insurer sides split the
/// same way (a payment by insurance remittance is the insurer's).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct InvoiceTotals {
    /// Σ gross.
    #[ts(type = "number")]
    pub subtotal_minor: i64,
    /// Σ line discounts + the invoice's discount.
    #[ts(type = "number")]
    pub discount_minor: i64,
    #[ts(type = "number")]
    pub tax_minor: i64,
    #[ts(type = "number")]
    pub total_minor: i64,
    #[ts(type = "number")]
    pub insurance_minor: i64,
    #[ts(type = "number")]
    pub patient_minor: i64,
    #[ts(type = "number")]
    pub credited_minor: i64,
    #[ts(type = "number")]
    pub paid_minor: i64,
    #[ts(type = "number")]
    pub refunded_minor: i64,
    /// Card payments started and not yet confirmed or failed.
    #[ts(type = "number")]
    pub pending_minor: i64,
    #[ts(type = "number")]
    pub balance_minor: i64,
    /// What the patient still owes on this invoice.
    #[ts(type = "number")]
    pub patient_balance_minor: i64,
    /// What the insurer still owes on this invoice.
    #[ts(type = "number")]
    pub insurance_balance_minor: i64,
}

/// An invoice with its lines and totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Invoice {
    pub id: InvoiceId,
    /// `INV-<device code>-<sequence>`, assigned when issued (unique offline).
    pub number: Option<String>,
    pub patient_id: PatientId,
    pub appointment_id: Option<AppointmentId>,
    pub encounter_id: Option<EncounterId>,
    pub currency: String,
    pub status: InvoiceStatus,
    pub lines: Vec<InvoiceLine>,
    /// A discount on the whole invoice (shared across the lines by amount).
    pub discount: Option<Portion>,
    pub totals: InvoiceTotals,
    pub note: String,
    pub created_at: String,
    pub issued_at: Option<String>,
    pub voided_at: Option<String>,
    pub void_reason: Option<String>,
    /// Needs a person to look: voided with money paid on it, paid more than
    /// due, or credited more than a line (offline devices raced).
    pub needs_review: bool,
    #[ts(type = "number")]
    pub version: i64,
}

/// A short row for lists (a patient's invoices, the kiosk, search).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct InvoiceSummary {
    pub id: InvoiceId,
    pub number: Option<String>,
    pub patient_id: PatientId,
    pub appointment_id: Option<AppointmentId>,
    pub status: InvoiceStatus,
    pub currency: String,
    #[ts(type = "number")]
    pub total_minor: i64,
    #[ts(type = "number")]
    pub balance_minor: i64,
    #[ts(type = "number")]
    pub patient_balance_minor: i64,
    pub created_at: String,
    pub issued_at: Option<String>,
    pub needs_review: bool,
}

/// Creates (no `id`) or edits a draft invoice: the whole draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SaveInvoiceDraft {
    pub id: Option<InvoiceId>,
    #[ts(type = "number | null")]
    pub expected_version: Option<i64>,
    pub patient_id: PatientId,
    pub appointment_id: Option<AppointmentId>,
    pub encounter_id: Option<EncounterId>,
    pub lines: Vec<InvoiceLineInput>,
    pub discount: Option<Portion>,
    pub note: String,
}

/// Issues a draft (numbered, lines frozen).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct IssueInvoice {
    pub id: InvoiceId,
    #[ts(type = "number")]
    pub expected_version: i64,
}

/// Voids an invoice (a draft, or an issued one with nothing paid net).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct VoidInvoice {
    pub id: InvoiceId,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub reason: String,
}

/// Which invoices to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct InvoiceQuery {
    pub patient_id: Option<PatientId>,
    pub status: Option<InvoiceStatus>,
    /// Only invoices with a balance (patient or insurer) left.
    pub outstanding_only: bool,
    /// Only those flagged for review.
    pub needs_review_only: bool,
    /// At most this many (1–500), newest first.
    pub limit: u32,
}

// ---------------------------------------------------------------------------
// Credit notes

/// One credited line: an amount of one invoice line (at most what is left of it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CreditLineInput {
    pub invoice_line_id: InvoiceLineId,
    #[ts(type = "number")]
    pub amount_minor: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RecordCreditNote {
    pub invoice_id: InvoiceId,
    pub lines: Vec<CreditLineInput>,
    pub reason: String,
}

/// A credited line with its split between insurer and patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CreditLine {
    pub invoice_line_id: InvoiceLineId,
    #[ts(type = "number")]
    pub amount_minor: i64,
    #[ts(type = "number")]
    pub insurance_minor: i64,
    #[ts(type = "number")]
    pub patient_minor: i64,
}

/// A negative document against an issued invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CreditNote {
    pub id: CreditNoteId,
    /// `CN-<device code>-<sequence>`.
    pub number: String,
    pub invoice_id: InvoiceId,
    pub patient_id: PatientId,
    pub currency: String,
    pub lines: Vec<CreditLine>,
    #[ts(type = "number")]
    pub total_minor: i64,
    pub reason: String,
    pub created_at: String,
    pub recorded_by: String,
}

// ---------------------------------------------------------------------------
// Balances and statements

/// What a patient owes (or is owed, when negative) across their invoices:
/// issued invoices' patient portions − their payments + refunds − credits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientBalance {
    pub patient_id: PatientId,
    pub currency: String,
    #[ts(type = "number")]
    pub invoiced_minor: i64,
    #[ts(type = "number")]
    pub credited_minor: i64,
    #[ts(type = "number")]
    pub paid_minor: i64,
    #[ts(type = "number")]
    pub refunded_minor: i64,
    #[ts(type = "number")]
    pub balance_minor: i64,
    /// What insurers still owe on the patient's invoices (not the patient's).
    #[ts(type = "number")]
    pub insurance_outstanding_minor: i64,
    /// Issued invoices with something left for the patient to pay, oldest first.
    pub open_invoices: Vec<InvoiceSummary>,
}

text_enum!(
    StatementEntryKind {
        Invoice => "invoice",
        Payment => "payment",
        Refund => "refund",
        CreditNote => "credit_note",
    }
);

/// One line of a statement: a charge (positive) or money/credit (negative)
/// on the patient's side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StatementEntry {
    pub at: String,
    pub kind: StatementEntryKind,
    /// Invoice, receipt or credit note number (or the method for a refund).
    pub reference: String,
    pub invoice_id: InvoiceId,
    #[ts(type = "number")]
    pub amount_minor: i64,
    #[ts(type = "number")]
    pub running_balance_minor: i64,
}

/// The patient's statement for `from..=to` (clinic dates).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientStatement {
    pub patient_id: PatientId,
    pub currency: String,
    pub from: String,
    pub to: String,
    #[ts(type = "number")]
    pub opening_balance_minor: i64,
    pub entries: Vec<StatementEntry>,
    #[ts(type = "number")]
    pub closing_balance_minor: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StatementQuery {
    pub patient_id: PatientId,
    pub from: String,
    pub to: String,
}

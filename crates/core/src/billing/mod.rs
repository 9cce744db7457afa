//! Billing: the clinic's currency and fee schedule, invoices for visits and
//! appointments (draft → issued → partially paid / paid, or void), payments
//! (cash, card, bank transfer, insurance remittance; card payments pending
//! until the gateway confirms them), refunds and credit notes, patients'
//! balances and statements, the front desk's end-of-day close, and what the
//! kiosk may show and start. Nothing here talks to a network: the gateway's
//! runner (elsewhere) calls the card transitions.
//!
//! Invariants (ADR 0014):
//! - money is `i64` minor units of the clinic's ISO 4217 currency, never a
//!   float; tax and percentage discounts round half-even per line (`money`,
//!   `compute`);
//! - every money change is validated first (a field error and nothing
//!   written), then written in ONE transaction with its outbox op, the
//!   invoice's recomputed totals (`rows::recompute`) and an audit entry (ids
//!   and amounts, never names);
//! - payments, refunds, credit notes and day closes are immutable facts keyed
//!   by id (store triggers refuse changes); an issued invoice's lines never
//!   change; totals are derived from lines and facts on every device, so they
//!   converge whatever the order the facts arrive in;
//! - a card payment is started once per invoice at a time (a second start
//!   returns the pending one) with a fixed idempotency key, and its
//!   confirmation or failure is idempotent;
//! - authorization is the session gate's (`authz::Command`); where a command
//!   is narrower for some roles (prices and taxes for administrators, the front
//!   desk's payment methods) the core checks the caller's role here.
//!
//! Modules: `money`, `compute` (pure arithmetic), `catalogue` (settings and
//! services), `rows` (invoice persistence and recompute), `invoices`,
//! `payments`, `adjustments` (refunds and credit notes), `balances`
//! (balances and statements), `day_close`, `kiosk`, `printing` (a document with
//! its letterhead and addressee, the export audited).
mod adjustments;
mod balances;
pub mod catalogue;
pub mod compute;
mod day_close;
mod gateway;
mod gateway_events;
mod gateway_refunds;
mod invoices;
mod kiosk;
pub mod money;
mod payments;
pub mod printing;
pub(crate) mod rows;

pub use adjustments::{get_credit_note, record_credit_note, record_refund};
pub use balances::{patient_balance, statement};
pub use catalogue::{get_service, list_services, save_service, save_settings, settings};
pub use day_close::{close_day, day_summary, list_day_closes};
pub use gateway::{
    config as gateway_config, gateway_settings, record_contact as record_gateway_contact,
    save_gateway, GatewayConfig, FLUTTERWAVE_API, PAYSTACK_API, STRIPE_API,
};
pub use gateway_events::number_card_receipts;
pub use gateway_refunds::{pending_gateway_refunds, settle_gateway_refund};
pub use invoices::{
    invoice_detail, invoice_for_appointment, issue_invoice, list_invoices, save_draft, void_invoice,
};
pub use kiosk::{kiosk_balance, kiosk_card_payment, kiosk_start_card_payment};
pub use payments::{
    card_checkout_created, card_payment_confirmed, card_payment_failed, get_payment,
    pending_card_payments, receipt, record_payment, start_card_payment,
};
pub use rows::get as get_invoice;

pub(crate) use adjustments::{insert_credit_note, insert_refund, StoredCreditNote};
pub(crate) use day_close::insert as insert_day_close;
pub(crate) use gateway_events::apply_gateway_event;
pub(crate) use invoices::set_void;
pub(crate) use payments::{insert_payment, merge_status, StatusChange, StoredPayment};

use crate::authz::{Command, Refusal, RefusalReason};
use crate::{Caller, CoreError};
use clinic_protocol::Role;
use clinic_store::WriteTx;

/// Most lines on one invoice.
pub const MAX_LINES: usize = 200;
/// Longest reason (void, refund, credit note) and note.
pub const MAX_REASON: usize = 500;

/// The caller's role when it is a signed-in staff member.
pub(crate) fn caller_role(caller: &Caller<'_>) -> Option<Role> {
    caller.actor.as_ref().and_then(|a| Role::parse(&a.role))
}

/// Refuses a staff member whose role is not in `allowed` (the kiosk too).
/// The device itself (no actor: the gateway runner, start-up) may.
pub(crate) fn require_role(
    caller: &Caller<'_>,
    command: Command,
    allowed: &[Role],
) -> Result<(), CoreError> {
    if caller.actor.is_none() {
        return Ok(());
    }
    let role = caller_role(caller);
    if role.is_some_and(|r| allowed.contains(&r)) {
        return Ok(());
    }
    Err(CoreError::Forbidden(Box::new(Refusal {
        command,
        staff_id: caller.staff_id,
        role,
        reason: RefusalReason::RoleNotPermitted,
    })))
}

/// The next number of `kind` on this device: `<prefix>-<device code>-<n>`,
/// unique across offline devices (as MRNs are).
pub(crate) fn allocate_number(
    tx: &WriteTx<'_>,
    kind: &str,
    device_code: &str,
) -> Result<String, CoreError> {
    let prefix = match kind {
        "invoice" => "INV",
        "receipt" => "RCP",
        _ => "CN",
    };
    let conn = tx.conn();
    conn.prepare_cached("INSERT OR IGNORE INTO billing_counter (kind, next) VALUES (?1, 1)")?
        .execute([kind])?;
    let next: i64 = conn
        .prepare_cached("SELECT next FROM billing_counter WHERE kind = ?1")?
        .query_row([kind], |r| r.get(0))?;
    conn.prepare_cached("UPDATE billing_counter SET next = next + 1 WHERE kind = ?1")?
        .execute([kind])?;
    Ok(format!("{prefix}-{device_code}-{next:06}"))
}

/// A submitted currency must be the invoice's (or payment's).
pub(crate) fn check_currency(
    field: &str,
    submitted: &str,
    expected: &str,
) -> Result<(), CoreError> {
    if submitted.trim().eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(CoreError::field(
            field,
            format!(
                "This is in {expected}; the amount was given in {}. Enter it in {expected}.",
                submitted.trim().to_ascii_uppercase()
            ),
        ))
    }
}

/// A positive amount within the limit, or a field error.
pub(crate) fn check_amount(field: &str, amount: i64) -> Result<(), CoreError> {
    if amount <= 0 {
        return Err(CoreError::field(
            field,
            "Enter an amount greater than zero (in the currency's smallest unit).",
        ));
    }
    if amount > money::MAX_AMOUNT_MINOR {
        return Err(CoreError::field(field, "This amount is too large."));
    }
    Ok(())
}

/// A required reason (void, refund, credit note), trimmed.
pub(crate) fn check_reason(field: &str, reason: &str) -> Result<String, CoreError> {
    let mut c = crate::validation::Check::new();
    let mut r = reason.to_string();
    c.multiline(field, &mut r, true, MAX_REASON);
    c.finish().map_err(CoreError::Validation)?;
    Ok(r)
}

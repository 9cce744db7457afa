//! What the check-in kiosk may do with money: show its identified patient's
//! outstanding balance (invoice numbers, dates and amounts — nothing about
//! the care) and start a card payment of one invoice's balance through the
//! gateway, then follow it. `crate::kiosk` resolves the visit token to the
//! patient; nothing here takes a patient the kiosk did not identify.
//!
//! Invariants: an invoice or payment of anyone else answers `NotFound`, the
//! same as one that does not exist; the amount is always the invoice's whole
//! patient balance (the patient cannot type one); a second start returns the
//! pending payment; every read and start is audited as the kiosk.
use super::balances::compute_balance;
use super::{catalogue, payments, rows};
use crate::schedule::time;
use crate::{audit, Caller, CoreError};
use clinic_protocol::{
    AuditAction, AuditCategory, InvoiceId, InvoiceStatus, KioskBalance, KioskCardPayment,
    KioskInvoice, PatientId, Payment, PaymentId, PaymentMethod, StartCardPayment,
};
use clinic_store::Store;
use rusqlite::Connection;
use serde_json::json;

fn view(p: &Payment) -> KioskCardPayment {
    KioskCardPayment {
        payment_id: p.id,
        amount_minor: p.amount_minor,
        currency: p.currency.clone(),
        status: p.status,
        checkout_url: p.checkout_url.clone(),
    }
}

/// The kiosk patient's outstanding balance and open invoices (audited).
pub fn kiosk_balance(
    store: &mut Store,
    caller: &Caller<'_>,
    patient: PatientId,
) -> Result<KioskBalance, CoreError> {
    let conn = store.conn();
    let balance = compute_balance(conn, patient)?;
    let settings = catalogue::settings(conn)?;
    let zone = time::clinic_zone(conn)?;
    let mut invoices = Vec::new();
    for s in &balance.open_invoices {
        let pending = payments::for_invoice(conn, s.id)?
            .iter()
            .any(|p| p.status == clinic_protocol::PaymentStatus::Pending);
        invoices.push(KioskInvoice {
            invoice_id: s.id,
            number: s.number.clone().unwrap_or_default(),
            issued_on: s
                .issued_at
                .as_deref()
                .and_then(time::parse_instant)
                .map(|t| time::local_date(zone, t).to_string())
                .unwrap_or_default(),
            patient_balance_minor: s.patient_balance_minor,
            payment_pending: pending,
        });
    }
    let out = KioskBalance {
        currency: settings.currency,
        minor_digits: settings.minor_digits,
        balance_minor: balance.balance_minor.max(0),
        invoices,
    };
    let event = caller
        .event(AuditAction::View, AuditCategory::Billing)
        .patient(patient)
        .detail(json!({ "kiosk_balance": out.balance_minor, "open_invoices": out.invoices.len() }));
    audit::append_standalone(store, caller.audit_key, &event)?;
    Ok(out)
}

/// The invoice, if it is the patient's (else `NotFound`, as for no invoice).
fn own_invoice(
    conn: &Connection,
    patient: PatientId,
    invoice: InvoiceId,
) -> Result<clinic_protocol::Invoice, CoreError> {
    let found = rows::find(conn, invoice)?.filter(|i| {
        i.patient_id == patient
            || conn
                .query_row(
                    "SELECT 1 FROM patient WHERE id = ?1 AND merged_into = ?2",
                    [i.patient_id.to_string(), patient.to_string()],
                    |_| Ok(()),
                )
                .is_ok()
    });
    found.ok_or(CoreError::NotFound("invoice"))
}

/// Starts (or returns the pending) card payment of the invoice's whole
/// patient balance, for the kiosk patient.
pub fn kiosk_start_card_payment(
    store: &mut Store,
    caller: &Caller<'_>,
    patient: PatientId,
    invoice: InvoiceId,
) -> Result<KioskCardPayment, CoreError> {
    let found = own_invoice(store.conn(), patient, invoice)?;
    if let Some(p) = payments::for_invoice(store.conn(), invoice)?
        .into_iter()
        .find(|p| {
            p.status == clinic_protocol::PaymentStatus::Pending && p.method == PaymentMethod::Card
        })
    {
        return Ok(view(&p));
    }
    let owed = found.totals.patient_balance_minor - found.totals.pending_minor;
    if !matches!(
        found.status,
        InvoiceStatus::Issued | InvoiceStatus::PartiallyPaid
    ) || owed <= 0
    {
        return Err(CoreError::field(
            "invoice_id",
            "Nothing is left to pay on this invoice.",
        ));
    }
    tracing::info!(invoice = %invoice, "kiosk card payment started");
    let p = payments::start_card_payment(
        store,
        caller,
        StartCardPayment {
            invoice_id: invoice,
            amount_minor: owed,
            currency: found.currency,
        },
    )?;
    Ok(view(&p))
}

/// How the kiosk patient's card payment is going (`NotFound` for anyone else's).
pub fn kiosk_card_payment(
    conn: &Connection,
    patient: PatientId,
    payment: PaymentId,
) -> Result<KioskCardPayment, CoreError> {
    let p = payments::get_payment(conn, payment)?;
    own_invoice(conn, patient, p.invoice_id)?;
    Ok(view(&p))
}

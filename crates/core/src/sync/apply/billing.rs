//! Billing's ops from other devices, each with its policy (ADR 0014):
//! - settings and services (`save_billing_settings`, `save_service`): the
//!   whole row, last writer by HLC wins;
//! - draft invoices (`save_invoice`): the whole draft, last writer by HLC wins
//!   while the invoice is not issued; ignored once it is (an issued invoice's
//!   lines never change);
//! - `issue_invoice` carries the frozen lines and the number: the earliest
//!   issue (by HLC) wins everywhere — a later one arriving first is replaced;
//! - `void_invoice`: final; the earliest void's reason is kept. A payment
//!   racing a void is kept too: the invoice shows void with the money paid on
//!   it, flagged `needs_review`;
//! - payments, refunds, credit notes and day closes: immutable facts,
//!   inserted once by id; payment statuses only move forward
//!   (`billing::merge_status`);
//! - every applier recomputes the invoice's totals from its lines and facts,
//!   so devices converge whatever the arrival order.
//!
//! An op whose invoice, payment or patient is not here yet fails and is held
//! until it arrives (never dropped).
use super::{is_newest, malformed, Incoming};
use crate::billing::catalogue::{self, SETTINGS_ENTITY_ID};
use crate::billing::compute::{self, LineSpec};
use crate::billing::rows::{self, Header};
use crate::billing::{self, StatusChange, StoredCreditNote};
use crate::CoreError;
use clinic_protocol::{
    CreditNote, CreditNoteId, DayClose, Hlc, InvoiceId, OpKind, Payment, PaymentId, PaymentMethod,
    PaymentStatus, Portion, Refund, Service, ServiceId, TaxRule,
};
use rusqlite::{params, Connection, OptionalExtension};

/// True when no other op of `kinds` on the same entity known here has an
/// earlier clock: the first-writer-wins test (issue, void).
fn is_earliest(conn: &Connection, inc: &Incoming<'_>, kinds: &[OpKind]) -> Result<bool, CoreError> {
    let op = inc.op();
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let kinds = serde_json::to_string(&kinds).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn.prepare_cached(
        "SELECT hlc FROM outbox WHERE entity = ?1 AND entity_id = ?2
             AND kind IN (SELECT value FROM json_each(?3))
         UNION ALL
         SELECT hlc FROM applied_op WHERE entity = ?1 AND entity_id = ?2
             AND kind IN (SELECT value FROM json_each(?3)) AND op_id <> ?4",
    )?;
    let rows = stmt.query_map(
        params![
            op.entity.as_str(),
            op.entity_id,
            kinds,
            op.op_id.to_string()
        ],
        |r| r.get::<_, String>(0),
    )?;
    for row in rows {
        let stored: Hlc = row?
            .parse()
            .map_err(|_| CoreError::Corrupt("stored op clock".into()))?;
        if stored < op.hlc {
            return Ok(false);
        }
    }
    Ok(true)
}

pub fn settings(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    if inc.entity_id() != SETTINGS_ENTITY_ID {
        return Err(malformed(inc, "entity id"));
    }
    let currency = inc.text("currency")?;
    if billing::money::minor_digits(currency).is_none() {
        return Err(malformed(inc, "currency"));
    }
    let footer = inc.text("invoice_footer")?;
    if !is_newest(conn, inc, &[OpKind::SaveBillingSettings])? {
        return Ok(());
    }
    catalogue::write_settings_row(conn, currency, footer, &inc.at)
}

pub fn service(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let service = Service {
        id: inc.entity::<ServiceId>()?,
        code: inc.text("code")?.to_string(),
        name: inc.text("name")?.to_string(),
        price_minor: inc.int("price_minor")?,
        currency: inc.text("currency")?.to_string(),
        tax: inc.parse::<TaxRule>("tax")?,
        appointment_type_id: inc.opt_id("appointment_type_id")?,
        active: inc.flag("active")?,
        version: 0,
    };
    if !is_newest(conn, inc, &[OpKind::SaveService])? {
        return Ok(());
    }
    catalogue::write_service_row(conn, &service, &inc.at)
}

/// The header and computed lines an invoice op carries.
fn draft(inc: &Incoming<'_>) -> Result<(Header, Vec<clinic_protocol::InvoiceLine>), CoreError> {
    let header = Header {
        id: inc.entity::<InvoiceId>()?,
        patient_id: inc.id("patient_id")?,
        appointment_id: inc.opt_id("appointment_id")?,
        encounter_id: inc.opt_id("encounter_id")?,
        currency: inc.text("currency")?.to_string(),
        discount: inc.parse::<Option<Portion>>("discount")?,
        note: inc.text("note")?.to_string(),
        created_at: inc.text("created_at")?.to_string(),
        created_by: inc.opt_text("created_by")?.map(str::to_string),
    };
    let specs: Vec<LineSpec> = inc.parse("lines")?;
    let lines = compute::compute_lines(&specs, header.discount.as_ref())
        .map_err(|_| malformed(inc, "lines"))?;
    Ok((header, lines))
}

fn issued(conn: &Connection, id: InvoiceId) -> Result<bool, CoreError> {
    Ok(conn
        .prepare_cached("SELECT issued_at IS NOT NULL FROM invoice WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

pub fn save_invoice(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let (header, lines) = draft(inc)?;
    if issued(conn, header.id)? || !is_newest(conn, inc, &[OpKind::SaveInvoice])? {
        return Ok(());
    }
    rows::write_header(conn, &header, &inc.at)?;
    rows::write_lines(conn, header.id, &lines)?;
    rows::recompute(conn, header.id, &inc.at)
}

pub fn issue_invoice(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let (header, lines) = draft(inc)?;
    let number = inc.text("number")?;
    let issued_at = inc.text("issued_at")?;
    if !is_earliest(conn, inc, &[OpKind::IssueInvoice])? {
        return Ok(());
    }
    rows::write_header(conn, &header, &inc.at)?;
    // A later issue arrived first: undo it (its number and lines) for this one.
    conn.prepare_cached("UPDATE invoice SET issued_at = NULL, number = NULL WHERE id = ?1")?
        .execute([header.id.to_string()])?;
    rows::write_lines(conn, header.id, &lines)?;
    conn.prepare_cached("UPDATE invoice SET number = ?2, issued_at = ?3 WHERE id = ?1")?
        .execute(params![header.id.to_string(), number, issued_at])?;
    rows::recompute(conn, header.id, &inc.at)
}

pub fn void_invoice(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id = inc.entity::<InvoiceId>()?;
    let reason = inc.text("reason")?;
    let voided_at = inc.text("voided_at")?;
    if !super::exists(conn, "invoice", &id.to_string())? {
        return Err(CoreError::NotFound("invoice"));
    }
    if !is_earliest(conn, inc, &[OpKind::VoidInvoice])? {
        return Ok(());
    }
    billing::set_void(conn, id, voided_at, reason)?;
    rows::recompute(conn, id, &inc.at)
}

fn method(inc: &Incoming<'_>) -> Result<PaymentMethod, CoreError> {
    PaymentMethod::parse(inc.text("method")?).ok_or_else(|| malformed(inc, "method"))
}

pub fn record_payment(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let status = PaymentStatus::parse(inc.text("status")?)
        .filter(|s| *s != PaymentStatus::Refunded)
        .ok_or_else(|| malformed(inc, "status"))?;
    let amount = inc.int("amount_minor")?;
    if amount <= 0 {
        return Err(malformed(inc, "amount_minor"));
    }
    let stored = billing::StoredPayment {
        payment: Payment {
            id: inc.entity::<PaymentId>()?,
            invoice_id: inc.id("invoice_id")?,
            patient_id: inc.id("patient_id")?,
            method: method(inc)?,
            status,
            amount_minor: amount,
            currency: inc.text("currency")?.to_string(),
            refunded_minor: 0,
            reference: inc.text("reference")?.to_string(),
            idempotency_key: inc.opt_text("idempotency_key")?.map(str::to_string),
            gateway_ref: inc.opt_text("gateway_ref")?.map(str::to_string),
            checkout_url: inc.opt_text("checkout_url")?.map(str::to_string),
            failure_reason: inc.opt_text("failure_reason")?.map(str::to_string),
            received_at: inc.text("received_at")?.to_string(),
            device_id: inc.id("device_id")?,
            recorded_by: inc.text("recorded_by")?.to_string(),
            receipt_number: inc.opt_text("receipt_number")?.map(str::to_string),
        },
        started_at: inc.text("started_at")?.to_string(),
        recorded_by_id: inc.opt_text("recorded_by_id")?.map(str::to_string),
    };
    billing::insert_payment(conn, &stored, inc.hlc())?;
    rows::recompute(conn, stored.payment.invoice_id, &inc.at)
}

pub fn update_payment_status(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let change = StatusChange {
        status: PaymentStatus::parse(inc.text("status")?)
            .filter(|s| *s != PaymentStatus::Refunded)
            .ok_or_else(|| malformed(inc, "status"))?,
        gateway_ref: inc.opt_text("gateway_ref")?.map(str::to_string),
        checkout_url: inc.opt_text("checkout_url")?.map(str::to_string),
        failure_reason: inc.opt_text("failure_reason")?.map(str::to_string),
        receipt_number: inc.opt_text("receipt_number")?.map(str::to_string),
        at: inc.text("at")?.to_string(),
    };
    billing::merge_status(
        conn,
        inc.entity::<PaymentId>()?,
        &change,
        inc.hlc(),
        &inc.at,
    )?;
    Ok(())
}

/// What a gateway's verified webhook said, written by the central server.
pub fn gateway_payment_event(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let event: clinic_protocol::GatewayPaymentEvent =
        serde_json::from_value(inc.op().payload.clone()).map_err(|_| malformed(inc, "payload"))?;
    billing::apply_gateway_event(conn, inc.entity::<PaymentId>()?, &event, inc.hlc(), &inc.at)?;
    Ok(())
}

pub fn record_refund(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let refund = Refund {
        id: inc.entity()?,
        payment_id: inc.id("payment_id")?,
        invoice_id: inc.id("invoice_id")?,
        patient_id: inc.id("patient_id")?,
        method: method(inc)?,
        amount_minor: inc.int("amount_minor")?,
        currency: inc.text("currency")?.to_string(),
        reason: inc.text("reason")?.to_string(),
        refunded_at: inc.text("refunded_at")?.to_string(),
        device_id: inc.id("device_id")?,
        recorded_by: inc.text("recorded_by")?.to_string(),
        gateway_status: None,
        gateway_failure: None,
    };
    if refund.amount_minor <= 0 {
        return Err(malformed(inc, "amount_minor"));
    }
    billing::insert_refund(conn, &refund, inc.opt_text("recorded_by_id")?)?;
    rows::recompute(conn, refund.invoice_id, &inc.at)
}

pub fn record_credit_note(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let lines: Vec<clinic_protocol::CreditLine> = inc.parse("lines")?;
    if lines.is_empty()
        || lines.iter().any(|l| {
            l.amount_minor <= 0
                || l.insurance_minor < 0
                || l.patient_minor != l.amount_minor - l.insurance_minor
        })
    {
        return Err(malformed(inc, "lines"));
    }
    let stored = StoredCreditNote {
        note: CreditNote {
            id: inc.entity::<CreditNoteId>()?,
            number: inc.text("number")?.to_string(),
            invoice_id: inc.id("invoice_id")?,
            patient_id: inc.id("patient_id")?,
            currency: inc.text("currency")?.to_string(),
            total_minor: lines.iter().map(|l| l.amount_minor).sum(),
            lines,
            reason: inc.text("reason")?.to_string(),
            created_at: inc.text("created_at")?.to_string(),
            recorded_by: inc.text("recorded_by")?.to_string(),
        },
        device_id: inc.id("device_id")?,
        recorded_by_id: inc.opt_text("recorded_by_id")?.map(str::to_string),
    };
    billing::insert_credit_note(conn, &stored)?;
    rows::recompute(conn, stored.note.invoice_id, &inc.at)
}

pub fn record_day_close(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let close: DayClose = inc.parse("close")?;
    if close.id.to_string() != inc.entity_id()
        || close.difference_minor != close.counted_cash_minor - close.summary.expected_cash_minor
    {
        return Err(malformed(inc, "close"));
    }
    billing::insert_day_close(conn, &close, inc.opt_text("closed_by_id")?)?;
    Ok(())
}

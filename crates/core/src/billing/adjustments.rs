//! Refunds (money given back against a payment) and credit notes (a negative
//! document against an issued invoice's lines).
//!
//! Invariants:
//! - a refund is of a received payment, in its currency, and never more than
//!   the payment less its earlier refunds; it takes the payment's method (cash
//!   back comes out of the drawer at the day's close);
//! - a credit note credits lines of an issued, not void invoice, each at most
//!   what is left of the line after earlier credit notes, split between the
//!   insurer and the patient in the line's proportion (`compute::split_credit`);
//! - both are immutable facts, recorded once by id on every device; the
//!   invoice's totals are recomputed in the same transaction.
use super::compute::{self, Credit};
use super::{allocate_number, check_amount, check_currency, check_reason, rows, MAX_LINES};
use crate::{audit, registry, Caller, CoreError};
use clinic_protocol::{
    AuditAction, AuditCategory, CreditLine, CreditNote, CreditNoteId, DeviceId, EntityKind,
    FieldError, GatewayRefundStatus, InvoiceId, InvoiceStatus, OpKind, PaymentMethod,
    PaymentStatus, RecordCreditNote, RecordRefund, Refund,
};
use clinic_store::Store;
use rusqlite::{params, Connection, Row};
use serde_json::{json, Value};
use std::collections::HashSet;

/// The `record_refund` payload. Shared with sync's applier.
pub(crate) fn refund_payload(r: &Refund, recorded_by_id: Option<&str>) -> Value {
    json!({
        "payment_id": r.payment_id, "invoice_id": r.invoice_id, "patient_id": r.patient_id,
        "method": r.method.as_str(), "amount_minor": r.amount_minor, "currency": r.currency,
        "reason": r.reason, "refunded_at": r.refunded_at, "device_id": r.device_id,
        "recorded_by": r.recorded_by, "recorded_by_id": recorded_by_id,
    })
}

/// Inserts a refund once (by id). Shared with sync's applier.
pub(crate) fn insert_refund(
    conn: &Connection,
    r: &Refund,
    recorded_by_id: Option<&str>,
) -> Result<bool, CoreError> {
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO refund (id, payment_id, invoice_id, patient_id, method,
                amount_minor, currency, reason, refunded_at, device_id, recorded_by, recorded_by_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            r.id.to_string(),
            r.payment_id.to_string(),
            r.invoice_id.to_string(),
            r.patient_id.to_string(),
            r.method.as_str(),
            r.amount_minor,
            r.currency,
            r.reason,
            r.refunded_at,
            r.device_id.to_string(),
            r.recorded_by,
            recorded_by_id,
        ])?;
    Ok(n == 1)
}

/// Gives money back against a received payment (billing staff, administrators).
pub fn record_refund(
    store: &mut Store,
    caller: &Caller<'_>,
    request: RecordRefund,
) -> Result<Refund, CoreError> {
    check_amount("amount_minor", request.amount_minor)?;
    let reason = check_reason("reason", &request.reason)?;
    let device = store.device_id();
    let refund = store.write(|tx| {
        let payment = super::get_payment(tx.conn(), request.payment_id)?;
        match payment.status {
            PaymentStatus::Succeeded => {}
            PaymentStatus::Refunded => {
                return Err(CoreError::field(
                    "payment_id",
                    "This payment is already refunded in full.",
                ))
            }
            _ => {
                return Err(CoreError::field(
                    "payment_id",
                    "Only a received payment can be refunded.",
                ))
            }
        }
        check_currency("currency", &request.currency, &payment.currency)?;
        let through_gateway =
            payment.method == PaymentMethod::Card && payment.idempotency_key.is_some();
        if through_gateway && !super::gateway::is_configured(tx.conn())? {
            return Err(CoreError::field(
                "payment_id",
                "This card payment was taken through the card gateway, so it is refunded through it: record the refund on a device with the gateway set up (Settings → Billing → Card payments).",
            ));
        }
        let left = payment.amount_minor - payment.refunded_minor;
        if request.amount_minor > left {
            let digits = super::money::minor_digits(&payment.currency).unwrap_or(2);
            return Err(CoreError::field(
                "amount_minor",
                format!(
                    "This is more than is left to refund on this payment: {} {}.",
                    super::money::format_minor(left, digits),
                    payment.currency
                ),
            ));
        }
        let refund = Refund {
            id: clinic_protocol::RefundId::new(),
            payment_id: payment.id,
            invoice_id: payment.invoice_id,
            patient_id: payment.patient_id,
            method: payment.method,
            amount_minor: request.amount_minor,
            currency: payment.currency.clone(),
            reason: reason.clone(),
            refunded_at: tx.now_rfc3339(),
            device_id: device,
            recorded_by: caller.actor_name(),
            gateway_status: through_gateway.then_some(GatewayRefundStatus::Pending),
            gateway_failure: None,
        };
        let by = caller.actor_id();
        tx.record(
            OpKind::RecordRefund,
            EntityKind::Refund,
            &refund.id.to_string(),
            refund_payload(&refund, by.as_deref()),
        )?;
        insert_refund(tx.conn(), &refund, by.as_deref())?;
        if through_gateway {
            super::gateway_refunds::queue(tx, refund.id, payment.id, &refund.refunded_at)?;
        }
        rows::recompute(tx.conn(), refund.invoice_id, &refund.refunded_at)?;
        let event = caller
            .event(AuditAction::Create, AuditCategory::Billing)
            .patient(refund.patient_id)
            .detail(json!({
                "refund_id": refund.id.to_string(), "payment_id": payment.id.to_string(),
                "invoice_id": refund.invoice_id.to_string(), "method": refund.method.as_str(),
                "amount_minor": refund.amount_minor, "currency": refund.currency,
            }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok(refund)
    })?;
    tracing::info!(refund = %refund.id, "recorded a refund");
    Ok(refund)
}

/// A credit note as stored and as its `record_credit_note` op carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredCreditNote {
    pub note: CreditNote,
    pub device_id: DeviceId,
    pub recorded_by_id: Option<String>,
}

impl StoredCreditNote {
    pub fn payload(&self) -> Value {
        let n = &self.note;
        json!({
            "number": n.number, "invoice_id": n.invoice_id, "patient_id": n.patient_id,
            "currency": n.currency, "lines": n.lines, "reason": n.reason,
            "created_at": n.created_at, "recorded_by": n.recorded_by,
            "recorded_by_id": self.recorded_by_id, "device_id": self.device_id,
        })
    }
}

/// Inserts a credit note with its lines once (by id). Shared with sync's applier.
pub(crate) fn insert_credit_note(
    conn: &Connection,
    s: &StoredCreditNote,
) -> Result<bool, CoreError> {
    let n = &s.note;
    let insurance: i64 = n.lines.iter().map(|l| l.insurance_minor).sum();
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO credit_note (id, number, invoice_id, patient_id, currency,
                total_minor, insurance_minor, patient_minor, reason, created_at, device_id,
                recorded_by, recorded_by_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?
        .execute(params![
            n.id.to_string(),
            n.number,
            n.invoice_id.to_string(),
            n.patient_id.to_string(),
            n.currency,
            n.total_minor,
            insurance,
            n.total_minor - insurance,
            n.reason,
            n.created_at,
            s.device_id.to_string(),
            n.recorded_by,
            s.recorded_by_id,
        ])?;
    if inserted == 0 {
        return Ok(false);
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO credit_note_line (credit_note_id, invoice_line_id, amount_minor, insurance_minor, patient_minor)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for l in &n.lines {
        stmt.execute(params![
            n.id.to_string(),
            l.invoice_line_id.to_string(),
            l.amount_minor,
            l.insurance_minor,
            l.patient_minor
        ])?;
    }
    Ok(true)
}

/// Credits lines of an issued invoice (billing staff, administrators).
pub fn record_credit_note(
    store: &mut Store,
    caller: &Caller<'_>,
    request: RecordCreditNote,
) -> Result<CreditNote, CoreError> {
    let reason = check_reason("reason", &request.reason)?;
    if request.lines.is_empty() || request.lines.len() > MAX_LINES {
        return Err(CoreError::field(
            "lines",
            "Credit at least one line of the invoice.",
        ));
    }
    let device = store.device_id();
    let device_code = registry::device_code(&device);
    let note = store.write(|tx| {
        let invoice = rows::get(tx.conn(), request.invoice_id)?;
        match invoice.status {
            InvoiceStatus::Draft => {
                return Err(CoreError::field(
                    "invoice_id",
                    "This invoice is a draft: edit its lines instead.",
                ))
            }
            InvoiceStatus::Void => {
                return Err(CoreError::field("invoice_id", "This invoice is void."))
            }
            _ => {}
        }
        let credited = rows::credits(tx.conn(), invoice.id)?;
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        let mut lines = Vec::new();
        for (i, input) in request.lines.iter().enumerate() {
            let Some(line) = invoice.lines.iter().find(|l| l.id == input.invoice_line_id) else {
                errors.push(FieldError {
                    field: format!("lines.{i}.invoice_line_id"),
                    message: "This is not a line of this invoice.".into(),
                });
                continue;
            };
            if !seen.insert(line.id) {
                errors.push(FieldError {
                    field: format!("lines.{i}.invoice_line_id"),
                    message: "Credit each line once per credit note.".into(),
                });
                continue;
            }
            if let Err(CoreError::Validation(mut e)) =
                check_amount(&format!("lines.{i}.amount_minor"), input.amount_minor)
            {
                errors.append(&mut e);
                continue;
            }
            let before = credited.iter().filter(|(id, _)| *id == line.id).fold(
                Credit::default(),
                |a, (_, c)| Credit {
                    amount: a.amount + c.amount,
                    insurance: a.insurance + c.insurance,
                    patient: a.patient + c.patient,
                },
            );
            match compute::split_credit(line, before, input.amount_minor) {
                Some(c) => lines.push(CreditLine {
                    invoice_line_id: line.id,
                    amount_minor: c.amount,
                    insurance_minor: c.insurance,
                    patient_minor: c.patient,
                }),
                None => errors.push(FieldError {
                    field: format!("lines.{i}.amount_minor"),
                    message: format!(
                        "This is more than is left to credit on this line: {} minor units.",
                        (line.total_minor - before.amount).max(0)
                    ),
                }),
            }
        }
        if !errors.is_empty() {
            return Err(CoreError::Validation(errors));
        }
        let stored = StoredCreditNote {
            note: CreditNote {
                id: CreditNoteId::new(),
                number: allocate_number(tx, "credit_note", &device_code)?,
                invoice_id: invoice.id,
                patient_id: invoice.patient_id,
                currency: invoice.currency.clone(),
                total_minor: lines.iter().map(|l| l.amount_minor).sum(),
                lines,
                reason: reason.clone(),
                created_at: tx.now_rfc3339(),
                recorded_by: caller.actor_name(),
            },
            device_id: device,
            recorded_by_id: caller.actor_id(),
        };
        let n = &stored.note;
        tx.record(
            OpKind::RecordCreditNote,
            EntityKind::CreditNote,
            &n.id.to_string(),
            stored.payload(),
        )?;
        insert_credit_note(tx.conn(), &stored)?;
        rows::recompute(tx.conn(), invoice.id, &n.created_at)?;
        let event = caller
            .event(AuditAction::Create, AuditCategory::Billing)
            .patient(n.patient_id)
            .detail(json!({
                "credit_note_id": n.id.to_string(), "invoice_id": n.invoice_id.to_string(),
                "lines": n.lines.len(), "amount_minor": n.total_minor, "currency": n.currency,
            }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok(stored.note)
    })?;
    Ok(note)
}

fn refund_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Refund, CoreError>> {
    let build = || -> Result<Refund, CoreError> {
        let corrupt = || CoreError::Corrupt("refund row".into());
        let text = |i: usize| -> Result<String, CoreError> { Ok(r.get::<_, String>(i)?) };
        Ok(Refund {
            id: text(0)?.parse().map_err(|_| corrupt())?,
            payment_id: text(1)?.parse().map_err(|_| corrupt())?,
            invoice_id: text(2)?.parse().map_err(|_| corrupt())?,
            patient_id: text(3)?.parse().map_err(|_| corrupt())?,
            method: PaymentMethod::parse(&text(4)?).ok_or_else(corrupt)?,
            amount_minor: r.get(5)?,
            currency: text(6)?,
            reason: text(7)?,
            refunded_at: text(8)?,
            device_id: text(9)?.parse().map_err(|_| corrupt())?,
            recorded_by: text(10)?,
            gateway_status: r
                .get::<_, Option<String>>(11)?
                .map(|s| GatewayRefundStatus::parse(&s).ok_or_else(corrupt))
                .transpose()?,
            gateway_failure: r.get(12)?,
        })
    };
    Ok(build())
}

/// Refunds matching a fixed SQL condition (never input).
pub(crate) fn refunds(
    conn: &Connection,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Refund>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, payment_id, invoice_id, patient_id, method, amount_minor, currency, reason,
            refunded_at, device_id, recorded_by,
            (SELECT g.status FROM gateway_refund g WHERE g.refund_id = refund.id),
            (SELECT g.failure FROM gateway_refund g WHERE g.refund_id = refund.id)
         FROM refund {filter}"
    ))?;
    let rows = stmt.query_map(args, refund_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

pub(crate) fn refunds_for_invoice(
    conn: &Connection,
    invoice: InvoiceId,
) -> Result<Vec<Refund>, CoreError> {
    refunds(
        conn,
        "WHERE invoice_id = ?1 ORDER BY refunded_at, id",
        &[&invoice.to_string()],
    )
}

/// Credit notes matching a fixed SQL condition (never input), with their lines.
pub(crate) fn credit_notes(
    conn: &Connection,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<CreditNote>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, number, invoice_id, patient_id, currency, total_minor, reason, created_at,
            recorded_by FROM credit_note {filter}"
    ))?;
    let rows = stmt.query_map(args, |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, String>(8)?,
        ))
    })?;
    let corrupt = || CoreError::Corrupt("credit note row".into());
    let mut out = Vec::new();
    for row in rows {
        let (id, number, invoice, patient, currency, total, reason, created_at, by) = row?;
        out.push(CreditNote {
            id: id.parse().map_err(|_| corrupt())?,
            number,
            invoice_id: invoice.parse().map_err(|_| corrupt())?,
            patient_id: patient.parse().map_err(|_| corrupt())?,
            currency,
            lines: Vec::new(),
            total_minor: total,
            reason,
            created_at,
            recorded_by: by,
        });
    }
    let mut lines = conn.prepare_cached(
        "SELECT invoice_line_id, amount_minor, insurance_minor, patient_minor FROM credit_note_line
         WHERE credit_note_id = ?1 ORDER BY invoice_line_id",
    )?;
    for note in &mut out {
        let rows = lines.query_map([note.id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        for row in rows {
            let (line, amount_minor, insurance_minor, patient_minor) = row?;
            note.lines.push(CreditLine {
                invoice_line_id: line.parse().map_err(|_| corrupt())?,
                amount_minor,
                insurance_minor,
                patient_minor,
            });
        }
    }
    Ok(out)
}

pub(crate) fn credit_notes_for_invoice(
    conn: &Connection,
    invoice: InvoiceId,
) -> Result<Vec<CreditNote>, CoreError> {
    credit_notes(
        conn,
        "WHERE invoice_id = ?1 ORDER BY created_at, id",
        &[&invoice.to_string()],
    )
}

/// One credit note (`NotFound` when unknown here).
pub fn get_credit_note(conn: &Connection, id: CreditNoteId) -> Result<CreditNote, CoreError> {
    credit_notes(conn, "WHERE id = ?1", &[&id.to_string()])?
        .pop()
        .ok_or(CoreError::NotFound("credit note"))
}

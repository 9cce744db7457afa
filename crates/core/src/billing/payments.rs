//! Payments against one invoice each: money received (cash, bank transfer,
//! insurance remittance, a card on a standalone terminal) and card payments
//! through the gateway — started as `pending` with a fixed idempotency key
//! (offline too), then given their checkout, confirmed or failed by the
//! gateway's runner — and receipts.
//!
//! Invariants:
//! - a payment is never more than what is left to pay on its side of the
//!   invoice (the patient's portion less card payments in progress, or the
//!   insurer's), in the invoice's currency, on an issued invoice that is not
//!   void: overpayment is refused with the amount owed;
//! - at most one card payment per invoice is pending here: starting another
//!   returns it, so the patient is never charged twice;
//! - a payment's amount, method and invoice never change (a store trigger);
//!   its status only moves forward — pending, pending with a checkout,
//!   failed, succeeded — so the confirm and fail transitions are idempotent
//!   and devices converge whatever order they hear them in (between two equal
//!   moves the earlier clock wins); a gateway that says "paid" after we
//!   marked a payment failed wins (the money was taken).
use super::rows;
use super::{allocate_number, check_amount, check_currency, require_role};
use crate::authz::Command;
use crate::validation::Check;
use crate::{audit, registry, Caller, CoreError};
use clinic_protocol::{
    AuditAction, AuditCategory, CardCheckoutCreated, CardPaymentConfirmed, CardPaymentFailed,
    DeviceId, EntityKind, Hlc, Invoice, InvoiceId, InvoiceStatus, OpKind, Payment, PaymentId,
    PaymentMethod, PaymentStatus, Receipt, RecordPayment, Role, StartCardPayment,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};

/// A payment row as stored and as its `record_payment` op carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredPayment {
    pub payment: Payment,
    pub started_at: String,
    pub recorded_by_id: Option<String>,
}

impl StoredPayment {
    /// The `record_payment` payload. Shared with sync's applier.
    pub fn payload(&self) -> Value {
        let p = &self.payment;
        json!({
            "invoice_id": p.invoice_id, "patient_id": p.patient_id, "method": p.method.as_str(),
            "status": p.status.as_str(), "amount_minor": p.amount_minor, "currency": p.currency,
            "reference": p.reference, "idempotency_key": p.idempotency_key,
            "gateway_ref": p.gateway_ref, "checkout_url": p.checkout_url,
            "failure_reason": p.failure_reason, "started_at": self.started_at,
            "received_at": p.received_at, "device_id": p.device_id,
            "recorded_by": p.recorded_by, "recorded_by_id": self.recorded_by_id,
            "receipt_number": p.receipt_number,
        })
    }
}

/// Inserts a payment once (by id; `false` when it was already here), with the
/// clock of the op that recorded it. Shared with sync's applier.
pub(crate) fn insert_payment(
    conn: &Connection,
    s: &StoredPayment,
    hlc: &Hlc,
) -> Result<bool, CoreError> {
    let p = &s.payment;
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO payment (id, invoice_id, patient_id, method, status, amount_minor,
                currency, reference, idempotency_key, gateway_ref, checkout_url, failure_reason,
                started_at, received_at, device_id, recorded_by, recorded_by_id, receipt_number,
                status_hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        )?
        .execute(params![
            p.id.to_string(),
            p.invoice_id.to_string(),
            p.patient_id.to_string(),
            p.method.as_str(),
            p.status.as_str(),
            p.amount_minor,
            p.currency,
            p.reference,
            p.idempotency_key,
            p.gateway_ref,
            p.checkout_url,
            p.failure_reason,
            s.started_at,
            p.received_at,
            p.device_id.to_string(),
            p.recorded_by,
            s.recorded_by_id,
            p.receipt_number,
            hlc.to_string(),
        ])?;
    Ok(n == 1)
}

/// A status move of a payment (the `update_payment_status` payload).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StatusChange {
    pub status: PaymentStatus,
    pub gateway_ref: Option<String>,
    pub checkout_url: Option<String>,
    pub failure_reason: Option<String>,
    pub receipt_number: Option<String>,
    /// When it happened (a success's time is when the money was received).
    pub at: String,
}

impl StatusChange {
    pub fn payload(&self) -> Value {
        json!({
            "status": self.status.as_str(), "gateway_ref": self.gateway_ref,
            "checkout_url": self.checkout_url, "failure_reason": self.failure_reason,
            "receipt_number": self.receipt_number, "at": self.at,
        })
    }
}

/// How far along a payment is: pending, pending with a checkout, failed,
/// succeeded (by a gateway's webhook, not numbered yet), succeeded with its
/// receipt number (only the device that started a card payment numbers it).
fn rank(status: PaymentStatus, has_checkout: bool, has_receipt: bool) -> u8 {
    match status {
        PaymentStatus::Pending if has_checkout => 1,
        PaymentStatus::Pending => 0,
        PaymentStatus::Failed => 2,
        PaymentStatus::Succeeded | PaymentStatus::Refunded if has_receipt => 4,
        PaymentStatus::Succeeded | PaymentStatus::Refunded => 3,
    }
}

/// Applies a status move if it is further along than the stored one (or as
/// far, with an earlier clock), and recomputes the invoice. Returns whether
/// the payment changed. Shared with sync's applier.
pub(crate) fn merge_status(
    conn: &Connection,
    payment: PaymentId,
    change: &StatusChange,
    hlc: &Hlc,
    now: &str,
) -> Result<bool, CoreError> {
    type Row = (String, Option<String>, String, String, Option<String>);
    let stored: Option<Row> = conn
        .prepare_cached(
            "SELECT status, gateway_ref, status_hlc, invoice_id, receipt_number
             FROM payment WHERE id = ?1",
        )?
        .query_row([payment.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((status, gateway_ref, status_hlc, invoice, receipt)) = stored else {
        return Err(CoreError::NotFound("payment"));
    };
    let status =
        PaymentStatus::parse(&status).ok_or_else(|| CoreError::Corrupt("payment status".into()))?;
    let stored_hlc: Hlc = status_hlc
        .parse()
        .map_err(|_| CoreError::Corrupt("payment clock".into()))?;
    let (old, new) = (
        rank(status, gateway_ref.is_some(), receipt.is_some()),
        rank(
            change.status,
            change.gateway_ref.is_some(),
            change.receipt_number.is_some(),
        ),
    );
    if new < old || (new == old && *hlc >= stored_hlc) {
        return Ok(false);
    }
    conn.prepare_cached(
        "UPDATE payment SET status = ?2, gateway_ref = coalesce(?3, gateway_ref),
            checkout_url = coalesce(?4, checkout_url), failure_reason = ?5,
            receipt_number = coalesce(?6, receipt_number),
            received_at = CASE WHEN ?2 = 'succeeded' THEN ?7 ELSE received_at END,
            status_hlc = ?8
         WHERE id = ?1",
    )?
    .execute(params![
        payment.to_string(),
        change.status.as_str(),
        change.gateway_ref,
        change.checkout_url,
        change.failure_reason,
        change.receipt_number,
        change.at,
        hlc.to_string(),
    ])?;
    let invoice = invoice
        .parse()
        .map_err(|_| CoreError::Corrupt("payment row".into()))?;
    rows::recompute(conn, invoice, now)?;
    Ok(true)
}

const COLUMNS: &str = "p.id, p.invoice_id, p.patient_id, p.method, p.status, p.amount_minor,
    p.currency, p.reference, p.idempotency_key, p.gateway_ref, p.checkout_url, p.failure_reason,
    p.received_at, p.device_id, p.recorded_by, p.receipt_number,
    (SELECT coalesce(sum(r.amount_minor), 0) FROM refund r WHERE r.payment_id = p.id)";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<Payment, CoreError>> {
    let build = || -> Result<Payment, CoreError> {
        let corrupt = || CoreError::Corrupt("payment row".into());
        let text = |i: usize| -> Result<String, CoreError> { Ok(r.get::<_, String>(i)?) };
        let amount: i64 = r.get(5)?;
        let refunded: i64 = r.get(16)?;
        let mut status = PaymentStatus::parse(&text(4)?).ok_or_else(corrupt)?;
        if status == PaymentStatus::Succeeded && refunded >= amount {
            status = PaymentStatus::Refunded;
        }
        Ok(Payment {
            id: text(0)?.parse().map_err(|_| corrupt())?,
            invoice_id: text(1)?.parse().map_err(|_| corrupt())?,
            patient_id: text(2)?.parse().map_err(|_| corrupt())?,
            method: PaymentMethod::parse(&text(3)?).ok_or_else(corrupt)?,
            status,
            amount_minor: amount,
            currency: text(6)?,
            refunded_minor: refunded,
            reference: text(7)?,
            idempotency_key: r.get(8)?,
            gateway_ref: r.get(9)?,
            checkout_url: r.get(10)?,
            failure_reason: r.get(11)?,
            received_at: text(12)?,
            device_id: text(13)?.parse::<DeviceId>().map_err(|_| corrupt())?,
            recorded_by: text(14)?,
            receipt_number: r.get(15)?,
        })
    };
    Ok(build())
}

pub(super) fn query(
    conn: &Connection,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Payment>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM payment p {filter}"))?;
    let rows = stmt.query_map(args, from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// One payment (`NotFound` when unknown here).
pub fn get_payment(conn: &Connection, id: PaymentId) -> Result<Payment, CoreError> {
    query(conn, "WHERE p.id = ?1", &[&id.to_string()])?
        .pop()
        .ok_or(CoreError::NotFound("payment"))
}

/// An invoice's payments, oldest first.
pub(crate) fn for_invoice(
    conn: &Connection,
    invoice: InvoiceId,
) -> Result<Vec<Payment>, CoreError> {
    query(
        conn,
        "WHERE p.invoice_id = ?1 ORDER BY p.started_at, p.id",
        &[&invoice.to_string()],
    )
}

/// Card payments waiting for the gateway (the runner's queue, oldest first):
/// after a restart the runner asks the gateway about each with its key.
pub fn pending_card_payments(conn: &Connection) -> Result<Vec<Payment>, CoreError> {
    query(
        conn,
        "WHERE p.status = 'pending' AND p.method = 'card' ORDER BY p.started_at, p.id",
        &[],
    )
}

/// The payable invoice, or why it cannot take a payment.
fn payable(conn: &Connection, invoice: InvoiceId, currency: &str) -> Result<Invoice, CoreError> {
    let invoice = rows::find(conn, invoice)?.ok_or(CoreError::NotFound("invoice"))?;
    match invoice.status {
        InvoiceStatus::Draft => {
            return Err(CoreError::field(
                "invoice_id",
                "Issue the invoice before taking a payment for it.",
            ))
        }
        InvoiceStatus::Void => {
            return Err(CoreError::field(
                "invoice_id",
                "This invoice is void: it takes no payments.",
            ))
        }
        _ => {}
    }
    check_currency("currency", currency, &invoice.currency)?;
    Ok(invoice)
}

/// Refuses a payment above what is left to pay on its side of the invoice.
fn check_not_over(invoice: &Invoice, method: PaymentMethod, amount: i64) -> Result<(), CoreError> {
    let t = &invoice.totals;
    let (left, side) = if method.is_insurer() {
        (t.insurance_balance_minor, "the insurer's portion")
    } else {
        (
            t.patient_balance_minor - t.pending_minor,
            "the patient's portion",
        )
    };
    if amount > left {
        let digits = super::money::minor_digits(&invoice.currency).unwrap_or(2);
        let pending = if !method.is_insurer() && t.pending_minor > 0 {
            " (a card payment is in progress for part of it)"
        } else {
            ""
        };
        return Err(CoreError::field(
            "amount_minor",
            format!(
                "This is more than is left to pay on {side}: {} {}{pending}. Overpayments are not accepted.",
                super::money::format_minor(left.max(0), digits),
                invoice.currency
            ),
        ));
    }
    Ok(())
}

fn new_payment(
    tx: &WriteTx<'_>,
    caller: &Caller<'_>,
    invoice: &Invoice,
    method: PaymentMethod,
    amount: i64,
    device: DeviceId,
) -> StoredPayment {
    let now = tx.now_rfc3339();
    StoredPayment {
        payment: Payment {
            id: PaymentId::new(),
            invoice_id: invoice.id,
            patient_id: invoice.patient_id,
            method,
            status: PaymentStatus::Succeeded,
            amount_minor: amount,
            currency: invoice.currency.clone(),
            refunded_minor: 0,
            reference: String::new(),
            idempotency_key: None,
            gateway_ref: None,
            checkout_url: None,
            failure_reason: None,
            received_at: now.clone(),
            device_id: device,
            recorded_by: caller.actor_name(),
            receipt_number: None,
        },
        started_at: now,
        recorded_by_id: caller.actor_id(),
    }
}

/// Records the payment, recomputes the invoice and audits, in `tx`.
fn write_new(
    tx: &mut WriteTx<'_>,
    caller: &Caller<'_>,
    stored: &StoredPayment,
) -> Result<(), CoreError> {
    let p = &stored.payment;
    let op = tx.record(
        OpKind::RecordPayment,
        EntityKind::Payment,
        &p.id.to_string(),
        stored.payload(),
    )?;
    insert_payment(tx.conn(), stored, &op.hlc)?;
    let now = tx.now_rfc3339();
    rows::recompute(tx.conn(), p.invoice_id, &now)?;
    let event = caller
        .event(AuditAction::Create, AuditCategory::Billing)
        .patient(p.patient_id)
        .detail(json!({
            "payment_id": p.id.to_string(), "invoice_id": p.invoice_id.to_string(),
            "method": p.method.as_str(), "status": p.status.as_str(),
            "amount_minor": p.amount_minor, "currency": p.currency,
        }));
    audit::append_in(tx, caller.audit_key, p.device_id, &event)?;
    Ok(())
}

/// Records money received for an invoice. The front desk takes cash and card;
/// bank transfers and insurance remittances are for billing staff and
/// administrators.
pub fn record_payment(
    store: &mut Store,
    caller: &Caller<'_>,
    request: RecordPayment,
) -> Result<Payment, CoreError> {
    if matches!(
        request.method,
        PaymentMethod::BankTransfer | PaymentMethod::InsuranceRemittance
    ) {
        require_role(
            caller,
            Command::RecordPayment,
            &[Role::Administrator, Role::Billing],
        )?;
    }
    check_amount("amount_minor", request.amount_minor)?;
    let mut c = Check::new();
    let mut reference = request.reference.clone();
    c.text("reference", &mut reference, false, 100);
    c.finish().map_err(CoreError::Validation)?;
    let device = store.device_id();
    let device_code = registry::device_code(&device);
    let id = store.write(|tx| {
        let invoice = payable(tx.conn(), request.invoice_id, &request.currency)?;
        check_not_over(&invoice, request.method, request.amount_minor)?;
        let mut stored = new_payment(
            tx,
            caller,
            &invoice,
            request.method,
            request.amount_minor,
            device,
        );
        stored.payment.reference = reference.clone();
        stored.payment.receipt_number = Some(allocate_number(tx, "receipt", &device_code)?);
        write_new(tx, caller, &stored)?;
        Ok::<_, CoreError>(stored.payment.id)
    })?;
    tracing::info!(payment = %id, method = request.method.as_str(), "recorded a payment");
    get_payment(store.conn(), id)
}

/// Starts a card payment through the gateway: a pending payment with a fresh
/// idempotency key, or the one already pending for the invoice. Refused on a
/// device with no gateway (nothing would ever take it).
pub fn start_card_payment(
    store: &mut Store,
    caller: &Caller<'_>,
    request: StartCardPayment,
) -> Result<Payment, CoreError> {
    check_amount("amount_minor", request.amount_minor)?;
    let device = store.device_id();
    let id = store.write(|tx| {
        let invoice = payable(tx.conn(), request.invoice_id, &request.currency)?;
        let pending = query(
            tx.conn(),
            "WHERE p.invoice_id = ?1 AND p.status = 'pending' AND p.method = 'card'
             ORDER BY p.started_at, p.id LIMIT 1",
            &[&invoice.id.to_string()],
        )?;
        if let Some(p) = pending.first() {
            return Ok(p.id);
        }
        super::gateway::require_configured(tx.conn())?;
        check_not_over(&invoice, PaymentMethod::Card, request.amount_minor)?;
        let mut stored = new_payment(
            tx,
            caller,
            &invoice,
            PaymentMethod::Card,
            request.amount_minor,
            device,
        );
        stored.payment.status = PaymentStatus::Pending;
        stored.payment.idempotency_key = Some(uuid::Uuid::now_v7().to_string());
        write_new(tx, caller, &stored)?;
        Ok::<_, CoreError>(stored.payment.id)
    })?;
    get_payment(store.conn(), id)
}

/// Moves a payment's status in `tx` (op, row, invoice totals, audit entry).
pub(super) fn move_status(
    tx: &mut WriteTx<'_>,
    caller: &Caller<'_>,
    payment: &Payment,
    change: StatusChange,
    device: DeviceId,
) -> Result<(), CoreError> {
    let op = tx.record(
        OpKind::UpdatePaymentStatus,
        EntityKind::Payment,
        &payment.id.to_string(),
        change.payload(),
    )?;
    let now = tx.now_rfc3339();
    merge_status(tx.conn(), payment.id, &change, &op.hlc, &now)?;
    let event = caller
        .event(AuditAction::Update, AuditCategory::Billing)
        .patient(payment.patient_id)
        .detail(json!({
            "payment_id": payment.id.to_string(), "invoice_id": payment.invoice_id.to_string(),
            "status": change.status.as_str(), "amount_minor": payment.amount_minor,
            "currency": payment.currency, "checkout": change.gateway_ref.is_some(),
        }));
    audit::append_in(tx, caller.audit_key, device, &event)?;
    Ok(())
}

fn card_payment(conn: &Connection, id: PaymentId) -> Result<Payment, CoreError> {
    let p = get_payment(conn, id)?;
    if p.method != PaymentMethod::Card || p.idempotency_key.is_none() {
        return Err(CoreError::field(
            "payment_id",
            "This payment was not made through the card gateway.",
        ));
    }
    Ok(p)
}

fn gateway_text(c: &mut Check, field: &str, value: &str, required: bool) -> String {
    let mut v = value.to_string();
    c.text(field, &mut v, required, 500);
    v
}

/// The runner created the gateway's checkout for a pending card payment.
/// Nothing changes when the payment has moved on or already has it.
pub fn card_checkout_created(
    store: &mut Store,
    caller: &Caller<'_>,
    request: CardCheckoutCreated,
) -> Result<Payment, CoreError> {
    let mut c = Check::new();
    let gateway_ref = gateway_text(&mut c, "gateway_ref", &request.gateway_ref, true);
    let url = request
        .checkout_url
        .as_deref()
        .map(|u| gateway_text(&mut c, "checkout_url", u, true));
    c.finish().map_err(CoreError::Validation)?;
    let device = store.device_id();
    store.write(|tx| {
        let p = card_payment(tx.conn(), request.payment_id)?;
        if p.status != PaymentStatus::Pending || p.gateway_ref.is_some() {
            return Ok(());
        }
        let change = StatusChange {
            status: PaymentStatus::Pending,
            gateway_ref: Some(gateway_ref.clone()),
            checkout_url: url.clone(),
            failure_reason: None,
            receipt_number: None,
            at: tx.now_rfc3339(),
        };
        move_status(tx, caller, &p, change, device)
    })?;
    get_payment(store.conn(), request.payment_id)
}

/// The gateway says the card payment was paid: it succeeds (with a receipt
/// number). The amount and currency must be the payment's. Idempotent.
pub fn card_payment_confirmed(
    store: &mut Store,
    caller: &Caller<'_>,
    request: CardPaymentConfirmed,
) -> Result<Payment, CoreError> {
    let mut c = Check::new();
    let gateway_ref = gateway_text(&mut c, "gateway_ref", &request.gateway_ref, true);
    c.finish().map_err(CoreError::Validation)?;
    let device = store.device_id();
    let device_code = registry::device_code(&device);
    store.write(|tx| {
        let p = card_payment(tx.conn(), request.payment_id)?;
        check_currency("currency", &request.currency, &p.currency)?;
        if request.amount_minor != p.amount_minor {
            return Err(CoreError::field(
                "amount_minor",
                format!(
                    "The gateway confirmed {} but this payment is for {} (minor units of {}): check it with the gateway.",
                    request.amount_minor, p.amount_minor, p.currency
                ),
            ));
        }
        if matches!(p.status, PaymentStatus::Succeeded | PaymentStatus::Refunded) {
            if p.gateway_ref.as_deref().is_some_and(|r| r != gateway_ref) {
                return Err(CoreError::field(
                    "gateway_ref",
                    "This payment was already confirmed with another gateway reference.",
                ));
            }
            return Ok(());
        }
        let change = StatusChange {
            status: PaymentStatus::Succeeded,
            gateway_ref: Some(gateway_ref.clone()),
            checkout_url: None,
            failure_reason: None,
            receipt_number: Some(allocate_number(tx, "receipt", &device_code)?),
            at: tx.now_rfc3339(),
        };
        move_status(tx, caller, &p, change, device)
    })?;
    tracing::info!(payment = %request.payment_id, "card payment confirmed");
    get_payment(store.conn(), request.payment_id)
}

/// The card payment was declined, cancelled or expired at the gateway: it
/// fails and counts for nothing. Idempotent; a succeeded payment stays so.
pub fn card_payment_failed(
    store: &mut Store,
    caller: &Caller<'_>,
    request: CardPaymentFailed,
) -> Result<Payment, CoreError> {
    let mut c = Check::new();
    let reason = gateway_text(&mut c, "reason", &request.reason, true);
    c.finish().map_err(CoreError::Validation)?;
    let device = store.device_id();
    store.write(|tx| {
        let p = card_payment(tx.conn(), request.payment_id)?;
        if p.status != PaymentStatus::Pending {
            return Ok(());
        }
        let change = StatusChange {
            status: PaymentStatus::Failed,
            gateway_ref: None,
            checkout_url: None,
            failure_reason: Some(reason.clone()),
            receipt_number: None,
            at: tx.now_rfc3339(),
        };
        move_status(tx, caller, &p, change, device)
    })?;
    get_payment(store.conn(), request.payment_id)
}

/// A succeeded payment's receipt (audited as printed).
pub fn receipt(
    store: &mut Store,
    caller: &Caller<'_>,
    id: PaymentId,
) -> Result<Receipt, CoreError> {
    let payment = get_payment(store.conn(), id)?;
    let Some(receipt_number) = payment.receipt_number.clone() else {
        return Err(CoreError::field(
            "payment_id",
            "Only a received payment has a receipt.",
        ));
    };
    let invoice = rows::get(store.conn(), payment.invoice_id)?;
    let clinic_name = crate::identity::clinic_info(store.conn())?
        .map(|c| c.name)
        .unwrap_or_default();
    let settings = super::catalogue::settings(store.conn())?;
    let event = caller
        .event(AuditAction::Print, AuditCategory::Billing)
        .patient(payment.patient_id)
        .detail(json!({ "payment_id": id.to_string(), "receipt": receipt_number }));
    audit::append_standalone(store, caller.audit_key, &event)?;
    Ok(Receipt {
        receipt_number,
        invoice_number: invoice.number,
        invoice_balance_minor: invoice.totals.balance_minor,
        payment,
        clinic_name,
        invoice_footer: settings.invoice_footer,
    })
}

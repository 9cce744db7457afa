//! Card payment outcomes that arrive from the gateway's signed webhooks, through
//! the central server (`gateway_payment_event` ops, which only the server
//! writes), and the receipt numbers they still need.
//!
//! Invariants:
//! - an event moves a payment like the runner's own confirmation or failure
//!   would, forward-only ([`merge_status`]): "paid" makes a card payment
//!   succeeded only when the gateway's amount and currency are the payment's
//!   (else nothing changes and the desk's polling reports the mismatch);
//!   "failed" and "expired" fail it while it is pending; an event for a
//!   payment not here yet is held until its payment arrives;
//! - a payment confirmed this way has no receipt number yet: only the device
//!   that started it numbers it ([`number_card_receipts`], from its series, as
//!   its own confirmation would), so numbers never collide and every device
//!   ends with the same one (a numbered success ranks above an unnumbered one).
use super::allocate_number;
use super::payments::{get_payment, merge_status, move_status, query, StatusChange};
use crate::{registry, Caller, CoreError};
use clinic_protocol::{
    GatewayOutcome, GatewayPaymentEvent, Hlc, PaymentId, PaymentMethod, PaymentStatus,
};
use clinic_store::Store;
use rusqlite::Connection;

/// Applies one gateway event to its payment (sync's applier). Returns whether
/// the payment changed.
pub(crate) fn apply_gateway_event(
    conn: &Connection,
    payment: PaymentId,
    event: &GatewayPaymentEvent,
    hlc: &Hlc,
    now: &str,
) -> Result<bool, CoreError> {
    let p = get_payment(conn, payment)?;
    if p.method != PaymentMethod::Card || p.idempotency_key.is_none() {
        tracing::warn!(%payment, "a gateway event names a payment that was not made through the gateway: ignored");
        return Ok(false);
    }
    let change = match event.outcome {
        GatewayOutcome::Paid => {
            let same_money = event.amount_minor == Some(p.amount_minor)
                && event
                    .currency
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(&p.currency));
            if !same_money {
                tracing::warn!(%payment, "a gateway event confirmed another amount or currency: the payment is left as it was");
                return Ok(false);
            }
            StatusChange {
                status: PaymentStatus::Succeeded,
                gateway_ref: Some(
                    event
                        .payment_ref
                        .clone()
                        .unwrap_or_else(|| event.checkout_ref.clone()),
                ),
                checkout_url: None,
                failure_reason: None,
                receipt_number: None,
                at: event.at.clone(),
            }
        }
        GatewayOutcome::Failed | GatewayOutcome::Expired => {
            if p.status != PaymentStatus::Pending {
                return Ok(false);
            }
            let reason = match (event.outcome, &event.reason) {
                (GatewayOutcome::Failed, Some(r)) if !r.trim().is_empty() => r.clone(),
                (GatewayOutcome::Failed, _) => "failed".to_string(),
                _ => "expired".to_string(),
            };
            StatusChange {
                status: PaymentStatus::Failed,
                gateway_ref: None,
                checkout_url: None,
                failure_reason: Some(reason),
                receipt_number: None,
                at: event.at.clone(),
            }
        }
    };
    merge_status(conn, payment, &change, hlc, now)
}

/// Gives this device's card payments that a webhook confirmed their receipt
/// numbers (one `update_payment_status` op and audit entry each). The card
/// payment runner calls it every round. Returns the payments numbered.
pub fn number_card_receipts(
    store: &mut Store,
    caller: &Caller<'_>,
) -> Result<Vec<PaymentId>, CoreError> {
    let device = store.device_id();
    let waiting = query(
        store.conn(),
        "WHERE p.method = 'card' AND p.status = 'succeeded' AND p.receipt_number IS NULL
           AND p.device_id = ?1 ORDER BY p.received_at, p.id",
        &[&device.to_string()],
    )?;
    let code = registry::device_code(&device);
    let mut numbered = Vec::new();
    for payment in waiting {
        let done = store.write(|tx| {
            let p = get_payment(tx.conn(), payment.id)?;
            if p.receipt_number.is_some()
                || !matches!(p.status, PaymentStatus::Succeeded | PaymentStatus::Refunded)
            {
                return Ok(false);
            }
            let change = StatusChange {
                status: PaymentStatus::Succeeded,
                gateway_ref: p.gateway_ref.clone(),
                checkout_url: None,
                failure_reason: None,
                receipt_number: Some(allocate_number(tx, "receipt", &code)?),
                at: p.received_at.clone(),
            };
            move_status(tx, caller, &p, change, device)?;
            Ok::<_, CoreError>(true)
        })?;
        if done {
            tracing::info!(payment = %payment.id, "card payment confirmed by the gateway's webhook: receipt numbered");
            numbered.push(payment.id);
        }
    }
    Ok(numbered)
}

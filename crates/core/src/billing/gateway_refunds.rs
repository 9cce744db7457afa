//! Card refunds through the gateway: a refund recorded against a card payment
//! taken through the gateway is sent to the gateway by the device that
//! recorded it (the payment runner), with an idempotency key fixed when the
//! refund was recorded.
//!
//! Invariants:
//! - the refund is a fact from the moment it is recorded (`record_refund`,
//!   synced, counted in every total); `gateway_refund` (local, no op) is only
//!   its exchange with the gateway: pending until the gateway takes it (sent)
//!   or refuses it for good (failed: the desk gives the money back another way);
//! - every attempt carries the same key, so an answer lost to a timeout, a
//!   crash or a restart never refunds twice;
//! - only a device with a gateway records such a refund (the runner needs it).
use crate::CoreError;
use clinic_protocol::{GatewayRefundStatus, PendingGatewayRefund, RefundId};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection};

/// Longest failure text kept.
const MAX_FAILURE: usize = 200;

/// Queues a new refund of a gateway card payment for the gateway (in the
/// refund's transaction).
pub(crate) fn queue(
    tx: &mut WriteTx<'_>,
    refund: RefundId,
    payment: clinic_protocol::PaymentId,
    at: &str,
) -> Result<(), CoreError> {
    tx.conn().execute(
        "INSERT INTO gateway_refund (refund_id, payment_id, idempotency_key, status, requested_at)
         VALUES (?1, ?2, ?3, 'pending', ?4)",
        params![
            refund.to_string(),
            payment.to_string(),
            uuid::Uuid::now_v7().to_string(),
            at
        ],
    )?;
    Ok(())
}

/// The refunds waiting for the gateway, oldest first (the runner's queue).
pub fn pending_gateway_refunds(conn: &Connection) -> Result<Vec<PendingGatewayRefund>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT g.refund_id, g.payment_id, g.idempotency_key, r.amount_minor, r.currency,
                p.gateway_ref
         FROM gateway_refund g JOIN refund r ON r.id = g.refund_id
              JOIN payment p ON p.id = g.payment_id
         WHERE g.status = 'pending' ORDER BY g.requested_at, g.refund_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let corrupt = || CoreError::Corrupt("gateway refund row".into());
    let mut out = Vec::new();
    for row in rows {
        let (refund, payment, key, amount_minor, currency, payment_ref) = row?;
        out.push(PendingGatewayRefund {
            refund_id: refund.parse().map_err(|_| corrupt())?,
            payment_id: payment.parse().map_err(|_| corrupt())?,
            payment_ref: payment_ref.ok_or_else(corrupt)?,
            amount_minor,
            currency,
            idempotency_key: key,
        });
    }
    Ok(out)
}

/// The gateway took the refund (`gateway_ref`: its id there) or refused it for
/// good (`Err(reason)`). Only a pending refund moves; later calls change nothing.
pub fn settle_gateway_refund(
    store: &mut Store,
    refund: RefundId,
    outcome: Result<&str, &str>,
) -> Result<(), CoreError> {
    let (status, gateway_ref, failure) = match outcome {
        Ok(gateway_ref) => (GatewayRefundStatus::Sent, Some(gateway_ref), None),
        Err(reason) => (
            GatewayRefundStatus::Failed,
            None,
            Some(reason.chars().take(MAX_FAILURE).collect::<String>()),
        ),
    };
    store.write(|tx| {
        let now = tx.now_rfc3339();
        tx.conn().execute(
            "UPDATE gateway_refund SET status = ?2, gateway_ref = ?3, failure = ?4, settled_at = ?5
             WHERE refund_id = ?1 AND status = 'pending'",
            params![
                refund.to_string(),
                status.as_str(),
                gateway_ref,
                failure,
                now
            ],
        )?;
        Ok::<_, CoreError>(())
    })?;
    tracing::info!(%refund, status = status.as_str(), "card refund settled with the gateway");
    Ok(())
}

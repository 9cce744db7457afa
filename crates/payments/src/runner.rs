//! The device's card payment runner: joins the billing core's queue of pending
//! card payments (`clinic_core::billing::pending_card_payments`) with this
//! device's gateway (`billing::gateway_config`), by polling — the way a device
//! learns the outcome when no central server receives the gateway's webhooks.
//!
//! One [`PaymentRunner::run_round`] takes every pending card payment started
//! on this device, oldest first:
//! - no checkout yet → create one with the payment's own idempotency key (fixed
//!   when it was started, so a checkout created before a lost answer, a crash
//!   or a restart is the same checkout, never a second charge) →
//!   `card_checkout_created` (the page's link for the desk or kiosk to show);
//! - a checkout → read its status: paid → `card_payment_confirmed` with the
//!   gateway's payment reference (what a refund takes); failed or expired →
//!   `card_payment_failed`; open or processing → left to the next round.
//!
//! Then it sends this device's card refunds waiting for the gateway (each
//! with the key fixed when it was recorded): taken → sent; refused for good →
//! failed (the desk gives the money back another way); no answer → next round.
//!
//! Before all that, it numbers the receipts of this device's card payments that the
//! gateway's webhook confirmed through the central server (they arrive by sync).
//!
//! Temporary failures (offline, timeouts, 5xx, rate limits) leave the payment
//! pending for the next round; a wrong key leaves it pending too (an
//! administrator fixes the key); a request the gateway refuses for good fails
//! the payment. Each round's outcome is recorded for Settings
//! (`record_gateway_contact`). Nothing here logs keys, links or amounts with
//! patients.
use crate::{
    ApiKey, CheckoutRequest, CheckoutStatus, Flutterwave, FlutterwaveConfig, GatewayErrorKind,
    GatewayFailure, IdempotencyKey, PaymentGateway, Paystack, PaystackConfig, RefundStatus,
    RetryPolicy, Stripe, StripeConfig, Timeouts,
};
use clinic_core::billing::{self, GatewayConfig};
use clinic_core::{Caller, CoreError};
use clinic_protocol::{
    CardCheckoutCreated, CardPaymentConfirmed, CardPaymentFailed, GatewayKind, Payment,
};
use clinic_store::Store;
use std::sync::{Arc, Mutex};

/// What every checkout page says (no PHI).
pub const CHECKOUT_DESCRIPTION: &str = "Clinic visit";

/// The device's store, as the runner reaches it: `None` when no store is open
/// (locked, being wiped). `f` gets the store and the device's audit key.
pub trait PaymentStore {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store, &[u8; 32]) -> T) -> Option<T>;
}

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub checkouts_created: usize,
    pub confirmed: usize,
    pub failed: usize,
    /// Still open at the gateway (the patient has not paid yet).
    pub waiting: usize,
    /// Left pending because the gateway could not be asked (temporary or key).
    pub errors: usize,
    /// Card refunds the gateway took, and refused for good.
    pub refunds_sent: usize,
    pub refunds_failed: usize,
}

impl RoundReport {
    /// Whether the store changed (the UI refreshes billing views).
    pub fn changed(&self) -> bool {
        self.checkouts_created
            + self.confirmed
            + self.failed
            + self.refunds_sent
            + self.refunds_failed
            > 0
    }
}

/// Polls the gateway for this device's pending card payments; keeps one client
/// per gateway configuration.
pub struct PaymentRunner {
    timeouts: Timeouts,
    retry: RetryPolicy,
    client: Mutex<Option<(GatewayConfig, Arc<dyn PaymentGateway>)>>,
}

enum Step {
    Created(CardCheckoutCreated),
    Confirmed(CardPaymentConfirmed),
    Failed(CardPaymentFailed),
    Waiting,
    Error(GatewayFailure),
}

impl PaymentRunner {
    pub fn new(timeouts: Timeouts, retry: RetryPolicy) -> Self {
        Self {
            timeouts,
            retry,
            client: Mutex::new(None),
        }
    }

    fn client(&self, config: &GatewayConfig) -> Result<Arc<dyn PaymentGateway>, GatewayFailure> {
        let mut held = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((c, client)) = held.as_ref() {
            if c == config {
                return Ok(client.clone());
            }
        }
        let key = ApiKey::new(config.secret_key.clone())?;
        let client: Arc<dyn PaymentGateway> = match config.kind {
            GatewayKind::Stripe => Arc::new(Stripe::new(StripeConfig {
                api_base: config.api_base.clone(),
                secret_key: key,
                timeouts: self.timeouts,
                retry: self.retry,
            })?),
            GatewayKind::Paystack => Arc::new(Paystack::new(PaystackConfig {
                api_base: config.api_base.clone(),
                secret_key: key,
                customer_email: config.customer_email.clone(),
                timeouts: self.timeouts,
                retry: self.retry,
            })?),
            GatewayKind::Flutterwave => Arc::new(Flutterwave::new(FlutterwaveConfig {
                api_base: config.api_base.clone(),
                secret_key: key,
                customer_email: config.customer_email.clone(),
                timeouts: self.timeouts,
                retry: self.retry,
            })?),
        };
        *held = Some((config.clone(), client.clone()));
        Ok(client)
    }

    /// One round over the pending card payments started on this device.
    /// `Err` only when the store fails; a closed store is an empty round.
    pub async fn run_round(&self, store: &impl PaymentStore) -> Result<RoundReport, CoreError> {
        let mut report = RoundReport::default();
        // Payments the gateway's webhook confirmed through the central server
        // still need this device's receipt number.
        report.confirmed += store
            .with_store(|s, key| billing::number_card_receipts(s, &Caller::device(key)))
            .transpose()?
            .map_or(0, |numbered| numbered.len());
        let queue = store.with_store(|s, _| {
            let device = s.device_id();
            let config = billing::gateway_config(s.conn())?;
            let pending: Vec<Payment> = billing::pending_card_payments(s.conn())?
                .into_iter()
                .filter(|p| p.device_id == device)
                .collect();
            let refunds = billing::pending_gateway_refunds(s.conn())?;
            Ok::<_, CoreError>((config, pending, refunds))
        });
        let Some((Some(config), pending, refunds)) = queue.transpose()? else {
            return Ok(report);
        };
        if pending.is_empty() && refunds.is_empty() {
            return Ok(report);
        }
        let client = match self.client(&config) {
            Ok(c) => c,
            Err(failure) => {
                report.errors = pending.len() + refunds.len();
                self.record(store, Some(&failure))?;
                return Ok(report);
            }
        };
        let mut last_error = None;
        for payment in pending {
            match step(client.as_ref(), &payment).await {
                Step::Created(c) => {
                    self.apply(store, |s, caller| {
                        billing::card_checkout_created(s, caller, c)
                    })?;
                    report.checkouts_created += 1;
                }
                Step::Confirmed(c) => {
                    match self.apply(store, |s, caller| {
                        billing::card_payment_confirmed(s, caller, c)
                    }) {
                        Ok(()) => report.confirmed += 1,
                        // The gateway took another amount than ours: left
                        // pending for a person to look at, never guessed.
                        Err(CoreError::Validation(_)) => {
                            report.errors += 1;
                            last_error = Some(GatewayFailure::malformed(
                                "the gateway confirmed another amount or currency",
                            ));
                        }
                        Err(e) => return Err(e),
                    }
                }
                Step::Failed(f) => {
                    self.apply(store, |s, caller| {
                        billing::card_payment_failed(s, caller, f)
                    })?;
                    report.failed += 1;
                }
                Step::Waiting => report.waiting += 1,
                Step::Error(failure) => {
                    tracing::warn!(kind = failure.kind.as_str(), status = ?failure.status, "card payment: the gateway could not be asked");
                    report.errors += 1;
                    last_error = Some(failure);
                }
            }
        }
        for refund in refunds {
            let outcome = match IdempotencyKey::new(refund.idempotency_key.clone()) {
                Ok(key) => {
                    client
                        .refund(&refund.payment_ref, refund.amount_minor, &key)
                        .await
                }
                Err(e) => Err(e),
            };
            let settled = match outcome {
                Ok(taken)
                    if matches!(taken.status, RefundStatus::Failed | RefundStatus::Canceled) =>
                {
                    Err(format!("refused: {}", refund_status(taken.status)))
                }
                Ok(taken) => Ok(taken.refund_ref),
                Err(e) if refused_for_good(&e) => Err(reason(&e)),
                Err(e) => {
                    tracing::warn!(kind = e.kind.as_str(), status = ?e.status, "card refund: the gateway could not be asked");
                    report.errors += 1;
                    last_error = Some(e);
                    continue;
                }
            };
            match &settled {
                Ok(_) => report.refunds_sent += 1,
                Err(_) => report.refunds_failed += 1,
            }
            store
                .with_store(|s, _| {
                    billing::settle_gateway_refund(
                        s,
                        refund.refund_id,
                        settled.as_deref().map_err(String::as_str),
                    )
                })
                .unwrap_or(Ok(()))?;
        }
        self.record(store, last_error.as_ref())?;
        Ok(report)
    }

    fn apply(
        &self,
        store: &impl PaymentStore,
        f: impl FnOnce(&mut Store, &Caller<'_>) -> Result<Payment, CoreError>,
    ) -> Result<(), CoreError> {
        store
            .with_store(|s, key| f(s, &Caller::device(key)).map(drop))
            .unwrap_or(Ok(()))
    }

    fn record(
        &self,
        store: &impl PaymentStore,
        failure: Option<&GatewayFailure>,
    ) -> Result<(), CoreError> {
        let text = failure.map(reason);
        store
            .with_store(|s, _| billing::record_gateway_contact(s, text.as_deref()))
            .unwrap_or(Ok(()))
    }
}

/// The exchange for one pending payment.
async fn step(client: &dyn PaymentGateway, payment: &Payment) -> Step {
    let Some(gateway_ref) = payment.gateway_ref.as_deref() else {
        let key = match payment
            .idempotency_key
            .as_deref()
            .map(IdempotencyKey::new)
            .transpose()
        {
            Ok(Some(key)) => key,
            Ok(None) => return fail(payment, "no idempotency key"),
            Err(e) => return Step::Error(e),
        };
        let request = CheckoutRequest {
            payment_id: payment.id.to_string(),
            amount_minor: payment.amount_minor,
            currency: payment.currency.clone(),
            description: CHECKOUT_DESCRIPTION.into(),
            success_url: None,
            cancel_url: None,
            idempotency_key: key,
        };
        return match client.create_checkout(&request).await {
            Ok(checkout) => Step::Created(CardCheckoutCreated {
                payment_id: payment.id,
                gateway_ref: checkout.gateway_ref,
                checkout_url: Some(checkout.url),
            }),
            Err(e) if refused_for_good(&e) => fail(payment, &reason(&e)),
            Err(e) => Step::Error(e),
        };
    };
    match client.checkout_status(gateway_ref).await {
        Ok(CheckoutStatus::Paid {
            amount_minor,
            currency,
            payment_ref,
            ..
        }) => Step::Confirmed(CardPaymentConfirmed {
            payment_id: payment.id,
            gateway_ref: payment_ref,
            amount_minor,
            currency,
        }),
        Ok(CheckoutStatus::Failed { reason }) => fail(payment, &reason),
        Ok(CheckoutStatus::Expired) => fail(payment, "expired"),
        Ok(CheckoutStatus::Open { .. } | CheckoutStatus::Processing) => Step::Waiting,
        Err(e) => Step::Error(e),
    }
}

fn fail(payment: &Payment, reason: &str) -> Step {
    Step::Failed(CardPaymentFailed {
        payment_id: payment.id,
        reason: reason.chars().take(200).collect(),
    })
}

/// A checkout the gateway will never create (our request is wrong for it).
fn refused_for_good(e: &GatewayFailure) -> bool {
    matches!(
        e.kind,
        GatewayErrorKind::Invalid | GatewayErrorKind::Declined
    )
}

fn refund_status(status: RefundStatus) -> &'static str {
    match status {
        RefundStatus::Pending => "pending",
        RefundStatus::Succeeded => "succeeded",
        RefundStatus::Failed => "failed",
        RefundStatus::Canceled => "canceled",
    }
}

fn reason(e: &GatewayFailure) -> String {
    match &e.code {
        Some(code) => format!("{}: {code}", e.kind.as_str()),
        None => e.kind.as_str().to_string(),
    }
}

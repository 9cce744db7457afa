//! Payment gateways' signed webhooks: `POST /v1/gateway-webhooks/{gateway}/{clinic_id}`.
//!
//! A gateway (Stripe, Paystack, Flutterwave) tells the central server when a checkout is
//! paid, fails or expires. This module owns that intake: the secrets
//! ([`GatewayWebhooks`], from `serve --gateway-webhooks FILE`), the signature
//! check (`clinic_payments`' verifiers, with the clinic's secret for that
//! gateway), and turning the event into one `gateway_payment_event` op
//! ([`event_op`], payload [`GatewayPaymentEvent`]) appended to the clinic's log
//! under the clinic's gateway device, exactly as a push is: devices pull it and
//! confirm or fail the payment. The op's id, counter and clock-device derive
//! from the event, so a repeated delivery is a duplicate push (answered 200,
//! nothing new).
//!
//! Answers: 200 for an event appended, repeated, or not one we act on (the
//! gateway stops retrying); 404 for a clinic or gateway without a secret here;
//! 400 for a missing, wrong or stale signature or an unreadable event; nothing
//! is written then. Logs: clinic, gateway, event type and outcome — never
//! secrets, bodies, references or amounts.
use crate::api::{blocking, now_ms, AppState};
use crate::body;
use crate::error::ApiError;
use crate::store::IncomingOp;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use chrono::{SecondsFormat, Utc};
use clinic_payments::{WebhookEvent, WebhookEventKind, WebhookSecret};
use clinic_protocol::{
    gateway_device_id, gateway_event_op_id, ApiErrorCode, ClinicId, EntityKind, GatewayKind,
    GatewayOutcome, GatewayPaymentEvent, Hlc, Op, OpKind, PaymentId, PushOutcome, SCHEMA_VERSION,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The clinics' webhook secrets, by clinic and gateway.
#[derive(Default)]
pub struct GatewayWebhooks {
    secrets: HashMap<(ClinicId, GatewayKind), WebhookSecret>,
}

/// One entry of the `--gateway-webhooks` file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    clinic_id: ClinicId,
    gateway: GatewayKind,
    /// Stripe: the endpoint's signing secret (`whsec_…`); Paystack: the
    /// secret key it signs with; Flutterwave: the secret hash set in its
    /// dashboard (sent back as `verif-hash`).
    signing_secret: String,
}

impl GatewayWebhooks {
    /// No gateway webhooks: every delivery is answered 404.
    pub fn none() -> Self {
        Self::default()
    }

    /// Reads the file's JSON: `[{"clinic_id", "gateway": "stripe"|"paystack"|"flutterwave",
    /// "signing_secret"}]`, one entry per clinic and gateway. Errors name the
    /// entry, never a secret.
    pub fn parse(text: &str) -> Result<Self, String> {
        let entries: Vec<Entry> = serde_json::from_str(text).map_err(|e| {
            format!(
                "expected a JSON list of {{\"clinic_id\", \"gateway\", \"signing_secret\"}} (line {}, column {})",
                e.line(),
                e.column()
            )
        })?;
        let mut secrets = HashMap::new();
        for (i, entry) in entries.into_iter().enumerate() {
            let secret = WebhookSecret::new(entry.signing_secret)
                .map_err(|_| format!("entry {i}: signing_secret is empty"))?;
            if secrets
                .insert((entry.clinic_id, entry.gateway), secret)
                .is_some()
            {
                return Err(format!(
                    "entry {i}: clinic {} has a second {} secret",
                    entry.clinic_id,
                    entry.gateway.as_str()
                ));
            }
        }
        Ok(Self { secrets })
    }

    /// [`Self::parse`] of a file.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        crate::tls::warn_if_shared(path, "the gateway webhooks file");
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// How many clinic/gateway secrets are configured.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }
}

/// The handler.
pub async fn receive(
    State(state): State<AppState>,
    Path((gateway, clinic)): Path<(String, String)>,
    headers: HeaderMap,
    raw: Body,
) -> Result<Json<Value>, ApiError> {
    let not_configured = || {
        ApiError::new(
            ApiErrorCode::NotFound,
            "no webhook secret is configured here for this clinic and gateway",
        )
    };
    let gateway = GatewayKind::parse(&gateway).ok_or_else(not_configured)?;
    let clinic: ClinicId = clinic.parse().map_err(|_| not_configured())?;
    let secret = state
        .webhooks
        .secrets
        .get(&(clinic, gateway))
        .ok_or_else(not_configured)?;
    let bytes = body::read(raw).await?;
    let verify = match gateway {
        GatewayKind::Stripe => clinic_payments::stripe::verify_webhook,
        GatewayKind::Paystack => clinic_payments::paystack::verify_webhook,
        GatewayKind::Flutterwave => clinic_payments::flutterwave::verify_webhook,
    };
    let event = verify(&headers, &bytes, secret, Utc::now()).map_err(|e| {
        tracing::warn!(%clinic, gateway = gateway.as_str(), reason = %e, "gateway webhook refused");
        ApiError::bad_request(format!("webhook refused: {e}"))
    })?;
    let now = now_ms();
    let Some(op) = event_op(clinic, gateway, &event, now) else {
        tracing::info!(%clinic, gateway = gateway.as_str(), event_type = %event.event_type, "gateway event not acted on");
        return Ok(Json(json!({"received": true, "result": "ignored"})));
    };
    let outcome = op.payload["outcome"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let incoming = IncomingOp {
        op_id: op.op_id,
        device_counter: op.device_counter,
        schema_version: op.schema_version,
        hlc_millis: Some(op.hlc.millis),
        json: serde_json::to_string(&op).map_err(|e| ApiError::internal(&e))?,
    };
    let store = state.store.clone();
    let device = op.hlc.device;
    let outcomes = blocking(move || store.push(clinic, device, &[incoming], now)).await?;
    let result = match outcomes.first() {
        Some(PushOutcome::Accepted { .. }) => "appended",
        Some(PushOutcome::Duplicate { .. }) => "duplicate",
        _ => "quarantined",
    };
    if result == "quarantined" {
        tracing::warn!(%clinic, gateway = gateway.as_str(), "gateway event quarantined");
    }
    tracing::info!(%clinic, gateway = gateway.as_str(), event_type = %event.event_type, %outcome, result, "gateway event received");
    Ok(Json(json!({"received": true, "result": result})))
}

/// The op a verified event becomes, or `None` when it is not about one of our
/// card payments (no payment id of ours in it) or not an outcome we act on
/// (processing, refunds, other types). Pure; `now_ms` is the op's clock.
pub fn event_op(
    clinic: ClinicId,
    gateway: GatewayKind,
    event: &WebhookEvent,
    now_ms: i64,
) -> Option<Op> {
    let ours = |id: &Option<String>| id.as_deref().and_then(|i| i.parse::<PaymentId>().ok());
    let base = |outcome, checkout_ref: &str| GatewayPaymentEvent {
        gateway,
        event_id: event.id.clone(),
        event_type: event.event_type.clone(),
        outcome,
        checkout_ref: checkout_ref.to_string(),
        payment_ref: None,
        amount_minor: None,
        currency: None,
        reason: None,
        at: event.created.to_rfc3339_opts(SecondsFormat::Millis, true),
    };
    let (payment, payload) = match &event.kind {
        WebhookEventKind::CheckoutPaid {
            checkout_ref,
            payment_id,
            amount_minor,
            currency,
            payment_ref,
        } => (
            ours(payment_id)?,
            GatewayPaymentEvent {
                payment_ref: payment_ref.clone(),
                amount_minor: Some(*amount_minor),
                currency: Some(currency.to_ascii_uppercase()),
                ..base(GatewayOutcome::Paid, checkout_ref)
            },
        ),
        WebhookEventKind::CheckoutFailed {
            checkout_ref,
            payment_id,
            reason,
        } => (
            ours(payment_id)?,
            GatewayPaymentEvent {
                reason: Some(reason.chars().take(200).collect()),
                ..base(GatewayOutcome::Failed, checkout_ref)
            },
        ),
        WebhookEventKind::CheckoutExpired {
            checkout_ref,
            payment_id,
        } => (
            ours(payment_id)?,
            base(GatewayOutcome::Expired, checkout_ref),
        ),
        WebhookEventKind::CheckoutProcessing { .. }
        | WebhookEventKind::Refunded { .. }
        | WebhookEventKind::Other => return None,
    };
    let op_id = gateway_event_op_id(clinic, gateway, &event.id);
    Some(Op {
        op_id,
        device_counter: event_counter(op_id),
        hlc: Hlc {
            millis: u64::try_from(now_ms).unwrap_or(0),
            counter: 0,
            device: gateway_device_id(clinic),
        },
        kind: OpKind::GatewayPaymentEvent,
        entity: EntityKind::Payment,
        entity_id: payment.to_string(),
        payload: serde_json::to_value(payload).ok()?,
        schema_version: SCHEMA_VERSION,
    })
}

/// The gateway device's counter for an event: 62 bits of its op id (never 0),
/// so every delivery of one event carries the same counter.
fn event_counter(op_id: clinic_protocol::OpId) -> u64 {
    let bytes = op_id.0.as_bytes();
    let mut low = [0u8; 8];
    low.copy_from_slice(&bytes[8..16]);
    (u64::from_be_bytes(low) >> 2).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event(kind: WebhookEventKind) -> WebhookEvent {
        WebhookEvent {
            id: "evt_1".into(),
            created: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
            event_type: "checkout.session.completed".into(),
            kind,
        }
    }

    fn paid(payment_id: Option<String>) -> WebhookEventKind {
        WebhookEventKind::CheckoutPaid {
            checkout_ref: "cs_1".into(),
            payment_id,
            amount_minor: 7200,
            currency: "usd".into(),
            payment_ref: Some("pi_1".into()),
        }
    }

    #[test]
    fn a_paid_event_becomes_the_same_op_at_every_delivery() {
        let clinic = ClinicId::new();
        let payment = PaymentId::new();
        let e = event(paid(Some(payment.to_string())));
        let first = event_op(clinic, GatewayKind::Stripe, &e, 1_000).unwrap();
        let again = event_op(clinic, GatewayKind::Stripe, &e, 9_000).unwrap();
        assert_eq!(first.op_id, again.op_id);
        assert_eq!(first.device_counter, again.device_counter);
        assert_eq!(first.hlc.device, gateway_device_id(clinic));
        assert_ne!(first.hlc.device, gateway_device_id(ClinicId::new()));
        assert_eq!(first.entity_id, payment.to_string());
        let payload: GatewayPaymentEvent = serde_json::from_value(first.payload).unwrap();
        assert_eq!(payload.outcome, GatewayOutcome::Paid);
        assert_eq!(payload.amount_minor, Some(7200));
        assert_eq!(payload.currency.as_deref(), Some("USD"));
        assert_eq!(payload.payment_ref.as_deref(), Some("pi_1"));
        // Another clinic's or gateway's event with the same id is another op.
        let other = event_op(ClinicId::new(), GatewayKind::Stripe, &e, 1_000).unwrap();
        assert_ne!(other.op_id, first.op_id);
        let paystack = event_op(clinic, GatewayKind::Paystack, &e, 1_000).unwrap();
        assert_ne!(paystack.op_id, first.op_id);
    }

    #[test]
    fn events_not_about_our_payments_are_not_ops() {
        let clinic = ClinicId::new();
        for kind in [
            paid(None),
            paid(Some("not-ours".into())),
            WebhookEventKind::CheckoutProcessing {
                checkout_ref: "cs_1".into(),
                payment_id: Some(PaymentId::new().to_string()),
            },
            WebhookEventKind::Other,
        ] {
            assert!(event_op(clinic, GatewayKind::Stripe, &event(kind), 1).is_none());
        }
        let expired = WebhookEventKind::CheckoutExpired {
            checkout_ref: "cs_1".into(),
            payment_id: Some(PaymentId::new().to_string()),
        };
        let op = event_op(clinic, GatewayKind::Stripe, &event(expired), 1).unwrap();
        assert_eq!(op.payload["outcome"], "expired");
    }

    #[test]
    fn the_secrets_file_is_checked_without_echoing_secrets() {
        let clinic = ClinicId::new();
        let ok = format!(
            r#"[{{"clinic_id":"{clinic}","gateway":"stripe","signing_secret":"whsec_a"}},
                {{"clinic_id":"{clinic}","gateway":"paystack","signing_secret":"sk_test_b"}}]"#
        );
        assert_eq!(GatewayWebhooks::parse(&ok).unwrap().len(), 2);
        let twice = format!(
            r#"[{{"clinic_id":"{clinic}","gateway":"stripe","signing_secret":"whsec_a"}},
                {{"clinic_id":"{clinic}","gateway":"stripe","signing_secret":"whsec_zz"}}]"#
        );
        let e = GatewayWebhooks::parse(&twice).err().unwrap();
        assert!(e.contains("entry 1") && !e.contains("whsec"), "{e}");
        let unknown = format!(
            r#"[{{"clinic_id":"{clinic}","gateway":"square","signing_secret":"whsec_secret9"}}]"#
        );
        let e = GatewayWebhooks::parse(&unknown).err().unwrap();
        assert!(!e.contains("whsec_secret9"), "{e}");
        let empty =
            format!(r#"[{{"clinic_id":"{clinic}","gateway":"stripe","signing_secret":""}}]"#);
        assert!(GatewayWebhooks::parse(&empty)
            .err()
            .unwrap()
            .contains("entry 0"));
    }
}

//! Stripe's signed webhooks: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=…]`,
//! each `v1` an HMAC-SHA256 of `"<t>.<raw body>"` with the endpoint's signing secret
//! (`whsec_…`). An event is accepted when one `v1` matches (compared in constant
//! time by ring) and `t` is within [`WEBHOOK_TOLERANCE`] of `now` (a captured
//! delivery replayed later is refused). The body must be the raw bytes received:
//! re-serialised JSON does not verify.
//!
//! Events read: `checkout.session.completed` (paid, or processing for bank
//! debits), `checkout.session.async_payment_succeeded`,
//! `checkout.session.async_payment_failed`, `checkout.session.expired`,
//! `charge.refunded`; any other type verifies as [`WebhookEventKind::Other`].
use crate::model::{WebhookError, WebhookEvent, WebhookEventKind};
use crate::secret::WebhookSecret;
use chrono::{DateTime, Duration, Utc};
use reqwest::header::HeaderMap;
use ring::hmac;
use serde_json::Value;

/// How far a signature's timestamp may be from `now` (Stripe's libraries' default).
pub const WEBHOOK_TOLERANCE: Duration = Duration::minutes(5);
const SIGNATURE_HEADER: &str = "stripe-signature";

/// Verifies a delivery and reads its event. Pure: no clock, no network.
pub fn verify_webhook(
    headers: &HeaderMap,
    raw_body: &[u8],
    secret: &WebhookSecret,
    now: DateTime<Utc>,
) -> Result<WebhookEvent, WebhookError> {
    let header = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or(WebhookError::MissingSignature)?;
    let (timestamp, signatures) = parse_header(header)?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.expose());
    let mut signed = timestamp.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(raw_body);
    if !signatures
        .iter()
        .any(|sig| hmac::verify(&key, &signed, sig).is_ok())
    {
        return Err(WebhookError::BadSignature);
    }
    let age = now.timestamp() - timestamp;
    if age.abs() > WEBHOOK_TOLERANCE.num_seconds() {
        return Err(WebhookError::StaleTimestamp { age_seconds: age });
    }
    read_event(raw_body)
}

/// The `Stripe-Signature` value for a body, as Stripe makes it (tests and tools).
pub fn signature_header(secret: &WebhookSecret, raw_body: &[u8], timestamp: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.expose());
    let mut signed = timestamp.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(raw_body);
    let tag = hmac::sign(&key, &signed);
    format!("t={timestamp},v1={}", hex::encode(tag.as_ref()))
}

/// `t` and every `v1` (other schemes, such as the test-mode `v0`, are ignored).
fn parse_header(header: &str) -> Result<(i64, Vec<Vec<u8>>), WebhookError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((name, value)) = part.trim().split_once('=') else {
            continue;
        };
        match name {
            "t" => timestamp = value.parse::<i64>().ok(),
            "v1" => {
                if let Ok(bytes) = hex::decode(value) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    match timestamp {
        Some(t) if !signatures.is_empty() => Ok((t, signatures)),
        _ => Err(WebhookError::MissingSignature),
    }
}

fn read_event(raw_body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let bad = |why: &str| WebhookError::Malformed(why.to_string());
    let event: Value = serde_json::from_slice(raw_body).map_err(|_| bad("not JSON"))?;
    if event.get("object").and_then(Value::as_str) != Some("event") {
        return Err(bad("not an event"));
    }
    let id = text(&event, "id").ok_or_else(|| bad("no id"))?;
    let event_type = text(&event, "type").ok_or_else(|| bad("no type"))?;
    let created = event
        .get("created")
        .and_then(Value::as_i64)
        .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
        .ok_or_else(|| bad("no created time"))?;
    let object = event
        .get("data")
        .and_then(|d| d.get("object"))
        .filter(|o| o.is_object())
        .ok_or_else(|| bad("no data.object"))?;
    let kind = match event_type.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            let checkout_ref = text(object, "id").ok_or_else(|| bad("no session id"))?;
            let payment_id = payment_id(object);
            match object.get("payment_status").and_then(Value::as_str) {
                Some("paid" | "no_payment_required") => WebhookEventKind::CheckoutPaid {
                    checkout_ref,
                    payment_id,
                    amount_minor: object
                        .get("amount_total")
                        .and_then(Value::as_i64)
                        .ok_or_else(|| bad("no amount_total"))?,
                    currency: text(object, "currency").ok_or_else(|| bad("no currency"))?,
                    payment_ref: reference(object.get("payment_intent")),
                },
                _ => WebhookEventKind::CheckoutProcessing {
                    checkout_ref,
                    payment_id,
                },
            }
        }
        "checkout.session.async_payment_failed" => WebhookEventKind::CheckoutFailed {
            checkout_ref: text(object, "id").ok_or_else(|| bad("no session id"))?,
            payment_id: payment_id(object),
            reason: "async_payment_failed".into(),
        },
        "checkout.session.expired" => WebhookEventKind::CheckoutExpired {
            checkout_ref: text(object, "id").ok_or_else(|| bad("no session id"))?,
            payment_id: payment_id(object),
        },
        "charge.refunded" => WebhookEventKind::Refunded {
            payment_ref: reference(object.get("payment_intent"))
                .ok_or_else(|| bad("no payment_intent"))?,
            payment_id: object.get("metadata").and_then(|m| text(m, "payment_id")),
            currency: text(object, "currency").ok_or_else(|| bad("no currency"))?,
            refunded_total_minor: object.get("amount_refunded").and_then(Value::as_i64),
            refund_amount_minor: None,
        },
        _ => WebhookEventKind::Other,
    };
    Ok(WebhookEvent {
        id,
        created,
        event_type,
        kind,
    })
}

/// Our payment id: `metadata.payment_id`, else `client_reference_id`.
fn payment_id(session: &Value) -> Option<String> {
    session
        .get("metadata")
        .and_then(|m| text(m, "payment_id"))
        .or_else(|| text(session, "client_reference_id"))
}

/// An id, or an expanded object's id.
fn reference(value: Option<&Value>) -> Option<String> {
    let value = value?;
    value
        .as_str()
        .map(str::to_string)
        .or_else(|| text(value, "id"))
}

fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("Stripe-Signature", HeaderValue::from_str(value).unwrap());
        headers
    }

    const BODY: &[u8] = br#"{"id":"evt_1","object":"event","type":"checkout.session.expired","created":1700000000,"data":{"object":{"id":"cs_1","object":"checkout.session","client_reference_id":"pay-1","metadata":{}}}}"#;

    #[test]
    fn signed_events_verify_within_the_tolerance() {
        let secret = WebhookSecret::new("whsec_unit").unwrap();
        let now = DateTime::<Utc>::from_timestamp(1_700_000_100, 0).unwrap();
        let header = signature_header(&secret, BODY, now.timestamp() - 60);
        let event = verify_webhook(&headers(&header), BODY, &secret, now).unwrap();
        assert_eq!(
            event.kind,
            WebhookEventKind::CheckoutExpired {
                checkout_ref: "cs_1".into(),
                payment_id: Some("pay-1".into())
            }
        );
        // A second, rotated-out signature beside the good one is fine.
        let both = format!("{header},v1={},v0=abc", "00".repeat(32));
        assert!(verify_webhook(&headers(&both), BODY, &secret, now).is_ok());
    }

    #[test]
    fn bad_signatures_and_replays_are_refused() {
        let secret = WebhookSecret::new("whsec_unit").unwrap();
        let other = WebhookSecret::new("whsec_other").unwrap();
        let now = DateTime::<Utc>::from_timestamp(1_700_000_100, 0).unwrap();
        let header = signature_header(&secret, BODY, now.timestamp());
        assert_eq!(
            verify_webhook(&headers(&header), BODY, &other, now),
            Err(WebhookError::BadSignature)
        );
        let old = signature_header(&secret, BODY, now.timestamp() - 301);
        assert_eq!(
            verify_webhook(&headers(&old), BODY, &secret, now),
            Err(WebhookError::StaleTimestamp { age_seconds: 301 })
        );
        assert_eq!(
            verify_webhook(&HeaderMap::new(), BODY, &secret, now),
            Err(WebhookError::MissingSignature)
        );
        assert_eq!(
            verify_webhook(&headers("t=1,v1=zz"), BODY, &secret, now),
            Err(WebhookError::MissingSignature)
        );
        let garbage = b"not json";
        let signed = signature_header(&secret, garbage, now.timestamp());
        assert!(matches!(
            verify_webhook(&headers(&signed), garbage, &secret, now),
            Err(WebhookError::Malformed(_))
        ));
    }
}

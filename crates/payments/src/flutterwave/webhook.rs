//! Flutterwave's webhooks for [`super::Flutterwave`]: [`verify_webhook`] (pure,
//! for the central server) and [`signature_header`] (tests and tools).
//!
//! A delivery carries `verif-hash`: the secret hash the merchant set in the
//! dashboard (our [`WebhookSecret`]), compared in constant time. Events:
//! `charge.completed` → CheckoutPaid (status successful; our payment id from
//! `meta.payment_id`, else `meta_data.payment_id`; the amount read exactly), or
//! CheckoutFailed (status failed, once the attempt's session is over: before, the
//! patient may still pay on the same page, so the event is Other); anything else
//! (refund events included: the adapter's refunds are read from its answers) →
//! Other. The event id is `<event>:<data.id>` (deliveries may repeat).
use super::answer::{created_at, decline_code, session_over};
use super::money;
use crate::model::{WebhookError, WebhookEvent, WebhookEventKind};
use crate::secret::WebhookSecret;
use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use ring::hmac;
use serde_json::Value;

const SIGNATURE_HEADER: &str = "verif-hash";

/// Verifies a Flutterwave delivery: `verif-hash` must be the secret hash set in
/// the dashboard (compared in constant time; Flutterwave signs neither the body
/// nor a time, so a copied delivery verifies: the event id
/// (`<event>:<data.id>`) is applied once by the receiver, and its facts are
/// confirmed with `verify` by the device). `now` is the event's `created` time and
/// decides whether a failed attempt's session is over (see the module's statuses).
pub fn verify_webhook(
    headers: &HeaderMap,
    raw_body: &[u8],
    secret: &WebhookSecret,
    now: DateTime<Utc>,
) -> Result<WebhookEvent, WebhookError> {
    let given = headers
        .get(SIGNATURE_HEADER)
        .ok_or(WebhookError::MissingSignature)?;
    if !same_secret(given.as_bytes(), secret.expose()) {
        return Err(WebhookError::BadSignature);
    }
    let bad = |why: &str| WebhookError::Malformed(why.to_string());
    let event = money::parse_exact(raw_body).ok_or_else(|| bad("not JSON"))?;
    let event_type = event
        .get("event")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no event"))?
        .to_string();
    let data = event
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| bad("no data"))?;
    let data_id = data
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| bad("no data.id"))?
        .to_string();
    let kind = match event_type.as_str() {
        "charge.completed" => charge_kind(data, &data_id, now).map_err(bad)?,
        _ => WebhookEventKind::Other,
    };
    Ok(WebhookEvent {
        id: format!("{event_type}:{data_id}"),
        created: now,
        event_type,
        kind,
    })
}

fn charge_kind(
    data: &Value,
    data_id: &str,
    now: DateTime<Utc>,
) -> Result<WebhookEventKind, &'static str> {
    let text = |key: &str| data.get(key).and_then(Value::as_str);
    let checkout_ref = text("tx_ref").ok_or("no tx_ref")?.to_string();
    let payment_id = ["meta", "meta_data"]
        .iter()
        .find_map(|m| data.get(*m)?.get("payment_id")?.as_str())
        .map(str::to_string);
    Ok(match text("status") {
        Some("successful") => {
            let currency = text("currency").ok_or("no currency")?;
            let digits = money::minor_digits(currency).ok_or("a currency we do not take")?;
            let amount = text("amount").ok_or("no amount")?;
            WebhookEventKind::CheckoutPaid {
                checkout_ref,
                payment_id,
                amount_minor: money::parse_major(amount, digits)
                    .ok_or("an amount with more decimals than its currency has")?,
                currency: currency.to_ascii_lowercase(),
                payment_ref: Some(data_id.to_string()),
            }
        }
        Some("failed") if created_at("", data).is_ok_and(|attempt| session_over(attempt, now)) => {
            WebhookEventKind::CheckoutFailed {
                checkout_ref,
                payment_id,
                reason: decline_code(data),
            }
        }
        _ => WebhookEventKind::Other,
    })
}

/// `given == secret`, in constant time: both are MACed with one fixed key and
/// the tags compared by `ring` (only `given`'s length, the caller's own, shows).
fn same_secret(given: &[u8], secret: &[u8]) -> bool {
    let key = hmac::Key::new(hmac::HMAC_SHA256, b"clinic-payments flutterwave verif-hash");
    let expected = hmac::sign(&key, secret);
    hmac::verify(&key, given, expected.as_ref()).is_ok()
}

/// The `verif-hash` value of a delivery signed with `secret` (tests and tools):
/// the secret hash itself.
pub fn signature_header(secret: &WebhookSecret) -> String {
    String::from_utf8_lossy(secret.expose()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flutterwave::answer::read_status;
    use crate::flutterwave::SESSION_MINUTES;
    use crate::model::CheckoutStatus;
    use chrono::{Duration, TimeZone};
    use reqwest::header::HeaderValue;

    fn signed(secret: &WebhookSecret) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            SIGNATURE_HEADER,
            HeaderValue::from_str(&signature_header(secret)).unwrap(),
        );
        headers
    }

    const PAID: &str = r#"{"event":"charge.completed","data":{"id":285959875,"tx_ref":"k-1","flw_ref":"FLW-1","amount":72.5,"currency":"NGN","status":"successful","created_at":"2026-01-05T10:00:00.000Z","meta":{"payment_id":"pay-1"}},"event.type":"CARD_TRANSACTION"}"#;

    #[test]
    fn deliveries_with_the_secret_hash_verify_and_others_are_refused() {
        let secret = WebhookSecret::new("clinic-hash-1").unwrap();
        let now = Utc::now();
        let event = verify_webhook(&signed(&secret), PAID.as_bytes(), &secret, now).unwrap();
        assert_eq!(event.id, "charge.completed:285959875");
        assert_eq!(
            event.kind,
            WebhookEventKind::CheckoutPaid {
                checkout_ref: "k-1".into(),
                payment_id: Some("pay-1".into()),
                amount_minor: 7250,
                currency: "ngn".into(),
                payment_ref: Some("285959875".into()),
            }
        );
        let other = WebhookSecret::new("clinic-hash-2").unwrap();
        let wrong = verify_webhook(&signed(&other), PAID.as_bytes(), &secret, now);
        assert_eq!(wrong, Err(WebhookError::BadSignature));
        let prefix = WebhookSecret::new("clinic-hash-").unwrap();
        let short = verify_webhook(&signed(&prefix), PAID.as_bytes(), &secret, now);
        assert_eq!(short, Err(WebhookError::BadSignature));
        let none = verify_webhook(&HeaderMap::new(), PAID.as_bytes(), &secret, now);
        assert_eq!(none, Err(WebhookError::MissingSignature));
        let cents = PAID.replace("72.5", "72.505");
        assert!(matches!(
            verify_webhook(&signed(&secret), cents.as_bytes(), &secret, now),
            Err(WebhookError::Malformed(_))
        ));
    }

    #[test]
    fn a_failed_attempt_fails_the_checkout_only_once_its_session_is_over() {
        let secret = WebhookSecret::new("clinic-hash-1").unwrap();
        let body = PAID.replace("successful", "failed").replace(
            "\"flw_ref\"",
            "\"processor_response\":\"Insufficient Funds\",\"flw_ref\"",
        );
        let attempt = Utc.with_ymd_and_hms(2026, 1, 5, 10, 0, 0).unwrap();
        let soon = attempt + Duration::minutes(5);
        let late = attempt + Duration::minutes(SESSION_MINUTES);
        let event = verify_webhook(&signed(&secret), body.as_bytes(), &secret, soon).unwrap();
        assert_eq!(event.kind, WebhookEventKind::Other);
        let event = verify_webhook(&signed(&secret), body.as_bytes(), &secret, late).unwrap();
        assert!(matches!(
            event.kind,
            WebhookEventKind::CheckoutFailed { ref reason, ref payment_id, .. }
                if reason == "insufficient_funds" && payment_id.as_deref() == Some("pay-1")
        ));

        let data = &money::parse_exact(body.as_bytes()).unwrap()["data"];
        assert_eq!(
            read_status("x", data, soon).unwrap(),
            CheckoutStatus::Open {
                last_decline: Some("insufficient_funds".into())
            }
        );
        assert_eq!(
            read_status("x", data, late).unwrap(),
            CheckoutStatus::Failed {
                reason: "insufficient_funds".into()
            }
        );
    }
}

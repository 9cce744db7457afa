//! Reading Stripe's answers: its error bodies (`{"error":{type, code,
//! decline_code, message}}`) sorted into [`GatewayFailure`]s, and Checkout
//! Sessions, PaymentIntents, Charges and Refunds read into the crate's types.
//! A 2xx answer that is not the object asked for is Malformed.
use crate::error::{
    kind_for_status, safe_code, safe_message, GatewayErrorKind, GatewayFailure, GatewayResult,
};
use crate::model::{Checkout, CheckoutStatus, Refund, RefundStatus};
use crate::transport::Answer;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A Stripe object id (`cs_…`, `pi_…`) as we accept it in a path or form.
pub fn check_ref(what: &str, id: &str) -> GatewayResult<()> {
    let ok =
        (1..=255).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(GatewayFailure::invalid(format!(
            "{what}: not a Stripe object id"
        )))
    }
}

/// The JSON object of a 2xx answer.
pub fn object(what: &str, answer: &Answer) -> GatewayResult<Value> {
    let value = answer.json(what)?;
    if !value.is_object() {
        return Err(GatewayFailure::malformed(format!(
            "{what}: the answer is not a JSON object"
        )));
    }
    Ok(value)
}

/// The failure for a non-2xx answer, from Stripe's error body when there is one.
/// Card errors → Declined (code: the decline code, else the error code);
/// `idempotency_error` → IdempotencyConflict; otherwise by status.
pub fn failure(what: &str, answer: &Answer) -> GatewayFailure {
    let status = answer.status;
    let error = serde_json::from_slice::<Value>(&answer.body)
        .ok()
        .and_then(|v| v.get("error").cloned());
    let text = |key: &str| {
        error
            .as_ref()
            .and_then(|e| e.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let error_type = text("type").unwrap_or_default();
    let code = text("code").and_then(|c| safe_code(&c));
    let decline = text("decline_code").and_then(|c| safe_code(&c));
    let kind = match error_type.as_str() {
        "card_error" => GatewayErrorKind::Declined,
        "idempotency_error" => GatewayErrorKind::IdempotencyConflict,
        _ => kind_for_status(status),
    };
    let code = if kind == GatewayErrorKind::Declined {
        decline.or(code)
    } else {
        code
    };
    let mut detail = format!("{what}: HTTP {status}");
    if let Some(code) = &code {
        detail.push_str(&format!(" ({code})"));
    }
    // Stripe's messages name amounts and ids; on 401 they echo part of the key: left out.
    if kind != GatewayErrorKind::Unauthorized {
        if let Some(message) = text("message") {
            detail.push_str(": ");
            detail.push_str(&safe_message(&message));
        }
    }
    if error.is_none() && !answer.is_json() {
        detail.push_str(" (not a Stripe error body)");
    }
    GatewayFailure::new(kind, Some(status), detail).with_code(code)
}

/// A created Checkout Session → [`Checkout`].
pub fn checkout(what: &str, session: &Value) -> GatewayResult<Checkout> {
    expect_object(what, session, "checkout.session")?;
    let gateway_ref = string(what, session, "id")?;
    let url = string(what, session, "url")?;
    let expires_at = session
        .get("expires_at")
        .and_then(Value::as_i64)
        .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0));
    Ok(Checkout {
        gateway_ref,
        url,
        expires_at,
    })
}

/// A Checkout Session (PaymentIntent and its latest Charge expanded, when there
/// is one) → [`CheckoutStatus`].
pub fn checkout_status(what: &str, session: &Value) -> GatewayResult<CheckoutStatus> {
    expect_object(what, session, "checkout.session")?;
    let status = string(what, session, "status")?;
    let payment_status = string(what, session, "payment_status")?;
    let intent = session.get("payment_intent").filter(|v| v.is_object());
    let last_error = intent
        .and_then(|pi| pi.get("last_payment_error"))
        .filter(|e| e.is_object());
    let error_code = |e: &Value| {
        ["decline_code", "code"]
            .iter()
            .find_map(|k| e.get(*k).and_then(Value::as_str).and_then(safe_code))
    };
    match (status.as_str(), payment_status.as_str()) {
        ("expired", _) => Ok(CheckoutStatus::Expired),
        ("open", _) => Ok(CheckoutStatus::Open {
            last_decline: last_error.and_then(error_code),
        }),
        ("complete", "paid" | "no_payment_required") => {
            let intent = intent.ok_or_else(|| {
                GatewayFailure::malformed(format!(
                    "{what}: a paid session without its PaymentIntent"
                ))
            })?;
            let charge = intent.get("latest_charge").filter(|c| c.is_object());
            let paid_at = charge
                .and_then(|c| c.get("created"))
                .or_else(|| intent.get("created"))
                .and_then(Value::as_i64)
                .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
                .ok_or_else(|| {
                    GatewayFailure::malformed(format!("{what}: a paid session without a time"))
                })?;
            Ok(CheckoutStatus::Paid {
                amount_minor: integer(what, session, "amount_total")?,
                currency: string(what, session, "currency")?,
                paid_at,
                payment_ref: string(what, intent, "id")?,
            })
        }
        ("complete", "unpaid") => {
            let intent_status = intent
                .and_then(|pi| pi.get("status"))
                .and_then(Value::as_str)
                .unwrap_or("processing");
            match (intent_status, last_error) {
                ("requires_payment_method" | "canceled", Some(e)) => Ok(CheckoutStatus::Failed {
                    reason: error_code(e).unwrap_or_else(|| "payment_failed".into()),
                }),
                ("canceled", None) => Ok(CheckoutStatus::Failed {
                    reason: "canceled".into(),
                }),
                _ => Ok(CheckoutStatus::Processing),
            }
        }
        (s, p) => Err(GatewayFailure::malformed(format!(
            "{what}: unknown session status {:?}/{:?}",
            safe_code(s).unwrap_or_default(),
            safe_code(p).unwrap_or_default()
        ))),
    }
}

/// A Refund → [`Refund`].
pub fn refund(what: &str, value: &Value) -> GatewayResult<Refund> {
    expect_object(what, value, "refund")?;
    let status = match string(what, value, "status")?.as_str() {
        "succeeded" => RefundStatus::Succeeded,
        "pending" | "requires_action" => RefundStatus::Pending,
        "failed" => RefundStatus::Failed,
        "canceled" => RefundStatus::Canceled,
        other => {
            return Err(GatewayFailure::malformed(format!(
                "{what}: unknown refund status {:?}",
                safe_code(other).unwrap_or_default()
            )))
        }
    };
    Ok(Refund {
        refund_ref: string(what, value, "id")?,
        amount_minor: integer(what, value, "amount")?,
        currency: string(what, value, "currency")?,
        status,
    })
}

fn expect_object(what: &str, value: &Value, kind: &str) -> GatewayResult<()> {
    match value.get("object").and_then(Value::as_str) {
        Some(k) if k == kind => Ok(()),
        _ => Err(GatewayFailure::malformed(format!(
            "{what}: the answer is not a {kind}"
        ))),
    }
}

pub fn string(what: &str, value: &Value, key: &str) -> GatewayResult<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| GatewayFailure::malformed(format!("{what}: the answer has no {key}")))
}

pub fn integer(what: &str, value: &Value, key: &str) -> GatewayResult<i64> {
    value
        .get(key)
        .and_then(Value::as_i64)
        .ok_or_else(|| GatewayFailure::malformed(format!("{what}: the answer has no {key}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
    use serde_json::json;

    fn answer(status: u16, body: Value) -> Answer {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Answer {
            status,
            headers,
            body: serde_json::to_vec(&body).unwrap(),
        }
    }

    #[test]
    fn stripe_errors_are_sorted() {
        let declined = failure(
            "x",
            &answer(
                402,
                json!({"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}}),
            ),
        );
        assert_eq!(declined.kind, GatewayErrorKind::Declined);
        assert_eq!(declined.code.as_deref(), Some("insufficient_funds"));
        let idem = failure(
            "x",
            &answer(
                400,
                json!({"error":{"type":"idempotency_error","message":"Keys…"}}),
            ),
        );
        assert_eq!(idem.kind, GatewayErrorKind::IdempotencyConflict);
        let unauthorized = failure(
            "x",
            &answer(
                401,
                json!({"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****9999"}}),
            ),
        );
        assert_eq!(unauthorized.kind, GatewayErrorKind::Unauthorized);
        assert!(
            !unauthorized.detail.contains("sk_test"),
            "{}",
            unauthorized.detail
        );
        let too_large = failure(
            "x",
            &answer(
                400,
                json!({"error":{"type":"invalid_request_error","code":"amount_too_large","message":"Refund amount…"}}),
            ),
        );
        assert_eq!(too_large.kind, GatewayErrorKind::Invalid);
        assert_eq!(too_large.code.as_deref(), Some("amount_too_large"));
        let html = Answer {
            status: 502,
            headers: HeaderMap::new(),
            body: b"<html>bad gateway".to_vec(),
        };
        assert_eq!(failure("x", &html).kind, GatewayErrorKind::ServerError);
    }

    #[test]
    fn sessions_read_into_statuses() {
        let open = json!({"object":"checkout.session","status":"open","payment_status":"unpaid",
            "payment_intent":{"id":"pi_1","status":"requires_payment_method",
                "last_payment_error":{"code":"card_declined","decline_code":"generic_decline"}}});
        assert_eq!(
            checkout_status("x", &open).unwrap(),
            CheckoutStatus::Open {
                last_decline: Some("generic_decline".into())
            }
        );
        let failed = json!({"object":"checkout.session","status":"complete","payment_status":"unpaid",
            "payment_intent":{"id":"pi_1","status":"requires_payment_method",
                "last_payment_error":{"code":"payment_method_failed"}}});
        assert_eq!(
            checkout_status("x", &failed).unwrap(),
            CheckoutStatus::Failed {
                reason: "payment_method_failed".into()
            }
        );
        let paid_without_intent = json!({"object":"checkout.session","status":"complete",
            "payment_status":"paid","amount_total":5,"currency":"usd","payment_intent":"pi_1"});
        assert_eq!(
            checkout_status("x", &paid_without_intent).unwrap_err().kind,
            GatewayErrorKind::Malformed
        );
        let other = json!({"object":"payment_intent"});
        assert_eq!(
            checkout_status("x", &other).unwrap_err().kind,
            GatewayErrorKind::Malformed
        );
    }
}

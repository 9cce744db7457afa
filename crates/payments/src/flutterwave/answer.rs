//! Reading Flutterwave's answers for [`super::Flutterwave`]: the `{status,
//! message, data}` envelope sorted into success or a [`GatewayFailure`]
//! ("Duplicate tx_ref" → IdempotencyConflict, "No transaction was found" → code
//! [`NOT_FOUND`]), a transaction's status at a time (see the module's statuses),
//! refunds, and exact amounts (bodies are read by `money::parse_exact`: every
//! number is a string of its text here).
use super::{check_transaction_id, money, SESSION_MINUTES};
use crate::error::{
    kind_for_status, safe_code, safe_message, GatewayErrorKind, GatewayFailure, GatewayResult,
};
use crate::model::{CheckoutStatus, Refund, RefundStatus};
use crate::transport::Answer;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// The code given to "No transaction was found" answers.
pub(super) const NOT_FOUND: &str = "transaction_not_found";

pub(super) fn read_answer(what: &str, answer: &Answer) -> GatewayResult<Value> {
    let value = money::parse_exact(&answer.body);
    let field = |key: &str| value.as_ref().and_then(|v| v.get(key));
    let status = field("status").and_then(Value::as_str);
    let http_ok = (200..300).contains(&answer.status);
    if http_ok && status == Some("success") && field("data").is_some_and(|d| !d.is_null()) {
        return Ok(value.unwrap_or_default());
    }
    if http_ok && status != Some("error") {
        return Err(GatewayFailure::new(
            GatewayErrorKind::Malformed,
            Some(answer.status),
            format!("{what}: the answer is not a Flutterwave success body"),
        ));
    }
    let message = field("message").and_then(Value::as_str).unwrap_or("");
    let lower = message.to_ascii_lowercase();
    let mut kind = if http_ok {
        GatewayErrorKind::Invalid
    } else {
        kind_for_status(answer.status)
    };
    let mut code = None;
    if lower.contains("duplicate") && (lower.contains("tx_ref") || lower.contains("reference")) {
        kind = GatewayErrorKind::IdempotencyConflict;
        code = Some("duplicate_reference".to_string());
    } else if kind == GatewayErrorKind::Invalid
        && (lower.contains("no transaction was found") || lower.contains("transaction not found"))
    {
        code = Some(NOT_FOUND.to_string());
    }
    let mut detail = format!("{what}: HTTP {}", answer.status);
    if let Some(code) = &code {
        detail.push_str(&format!(" ({code})"));
    }
    if kind == GatewayErrorKind::IdempotencyConflict {
        detail.push_str(
            ": this tx_ref was used with other payment details; a checkout needs a new \
             idempotency key for new details",
        );
    } else if kind != GatewayErrorKind::Unauthorized && !message.is_empty() {
        detail.push_str(&format!(": {}", safe_message(message)));
    }
    Err(GatewayFailure::new(kind, Some(answer.status), detail).with_code(code))
}

/// A verified transaction's status at `now` (see the module's statuses).
pub(super) fn read_status(
    what: &str,
    data: &Value,
    now: DateTime<Utc>,
) -> GatewayResult<CheckoutStatus> {
    let status = string(what, data, "status")?;
    match status.as_str() {
        "successful" => {
            let (amount_minor, currency) = amount_of(what, data, "amount")?;
            Ok(CheckoutStatus::Paid {
                amount_minor,
                currency,
                paid_at: created_at(what, data)?,
                payment_ref: transaction_id(what, data)?,
            })
        }
        "failed" => {
            let decline = decline_code(data);
            if session_over(created_at(what, data)?, now) {
                Ok(CheckoutStatus::Failed { reason: decline })
            } else {
                Ok(CheckoutStatus::Open {
                    last_decline: Some(decline),
                })
            }
        }
        "pending" | "processing" | "new" => Ok(CheckoutStatus::Open { last_decline: None }),
        other => Err(GatewayFailure::malformed(format!(
            "{what}: unknown transaction status {:?}",
            safe_code(other).unwrap_or_default()
        ))),
    }
}

/// Whether a session that started before an attempt made at `attempt` is over.
pub(super) fn session_over(attempt: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    attempt + Duration::minutes(SESSION_MINUTES) <= now
}

/// `processor_response` as a code (`Insufficient Funds` → `insufficient_funds`),
/// else `declined`.
pub(super) fn decline_code(data: &Value) -> String {
    data.get("processor_response")
        .and_then(Value::as_str)
        .map(|r| r.trim().to_ascii_lowercase().replace(' ', "_"))
        .and_then(|r| safe_code(&r))
        .unwrap_or_else(|| "declined".into())
}

pub(super) fn read_refund(
    what: &str,
    data: &Value,
    currency: &str,
    digits: u32,
) -> GatewayResult<Refund> {
    let status = string(what, data, "status")?;
    let status = match status.as_str() {
        s if s.starts_with("completed") || s == "successful" => RefundStatus::Succeeded,
        "pending" | "processing" | "new" => RefundStatus::Pending,
        "failed" => RefundStatus::Failed,
        "cancelled" | "canceled" => RefundStatus::Canceled,
        other => {
            return Err(GatewayFailure::malformed(format!(
                "{what}: unknown refund status {:?}",
                safe_code(other).unwrap_or_default()
            )))
        }
    };
    let amount = string(what, data, "amount_refunded")?;
    Ok(Refund {
        refund_ref: transaction_id(what, data)?,
        amount_minor: money::parse_major(&amount, digits).ok_or_else(|| bad_amount(what))?,
        currency: currency.to_ascii_lowercase(),
        status,
    })
}

/// An amount and its currency (lower-case) from an answer, exactly.
pub(super) fn amount_of(what: &str, data: &Value, key: &str) -> GatewayResult<(i64, String)> {
    let currency = string(what, data, "currency")?;
    let digits = money::minor_digits(&currency).ok_or_else(|| {
        GatewayFailure::malformed(format!("{what}: the answer's currency is not one we take"))
    })?;
    let text = string(what, data, key)?;
    let minor = money::parse_major(&text, digits).ok_or_else(|| bad_amount(what))?;
    Ok((minor, currency.to_ascii_lowercase()))
}

pub(super) fn bad_amount(what: &str) -> GatewayFailure {
    GatewayFailure::malformed(format!(
        "{what}: the answer's amount is not a plain decimal with at most its currency's \
         decimals"
    ))
}

pub(super) fn transaction_id(what: &str, data: &Value) -> GatewayResult<String> {
    let id = string(what, data, "id")?;
    check_transaction_id(what, &id)
        .map(|_| id)
        .map_err(|_| GatewayFailure::malformed(format!("{what}: the answer's id is not a number")))
}

pub(super) fn created_at(what: &str, data: &Value) -> GatewayResult<DateTime<Utc>> {
    data.get("created_at")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| GatewayFailure::malformed(format!("{what}: the answer has no created_at")))
}

/// A non-empty string field (numbers are strings of their text here).
pub(super) fn string(what: &str, value: &Value, key: &str) -> GatewayResult<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| GatewayFailure::malformed(format!("{what}: the answer has no {key}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn answers_are_sorted_into_failures() {
        let duplicate = read_answer(
            "x",
            &answer(
                400,
                r#"{"status":"error","message":"Duplicate tx_ref: used with other payment details","data":null}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(duplicate.kind, GatewayErrorKind::IdempotencyConflict);
        assert_eq!(duplicate.code.as_deref(), Some("duplicate_reference"));
        let missing = read_answer(
            "x",
            &answer(
                400,
                r#"{"status":"error","message":"No transaction was found for this id","data":null}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(missing.kind, GatewayErrorKind::Invalid);
        assert_eq!(missing.code.as_deref(), Some(NOT_FOUND));
        let key = read_answer(
            "x",
            &answer(401, r#"{"status":"error","message":"Invalid authorization key FLWSECK_TEST-abc","data":null}"#),
        )
        .unwrap_err();
        assert_eq!(key.kind, GatewayErrorKind::Unauthorized);
        assert!(!key.detail.contains("FLWSECK"), "{}", key.detail);
        let truncated = read_answer("x", &answer(200, r#"{"status":"success","da"#)).unwrap_err();
        assert_eq!(truncated.kind, GatewayErrorKind::Malformed);
        let ok = read_answer(
            "x",
            &answer(
                200,
                r#"{"status":"success","message":"Hosted Link","data":{"link":"https://x/pay/1"}}"#,
            ),
        )
        .unwrap();
        assert_eq!(ok["data"]["link"], "https://x/pay/1");
    }

    #[test]
    fn paid_answers_and_refunds_are_read_exactly() {
        let body = r#"{"id":9,"tx_ref":"k","amount":5000,"currency":"UGX","status":"successful","created_at":"2026-01-05T10:00:00.000Z"}"#;
        let data = money::parse_exact(body.as_bytes()).unwrap();
        assert!(matches!(
            read_status("x", &data, Utc::now()).unwrap(),
            CheckoutStatus::Paid { amount_minor: 5000, ref currency, ref payment_ref, .. }
                if currency == "ugx" && payment_ref == "9"
        ));
        let fractional = money::parse_exact(body.replace("5000", "5000.5").as_bytes()).unwrap();
        assert_eq!(
            read_status("x", &fractional, Utc::now()).unwrap_err().kind,
            GatewayErrorKind::Malformed
        );
        let refund = money::parse_exact(
            br#"{"id":75923,"tx_id":9,"amount_refunded":25.5,"status":"completed"}"#,
        )
        .unwrap();
        let refund = read_refund("x", &refund, "NGN", 2).unwrap();
        assert_eq!(refund.amount_minor, 2550);
        assert_eq!(refund.currency, "ngn");
        assert_eq!(refund.status, RefundStatus::Succeeded);
        assert_eq!(refund.refund_ref, "75923");
    }
}

//! Paystack against the local gateway in its Paystack mode: a transaction paid on
//! its page and verified, a declined attempt, the signed `charge.success` webhook,
//! refunds (partial, above what is left, and one whose answer is lost: found by
//! its note, never sent twice), and an initialize resent after a timeout (the
//! unique reference refuses a second transaction).
mod common;

use clinic_payments::paystack::verify_webhook;
use clinic_payments::{
    CheckoutStatus, GatewayErrorKind, PaymentGateway, RefundStatus, WebhookError, WebhookEventKind,
    WebhookSecret,
};
use clinic_server_harness::GatewayOptions;
use common::*;

#[tokio::test]
async fn a_transaction_paid_on_its_page_verifies_paid_and_its_webhook_is_signed() {
    let listener = WebhookListener::start(0);
    let gateway = start(GatewayOptions::new().paystack().webhook(&listener.url));
    let paystack = paystack(&gateway);
    let request = checkout_request("pay-0301", 500_000, "NGN");
    let checkout = paystack.create_checkout(&request).await.unwrap();
    assert_eq!(checkout.gateway_ref, request.idempotency_key.as_str());
    let access_code = checkout.url.rsplit('/').next().unwrap().to_string();
    assert_eq!(
        paystack
            .checkout_status(&checkout.gateway_ref)
            .await
            .unwrap(),
        CheckoutStatus::Open { last_decline: None }
    );
    // The clinic's address went as the customer, never the patient's.
    let sessions = json(&gateway.admin_get("sessions").unwrap());
    assert_eq!(sessions[0]["customer"]["email"], CLINIC_EMAIL);
    assert_eq!(sessions[0]["metadata"]["payment_id"], "pay-0301");

    assert_eq!(gateway.pay(&access_code, "4000000000000002").unwrap(), 402);
    assert_eq!(
        paystack
            .checkout_status(&checkout.gateway_ref)
            .await
            .unwrap(),
        CheckoutStatus::Open {
            last_decline: Some("declined".into())
        }
    );
    assert_eq!(gateway.pay(&access_code, "4084084084084081").unwrap(), 303);
    match paystack
        .checkout_status(&checkout.gateway_ref)
        .await
        .unwrap()
    {
        CheckoutStatus::Paid {
            amount_minor,
            currency,
            payment_ref,
            ..
        } => {
            assert_eq!(amount_minor, 500_000);
            assert_eq!(currency, "ngn");
            assert_eq!(payment_ref, checkout.gateway_ref);
        }
        other => panic!("expected Paid, got {other:?}"),
    }

    let delivery = listener.next_accepted();
    let secret = WebhookSecret::new(gateway.secret_key()).unwrap();
    let now = chrono::Utc::now();
    let event = paystack
        .verify_webhook(&delivery.headers, &delivery.body, &secret, now)
        .unwrap();
    assert_eq!(event.event_type, "charge.success");
    assert!(matches!(
        event.kind,
        WebhookEventKind::CheckoutPaid { amount_minor: 500_000, ref payment_id, .. }
            if payment_id.as_deref() == Some("pay-0301")
    ));
    let tampered = String::from_utf8(delivery.body.clone())
        .unwrap()
        .replace("500000", "5000");
    assert_eq!(
        verify_webhook(&delivery.headers, tampered.as_bytes(), &secret, now),
        Err(WebhookError::BadSignature)
    );
}

#[tokio::test]
async fn refunds_are_checked_and_a_lost_answer_never_refunds_twice() {
    let gateway = start(GatewayOptions::new().paystack());
    let paystack = paystack(&gateway);
    let checkout = paystack
        .create_checkout(&checkout_request("pay-0302", 300_000, "NGN"))
        .await
        .unwrap();
    let access_code = checkout.url.rsplit('/').next().unwrap().to_string();
    gateway.pay(&access_code, "4084084084084081").unwrap();

    // The refund is processed, then the connection closes unanswered: the resend
    // first lists the transaction's refunds, finds this key's, and does not refund again.
    fault_on(&gateway, "drop", "POST", "/refund");
    let refund_key = key("refund");
    let refund = paystack
        .refund(&checkout.gateway_ref, 100_000, &refund_key)
        .await
        .unwrap();
    assert_eq!(refund.amount_minor, 100_000);
    assert_eq!(refund.currency, "ngn");
    assert_eq!(refund.status, RefundStatus::Pending);
    assert_eq!(events_of(&gateway, "refund.processed").len(), 1);
    assert_eq!(requests_to(&gateway, "POST", "/refund").len(), 1);
    // Asked again later with the same key: the same refund.
    let again = paystack
        .refund(&checkout.gateway_ref, 100_000, &refund_key)
        .await
        .unwrap();
    assert_eq!(again.refund_ref, refund.refund_ref);
    assert_eq!(events_of(&gateway, "refund.processed").len(), 1);

    let failure = paystack
        .refund(&checkout.gateway_ref, 200_001, &key("refund"))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Invalid);
    assert_eq!(failure.status, Some(400));
    paystack
        .refund(&checkout.gateway_ref, 200_000, &key("refund"))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_initialize_resent_after_a_timeout_makes_no_second_transaction() {
    let gateway = start(GatewayOptions::new().paystack());
    let paystack = paystack(&gateway);
    fault(&gateway, "slow:3000", 1, "/transaction/initialize");
    let request = checkout_request("pay-0303", 100_000, "NGN");
    let failure = paystack.create_checkout(&request).await.unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::IdempotencyConflict);
    assert_eq!(failure.code.as_deref(), Some("duplicate_reference"));
    let sessions = json(&gateway.admin_get("sessions").unwrap());
    assert_eq!(sessions.as_array().unwrap().len(), 1);
    // Its status is there under the same reference.
    assert_eq!(
        paystack
            .checkout_status(request.idempotency_key.as_str())
            .await
            .unwrap(),
        CheckoutStatus::Open { last_decline: None }
    );

    let wrong = {
        let (timeouts, retry) = quick_timeouts();
        clinic_payments::Paystack::new(clinic_payments::PaystackConfig {
            api_base: gateway.base_url(),
            secret_key: clinic_payments::ApiKey::new("sk_test_wrong").unwrap(),
            customer_email: CLINIC_EMAIL.into(),
            timeouts,
            retry,
        })
        .unwrap()
    };
    let failure = wrong
        .checkout_status(request.idempotency_key.as_str())
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Unauthorized);
    fault(&gateway, "malformed", 1, "/transaction/verify");
    let failure = paystack
        .checkout_status(request.idempotency_key.as_str())
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Malformed);
}

//! Stripe refunds against the local gateway: full and partial, the same key
//! replayed, a lost answer sent again (one refund), and refunds the gateway
//! refuses (above what is left, already refunded, an unpaid checkout).
mod common;

use clinic_payments::{CheckoutStatus, GatewayErrorKind, RefundStatus, Stripe};
use clinic_server_harness::{GatewayOptions, GatewayServer};
use common::*;

/// A paid checkout of `amount` USD cents: its PaymentIntent id.
async fn paid(gateway: &GatewayServer, stripe: &Stripe, payment_id: &str, amount: i64) -> String {
    let checkout = stripe
        .create_checkout(&checkout_request(payment_id, amount, "usd"))
        .await
        .unwrap();
    gateway
        .pay(&checkout.gateway_ref, "4242424242424242")
        .unwrap();
    match stripe.checkout_status(&checkout.gateway_ref).await.unwrap() {
        CheckoutStatus::Paid { payment_ref, .. } => payment_ref,
        other => panic!("expected Paid, got {other:?}"),
    }
}

#[tokio::test]
async fn a_full_refund_returns_everything_and_a_second_is_refused() {
    let gateway = start(GatewayOptions::new());
    let stripe = stripe(&gateway);
    let payment_ref = paid(&gateway, &stripe, "pay-0101", 2500).await;
    let refund = stripe
        .refund(&payment_ref, 2500, &key("refund"))
        .await
        .unwrap();
    assert!(refund.refund_ref.starts_with("re_"));
    assert_eq!(refund.amount_minor, 2500);
    assert_eq!(refund.currency, "usd");
    assert_eq!(refund.status, RefundStatus::Succeeded);
    let failure = stripe
        .refund(&payment_ref, 1, &key("refund"))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Invalid);
    assert_eq!(failure.code.as_deref(), Some("charge_already_refunded"));
}

#[tokio::test]
async fn partial_refunds_add_up_and_one_above_what_is_left_is_invalid() {
    let gateway = start(GatewayOptions::new());
    let stripe = stripe(&gateway);
    let payment_ref = paid(&gateway, &stripe, "pay-0102", 2500).await;
    let first_key = key("refund");
    let first = stripe.refund(&payment_ref, 1000, &first_key).await.unwrap();
    assert_eq!(first.amount_minor, 1000);
    // The same key again: the same refund, not a second one.
    let replay = stripe.refund(&payment_ref, 1000, &first_key).await.unwrap();
    assert_eq!(replay, first);

    let failure = stripe
        .refund(&payment_ref, 1501, &key("refund"))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Invalid);
    assert_eq!(failure.status, Some(400));
    assert_eq!(failure.code.as_deref(), Some("amount_too_large"));
    assert!(
        failure.detail.contains("greater than"),
        "{}",
        failure.detail
    );
    assert!(!failure.is_temporary());

    let rest = stripe
        .refund(&payment_ref, 1500, &key("refund"))
        .await
        .unwrap();
    assert_eq!(rest.amount_minor, 1500);
    let refunded: Vec<i64> = events_of(&gateway, "charge.refunded")
        .iter()
        .map(|e| e["data"]["object"]["amount_refunded"].as_i64().unwrap())
        .collect();
    assert_eq!(refunded, vec![1000, 2500]);
}

#[tokio::test]
async fn a_refund_whose_answer_is_lost_is_sent_again_and_refunds_once() {
    let gateway = start(GatewayOptions::new());
    let stripe = stripe(&gateway);
    let payment_ref = paid(&gateway, &stripe, "pay-0103", 3000).await;
    fault(&gateway, "drop", 1, "/v1/refunds");
    let refund_key = key("refund");
    let refund = stripe
        .refund(&payment_ref, 1200, &refund_key)
        .await
        .unwrap();
    assert_eq!(refund.amount_minor, 1200);
    let log = requests_to(&gateway, "POST", "/v1/refunds");
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log
        .iter()
        .all(|r| r["idempotencyKey"] == refund_key.as_str()));
    assert_eq!(log[1]["replayed"], true);
    assert_eq!(events_of(&gateway, "charge.refunded").len(), 1);
    // 1800 is left: exactly.
    stripe
        .refund(&payment_ref, 1800, &key("refund"))
        .await
        .unwrap();
}

#[tokio::test]
async fn unpaid_or_unknown_payments_cannot_be_refunded() {
    let gateway = start(GatewayOptions::new());
    let stripe = stripe(&gateway);
    let failure = stripe
        .refund("pi_unknown", 100, &key("refund"))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Invalid);
    assert_eq!(failure.code.as_deref(), Some("resource_missing"));
    // Nothing is sent for a non-positive amount or a malformed reference.
    for (payment_ref, amount) in [("pi_x", 0), ("pi_x", -5), ("pi/../x", 5)] {
        let failure = stripe
            .refund(payment_ref, amount, &key("refund"))
            .await
            .unwrap_err();
        assert_eq!(failure.kind, GatewayErrorKind::Invalid);
    }
    assert_eq!(requests_to(&gateway, "POST", "/v1/refunds").len(), 1);
}

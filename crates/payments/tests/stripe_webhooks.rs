//! Stripe's signed webhooks from the local gateway to a tiny listener: a paid,
//! expired and refunded checkout verify with `verify_webhook` and read as their
//! events; a tampered body, another secret, an old timestamp or a missing header
//! are refused; a delivery the receiver failed is retried with the same event id.
mod common;

use chrono::{DateTime, Duration, Utc};
use clinic_payments::stripe::verify_webhook;
use clinic_payments::{
    CheckoutStatus, PaymentGateway, WebhookError, WebhookEventKind, WebhookSecret,
};
use clinic_server_harness::gateway::DEFAULT_WEBHOOK_SECRET;
use clinic_server_harness::GatewayOptions;
use common::*;
use reqwest::header::HeaderMap;

fn secret() -> WebhookSecret {
    WebhookSecret::new(DEFAULT_WEBHOOK_SECRET).unwrap()
}

/// The `t=` of a delivery's Stripe-Signature.
fn signed_at(headers: &HeaderMap) -> DateTime<Utc> {
    let header = headers["stripe-signature"].to_str().unwrap();
    let t = header
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .unwrap()
        .parse()
        .unwrap();
    DateTime::from_timestamp(t, 0).unwrap()
}

#[tokio::test]
async fn signed_events_verify_and_forgeries_or_replays_do_not() {
    let listener = WebhookListener::start(0);
    let gateway = start(GatewayOptions::new().webhook(&listener.url));
    let stripe = stripe(&gateway);
    let checkout = stripe
        .create_checkout(&checkout_request("pay-0201", 4200, "usd"))
        .await
        .unwrap();
    gateway
        .pay(&checkout.gateway_ref, "4242424242424242")
        .unwrap();

    let delivery = listener.next_accepted();
    let at = signed_at(&delivery.headers);
    let event = stripe
        .verify_webhook(&delivery.headers, &delivery.body, &secret(), at)
        .unwrap();
    assert_eq!(event.event_type, "checkout.session.completed");
    assert!(event.id.starts_with("evt_"));
    let paid_ref = match stripe.checkout_status(&checkout.gateway_ref).await.unwrap() {
        CheckoutStatus::Paid { payment_ref, .. } => payment_ref,
        other => panic!("expected Paid, got {other:?}"),
    };
    assert_eq!(
        event.kind,
        WebhookEventKind::CheckoutPaid {
            checkout_ref: checkout.gateway_ref.clone(),
            payment_id: Some("pay-0201".into()),
            amount_minor: 4200,
            currency: "usd".into(),
            payment_ref: Some(paid_ref),
        }
    );
    // Still fine 4 minutes later; refused 6 minutes later (a captured delivery replayed).
    let later = at + Duration::minutes(4);
    assert!(verify_webhook(&delivery.headers, &delivery.body, &secret(), later).is_ok());
    let replayed = verify_webhook(
        &delivery.headers,
        &delivery.body,
        &secret(),
        at + Duration::minutes(6),
    );
    assert!(
        matches!(
            replayed,
            Err(WebhookError::StaleTimestamp { age_seconds: 360 })
        ),
        "{replayed:?}"
    );
    // The amount changed in transit.
    let tampered = String::from_utf8(delivery.body.clone())
        .unwrap()
        .replace("4200", "4");
    assert_ne!(tampered.as_bytes(), delivery.body.as_slice());
    assert_eq!(
        verify_webhook(&delivery.headers, tampered.as_bytes(), &secret(), at),
        Err(WebhookError::BadSignature)
    );
    // Signed with another endpoint's secret.
    let other = WebhookSecret::new("whsec_another_endpoint").unwrap();
    assert_eq!(
        verify_webhook(&delivery.headers, &delivery.body, &other, at),
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        verify_webhook(&HeaderMap::new(), &delivery.body, &secret(), at),
        Err(WebhookError::MissingSignature)
    );
}

#[tokio::test]
async fn expired_and_refunded_checkouts_arrive_as_their_events() {
    let listener = WebhookListener::start(0);
    let gateway = start(GatewayOptions::new().webhook(&listener.url));
    let stripe = stripe(&gateway);
    let unpaid = stripe
        .create_checkout(&checkout_request("pay-0202", 700, "usd"))
        .await
        .unwrap();
    stripe.expire_checkout(&unpaid.gateway_ref).await.unwrap();
    let delivery = listener.next_accepted();
    let event = verify_webhook(
        &delivery.headers,
        &delivery.body,
        &secret(),
        signed_at(&delivery.headers),
    )
    .unwrap();
    assert_eq!(
        event.kind,
        WebhookEventKind::CheckoutExpired {
            checkout_ref: unpaid.gateway_ref.clone(),
            payment_id: Some("pay-0202".into()),
        }
    );

    let paid = stripe
        .create_checkout(&checkout_request("pay-0203", 2000, "usd"))
        .await
        .unwrap();
    gateway.pay(&paid.gateway_ref, "4242424242424242").unwrap();
    let _completed = listener.next_accepted();
    let CheckoutStatus::Paid { payment_ref, .. } =
        stripe.checkout_status(&paid.gateway_ref).await.unwrap()
    else {
        panic!("not paid");
    };
    stripe
        .refund(&payment_ref, 500, &key("refund"))
        .await
        .unwrap();
    let delivery = listener.next_accepted();
    let event = verify_webhook(
        &delivery.headers,
        &delivery.body,
        &secret(),
        signed_at(&delivery.headers),
    )
    .unwrap();
    assert_eq!(event.event_type, "charge.refunded");
    assert_eq!(
        event.kind,
        WebhookEventKind::Refunded {
            payment_ref,
            payment_id: Some("pay-0203".into()),
            currency: "usd".into(),
            refunded_total_minor: Some(500),
            refund_amount_minor: None,
        }
    );
}

#[tokio::test]
async fn a_delivery_the_receiver_failed_is_retried_with_the_same_event() {
    // The central server is down for the first two deliveries.
    let listener = WebhookListener::start(2);
    let gateway = start(
        GatewayOptions::new()
            .webhook(&listener.url)
            .webhook_retries(4, 100),
    );
    let stripe = stripe(&gateway);
    let checkout = stripe
        .create_checkout(&checkout_request("pay-0204", 1500, "usd"))
        .await
        .unwrap();
    gateway
        .pay(&checkout.gateway_ref, "4242424242424242")
        .unwrap();
    let attempts: Vec<_> = (0..3).map(|_| listener.next_any()).collect();
    assert_eq!(
        attempts.iter().map(|d| d.answered).collect::<Vec<_>>(),
        vec![500, 500, 200]
    );
    // Every attempt is signed afresh and carries the same event: applied once by its id.
    let ids: Vec<String> = attempts
        .iter()
        .map(|d| {
            verify_webhook(&d.headers, &d.body, &secret(), signed_at(&d.headers))
                .unwrap()
                .id
        })
        .collect();
    assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
    let deliveries = wait_for(&gateway, "deliveries", |d| d.as_array().unwrap().len() >= 3);
    let oks: Vec<bool> = deliveries
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["ok"].as_bool().unwrap())
        .collect();
    assert_eq!(oks, vec![false, false, true]);
}

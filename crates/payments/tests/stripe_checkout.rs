//! Stripe checkouts against the local gateway (tests/gateway-server): a hosted page
//! paid, declined, expired, failing asynchronously; idempotency (a replayed key, a
//! reused key with other parameters, a POST sent again after a timeout, a lost
//! answer or while its key is in use — one session each time); and every failure
//! answer sorted into its kind (401, 429, 500, a malformed body, unreachable).
mod common;

use clinic_payments::{CheckoutStatus, GatewayErrorKind, PaymentGateway, RetryPolicy};
use clinic_server_harness::GatewayOptions;
use common::*;
use std::time::Duration;

#[tokio::test]
async fn a_checkout_paid_with_the_success_card_reads_paid_with_its_amount() {
    let gateway = start(GatewayOptions::new());
    let stripe = stripe(&gateway);
    let request = checkout_request("pay-0001", 2500, "USD");
    let checkout = stripe.create_checkout(&request).await.unwrap();
    assert!(checkout.gateway_ref.starts_with("cs_test_"), "{checkout:?}");
    assert_eq!(
        checkout.url,
        format!("{}/pay/{}", gateway.base_url(), checkout.gateway_ref)
    );
    assert!(checkout.expires_at.is_some());
    assert_eq!(
        stripe.checkout_status(&checkout.gateway_ref).await.unwrap(),
        CheckoutStatus::Open { last_decline: None }
    );
    // What reached the gateway: our payment id as the reference, the amount, no PHI.
    let sessions = json(&gateway.admin_get("sessions").unwrap());
    let session = &sessions[0];
    assert_eq!(session["client_reference_id"], "pay-0001");
    assert_eq!(session["metadata"]["payment_id"], "pay-0001");
    assert_eq!(session["amount_total"], 2500);
    assert_eq!(session["currency"], "usd");

    assert_eq!(
        gateway
            .pay(&checkout.gateway_ref, "4242424242424242")
            .unwrap(),
        303
    );
    match stripe.checkout_status(&checkout.gateway_ref).await.unwrap() {
        CheckoutStatus::Paid {
            amount_minor,
            currency,
            payment_ref,
            paid_at,
        } => {
            assert_eq!(amount_minor, 2500);
            assert_eq!(currency, "usd");
            assert!(payment_ref.starts_with("pi_"), "{payment_ref}");
            assert!(paid_at.timestamp() > 1_600_000_000);
        }
        other => panic!("expected Paid, got {other:?}"),
    }
    // A paid page takes no second payment.
    assert_eq!(
        gateway
            .pay(&checkout.gateway_ref, "4242424242424242")
            .unwrap(),
        409
    );
}

#[tokio::test]
async fn a_declined_card_leaves_the_checkout_open_with_the_decline() {
    let gateway = start(GatewayOptions::new());
    let stripe = stripe(&gateway);
    let checkout = stripe
        .create_checkout(&checkout_request("pay-0002", 1800, "usd"))
        .await
        .unwrap();
    assert_eq!(
        gateway
            .pay(&checkout.gateway_ref, "4000000000000002")
            .unwrap(),
        402
    );
    assert_eq!(
        stripe.checkout_status(&checkout.gateway_ref).await.unwrap(),
        CheckoutStatus::Open {
            last_decline: Some("generic_decline".into())
        }
    );
    assert_eq!(
        gateway
            .pay(&checkout.gateway_ref, "4000000000009995")
            .unwrap(),
        402
    );
    assert_eq!(
        stripe.checkout_status(&checkout.gateway_ref).await.unwrap(),
        CheckoutStatus::Open {
            last_decline: Some("insufficient_funds".into())
        }
    );
    // The patient tries another card on the same page.
    gateway
        .pay(&checkout.gateway_ref, "5555555555554444")
        .unwrap();
    assert!(matches!(
        stripe.checkout_status(&checkout.gateway_ref).await.unwrap(),
        CheckoutStatus::Paid {
            amount_minor: 1800,
            ..
        }
    ));
}

#[tokio::test]
async fn expired_checkouts_read_expired_and_take_no_payment() {
    let gateway = start(GatewayOptions::new());
    let stripe = stripe(&gateway);
    // Expired by the gateway (its time ran out).
    let first = stripe
        .create_checkout(&checkout_request("pay-0003", 900, "usd"))
        .await
        .unwrap();
    gateway
        .admin(
            "expire",
            &format!(r#"{{"session":"{}"}}"#, first.gateway_ref),
        )
        .unwrap();
    assert_eq!(
        stripe.checkout_status(&first.gateway_ref).await.unwrap(),
        CheckoutStatus::Expired
    );
    assert_eq!(
        gateway.pay(&first.gateway_ref, "4242424242424242").unwrap(),
        409
    );
    // Expired by us (the payment was cancelled at the desk).
    let second = stripe
        .create_checkout(&checkout_request("pay-0004", 900, "usd"))
        .await
        .unwrap();
    assert_eq!(
        stripe.expire_checkout(&second.gateway_ref).await.unwrap(),
        CheckoutStatus::Expired
    );
    // Expiring a paid one leaves it paid and says so.
    let third = stripe
        .create_checkout(&checkout_request("pay-0005", 900, "usd"))
        .await
        .unwrap();
    gateway.pay(&third.gateway_ref, "4242424242424242").unwrap();
    assert!(matches!(
        stripe.expire_checkout(&third.gateway_ref).await.unwrap(),
        CheckoutStatus::Paid { .. }
    ));
    assert_eq!(events_of(&gateway, "checkout.session.expired").len(), 2);
}

#[tokio::test]
async fn an_asynchronous_payment_that_fails_reads_processing_then_failed() {
    let gateway = start(GatewayOptions::new());
    let stripe = stripe(&gateway);
    let checkout = stripe
        .create_checkout(&checkout_request("pay-0006", 4000, "eur"))
        .await
        .unwrap();
    let control = |outcome: &str| {
        gateway
            .admin(
                "async-payment",
                &format!(
                    r#"{{"session":"{}","outcome":"{outcome}"}}"#,
                    checkout.gateway_ref
                ),
            )
            .unwrap();
    };
    control("processing");
    assert_eq!(
        stripe.checkout_status(&checkout.gateway_ref).await.unwrap(),
        CheckoutStatus::Processing
    );
    control("failed");
    assert_eq!(
        stripe.checkout_status(&checkout.gateway_ref).await.unwrap(),
        CheckoutStatus::Failed {
            reason: "payment_method_failed".into()
        }
    );
}

#[tokio::test]
async fn the_same_key_gives_the_same_checkout_and_other_parameters_conflict() {
    let gateway = start(GatewayOptions::new());
    let stripe = stripe(&gateway);
    let request = checkout_request("pay-0007", 2500, "usd");
    let first = stripe.create_checkout(&request).await.unwrap();
    // The billing core asks again with the same key (after a restart, say).
    let again = stripe.create_checkout(&request).await.unwrap();
    assert_eq!(again, first);
    let log = requests_to(&gateway, "POST", "/v1/checkout/sessions");
    assert_eq!(log.len(), 2);
    assert_eq!(log[1]["replayed"], true);
    // The same key for another amount is refused, not a second page.
    let mut changed = request.clone();
    changed.amount_minor = 2600;
    let failure = stripe.create_checkout(&changed).await.unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::IdempotencyConflict);
    assert_eq!(failure.status, Some(400));
    assert!(!failure.is_temporary());
    assert_eq!(
        json(&gateway.admin_get("sessions").unwrap())
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_post_timed_out_is_sent_again_with_its_key_and_makes_one_session() {
    let gateway = start(GatewayOptions::new());
    let stripe = stripe(&gateway);
    // The gateway creates the session at once but answers after 3 s (client timeout: 1 s).
    fault(&gateway, "slow:3000", 1, "/v1/checkout/sessions");
    let request = checkout_request("pay-0008", 2500, "usd");
    let checkout = stripe.create_checkout(&request).await.unwrap();
    let log = requests_to(&gateway, "POST", "/v1/checkout/sessions");
    assert_eq!(log.len(), 2, "{log:?}");
    for entry in &log {
        assert_eq!(entry["idempotencyKey"], request.idempotency_key.as_str());
    }
    assert_eq!(log[0]["fault"], "slow:3000");
    assert_eq!(log[1]["replayed"], true);
    let sessions = json(&gateway.admin_get("sessions").unwrap());
    assert_eq!(sessions.as_array().unwrap().len(), 1);
    assert_eq!(sessions[0]["id"], checkout.gateway_ref.as_str());
}

#[tokio::test]
async fn a_lost_answer_and_a_key_in_use_are_retried_to_one_session() {
    let gateway = start(GatewayOptions::new());
    let stripe = stripe(&gateway);
    // Processed, then the connection closes unanswered.
    fault(&gateway, "drop", 1, "/v1/checkout/sessions");
    let dropped = checkout_request("pay-0009", 1000, "usd");
    let first = stripe.create_checkout(&dropped).await.unwrap();
    // Processing starts only after 2.5 s: the resend (after the 1 s timeout) finds the key in
    // use (409), waits, and then gets the first request's answer.
    fault(&gateway, "hold:2500", 1, "/v1/checkout/sessions");
    let held = checkout_request("pay-0010", 1000, "usd");
    let (timeouts, _) = quick_timeouts();
    let patient = clinic_payments::Stripe::new(clinic_payments::StripeConfig {
        api_base: gateway.base_url(),
        secret_key: clinic_payments::ApiKey::new(gateway.secret_key()).unwrap(),
        timeouts,
        retry: RetryPolicy {
            attempts: 12,
            first_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(400),
        },
    })
    .unwrap();
    let second = patient.create_checkout(&held).await.unwrap();
    assert_ne!(first.gateway_ref, second.gateway_ref);
    let log = requests_to(&gateway, "POST", "/v1/checkout/sessions");
    let statuses_for = |key: &str| -> Vec<u64> {
        log.iter()
            .filter(|r| r["idempotencyKey"] == key)
            .map(|r| r["status"].as_u64().unwrap_or(0))
            .collect()
    };
    assert!(statuses_for(dropped.idempotency_key.as_str()).len() >= 2);
    assert!(
        statuses_for(held.idempotency_key.as_str()).contains(&409),
        "{log:?}"
    );
    assert_eq!(
        json(&gateway.admin_get("sessions").unwrap())
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn gateway_failures_are_sorted_into_their_kinds() {
    let gateway = start(GatewayOptions::new());
    let stripe = stripe(&gateway);
    let request = checkout_request("pay-0011", 2500, "usd");

    let wrong_key = stripe_with_key(&gateway, "sk_test_NotTheKey0123456789");
    let failure = wrong_key.create_checkout(&request).await.unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Unauthorized);
    assert_eq!(failure.status, Some(401));
    assert!(!failure.is_temporary());
    assert!(
        !failure.detail.contains("NotTheKey") && !format!("{wrong_key:?}").contains("NotTheKey"),
        "the key leaked: {failure:?}"
    );

    fault(&gateway, "429", 1, "/v1/checkout/sessions");
    let failure = stripe.create_checkout(&request).await.unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::RateLimited);
    assert_eq!(failure.code.as_deref(), Some("rate_limit"));
    assert!(failure.is_temporary());

    fault(&gateway, "500", 1, "/v1/checkout/sessions");
    let failure = stripe.create_checkout(&request).await.unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::ServerError);
    assert_eq!(failure.status, Some(500));
    assert!(failure.is_temporary());

    fault(&gateway, "malformed", 1, "/v1/checkout/sessions");
    let failure = stripe.create_checkout(&request).await.unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Malformed);
    assert!(!failure.is_temporary());

    // None of these was sent twice, and none made a session; the key still works.
    assert_eq!(
        requests_to(&gateway, "POST", "/v1/checkout/sessions").len(),
        4
    );
    assert!(json(&gateway.admin_get("sessions").unwrap())
        .as_array()
        .unwrap()
        .is_empty());
    stripe.create_checkout(&request).await.unwrap();

    let failure = stripe.checkout_status("cs_test_unknown").await.unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Invalid);
    assert_eq!(failure.code.as_deref(), Some("resource_missing"));
    assert_eq!(failure.status, Some(404));
}

#[tokio::test]
async fn an_unreachable_gateway_is_unreachable_and_temporary() {
    let mut gateway = start(GatewayOptions::new());
    let stripe = stripe(&gateway);
    gateway.kill();
    let failure = stripe
        .create_checkout(&checkout_request("pay-0012", 100, "usd"))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Unreachable);
    assert!(failure.is_temporary());
    // Through the trait object too, as a runner holds it.
    let gateway_dyn: &dyn PaymentGateway = &stripe;
    assert_eq!(gateway_dyn.name(), "stripe");
    let failure = gateway_dyn.checkout_status("cs_test_x").await.unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Unreachable);
}

#[test]
fn publishable_keys_and_plain_http_elsewhere_are_refused() {
    use clinic_payments::{ApiKey, Stripe, StripeConfig};
    let publishable = StripeConfig::new(ApiKey::new("pk_test_123").unwrap());
    assert_eq!(
        Stripe::new(publishable).unwrap_err().kind,
        GatewayErrorKind::NotConfigured
    );
    let mut plain = StripeConfig::new(ApiKey::new("sk_test_123").unwrap());
    plain.api_base = "http://api.stripe.example".into();
    assert_eq!(
        Stripe::new(plain).unwrap_err().kind,
        GatewayErrorKind::NotConfigured
    );
}

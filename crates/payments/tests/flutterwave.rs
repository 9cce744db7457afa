//! Flutterwave (API v3) against the local gateway in its Flutterwave mode: a
//! checkout paid on its page verifies paid with its exact amount (72.50 NGN, and
//! 5000 UGX with no decimals), a declined attempt leaves it open until its
//! session is over, the `charge.completed` webhooks carry the secret hash, a
//! checkout resent after a lost answer makes no second payment link, refunds add
//! up and one whose answer is lost is found by its comment and never sent twice,
//! and answers with more decimals than their currency has are malformed.
mod common;

use chrono::{Duration, Utc};
use clinic_payments::flutterwave::{signature_header, verify_webhook};
use clinic_payments::{
    ApiKey, Checkout, CheckoutRequest, CheckoutStatus, Flutterwave, FlutterwaveConfig,
    GatewayErrorKind, PaymentGateway, RefundStatus, WebhookError, WebhookEventKind, WebhookSecret,
};
use clinic_server_harness::gateway::DEFAULT_WEBHOOK_SECRET;
use clinic_server_harness::{GatewayOptions, GatewayServer};
use common::*;
use reqwest::header::HeaderValue;
use serde_json::Value;

const SUCCESS_CARD: &str = "4242424242424242";
const DECLINED_CARD: &str = "4000000000000002";

fn flutterwave(gateway: &GatewayServer) -> Flutterwave {
    flutterwave_with_key(gateway, gateway.secret_key()).expect("a Flutterwave client")
}

fn flutterwave_with_key(
    gateway: &GatewayServer,
    key: &str,
) -> clinic_payments::GatewayResult<Flutterwave> {
    let (timeouts, retry) = quick_timeouts();
    Flutterwave::new(FlutterwaveConfig {
        api_base: gateway.base_url(),
        secret_key: ApiKey::new(key).unwrap(),
        customer_email: CLINIC_EMAIL.into(),
        timeouts,
        retry,
    })
}

/// The gateway's payment link for `tx_ref` (test control), with its attempts and refunds.
fn link(gateway: &GatewayServer, gateway_ref: &str) -> Value {
    let tx_ref = gateway_ref.split('~').next().unwrap();
    json(&gateway.admin_get("sessions").unwrap())
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["tx_ref"] == tx_ref)
        .cloned()
        .unwrap_or_else(|| panic!("no payment link for {tx_ref}"))
}

/// The tx_ref part of a checkout's gateway_ref (`<tx_ref>~<session end>`).
fn tx_ref(checkout: &Checkout) -> &str {
    checkout.gateway_ref.split('~').next().unwrap()
}

fn link_id(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_string()
}

fn expire(gateway: &GatewayServer, gateway_ref: &str) {
    let tx_ref = gateway_ref.split('~').next().unwrap();
    gateway
        .admin("expire", &format!(r#"{{"session":"{tx_ref}"}}"#))
        .unwrap();
}

fn answer_amount(gateway: &GatewayServer, gateway_ref: &str, amount: &str) {
    let tx_ref = gateway_ref.split('~').next().unwrap();
    gateway
        .admin(
            "answer-amount",
            &format!(r#"{{"session":"{tx_ref}","amount":"{amount}"}}"#),
        )
        .unwrap();
}

/// Creates a checkout and pays it with the success card: its transaction id.
async fn paid_checkout(
    gateway: &GatewayServer,
    flw: &Flutterwave,
    request: &CheckoutRequest,
) -> String {
    let checkout = flw.create_checkout(request).await.unwrap();
    assert_eq!(
        gateway.pay(&link_id(&checkout.url), SUCCESS_CARD).unwrap(),
        303
    );
    match flw.checkout_status(&checkout.gateway_ref).await.unwrap() {
        CheckoutStatus::Paid { payment_ref, .. } => payment_ref,
        other => panic!("expected Paid, got {other:?}"),
    }
}

#[tokio::test]
async fn a_checkout_paid_on_its_page_verifies_paid_with_its_exact_amount_and_signed_webhooks() {
    let listener = WebhookListener::start(0);
    let gateway = start(GatewayOptions::new().flutterwave().webhook(&listener.url));
    let flw = flutterwave(&gateway);
    let request = checkout_request("pay-0401", 7250, "NGN");
    let before = Utc::now();
    let checkout = flw.create_checkout(&request).await.unwrap();
    assert_eq!(
        tx_ref(&checkout),
        request.idempotency_key.as_str(),
        "the tx_ref is the idempotency key"
    );
    assert!(checkout
        .url
        .starts_with(&format!("{}/pay/", gateway.base_url())));
    assert!(checkout.expires_at.unwrap() >= before + Duration::minutes(1439));

    // What went: 72.50 as its exact text, the clinic's address as the customer.
    let sent = link(&gateway, &checkout.gateway_ref);
    assert_eq!(sent["amount_text"], "72.50");
    assert_eq!(sent["currency"], "NGN");
    assert_eq!(sent["customer"]["email"], CLINIC_EMAIL);
    assert_eq!(sent["meta"]["payment_id"], "pay-0401");
    assert_eq!(sent["customizations"]["title"], "Clinic visit");
    assert_eq!(sent["session_duration"], 1440);
    assert_eq!(
        sent["redirect_url"].as_str(),
        request.success_url.as_deref()
    );
    assert_eq!(
        flw.checkout_status(&checkout.gateway_ref).await.unwrap(),
        CheckoutStatus::Open { last_decline: None }
    );

    // A declined card leaves the page open: the patient may try again.
    let page = link_id(&checkout.url);
    assert_eq!(gateway.pay(&page, DECLINED_CARD).unwrap(), 402);
    assert_eq!(
        flw.checkout_status(&checkout.gateway_ref).await.unwrap(),
        CheckoutStatus::Open {
            last_decline: Some("declined".into())
        }
    );
    assert_eq!(gateway.pay(&page, SUCCESS_CARD).unwrap(), 303);
    let attempts = link(&gateway, &checkout.gateway_ref)["transactions"].clone();
    let failed_id = attempts[0]["id"].to_string();
    let paid_id = attempts[1]["id"].to_string();
    match flw.checkout_status(&checkout.gateway_ref).await.unwrap() {
        CheckoutStatus::Paid {
            amount_minor,
            currency,
            payment_ref,
            paid_at,
        } => {
            assert_eq!(amount_minor, 7250);
            assert_eq!(currency, "ngn");
            assert_eq!(payment_ref, paid_id);
            assert!(paid_at >= before - Duration::seconds(5));
        }
        other => panic!("expected Paid, got {other:?}"),
    }

    // Both attempts' charge.completed carry the secret hash; the declined one
    // fails nothing (the session still runs), the paid one names our payment.
    let secret = WebhookSecret::new(DEFAULT_WEBHOOK_SECRET).unwrap();
    let now = Utc::now();
    let mut paid = None;
    for _ in 0..2 {
        let delivery = listener.next_accepted();
        assert_eq!(
            delivery.headers.get("verif-hash").unwrap(),
            &signature_header(&secret)
        );
        let event = flw
            .verify_webhook(&delivery.headers, &delivery.body, &secret, now)
            .unwrap();
        assert_eq!(event.event_type, "charge.completed");
        if event.id == format!("charge.completed:{failed_id}") {
            assert_eq!(event.kind, WebhookEventKind::Other);
        } else {
            assert_eq!(event.id, format!("charge.completed:{paid_id}"));
            paid = Some((delivery, event));
        }
    }
    let (delivery, event) = paid.expect("the paid attempt's webhook");
    assert_eq!(
        event.kind,
        WebhookEventKind::CheckoutPaid {
            checkout_ref: tx_ref(&checkout).to_string(),
            payment_id: Some("pay-0401".into()),
            amount_minor: 7250,
            currency: "ngn".into(),
            payment_ref: Some(paid_id),
        }
    );
    let mut wrong = delivery.headers.clone();
    wrong.insert("verif-hash", HeaderValue::from_static("whsec_test_clinix"));
    assert_eq!(
        verify_webhook(&wrong, &delivery.body, &secret, now),
        Err(WebhookError::BadSignature)
    );
    let other_endpoint = WebhookSecret::new("another-endpoint-hash").unwrap();
    assert_eq!(
        verify_webhook(&delivery.headers, &delivery.body, &other_endpoint, now),
        Err(WebhookError::BadSignature)
    );
    let mut none = delivery.headers.clone();
    none.remove("verif-hash");
    assert_eq!(
        verify_webhook(&none, &delivery.body, &secret, now),
        Err(WebhookError::MissingSignature)
    );
}

#[tokio::test]
async fn zero_decimal_currencies_go_in_whole_units() {
    let gateway = start(GatewayOptions::new().flutterwave());
    let flw = flutterwave(&gateway);
    let request = checkout_request("pay-0402", 5000, "UGX");
    let payment_ref = paid_checkout(&gateway, &flw, &request).await;
    let sent = link(&gateway, request.idempotency_key.as_str());
    assert_eq!(sent["amount_text"], "5000");
    assert_eq!(sent["amount"], 5000);
    match flw
        .checkout_status(request.idempotency_key.as_str())
        .await
        .unwrap()
    {
        CheckoutStatus::Paid {
            amount_minor,
            currency,
            ..
        } => {
            assert_eq!(amount_minor, 5000);
            assert_eq!(currency, "ugx");
        }
        other => panic!("expected Paid, got {other:?}"),
    }
    let refund = flw
        .refund(&payment_ref, 1500, &key("refund"))
        .await
        .unwrap();
    assert_eq!(refund.amount_minor, 1500);
    assert_eq!(refund.currency, "ugx");
    let refunded = link(&gateway, request.idempotency_key.as_str());
    assert_eq!(refunded["transactions"][0]["amount_refunded"], 1500);
}

#[tokio::test]
async fn a_checkout_resent_after_a_lost_answer_makes_no_second_payment_link() {
    let gateway = start(GatewayOptions::new().flutterwave());
    let flw = flutterwave(&gateway);
    // The link is made, then the connection closes unanswered: the same request
    // goes again with the same tx_ref and gets the same link.
    fault_on(&gateway, "drop", "POST", "/v3/payments");
    let request = checkout_request("pay-0403", 10_000, "NGN");
    let checkout = flw.create_checkout(&request).await.unwrap();
    assert_eq!(requests_to(&gateway, "POST", "/v3/payments").len(), 2);
    let links = json(&gateway.admin_get("sessions").unwrap());
    assert_eq!(links.as_array().unwrap().len(), 1);
    assert_eq!(links[0]["link"].as_str(), Some(checkout.url.as_str()));
    let again = flw.create_checkout(&request).await.unwrap();
    assert_eq!(again.url, checkout.url);

    // The same key with other details is refused, and nothing is made.
    let other = CheckoutRequest {
        amount_minor: 10_001,
        ..request.clone()
    };
    let failure = flw.create_checkout(&other).await.unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::IdempotencyConflict);
    assert_eq!(failure.code.as_deref(), Some("duplicate_reference"));
    assert_eq!(
        json(&gateway.admin_get("sessions").unwrap())
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A currency Flutterwave is not used for here is refused before sending.
    let sent = json(&gateway.admin_get("requests").unwrap())
        .as_array()
        .unwrap()
        .len();
    let yen = flw
        .create_checkout(&checkout_request("pay-0404", 500, "JPY"))
        .await
        .unwrap_err();
    assert_eq!(yen.kind, GatewayErrorKind::Invalid);
    assert_eq!(
        json(&gateway.admin_get("requests").unwrap())
            .as_array()
            .unwrap()
            .len(),
        sent
    );

    let wrong = flutterwave_with_key(&gateway, "FLWSECK_TEST-wrong0000000000000000-X").unwrap();
    let failure = wrong
        .checkout_status(&checkout.gateway_ref)
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Unauthorized);
    let public = flutterwave_with_key(&gateway, "FLWPUBK_TEST-clinic0000000000000000-X");
    assert_eq!(public.unwrap_err().kind, GatewayErrorKind::NotConfigured);
    fault(
        &gateway,
        "malformed",
        1,
        "/v3/transactions/verify_by_reference",
    );
    let failure = flw
        .checkout_status(&checkout.gateway_ref)
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Malformed);
}

#[tokio::test]
async fn refunds_add_up_and_a_lost_answer_never_refunds_twice() {
    let gateway = start(GatewayOptions::new().flutterwave());
    let flw = flutterwave(&gateway);
    let request = checkout_request("pay-0405", 12_000, "NGN");
    let payment_ref = paid_checkout(&gateway, &flw, &request).await;
    let refund_path = format!("/v3/transactions/{payment_ref}/refund");

    // Ten refunds of 1.00 fill the first page of the transaction's refunds.
    for _ in 0..10 {
        let refund = flw.refund(&payment_ref, 100, &key("refund")).await.unwrap();
        assert_eq!(refund.amount_minor, 100);
        assert_eq!(refund.status, RefundStatus::Succeeded);
    }
    // The refund is made, then the connection closes unanswered: the resend
    // lists the refunds (to their second page), finds this key's comment and
    // does not refund again.
    fault_on(&gateway, "drop", "POST", &refund_path);
    let refund_key = key("refund");
    let refund = flw.refund(&payment_ref, 2550, &refund_key).await.unwrap();
    assert_eq!(refund.amount_minor, 2550);
    assert_eq!(refund.currency, "ngn");
    assert_eq!(refund.status, RefundStatus::Succeeded);
    assert_eq!(requests_to(&gateway, "POST", &refund_path).len(), 11);
    let refunded = link(&gateway, request.idempotency_key.as_str());
    assert_eq!(refunded["transactions"][0]["amount_refunded"], 35.5);
    assert_eq!(refunded["refunds"].as_array().unwrap().len(), 11);
    assert_eq!(refunded["refunds"][10]["amount_refunded"], 25.5);
    // Asked again later with the same key: the same refund, nothing sent.
    let again = flw.refund(&payment_ref, 2550, &refund_key).await.unwrap();
    assert_eq!(again.refund_ref, refund.refund_ref);
    assert_eq!(requests_to(&gateway, "POST", &refund_path).len(), 11);

    // 84.50 is left: 84.51 is refused, 84.50 goes, then nothing more.
    let failure = flw
        .refund(&payment_ref, 8451, &key("refund"))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Invalid);
    assert_eq!(failure.status, Some(400));
    flw.refund(&payment_ref, 8450, &key("refund"))
        .await
        .unwrap();
    let failure = flw
        .refund(&payment_ref, 1, &key("refund"))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Invalid);
    let refunded = link(&gateway, request.idempotency_key.as_str());
    assert_eq!(refunded["transactions"][0]["amount_refunded"], 120);

    // A declined attempt is no payment to refund; an unknown id neither.
    let unpaid = flw
        .create_checkout(&checkout_request("pay-0406", 5000, "NGN"))
        .await
        .unwrap();
    assert_eq!(
        gateway.pay(&link_id(&unpaid.url), DECLINED_CARD).unwrap(),
        402
    );
    let declined = link(&gateway, &unpaid.gateway_ref)["transactions"][0]["id"].to_string();
    let failure = flw
        .refund(&declined, 100, &key("refund"))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Invalid);
    let failure = flw
        .refund("99999999", 100, &key("refund"))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Invalid);
    let failure = flw
        .refund("12/../3", 100, &key("refund"))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Invalid);
    assert_eq!(failure.status, None, "refused before sending");
}

#[tokio::test]
async fn answers_with_more_decimals_than_their_currency_has_are_malformed() {
    let gateway = start(GatewayOptions::new().flutterwave());
    let flw = flutterwave(&gateway);
    let naira = checkout_request("pay-0407", 7250, "NGN");
    paid_checkout(&gateway, &flw, &naira).await;
    answer_amount(&gateway, naira.idempotency_key.as_str(), "72.505");
    let failure = flw
        .checkout_status(naira.idempotency_key.as_str())
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Malformed);

    let shillings = checkout_request("pay-0408", 5000, "UGX");
    paid_checkout(&gateway, &flw, &shillings).await;
    answer_amount(&gateway, shillings.idempotency_key.as_str(), "5000.5");
    let failure = flw
        .checkout_status(shillings.idempotency_key.as_str())
        .await
        .unwrap_err();
    assert_eq!(failure.kind, GatewayErrorKind::Malformed);
    // Zeros beyond the currency's decimals are still exact.
    answer_amount(&gateway, shillings.idempotency_key.as_str(), "5000.00");
    assert!(matches!(
        flw.checkout_status(shillings.idempotency_key.as_str())
            .await
            .unwrap(),
        CheckoutStatus::Paid {
            amount_minor: 5000,
            ..
        }
    ));
}

#[tokio::test]
async fn a_declined_checkout_fails_once_its_session_is_over() {
    let gateway = start(GatewayOptions::new().flutterwave());
    let flw = flutterwave(&gateway);
    let declined = flw
        .create_checkout(&checkout_request("pay-0409", 3000, "GHS"))
        .await
        .unwrap();
    assert_eq!(
        gateway.pay(&link_id(&declined.url), DECLINED_CARD).unwrap(),
        402
    );
    expire(&gateway, &declined.gateway_ref);
    assert_eq!(
        flw.checkout_status(&declined.gateway_ref).await.unwrap(),
        CheckoutStatus::Failed {
            reason: "declined".into()
        }
    );
    assert_eq!(
        gateway.pay(&link_id(&declined.url), SUCCESS_CARD).unwrap(),
        410
    );

    // A link nobody tried reads the same before and after its session: Flutterwave
    // has no transaction for it either way (the page itself is gone).
    let untried = flw
        .create_checkout(&checkout_request("pay-0410", 3000, "GHS"))
        .await
        .unwrap();
    expire(&gateway, &untried.gateway_ref);
    assert_eq!(
        flw.checkout_status(&untried.gateway_ref).await.unwrap(),
        CheckoutStatus::Open { last_decline: None },
        "our own clock says its session is still on"
    );
    // Once the session's end (kept in the gateway_ref) has passed, it is expired.
    let ended = format!(
        "{}~{}",
        tx_ref(&untried),
        (Utc::now() - Duration::minutes(1)).timestamp()
    );
    assert_eq!(
        flw.checkout_status(&ended).await.unwrap(),
        CheckoutStatus::Expired
    );
    assert_eq!(
        gateway.pay(&link_id(&untried.url), SUCCESS_CARD).unwrap(),
        410
    );
}

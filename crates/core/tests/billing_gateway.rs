//! This device's card gateway on a real encrypted store: the key goes in and
//! never comes back out (nor into the audit trail or the outbox), is kept when
//! a later save gives none, bad addresses and a Paystack setup without an email
//! are field errors that write nothing, and without a gateway a card payment
//! cannot be started (an already pending one is still returned).
mod billing_common;
mod common;
mod identity_common;
mod schedule_common;

use billing_common::{count, fields, setup, written};
use clinic_core::billing;
use clinic_protocol::{GatewayKind, PaymentStatus, SavePaymentGateway, StartCardPayment};

const KEY: &str = "sk_test_51HarbourStreetSecret";

fn save(
    kind: Option<GatewayKind>,
    api: &str,
    email: &str,
    key: Option<&str>,
) -> SavePaymentGateway {
    SavePaymentGateway {
        kind,
        api_base: api.into(),
        customer_email: email.into(),
        secret_key: key.map(str::to_string),
    }
}

#[test]
fn the_key_is_kept_here_and_never_shown_logged_or_synced() {
    let mut b = setup();
    let admin = b.admin();
    let ops = common::outbox_len(b.store());
    let saved = billing::save_gateway(
        b.store(),
        &admin,
        save(
            Some(GatewayKind::Paystack),
            "http://127.0.0.1:4010/",
            "billing@harbour.example",
            Some(KEY),
        ),
    )
    .unwrap();
    assert_eq!(saved.kind, Some(GatewayKind::Paystack));
    assert_eq!(saved.api_base, "http://127.0.0.1:4010");
    assert!(saved.has_secret_key);
    assert_eq!(common::outbox_len(b.store()), ops, "local to this device");
    let shown =
        serde_json::to_string(&billing::gateway_settings(b.store().conn()).unwrap()).unwrap();
    assert!(!shown.contains(KEY));
    let audited: String = b
        .store()
        .conn()
        .query_row(
            "SELECT group_concat(detail, ' ') FROM audit_event",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(audited.contains("paystack"), "the change is audited");
    assert!(!audited.contains(KEY), "never the key");

    // A later save without a key keeps it; an empty address is the public API.
    let kept = billing::save_gateway(
        b.store(),
        &admin,
        save(Some(GatewayKind::Stripe), "", "", None),
    )
    .unwrap();
    assert_eq!(kept.api_base, billing::STRIPE_API);
    let config = billing::gateway_config(b.store().conn()).unwrap().unwrap();
    assert_eq!(
        (config.kind, config.secret_key.as_str()),
        (GatewayKind::Stripe, KEY)
    );
    assert!(
        !format!("{config:?}").contains(KEY),
        "Debug redacts the key"
    );

    billing::record_gateway_contact(b.store(), Some("unauthorized")).unwrap();
    let after = billing::gateway_settings(b.store().conn()).unwrap();
    assert_eq!(after.last_error.as_deref(), Some("unauthorized"));
    assert!(after.last_contact_at.is_some());
    // Flutterwave (migration 0020 widened the kinds): its public API by default.
    let flw = billing::save_gateway(
        b.store(),
        &admin,
        save(
            Some(GatewayKind::Flutterwave),
            "",
            "billing@harbour.example",
            None,
        ),
    )
    .unwrap();
    assert_eq!(flw.kind, Some(GatewayKind::Flutterwave));
    assert_eq!(flw.api_base, billing::FLUTTERWAVE_API);
    assert_eq!(
        billing::gateway_config(b.store().conn())
            .unwrap()
            .unwrap()
            .secret_key,
        KEY,
        "the key is kept across kinds"
    );
    // No sync server here: no webhook address to show.
    assert_eq!(flw.webhook_url, None);
}

#[test]
fn bad_settings_are_field_errors_that_write_nothing() {
    let mut b = setup();
    let admin = b.admin();
    billing::save_gateway(b.store(), &admin, save(None, "", "", None)).unwrap();
    let before = written(b.store());
    let gateway_rows =
        |b: &mut billing_common::Billing| count(b.store(), "SELECT count(*) FROM payment_gateway");
    for (request, field) in [
        (
            save(
                Some(GatewayKind::Stripe),
                "ftp://gateway.example",
                "",
                Some(KEY),
            ),
            "api_base",
        ),
        (
            save(
                Some(GatewayKind::Stripe),
                "http://gateway.example",
                "",
                Some(KEY),
            ),
            "api_base",
        ),
        (
            save(
                Some(GatewayKind::Stripe),
                "https://user:pw@gateway.example",
                "",
                Some(KEY),
            ),
            "api_base",
        ),
        (
            save(Some(GatewayKind::Paystack), "", "", Some(KEY)),
            "customer_email",
        ),
        (
            save(Some(GatewayKind::Paystack), "", "not an email", Some(KEY)),
            "customer_email",
        ),
        (
            save(Some(GatewayKind::Flutterwave), "", "", Some(KEY)),
            "customer_email",
        ),
        (
            save(
                Some(GatewayKind::Stripe),
                "",
                "",
                Some("sk test with spaces"),
            ),
            "secret_key",
        ),
        (save(Some(GatewayKind::Stripe), "", "", None), "secret_key"),
    ] {
        let e = billing::save_gateway(b.store(), &admin, request).unwrap_err();
        assert_eq!(fields(e), vec![field.to_string()]);
        assert_eq!(gateway_rows(&mut b), 0);
        assert_eq!(written(b.store()), before);
    }
}

#[test]
fn without_a_gateway_a_card_payment_cannot_start_but_a_pending_one_stays() {
    let mut b = setup();
    let (admin, clerk) = (b.admin(), b.clerk());
    let inv = b.issued();
    let start = StartCardPayment {
        invoice_id: inv.id,
        amount_minor: 7200,
        currency: "EUR".into(),
    };
    let pending = billing::start_card_payment(b.store(), &clerk, start.clone()).unwrap();
    billing::save_gateway(b.store(), &admin, save(None, "", "", None)).unwrap();
    assert_eq!(
        billing::gateway_settings(b.store().conn()).unwrap().kind,
        None
    );
    let again = billing::start_card_payment(b.store(), &clerk, start.clone()).unwrap();
    assert_eq!(
        (again.id, again.status),
        (pending.id, PaymentStatus::Pending)
    );

    let other = b.issued();
    let before = written(b.store());
    let e = billing::start_card_payment(
        b.store(),
        &clerk,
        StartCardPayment {
            invoice_id: other.id,
            ..start
        },
    )
    .unwrap_err();
    assert_eq!(fields(e), vec!["method".to_string()]);
    assert_eq!(written(b.store()), before);
}

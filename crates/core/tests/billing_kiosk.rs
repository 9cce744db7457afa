//! The kiosk and money: an identified patient sees their own outstanding
//! balance and pays one invoice's balance by card (a pending payment; tapping
//! twice gives the same one); another patient's invoice or payment is not
//! found; the visit ending stops it all; the kiosk's commands are the kiosk
//! window's alone, and the kiosk cannot reach staff billing use cases.
mod billing_common;
mod common;
mod identity_common;
mod schedule_common;

use billing_common::{draft_request, line, setup, Billing};
use chrono::{DateTime, Utc};
use clinic_core::authz::{self, Command};
use clinic_core::kiosk::KioskDesk;
use clinic_core::{billing, Caller, CoreError};
use clinic_protocol::{
    IssueInvoice, KioskFactor, KioskIdentify, KioskPayInvoice, KioskPaymentQuery, PaymentMethod,
    PaymentStatus, RecordPayment, Role,
};
use common::AUDIT_KEY;
use schedule_common::{book, utc};

/// Tuesday 1 June 2027, 09:40 in London.
fn now() -> DateTime<Utc> {
    utc("2027-06-01T08:40:00Z")
}

struct Scene {
    b: Billing,
    desk: KioskDesk,
    token: String,
    ada_invoice: clinic_protocol::Invoice,
    bob_invoice: clinic_protocol::Invoice,
}

fn scene() -> Scene {
    let mut b = setup();
    let by_desk = b.desk();
    let (ada, doctor) = (b.c.patient, b.c.doctor.staff_id);
    let today = book(
        &mut b.c,
        &by_desk,
        ada,
        doctor,
        "2027-06-01T10:00:00+01:00",
        utc("2027-05-31T08:00:00Z"),
    );
    let ada_invoice = b.issued();
    b.pay(&ada_invoice, PaymentMethod::Cash, 1200).unwrap();
    let bob = schedule_common::bob(b.store());
    let (clerk, consult) = (b.clerk(), b.consult.id);
    let d = billing::save_draft(
        b.store(),
        &clerk,
        draft_request(bob, vec![line(consult, 1)]),
    )
    .unwrap();
    let bob_invoice = billing::issue_invoice(
        b.store(),
        &clerk,
        IssueInvoice {
            id: d.id,
            expected_version: d.version,
        },
    )
    .unwrap();
    let mut desk = KioskDesk::new();
    desk.open();
    let visit = desk
        .identify(
            b.store(),
            &Caller::kiosk(&AUDIT_KEY),
            KioskIdentify {
                family_name: "Lovelace".into(),
                date_of_birth: "1990-12-10".into(),
                factor: KioskFactor::AppointmentCode(today.check_in_code.clone()),
            },
            now(),
        )
        .unwrap();
    Scene {
        b,
        desk,
        token: visit.token,
        ada_invoice,
        bob_invoice,
    }
}

#[test]
fn the_kiosk_shows_only_its_patients_outstanding_balance() {
    let mut s = scene();
    let kiosk = Caller::kiosk(&AUDIT_KEY);
    let balance = s
        .desk
        .balance(s.b.store(), &kiosk, &s.token, now())
        .unwrap();
    assert_eq!(
        (balance.currency.as_str(), balance.minor_digits),
        ("EUR", 2)
    );
    assert_eq!(balance.balance_minor, 7200 - 1200);
    assert_eq!(balance.invoices.len(), 1);
    let shown = &balance.invoices[0];
    assert_eq!(shown.invoice_id, s.ada_invoice.id);
    assert_eq!(Some(shown.number.clone()), s.ada_invoice.number);
    assert_eq!(
        (shown.patient_balance_minor, shown.payment_pending),
        (6000, false)
    );
    let json = serde_json::to_string(&balance).unwrap();
    assert!(!json.contains(&s.bob_invoice.id.to_string()));
    for clinical in ["CONS", "LAB", "service"] {
        assert!(!json.contains(clinical), "{json}");
    }
    // Audited as the kiosk, about Ada.
    let (who, patient): (String, String) = s
        .b
        .store()
        .conn()
        .query_row(
            "SELECT actor_id, patient_id FROM audit_event WHERE category = 'billing' ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (who.as_str(), patient),
        ("kiosk", s.b.c.patient.to_string())
    );
}

#[test]
fn the_kiosk_pays_its_patients_invoice_by_card_once() {
    let mut s = scene();
    let kiosk = Caller::kiosk(&AUDIT_KEY);
    let pay = KioskPayInvoice {
        token: s.token.clone(),
        invoice_id: s.ada_invoice.id,
    };
    let started = s
        .desk
        .pay_invoice(s.b.store(), &kiosk, pay.clone(), now())
        .unwrap();
    assert_eq!(
        (started.status, started.amount_minor),
        (PaymentStatus::Pending, 6000)
    );
    assert_eq!(started.checkout_url, None);
    let again = s.desk.pay_invoice(s.b.store(), &kiosk, pay, now()).unwrap();
    assert_eq!(again.payment_id, started.payment_id);
    let payments: i64 = billing_common::count(
        s.b.store(),
        "SELECT count(*) FROM payment WHERE method = 'card'",
    );
    assert_eq!(payments, 1);
    let stored = billing::get_payment(s.b.store().conn(), started.payment_id).unwrap();
    assert_eq!(stored.recorded_by, "Check-in kiosk");
    let balance = s
        .desk
        .balance(s.b.store(), &kiosk, &s.token, now())
        .unwrap();
    assert!(balance.invoices[0].payment_pending);
    // The runner gives it a checkout; the kiosk sees the page to hand over.
    billing::card_checkout_created(
        s.b.store(),
        &common::caller(),
        clinic_protocol::CardCheckoutCreated {
            payment_id: started.payment_id,
            gateway_ref: "cs_test_k1".into(),
            checkout_url: Some("https://checkout.example.test/pay/cs_test_k1".into()),
        },
    )
    .unwrap();
    let query = KioskPaymentQuery {
        token: s.token.clone(),
        payment_id: started.payment_id,
    };
    let status = s.desk.payment_status(s.b.store(), query, now()).unwrap();
    assert_eq!(
        status.checkout_url.as_deref(),
        Some("https://checkout.example.test/pay/cs_test_k1")
    );
    billing_common::check_sums(s.b.store());
}

#[test]
fn another_patients_invoice_or_payment_is_not_found_and_an_ended_visit_reaches_nothing() {
    let mut s = scene();
    let kiosk = Caller::kiosk(&AUDIT_KEY);
    let before = billing_common::written(s.b.store());
    let bobs = KioskPayInvoice {
        token: s.token.clone(),
        invoice_id: s.bob_invoice.id,
    };
    assert!(matches!(
        s.desk.pay_invoice(s.b.store(), &kiosk, bobs, now()),
        Err(CoreError::NotFound(_))
    ));
    assert_eq!(billing_common::written(s.b.store()), before);
    // Bob's card payment at the desk: the kiosk cannot look at it.
    let clerk = s.b.clerk();
    let bob_payment = billing::start_card_payment(
        s.b.store(),
        &clerk,
        clinic_protocol::StartCardPayment {
            invoice_id: s.bob_invoice.id,
            amount_minor: 6000,
            currency: "EUR".into(),
        },
    )
    .unwrap();
    let peek = KioskPaymentQuery {
        token: s.token.clone(),
        payment_id: bob_payment.id,
    };
    assert!(matches!(
        s.desk.payment_status(s.b.store(), peek, now()),
        Err(CoreError::NotFound(_))
    ));
    s.desk.end(&s.token);
    let ended = s.desk.balance(s.b.store(), &kiosk, &s.token, now());
    assert!(matches!(ended, Err(CoreError::KioskVisitEnded)));
    let pay = KioskPayInvoice {
        token: s.token.clone(),
        invoice_id: s.ada_invoice.id,
    };
    assert!(matches!(
        s.desk.pay_invoice(s.b.store(), &kiosk, pay, now()),
        Err(CoreError::KioskVisitEnded)
    ));
}

#[test]
fn the_kiosk_commands_are_the_kiosk_windows_alone() {
    for c in [
        Command::KioskBalance,
        Command::KioskPayInvoice,
        Command::KioskPaymentStatus,
    ] {
        assert!(c.is_kiosk());
        for role in Role::ALL {
            assert!(!authz::permits(role, c), "{} × {c}", role.as_str());
        }
    }
    // A staff use case narrowed by role refuses the kiosk too.
    let mut s = scene();
    let transfer = RecordPayment {
        invoice_id: s.ada_invoice.id,
        method: PaymentMethod::BankTransfer,
        amount_minor: 100,
        currency: "EUR".into(),
        reference: String::new(),
    };
    let e = billing::record_payment(s.b.store(), &Caller::kiosk(&AUDIT_KEY), transfer).unwrap_err();
    assert!(matches!(e, CoreError::Forbidden(_)), "{e:?}");
}

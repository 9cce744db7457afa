//! The card payment runner end to end: a real encrypted store with an issued
//! invoice, a card payment started by the billing core, the device's gateway
//! set in its settings, and the local gateway server (Stripe's API, or
//! Paystack's) on 127.0.0.1. A round creates the checkout once (with the
//! payment's own idempotency key, even when the answer is lost); the patient
//! pays on the hosted page; the next round confirms the payment, pays the
//! invoice and gives a receipt number. Declines leave it open, expiry fails
//! it, an outage or a wrong key leaves it pending and is shown in settings.
mod common;

use clinic_core::{billing, Caller};
use clinic_payments::runner::{PaymentRunner, PaymentStore, RoundReport};
use clinic_protocol::{
    GatewayKind, GatewayRefundStatus, Invoice, InvoiceStatus, Payment, PaymentStatus, RecordRefund,
    Refund, SavePaymentGateway,
};
use clinic_server_harness::{GatewayOptions, GatewayServer};
use clinic_store::Store;
use common::clinic::{self, page_id, AUDIT_KEY};
use common::*;
use std::sync::Mutex;

struct Device {
    store: Mutex<Store>,
    _dir: tempfile::TempDir,
}

impl PaymentStore for Device {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store, &[u8; 32]) -> T) -> Option<T> {
        Some(f(&mut self.store.lock().unwrap(), &AUDIT_KEY))
    }
}

fn device_caller() -> Caller<'static> {
    clinic::me()
}

impl Device {
    /// A store with the clinic's currency and the device's gateway pointed at
    /// `gateway`.
    fn new(gateway: &GatewayServer, kind: GatewayKind, currency: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut store = clinic::open_store(&dir);
        clinic::set_up_billing(&mut store, gateway, kind, currency);
        Self {
            store: Mutex::new(store),
            _dir: dir,
        }
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap()
    }

    /// An issued invoice of 72.00 for a new patient.
    fn issued_invoice(&self) -> Invoice {
        clinic::issued_invoice(&mut self.store(), 11)
    }

    fn start_card(&self, invoice: &Invoice, amount: i64) -> Payment {
        clinic::start_card(&mut self.store(), invoice, amount)
    }

    fn payment(&self, p: &Payment) -> Payment {
        billing::get_payment(self.store().conn(), p.id).unwrap()
    }

    fn invoice(&self, i: &Invoice) -> Invoice {
        billing::get_invoice(self.store().conn(), i.id).unwrap()
    }
}

fn runner() -> PaymentRunner {
    let (timeouts, retry) = quick_timeouts();
    PaymentRunner::new(timeouts, retry)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_card_payment_is_checked_out_once_paid_on_the_page_and_confirmed() {
    let gateway = start(GatewayOptions::new());
    let device = Device::new(&gateway, GatewayKind::Stripe, "EUR");
    let invoice = device.issued_invoice();
    let pending = device.start_card(&invoice, 3000);
    let runner = runner();
    let rt = rt();

    // The first checkout's answer is lost: the runner's retry sends the same
    // key, and the gateway replays the one session it created.
    fault_on(&gateway, "drop", "POST", "/v1/checkout/sessions");
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report.checkouts_created, 1, "{report:?}");
    let created = device.payment(&pending);
    assert_eq!(created.status, PaymentStatus::Pending);
    assert!(created.gateway_ref.as_deref().unwrap().starts_with("cs_"));
    let posts = requests_to(&gateway, "POST", "/v1/checkout/sessions");
    assert!(
        posts.len() >= 2,
        "the lost answer was asked again: {posts:?}"
    );
    assert!(posts
        .iter()
        .all(|r| r["idempotencyKey"].as_str() == pending.idempotency_key.as_deref()));
    assert_eq!(
        json(&gateway.admin_get("sessions").unwrap())
            .as_array()
            .unwrap()
            .len(),
        1,
        "one session, never two"
    );

    // Not paid yet: the next round waits; a declined card leaves it open.
    assert_eq!(
        gateway.pay(&page_id(&created), "4000000000000002").unwrap(),
        402
    );
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(
        report,
        RoundReport {
            waiting: 1,
            ..RoundReport::default()
        }
    );
    assert_eq!(device.payment(&pending).status, PaymentStatus::Pending);

    let paid = gateway.pay(&page_id(&created), "4242424242424242").unwrap();
    assert!(paid == 200 || paid == 303, "{paid}");
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report.confirmed, 1, "{report:?}");
    let done = device.payment(&pending);
    assert_eq!(done.status, PaymentStatus::Succeeded);
    assert!(done.receipt_number.is_some());
    assert!(
        done.gateway_ref.as_deref().unwrap().starts_with("pi_"),
        "the payment's reference is what a refund takes"
    );
    let inv = device.invoice(&invoice);
    assert_eq!(inv.status, InvoiceStatus::PartiallyPaid);
    assert_eq!(inv.totals.patient_balance_minor, 7200 - 3000);

    // Nothing left to do: a round asks the gateway nothing.
    gateway.admin("reset-log", "{}").unwrap();
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report, RoundReport::default());
    assert_eq!(
        json(&gateway.admin_get("requests").unwrap()),
        serde_json::json!([])
    );
    let settings = billing::gateway_settings(device.store().conn()).unwrap();
    assert_eq!(settings.last_error, None);
    assert!(settings.last_contact_at.is_some());
}

impl Device {
    fn refund(&self, p: &Payment, amount: i64) -> Result<Refund, clinic_core::CoreError> {
        billing::record_refund(
            &mut self.store(),
            &device_caller(),
            RecordRefund {
                payment_id: p.id,
                amount_minor: amount,
                currency: p.currency.clone(),
                reason: "Overcharged".into(),
            },
        )
    }

    fn refund_status(&self, r: &Refund) -> (Option<GatewayRefundStatus>, Option<String>) {
        let detail =
            billing::invoice_detail(&mut self.store(), &device_caller(), r.invoice_id).unwrap();
        let found = detail.refunds.into_iter().find(|x| x.id == r.id).unwrap();
        (found.gateway_status, found.gateway_failure)
    }

    /// A card payment of `amount` checked out, paid on the page and confirmed.
    fn paid_by_card(
        &self,
        gateway: &GatewayServer,
        runner: &PaymentRunner,
        rt: &tokio::runtime::Runtime,
        amount: i64,
    ) -> Payment {
        let invoice = self.issued_invoice();
        let pending = self.start_card(&invoice, amount);
        rt.block_on(runner.run_round(self)).unwrap();
        let paid = gateway
            .pay(&page_id(&self.payment(&pending)), "4242424242424242")
            .unwrap();
        assert!(paid == 200 || paid == 303, "{paid}");
        assert_eq!(rt.block_on(runner.run_round(self)).unwrap().confirmed, 1);
        self.payment(&pending)
    }
}

#[test]
fn a_card_refund_goes_back_through_the_gateway_once() {
    let gateway = start(GatewayOptions::new());
    let device = Device::new(&gateway, GatewayKind::Stripe, "EUR");
    let runner = runner();
    let rt = rt();
    let paid = device.paid_by_card(&gateway, &runner, &rt, 3000);

    // Recorded at once (the invoice's balance moves), sent by the next round;
    // its answer is lost, so it is sent again with the same key: one refund.
    let refund = device.refund(&paid, 1000).unwrap();
    assert_eq!(refund.gateway_status, Some(GatewayRefundStatus::Pending));
    assert_eq!(
        device.refund_status(&refund).0,
        Some(GatewayRefundStatus::Pending)
    );
    assert_eq!(device.payment(&paid).refunded_minor, 1000);
    fault_on(&gateway, "drop", "POST", "/v1/refunds");
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report.refunds_sent, 1, "{report:?}");
    assert_eq!(
        device.refund_status(&refund),
        (Some(GatewayRefundStatus::Sent), None)
    );
    let posts = requests_to(&gateway, "POST", "/v1/refunds");
    assert!(
        posts.len() >= 2,
        "the lost answer was asked again: {posts:?}"
    );
    let keys: std::collections::HashSet<_> =
        posts.iter().map(|r| r["idempotencyKey"].clone()).collect();
    assert_eq!(keys.len(), 1, "one key for every attempt: {posts:?}");
    assert_eq!(
        events_of(&gateway, "charge.refunded").len(),
        1,
        "refunded once"
    );

    // Nothing left to send: the next round does not refund again.
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report.refunds_sent, 0, "{report:?}");
    assert_eq!(events_of(&gateway, "charge.refunded").len(), 1);

    // Offline: it stays pending and goes once the gateway answers.
    let second = device.refund(&paid, 500).unwrap();
    fault(&gateway, "503", 10, "/v1/refunds");
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report.errors, 1, "{report:?}");
    assert_eq!(
        device.refund_status(&second).0,
        Some(GatewayRefundStatus::Pending)
    );
    gateway.admin("clear-faults", "{}").unwrap();
    assert_eq!(
        rt.block_on(runner.run_round(&device)).unwrap().refunds_sent,
        1
    );
    assert_eq!(
        device.refund_status(&second).0,
        Some(GatewayRefundStatus::Sent)
    );
    assert_eq!(events_of(&gateway, "charge.refunded").len(), 2);
}

#[test]
fn a_refund_the_gateway_refuses_is_marked_failed_with_its_reason() {
    let gateway = start(GatewayOptions::new());
    let device = Device::new(&gateway, GatewayKind::Stripe, "EUR");
    let runner = runner();
    let rt = rt();
    let paid = device.paid_by_card(&gateway, &runner, &rt, 3000);
    let refund = device.refund(&paid, 3000).unwrap();
    // Refunded at the gateway's dashboard meanwhile: the gateway refuses ours.
    let dashboard = stripe(&gateway);
    rt.block_on(dashboard.refund(
        paid.gateway_ref.as_deref().unwrap(),
        3000,
        &key("dashboard"),
    ))
    .unwrap();
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report.refunds_failed, 1, "{report:?}");
    let (status, failure) = device.refund_status(&refund);
    assert_eq!(status, Some(GatewayRefundStatus::Failed));
    assert!(failure.unwrap().contains("charge_already_refunded"));
    // Refused for good: never sent again.
    gateway.admin("reset-log", "{}").unwrap();
    rt.block_on(runner.run_round(&device)).unwrap();
    assert!(requests_to(&gateway, "POST", "/v1/refunds").is_empty());
}

#[test]
fn a_gateway_card_payment_is_refunded_only_where_a_gateway_is_set() {
    let gateway = start(GatewayOptions::new());
    let device = Device::new(&gateway, GatewayKind::Stripe, "EUR");
    let runner = runner();
    let rt = rt();
    let paid = device.paid_by_card(&gateway, &runner, &rt, 3000);
    billing::save_gateway(
        &mut device.store(),
        &device_caller(),
        SavePaymentGateway {
            kind: None,
            api_base: String::new(),
            customer_email: String::new(),
            secret_key: None,
        },
    )
    .unwrap();
    let refused = device.refund(&paid, 1000).unwrap_err();
    assert!(
        format!("{refused:?}").contains("refunded through it"),
        "{refused:?}"
    );
    assert_eq!(device.payment(&paid).refunded_minor, 0, "nothing recorded");
}

#[test]
fn an_outage_or_a_wrong_key_leaves_it_pending_and_expiry_fails_it() {
    let gateway = start(GatewayOptions::new());
    let device = Device::new(&gateway, GatewayKind::Stripe, "EUR");
    let invoice = device.issued_invoice();
    let pending = device.start_card(&invoice, 7200);
    let runner = runner();
    let rt = rt();

    fault(&gateway, "503", 10, "/v1/checkout/sessions");
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report.errors, 1, "{report:?}");
    let still = device.payment(&pending);
    assert_eq!(
        (still.status, still.gateway_ref.clone()),
        (PaymentStatus::Pending, None)
    );
    let settings = billing::gateway_settings(device.store().conn()).unwrap();
    assert!(settings.last_error.unwrap().starts_with("server_error"));
    gateway.admin("clear-faults", "{}").unwrap();

    fault(&gateway, "401", 1, "/v1/checkout/sessions");
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report.errors, 1, "{report:?}");
    let settings = billing::gateway_settings(device.store().conn()).unwrap();
    assert!(settings.last_error.unwrap().starts_with("unauthorized"));
    assert_eq!(device.payment(&pending).status, PaymentStatus::Pending);

    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report.checkouts_created, 1, "{report:?}");
    let created = device.payment(&pending);
    gateway
        .admin(
            "expire",
            &format!(
                r#"{{"session":"{}"}}"#,
                created.gateway_ref.as_deref().unwrap()
            ),
        )
        .unwrap();
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report.failed, 1, "{report:?}");
    let failed = device.payment(&pending);
    assert_eq!(failed.status, PaymentStatus::Failed);
    assert_eq!(failed.failure_reason.as_deref(), Some("expired"));
    assert_eq!(device.invoice(&invoice).totals.pending_minor, 0);

    // A new start after the failure is a new payment with a new key.
    let again = device.start_card(&invoice, 7200);
    assert_ne!(again.id, pending.id);
    assert_ne!(again.idempotency_key, pending.idempotency_key);
}

#[test]
fn paystack_takes_the_same_path() {
    let gateway = start(GatewayOptions::new().paystack());
    let device = Device::new(&gateway, GatewayKind::Paystack, "NGN");
    let invoice = device.issued_invoice();
    let pending = device.start_card(&invoice, 7200);
    let runner = runner();
    let rt = rt();
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report.checkouts_created, 1, "{report:?}");
    let created = device.payment(&pending);
    gateway.pay(&page_id(&created), "4084084084084081").unwrap();
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report.confirmed, 1, "{report:?}");
    assert_eq!(device.payment(&pending).status, PaymentStatus::Succeeded);
    assert_eq!(device.invoice(&invoice).status, InvoiceStatus::Paid);
}

#[test]
fn flutterwave_takes_the_same_path_and_refunds_once() {
    let gateway = start(GatewayOptions::new().flutterwave());
    let device = Device::new(&gateway, GatewayKind::Flutterwave, "NGN");
    let runner = runner();
    let rt = rt();
    let paid = device.paid_by_card(&gateway, &runner, &rt, 7150);
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    assert!(paid.receipt_number.is_some());
    let refund = device.refund(&paid, 1250).unwrap();
    let report = rt.block_on(runner.run_round(&device)).unwrap();
    assert_eq!(report.refunds_sent, 1, "{report:?}");
    assert_eq!(
        device.refund_status(&refund),
        (Some(GatewayRefundStatus::Sent), None)
    );
    assert_eq!(
        requests_to_prefix(&gateway, "POST", "/v3/transactions/"),
        1,
        "one refund sent"
    );
}

//! The card payment runner end to end: a real encrypted store with an issued
//! invoice, a card payment started by the billing core, the device's gateway
//! set in its settings, and the local gateway server (Stripe's API, or
//! Paystack's) on 127.0.0.1. A round creates the checkout once (with the
//! payment's own idempotency key, even when the answer is lost); the patient
//! pays on the hosted page; the next round confirms the payment, pays the
//! invoice and gives a receipt number. Declines leave it open, expiry fails
//! it, an outage or a wrong key leaves it pending and is shown in settings.
mod common;

use clinic_core::{billing, registry, Caller};
use clinic_payments::runner::{PaymentRunner, PaymentStore, RoundReport};
use clinic_protocol::{
    GatewayKind, Invoice, InvoiceLineInput, InvoiceStatus, IssueInvoice, Payment, PaymentStatus,
    RegisterOutcome, RegisterPatient, SaveBillingSettings, SaveInvoiceDraft, SavePaymentGateway,
    SaveService, StartCardPayment, TaxMode, TaxRule,
};
use clinic_server_harness::{GatewayOptions, GatewayServer};
use clinic_store::{DbKey, Encryption, Store};
use common::*;
use std::sync::Mutex;

const AUDIT_KEY: [u8; 32] = [9; 32];

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
    Caller::device(&AUDIT_KEY)
}

impl Device {
    /// A store with the clinic's currency, one service, a patient and the
    /// device's gateway pointed at `gateway`.
    fn new(gateway: &GatewayServer, kind: GatewayKind, currency: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key = Encryption::Key(DbKey::from_bytes([7; 32]));
        let mut store = clinic_store::open(&dir.path().join("clinic.db"), &key).unwrap();
        let me = device_caller();
        billing::save_settings(
            &mut store,
            &me,
            SaveBillingSettings {
                currency: currency.into(),
                invoice_footer: String::new(),
            },
        )
        .unwrap();
        billing::save_gateway(
            &mut store,
            &me,
            SavePaymentGateway {
                kind: Some(kind),
                api_base: gateway.base_url(),
                customer_email: CLINIC_EMAIL.into(),
                secret_key: Some(gateway.secret_key().into()),
            },
        )
        .unwrap();
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
        let me = device_caller();
        let mut store = self.store();
        let details = clinic_testkit::PatientGenerator::new(11).next_patient();
        let RegisterOutcome::Registered { patient } = registry::register_patient(
            &mut store,
            &me,
            RegisterPatient {
                details,
                confirm_not_duplicate: true,
            },
        )
        .unwrap() else {
            panic!("not registered")
        };
        let service = billing::save_service(
            &mut store,
            &me,
            SaveService {
                id: None,
                expected_version: None,
                code: "CONS".into(),
                name: "Consultation".into(),
                price_minor: 7200,
                tax: TaxRule {
                    name: String::new(),
                    rate_bp: 0,
                    mode: TaxMode::Exclusive,
                },
                appointment_type_id: None,
                active: true,
            },
        )
        .unwrap();
        let draft = billing::save_draft(
            &mut store,
            &me,
            SaveInvoiceDraft {
                id: None,
                expected_version: None,
                patient_id: patient.id,
                appointment_id: None,
                encounter_id: None,
                lines: vec![InvoiceLineInput {
                    id: None,
                    service_id: Some(service.id),
                    description: String::new(),
                    quantity: 1,
                    unit_price_minor: None,
                    tax: None,
                    discount: None,
                    insurance: None,
                }],
                discount: None,
                note: String::new(),
            },
        )
        .unwrap();
        billing::issue_invoice(
            &mut store,
            &me,
            IssueInvoice {
                id: draft.id,
                expected_version: draft.version,
            },
        )
        .unwrap()
    }

    fn start_card(&self, invoice: &Invoice, amount: i64) -> Payment {
        billing::start_card_payment(
            &mut self.store(),
            &device_caller(),
            StartCardPayment {
                invoice_id: invoice.id,
                amount_minor: amount,
                currency: invoice.currency.clone(),
            },
        )
        .unwrap()
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

/// The hosted page's id: the last segment of the checkout link.
fn page_id(p: &Payment) -> String {
    let url = p.checkout_url.as_deref().expect("a checkout link");
    url.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
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

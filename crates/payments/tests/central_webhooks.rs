//! Card payments confirmed by the gateway's signed webhook to the central
//! server: the real `clinic-server` (embedded SQLite, on 127.0.0.1, with the
//! clinic's webhook secret in its `--gateway-webhooks` file), the local gateway
//! server (Stripe's API) delivering signed events to it, and two devices with
//! real encrypted stores syncing through the server — a desk that starts the
//! card payment and a second desk that has no gateway at all.
//!
//! The patient pays on the hosted page; the gateway's webhook reaches the
//! server, which appends one `gateway_payment_event` op; both desks learn the
//! payment succeeded by sync alone (the gateway's status is never polled), the
//! starting desk numbers the receipt and the other desk gets that number.
//! Repeated deliveries add nothing; a wrong signature, an unknown clinic and an
//! expired checkout are covered too.
mod common;

use clinic_core::billing;
use clinic_payments::runner::{PaymentRunner, PaymentStore};
use clinic_protocol::{
    ClinicId, ConnectSyncServer, GatewayKind, Invoice, InvoiceStatus, OpKind, Payment,
    PaymentStatus, PullResponse,
};
use clinic_server_harness::{GatewayOptions, GatewayServer, Options, Scratch, Server};
use clinic_store::Store;
use clinic_sync::engine::{self, StoreAccess};
use common::clinic::{self, page_id, AUDIT_KEY};
use common::*;
use std::sync::Mutex;

const WEBHOOK_SECRET: &str = "whsec_central_test_4f1c";

struct Desk {
    store: Mutex<Store>,
    _dir: tempfile::TempDir,
}

impl PaymentStore for Desk {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store, &[u8; 32]) -> T) -> Option<T> {
        Some(f(&mut self.store.lock().unwrap(), &AUDIT_KEY))
    }
}

impl StoreAccess for Desk {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> Option<T> {
        Some(f(&mut self.store.lock().unwrap()))
    }
}

impl Desk {
    async fn enrolled(server: &Server, scratch: &Scratch, clinic_id: ClinicId, name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = clinic::open_store(&dir);
        let desk = Self {
            store: Mutex::new(store),
            _dir: dir,
        };
        engine::enroll(
            &desk,
            &ConnectSyncServer {
                server_url: server.url(),
                enrollment_code: scratch.issue_code(clinic_id, "Webhook Clinic").unwrap(),
                device_name: name.into(),
                ca_pem: None,
            },
        )
        .await
        .expect("enroll");
        desk
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap()
    }

    async fn sync(&self) {
        engine::sync_round(self, |_| {}).await.expect("sync round");
    }

    fn set_up_billing(&self, s: &Setup) {
        let currency = if s.kind == GatewayKind::Flutterwave {
            "NGN"
        } else {
            "USD"
        };
        clinic::set_up_billing(&mut self.store(), &s.gateway, s.kind, currency);
    }

    /// An issued invoice of 72.00 for a new patient (`seed` picks the patient).
    fn issued_invoice(&self, seed: u64) -> Invoice {
        clinic::issued_invoice(&mut self.store(), seed)
    }

    fn start_card(&self, invoice: &Invoice) -> Payment {
        clinic::start_card(&mut self.store(), invoice, invoice.totals.total_minor)
    }

    fn payment(&self, p: &Payment) -> Payment {
        billing::get_payment(self.store().conn(), p.id).unwrap()
    }

    fn invoice(&self, i: &Invoice) -> Invoice {
        billing::get_invoice(self.store().conn(), i.id).unwrap()
    }

    fn token(&self) -> String {
        clinic_core::sync::state::enrollment(self.store().conn())
            .unwrap()
            .expect("enrolled")
            .device_token
    }
}

/// A plain reqwest client (the process's rustls provider is ring, as the app's).
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The clinic's whole log, as a device pulls it.
async fn server_log(server: &Server, token: &str) -> Vec<clinic_protocol::LoggedOp> {
    let client = http_client();
    let mut ops = Vec::new();
    let mut cursor = String::new();
    loop {
        let bytes = client
            .get(format!(
                "{}/v1/pull?limit=1000&cursor={cursor}",
                server.url()
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let page: PullResponse = serde_json::from_slice(&bytes).unwrap();
        ops.extend(page.ops);
        cursor = page.next_cursor;
        if !page.more {
            return ops;
        }
    }
}

fn gateway_ops(log: &[clinic_protocol::LoggedOp]) -> usize {
    log.iter()
        .filter(|o| o.op.kind == OpKind::GatewayPaymentEvent)
        .count()
}

/// Waits until the gateway delivered `event_type` to the server with a 2xx.
fn delivered(gateway: &GatewayServer, event_type: &str, times: usize) {
    let ok = |v: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|d| d["type"] == event_type && d["ok"] == true)
            .count()
    };
    let deliveries = wait_for(gateway, "deliveries", |v| ok(v) >= times);
    assert!(ok(&deliveries) >= times, "{deliveries}");
}

struct Setup {
    scratch: Scratch,
    server: Server,
    gateway: GatewayServer,
    clinic: ClinicId,
    kind: GatewayKind,
    _secrets: tempfile::TempDir,
}

fn set_up() -> Setup {
    set_up_with(GatewayKind::Stripe)
}

/// The real server with the clinic's secret for `kind`, and the local gateway
/// (that gateway's API) delivering its webhooks to it.
fn set_up_with(kind: GatewayKind) -> Setup {
    let gateway_name = kind.as_str();
    let clinic = ClinicId::new();
    let secrets = tempfile::tempdir().unwrap();
    let file = secrets.path().join("gateway-webhooks.json");
    std::fs::write(
        &file,
        format!(
            r#"[{{"clinic_id":"{clinic}","gateway":"{gateway_name}","signing_secret":"{WEBHOOK_SECRET}"}}]"#
        ),
    )
    .unwrap();
    let scratch = Scratch::new().unwrap();
    let server = Server::start(
        &scratch,
        Options::plain().arg("--gateway-webhooks").arg(&file),
    )
    .unwrap();
    let url = format!(
        "{}/v1/gateway-webhooks/{gateway_name}/{clinic}",
        server.url()
    );
    let options = GatewayOptions::new()
        .webhook_secret(WEBHOOK_SECRET)
        .webhook(&url);
    let gateway = start(match kind {
        GatewayKind::Stripe => options,
        GatewayKind::Paystack => options.paystack(),
        GatewayKind::Flutterwave => options.flutterwave(),
    });
    Setup {
        scratch,
        server,
        gateway,
        clinic,
        kind,
        _secrets: secrets,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_confirms_a_card_payment_on_every_desk_without_polling() {
    let s = set_up();
    let desk = Desk::enrolled(&s.server, &s.scratch, s.clinic, "Front desk").await;
    let other = Desk::enrolled(&s.server, &s.scratch, s.clinic, "Back office").await;
    desk.set_up_billing(&s);
    // Settings shows the address the gateway must post to: the one the gateway here uses.
    let shown = billing::gateway_settings(desk.store().conn()).unwrap();
    assert_eq!(
        shown.webhook_url,
        Some(format!(
            "{}/v1/gateway-webhooks/stripe/{}",
            s.server.url(),
            s.clinic
        ))
    );
    let invoice = desk.issued_invoice(21);
    let pending = desk.start_card(&invoice);
    let (timeouts, retry) = quick_timeouts();
    let runner = PaymentRunner::new(timeouts, retry);
    let report = runner.run_round(&desk).await.unwrap();
    assert_eq!(report.checkouts_created, 1, "{report:?}");
    desk.sync().await;
    other.sync().await;
    assert_eq!(other.payment(&pending).status, PaymentStatus::Pending);

    // The patient pays; the gateway tells the central server.
    let created = desk.payment(&pending);
    let posted = tokio::task::block_in_place(|| {
        let status = s
            .gateway
            .pay(&page_id(&created), "4242424242424242")
            .unwrap();
        delivered(&s.gateway, "checkout.session.completed", 1);
        status
    });
    assert!((200..300).contains(&posted), "paid on the page: {posted}");
    let log = server_log(&s.server, &desk.token()).await;
    assert_eq!(gateway_ops(&log), 1, "one op for the event");

    // Both desks learn it by sync alone.
    other.sync().await;
    desk.sync().await;
    for d in [&desk, &other] {
        let p = d.payment(&pending);
        assert_eq!(p.status, PaymentStatus::Succeeded);
        assert!(p.gateway_ref.is_some());
        assert_eq!(
            p.receipt_number, None,
            "not numbered before the desk's round"
        );
        assert_eq!(d.invoice(&invoice).status, InvoiceStatus::Paid);
        assert_eq!(d.invoice(&invoice).totals.balance_minor, 0);
    }
    let polls_before = requests_to_prefix(&s.gateway, "GET", "/v1/checkout/sessions/");

    // The starting desk numbers the receipt (without asking the gateway); the
    // other desk gets the same number.
    let report = runner.run_round(&desk).await.unwrap();
    assert_eq!(report.confirmed, 1, "{report:?}");
    assert_eq!(
        requests_to_prefix(&s.gateway, "GET", "/v1/checkout/sessions/"),
        polls_before,
        "a confirmed payment is not polled"
    );
    assert_eq!(polls_before, 0, "the status was never polled");
    let numbered = desk.payment(&pending);
    let receipt = numbered.receipt_number.clone().expect("a receipt number");
    assert!(receipt.starts_with("RCP-"), "{receipt}");
    desk.sync().await;
    other.sync().await;
    assert_eq!(other.payment(&pending), numbered);
    let again = runner.run_round(&desk).await.unwrap();
    assert_eq!(again.confirmed, 0, "numbered once: {again:?}");

    // The gateway delivers the same event again: nothing new in the log.
    let events = events_of(&s.gateway, "checkout.session.completed");
    let event_id = events[0]["id"].as_str().unwrap().to_string();
    tokio::task::block_in_place(|| {
        s.gateway
            .admin("resend", &format!(r#"{{"event":"{event_id}"}}"#))
            .unwrap();
        delivered(&s.gateway, "checkout.session.completed", 2);
    });
    let log = server_log(&s.server, &desk.token()).await;
    assert_eq!(gateway_ops(&log), 1, "a repeated delivery is a duplicate");
    other.sync().await;
    assert_eq!(other.payment(&pending), numbered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_checkout_fails_the_payment_everywhere() {
    let s = set_up();
    let desk = Desk::enrolled(&s.server, &s.scratch, s.clinic, "Front desk").await;
    let other = Desk::enrolled(&s.server, &s.scratch, s.clinic, "Back office").await;
    desk.set_up_billing(&s);
    let invoice = desk.issued_invoice(22);
    let pending = desk.start_card(&invoice);
    let (timeouts, retry) = quick_timeouts();
    let runner = PaymentRunner::new(timeouts, retry);
    runner.run_round(&desk).await.unwrap();
    desk.sync().await;
    let session = desk.payment(&pending).gateway_ref.unwrap();
    tokio::task::block_in_place(|| {
        s.gateway
            .admin("expire", &format!(r#"{{"session":"{session}"}}"#))
            .unwrap();
        delivered(&s.gateway, "checkout.session.expired", 1);
    });
    other.sync().await;
    let failed = other.payment(&pending);
    assert_eq!(failed.status, PaymentStatus::Failed);
    assert_eq!(failed.failure_reason.as_deref(), Some("expired"));
    assert_eq!(other.invoice(&invoice).status, InvoiceStatus::Issued);
    desk.sync().await;
    assert_eq!(desk.payment(&pending), failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_misaddressed_webhooks_write_nothing() {
    let s = set_up();
    let desk = Desk::enrolled(&s.server, &s.scratch, s.clinic, "Front desk").await;
    let client = http_client();
    let body = r#"{"id":"evt_forged","type":"checkout.session.completed","created":1,"data":{"object":{}}}"#;
    let now = chrono::Utc::now().timestamp();
    let post = |url: String, signature: String| {
        client
            .post(url)
            .header("stripe-signature", signature)
            .body(body)
            .send()
    };
    let url = format!("{}/v1/gateway-webhooks/stripe/{}", s.server.url(), s.clinic);
    let wrong = clinic_payments::stripe::signature_header(
        &clinic_payments::WebhookSecret::new("whsec_someone_else").unwrap(),
        body.as_bytes(),
        now,
    );
    assert_eq!(
        post(url.clone(), wrong.clone()).await.unwrap().status(),
        400
    );
    assert_eq!(
        post(url.clone(), String::new()).await.unwrap().status(),
        400
    );
    let stale = clinic_payments::stripe::signature_header(
        &clinic_payments::WebhookSecret::new(WEBHOOK_SECRET).unwrap(),
        body.as_bytes(),
        now - 3600,
    );
    assert_eq!(post(url.clone(), stale).await.unwrap().status(), 400);
    let elsewhere = format!(
        "{}/v1/gateway-webhooks/stripe/{}",
        s.server.url(),
        ClinicId::new()
    );
    assert_eq!(post(elsewhere, wrong.clone()).await.unwrap().status(), 404);
    let unknown = format!("{}/v1/gateway-webhooks/square/{}", s.server.url(), s.clinic);
    assert_eq!(post(unknown, wrong).await.unwrap().status(), 404);
    let log = server_log(&s.server, &desk.token()).await;
    assert_eq!(gateway_ops(&log), 0);
    assert!(!s.server.log_text().contains(WEBHOOK_SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flutterwave_webhook_confirms_the_payment_through_the_server_too() {
    let s = set_up_with(GatewayKind::Flutterwave);
    let desk = Desk::enrolled(&s.server, &s.scratch, s.clinic, "Front desk").await;
    let other = Desk::enrolled(&s.server, &s.scratch, s.clinic, "Back office").await;
    desk.set_up_billing(&s);
    let invoice = desk.issued_invoice(23);
    let pending = desk.start_card(&invoice);
    let (timeouts, retry) = quick_timeouts();
    let runner = PaymentRunner::new(timeouts, retry);
    assert_eq!(runner.run_round(&desk).await.unwrap().checkouts_created, 1);
    desk.sync().await;
    let created = desk.payment(&pending);
    tokio::task::block_in_place(|| {
        let status = s
            .gateway
            .pay(&page_id(&created), "4242424242424242")
            .unwrap();
        assert!((200..400).contains(&status), "paid on the page: {status}");
        delivered(&s.gateway, "charge.completed", 1);
    });
    let log = server_log(&s.server, &desk.token()).await;
    assert_eq!(gateway_ops(&log), 1, "one op for the event");
    other.sync().await;
    let p = other.payment(&pending);
    assert_eq!(p.status, PaymentStatus::Succeeded);
    assert_eq!(other.invoice(&invoice).status, InvoiceStatus::Paid);
}

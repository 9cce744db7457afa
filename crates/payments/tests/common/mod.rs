//! Shared by the payments tests: the local gateway (tests/gateway-server, started
//! through clinic-server-harness), clients pointed at it with short timeouts,
//! fresh idempotency keys, checkout requests, reading the gateway's test-control
//! JSON, and [`WebhookListener`] — a tiny HTTP server on a std thread that takes
//! the gateway's signed webhook deliveries (optionally failing the first ones);
//! [`clinic`]: a clinic's billing on a real store (invoices, card payments).
#![allow(dead_code)]

pub mod clinic;

use clinic_payments::{
    ApiKey, CheckoutRequest, IdempotencyKey, Paystack, PaystackConfig, RetryPolicy, Stripe,
    StripeConfig, Timeouts,
};
use clinic_server_harness::{GatewayOptions, GatewayServer};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const CLINIC_EMAIL: &str = "billing@clinic.example";

/// A fresh key (unique per test process and call).
pub fn key(label: &str) -> IdempotencyKey {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    IdempotencyKey::new(format!("{label}-{}-{nanos}-{n}", std::process::id())).unwrap()
}

pub fn start(options: GatewayOptions) -> GatewayServer {
    GatewayServer::start(options).expect("start the local gateway server")
}

/// Request timeout 1 s; up to 4 sends, 50 ms apart at first.
pub fn quick_timeouts() -> (Timeouts, RetryPolicy) {
    (
        Timeouts {
            connect: Duration::from_secs(2),
            request: Duration::from_secs(1),
        },
        RetryPolicy {
            attempts: 4,
            first_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(400),
        },
    )
}

pub fn stripe(gateway: &GatewayServer) -> Stripe {
    stripe_with_key(gateway, gateway.secret_key())
}

pub fn stripe_with_key(gateway: &GatewayServer, key: &str) -> Stripe {
    let (timeouts, retry) = quick_timeouts();
    Stripe::new(StripeConfig {
        api_base: gateway.base_url(),
        secret_key: ApiKey::new(key).unwrap(),
        timeouts,
        retry,
    })
    .expect("a Stripe client for the local gateway")
}

pub fn paystack(gateway: &GatewayServer) -> Paystack {
    let (timeouts, retry) = quick_timeouts();
    Paystack::new(PaystackConfig {
        api_base: gateway.base_url(),
        secret_key: ApiKey::new(gateway.secret_key()).unwrap(),
        customer_email: CLINIC_EMAIL.into(),
        timeouts,
        retry,
    })
    .expect("a Paystack client for the local gateway")
}

pub fn checkout_request(payment_id: &str, amount_minor: i64, currency: &str) -> CheckoutRequest {
    CheckoutRequest {
        payment_id: payment_id.into(),
        amount_minor,
        currency: currency.into(),
        description: "Clinic visit".into(),
        success_url: Some("http://127.0.0.1:9/paid?session={CHECKOUT_SESSION_ID}".into()),
        cancel_url: None,
        idempotency_key: key("checkout"),
    }
}

pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The gateway's request log entries for `path`.
pub fn requests_to(gateway: &GatewayServer, method: &str, path: &str) -> Vec<Value> {
    json(&gateway.admin_get("requests").unwrap())
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == method && r["path"].as_str() == Some(path))
        .cloned()
        .collect()
}

/// How many logged requests had `method` and a path starting with `prefix`.
pub fn requests_to_prefix(gateway: &GatewayServer, method: &str, prefix: &str) -> usize {
    json(&gateway.admin_get("requests").unwrap())
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["method"] == method && r["path"].as_str().is_some_and(|p| p.starts_with(prefix))
        })
        .count()
}

/// Events of one type the gateway emitted.
pub fn events_of(gateway: &GatewayServer, event_type: &str) -> Vec<Value> {
    json(&gateway.admin_get("events").unwrap())
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == event_type || e["event"] == event_type)
        .cloned()
        .collect()
}

/// The next `times` API requests whose path contains `path` fail with `fault`.
pub fn fault(gateway: &GatewayServer, fault: &str, times: u32, path: &str) {
    gateway
        .admin(
            "fault",
            &format!(r#"{{"fault":"{fault}","times":{times},"path":"{path}"}}"#),
        )
        .unwrap();
}

/// The same, for one method only.
pub fn fault_on(gateway: &GatewayServer, fault: &str, method: &str, path: &str) {
    gateway
        .admin(
            "fault",
            &format!(r#"{{"fault":"{fault}","times":1,"method":"{method}","path":"{path}"}}"#),
        )
        .unwrap();
}

/// Polls a test control until `ready` holds for its JSON (10 s at most).
pub fn wait_for(gateway: &GatewayServer, path: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let value = json(&gateway.admin_get(path).unwrap());
        if ready(&value) || std::time::Instant::now() > deadline {
            return value;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One webhook delivery as received.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// What the listener answered.
    pub answered: u16,
}

/// A tiny webhook endpoint: answers 500 to the first `fail_first` deliveries,
/// then 200; every delivery goes to `deliveries`.
pub struct WebhookListener {
    pub url: String,
    pub deliveries: mpsc::Receiver<Delivery>,
}

impl WebhookListener {
    pub fn start(fail_first: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/webhooks/gateway", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { continue };
                let answered = if n < fail_first { 500 } else { 200 };
                let Some((headers, body)) = read_request(&mut stream) else {
                    continue;
                };
                let reason = if answered == 200 {
                    "OK"
                } else {
                    "Internal Server Error"
                };
                let _ = stream.write_all(
                    format!("HTTP/1.1 {answered} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .as_bytes(),
                );
                if tx
                    .send(Delivery {
                        headers,
                        body,
                        answered,
                    })
                    .is_err()
                {
                    return;
                }
            }
        });
        Self {
            url,
            deliveries: rx,
        }
    }

    /// The next delivery that was answered 200 (failed ones are skipped), within 20 s.
    pub fn next_accepted(&self) -> Delivery {
        loop {
            let delivery = self.next_any();
            if delivery.answered == 200 {
                return delivery;
            }
        }
    }

    pub fn next_any(&self) -> Delivery {
        self.deliveries
            .recv_timeout(Duration::from_secs(20))
            .expect("a webhook delivery from the gateway within 20 s")
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<(HeaderMap, Vec<u8>)> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = HeaderMap::new();
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok()?;
        }
        headers.append(
            HeaderName::from_bytes(name.trim().as_bytes()).ok()?,
            HeaderValue::from_str(value).ok()?,
        );
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some((headers, body))
}

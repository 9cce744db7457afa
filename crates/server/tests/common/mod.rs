//! Black-box harness: starts the real `clinic-server` binary on 127.0.0.1
//! (crates/server-harness) with a temporary data directory (SQLite) or a fresh
//! database of a throwaway PostgreSQL cluster ([`pg`]), talks plain HTTP to it
//! (hyper-util client), and runs its CLI. Every server is killed on drop.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod pg;

use bytes::Bytes;
use clinic_protocol::{
    DeviceId, EntityKind, Hlc, LoggedOp, Op, OpId, OpKind, PullResponse, SCHEMA_VERSION,
};
pub use clinic_server_harness::{Options, Scratch, Server};
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// The binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_clinic-server");
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Which storage backend a test runs the server on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A scratch directory (the SQLite data directory, server logs) whose store is
/// SQLite in its `data/`, or a fresh PostgreSQL database.
pub fn scratch(backend: Backend) -> Scratch {
    let scratch = Scratch::with_bin(BIN, "clinic-server-test-").expect("temp dir");
    match backend {
        Backend::Sqlite => scratch,
        Backend::Postgres => scratch.with_database_url(pg::cluster().new_database()),
    }
}

/// `on_both_backends!(story, worker_threads)`: the tests `story::sqlite` and
/// `story::postgres`, each running `async fn story(Backend)`.
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($story:ident, $threads:literal) => {
        mod $story {
            #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
            async fn sqlite() {
                super::$story(crate::common::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
            async fn postgres() {
                super::$story(crate::common::Backend::Postgres).await
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_both_backends;

/// Starts `clinic-server serve` (plain HTTP) on the scratch's store, logging to
/// its `server.log` (appended), and waits for its `listening on` line.
pub fn start(scratch: &Scratch) -> Server {
    start_logging_to(scratch, &scratch.log())
}

/// Starts a server on the scratch's store, logging to `log` (appended).
pub fn start_logging_to(scratch: &Scratch, log: &Path) -> Server {
    Server::start(scratch, Options::plain().log(log)).expect("start clinic-server")
}

/// Runs a CLI command to completion; returns (success, stdout).
pub fn cli(args: &[&str], scratch: &Scratch) -> (bool, String) {
    let out = scratch.cli_output(args).expect("run clinic-server");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// `issue-code` for a clinic: the printed one-time code.
pub fn issue_code(scratch: &Scratch, clinic: &str) -> String {
    scratch
        .issue_code(clinic, "Test Clinic")
        .expect("issue-code")
}

/// The `quarantined ops: N` count printed by the CLI, and its detail lines.
pub fn quarantine_listing(scratch: &Scratch) -> (usize, Vec<String>) {
    let (ok, out) = cli(&["quarantine"], scratch);
    assert!(ok, "quarantine failed");
    let mut lines = out.lines();
    let count = lines
        .next()
        .and_then(|l| l.strip_prefix("quarantined ops: "))
        .and_then(|n| n.parse().ok())
        .expect("count line");
    (count, lines.map(str::to_string).collect())
}

/// A status and (JSON, when it parses) body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// Asserts an `ApiError` body with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.body["code"], code, "{self:?}");
        assert!(self.body["message"].is_string(), "{self:?}");
    }
}

/// Plain-HTTP client for one server.
#[derive(Clone)]
pub struct Api {
    base: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Api {
    pub fn new(server: &Server) -> Self {
        Self {
            base: server.url(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// One request; `Err` when the connection fails (e.g. the server was killed).
    pub async fn try_send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Reply, String> {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(Bytes::from(body))).expect("request");
        let (status, bytes) = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let res = self.client.request(req).await.map_err(|e| e.to_string())?;
            let status = res.status().as_u16();
            let bytes = res.into_body().collect().await.map_err(|e| e.to_string())?;
            Ok::<_, String>((status, bytes.to_bytes()))
        })
        .await
        .map_err(|_| "request timed out".to_string())??;
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Ok(Reply { status, body })
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Reply {
        self.try_send(method, path, token, headers, body)
            .await
            .expect("request failed")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        let bytes = serde_json::to_vec(body).expect("json");
        self.send(
            Method::POST,
            path,
            token,
            &[("content-type", "application/json")],
            bytes,
        )
        .await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::GET, path, token, &[], Vec::new()).await
    }

    /// Enrolls a new device with a fresh code for `clinic`.
    pub async fn enroll(&self, scratch: &Scratch, clinic: &str) -> Device {
        let code = issue_code(scratch, clinic);
        let id = DeviceId::new();
        let r = self
            .post(
                "/v1/enroll",
                None,
                &json!({"code": code, "device_id": id, "device_name": "Front desk"}),
            )
            .await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.body["clinic_id"], clinic);
        Device {
            id,
            token: r.body["device_token"].as_str().expect("token").to_string(),
            counter: 0,
        }
    }

    /// A push that may fail at the connection level.
    pub async fn try_push(&self, device: &Device, ops: &[Op]) -> Result<Reply, String> {
        let body = serde_json::to_vec(&push_body(device.id, ops)).expect("json");
        self.try_send(Method::POST, "/v1/push", Some(&device.token), &[], body)
            .await
    }

    pub async fn push(&self, device: &Device, ops: &[Op]) -> Reply {
        self.post("/v1/push", Some(&device.token), &push_body(device.id, ops))
            .await
    }

    /// Pulls the whole log from the start in pages of `limit`; checks each page.
    pub async fn pull_all(&self, token: &str, limit: u32) -> Vec<LoggedOp> {
        let mut all = Vec::new();
        let mut cursor = String::new();
        loop {
            let r = self
                .get(
                    &format!("/v1/pull?limit={limit}&cursor={cursor}"),
                    Some(token),
                )
                .await;
            assert_eq!(r.status, 200, "{r:?}");
            let page: PullResponse = serde_json::from_value(r.body).expect("pull response");
            assert!(page.ops.len() <= limit as usize);
            all.extend(page.ops);
            cursor = page.next_cursor;
            if !page.more {
                return all;
            }
        }
    }
}

/// An enrolled device and its own op counter.
#[derive(Clone, Debug)]
pub struct Device {
    pub id: DeviceId,
    pub token: String,
    pub counter: u64,
}

impl Device {
    /// The device's next `n` ops (counters continue from the last call).
    pub fn ops(&mut self, n: usize) -> Vec<Op> {
        (0..n)
            .map(|_| {
                self.counter += 1;
                op(self.id, self.counter)
            })
            .collect()
    }
}

/// A plausible op (synthetic data only).
pub fn op(device: DeviceId, counter: u64) -> Op {
    Op {
        op_id: OpId::new(),
        device_counter: counter,
        hlc: Hlc {
            millis: 1_700_000_000_000 + counter,
            counter: 0,
            device,
        },
        kind: OpKind::SetFields,
        entity: EntityKind::Patient,
        entity_id: OpId::new().to_string(),
        payload: json!({"fields": {"phone": format!("555-{counter:04}")}}),
        schema_version: SCHEMA_VERSION,
    }
}

pub fn push_body(device: DeviceId, ops: &[Op]) -> Value {
    json!({"device_id": device, "ops": ops})
}

/// The `seq` of each result with this status, in order.
pub fn seqs(reply: &Reply, status: &str) -> Vec<u64> {
    reply.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            assert_eq!(r["outcome"]["status"], status, "{r}");
            r["outcome"]["seq"].as_u64().expect("seq")
        })
        .collect()
}

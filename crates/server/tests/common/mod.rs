//! Black-box harness: starts the real `clinic-server` binary on 127.0.0.1 with a
//! temporary data directory (SQLite) or a fresh database of a throwaway
//! PostgreSQL cluster ([`pg`]), talks plain HTTP to it (hyper-util client), and
//! runs its CLI. A drop guard kills every server it started.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod pg;

use bytes::Bytes;
use clinic_protocol::{
    DeviceId, EntityKind, Hlc, LoggedOp, Op, OpId, OpKind, PullResponse, SCHEMA_VERSION,
};
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_clinic-server");
const START_TIMEOUT: Duration = Duration::from_secs(20);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Which storage backend a test runs the server on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One server database: a SQLite data directory or a PostgreSQL URL.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(PathBuf),
    Postgres(String),
}

/// What selects a server's storage on its command line (`--data-dir D` or
/// `--database-url U`). A bare path means SQLite.
pub trait Storage {
    fn store_args(&self) -> Vec<OsString>;
}

impl Storage for Path {
    fn store_args(&self) -> Vec<OsString> {
        vec!["--data-dir".into(), self.into()]
    }
}

impl Storage for PathBuf {
    fn store_args(&self) -> Vec<OsString> {
        self.as_path().store_args()
    }
}

impl Storage for Db {
    fn store_args(&self) -> Vec<OsString> {
        match self {
            Db::Sqlite(dir) => dir.store_args(),
            Db::Postgres(url) => vec!["--database-url".into(), url.into()],
        }
    }
}

/// A temporary directory (the SQLite data directory, server logs) and the
/// server database (`db`): SQLite in `data`, or a fresh PostgreSQL database.
pub struct Dirs {
    _tmp: tempfile::TempDir,
    pub data: PathBuf,
    pub log: PathBuf,
    pub db: Db,
}

impl Dirs {
    pub fn new() -> Self {
        Self::with(Backend::Sqlite)
    }

    pub fn with(backend: Backend) -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let data = tmp.path().join("data");
        let db = match backend {
            Backend::Sqlite => Db::Sqlite(data.clone()),
            Backend::Postgres => Db::Postgres(pg::cluster().new_database()),
        };
        Self {
            data,
            log: tmp.path().join("server.log"),
            db,
            _tmp: tmp,
        }
    }

    /// Another log file in the temporary directory (a second server).
    pub fn log_file(&self, name: &str) -> PathBuf {
        self._tmp.path().join(name)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
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

/// A running server process; killed (SIGKILL) and reaped on drop.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Starts `clinic-server serve` and waits for its `listening on` line.
    pub fn start(dirs: &Dirs) -> Self {
        Self::start_on(&dirs.db, &dirs.log)
    }

    /// Starts a server on `store`, logging to `log` (appended).
    pub fn start_on(store: &(impl Storage + ?Sized), log: &Path) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(store.store_args())
            .env_remove("CLINIC_SERVER_DATABASE_URL")
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn clinic-server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the server never blocks on a full pipe.
            let _ = reader.read_to_end(&mut Vec::new());
        });
        // From here on the guard owns the child, so a failed start still kills it.
        let mut server = Self {
            child,
            base: String::new(),
        };
        let line = rx
            .recv_timeout(START_TIMEOUT)
            .expect("server printed no 'listening on' line in time");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        server.base = format!("http://{addr}");
        server
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// kill -9 and reap.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait (bounded) for the exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let ok = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(ok.success());
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "server ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a CLI command to completion; returns (success, stdout).
pub fn cli(args: &[&str], store: &(impl Storage + ?Sized)) -> (bool, String) {
    let out = Command::new(BIN)
        .args(args)
        .args(store.store_args())
        .env_remove("CLINIC_SERVER_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run clinic-server");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// `issue-code` for a clinic: the printed one-time code.
pub fn issue_code(store: &(impl Storage + ?Sized), clinic: &str) -> String {
    let (ok, out) = cli(
        &[
            "issue-code",
            "--clinic-id",
            clinic,
            "--clinic-name",
            "Test Clinic",
        ],
        store,
    );
    assert!(ok, "issue-code failed");
    out.trim().to_string()
}

/// The `quarantined ops: N` count printed by the CLI, and its detail lines.
pub fn quarantine_listing(store: &(impl Storage + ?Sized)) -> (usize, Vec<String>) {
    let (ok, out) = cli(&["quarantine"], store);
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
            base: server.base.clone(),
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
    pub async fn enroll(&self, store: &(impl Storage + ?Sized), clinic: &str) -> Device {
        let code = issue_code(store, clinic);
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

//! The local payment gateway server (tests/gateway-server/server.mjs: Stripe's
//! documented HTTP API, or Paystack's with `--paystack`, or Flutterwave's v3 with
//! `--flutterwave`, on Node with no npm packages) for the clinic-payments tests.
//! This module owns:
//!
//! - finding it: `node` on `PATH` and the server's directory (env
//!   `CLINIC_GATEWAY_SERVER_DIR`, else `tests/gateway-server` of this workspace);
//! - [`GatewayServer`]: the process started with [`GatewayOptions`] (secret key,
//!   webhook secret and endpoints, retries, Paystack or Flutterwave mode), ready
//!   once it printed `listening on 127.0.0.1:PORT`, killed and reaped on drop;
//! - its test controls (`/$admin/…`: faults, the request log, sessions, expiring
//!   one, webhook deliveries) and the hosted payment page ([`GatewayServer::pay`],
//!   as a patient submitting a test card), over a hand-written HTTP/1.1 exchange
//!   on a `TcpStream`.
//!
//! Errors carry the command and the tail of the server's stderr.
use anyhow::{bail, ensure, Context, Result};
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Overrides where server.mjs is.
pub const GATEWAY_SERVER_DIR_ENV: &str = "CLINIC_GATEWAY_SERVER_DIR";
/// How long the server may take to print `listening on`.
pub const GATEWAY_START_TIMEOUT: Duration = Duration::from_secs(30);
/// The server's default secret key and webhook signing secret.
pub const DEFAULT_SECRET_KEY: &str = "sk_test_clinic";
pub const DEFAULT_WEBHOOK_SECRET: &str = "whsec_test_clinic";
/// The secret key of [`GatewayOptions::flutterwave`] (Flutterwave's test key format;
/// the webhook secret stays [`DEFAULT_WEBHOOK_SECRET`], sent as `verif-hash`).
pub const DEFAULT_FLUTTERWAVE_SECRET_KEY: &str = "FLWSECK_TEST-clinic0000000000000000-X";
/// Timeout of one test-control exchange.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(30);

/// How [`GatewayServer::start`] runs server.mjs. Default: Stripe, the default key
/// and webhook secret, no webhook endpoint.
#[derive(Clone, Debug)]
pub struct GatewayOptions {
    args: Vec<OsString>,
    secret_key: String,
    start_timeout: Duration,
}

impl Default for GatewayOptions {
    fn default() -> Self {
        Self {
            args: Vec::new(),
            secret_key: DEFAULT_SECRET_KEY.to_string(),
            start_timeout: GATEWAY_START_TIMEOUT,
        }
    }
}

impl GatewayOptions {
    pub fn new() -> Self {
        Self::default()
    }

    /// `--secret-key KEY`: the account's secret key (test keys only).
    pub fn secret_key(mut self, key: &str) -> Self {
        self.secret_key = key.to_string();
        self.arg("--secret-key").arg(key)
    }

    /// `--webhook-secret S`: Stripe's endpoint signing secret; Flutterwave's secret
    /// hash (`verif-hash`).
    pub fn webhook_secret(self, secret: &str) -> Self {
        self.arg("--webhook-secret").arg(secret)
    }

    /// `--webhook URL`: an endpoint events are POSTed to, signed (repeatable).
    pub fn webhook(self, url: &str) -> Self {
        self.arg("--webhook").arg(url)
    }

    /// `--webhook-attempts N --webhook-backoff-ms MS`: deliveries per event and
    /// endpoint, and the first retry's delay (doubled after each).
    pub fn webhook_retries(self, attempts: u32, backoff_ms: u64) -> Self {
        self.arg("--webhook-attempts")
            .arg(attempts.to_string())
            .arg("--webhook-backoff-ms")
            .arg(backoff_ms.to_string())
    }

    /// `--paystack`: Paystack's API instead of Stripe's.
    pub fn paystack(self) -> Self {
        self.arg("--paystack")
    }

    /// `--flutterwave`: Flutterwave's API (v3) instead of Stripe's, with
    /// [`DEFAULT_FLUTTERWAVE_SECRET_KEY`] unless [`Self::secret_key`] set another
    /// key (before or after).
    pub fn flutterwave(self) -> Self {
        let options = if self.secret_key == DEFAULT_SECRET_KEY {
            self.secret_key(DEFAULT_FLUTTERWAVE_SECRET_KEY)
        } else {
            self
        };
        options.arg("--flutterwave")
    }

    /// Any other argument of server.mjs.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }
}

/// A running local gateway on 127.0.0.1; killed and reaped on drop.
#[derive(Debug)]
pub struct GatewayServer {
    child: Child,
    addr: String,
    secret_key: String,
    /// Holds the server's stderr (`stderr.log`).
    scratch: tempfile::TempDir,
}

impl GatewayServer {
    /// Starts server.mjs and waits for its `listening on` line. On failure the
    /// process is killed and the error holds the tail of its stderr.
    pub fn start(options: GatewayOptions) -> Result<Self> {
        let node = find_on_path("node").context(
            "`node` is not on PATH: install Node.js 20+ (scripts/setup.sh checks it) to run \
             the payment gateway tests",
        )?;
        let dir = server_dir()?;
        let scratch = tempfile::Builder::new()
            .prefix("clinic-gateway-server-")
            .tempdir()
            .context("create the gateway server's scratch directory")?;
        let stderr_path = scratch.path().join("stderr.log");
        let stderr = std::fs::File::create(&stderr_path)
            .with_context(|| format!("create {}", stderr_path.display()))?;
        let mut child = Command::new(&node)
            .current_dir(&dir)
            .arg("server.mjs")
            .args(["--port", "0"])
            .args(&options.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("spawn {} server.mjs in {}", node.display(), dir.display()))?;
        let stdout = child.stdout.take().context("the gateway server's stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            let _ = reader.read_to_end(&mut Vec::new());
        });
        let mut server = Self {
            child,
            addr: String::new(),
            secret_key: options.secret_key,
            scratch,
        };
        let line = rx.recv_timeout(options.start_timeout).unwrap_or_default();
        match line.trim().strip_prefix("listening on ") {
            Some(addr) => server.addr = addr.to_string(),
            None => {
                server.kill();
                bail!(
                    "node server.mjs (gateway) printed no 'listening on' line within {:?} (first \
                     line {line:?}); the end of its stderr:\n{}",
                    options.start_timeout,
                    server.stderr_tail(20)
                );
            }
        }
        Ok(server)
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The API base URL: `http://127.0.0.1:PORT` (Stripe paths start with `/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The secret key the server accepts.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server (SIGKILL) and reaps it: its port then refuses connections.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The last `lines` lines of the server's stderr.
    pub fn stderr_tail(&self, lines: usize) -> String {
        crate::log_tail(&self.scratch.path().join("stderr.log"), lines)
    }

    /// `POST /$admin/<path>` with a JSON body (`fault`, `clear-faults`, `reset-log`,
    /// `expire`, `async-payment`, `webhook-endpoint`, `resend`): the answer's body;
    /// an error unless it is 2xx.
    pub fn admin(&self, path: &str, json: &str) -> Result<String> {
        let target = format!("/$admin/{}", path.trim_start_matches('/'));
        let (status, body) = self.exchange("POST", &target, "application/json", json)?;
        ensure!(
            (200..300).contains(&status),
            "POST {target} answered HTTP {status}: {body}"
        );
        Ok(body)
    }

    /// `GET /$admin/<path>` (`requests`, `sessions`, `events`, `deliveries`).
    pub fn admin_get(&self, path: &str) -> Result<String> {
        let target = format!("/$admin/{}", path.trim_start_matches('/'));
        let (status, body) = self.exchange("GET", &target, "application/json", "")?;
        ensure!(
            (200..300).contains(&status),
            "GET {target} answered HTTP {status}: {body}"
        );
        Ok(body)
    }

    /// A patient submitting the hosted payment page of `session_id` (a Stripe
    /// session id, a Paystack access code or a Flutterwave link id) with a test
    /// card number: the page's HTTP status (303/200 paid, 402 declined, 409 no
    /// longer open, 410 expired (Flutterwave), 404 unknown).
    pub fn pay(&self, session_id: &str, card: &str) -> Result<u16> {
        let target = format!("/pay/{session_id}");
        let body = format!("card={card}");
        let (status, _) =
            self.exchange("POST", &target, "application/x-www-form-urlencoded", &body)?;
        Ok(status)
    }

    /// One HTTP/1.1 exchange (`Connection: close`).
    fn exchange(
        &self,
        method: &str,
        target: &str,
        content_type: &str,
        body: &str,
    ) -> Result<(u16, String)> {
        let what = format!("{method} {target}");
        let mut stream =
            TcpStream::connect(&self.addr).with_context(|| format!("{what}: connect"))?;
        stream.set_read_timeout(Some(ADMIN_TIMEOUT))?;
        stream.set_write_timeout(Some(ADMIN_TIMEOUT))?;
        let request = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nContent-Type: {content_type}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .with_context(|| format!("{what}: send"))?;
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .with_context(|| format!("{what}: read the answer"))?;
        let text = String::from_utf8_lossy(&answer);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .with_context(|| format!("{what}: the answer has no HTTP header"))?;
        let status = head
            .lines()
            .next()
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|code| code.parse().ok())
            .with_context(|| format!("{what}: the answer has no HTTP status line"))?;
        // server.mjs always sends Content-Length, never chunks.
        Ok((status, body.to_string()))
    }
}

impl Drop for GatewayServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The directory holding server.mjs.
pub fn server_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os(GATEWAY_SERVER_DIR_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/gateway-server"),
    };
    ensure!(
        dir.join("server.mjs").is_file() && dir.join("stripe.mjs").is_file(),
        "the local gateway server is missing: expected server.mjs and stripe.mjs in {} (set \
         {GATEWAY_SERVER_DIR_ENV} to its directory)",
        dir.display()
    );
    Ok(dir)
}

/// The first executable `name` in `PATH`.
fn find_on_path(name: &str) -> Result<PathBuf> {
    let path = std::env::var_os("PATH").context("PATH is not set")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .with_context(|| format!("{name} not found on PATH"))
}

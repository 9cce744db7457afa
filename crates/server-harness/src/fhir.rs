//! The test FHIR R4 server (tests/fhir-server/server.mjs: Medplum's FhirRouter over
//! its in-memory repository, on Node) for the provider tests. This module owns:
//!
//! - finding it: `node` on `PATH`, the server's directory (env
//!   `CLINIC_FHIR_SERVER_DIR`, else `tests/fhir-server` of this workspace), and its
//!   npm packages, installed with `npm ci` when `node_modules` is missing (into a
//!   temporary directory renamed into place, so concurrent tests never see half an
//!   install);
//! - [`FhirServer`]: the process started with [`FhirOptions`] (bundles to load,
//!   documents per patient, bearer token, SMART key and client id), ready once it
//!   printed `listening on 127.0.0.1:PORT`, killed and reaped on drop;
//! - its test controls (`/$admin/…`: faults, touching resources, moving a Task on,
//!   the request log) over a hand-written HTTP/1.1 exchange on a `TcpStream`;
//! - [`node_key_pair`]: a fresh RS384 or ES384 key pair (PEM) made by node:crypto,
//!   for SMART Backend Services tests.
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

/// Overrides where server.mjs (and its package.json) is.
pub const FHIR_SERVER_DIR_ENV: &str = "CLINIC_FHIR_SERVER_DIR";
/// How long the server may take to load its bundles and print `listening on`.
pub const FHIR_START_TIMEOUT: Duration = Duration::from_secs(90);
/// Timeout of one test-control exchange.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(30);

/// How [`FhirServer::start`] runs server.mjs. Default: open (no auth), nothing loaded.
#[derive(Clone, Debug)]
pub struct FhirOptions {
    args: Vec<OsString>,
    start_timeout: Duration,
}

impl Default for FhirOptions {
    fn default() -> Self {
        Self {
            args: Vec::new(),
            start_timeout: FHIR_START_TIMEOUT,
        }
    }
}

impl FhirOptions {
    pub fn new() -> Self {
        Self::default()
    }

    /// `--load PATH`: a FHIR Bundle file or a directory of them (repeatable).
    pub fn load(self, path: impl AsRef<Path>) -> Self {
        self.arg("--load").arg(path.as_ref())
    }

    /// `--documents N`: per loaded patient, N DocumentReferences with a Binary each
    /// (the first a tiny PDF, the others text/plain).
    pub fn documents(self, per_patient: u32) -> Self {
        self.arg("--documents").arg(per_patient.to_string())
    }

    /// `--page-size N`: the searches' default `_count` (server default 50).
    pub fn page_size(self, size: u32) -> Self {
        self.arg("--page-size").arg(size.to_string())
    }

    /// `--token T`: FHIR requests need `Authorization: Bearer T`.
    pub fn token(self, token: &str) -> Self {
        self.arg("--token").arg(token)
    }

    /// `--smart-public-key PEM --smart-client-id ID`: SMART Backend Services at
    /// `/auth/token` for this client.
    pub fn smart(self, public_key_pem: impl AsRef<Path>, client_id: &str) -> Self {
        self.arg("--smart-public-key")
            .arg(public_key_pem.as_ref())
            .arg("--smart-client-id")
            .arg(client_id)
    }

    /// `--smart-jwks FILE`: SMART clients' public keys as a JWKS.
    pub fn smart_jwks(self, jwks: impl AsRef<Path>) -> Self {
        self.arg("--smart-jwks").arg(jwks.as_ref())
    }

    /// `--smart-token-ttl S`: lifetime of the access tokens issued (default 300 s).
    pub fn smart_token_ttl(self, seconds: u32) -> Self {
        self.arg("--smart-token-ttl").arg(seconds.to_string())
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

/// A running test FHIR server on 127.0.0.1; killed and reaped on drop.
#[derive(Debug)]
pub struct FhirServer {
    child: Child,
    addr: String,
    /// Holds the server's stderr (`stderr.log`).
    scratch: tempfile::TempDir,
}

impl FhirServer {
    /// Starts server.mjs (installing its npm packages first if needed) and waits for
    /// its `listening on` line. On failure the process is killed and the error holds
    /// the tail of its stderr.
    pub fn start(options: FhirOptions) -> Result<Self> {
        let node = find_on_path("node").context(
            "`node` is not on PATH: install Node.js 20+ (scripts/setup.sh checks it) to run \
             the FHIR provider tests",
        )?;
        let dir = server_dir()?;
        ensure_npm_packages(&dir)?;
        let scratch = tempfile::Builder::new()
            .prefix("clinic-fhir-server-")
            .tempdir()
            .context("create the FHIR server's scratch directory")?;
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
        let stdout = child.stdout.take().context("the FHIR server's stdout")?;
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
            scratch,
        };
        let line = rx.recv_timeout(options.start_timeout).unwrap_or_default();
        match line.trim().strip_prefix("listening on ") {
            Some(addr) => server.addr = addr.to_string(),
            None => {
                server.kill();
                bail!(
                    "node server.mjs printed no 'listening on' line within {:?} (first line \
                     {line:?}); the end of its stderr:\n{}",
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

    /// The FHIR base URL: `http://127.0.0.1:PORT/fhir`.
    pub fn base_url(&self) -> String {
        format!("http://{}/fhir", self.addr)
    }

    /// The SMART token endpoint: `http://127.0.0.1:PORT/auth/token`.
    pub fn token_url(&self) -> String {
        format!("http://{}/auth/token", self.addr)
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

    /// `POST /$admin/<path>` with a JSON body (e.g. `fault`, `touch`, `task-status`,
    /// `reset-log`): the answer's body; an error unless it is 2xx.
    pub fn admin(&self, path: &str, json: &str) -> Result<String> {
        self.admin_request("POST", path, Some(json))
    }

    /// `GET /$admin/<path>` (`requests`, `stats`).
    pub fn admin_get(&self, path: &str) -> Result<String> {
        self.admin_request("GET", path, None)
    }

    /// `PUT /$admin/<Type>/<id>`: stores this resource as a new version.
    pub fn admin_put(&self, path: &str, json: &str) -> Result<String> {
        self.admin_request("PUT", path, Some(json))
    }

    /// One HTTP/1.1 exchange (`Connection: close`) with a test control.
    fn admin_request(&self, method: &str, path: &str, body: Option<&str>) -> Result<String> {
        let target = format!("/$admin/{}", path.trim_start_matches('/'));
        let what = format!("{method} {target}");
        let mut stream =
            TcpStream::connect(&self.addr).with_context(|| format!("{what}: connect"))?;
        stream.set_read_timeout(Some(ADMIN_TIMEOUT))?;
        stream.set_write_timeout(Some(ADMIN_TIMEOUT))?;
        let body = body.unwrap_or("");
        let request = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
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
        let (status, body) = parse_http_answer(&answer).with_context(|| what.clone())?;
        ensure!(
            (200..300).contains(&status),
            "{what} answered HTTP {status}: {body}"
        );
        Ok(body)
    }
}

impl Drop for FhirServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Status and body of an HTTP/1.1 answer read to its end (Content-Length or close).
fn parse_http_answer(answer: &[u8]) -> Result<(u16, String)> {
    let text = String::from_utf8_lossy(answer);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("the answer has no HTTP header")?;
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .context("the answer has no HTTP status line")?;
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .replace(' ', "")
            .starts_with("transfer-encoding:chunked")
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_string()
    };
    Ok((status, body))
}

fn dechunk(mut rest: &str) -> Result<String> {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").context("a truncated chunk")?;
        let size = usize::from_str_radix(size.trim(), 16).context("a bad chunk size")?;
        if size == 0 {
            return Ok(out);
        }
        ensure!(after.len() >= size, "a truncated chunk");
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
}

/// The directory holding server.mjs.
pub fn server_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os(FHIR_SERVER_DIR_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fhir-server"),
    };
    ensure!(
        dir.join("server.mjs").is_file() && dir.join("package-lock.json").is_file(),
        "the test FHIR server is missing: expected server.mjs and package-lock.json in {} \
         (set {FHIR_SERVER_DIR_ENV} to its directory)",
        dir.display()
    );
    Ok(dir)
}

/// `npm ci` when `node_modules` is missing (or a previous install did not finish).
/// The install happens in a temporary sibling directory renamed into place, so
/// parallel test processes either find a complete `node_modules` or install their
/// own copy; the first rename wins.
fn ensure_npm_packages(dir: &Path) -> Result<()> {
    let modules = dir.join("node_modules");
    if modules.join(".package-lock.json").is_file() {
        return Ok(());
    }
    let npm = find_on_path("npm").context(
        "tests/fhir-server/node_modules is missing and `npm` is not on PATH: install Node.js \
         20+ with npm, or run scripts/setup.sh",
    )?;
    let staging = tempfile::Builder::new()
        .prefix(".npm-ci-")
        .tempdir_in(dir)
        .with_context(|| format!("create a staging directory in {}", dir.display()))?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(dir.join(file), staging.path().join(file))
            .with_context(|| format!("copy {file} for npm ci"))?;
    }
    let output = Command::new(&npm)
        .current_dir(staging.path())
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("run {} ci", npm.display()))?;
    if !output.status.success() {
        bail!(
            "npm ci for the test FHIR server failed ({}), in a copy of {}: is the npm registry \
             reachable? Run `npm ci` in tests/fhir-server by hand to see why.\n{}",
            output.status,
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    if modules.exists() && !modules.join(".package-lock.json").is_file() {
        // An interrupted install by hand: replace it.
        let _ = std::fs::remove_dir_all(&modules);
    }
    match std::fs::rename(staging.path().join("node_modules"), &modules) {
        Ok(()) => Ok(()),
        // Another process installed it first.
        Err(_) if modules.join(".package-lock.json").is_file() => Ok(()),
        Err(e) => Err(e).with_context(|| format!("move node_modules into {}", dir.display())),
    }
}

/// The first executable `name` in `PATH`.
fn find_on_path(name: &str) -> Result<PathBuf> {
    let path = std::env::var_os("PATH").context("PATH is not set")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .with_context(|| format!("{name} not found on PATH"))
}

/// Which key [`node_key_pair`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlg {
    /// RSA 2048, for RS384.
    Rs384,
    /// EC P-384, for ES384.
    Es384,
}

/// A key pair in PEM: the private key as PKCS#8 (`BEGIN PRIVATE KEY`), the public key
/// as SPKI (`BEGIN PUBLIC KEY`). Test keys only.
#[derive(Clone)]
pub struct KeyPair {
    pub private_pem: String,
    pub public_pem: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("public_pem", &self.public_pem)
            .finish_non_exhaustive()
    }
}

/// A fresh key pair from node:crypto (`generateKeyPairSync`).
pub fn node_key_pair(alg: KeyAlg) -> Result<KeyPair> {
    let node = find_on_path("node")?;
    let (kind, params) = match alg {
        KeyAlg::Rs384 => ("rsa", "{ modulusLength: 2048 }"),
        KeyAlg::Es384 => ("ec", "{ namedCurve: 'P-384' }"),
    };
    let script = format!(
        "const {{ generateKeyPairSync }} = require('node:crypto');\
         const k = generateKeyPairSync('{kind}', {{ ...{params}, \
           publicKeyEncoding: {{ type: 'spki', format: 'pem' }}, \
           privateKeyEncoding: {{ type: 'pkcs8', format: 'pem' }} }});\
         process.stdout.write(k.privateKey + k.publicKey);"
    );
    let output = Command::new(node)
        .args(["-e", &script])
        .stdin(Stdio::null())
        .output()
        .context("run node -e to generate a key pair")?;
    ensure!(
        output.status.success(),
        "node could not generate a key pair: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).context("node's key pair output")?;
    let split = text
        .find("-----BEGIN PUBLIC KEY-----")
        .filter(|_| text.starts_with("-----BEGIN PRIVATE KEY-----"))
        .context("unexpected key pair output from node")?;
    let (private_pem, public_pem) = text.split_at(split);
    Ok(KeyPair {
        private_pem: private_pem.to_string(),
        public_pem: public_pem.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked_answers() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(parse_http_answer(plain).unwrap(), (200, "{}".to_string()));
        let chunked =
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(
            parse_http_answer(chunked).unwrap(),
            (404, "abcde".to_string())
        );
        assert!(parse_http_answer(b"garbage").is_err());
    }
}

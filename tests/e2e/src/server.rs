//! The clinic's sync server (`clinic-server`, crates/server) as a process, for the
//! sync story: its own temp directory (data, demo certificates, log) that is NOT
//! under any [`crate::Profile`] (the server keeps ops in plain text; the disk checks
//! walk only what the app wrote), HTTPS with a demo CA, and a fixed port chosen once,
//! so that after [`SyncServer::kill`] a [`SyncServer::start`] serves the same URL
//! (the app saved it when it enrolled). Only std processes here: no app crates.
use crate::driver;
use anyhow::{bail, Context};
use std::cell::Cell;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Name of the sync server binary (`cargo build --workspace` puts it next to the app).
pub const SERVER_BIN_NAME: &str = "clinic-server";

/// The sync server binary: `CLINIC_SERVER_BIN`, or next to the app binary. Fails
/// (never skips) when it has not been built.
pub fn server_binary() -> crate::Result<PathBuf> {
    if let Some(p) = std::env::var_os("CLINIC_SERVER_BIN") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
        bail!("CLINIC_SERVER_BIN={} does not exist", p.display());
    }
    let app = driver::app_binary()?;
    let bin = app
        .parent()
        .map(|d| d.join(format!("{SERVER_BIN_NAME}{}", std::env::consts::EXE_SUFFIX)))
        .context("the app binary has no parent directory")?;
    if !bin.is_file() {
        bail!(
            "the sync server binary {} was not found: build it with `cargo build --workspace --all-targets`",
            bin.display()
        );
    }
    Ok(bin)
}

/// A sync server with its data directory; running or stopped. Killed on drop; its
/// directory is deleted on drop unless `CLINIC_E2E_KEEP=1` or the test failed.
#[derive(Debug)]
pub struct SyncServer {
    bin: PathBuf,
    root: PathBuf,
    port: u16,
    child: Option<Child>,
    starts: u32,
    failed: Cell<bool>,
}

impl SyncServer {
    /// Makes the directory and the demo certificates (`gen-cert`) and picks a free
    /// port. Does not start the server.
    pub fn new() -> crate::Result<Self> {
        let bin = server_binary()?;
        let root = tempfile::Builder::new()
            .prefix("clinic-e2e-sync-server-")
            .tempdir()?
            .keep();
        let server = SyncServer {
            bin,
            root,
            port: free_port()?,
            child: None,
            starts: 0,
            failed: Cell::new(false),
        };
        let out = Command::new(&server.bin)
            .arg("gen-cert")
            .arg("--out-dir")
            .arg(server.certs_dir())
            .stdin(Stdio::null())
            .output()
            .context("running clinic-server gen-cert")?;
        if !out.status.success() {
            bail!(
                "clinic-server gen-cert failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(server)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }
    fn certs_dir(&self) -> PathBuf {
        self.root.join("certs")
    }
    /// The demo CA's certificate (PEM), which devices trust.
    pub fn ca_path(&self) -> PathBuf {
        self.certs_dir().join("ca.pem")
    }
    pub fn ca_pem(&self) -> crate::Result<String> {
        Ok(std::fs::read_to_string(self.ca_path())?)
    }
    pub fn log_path(&self) -> PathBuf {
        self.root.join("server.log")
    }
    pub fn port(&self) -> u16 {
        self.port
    }
    /// What devices connect to (the certificate names `localhost`).
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// `issue-code` for `clinic_id`: a one-time enrollment code.
    pub fn issue_code(&self, clinic_id: &str, clinic_name: &str) -> crate::Result<String> {
        let out = Command::new(&self.bin)
            .args([
                "issue-code",
                "--clinic-id",
                clinic_id,
                "--clinic-name",
                clinic_name,
            ])
            .arg("--data-dir")
            .arg(self.data_dir())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .context("running clinic-server issue-code")?;
        if !out.status.success() {
            bail!(
                "clinic-server issue-code failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let code = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if code.is_empty() {
            bail!("clinic-server issue-code printed no code");
        }
        Ok(code)
    }

    /// `serve` over HTTPS on 127.0.0.1:<port> (the same port every time) and waits for
    /// its `listening on` line. The log is appended to.
    pub fn start(&mut self) -> crate::Result<()> {
        if self.child.is_some() {
            bail!("the sync server is already running");
        }
        self.starts += 1;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())?;
        let mut child = Command::new(&self.bin)
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--tls-cert")
            .arg(self.certs_dir().join("server.pem"))
            .arg("--tls-key")
            .arg(self.certs_dir().join("server-key.pem"))
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .context("starting clinic-server serve")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            let _ = reader.read_to_end(&mut Vec::new());
        });
        self.child = Some(child);
        let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        if !line.starts_with("listening on ") {
            self.kill();
            bail!(
                "the sync server (start {}) did not listen on 127.0.0.1:{} (first line {line:?}); its log:\n{}",
                self.starts,
                self.port,
                self.log_tail(20)
            );
        }
        Ok(())
    }

    /// `kill -9` (the server vanishes: no shutdown, open connections reset).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Keeps the directory (data, log) after the test, for a failed story.
    pub fn mark_failed(&self) {
        self.failed.set(true);
    }

    /// The last `lines` lines of the server's log (diagnostics).
    pub fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(lines).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for SyncServer {
    fn drop(&mut self) {
        self.kill();
        let keep = std::env::var_os("CLINIC_E2E_KEEP").is_some_and(|v| v == "1");
        if keep || self.failed.get() || std::thread::panicking() {
            eprintln!(
                "e2e: kept the sync server's directory {}",
                self.root.display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// A TCP port free on 127.0.0.1 right now.
fn free_port() -> crate::Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

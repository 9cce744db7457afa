//! The clinic's sync server (`clinic-server`, crates/server) as a process, for the
//! sync story: its own temp directory (data, demo certificates, log) that is NOT
//! under any [`crate::Profile`] (the server keeps ops in plain text; the disk checks
//! walk only what the app wrote), HTTPS with a demo CA, and a fixed port chosen once,
//! so that after [`SyncServer::kill`] a [`SyncServer::start`] serves the same URL
//! (the app saved it when it enrolled). The process itself is crates/server-harness's
//! (binary: `CLINIC_SERVER_BIN`, else next to this test, built when missing or stale):
//! std processes only, no app crates.
use anyhow::{bail, Context};
use clinic_server_harness::{server_bin, Certs, Options, Scratch, Server};
use std::cell::Cell;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

/// A sync server with its data directory; running or stopped. Killed on drop; its
/// directory is deleted on drop unless `CLINIC_E2E_KEEP=1` or the test failed.
#[derive(Debug)]
pub struct SyncServer {
    scratch: Scratch,
    certs: Certs,
    port: u16,
    server: Option<Server>,
    starts: u32,
    failed: Cell<bool>,
}

impl SyncServer {
    /// Makes the directory and the demo certificates (`gen-cert`) and picks a free
    /// port. Does not start the server.
    pub fn new() -> crate::Result<Self> {
        let scratch = Scratch::with_bin(server_bin()?, "clinic-e2e-sync-server-")?;
        let certs = scratch.gen_cert("certs", &[])?;
        Ok(SyncServer {
            scratch,
            certs,
            port: free_port()?,
            server: None,
            starts: 0,
            failed: Cell::new(false),
        })
    }

    pub fn root(&self) -> &Path {
        self.scratch.path()
    }
    pub fn data_dir(&self) -> PathBuf {
        self.scratch.data()
    }
    /// The demo CA's certificate (PEM), which devices trust.
    pub fn ca_path(&self) -> PathBuf {
        self.certs.ca.clone()
    }
    pub fn ca_pem(&self) -> crate::Result<String> {
        self.certs.ca_pem()
    }
    pub fn log_path(&self) -> PathBuf {
        self.scratch.log()
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
        self.scratch.issue_code(clinic_id, clinic_name)
    }

    /// `serve` over HTTPS on 127.0.0.1:<port> (the same port every time) and waits for
    /// its `listening on` line. The log is appended to.
    pub fn start(&mut self) -> crate::Result<()> {
        if self.server.is_some() {
            bail!("the sync server is already running");
        }
        self.starts += 1;
        let options = Options::tls(&self.certs)
            .listen(format!("127.0.0.1:{}", self.port))
            .rust_log("info");
        let server = Server::start(&self.scratch, options)
            .with_context(|| format!("the sync server (start {})", self.starts))?;
        self.server = Some(server);
        Ok(())
    }

    /// `kill -9` (the server vanishes: no shutdown, open connections reset).
    pub fn kill(&mut self) {
        if let Some(mut server) = self.server.take() {
            server.kill9();
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.server.as_mut().is_some_and(Server::is_running)
    }

    /// Keeps the directory (data, log) after the test, for a failed story.
    pub fn mark_failed(&self) {
        self.failed.set(true);
    }

    /// The last `lines` lines of the server's log (diagnostics).
    pub fn log_tail(&self, lines: usize) -> String {
        self.scratch.log_tail(lines)
    }
}

impl Drop for SyncServer {
    fn drop(&mut self) {
        self.kill();
        let keep = std::env::var_os("CLINIC_E2E_KEEP").is_some_and(|v| v == "1");
        if keep || self.failed.get() || std::thread::panicking() {
            self.scratch.keep();
            eprintln!(
                "e2e: kept the sync server's directory {}",
                self.root().display()
            );
        }
    }
}

/// A TCP port free on 127.0.0.1 right now.
fn free_port() -> crate::Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

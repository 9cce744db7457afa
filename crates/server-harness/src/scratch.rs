//! A server's scratch directory (data, certificates, log), its storage and its CLI.
use crate::{Store, DATABASE_URL_ENV};
use anyhow::{ensure, Context, Result};
use std::ffi::OsStr;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary directory for one server's files: `data/` (its SQLite store unless
/// [`Scratch::with_database_url`]), certificate directories from [`Scratch::gen_cert`],
/// and `server.log`. It also names the binary and the [`Store`] that CLI commands
/// and every [`crate::Server`] started on it use. Deleted on drop unless [`Scratch::keep`].
#[derive(Debug)]
pub struct Scratch {
    dir: tempfile::TempDir,
    bin: PathBuf,
    store: Store,
}

/// The files `gen-cert` writes: the demo CA that clients trust, and the server's
/// certificate and key.
#[derive(Clone, Debug)]
pub struct Certs {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Certs {
    /// The CA certificate (PEM).
    pub fn ca_pem(&self) -> Result<String> {
        std::fs::read_to_string(&self.ca).with_context(|| format!("read {}", self.ca.display()))
    }
}

impl Scratch {
    /// A fresh directory for the located [`crate::server_bin`], SQLite in `data/`.
    pub fn new() -> Result<Self> {
        Self::with_bin(crate::server_bin()?, "clinic-server-")
    }

    /// A fresh directory named `<prefix>…` in the system's temporary directory, for
    /// this binary (e.g. `env!("CARGO_BIN_EXE_clinic-server")`), SQLite in `data/`.
    pub fn with_bin(bin: impl Into<PathBuf>, prefix: &str) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .context("create a temporary directory")?;
        let store = Store::DataDir(dir.path().join("data"));
        Ok(Self {
            dir,
            bin: bin.into(),
            store,
        })
    }

    /// Runs the CLI and the servers on this PostgreSQL database instead of `data/`.
    pub fn with_database_url(mut self, url: impl Into<String>) -> Self {
        self.store = Store::DatabaseUrl(url.into());
        self
    }

    /// Leaves the directory in place when this is dropped (a failed test's evidence).
    pub fn keep(&mut self) {
        self.dir.disable_cleanup(true);
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn bin(&self) -> &Path {
        &self.bin
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The SQLite data directory (`<scratch>/data`), used unless the store is PostgreSQL.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The default server log (`<scratch>/server.log`).
    pub fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    pub fn log_text(&self) -> String {
        crate::read_log(&self.log())
    }

    /// The last `lines` lines of the default server log.
    pub fn log_tail(&self, lines: usize) -> String {
        crate::log_tail(&self.log(), lines)
    }

    /// `gen-cert` into `<scratch>/<name>`; empty `hosts`: the default ones. Fails
    /// (with gen-cert's stderr) when that directory already holds certificates.
    pub fn gen_cert(&self, name: &str, hosts: &[&str]) -> Result<Certs> {
        let dir = self.dir.path().join(name);
        let mut cmd = Command::new(&self.bin);
        cmd.arg("gen-cert").arg("--out-dir").arg(&dir);
        for h in hosts {
            cmd.args(["--host", h]);
        }
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .context("run clinic-server gen-cert")?;
        ensure!(
            out.status.success(),
            "clinic-server gen-cert failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(Certs {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server-key.pem"),
        })
    }

    /// A CLI command on this store, not yet run: `clinic-server ARGS <store args>`,
    /// `RUST_LOG=warn`, no stdin.
    pub fn command<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .args(self.store.args())
            .env_remove(DATABASE_URL_ENV)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs a CLI command to completion, successful or not.
    pub fn cli_output(&self, args: &[&str]) -> Result<Output> {
        self.command(args)
            .output()
            .with_context(|| format!("run clinic-server {args:?}"))
    }

    /// Runs a CLI command that must succeed; its stdout, trimmed.
    pub fn cli(&self, args: &[&str]) -> Result<String> {
        let out = self.cli_output(args)?;
        ensure!(
            out.status.success(),
            "clinic-server {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// `issue-code` for a clinic: the printed one-time enrollment code.
    pub fn issue_code(&self, clinic_id: impl Display, clinic_name: &str) -> Result<String> {
        let clinic_id = clinic_id.to_string();
        let code = self.cli(&[
            "issue-code",
            "--clinic-id",
            &clinic_id,
            "--clinic-name",
            clinic_name,
        ])?;
        ensure!(!code.is_empty(), "clinic-server issue-code printed no code");
        Ok(code)
    }
}

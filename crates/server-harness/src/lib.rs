//! The real `clinic-server` process for tests and benchmarks (crates/sync and
//! crates/server tests, tests/e2e, sync-bench). This crate owns:
//!
//! - [`server_bin`]: finding the binary (env `CLINIC_SERVER_BIN`, else next to the
//!   running executable), built with cargo into the same target directory and
//!   profile when it is missing or older than its sources;
//! - [`Scratch`]: a temporary directory holding the server's data, certificates
//!   (`gen-cert` → [`Certs`]) and log, the storage it runs on ([`Store`]: that
//!   SQLite data directory or a PostgreSQL URL), and its CLI commands
//!   (`issue-code`, …);
//! - [`Server`]: `clinic-server serve --listen 127.0.0.1:0 …` started with
//!   [`Options`] (TLS or plain HTTP, extra arguments, environment), ready once it
//!   printed its `listening on ADDR` line; `kill9`, `restart` on the same data and
//!   address, SIGTERM, and killed (SIGKILL) and reaped on drop;
//! - [`FhirServer`] (module [`fhir`]): the test FHIR server of the primary-provider
//!   tests (`node tests/fhir-server/server.mjs`, its npm packages installed on first
//!   use), with its options, test controls and throw-away SMART keys;
//! - [`GatewayServer`] (module [`gateway`]): the local payment gateway of the payments tests.
//!
//! Errors are `anyhow` errors carrying what a failure report needs (the command,
//! its stderr or the tail of the server's log); tests unwrap them.
//! Nothing here depends on the app's crates: only std processes.
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod bin;
pub mod fhir;
pub mod gateway;
mod scratch;
mod server;

pub use bin::server_bin;
pub use fhir::{FhirOptions, FhirServer};
pub use gateway::{GatewayOptions, GatewayServer};
pub use scratch::{Certs, Scratch};
pub use server::{Options, Server};

/// How long a server may take to print its `listening on` line (and to exit
/// after SIGTERM), unless [`Options::start_timeout`] says otherwise.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The environment variable that selects PostgreSQL when a command names no
/// storage; removed from every command started here, which always names one.
const DATABASE_URL_ENV: &str = "CLINIC_SERVER_DATABASE_URL";

/// Where a server keeps its data: what its command line says after the subcommand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Store {
    /// `--data-dir DIR`: the embedded SQLite file in `DIR`.
    DataDir(PathBuf),
    /// `--database-url URL`: a PostgreSQL database (shared by several servers).
    DatabaseUrl(String),
}

impl Store {
    /// The storage arguments (`--data-dir DIR` or `--database-url URL`).
    pub fn args(&self) -> Vec<OsString> {
        match self {
            Store::DataDir(dir) => vec!["--data-dir".into(), dir.into()],
            Store::DatabaseUrl(url) => vec!["--database-url".into(), url.into()],
        }
    }

    /// The PostgreSQL URL, if the store is one.
    pub fn database_url(&self) -> Option<&str> {
        match self {
            Store::DatabaseUrl(url) => Some(url),
            Store::DataDir(_) => None,
        }
    }
}

/// A log file's text; empty when it does not exist (yet).
fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The last `lines` lines of a log file (diagnostics).
fn log_tail(path: &Path, lines: usize) -> String {
    let text = read_log(path);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

// One server and its scratch may be shared between threads (sync-bench's tasks).
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<Scratch>();
    shareable::<Server>();
};

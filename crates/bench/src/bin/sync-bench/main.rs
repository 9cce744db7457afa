//! `sync-bench`: sync on real SQLCipher stores and the real `clinic-server` binary
//! (started as a child process on 127.0.0.1, HTTPS with a `gen-cert` CA unless
//! `--plain-http`). Prints figures, never asserts timing; exits non-zero only on a
//! correctness failure (an op refused, lost or held, an error under load).
//!
//! 1. Apply rate: `--apply-ops` ops written on a source device by the real use cases
//!    (registrations, patient edits, chart entries, observations; one transaction
//!    each, as staff make them), shipped as `LoggedOp`s and applied with
//!    `clinic_core::sync::apply_page` on a fresh store — in groups of 5000 (as sync
//!    does) and in one transaction. Baseline: the same writes through the use cases.
//! 2. First sync: a source device pushes `--rows` generated ops (built directly,
//!    shaped like the use cases' ops) into the server; a fresh device enrolls and runs
//!    `engine::sync_round` until caught up. Seconds and rows/s.
//! 3. One incremental op end to end (`--edits` repetitions on part 2's clinic): device
//!    A edits a patient and pushes; device B runs a round (pull + apply). p50/p95.
//! 4. `--devices` simulated devices, each enrolled, push `--pushes` batches of
//!    `--batch` ops at once into one clinic. p50/p99 push latency and errors.
//!
//! Usage: `cargo run --release -p clinic-bench --bin sync-bench -- --help`
use anyhow::{bail, ensure, Context, Result};
use clinic_core::sync::{apply_page, state};
use clinic_core::{chart, identity, observations, registry, Caller};
use clinic_protocol::sync::{MAX_PULL_LIMIT, MAX_PUSH_OPS};
use clinic_protocol::{
    AddChartEntry, AllergyDetails, AllergySeverity, ChartEntryDetails, ChartEntryId, ClinicId,
    ConnectSyncServer, CreateClinic, DeviceId, EnrollRequest, EntityKind, Hlc, LoggedOp,
    MedicationDetails, NewObservation, ObservationId, Op, OpId, OpKind, Patient, PatientId,
    ProblemDetails, PushOutcome, PushRequest, RecordObservations, RegisterOutcome, RegisterPatient,
    UpdatePatient, SCHEMA_VERSION,
};
use clinic_store::{DbKey, Encryption, Store};
use clinic_sync::engine::{self, StoreAccess, APPLY_GROUP_OPS, BATCH};
use clinic_sync::transport::{Transport, TransportConfig};
use clinic_testkit::PatientGenerator;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

mod apply;
mod devices;
mod first_sync;
mod incremental;
mod server;
mod workload;
use apply::*;
use devices::*;
use first_sync::*;
use incremental::*;
use server::*;
use workload::*;

pub(crate) const AUDIT_KEY: [u8; 32] = [11; 32];
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Concurrent enrollment-code commands and enrollments while setting up part 4.
pub(crate) const SETUP_PARALLELISM: usize = 8;

pub(crate) const USAGE: &str = "usage: sync-bench [options]
  --parts LIST      which parts to run, e.g. 1,2,3,4 (default all; 3 needs 2)
  --apply-ops N     1: ops written by the use cases, then applied (default 20000)
  --rows N          2: ops in the clinic's log before a fresh device's first sync (default 100000;
                       the issue's target is --rows 1000000 in <= 120 s)
  --edits N         3: incremental edits measured end to end (default 200)
  --devices N       4: simulated devices pushing at once (default 500)
  --pushes N        4: pushes per device (default 5)
  --batch N         4: ops per push (default 10)
  --plain-http      plain HTTP on 127.0.0.1 instead of HTTPS with a gen-cert CA
  --server-bin PATH the clinic-server binary (default: env CLINIC_SERVER_BIN, else next to
                       this binary, built with cargo when missing or older than its sources)
  --help";

pub(crate) struct Args {
    pub(crate) parts: [bool; 4],
    pub(crate) apply_ops: usize,
    pub(crate) rows: usize,
    pub(crate) edits: usize,
    pub(crate) devices: usize,
    pub(crate) pushes: usize,
    pub(crate) batch: usize,
    pub(crate) tls: bool,
    pub(crate) server_bin: Option<PathBuf>,
}

/// `None`: `--help` was printed.
pub(crate) fn parse_args() -> Result<Option<Args>> {
    let mut args = Args {
        parts: [true; 4],
        apply_ops: 20_000,
        rows: 100_000,
        edits: 200,
        devices: 500,
        pushes: 5,
        batch: 10,
        tls: true,
        server_bin: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(None);
            }
            "--plain-http" => {
                args.tls = false;
                continue;
            }
            _ => {}
        }
        let value = it
            .next()
            .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || -> Result<usize> {
            value
                .replace('_', "")
                .parse()
                .with_context(|| format!("{flag} takes a number"))
        };
        match flag.as_str() {
            "--parts" => {
                args.parts = [false; 4];
                for p in value.split(',') {
                    match p.trim() {
                        "1" => args.parts[0] = true,
                        "2" => args.parts[1] = true,
                        "3" => args.parts[2] = true,
                        "4" => args.parts[3] = true,
                        other => bail!("--parts takes numbers 1 to 4, not {other:?}"),
                    }
                }
            }
            "--apply-ops" => args.apply_ops = number()?,
            "--rows" => args.rows = number()?,
            "--edits" => args.edits = number()?,
            "--devices" => args.devices = number()?,
            "--pushes" => args.pushes = number()?,
            "--batch" => args.batch = number()?,
            "--server-bin" => args.server_bin = Some(PathBuf::from(value)),
            _ => bail!("unknown option {flag}\n{USAGE}"),
        }
    }
    ensure!(
        !args.parts[2] || args.parts[1],
        "part 3 runs on part 2's clinic: --parts 2,3"
    );
    ensure!(args.apply_ops >= 10, "--apply-ops must be at least 10");
    ensure!(args.rows >= 10, "--rows must be at least 10");
    ensure!(args.edits >= 1, "--edits must be at least 1");
    ensure!(
        args.devices >= 1 && args.pushes >= 1,
        "--devices and --pushes must be at least 1"
    );
    ensure!(
        (1..=MAX_PUSH_OPS).contains(&args.batch),
        "--batch must be 1 to {MAX_PUSH_OPS}"
    );
    Ok(Some(args))
}

// ---------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `p` quantile of `times` (nearest rank), in ms.
pub(crate) fn pct(times: &[Duration], p: f64) -> f64 {
    let mut v = times.to_vec();
    v.sort();
    ms(v[((v.len() as f64 - 1.0) * p).round() as usize])
}

pub(crate) fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// CPU time this thread has run (Linux: `/proc/thread-self/schedstat`), or
/// `None` where that is not available.
pub(crate) fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Bytes this process has caused to be written to storage (Linux:
/// `/proc/self/io`), or `None` where that is not available.
pub(crate) fn written_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/io").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("write_bytes:"))?
        .trim()
        .parse()
        .ok()
}

/// Resets this process's peak resident memory (Linux), so that
/// [`rss_mib`] reports the peak from now on.
pub(crate) fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's resident memory in MiB (Linux, `/proc/self/status`): now
/// (`VmRSS`), or its peak (`VmHWM`).
pub(crate) fn rss_mib(peak: bool) -> Option<f64> {
    let field = if peak { "VmHWM:" } else { "VmRSS:" };
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

pub(crate) fn cpu_since(start: Option<Duration>) -> Option<Duration> {
    Some(thread_cpu()?.saturating_sub(start?))
}

pub(crate) fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

pub(crate) fn mib(path: &Path) -> f64 {
    let mut bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    // The WAL holds recent pages until a checkpoint.
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    bytes += std::fs::metadata(PathBuf::from(wal))
        .map(|m| m.len())
        .unwrap_or(0);
    bytes as f64 / 1_048_576.0
}

pub(crate) fn open_store(path: &Path) -> Result<Store> {
    Ok(clinic_store::open(
        path,
        &Encryption::Key(DbKey::generate()?),
    )?)
}

pub(crate) fn caller() -> Caller<'static> {
    Caller::device(&AUDIT_KEY)
}

pub(crate) fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// A device with its own encrypted store, reached by the engine as the shell does.
pub(crate) struct Device {
    pub(crate) store: Mutex<Store>,
    pub(crate) path: PathBuf,
    pub(crate) _dir: tempfile::TempDir,
    /// Time the engine spent inside the store (applying, committing, rebuilding
    /// indexes) and its longest single call: the rest of a round is waiting for pages.
    pub(crate) in_store: Mutex<(Duration, Duration)>,
}

impl StoreAccess for Device {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> Option<T> {
        let mut store = self.s();
        let t = Instant::now();
        let value = f(&mut store);
        let took = t.elapsed();
        drop(store);
        let mut spent = self.in_store.lock().unwrap_or_else(|e| e.into_inner());
        spent.0 += took;
        spent.1 = spent.1.max(took);
        Some(value)
    }
}

impl Device {
    pub(crate) fn new() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("clinic.db");
        Ok(Self {
            store: Mutex::new(open_store(&path)?),
            path,
            _dir: dir,
            in_store: Mutex::default(),
        })
    }

    pub(crate) fn s(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Resets and returns the time spent inside the store (total, longest call).
    pub(crate) fn take_store_time(&self) -> (Duration, Duration) {
        std::mem::take(&mut *self.in_store.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub(crate) fn count(&self, sql: &str) -> Result<i64> {
        Ok(self.s().conn().query_row(sql, [], |r| r.get(0))?)
    }
}

fn main() -> Result<ExitCode> {
    let Some(args) = parse_args()? else {
        return Ok(ExitCode::SUCCESS);
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "sync-bench: SQLCipher device stores, the real clinic-server ({}) on 127.0.0.1 with SQLite storage, \
         server and devices on the same {cores}-core machine; figures only, no timing is asserted",
        if args.tls {
            "HTTPS, gen-cert CA"
        } else {
            "plain HTTP"
        }
    );
    if args.parts[0] {
        part1_apply(args.apply_ops)?;
    }
    if !args.parts[1..].iter().any(|p| *p) {
        return Ok(ExitCode::SUCCESS);
    }
    let server = Arc::new(Server::start(
        server_bin(args.server_bin.as_deref())?,
        args.tls,
    )?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        if args.parts[1] {
            let mut clinic = part2_first_sync(&server, args.rows).await?;
            if args.parts[2] {
                part3_incremental(&server, &mut clinic, args.edits).await?;
            }
        }
        if args.parts[3] {
            return part4_devices(&server, args.devices, args.pushes, args.batch).await;
        }
        Ok(0)
    });
    let errors = match result {
        Ok(errors) => errors,
        Err(e) => {
            eprintln!("server log (last lines):\n{}", server.log_tail(20));
            return Err(e);
        }
    };
    if errors > 0 {
        eprintln!(
            "sync-bench: {errors} error(s) with devices pushing at once: a correctness failure\n\
             server log (last lines):\n{}",
            server.log_tail(20)
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

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
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

const AUDIT_KEY: [u8; 32] = [11; 32];
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Concurrent enrollment-code commands and enrollments while setting up part 4.
const SETUP_PARALLELISM: usize = 8;

const USAGE: &str = "usage: sync-bench [options]
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

struct Args {
    parts: [bool; 4],
    apply_ops: usize,
    rows: usize,
    edits: usize,
    devices: usize,
    pushes: usize,
    batch: usize,
    tls: bool,
    server_bin: Option<PathBuf>,
}

/// `None`: `--help` was printed.
fn parse_args() -> Result<Option<Args>> {
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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `p` quantile of `times` (nearest rank), in ms.
fn pct(times: &[Duration], p: f64) -> f64 {
    let mut v = times.to_vec();
    v.sort();
    ms(v[((v.len() as f64 - 1.0) * p).round() as usize])
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// CPU time this thread has run (Linux: `/proc/thread-self/schedstat`), or
/// `None` where that is not available.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn cpu_since(start: Option<Duration>) -> Option<Duration> {
    Some(thread_cpu()?.saturating_sub(start?))
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

fn mib(path: &Path) -> f64 {
    let mut bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    // The WAL holds recent pages until a checkpoint.
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    bytes += std::fs::metadata(PathBuf::from(wal))
        .map(|m| m.len())
        .unwrap_or(0);
    bytes as f64 / 1_048_576.0
}

fn open_store(path: &Path) -> Result<Store> {
    Ok(clinic_store::open(
        path,
        &Encryption::Key(DbKey::generate()?),
    )?)
}

fn caller() -> Caller<'static> {
    Caller::device(&AUDIT_KEY)
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// A device with its own encrypted store, reached by the engine as the shell does.
struct Device {
    store: Mutex<Store>,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl StoreAccess for Device {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> Option<T> {
        Some(f(&mut self.s()))
    }
}

impl Device {
    fn new() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("clinic.db");
        Ok(Self {
            store: Mutex::new(open_store(&path)?),
            path,
            _dir: dir,
        })
    }

    fn s(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn count(&self, sql: &str) -> Result<i64> {
        Ok(self.s().conn().query_row(sql, [], |r| r.get(0))?)
    }
}

// ---------------------------------------------------------------------------------
// Use-case workload (part 1) and op templates (part 2)
// ---------------------------------------------------------------------------------

const CODES: [(&str, &str, f64); 4] = [
    ("glucose", "mg/dL", 110.0),
    ("heart_rate", "/min", 72.0),
    ("weight", "kg", 80.0),
    ("systolic_bp", "mm[Hg]", 130.0),
];

fn chart_details(i: usize) -> ChartEntryDetails {
    match i % 3 {
        0 => ChartEntryDetails::Problem(ProblemDetails {
            text: "Type 2 diabetes mellitus".into(),
            icd10_code: "E11.9".into(),
            onset_date: "2015-01-01".into(),
        }),
        1 => ChartEntryDetails::Medication(MedicationDetails {
            name: "Metformin".into(),
            dose: "500 mg".into(),
            route: "oral".into(),
            frequency: "twice daily".into(),
            start_date: "2020-03-01".into(),
            stop_date: String::new(),
            prescriber: "Dr Bench".into(),
        }),
        _ => ChartEntryDetails::Allergy(AllergyDetails {
            substance: "Penicillin".into(),
            reaction: "Hives".into(),
            severity: Some(AllergySeverity::Moderate),
            onset_date: String::new(),
        }),
    }
}

fn observation(i: usize) -> NewObservation {
    let (code, unit, base) = CODES[i % CODES.len()];
    NewObservation {
        code: code.into(),
        value: format!("{:.1}", base * (0.9 + (i % 7) as f64 * 0.05)),
        unit: unit.into(),
        effective_at: "2025-06-01".into(),
        source: "bench".into(),
    }
}

/// Time spent in each kind of use case and how many calls.
#[derive(Default)]
struct Spent {
    total: Duration,
    by_kind: [(Duration, usize); 4],
}

impl Spent {
    fn add<T>(&mut self, kind: usize, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let t = Instant::now();
        let value = f()?;
        let d = t.elapsed();
        self.total += d;
        self.by_kind[kind].0 += d;
        self.by_kind[kind].1 += 1;
        Ok(value)
    }
}

/// Writes `n` changes through the use cases, one transaction each, cycling
/// register, register, edit (phone of an earlier patient), chart entry (problem,
/// medication, allergy), observation.
fn use_case_workload(store: &mut Store, n: usize, seed: u64) -> Result<Spent> {
    let mut generator = PatientGenerator::new(seed);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut patients: Vec<Patient> = Vec::new();
    let mut spent = Spent::default();
    for i in 0..n {
        let slot = i % 5;
        if slot < 2 || patients.is_empty() {
            let request = RegisterPatient {
                details: generator.next_patient(),
                confirm_not_duplicate: true,
            };
            match spent.add(0, || {
                Ok(registry::register_patient(store, &caller(), request)?)
            })? {
                RegisterOutcome::Registered { patient } => patients.push(*patient),
                RegisterOutcome::PossibleDuplicates { .. } => bail!("unexpected duplicate"),
            }
            continue;
        }
        let at = rng.random_range(0..patients.len());
        let patient = patients[at].id;
        match slot {
            2 => {
                let mut details = patients[at].details.clone();
                details.phone = format!("+44 7700 {i:06}");
                let request = UpdatePatient {
                    id: patient,
                    expected_version: patients[at].version,
                    details,
                };
                patients[at] = spent.add(1, || {
                    Ok(registry::update_patient(store, &caller(), request)?)
                })?;
            }
            3 => {
                let request = AddChartEntry {
                    patient_id: patient,
                    details: chart_details(i / 5),
                };
                spent.add(2, || Ok(chart::add_entry(store, &caller(), request)?))?;
            }
            _ => {
                let request = RecordObservations {
                    patient_id: patient,
                    encounter_id: None,
                    observations: vec![observation(i / 5)],
                };
                spent.add(3, || Ok(observations::record(store, &caller(), request)?))?;
            }
        }
    }
    Ok(spent)
}

/// Payloads of real chart-entry and observation ops (written by the use cases on
/// a scratch store), reused with another patient id for generated ops.
struct Templates {
    chart: Vec<Value>,
    observation: Vec<Value>,
}

fn templates() -> Result<Templates> {
    let device = Device::new()?;
    let mut store = device.s();
    use_case_workload(&mut store, 60, 1)?;
    let ops = store.pending_ops(u32::MAX)?;
    let of = |kind: OpKind| -> Vec<Value> {
        ops.iter()
            .filter(|o| o.kind == kind)
            .map(|o| o.payload.clone())
            .collect()
    };
    let t = Templates {
        chart: of(OpKind::AddChartEntry),
        observation: of(OpKind::RecordObservation),
    };
    ensure!(
        t.chart.len() >= 3 && t.observation.len() >= 4,
        "the template workload wrote too few chart ops"
    );
    Ok(t)
}

/// Ops of one device built directly (no store), shaped like the use cases' ops so
/// the applier accepts them: with `mixed`, 70% registrations (valid details from
/// the testkit generator), 10% phone edits of an earlier patient (with `base`),
/// 10% chart entries, 10% observations; otherwise registrations only.
struct OpFactory<'t> {
    device: DeviceId,
    counter: u64,
    base_millis: u64,
    mrn_code: String,
    generator: PatientGenerator,
    rng: ChaCha8Rng,
    /// Registered so far: id and current phone.
    patients: Vec<(PatientId, String)>,
    templates: Option<&'t Templates>,
    registrations: usize,
}

impl<'t> OpFactory<'t> {
    fn new(device: DeviceId, seed: u64, templates: Option<&'t Templates>) -> Self {
        Self {
            device,
            counter: 0,
            base_millis: now_millis(),
            mrn_code: registry::device_code(&device),
            generator: PatientGenerator::new(seed),
            rng: ChaCha8Rng::seed_from_u64(seed),
            patients: Vec::new(),
            templates,
            registrations: 0,
        }
    }

    fn stamp(&mut self, kind: OpKind, entity: EntityKind, id: String, payload: Value) -> Op {
        self.counter += 1;
        let i = self.counter;
        Op {
            op_id: OpId::new(),
            device_counter: i,
            hlc: Hlc {
                millis: self.base_millis + i / 50_000,
                counter: (i % 50_000) as u16,
                device: self.device,
            },
            kind,
            entity,
            entity_id: id,
            payload,
            schema_version: SCHEMA_VERSION,
        }
    }

    fn registration(&mut self) -> Op {
        let id = PatientId::new();
        let details = self.generator.next_patient();
        self.registrations += 1;
        let mrn = format!("{}-{:06}", self.mrn_code, self.registrations);
        self.patients.push((id, details.phone.clone()));
        self.stamp(
            OpKind::RegisterPatient,
            EntityKind::Patient,
            id.to_string(),
            json!({ "mrn": mrn, "details": details }),
        )
    }

    fn next_op(&mut self) -> Op {
        let slot = (self.counter + 1) % 10;
        let templates = self
            .templates
            .filter(|_| slot >= 7 && !self.patients.is_empty());
        let Some(templates) = templates else {
            return self.registration();
        };
        let at = self.rng.random_range(0..self.patients.len());
        let patient = self.patients[at].0.to_string();
        match slot {
            7 => {
                let phone = format!("+44 7700 {:07}", self.counter + 1);
                let old = std::mem::replace(&mut self.patients[at].1, phone.clone());
                self.stamp(
                    OpKind::SetFields,
                    EntityKind::Patient,
                    patient,
                    json!({ "fields": { "phone": phone }, "base": { "phone": old } }),
                )
            }
            8 => {
                let mut payload = templates.chart[at % templates.chart.len()].clone();
                payload["patient_id"] = json!(patient);
                self.stamp(
                    OpKind::AddChartEntry,
                    EntityKind::ChartEntry,
                    ChartEntryId::new().to_string(),
                    payload,
                )
            }
            _ => {
                let mut payload = templates.observation[at % templates.observation.len()].clone();
                payload["patient_id"] = json!(patient);
                self.stamp(
                    OpKind::RecordObservation,
                    EntityKind::Observation,
                    ObservationId::new().to_string(),
                    payload,
                )
            }
        }
    }

    fn take(&mut self, n: usize) -> Vec<Op> {
        (0..n).map(|_| self.next_op()).collect()
    }
}

// ---------------------------------------------------------------------------------
// Part 1: apply rate
// ---------------------------------------------------------------------------------

fn part1_apply(n: usize) -> Result<()> {
    let source = Device::new()?;
    let spent = use_case_workload(&mut source.s(), n, 2028)?;
    let (device_id, ops) = {
        let s = source.s();
        (s.device_id(), s.pending_ops(u32::MAX)?)
    };
    ensure!(
        ops.len() == n,
        "the use cases wrote {} ops for {n} calls",
        ops.len()
    );
    let logged: Vec<LoggedOp> = ops
        .into_iter()
        .enumerate()
        .map(|(i, op)| LoggedOp {
            seq: i as u64 + 1,
            device_id,
            op,
        })
        .collect();
    let kinds = [
        "register_patient",
        "set_fields",
        "chart entry",
        "observation",
    ];
    let mix: Vec<String> = spent
        .by_kind
        .iter()
        .zip(kinds)
        .map(|((_, calls), kind)| format!("{calls} {kind}"))
        .collect();
    println!(
        "[1] apply rate: {n} ops written on a source device by the real use cases ({}), shipped \
         as LoggedOps and applied with clinic_core::sync::apply_page on fresh SQLCipher stores",
        mix.join(", ")
    );

    // In groups of APPLY_GROUP_OPS, each one transaction, as sync_round applies a
    // first sync's pages.
    let paged = Device::new()?;
    let t = Instant::now();
    let cpu = thread_cpu();
    let mut applied = 0;
    let mut held = 0;
    for page in logged.chunks(APPLY_GROUP_OPS) {
        let s = apply_page(&mut paged.s(), page, None)?;
        applied += s.applied;
        held += s.held;
    }
    let paged_time = t.elapsed();
    let paged_cpu = cpu_since(cpu);
    ensure!(
        applied == n && held == 0,
        "pages: applied {applied} and held {held} of {n} ops"
    );

    // All in one transaction.
    let single = Device::new()?;
    let t = Instant::now();
    let cpu = thread_cpu();
    let s = apply_page(&mut single.s(), &logged, None)?;
    let single_time = t.elapsed();
    let single_cpu = cpu_since(cpu);
    ensure!(
        s.applied == n && s.held == 0,
        "one transaction: applied {} and held {} of {n} ops",
        s.applied,
        s.held
    );
    // By kind, on another store: every registration first, then each other kind, in
    // pages of BATCH (seq order kept within a kind), to show which kind costs what.
    let by_kind = Device::new()?;
    let mut kind_rates = Vec::new();
    for (kind, label) in [
        (OpKind::RegisterPatient, "register_patient"),
        (OpKind::SetFields, "set_fields"),
        (OpKind::AddChartEntry, "chart entry"),
        (OpKind::RecordObservation, "observation"),
    ] {
        let ops: Vec<LoggedOp> = logged
            .iter()
            .filter(|o| o.op.kind == kind)
            .cloned()
            .collect();
        let t = Instant::now();
        let mut applied = 0;
        for page in ops.chunks(APPLY_GROUP_OPS) {
            applied += apply_page(&mut by_kind.s(), page, None)?.applied;
        }
        let took = t.elapsed();
        ensure!(
            applied == ops.len(),
            "{label}: applied {applied} of {} ops",
            ops.len()
        );
        kind_rates.push(format!("{label} {:.0}", rate(ops.len(), took)));
    }
    let patients = paged.count("SELECT count(*) FROM patient")?;
    ensure!(
        patients == source.count("SELECT count(*) FROM patient")?,
        "the applied store has {patients} patients, the source another number"
    );

    let (paged_rate, single_rate, base_rate) = (
        rate(n, paged_time),
        rate(n, single_time),
        rate(n, spent.total),
    );
    println!(
        "    apply_page, groups of {APPLY_GROUP_OPS} (one transaction each, as sync applies): {:.2} s, {paged_rate:.0} rows/s \
         | all {n} in one transaction: {:.2} s, {single_rate:.0} rows/s",
        paged_time.as_secs_f64(),
        single_time.as_secs_f64()
    );
    if let (Some(p), Some(o)) = (paged_cpu, single_cpu) {
        println!(
            "    the same on this thread's CPU time (less sensitive to other load): groups {:.2} s, {:.0} rows/s \
             | one transaction {:.2} s, {:.0} rows/s",
            p.as_secs_f64(),
            rate(n, p),
            o.as_secs_f64(),
            rate(n, o)
        );
    }
    println!(
        "    apply_page by kind, rows/s (groups of {APPLY_GROUP_OPS}, registrations first): {}",
        kind_rates.join(", ")
    );
    let per_kind: Vec<String> = spent
        .by_kind
        .iter()
        .zip(kinds)
        .filter(|((_, calls), _)| *calls > 0)
        .map(|((d, calls), kind)| format!("{kind} {:.2} ms", ms(*d) / *calls as f64))
        .collect();
    println!(
        "    baseline: the same {n} writes through the use cases (one transaction each, as staff make them): \
         {:.2} s, {base_rate:.0} rows/s (mean per call: {})",
        spent.total.as_secs_f64(),
        per_kind.join(", ")
    );
    println!(
        "    ratio apply/use cases: groups {:.1}x, one transaction {:.1}x | target >= 20,000 rows/s applied \
         in one local transaction: {} ({single_rate:.0} rows/s; groups of {APPLY_GROUP_OPS}: {paged_rate:.0} rows/s)",
        paged_rate / base_rate,
        single_rate / base_rate,
        met(single_rate >= 20_000.0)
    );
    Ok(())
}

// ---------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------

/// The `clinic-server` binary: `explicit`, env `CLINIC_SERVER_BIN`, else next to this
/// binary — built with cargo (same profile and target directory) when missing or
/// older than its sources.
fn server_bin(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(bin) = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("CLINIC_SERVER_BIN").map(PathBuf::from))
    {
        ensure!(
            bin.is_file(),
            "no clinic-server binary at {}",
            bin.display()
        );
        return Ok(bin);
    }
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .context("this binary is in <target>/<profile>/")?;
    let bin = profile_dir.join(format!("clinic-server{}", std::env::consts::EXE_SUFFIX));
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    let sources = newest_mtime(&[
        workspace.join("crates/server"),
        workspace.join("crates/protocol/src"),
        workspace.join("Cargo.lock"),
    ]);
    if built.is_none_or(|b| sources.is_some_and(|s| s > b)) {
        let profile = profile_dir
            .file_name()
            .and_then(|n| n.to_str())
            .context("profile directory name")?;
        eprintln!("sync-bench: building clinic-server ({profile}) ...");
        let mut build = Command::new(option_env!("CARGO").unwrap_or("cargo"));
        build
            .args([
                "build",
                "--quiet",
                "-p",
                "clinic-server",
                "--bin",
                "clinic-server",
            ])
            .arg("--target-dir")
            .arg(profile_dir.parent().context("target directory")?)
            .current_dir(&workspace)
            .stdin(Stdio::null());
        match profile {
            "debug" => {}
            "release" => {
                build.arg("--release");
            }
            other => {
                build.args(["--profile", other]);
            }
        }
        let out = build
            .output()
            .context("run cargo build for clinic-server")?;
        ensure!(
            out.status.success(),
            "building clinic-server failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    ensure!(
        bin.is_file(),
        "no clinic-server binary at {}",
        bin.display()
    );
    Ok(bin)
}

/// The newest modification time of the files under `paths` (skipping `tests/`).
fn newest_mtime(paths: &[PathBuf]) -> Option<SystemTime> {
    let mut newest = None;
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if path.file_name().is_some_and(|n| n == "tests") {
                continue;
            }
            if let Ok(entries) = std::fs::read_dir(&path) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        } else if let Ok(modified) = meta.modified() {
            newest = newest.max(Some(modified));
        }
    }
    newest
}

/// A running `clinic-server serve` with its data, certificates and log in a
/// scratch directory; killed and reaped on drop.
struct Server {
    child: Child,
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    url: String,
    ca_pem: Option<String>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(bin: PathBuf, tls: bool) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let data = dir.path().join("data");
        let log = dir.path().join("server.log");
        let mut cmd = Command::new(&bin);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data);
        let mut ca_pem = None;
        if tls {
            let certs = dir.path().join("tls");
            let out = Command::new(&bin)
                .arg("gen-cert")
                .arg("--out-dir")
                .arg(&certs)
                .stdin(Stdio::null())
                .output()
                .context("run clinic-server gen-cert")?;
            ensure!(
                out.status.success(),
                "gen-cert failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            ca_pem = Some(std::fs::read_to_string(certs.join("ca.pem"))?);
            cmd.arg("--tls-cert")
                .arg(certs.join("server.pem"))
                .arg("--tls-key")
                .arg(certs.join("server-key.pem"));
        }
        let mut child = cmd
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .context("spawn clinic-server")?;
        let stdout = child.stdout.take().context("server stdout")?;
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
            bin,
            data,
            log,
            url: String::new(),
            ca_pem,
            _dir: dir,
        };
        let line = rx
            .recv_timeout(START_TIMEOUT)
            .context("the server printed no 'listening on' line in time")?;
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected first line {line:?}"))?;
        let port = addr.rsplit(':').next().unwrap_or_default();
        let scheme = if tls { "https" } else { "http" };
        server.url = format!("{scheme}://127.0.0.1:{port}");
        Ok(server)
    }

    /// A one-time enrollment code for `clinic` (the administrator's CLI command).
    fn issue_code(&self, clinic: ClinicId) -> Result<String> {
        let out = Command::new(&self.bin)
            .args(["issue-code", "--clinic-id", &clinic.to_string()])
            .args(["--clinic-name", "Bench Clinic", "--data-dir"])
            .arg(&self.data)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .context("run clinic-server issue-code")?;
        ensure!(
            out.status.success(),
            "issue-code failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    fn transport(&self) -> Result<Transport> {
        let mut config = TransportConfig::new(self.url.clone());
        if let Some(pem) = &self.ca_pem {
            config = config.with_ca_pem(pem.as_bytes().to_vec());
        }
        Ok(Transport::new(config)?)
    }

    /// Enrolls a device that has no store (ops built directly): its token.
    async fn enroll_bare(
        &self,
        transport: &Transport,
        code: String,
        device: DeviceId,
    ) -> Result<String> {
        let answer = transport
            .enroll(&EnrollRequest {
                code,
                device_id: device,
                device_name: "Bench device".into(),
            })
            .await?;
        Ok(answer.device_token)
    }

    /// Enrolls a device with a store through the engine, as the app does.
    async fn enroll_device(&self, device: &Device, clinic: ClinicId, name: &str) -> Result<()> {
        let code = self.issue_code(clinic)?;
        engine::enroll(
            device,
            &ConnectSyncServer {
                server_url: self.url.clone(),
                enrollment_code: code,
                device_name: name.into(),
                ca_pem: self.ca_pem.clone(),
            },
        )
        .await?;
        Ok(())
    }

    fn db_mib(&self) -> f64 {
        mib(&self.data.join("server.sqlite3"))
    }

    fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------
// Part 2: first sync
// ---------------------------------------------------------------------------------

/// Part 2's clinic, reused by part 3: device A (set the clinic up, registered
/// `patient`), device B (joined by a first sync).
struct Clinic {
    a: Device,
    b: Device,
    patient: Patient,
    rows: usize,
}

async fn part2_first_sync(server: &Server, rows: usize) -> Result<Clinic> {
    // Device A sets the clinic up (first run), registers a patient and syncs.
    let a = Device::new()?;
    let created = identity::create_clinic(
        &mut a.s(),
        CreateClinic {
            clinic_name: "Bench Clinic".into(),
            admin_username: "bench.admin".into(),
            admin_display_name: "Bench Admin".into(),
            admin_password: "Fjord pebble orchard".into(),
        },
    )?;
    let clinic = created.clinic.id;
    let patient = match registry::register_patient(
        &mut a.s(),
        &caller(),
        RegisterPatient {
            details: PatientGenerator::new(5).next_patient(),
            confirm_not_duplicate: true,
        },
    )? {
        RegisterOutcome::Registered { patient } => *patient,
        RegisterOutcome::PossibleDuplicates { .. } => bail!("unexpected duplicate"),
    };
    server.enroll_device(&a, clinic, "Front desk").await?;
    let from_a = engine::sync_round(&a, |_| {}).await?.pushed;

    // A second source device pushes `rows` generated ops (MRNs must not collide with A's).
    let templates = templates()?;
    let a_code = registry::device_code(&a.s().device_id());
    let device = loop {
        let d = DeviceId::new();
        if registry::device_code(&d) != a_code {
            break d;
        }
    };
    let transport = server.transport()?;
    let token = server
        .enroll_bare(&transport, server.issue_code(clinic)?, device)
        .await?;
    let mut factory = OpFactory::new(device, 2029, Some(&templates));
    let (mut generating, mut pushing) = (Duration::ZERO, Duration::ZERO);
    let mut pushed = 0;
    while pushed < rows {
        let t = Instant::now();
        let ops = factory.take((rows - pushed).min(MAX_PUSH_OPS));
        let sent = ops.len();
        generating += t.elapsed();
        let t = Instant::now();
        let answer = transport
            .push(
                &token,
                &PushRequest {
                    device_id: device,
                    ops,
                },
            )
            .await?;
        pushing += t.elapsed();
        let accepted = answer
            .results
            .iter()
            .filter(|r| matches!(r.outcome, PushOutcome::Accepted { .. }))
            .count();
        ensure!(
            accepted == sent,
            "the server accepted {accepted} of {sent} generated ops"
        );
        pushed += sent;
    }
    println!(
        "[2] first sync: clinic set up on device A ({from_a} ops: clinic, administrator, one patient); \
         a second source device pushed {rows} generated ops ({} registrations, the rest phone edits, \
         chart entries and observations) in batches of {MAX_PUSH_OPS}: generating {:.1} s, pushing {:.1} s \
         ({:.0} ops/s into the server's log, {:.0} MiB)",
        factory.registrations,
        generating.as_secs_f64(),
        pushing.as_secs_f64(),
        rate(rows, pushing),
        server.db_mib()
    );

    // Device B joins: enroll, then rounds until caught up.
    let b = Device::new()?;
    let expected = from_a + rows;
    let t = Instant::now();
    server.enroll_device(&b, clinic, "Doctor laptop").await?;
    let enrolled = t.elapsed();
    let (mut applied, mut held, mut rounds, mut pages) = (0, 0, 0, 0usize);
    let mut next_report = 100_000;
    while applied + held < expected {
        let r = engine::sync_round(&b, |s| {
            pages += 1;
            if applied + s.applied >= next_report {
                eprintln!(
                    "    ... {} of {expected} ops applied after {:.0} s",
                    applied + s.applied,
                    t.elapsed().as_secs_f64()
                );
                next_report += 100_000;
            }
        })
        .await?;
        rounds += 1;
        applied += r.applied;
        held += r.held;
        ensure!(
            r.applied + r.held > 0,
            "a round pulled nothing with {} of {expected} ops applied",
            applied + held
        );
    }
    let took = t.elapsed();
    ensure!(
        applied == expected && held == 0,
        "device B applied {applied} and held {held} of {expected} ops"
    );
    let patients = b.count("SELECT count(*) FROM patient")?;
    ensure!(
        patients == factory.registrations as i64 + 1,
        "device B holds {patients} patients, expected {}",
        factory.registrations + 1
    );
    // The same log pulled again by B's token through the transport alone (server,
    // TLS, JSON; no apply): how much of the first sync is not the local apply.
    let token = state::enrollment(b.s().conn())?
        .context("B is not enrolled")?
        .device_token;
    let transport = server.transport()?;
    let t = Instant::now();
    let (mut cursor, mut pulled) = (None::<String>, 0);
    loop {
        let page = transport
            .pull(&token, cursor.as_deref(), MAX_PULL_LIMIT)
            .await?;
        pulled += page.ops.len();
        cursor = Some(page.next_cursor);
        if !page.more {
            break;
        }
    }
    let pull_only = t.elapsed();
    ensure!(
        pulled == expected,
        "pulled {pulled} of {expected} ops again"
    );
    let r = rate(expected, took);
    println!(
        "    fresh device B: enroll + {rounds} round(s), {pages} applied groups (pages of {MAX_PULL_LIMIT}): {expected} ops applied in \
         {:.2} s ({:.2} s enrolling) = {r:.0} rows/s; store {:.0} MiB, {patients} patients",
        took.as_secs_f64(),
        enrolled.as_secs_f64(),
        mib(&b.path)
    );
    println!(
        "    the same log pulled again without applying (transport only, pages of {MAX_PULL_LIMIT}): {:.2} s = {:.0} rows/s \
         ({:.0}% of the first sync; the sync overlaps it with the local apply)",
        pull_only.as_secs_f64(),
        rate(expected, pull_only),
        100.0 * pull_only.as_secs_f64() / took.as_secs_f64()
    );
    if rows >= 1_000_000 {
        println!(
            "    target 1,000,000 rows <= 120 s: {} ({:.1} s for {expected} rows)",
            met(took.as_secs_f64() <= 120.0 * expected as f64 / 1_000_000.0),
            took.as_secs_f64()
        );
    } else {
        println!(
            "    target 1,000,000 rows <= 120 s: not measured at this size (linear projection {:.0} s; \
             measure with --rows 1000000)",
            1_000_000.0 / r
        );
    }
    Ok(Clinic {
        a,
        b,
        patient,
        rows: expected,
    })
}

// ---------------------------------------------------------------------------------
// Part 3: one incremental op end to end
// ---------------------------------------------------------------------------------

/// A transport built from the device's saved enrollment, as the engine builds it
/// (once per server and CA, then reused across rounds).
fn enrolled_transport(device: &Device) -> Result<(Transport, String)> {
    let e = state::enrollment(device.s().conn())?.context("not enrolled")?;
    let mut config = TransportConfig::new(e.server_url.clone());
    if let Some(pem) = &e.ca_pem {
        config = config.with_ca_pem(pem.as_bytes().to_vec());
    }
    Ok((Transport::new(config)?, e.device_token))
}

/// Device A's half of a round: the engine's push loop (pending ops, push, mark
/// pushed) on a reused transport, without the pull that follows it in
/// `sync_round` (A is not caught up with the generated ops; B's round is the real
/// engine round).
async fn push_pending(device: &Device, transport: &Transport, token: &str) -> Result<usize> {
    let mut pushed = 0;
    loop {
        let (device_id, ops) = {
            let s = device.s();
            (s.device_id(), s.pending_ops(BATCH)?)
        };
        if ops.is_empty() {
            return Ok(pushed);
        }
        let sent = ops.len();
        let answer = transport
            .push(token, &PushRequest { device_id, ops })
            .await?;
        let acked: Vec<OpId> = answer
            .results
            .iter()
            .filter(|r| matches!(r.outcome, PushOutcome::Accepted { .. }))
            .map(|r| r.op_id)
            .collect();
        ensure!(
            acked.len() == sent,
            "the server accepted {} of {sent} ops",
            acked.len()
        );
        device.s().mark_pushed(&acked)?;
        pushed += sent;
    }
}

async fn part3_incremental(server: &Server, clinic: &mut Clinic, edits: usize) -> Result<()> {
    let warmup = 10;
    let (a_transport, a_token) = enrolled_transport(&clinic.a)?;
    let (mut write, mut push, mut pull, mut chain, mut total) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..warmup + edits {
        let mut details = clinic.patient.details.clone();
        details.phone = format!("+44 7700 {:06}", 900_000 + i);
        let request = UpdatePatient {
            id: clinic.patient.id,
            expected_version: clinic.patient.version,
            details,
        };
        let t0 = Instant::now();
        clinic.patient = registry::update_patient(&mut clinic.a.s(), &caller(), request)?;
        let t1 = Instant::now();
        let pushed = push_pending(&clinic.a, &a_transport, &a_token).await?;
        let t2 = Instant::now();
        let round = engine::sync_round(&clinic.b, |_| {}).await?;
        let t3 = Instant::now();
        ensure!(
            pushed == 1 && round.applied == 1 && round.held == 0,
            "edit {i}: pushed {pushed}, B applied {} and held {}",
            round.applied,
            round.held
        );
        let on_b = registry::get_patient(clinic.b.s().conn(), clinic.patient.id)?;
        ensure!(
            on_b.details.phone == clinic.patient.details.phone,
            "edit {i}: B shows another phone"
        );
        if i >= warmup {
            write.push(t1 - t0);
            push.push(t2 - t1);
            pull.push(t3 - t2);
            chain.push(t3 - t1);
            total.push(t3 - t0);
        }
    }
    // What every round pays before any request: a transport from the enrollment.
    let mut setup = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        server.transport()?;
        setup.push(t.elapsed());
    }
    println!(
        "[3] incremental op end to end, {edits} edits of one patient's phone on a clinic of {} ops \
         (after {warmup} warm-up edits):",
        clinic.rows
    );
    println!(
        "    A local write (update_patient) p50 {:.2} ms p95 {:.2} ms | A push (push, mark pushed; transport reused) \
         p50 {:.2} ms p95 {:.2} ms | B sync_round (pull + apply + status) p50 {:.2} ms p95 {:.2} ms",
        pct(&write, 0.5),
        pct(&write, 0.95),
        pct(&push, 0.5),
        pct(&push, 0.95),
        pct(&pull, 0.5),
        pct(&pull, 0.95)
    );
    let (p50, p95) = (pct(&chain, 0.5), pct(&chain, 0.95));
    println!(
        "    server + client work (A push + B round): p50 {p50:.2} ms p95 {p95:.2} ms | target <= 5 ms: {} (p50), {} (p95) \
         | including A's local write: p50 {:.2} ms p95 {:.2} ms | building a transport \
         (once per server, then reused): p50 {:.2} ms",
        met(p50 <= 5.0),
        met(p95 <= 5.0),
        pct(&total, 0.5),
        pct(&total, 0.95),
        pct(&setup, 0.5)
    );
    Ok(())
}

// ---------------------------------------------------------------------------------
// Part 4: many devices at once
// ---------------------------------------------------------------------------------

/// Errors under load: how many, and the first one's text.
#[derive(Default)]
struct Errors {
    count: usize,
    first: Option<String>,
}

impl Errors {
    fn note(&mut self, e: String) {
        self.count += 1;
        self.first.get_or_insert(e);
    }
}

/// One simulated device: its transport, token and the batches it will push.
struct Simulated {
    device: DeviceId,
    transport: Transport,
    token: String,
    batches: Vec<Vec<Op>>,
}

/// Returns the number of errors (pushes failed or not wholly accepted, failed
/// enrollments, ops missing from the log).
async fn part4_devices(
    server: &Arc<Server>,
    devices: usize,
    pushes: usize,
    batch: usize,
) -> Result<usize> {
    let clinic = ClinicId::new();
    let t = Instant::now();
    // Enrollment codes through the CLI, a few processes at a time.
    let codes: Vec<Result<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..SETUP_PARALLELISM)
            .map(|w| {
                let server = &server;
                scope.spawn(move || {
                    (w..devices)
                        .step_by(SETUP_PARALLELISM)
                        .map(|_| server.issue_code(clinic))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let codes_took = t.elapsed();
    let mut errors = Errors::default();
    if codes.len() < devices {
        errors.note(format!(
            "{} enrollment codes missing",
            devices - codes.len()
        ));
    }

    // Enroll every device (a transport each, as separate machines would have).
    let t = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(SETUP_PARALLELISM * 4));
    let mut tasks = Vec::new();
    for (i, code) in codes.into_iter().enumerate() {
        let code = match code {
            Ok(code) => code,
            Err(e) => {
                errors.note(format!("issue-code: {e:#}"));
                continue;
            }
        };
        let (server, gate) = (server.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await?;
            let device = DeviceId::new();
            let transport = server.transport()?;
            let started = Instant::now();
            let token = server.enroll_bare(&transport, code, device).await?;
            let took = started.elapsed();
            let mut factory = OpFactory::new(device, 10_000 + i as u64, None);
            let batches = (0..pushes).map(|_| factory.take(batch)).collect();
            Ok::<_, anyhow::Error>((
                Simulated {
                    device,
                    transport,
                    token,
                    batches,
                },
                took,
            ))
        }));
    }
    let mut ready = Vec::new();
    let mut enroll_times = Vec::new();
    for task in tasks {
        match task.await? {
            Ok((sim, took)) => {
                ready.push(sim);
                enroll_times.push(took);
            }
            Err(e) => errors.note(format!("enroll: {e:#}")),
        }
    }
    let enroll_took = t.elapsed();
    ensure!(
        !ready.is_empty(),
        "no device could enroll: {:?}",
        errors.first
    );

    // Every device pushes its batches one after another, all devices at once.
    let k = ready.len();
    let barrier = Arc::new(tokio::sync::Barrier::new(k + 1));
    let mut tasks = Vec::new();
    for sim in ready {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut times = Vec::with_capacity(sim.batches.len());
            let mut failures = Vec::new();
            let token = sim.token.clone();
            for ops in sim.batches {
                let sent = ops.len();
                let request = PushRequest {
                    device_id: sim.device,
                    ops,
                };
                let started = Instant::now();
                let answer = sim.transport.push(&token, &request).await;
                times.push(started.elapsed());
                match answer {
                    Ok(a) => {
                        let accepted = a
                            .results
                            .iter()
                            .filter(|r| matches!(r.outcome, PushOutcome::Accepted { .. }))
                            .count();
                        if accepted != sent {
                            failures.push(format!("push: {accepted} of {sent} ops accepted"));
                        }
                    }
                    Err(e) => failures.push(format!("push: {e}")),
                }
            }
            (sim.transport, token, times, failures)
        }));
    }
    barrier.wait().await;
    let t = Instant::now();
    let mut times = Vec::new();
    let mut reader = None;
    for task in tasks {
        let (transport, token, mut t, failures) = task.await?;
        times.append(&mut t);
        for f in failures {
            errors.note(f);
        }
        reader.get_or_insert((transport, token));
    }
    let wall = t.elapsed();

    // Correctness: the clinic's log holds every op pushed, once.
    let expected = k * pushes * batch;
    let mut in_log = 0;
    if let Some((transport, token)) = reader {
        let mut cursor: Option<String> = None;
        loop {
            let page = transport.pull(&token, cursor.as_deref(), 1_000).await?;
            in_log += page.ops.len();
            cursor = Some(page.next_cursor);
            if !page.more {
                break;
            }
        }
    }
    if in_log != expected {
        errors.note(format!(
            "the clinic's log holds {in_log} ops, {expected} were pushed"
        ));
    }
    println!(
        "[4] {k} simulated devices ({devices} asked) in one clinic, each with its own transport: enrollment codes \
         {:.1} s, enrolling {:.1} s (enroll p50 {:.1} ms p99 {:.1} ms)",
        codes_took.as_secs_f64(),
        enroll_took.as_secs_f64(),
        pct(&enroll_times, 0.5),
        pct(&enroll_times, 0.99)
    );
    println!(
        "    all pushing at once, {pushes} batches of {batch} ops each ({} pushes, {expected} ops) in {:.2} s: \
         push p50 {:.1} ms p99 {:.1} ms max {:.1} ms | {:.0} ops/s | log holds {in_log} of {expected} ops | errors = {}",
        times.len(),
        wall.as_secs_f64(),
        pct(&times, 0.5),
        pct(&times, 0.99),
        pct(&times, 1.0),
        rate(expected, wall),
        errors.count
    );
    if let Some(e) = &errors.first {
        println!("    first error: {e}");
    }
    Ok(errors.count)
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

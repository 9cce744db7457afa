//! A device for the fault tests: a real encrypted store (the test key) behind
//! the engine's `StoreAccess`, core use cases to write, rounds retried while
//! offline, and the checks every fault test ends with (the server's whole log:
//! each op of every outbox exactly once, seq gap-free, rows identical).
use super::{Certs, Options, Scratch, Server, CLINIC_NAME};
use clinic_core::registry;
use clinic_core::Caller;
use clinic_protocol::{
    ClinicId, ConnectSyncServer, Hlc, LoggedOp, PatientDetails, PatientId, RegisterOutcome,
    RegisterPatient, UpdatePatient,
};
use clinic_store::{DbKey, Encryption, Store};
use clinic_sync::engine::{self, RoundSummary, StoreAccess, SyncError};
use clinic_sync::transport::{Transport, TransportConfig, TransportError};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const TEST_KEY: [u8; 32] = [7; 32];
pub const AUDIT_KEY: [u8; 32] = [9; 32];

pub fn encryption() -> Encryption {
    Encryption::Key(DbKey::from_bytes(TEST_KEY))
}

pub struct Device {
    pub name: String,
    pub store: Mutex<Store>,
    pub path: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl StoreAccess for Device {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> Option<T> {
        Some(f(&mut self.store.lock().unwrap()))
    }
}

impl Device {
    pub fn new(name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut device = Self::open(name, &dir.path().join("clinic.db"));
        device._dir = Some(dir);
        device
    }

    /// Opens (or creates) the store at `path`; the caller keeps the directory.
    pub fn open(name: &str, path: &Path) -> Self {
        let store = clinic_store::open(path, &encryption()).expect("open store");
        Self {
            name: name.into(),
            store: Mutex::new(store),
            path: path.to_path_buf(),
            _dir: None,
        }
    }

    pub fn s(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap()
    }

    pub async fn enroll(&self, url: &str, ca_pem: &[u8], code: String) {
        engine::enroll(
            self,
            &ConnectSyncServer {
                server_url: url.into(),
                enrollment_code: code,
                device_name: self.name.clone(),
                ca_pem: Some(String::from_utf8(ca_pem.to_vec()).unwrap()),
            },
        )
        .await
        .expect("enroll");
    }

    pub fn token(&self) -> String {
        clinic_core::sync::state::enrollment(self.s().conn())
            .unwrap()
            .expect("enrolled")
            .device_token
    }

    /// Rounds until one succeeds; only `Offline` is retried (counted in `offline`).
    pub async fn sync_until_ok(&self, offline: &mut u32) -> RoundSummary {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let t = Instant::now();
            let r = engine::sync_round(self, |_| {}).await;
            if t.elapsed() > Duration::from_secs(3) {
                eprintln!(
                    "SLOW {} {:?}: {:?}",
                    self.name,
                    t.elapsed(),
                    r.as_ref().err()
                );
            }
            match r {
                Ok(summary) => return summary,
                Err(SyncError::Offline(_)) if Instant::now() < deadline => {
                    *offline += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("{}: sync round failed: {e:?}", self.name),
            }
        }
    }

    pub fn register(&self, details: PatientDetails) -> PatientId {
        let outcome = registry::register_patient(
            &mut self.s(),
            &Caller::device(&AUDIT_KEY),
            RegisterPatient {
                details,
                confirm_not_duplicate: true,
            },
        )
        .unwrap();
        match outcome {
            RegisterOutcome::Registered { patient } => patient.id,
            other => panic!("{other:?}"),
        }
    }

    pub fn edit(&self, id: PatientId, change: impl FnOnce(&mut PatientDetails)) {
        let mut store = self.s();
        let current = registry::get_patient(store.conn(), id).unwrap();
        let mut details = current.details.clone();
        change(&mut details);
        registry::update_patient(
            &mut store,
            &Caller::device(&AUDIT_KEY),
            UpdatePatient {
                id,
                expected_version: current.version,
                details,
            },
        )
        .unwrap();
    }

    pub fn patient_ids(&self) -> Vec<PatientId> {
        dump(&self.s(), "SELECT id FROM patient ORDER BY id")
            .iter()
            .map(|id| id.parse().unwrap())
            .collect()
    }

    /// Every patient row with its per-field clocks: what must converge. Not the
    /// `version`, which counts the changes made to this device's copy (it is the
    /// local stale-edit check) and so depends on the order ops arrived in.
    pub fn patients(&self) -> Vec<String> {
        dump(
            &self.s(),
            "SELECT p.id || '|' || p.mrn || '|' || p.given_name || '|' || p.family_name
                || '|' || p.date_of_birth || '|' || p.phone || '|' || p.email || '|' || d.field_clock
             FROM patient p JOIN patient_detail d ON d.patient_id = p.id ORDER BY p.id",
        )
    }

    /// (op_id, device_counter) of every outbox op, oldest first.
    pub fn outbox(&self) -> Vec<(String, i64)> {
        let store = self.s();
        let mut stmt = store
            .conn()
            .prepare("SELECT op_id, device_counter FROM outbox ORDER BY device_counter")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    pub fn pending(&self) -> u64 {
        self.s().pending_count().unwrap()
    }

    pub fn pending_ids(&self) -> HashSet<String> {
        dump(
            &self.s(),
            "SELECT op_id FROM outbox WHERE pushed_at IS NULL",
        )
        .into_iter()
        .collect()
    }

    /// The device's persisted HLC.
    pub fn hlc(&self) -> Hlc {
        let store = self.s();
        let (millis, counter): (i64, i64) = store
            .conn()
            .query_row(
                "SELECT hlc_millis, hlc_counter FROM device_state",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        Hlc {
            millis: millis as u64,
            counter: counter as u16,
            device: store.device_id(),
        }
    }

    /// Every clock this device has seen: its own ops and those it applied or held.
    pub fn seen_hlcs(&self) -> Vec<Hlc> {
        dump(
            &self.s(),
            "SELECT hlc FROM outbox UNION ALL SELECT hlc FROM applied_op
             UNION ALL SELECT json_extract(op, '$.op.hlc') FROM held_op",
        )
        .iter()
        .map(|h| h.parse().unwrap())
        .collect()
    }

    pub fn integrity_ok(&self) {
        let check: String = self
            .s()
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "{}: integrity_check", self.name);
    }
}

pub fn dump(store: &Store, sql: &str) -> Vec<String> {
    let mut stmt = store.conn().prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

pub fn person(given: &str, family: &str, n: u64) -> PatientDetails {
    PatientDetails {
        given_name: given.into(),
        family_name: family.into(),
        date_of_birth: format!("19{:02}-0{}-1{}", 40 + n % 60, 1 + n % 9, n % 10),
        phone: format!("+1 555 01{:02}", n % 100),
        ..Default::default()
    }
}

/// The server's whole log, read directly (not through a fault proxy).
pub async fn server_log(url: &str, ca_pem: &[u8], token: &str) -> Vec<LoggedOp> {
    let transport = Transport::new(
        TransportConfig::new(url)
            .with_ca_pem(ca_pem.to_vec())
            .with_timeout(Duration::from_secs(20)),
    )
    .unwrap();
    let mut ops = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = match transport.pull(token, cursor.as_deref(), 1000).await {
            Ok(page) => page,
            Err(TransportError::Offline(_)) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(e) => panic!("pulling the server's log: {e}"),
        };
        ops.extend(page.ops);
        cursor = Some(page.next_cursor);
        if !page.more {
            return ops;
        }
    }
}

/// The log holds every outbox op of `devices` exactly once and nothing else:
/// seq gap-free from 1, op ids unique, each device's counters 1..=n in order,
/// count equal to the sum of the outboxes; and no outbox has anything pending.
pub fn assert_exactly_once(log: &[LoggedOp], devices: &[&Device]) {
    let seqs: Vec<u64> = log.iter().map(|o| o.seq).collect();
    assert_eq!(
        seqs,
        (1..=log.len() as u64).collect::<Vec<_>>(),
        "seq not gap-free"
    );
    let ids: HashSet<String> = log.iter().map(|o| o.op.op_id.to_string()).collect();
    assert_eq!(ids.len(), log.len(), "an op id appears twice in the log");
    let total: usize = devices.iter().map(|d| d.outbox().len()).sum();
    assert_eq!(log.len(), total, "log size != sum of the outboxes");
    let mut by_device: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for o in log {
        by_device
            .entry(o.device_id.to_string())
            .or_default()
            .push((o.op.op_id.to_string(), o.op.device_counter as i64));
    }
    for d in devices {
        let id = d.s().device_id().to_string();
        let outbox = d.outbox();
        let logged = by_device.remove(&id).unwrap_or_default();
        assert_eq!(logged, outbox, "{}: log differs from the outbox", d.name);
        assert_eq!(d.pending(), 0, "{}: ops still pending", d.name);
        let counters: Vec<i64> = outbox.iter().map(|o| o.1).collect();
        assert_eq!(counters, (1..=outbox.len() as i64).collect::<Vec<_>>());
    }
    assert!(by_device.is_empty(), "ops from unknown devices in the log");
}

/// How many pushes the server answered with duplicates, from its log.
pub fn duplicates_in_server_log(log_text: &str) -> u64 {
    log_text
        .lines()
        .filter(|l| l.contains("push applied"))
        .filter_map(|l| l.split("duplicate=").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter_map(|n| n.parse::<u64>().ok())
        .sum()
}

/// The server (TLS, demo CA) and one clinic.
pub struct Clinic {
    pub scratch: Scratch,
    pub certs: Certs,
    pub server: Server,
    pub id: ClinicId,
    pub ca: Vec<u8>,
}

impl Clinic {
    pub fn start() -> Self {
        let scratch = Scratch::new().unwrap();
        let certs = scratch.gen_cert("tls", &[]).unwrap();
        let server = Server::start(&scratch, Options::tls(&certs)).unwrap();
        let ca = certs.ca_pem().unwrap().into_bytes();
        Self {
            scratch,
            certs,
            server,
            id: ClinicId::new(),
            ca,
        }
    }

    pub fn code(&self) -> String {
        self.scratch.issue_code(self.id, CLINIC_NAME).unwrap()
    }

    /// The server itself, not through a proxy.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.server.port())
    }

    pub async fn log(&self, device: &Device) -> Vec<LoggedOp> {
        server_log(&self.url(), &self.ca, &device.token()).await
    }

    pub fn assert_nothing_quarantined(&self) {
        let out = self.scratch.cli(&["quarantine"]).unwrap();
        assert!(out.starts_with("quarantined ops: 0"), "{out}");
    }

    pub fn pushes_logged(&self) -> usize {
        self.scratch.log_text().matches("push applied").count()
    }
}

pub fn register_many(device: &Device, n: usize, family: &str) {
    let batch = (0..n as u64).map(|i| person("Batch", &format!("{family}{i}"), i));
    registry::register_many(&mut device.s(), &Caller::device(&AUDIT_KEY), batch).unwrap();
}

pub fn assert_same_rows(devices: &[&Device]) {
    let rows = devices[0].patients();
    for d in &devices[1..] {
        assert_eq!(
            d.patients(),
            rows,
            "{} differs from {}",
            d.name,
            devices[0].name
        );
    }
}

//! Re-keying (DESIGN.md §4: "the DB opens afterwards with the old or the new key,
//! never neither") and the audit key.
//!
//! - `rekey_keeps_data_and_refuses_the_old_key`: rekey, reopen with the new key,
//!   the old key is refused, data, outbox and clock continue, audit key unchanged.
//! - `key_resolution_cases`: the current/pending resolution on its own.
//! - `kill_9_during_rekey`: this binary re-executed as a worker that writes and
//!   re-keys in a loop; SIGKILL at each step of the protocol and at random
//!   moments; after each kill the key resolves, the database opens,
//!   `integrity_check` is ok and every acknowledged write is there.
//!
//! The protocol runs against two vaults: a file vault defined by the tests (always)
//! and the real OS keychain (Secret Service) inside `dbus-run-session` with a
//! throw-away, unlocked `gnome-keyring-daemon`, as in tests/keychain.rs, when both
//! tools are installed. Without them the keychain variant is skipped with a note,
//! or fails when `CLINIC_TEST_REQUIRE_SECRET_SERVICE=1`.
mod common;

use clinic_store::{
    open, open_with_vault, rekey, rekey_with_vault, DbKey, Encryption, KeyEntries, KeySource,
    KeychainVault, RekeyStep, SecretVault, Store, StoreError,
};
use common::*;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const KILL_TEST: &str = "kill_9_during_rekey";
const KEYCHAIN_TEST: &str = "rekey_with_the_os_keychain";
/// Worker mode: `<vault spec>` (`file:<dir>` or `keychain:<service>`).
const WORKER_VAULT: &str = "CLINIC_REKEY_WORKER_VAULT";
const WORKER_DB: &str = "CLINIC_REKEY_WORKER_DB";
/// Worker pauses (sleeps) right after reporting this step, so it is killed there.
const WORKER_PAUSE: &str = "CLINIC_REKEY_WORKER_PAUSE";
/// Set in the dbus-run-session child that runs the keychain variant.
const KEYCHAIN_CHILD: &str = "CLINIC_REKEY_KEYCHAIN_CHILD";

fn vault_from_spec(spec: &str) -> Box<dyn SecretVault> {
    if let Some(dir) = spec.strip_prefix("file:") {
        Box::new(FileVault::new(Path::new(dir)))
    } else if let Some(service) = spec.strip_prefix("keychain:") {
        Box::new(KeychainVault {
            service: service.to_string(),
        })
    } else {
        panic!("bad vault spec {spec}")
    }
}

fn unique_service() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "org.clinic.desktop.test.rekey.{}.{nanos}",
        std::process::id()
    )
}

fn current_key(vault: &dyn SecretVault, entries: &KeyEntries) -> DbKey {
    let hex = vault
        .get(&entries.current)
        .unwrap()
        .expect("a current key entry");
    DbKey::from_hex(&hex).expect("a well-formed key")
}

/// Keys expose no bytes; compare them by a one-way fingerprint (the audit key the
/// test source derives from them), so no key is ever printed.
fn same_key(a: &DbKey, b: &DbKey) -> bool {
    fingerprint(a) == fingerprint(b)
}

fn fingerprint(k: &DbKey) -> [u8; 32] {
    *KeySource::InsecureTestKey(k.clone())
        .load_or_create_audit_key(Path::new("/nonexistent"))
        .unwrap()
        .as_bytes()
}

fn has_pending(vault: &dyn SecretVault, entries: &KeyEntries) -> bool {
    vault.get(&entries.pending).unwrap().is_some()
}

/// Bulk-writes `n` patients (and their ops) in transactions of 500.
fn bulk_write(store: &mut Store, prefix: &str, n: usize, size: usize) {
    let mut i = 0;
    while i < n {
        let end = (i + 500).min(n);
        store
            .write(|tx| {
                for j in i..end {
                    let id = format!("{prefix}-{j:06}");
                    let name = format!("{j:06}-{}", "x".repeat(size));
                    insert_patient(tx.conn(), &id, &name, &tx.now_rfc3339())
                        .map_err(StoreError::from)?;
                    tx.record(
                        clinic_protocol::OpKind::RegisterPatient,
                        clinic_protocol::EntityKind::Patient,
                        &id,
                        serde_json::json!({ "given_name": name }),
                    )?;
                }
                Ok::<_, StoreError>(())
            })
            .expect("bulk write");
        i = end;
    }
}

/// Checks every invariant of an opened store; returns the highest device counter.
fn check_store(store: &Store, acked: &BTreeSet<u64>, what: &str) -> u64 {
    let max = assert_acked_writes_survived(store, acked, what);
    let journal: String = store
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal", "{what}: journal mode");
    max
}

// ---------------------------------------------------------------------------
// (a) rekey, reopen, old key refused, data/outbox/clock continue

fn check_rekey_roundtrip(vault: &dyn SecretVault, dir: &Path) {
    let path = db_path(dir);
    let entries = KeyEntries::for_db(&path);
    let mut store = open_with_vault(vault, &entries, &path).expect("first run");
    assert!(vault.get(&entries.current).unwrap().is_some());
    let audit = clinic_store::key::load_or_create_audit_key_in(vault, &entries, &path)
        .expect("created on first run");
    let device = store.device_id();
    bulk_write(&mut store, "p", 300, 200);
    let before_op = write_patient(&mut store, "p-last", "Last").unwrap();
    let old = current_key(vault, &entries);

    let mut steps = Vec::new();
    let mut store = rekey_with_vault(store, vault, &entries, &mut |s| steps.push(s)).unwrap();
    assert_eq!(
        steps,
        [
            RekeyStep::PendingStored,
            RekeyStep::Reencrypting,
            RekeyStep::Reencrypted,
            RekeyStep::Promoted
        ]
    );
    let new = current_key(vault, &entries);
    assert!(!same_key(&old, &new), "the key changed");
    assert!(!has_pending(vault, &entries), "pending promoted");
    let audit_after =
        clinic_store::key::load_or_create_audit_key_in(vault, &entries, &path).unwrap();
    assert_eq!(audit.as_bytes(), audit_after.as_bytes(), "audit key kept");
    assert_eq!(store.device_id(), device);

    // Outbox and clock continue on the returned store.
    let after_op = write_patient(&mut store, "p-after", "After").unwrap();
    assert_eq!(after_op.device_counter, before_op.device_counter + 1);
    assert!(after_op.hlc > before_op.hlc, "the clock moves forward");
    check_store(&store, &BTreeSet::new(), "after rekey");
    drop(store);
    assert!(!sidecar(&path, "-journal").exists(), "no journal left");

    // The old key is refused and changes nothing; the new key opens everything.
    let files = snapshot_dir(dir);
    match open(&path, &Encryption::Key(old.clone())) {
        Err(StoreError::WrongKeyOrCorrupt { .. }) => {}
        other => panic!("old key: {}", describe(&other)),
    }
    assert_dir_unchanged(dir, &files, "old key refused");
    let store = open(&path, &Encryption::Key(new)).expect("new key opens");
    assert_eq!(count(store.conn(), "patient"), 302);
    assert_eq!(
        check_store(&store, &BTreeSet::new(), "reopened"),
        after_op.device_counter
    );
    drop(store);

    // Rekey twice more through resolution; a store opened with a key that is not
    // the vault's current key is refused before anything changes.
    let store = open_with_vault(vault, &entries, &path).unwrap();
    let store = rekey_with_vault(store, vault, &entries, &mut |_| {}).unwrap();
    drop(store);
    let latest = current_key(vault, &entries);
    let wrong_dir = tempdir();
    let wrong_vault = FileVault::new(wrong_dir.path());
    wrong_vault.set(&entries.current, &"0f".repeat(32)).unwrap();
    let files = snapshot_dir(wrong_dir.path());
    let store = open(&path, &Encryption::Key(latest)).unwrap();
    match rekey_with_vault(store, &wrong_vault, &entries, &mut |_| {}) {
        Err(StoreError::WrongKeyOrCorrupt { .. }) => {}
        other => panic!("wrong vault: {}", describe(&other)),
    }
    assert_dir_unchanged(wrong_dir.path(), &files, "no pending key stored");
    drop(open_with_vault(vault, &entries, &path).expect("still opens"));
}

#[test]
fn rekey_keeps_data_and_refuses_the_old_key() {
    let dir = tempdir();
    let vault = FileVault::new(&dir.path().join("vault"));
    let db_dir = dir.path().join("db");
    std::fs::create_dir(&db_dir).unwrap();
    check_rekey_roundtrip(&vault, &db_dir);
}

#[test]
fn test_key_source_cannot_rekey_and_derives_its_audit_key() {
    let dir = tempdir();
    let path = db_path(dir.path());
    let source = KeySource::InsecureTestKey(DbKey::from_hex(KEY_A_HEX).unwrap());
    let store = source.open_store(&path).expect("opens with the test key");
    let audit = source.load_or_create_audit_key(&path).unwrap();
    assert_eq!(
        audit.as_bytes(),
        source.load_or_create_audit_key(&path).unwrap().as_bytes()
    );
    match rekey(store, &source) {
        Err(e @ StoreError::Config(_)) => assert!(e.to_string().contains("keychain"), "{e}"),
        other => panic!("{}", describe(&other)),
    }
    drop(open(&path, &key_a()).expect("unchanged: still opens with the test key"));
}

// ---------------------------------------------------------------------------
// resolution of current/pending, and the audit key's first-run rule

#[test]
fn key_resolution_cases() {
    let dir = tempdir();
    let vault = FileVault::new(&dir.path().join("vault"));
    let path = db_path(dir.path());
    let entries = KeyEntries::for_db(&path);
    let a = DbKey::from_hex(KEY_A_HEX).unwrap();
    let b = DbKey::from_hex(KEY_B_HEX).unwrap();

    // An existing database with no key: KeyMissing; without an audit key:
    // AuditKeyMissing. Nothing is created.
    create_db(&path, &key_a(), 3);
    match open_with_vault(&vault, &entries, &path) {
        Err(StoreError::KeyMissing { .. }) => {}
        other => panic!("{}", describe(&other)),
    }
    match clinic_store::key::load_or_create_audit_key_in(&vault, &entries, &path) {
        Err(e @ StoreError::AuditKeyMissing { .. }) => {
            assert_eq!(e.code(), clinic_protocol::ErrorCode::KeyMissing);
            assert!(e.to_string().contains("audit"), "{e}");
        }
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("a new audit key for an existing database"),
    }
    assert!(vault.get(&entries.audit).unwrap().is_none());
    assert!(vault.get(&entries.current).unwrap().is_none());

    // Current works, pending is stale: opens, pending deleted, current kept.
    vault.set(&entries.current, KEY_A_HEX).unwrap();
    vault.set(&entries.pending, KEY_B_HEX).unwrap();
    drop(open_with_vault(&vault, &entries, &path).expect("current works"));
    assert!(!has_pending(&vault, &entries));
    assert!(same_key(&current_key(&vault, &entries), &a));

    // A damaged stale pending entry is removed the same way.
    vault.set(&entries.pending, "garbage").unwrap();
    drop(open_with_vault(&vault, &entries, &path).expect("current works"));
    assert!(!has_pending(&vault, &entries));

    // The file has the pending key (crash after the re-key committed): promoted.
    vault.set(&entries.current, KEY_B_HEX).unwrap();
    vault.set(&entries.pending, KEY_A_HEX).unwrap();
    drop(open_with_vault(&vault, &entries, &path).expect("pending works"));
    assert!(!has_pending(&vault, &entries));
    assert!(same_key(&current_key(&vault, &entries), &a), "promoted");

    // Neither key works: the current key's error, nothing promoted or deleted.
    vault.set(&entries.current, KEY_B_HEX).unwrap();
    vault.set(&entries.pending, &"0f".repeat(32)).unwrap();
    let files = snapshot_dir(dir.path().join("vault").as_path());
    match open_with_vault(&vault, &entries, &path) {
        Err(StoreError::WrongKeyOrCorrupt { .. }) => {}
        other => panic!("{}", describe(&other)),
    }
    assert_dir_unchanged(&dir.path().join("vault"), &files, "nothing promoted");
    assert!(same_key(&current_key(&vault, &entries), &b));

    // First run: both keys are created; the audit key survives later loads.
    let path2 = dir.path().join("second.db");
    let entries2 = KeyEntries::for_db(&path2);
    drop(open_with_vault(&vault, &entries2, &path2).expect("first run"));
    let audit = clinic_store::key::load_or_create_audit_key_in(&vault, &entries2, &path2)
        .expect("created with the database key");
    assert!(vault.get(&entries2.audit).unwrap().is_some());
    let again = clinic_store::key::load_or_create_audit_key_in(&vault, &entries2, &path2).unwrap();
    assert_eq!(audit.as_bytes(), again.as_bytes());
}

// ---------------------------------------------------------------------------
// (b) kill -9 during rekey

/// The worker: resolve + open, write a few patients (printing `ACK n` after each
/// commit), re-key (printing every step), repeat until killed.
fn worker(spec: &str, path: &Path) {
    let vault = vault_from_spec(spec);
    let entries = KeyEntries::for_db(path);
    let pause = std::env::var(WORKER_PAUSE).ok();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut i = 0usize;
    while Instant::now() < deadline {
        let mut store = open_with_vault(vault.as_ref(), &entries, path).expect("worker open");
        println!("OPEN");
        for _ in 0..3 {
            let op = write_patient(
                &mut store,
                &format!("w-{}-{i}", std::process::id()),
                &filler(i),
            )
            .expect("worker write");
            println!("ACK {}", op.device_counter);
            i += 1;
        }
        let mut timer = ReencryptTimer::default();
        let store = rekey_with_vault(store, vault.as_ref(), &entries, &mut |step| {
            timer.step(step);
            println!("STEP {step:?}");
            if pause.as_deref() == Some(&format!("{step:?}")) {
                std::thread::sleep(Duration::from_secs(30));
            }
        })
        .expect("worker rekey");
        println!("REKEYED {}", timer.micros());
        drop(store);
    }
    panic!("the parent never killed the worker");
}

/// Time from `Reencrypting` to `Reencrypted` (the window of the rollback journal).
#[derive(Default)]
struct ReencryptTimer {
    started: Option<Instant>,
    micros: u64,
}

impl ReencryptTimer {
    fn step(&mut self, step: RekeyStep) {
        match step {
            RekeyStep::Reencrypting => self.started = Some(Instant::now()),
            RekeyStep::Reencrypted => {
                self.micros = self.started.map_or(0, |t| t.elapsed().as_micros() as u64)
            }
            _ => {}
        }
    }

    fn micros(&self) -> u64 {
        self.micros
    }
}

#[derive(Clone, Copy, Debug)]
enum KillAt {
    /// Paused right after the pending key was stored.
    AfterPending,
    /// A random moment after re-encryption started.
    MidReencrypt,
    /// Shortly after SQLCipher synced the rollback journal of the re-key (its
    /// header became valid): the database file is being overwritten with
    /// new-key pages, so it is part old, part new.
    DuringCommit,
    /// Paused after the new key was committed, before promotion.
    AfterCommit,
    /// Paused after promotion.
    AfterPromote,
    /// A random moment after the first completed re-key (writes or re-key).
    Random,
}

struct Outcome {
    acked: BTreeSet<u64>,
    /// Re-encryption durations seen (microseconds).
    rekey_micros: Vec<u64>,
    /// Re-keys the worker reported as committed (`STEP Reencrypted`).
    commits: usize,
}

fn run_worker_and_kill(
    spec: &str,
    path: &Path,
    at: KillAt,
    rng: &mut XorShift,
    typical_micros: u64,
) -> Outcome {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", KILL_TEST, "--nocapture", "--test-threads=1"])
        .env(WORKER_VAULT, spec)
        .env(WORKER_DB, path)
        .env_remove(KEYCHAIN_CHILD)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let pause = match at {
        KillAt::AfterPending => Some("PendingStored"),
        KillAt::AfterCommit => Some("Reencrypted"),
        KillAt::AfterPromote => Some("Promoted"),
        _ => None,
    };
    match pause {
        Some(p) => cmd.env(WORKER_PAUSE, p),
        None => cmd.env_remove(WORKER_PAUSE),
    };
    let mut child = cmd.spawn().expect("spawn the worker");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut out = Outcome {
        acked: BTreeSet::new(),
        rekey_micros: Vec::new(),
        commits: 0,
    };
    let mut note = |line: &str, out: &mut Outcome| {
        if let Some(n) = line.strip_prefix("ACK ") {
            out.acked.insert(n.parse().unwrap());
        }
        if let Some(n) = line.strip_prefix("REKEYED ") {
            out.rekey_micros.push(n.parse().unwrap());
        }
        if line.ends_with("STEP Reencrypted") {
            out.commits += 1;
        }
    };
    let wait_for = |marker: &str, out: &mut Outcome, note: &mut dyn FnMut(&str, &mut Outcome)| loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("the worker never printed {marker}"));
        note(&line, out);
        if line.ends_with(marker) {
            break;
        }
    };
    match at {
        KillAt::AfterPending => wait_for("STEP PendingStored", &mut out, &mut note),
        KillAt::AfterCommit => wait_for("STEP Reencrypted", &mut out, &mut note),
        KillAt::AfterPromote => wait_for("STEP Promoted", &mut out, &mut note),
        KillAt::MidReencrypt => {
            wait_for("STEP Reencrypting", &mut out, &mut note);
            std::thread::sleep(Duration::from_micros(
                rng.next_u64() % typical_micros.max(1),
            ));
        }
        KillAt::DuringCommit => {
            wait_for("STEP Reencrypting", &mut out, &mut note);
            let journal = sidecar(path, "-journal");
            let deadline = Instant::now() + Duration::from_secs(60);
            while !journal_is_hot(&journal) {
                assert!(Instant::now() < deadline, "the journal never became valid");
                std::thread::sleep(Duration::from_micros(50));
            }
            std::thread::sleep(Duration::from_micros(
                rng.next_u64() % (typical_micros / 20).max(1),
            ));
        }
        KillAt::Random => {
            wait_for("OPEN", &mut out, &mut note);
            std::thread::sleep(Duration::from_micros(
                rng.next_u64() % (3 * typical_micros.max(1)),
            ));
        }
    }
    child.kill().expect("SIGKILL the worker");
    let status = child.wait().unwrap();
    assert!(!status.success(), "the worker was killed, not finished");
    reader.join().unwrap();
    for line in rx.try_iter() {
        note(&line, &mut out);
    }
    out
}

/// SQLite's own test for a hot journal: it exists and its first byte is not 0.
/// (SQLite writes the journal header's magic only when it syncs the journal,
/// before it overwrites the database file; a journal killed earlier is ignored,
/// and the database file was not touched.)
fn journal_is_hot(journal: &Path) -> bool {
    use std::io::Read;
    let mut first = [0u8; 1];
    std::fs::File::open(journal)
        .and_then(|mut f| f.read_exact(&mut first))
        .is_ok()
        && first[0] != 0
}

/// The whole kill -9 scenario against one vault. Prints a summary line.
fn kill_rounds(vault: &dyn SecretVault, spec: &str, label: &str) {
    let dir = tempdir();
    let path = db_path(dir.path());
    let entries = KeyEntries::for_db(&path);

    // A database big enough that re-encryption takes a while.
    let mut store = open_with_vault(vault, &entries, &path).expect("first run");
    bulk_write(&mut store, "seed", 4000, 400);
    let seeded = device_state(store.conn()).2 as u64;
    drop(store);
    let audit = clinic_store::key::load_or_create_audit_key_in(vault, &entries, &path).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();

    // Calibrate: time one re-encryption.
    let mut timer = ReencryptTimer::default();
    let store = open_with_vault(vault, &entries, &path).unwrap();
    drop(rekey_with_vault(store, vault, &entries, &mut |s| timer.step(s)).unwrap());
    let mut typical = timer.micros();

    let mut acked: BTreeSet<u64> = (1..=seeded).collect();
    let mut rng = XorShift::new(0x5eed_1234);
    let plan = [
        KillAt::AfterPending,
        KillAt::MidReencrypt,
        KillAt::DuringCommit,
        KillAt::AfterCommit,
        KillAt::MidReencrypt,
        KillAt::AfterPromote,
        KillAt::Random,
        KillAt::MidReencrypt,
        KillAt::AfterPending,
        KillAt::Random,
        KillAt::MidReencrypt,
        KillAt::DuringCommit,
        KillAt::AfterCommit,
        KillAt::DuringCommit,
        KillAt::Random,
    ];
    let mut changed = 0;
    let mut rolled_back = 0;
    let mut mixed = 0;
    for (round, at) in plan.iter().enumerate() {
        let what = format!("{label} round {round} ({at:?})");
        let before = current_key(vault, &entries);
        let out = run_worker_and_kill(spec, &path, *at, &mut rng, typical);
        if let Some(m) = out.rekey_micros.iter().max() {
            typical = typical.max(*m);
        }
        acked.extend(out.acked.iter().copied());
        // Killed while the re-key's journal was synced and the file was being
        // overwritten: the journal (old-key pages) must be rolled back. (A hot
        // journal of a page or two belongs to the switch back to WAL.)
        let journal = sidecar(&path, "-journal");
        let big_hot = journal_is_hot(&journal)
            && std::fs::metadata(&journal).is_ok_and(|m| m.len() > 1 << 20);
        if big_hot && out.commits == 0 {
            // Without its journal, would the file still read with the old key?
            // If not, the kill left it part old, part new.
            let scratch = tempdir();
            let copy = db_path(scratch.path());
            std::fs::copy(&path, &copy).unwrap();
            let readable =
                open(&copy, &Encryption::Key(before.clone())).is_ok_and(|s| integrity(&s) == "ok");
            mixed += !readable as usize;
        }

        let store = open_with_vault(vault, &entries, &path)
            .unwrap_or_else(|e| panic!("{what}: the key did not resolve: {e:?}"));
        check_store(&store, &acked, &what);
        drop(store);
        assert!(!has_pending(vault, &entries), "{what}: pending left behind");
        assert!(!journal_is_hot(&journal), "{what}: hot journal left behind");
        let after = current_key(vault, &entries);
        let rotated = !same_key(&before, &after);
        changed += rotated as usize;
        if big_hot && out.commits == 0 {
            // The only re-key of this round was rolled back.
            assert!(!rotated, "{what}: a rolled-back re-key keeps the old key");
            rolled_back += 1;
        }
        match at {
            KillAt::AfterPending => assert!(!rotated, "{what}: the old key must remain"),
            KillAt::AfterCommit | KillAt::AfterPromote => {
                assert!(rotated, "{what}: the committed new key must be promoted")
            }
            _ => {}
        }
        // The resolved current key is the file's key.
        drop(open(&path, &Encryption::Key(after)).unwrap_or_else(|e| panic!("{what}: {e:?}")));
        let audit_now =
            clinic_store::key::load_or_create_audit_key_in(vault, &entries, &path).unwrap();
        assert_eq!(audit.as_bytes(), audit_now.as_bytes(), "{what}: audit key");
    }
    assert!(
        rolled_back > 0,
        "{label}: no kill landed while the file was being re-encrypted"
    );
    assert!(
        changed > 0 && changed < plan.len(),
        "{label}: both outcomes seen"
    );
    println!(
        "REKEY-KILL-DONE {label}: {} rounds, db {} KiB, re-encryption ~{} ms, key rotated in {changed} rounds, \
         {rolled_back} kills after the re-key's journal was synced (rolled back to the old key; \
         {mixed} of them left the file itself part old-key, part new-key)",
        plan.len(),
        size / 1024,
        typical / 1000
    );
}

#[test]
fn kill_9_during_rekey() {
    if let (Ok(spec), Some(db)) = (std::env::var(WORKER_VAULT), std::env::var_os(WORKER_DB)) {
        return worker(&spec, Path::new(&db));
    }
    let dir = tempdir();
    let vault_dir = dir.path().join("vault");
    let vault = FileVault::new(&vault_dir);
    kill_rounds(
        &vault,
        &format!("file:{}", vault_dir.display()),
        "file-vault",
    );
}

// ---------------------------------------------------------------------------
// the same against the real OS keychain (Secret Service)

/// Runs inside dbus-run-session with a throw-away keyring.
fn keychain_child() {
    // The public API on the real keychain: open_store, audit key, rekey.
    let dir = tempdir();
    let path = db_path(dir.path());
    let service = unique_service();
    let source = KeySource::Keychain {
        service: service.clone(),
        account: format!("db-key:{}", path.display()),
    };
    let vault = KeychainVault {
        service: service.clone(),
    };
    let entries = KeyEntries::for_db(&path);
    let mut store = source.open_store(&path).expect("first run on the keychain");
    let audit = source.load_or_create_audit_key(&path).expect("audit key");
    write_patient(&mut store, "k-1", "One").unwrap();
    let old = current_key(&vault, &entries);
    let mut store = rekey(store, &source).expect("rekey on the keychain");
    let op = write_patient(&mut store, "k-2", "Two").unwrap();
    assert_eq!(op.device_counter, 2);
    drop(store);
    let new = current_key(&vault, &entries);
    assert!(!same_key(&old, &new));
    assert!(!has_pending(&vault, &entries));
    assert!(
        open(&path, &Encryption::Key(old)).is_err(),
        "old key refused"
    );
    let store = source.open_store(&path).expect("reopens");
    assert_eq!(count(store.conn(), "patient"), 2);
    assert_eq!(
        source.load_or_create_audit_key(&path).unwrap().as_bytes(),
        audit.as_bytes(),
        "audit key unchanged by rekey"
    );
    drop(store);
    println!("KEYCHAIN-REKEY-API-DONE");

    // The round trip and the kill -9 rounds on the keychain.
    let other = tempdir();
    let service = unique_service();
    let vault = KeychainVault {
        service: service.clone(),
    };
    check_rekey_roundtrip(&vault, other.path());
    kill_rounds(&vault, &format!("keychain:{service}"), "keychain");
}

fn tool_exists(name: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false)
}

#[test]
fn rekey_with_the_os_keychain() {
    if std::env::var_os(KEYCHAIN_CHILD).is_some() {
        return keychain_child();
    }
    if !(tool_exists("dbus-run-session") && tool_exists("gnome-keyring-daemon")) {
        assert!(
            std::env::var_os("CLINIC_TEST_REQUIRE_SECRET_SERVICE").is_none(),
            "dbus-run-session and gnome-keyring-daemon are required for the keychain re-key test"
        );
        eprintln!(
            "note: dbus-run-session/gnome-keyring-daemon not installed: re-keying was tested \
             with the test file vault only (kill_9_during_rekey, rekey_keeps_data_and_refuses_the_old_key), \
             NOT with the OS keychain"
        );
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let data = tempdir();
    let runtime = tempdir();
    let script = r#"printf 'test-keyring-password' | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null && exec "$0" "$@""#;
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", script])
        .arg(&exe)
        .args(["--exact", KEYCHAIN_TEST, "--nocapture", "--test-threads=1"])
        .env(KEYCHAIN_CHILD, "1")
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    let out = cmd.output().expect("run dbus-run-session");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success()
            && stdout.contains("KEYCHAIN-REKEY-API-DONE")
            && stdout.contains("REKEY-KILL-DONE keychain"),
        "keychain child failed: {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    for line in stdout.lines().filter(|l| l.contains("REKEY-KILL-DONE")) {
        println!("{line}");
    }
}

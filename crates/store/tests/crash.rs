//! kill -9 during local writes (DESIGN.md §7): a child process (this test binary,
//! re-executed) writes patients in a loop and prints `ACK <device_counter>` after
//! each commit; the parent kills it with SIGKILL at varying moments, reopens the
//! database and checks: integrity_check is ok, every acknowledged write is there,
//! the device counter is gap-free, and rows and ops were committed together.
mod common;

use clinic_store::open;
use common::*;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const CHILD_ENV: &str = "CLINIC_STORE_CRASH_CHILD_DB";
const TEST_NAME: &str = "kill_9_during_writes_keeps_acked_writes";

/// The child: write until killed (or a safety deadline passes).
fn child_writer(path: &Path) {
    println!("OPENING");
    let mut store = open(path, &key_a()).expect("child open");
    println!("OPEN");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut i = 0usize;
    while std::time::Instant::now() < deadline {
        let op = write_patient(
            &mut store,
            &format!("c-{}-{i}", std::process::id()),
            &filler(i),
        )
        .expect("child write");
        println!("ACK {}", op.device_counter); // stdout is line-buffered: flushed here
        i += 1;
    }
    panic!("the parent never killed the writer");
}

struct Round {
    acked: BTreeSet<u64>,
}

/// Starts a writer on `path`, kills it with SIGKILL after `acks` acknowledged
/// writes (0: right after it starts opening) plus `delay`, and returns what it
/// acknowledged (every line printed before the kill).
fn run_and_kill(path: &Path, acks: usize, delay: Duration) -> Round {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the writer");
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
    let mut acked = BTreeSet::new();
    let wait = Duration::from_secs(60);
    if acks == 0 {
        // libtest prints its own lines first.
        while !rx
            .recv_timeout(wait)
            .expect("child starts")
            .ends_with("OPENING")
        {}
    }
    while acked.len() < acks {
        let line = rx.recv_timeout(wait).expect("child keeps acknowledging");
        if let Some(n) = line.strip_prefix("ACK ") {
            acked.insert(n.parse().unwrap());
        }
    }
    std::thread::sleep(delay);
    child.kill().expect("SIGKILL the writer"); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success(), "the writer was killed, not finished");
    reader.join().unwrap();
    // Lines printed before the kill were acknowledged too.
    for line in rx.try_iter() {
        if let Some(n) = line.strip_prefix("ACK ") {
            acked.insert(n.parse().unwrap());
        }
    }
    Round { acked }
}

/// Reopens after a crash and checks every invariant; returns the highest counter.
fn check_after_crash(path: &Path, acked: &BTreeSet<u64>, what: &str) -> u64 {
    let store = open(path, &key_a()).unwrap_or_else(|e| panic!("{what}: reopen failed: {e:?}"));
    assert_acked_writes_survived(&store, acked, what)
}

#[test]
fn kill_9_during_writes_keeps_acked_writes() {
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        return child_writer(Path::new(&path));
    }
    let mut rng = XorShift::new(0xdead_beef);

    // Kills while the writer creates and migrates a brand-new database.
    for round in 0..4 {
        let dir = tempdir();
        let path = db_path(dir.path());
        let delay = Duration::from_millis(rng.next_u64() % 15);
        let r = run_and_kill(&path, 0, delay);
        check_after_crash(&path, &r.acked, &format!("fresh database, round {round}"));
    }

    // Kills in the middle of a stream of writes to one database.
    let dir = tempdir();
    let path = db_path(dir.path());
    let mut total_acked = BTreeSet::new();
    let mut last_max = 0;
    for round in 0..6 {
        let acks = 1 + (rng.next_u64() % 60) as usize;
        let delay = Duration::from_micros(rng.next_u64() % 3000);
        let r = run_and_kill(&path, acks, delay);
        assert!(r.acked.len() >= acks);
        total_acked.extend(r.acked);
        let max = check_after_crash(&path, &total_acked, &format!("round {round}"));
        assert!(
            max >= last_max + acks as u64,
            "round {round}: the writer made progress"
        );
        last_max = max;
    }
}

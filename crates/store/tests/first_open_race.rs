//! The first databases a process opens, opened from many threads at once, all open.
//!
//! SQLite marks itself initialised before SQLCipher's own start-up has run; a
//! thread that keyed a database in that window got "An error occurred with PRAGMA
//! key or rekey". The window exists once per process, so the test re-runs this
//! binary as fresh child processes, each racing its first opens.
use clinic_store::{DbKey, Encryption};
use std::process::Command;
use std::sync::{Arc, Barrier};

const CHILD: &str = "CLINIC_FIRST_OPEN_RACE_CHILD";
const TEST: &str = "threads_opening_the_first_databases_together_all_succeed";

#[test]
fn threads_opening_the_first_databases_together_all_succeed() {
    if std::env::var_os(CHILD).is_some() {
        race_first_opens();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    for run in 0..40 {
        let out = Command::new(&exe)
            .args([TEST, "--exact", "--test-threads=1", "--nocapture"])
            .env(CHILD, "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "child process {run} failed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        // The child must really have run the race (not filtered itself out).
        assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
    }
}

fn race_first_opens() {
    const THREADS: usize = 16;
    let dir = tempfile::tempdir().unwrap();
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let path = dir.path().join(format!("clinic-{i}.db"));
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                clinic_store::open(&path, &Encryption::Key(DbKey::from_bytes([7; 32])))
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    let failures: Vec<String> = handles
        .into_iter()
        .filter_map(|h| h.join().unwrap().err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {THREADS} opens failed: {failures:?}",
        failures.len()
    );
}

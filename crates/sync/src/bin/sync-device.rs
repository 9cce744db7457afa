//! Test tool for the fault tests (`tests/faults.rs`): a device in its own process,
//! so a test can kill it with -9 in the middle of a push. Never for real data: it
//! opens the store with the fixed insecure test key, and refuses to run in a
//! release build.
//!
//! ```text
//! sync-device <store path> <batches> <patients per batch> [store delay ms]
//! ```
//! With a store delay, every access of the engine to the store waits that long
//! first: the moments between the server's answer and the store's update last
//! long enough for a test to kill the process inside them.
//! The store must already be enrolled. For each batch: registers the patients in
//! one transaction (prints `committed <outbox size>` once it is durable), then
//! runs sync rounds until nothing is pending (prints `round` before each, `synced
//! <pushed>` or `offline` after). Prints `done` at the end.
use clinic_core::{registry, Caller};
use clinic_protocol::PatientDetails;
use clinic_store::{DbKey, Encryption, Store};
use clinic_sync::engine::{self, StoreAccess, SyncError};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

struct Device(Mutex<Store>, Duration);

impl StoreAccess for Device {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> Option<T> {
        std::thread::sleep(self.1);
        let mut store = self.0.lock().ok()?;
        Some(f(&mut store))
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn main() -> ExitCode {
    if !cfg!(debug_assertions) {
        eprintln!("sync-device is a test tool: it runs only in debug builds");
        return ExitCode::from(2);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, batches, size, delay) = match args.as_slice() {
        [path, batches, size] => (path, batches, size, "0"),
        [path, batches, size, delay] => (path, batches, size, delay.as_str()),
        _ => {
            eprintln!(
                "usage: sync-device <store path> <batches> <patients per batch> [store delay ms]"
            );
            return ExitCode::from(2);
        }
    };
    let (Ok(batches), Ok(size), Ok(delay)) = (
        batches.parse::<u32>(),
        size.parse::<u32>(),
        delay.parse::<u64>(),
    ) else {
        eprintln!("batches, patients per batch and the delay are numbers");
        return ExitCode::from(2);
    };
    let store =
        match clinic_store::open(path.as_ref(), &Encryption::Key(DbKey::from_bytes([7; 32]))) {
            Ok(store) => store,
            Err(e) => {
                eprintln!("cannot open the store: {e}");
                return ExitCode::FAILURE;
            }
        };
    let device = Device(Mutex::new(store), Duration::from_millis(delay));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let run = std::process::id();
    for batch in 0..batches {
        let patients = (0..size).map(|n| PatientDetails {
            given_name: format!("Kill{run}"),
            family_name: format!("Batch{batch}n{n}"),
            date_of_birth: "1970-01-01".into(),
            ..Default::default()
        });
        let written = device.with_store(|s| {
            registry::register_many(s, &Caller::device(&[9; 32]), patients)?;
            let n: i64 = s
                .conn()
                .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
            Ok::<_, clinic_core::CoreError>(n)
        });
        match written {
            Some(Ok(n)) => say(&format!("committed {n}")),
            other => {
                eprintln!("writing failed: {other:?}");
                return ExitCode::FAILURE;
            }
        }
        loop {
            say("round");
            match runtime.block_on(engine::sync_round(&device, |_| {})) {
                Ok(summary) => say(&format!("synced {}", summary.pushed)),
                Err(SyncError::Offline(_)) => {
                    say("offline");
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                Err(e) => {
                    eprintln!("sync failed: {e}");
                    return ExitCode::FAILURE;
                }
            }
            match device.with_store(|s| s.pending_count()) {
                Some(Ok(0)) => break,
                Some(Ok(_)) => continue,
                other => {
                    eprintln!("cannot count pending ops: {other:?}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    say("done");
    ExitCode::SUCCESS
}

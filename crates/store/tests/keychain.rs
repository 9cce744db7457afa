//! The OS keychain key source on Linux (Secret Service). Two guarantees:
//! - no Secret Service -> `KeychainUnavailable`, never a fallback key;
//! - an existing database whose key entry is gone -> `KeyMissing`, never a new key,
//!   and the file is left alone; no database -> a new key is created and stored.
//!
//! The test re-runs this binary as child processes: once with no D-Bus session at
//! all, and once inside `dbus-run-session` with a throw-away, unlocked
//! `gnome-keyring-daemon` (keyrings in a temp dir), when both tools are installed.
//! Set `CLINIC_TEST_REQUIRE_SECRET_SERVICE=1` to fail when they are not. When the
//! parent itself runs in a D-Bus session, it also checks that session's keychain
//! (a uniquely named test entry, deleted afterwards).
#![cfg(target_os = "linux")]
mod common;

use clinic_protocol::ErrorCode;
use clinic_store::{DbKey, Encryption, KeySource, StoreError};
use common::*;
use std::path::Path;
use std::process::Command;

const CHILD_ENV: &str = "CLINIC_KEYCHAIN_TEST_CHILD";
const TEST_NAME: &str = "keychain_missing_key_with_existing_db";

/// Deletes the test entry however the test ends.
struct EntryGuard(keyring::Entry);

impl Drop for EntryGuard {
    fn drop(&mut self) {
        let _ = self.0.delete_credential();
    }
}

fn unique_service() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("org.clinic.desktop.test.{}.{nanos}", std::process::id())
}

/// No Secret Service: every call is an explicit KeychainUnavailable error.
fn check_unavailable() {
    let dir = tempdir();
    let path = db_path(dir.path());
    let source = KeySource::Keychain {
        service: unique_service(),
        account: format!("db-key:{}", path.display()),
    };
    // No database yet: no key is invented, no file is created.
    let err = source
        .load_or_create(&path)
        .expect_err("no keychain, no key");
    assert!(
        matches!(err, StoreError::KeychainUnavailable { .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), ErrorCode::KeychainUnavailable);
    assert!(err.to_string().contains("Secret Service"), "{err}");
    assert!(snapshot_dir(dir.path()).is_empty());
    // An existing database: still unavailable, and the file is untouched.
    create_db(&path, &key_a(), 1);
    let before = snapshot_dir(dir.path());
    let err = source
        .load_or_create(&path)
        .expect_err("no keychain, no key");
    assert!(
        matches!(err, StoreError::KeychainUnavailable { .. }),
        "{err:?}"
    );
    assert_dir_unchanged(dir.path(), &before, "keychain unavailable");
    println!("KEYCHAIN-CHECK-DONE unavailable");
}

/// A working Secret Service: missing key with a database is KeyMissing; without
/// a database a key is created, stored and found again.
fn check_available() {
    let dir = tempdir();
    let path = db_path(dir.path());
    let service = unique_service();
    let account = format!("db-key:{}", path.display());
    let source = KeySource::Keychain {
        service: service.clone(),
        account: account.clone(),
    };
    let guard = EntryGuard(keyring::Entry::new(&service, &account).unwrap());
    let no_entry = |what: &str| match guard.0.get_password() {
        Err(keyring::Error::NoEntry) => {}
        other => panic!(
            "{what}: expected no keychain entry, got {:?}",
            other.map(|_| "<secret>")
        ),
    };

    // An existing, non-empty database and no entry: KeyMissing, nothing touched.
    create_db(&path, &key_a(), 2);
    let before = snapshot_dir(dir.path());
    match source.load_or_create(&path) {
        Err(e @ StoreError::KeyMissing { .. }) => {
            assert_eq!(e.code(), ErrorCode::KeyMissing);
            let msg = e.to_string();
            assert!(
                msg.contains(&service) && msg.contains("not changed"),
                "{msg}"
            );
        }
        other => panic!("expected KeyMissing, got {:?}", other.map(|_| "<key>")),
    }
    assert_dir_unchanged(dir.path(), &before, "key missing");
    no_entry("after KeyMissing");

    // No database: a new key is created and stored; the next load returns it.
    std::fs::remove_file(&path).unwrap();
    let created = source.load_or_create(&path).expect("creates a key");
    let stored = guard.0.get_password().expect("the key is in the keychain");
    assert_eq!(stored.len(), 64);
    assert!(DbKey::from_hex(&stored).is_ok());
    drop(clinic_store::open(&path, &Encryption::Key(created)).unwrap());
    let again = source.load_or_create(&path).expect("loads the stored key");
    drop(clinic_store::open(&path, &Encryption::Key(again)).expect("same key"));

    // A damaged entry is an error, and is not overwritten by a new key.
    guard.0.set_password("not-a-key").unwrap();
    let err = source.load_or_create(&path).expect_err("damaged entry");
    assert_eq!(err.code(), ErrorCode::Config, "{err:?}");
    assert_eq!(guard.0.get_password().unwrap(), "not-a-key");

    // The entry is deleted: the database is now one whose key is missing.
    guard.0.delete_credential().unwrap();
    let err = source.load_or_create(&path).expect_err("key gone");
    assert!(matches!(err, StoreError::KeyMissing { .. }), "{err:?}");
    no_entry("after deleting");
    println!("KEYCHAIN-CHECK-DONE available");
}

fn tool_exists(name: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false)
}

/// Runs this test again in a child process and checks that it really ran.
fn run_child(mut cmd: Command, mode: &str) {
    let out = cmd.output().expect("run the child test process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains(&format!("KEYCHAIN-CHECK-DONE {mode}")),
        "child ({mode}) failed: {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}

fn self_args(cmd: &mut Command, mode: &str) {
    cmd.args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode);
}

#[test]
fn keychain_missing_key_with_existing_db() {
    match std::env::var(CHILD_ENV).as_deref() {
        Ok("unavailable") => return check_unavailable(),
        Ok("available") => return check_available(),
        _ => {}
    }
    let exe = std::env::current_exe().unwrap();

    // 1. No D-Bus session (and no X display, so libdbus cannot autolaunch one).
    let mut cmd = Command::new(&exe);
    self_args(&mut cmd, "unavailable");
    for var in ["DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY"] {
        cmd.env_remove(var);
    }
    run_child(cmd, "unavailable");

    // 2. A private session bus with a throw-away, unlocked GNOME Keyring.
    if tool_exists("dbus-run-session") && tool_exists("gnome-keyring-daemon") {
        let data = tempdir();
        let runtime = tempdir(); // created 0700
        let script = r#"printf 'test-keyring-password' | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null && exec "$0" "$@""#;
        let mut cmd = Command::new("dbus-run-session");
        cmd.args(["--", "sh", "-c", script]).arg(&exe);
        self_args(&mut cmd, "available");
        cmd.env("XDG_DATA_HOME", data.path())
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        run_child(cmd, "available");
    } else {
        assert!(
            std::env::var_os("CLINIC_TEST_REQUIRE_SECRET_SERVICE").is_none(),
            "dbus-run-session and gnome-keyring-daemon are required"
        );
        eprintln!("note: dbus-run-session/gnome-keyring-daemon not installed; checked the unavailable case only");
    }

    // 3. This process's own session, if any: whatever it is, it must either work
    //    fully or say it is unavailable.
    if std::env::var("DBUS_SESSION_BUS_ADDRESS").is_ok_and(|v| !v.is_empty()) {
        let service = unique_service();
        let probe = KeySource::Keychain {
            service: service.clone(),
            account: "probe".into(),
        };
        match probe.load_or_create(Path::new("/nonexistent/clinic-probe.db")) {
            Ok(_) => {
                let _ = keyring::Entry::new(&service, "probe").and_then(|e| e.delete_credential());
                check_available();
            }
            Err(StoreError::KeychainUnavailable { .. }) => check_unavailable(),
            Err(e) => panic!("unexpected keychain error: {e:?}"),
        }
    }
}

//! End-to-end test harness for the clinic desktop app.
//!
//! The tests drive the real, already built app binary (`cargo build -p clinic-desktop`, which
//! embeds `ui/dist`) through `tauri-driver` (WebDriver, backed by WebKitWebDriver) on an X
//! display (Xvfb in CI). Every test gets a fresh [`Profile`]: a temp directory holding the
//! app's HOME (with XDG data/config/cache dirs), its data dir and its TMPDIR, so that the disk
//! checks can walk everything the app and WebKit may have written.
//!
//! Invariants:
//! - a missing app binary, `tauri-driver` or display is a test failure, never a skip;
//! - `tauri-driver` is always stopped with SIGTERM (SIGKILL leaves WebKitWebDriver behind),
//!   also when a test panics ([`driver::Driver`] is a drop guard);
//! - nothing here depends on tauri or on the app's crates (see Cargo.toml).
//!
//! Run them with `scripts/e2e-env.sh cargo test -p clinic-e2e -- --test-threads=1`
//! (the wrapper provides Xvfb and a D-Bus session with an unlocked gnome-keyring), or simply
//! `scripts/test.sh`. Environment knobs: `CLINIC_E2E_TIMEOUT_SECS` (default 10, per wait),
//! `CLINIC_E2E_KEEP=1` (keep the temp profiles), `CLINIC_APP_BIN` (explicit app path).
#![forbid(unsafe_code)]

pub mod disk;
pub mod driver;
pub mod profile;
pub mod ui;

pub use disk::{assert_db_encrypted, assert_no_canary, Canary};
pub use profile::{KeySource, LaunchOptions, Profile};
pub use ui::App;

/// Tests return `anyhow::Result` so that a failing step can still save a screenshot and
/// end the app cleanly before the test fails.
pub type Result<T = ()> = anyhow::Result<T>;

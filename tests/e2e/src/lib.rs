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
//! The story tests are `#[ignore]`d so that a plain `cargo test --workspace` (no display,
//! no app build) stays green; `scripts/test.sh` runs them. By hand:
//!
//! ```text
//! (cd ui && npm run build) && cargo build --workspace --all-targets
//! scripts/e2e-env.sh cargo test --workspace --test '*_story' -- --ignored --test-threads=1
//! ```
//!
//! Name every test file here `tests/<something>_story.rs` and mark its tests `#[ignore]`:
//! that is how scripts/test.sh selects them.
//!
//! `scripts/e2e-env.sh` provides Xvfb and a private D-Bus session with an unlocked
//! gnome-keyring. (`--workspace` rather than `-p clinic-e2e`: the same package selection as
//! the rest of the build, so no dependency is compiled a second time with other features.)
//! Environment knobs: `CLINIC_E2E_TIMEOUT_SECS` (default 10, per wait), `CLINIC_E2E_KEEP=1`
//! (keep the temp profiles), `CLINIC_APP_BIN` (explicit app path). On a failure the
//! screenshot, page HTML and logs go to `<target>/e2e-artifacts/<test>-<time>/`.
#![forbid(unsafe_code)]

pub mod billing;
pub mod disk;
pub mod driver;
pub mod files;
pub mod profile;
pub mod server;
pub mod staff;
pub mod today;
pub mod ui;
pub mod windows;

pub use disk::{assert_db_encrypted, assert_no_canary, Canary};
pub use profile::{KeySource, LaunchOptions, Profile, TEST_DB_KEY};
pub use staff::Account;
pub use ui::App;

/// Tests return `anyhow::Result` so that a failing step can still save a screenshot and
/// end the app cleanly before the test fails.
pub type Result<T = ()> = anyhow::Result<T>;

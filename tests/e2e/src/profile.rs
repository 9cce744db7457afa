//! A test profile: one temp directory per test holding the app's HOME (XDG dirs inside),
//! data dir and TMPDIR, and the environment the app is started with. A profile may be
//! launched several times (restart stories) and always reuses the same data dir.
use crate::driver::{self, Driver};
use crate::ui::App;
use anyhow::Context;
use fantoccini::ClientBuilder;
use hyper_util::client::legacy::connect::HttpConnector;
use std::cell::Cell;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The fixed, public test key used with `CLINIC_KEY_SOURCE=insecure-test-key`.
pub const TEST_DB_KEY: &str = "e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0";

/// Environment variables of the app that a test run must not inherit from the caller.
const APP_ENV: &[&str] = &[
    "CLINIC_DATA_DIR",
    "CLINIC_KEY_SOURCE",
    "CLINIC_TEST_DB_KEY",
    "CLINIC_DEMO_PATIENTS",
    "CLINIC_DEMO_STAFF",
    // Automatic enrollment with a sync server (only the sync story sets them).
    "CLINIC_SYNC_SERVER",
    "CLINIC_SYNC_CODE",
    "CLINIC_SYNC_CA",
    "CLINIC_SYNC_DEVICE_NAME",
];

/// Where the app's database key comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// `CLINIC_KEY_SOURCE=insecure-test-key` with [`TEST_DB_KEY`].
    TestKey,
    /// `CLINIC_KEY_SOURCE` unset: the real OS keychain (Secret Service over D-Bus).
    Keychain,
}

/// How to start the app.
#[derive(Clone, Debug)]
pub struct LaunchOptions {
    pub key: KeySource,
    /// Extra variables for tauri-driver and the app (`None` removes one).
    pub env: Vec<(String, Option<OsString>)>,
}

impl Default for LaunchOptions {
    fn default() -> Self {
        Self {
            key: KeySource::TestKey,
            env: Vec::new(),
        }
    }
}

impl LaunchOptions {
    pub fn keychain() -> Self {
        Self {
            key: KeySource::Keychain,
            env: Vec::new(),
        }
    }

    pub fn env(mut self, key: &str, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), Some(value.into())));
        self
    }
}

/// One test's private directories. Deleted on drop unless `CLINIC_E2E_KEEP=1`.
#[derive(Debug)]
pub struct Profile {
    name: String,
    root: PathBuf,
    keep: bool,
    launches: Cell<u32>,
    failed: Cell<bool>,
}

impl Profile {
    pub fn new(name: &str) -> crate::Result<Self> {
        let root = tempfile::Builder::new()
            .prefix(&format!("clinic-e2e-{name}-"))
            .tempdir()?
            .keep();
        let p = Profile {
            name: name.into(),
            root,
            keep: std::env::var_os("CLINIC_E2E_KEEP").is_some_and(|v| v == "1"),
            launches: Cell::new(0),
            failed: Cell::new(false),
        };
        for d in [
            p.home(),
            p.home().join(".local/share"),
            p.home().join(".config"),
            p.home().join(".cache"),
            p.data_dir(),
            p.tmp_dir(),
        ] {
            std::fs::create_dir_all(d)?;
        }
        Ok(p)
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    /// The profile's root; holds `home/`, `data/`, `tmp/` and tauri-driver logs.
    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn home(&self) -> PathBuf {
        self.root.join("home")
    }
    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }
    pub fn db_path(&self) -> PathBuf {
        self.data_dir().join("clinic.db")
    }
    /// Everything the app and WebKit could have written to: HOME (XDG caches, WebKit
    /// storage), the data dir (database, `-wal`/`-shm`, logs), TMPDIR, and the tauri-driver
    /// logs, which hold the app's stdout and stderr.
    pub fn app_dirs(&self) -> Vec<PathBuf> {
        vec![self.root.clone()]
    }

    /// The environment tauri-driver (and so the app) is started with.
    pub fn app_env(&self, opts: &LaunchOptions) -> Vec<(String, Option<OsString>)> {
        let mut env: Vec<(String, Option<OsString>)> =
            APP_ENV.iter().map(|k| (k.to_string(), None)).collect();
        let home = self.home();
        let mut set = |k: &str, v: OsString| env.push((k.into(), Some(v)));
        set("HOME", home.clone().into());
        set("XDG_DATA_HOME", home.join(".local/share").into());
        set("XDG_CONFIG_HOME", home.join(".config").into());
        set("XDG_CACHE_HOME", home.join(".cache").into());
        set("TMPDIR", self.tmp_dir().into());
        set("CLINIC_DATA_DIR", self.data_dir().into());
        // Keeps WebKit from looking for the accessibility bus (noise, slow start-up).
        set("NO_AT_BRIDGE", "1".into());
        // The most verbose logging the app has: the disk checks then prove that even
        // trace-level logs hold no patient data and no key.
        set("CLINIC_LOG", "trace".into());
        // The demo clinic's accounts (see `crate::staff`), so stories can sign in.
        set("CLINIC_DEMO_STAFF", "1".into());
        if opts.key == KeySource::TestKey {
            set("CLINIC_KEY_SOURCE", "insecure-test-key".into());
            set("CLINIC_TEST_DB_KEY", TEST_DB_KEY.into());
        }
        env.extend(opts.env.iter().cloned());
        env
    }

    /// Starts tauri-driver and a WebDriver session, which starts the app.
    pub async fn launch(&self, opts: LaunchOptions) -> crate::Result<App> {
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            anyhow::bail!(
                "no DISPLAY: run the e2e tests under scripts/e2e-env.sh (Xvfb + D-Bus + keyring)"
            );
        }
        let app_bin = driver::app_binary()?;
        let n = self.launches.get() + 1;
        self.launches.set(n);
        let log = self.root.join(format!("driver-{n}.log"));
        let driver = Driver::start(&self.app_env(&opts), &log)?;
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_bin }),
        );
        let client = tokio::time::timeout(
            Duration::from_secs(90),
            ClientBuilder::new(HttpConnector::new())
                .capabilities(caps)
                .connect(&driver.url()),
        )
        .await
        .context("the WebDriver session (app start) did not come up within 90 s")?
        .with_context(|| {
            format!(
                "could not start a WebDriver session for {}; tauri-driver log: {}",
                app_bin.display(),
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        })?;
        Ok(App::new(client, driver, self, log))
    }

    /// Ends a launch: on `Err` saves a screenshot, the page's HTML and the logs (and keeps
    /// the profile), then always quits the app. Returns `outcome`, or the quit error.
    pub async fn finish<T>(&self, app: App, outcome: crate::Result<T>) -> crate::Result<T> {
        if let Err(e) = &outcome {
            self.failed.set(true);
            app.save_failure_artifacts(&self.name, e).await;
        }
        let quit = app.quit().await;
        if quit.is_err() {
            self.failed.set(true);
        }
        let value = outcome?;
        quit?;
        Ok(value)
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        // Whatever happened, no process of this profile may outlive the test.
        let left =
            driver::reap_profile_processes("CLINIC_DATA_DIR", &self.data_dir(), Duration::ZERO);
        if !left.is_empty() {
            eprintln!("e2e: stopped leftover processes of {}: {left:?}", self.name);
        }
        if self.keep || self.failed.get() || std::thread::panicking() {
            eprintln!("e2e: kept profile {} at {}", self.name, self.root.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

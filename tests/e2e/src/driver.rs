//! Processes: locating the app binary, running `tauri-driver` on a free port pair, and
//! finding/stopping every process that belongs to one profile (tauri-driver,
//! WebKitWebDriver, the app and its WebKit helpers all carry the profile's
//! `CLINIC_DATA_DIR` in their environment, which is how we recognise them).
use anyhow::{bail, Context};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::ffi::OsString;
use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Name of the app binary produced by `cargo build -p clinic-desktop`.
pub const APP_BIN_NAME: &str = "clinic-desktop";

/// The app binary to test. Fails (never skips) when it has not been built.
pub fn app_binary() -> crate::Result<PathBuf> {
    let mut tried = Vec::new();
    if let Some(p) = std::env::var_os("CLINIC_APP_BIN") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
        bail!("CLINIC_APP_BIN={} does not exist", p.display());
    }
    // The test executable lives in <target>/debug/deps/: the app is in <target>/debug/.
    if let Ok(exe) = std::env::current_exe() {
        if let Some(profile_dir) = exe.parent().and_then(Path::parent) {
            tried.push(profile_dir.join(APP_BIN_NAME));
        }
    }
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        tried.push(PathBuf::from(t).join("debug").join(APP_BIN_NAME));
    }
    if let Some(h) = std::env::var_os("HOME") {
        tried.push(
            PathBuf::from(h)
                .join(".cache/clinic-desktop/target/debug")
                .join(APP_BIN_NAME),
        );
    }
    tried.push(workspace_root().join("target/debug").join(APP_BIN_NAME));
    for p in &tried {
        if p.is_file() {
            return Ok(p.canonicalize()?);
        }
    }
    bail!(
        "the app binary was not found (tried {}). Build it first: `(cd ui && npm run build) && cargo build -p clinic-desktop`",
        tried
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The repository root (this crate lives in `tests/e2e`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// A port P such that P and P+1 are both free on 127.0.0.1 right now (tauri-driver
/// listens on P and starts WebKitWebDriver on P+1).
pub fn free_port_pair() -> crate::Result<u16> {
    for _ in 0..100 {
        let l = TcpListener::bind("127.0.0.1:0")?;
        let p = l.local_addr()?.port();
        if p < u16::MAX && TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return Ok(p);
        }
    }
    bail!("no free pair of TCP ports on 127.0.0.1")
}

/// A running `tauri-driver`. Dropping it stops it with SIGTERM.
#[derive(Debug)]
pub struct Driver {
    child: Option<Child>,
    pub port: u16,
}

impl Driver {
    /// Starts `tauri-driver --port P --native-port P+1` with exactly the given extra
    /// environment (`None` removes a variable) and waits until it accepts connections.
    pub fn start(env: &[(String, Option<OsString>)], log: &Path) -> crate::Result<Self> {
        let port = free_port_pair()?;
        let log_file = File::create(log)?;
        let mut cmd = Command::new("tauri-driver");
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg((port + 1).to_string())
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        for (k, v) in env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        let child = cmd.spawn().context(
            "could not start `tauri-driver`: install it with `cargo install tauri-driver --locked` (scripts/setup.sh does)",
        )?;
        let mut driver = Driver {
            child: Some(child),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // tauri-driver listens at once but proxies to WebKitWebDriver on the native
            // port, which takes a moment longer: wait for both.
            if TcpStream::connect(("127.0.0.1", port)).is_ok()
                && TcpStream::connect(("127.0.0.1", port + 1)).is_ok()
            {
                return Ok(driver);
            }
            if let Some(status) = driver
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                driver.child = None;
                bail!(
                    "tauri-driver exited with {status} before listening; its log: {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "tauri-driver/WebKitWebDriver did not listen on 127.0.0.1:{port} and :{} within 20 s",
                    port + 1
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SIGTERM, wait up to 10 s, then SIGKILL as a last resort.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = Pid::from_raw(child.id() as i32);
        let _ = kill(pid, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("e2e: tauri-driver ignored SIGTERM for 10 s; killing it");
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Live (non-zombie) processes whose environment contains `key=value`.
pub fn processes_with_env(key: &str, value: &Path) -> Vec<Pid> {
    let mut needle = format!("{key}=").into_bytes();
    needle.extend_from_slice(value.as_os_str().as_encoded_bytes());
    needle.push(0);
    let me = std::process::id();
    let mut found = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let mut environ_z = vec![0u8];
        environ_z.extend_from_slice(&environ);
        environ_z.push(0);
        let mut pattern = vec![0u8];
        pattern.extend_from_slice(&needle);
        if !contains(&environ_z, &pattern) {
            continue;
        }
        let zombie = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .map(|(_, rest)| rest.trim_start().starts_with('Z'))
            })
            .unwrap_or(false);
        if !zombie {
            found.push(Pid::from_raw(pid as i32));
        }
    }
    found
}

/// Processes of the app itself (the app and its WebKit helpers) for the profile whose
/// data dir is `data_dir`: tauri-driver and WebKitWebDriver are not counted.
pub fn app_processes(data_dir: &Path) -> Vec<Pid> {
    processes_with_env("CLINIC_DATA_DIR", data_dir)
        .into_iter()
        .filter(|p| {
            let argv0 = argv0(*p);
            let name = argv0.rsplit('/').next().unwrap_or("");
            name != "tauri-driver" && name != "WebKitWebDriver"
        })
        .collect()
}

/// Waits up to `timeout` until the app of this profile has exited.
pub async fn wait_app_exit(data_dir: &Path, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if app_processes(data_dir).is_empty() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app_processes(data_dir).is_empty()
}

/// Waits until no process carries `key=value`; after `grace`, sends SIGTERM to the
/// leftovers, then SIGKILL. Returns the command lines of processes that had to be
/// signalled (empty when everything exited by itself).
pub fn reap_profile_processes(key: &str, value: &Path, grace: Duration) -> Vec<String> {
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if processes_with_env(key, value).is_empty() {
            return Vec::new();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let left = processes_with_env(key, value);
    let names: Vec<String> = left.iter().map(|p| cmdline(*p)).collect();
    for sig in [Signal::SIGTERM, Signal::SIGKILL] {
        for p in processes_with_env(key, value) {
            let _ = kill(p, sig);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && !processes_with_env(key, value).is_empty() {
            std::thread::sleep(Duration::from_millis(100));
        }
        if processes_with_env(key, value).is_empty() {
            break;
        }
    }
    names
}

/// The program a process was started as (its `argv[0]`), or "" when unreadable.
pub fn argv0(pid: Pid) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(b.split(|c| *c == 0).next().unwrap_or(&[])).into_owned())
        .unwrap_or_default()
}

fn cmdline(pid: Pid) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            String::from_utf8_lossy(&b)
                .split('\0')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .map(|s| format!("{pid}: {s}"))
        .unwrap_or_else(|_| format!("{pid}: ?"))
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

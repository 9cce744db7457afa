//! Shared by the clinic-sync integration tests: the real `clinic-server` binary
//! (located, or built when missing/stale), a scratch directory with its data,
//! certificates and log, and a running server killed on drop.
#![allow(dead_code)]
pub mod device;
pub mod proxy;

use clinic_protocol::ClinicId;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::Duration;

pub const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The `clinic-server` binary, located (and if needed built) once per test process.
pub fn server_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("CLINIC_SERVER_BIN") {
            return PathBuf::from(bin);
        }
        // <target>/<profile>/deps/transport-<hash>: the binary is <target>/<profile>/.
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("test executable is in <target>/<profile>/deps");
        let bin = profile_dir.join(format!("clinic-server{}", std::env::consts::EXE_SUFFIX));
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
        let sources = newest_mtime(&[
            workspace.join("crates/server"),
            workspace.join("crates/protocol/src"),
            workspace.join("Cargo.lock"),
        ]);
        if built.is_none_or(|b| sources.is_some_and(|s| s > b)) {
            build_server(&workspace, profile_dir);
        }
        assert!(
            bin.is_file(),
            "no clinic-server binary at {}",
            bin.display()
        );
        bin
    })
}

/// `cargo build -p clinic-server` into the target directory of this test.
pub fn build_server(workspace: &Path, profile_dir: &Path) {
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .expect("profile directory name");
    let mut build = Command::new(option_env!("CARGO").unwrap_or("cargo"));
    build
        .args([
            "build",
            "--quiet",
            "-p",
            "clinic-server",
            "--bin",
            "clinic-server",
        ])
        .arg("--target-dir")
        .arg(profile_dir.parent().expect("target directory"))
        .current_dir(workspace)
        .stdin(Stdio::null());
    match profile {
        "debug" => {}
        "release" => {
            build.arg("--release");
        }
        other => {
            build.args(["--profile", other]);
        }
    }
    let out = build.output().expect("run cargo build for clinic-server");
    assert!(
        out.status.success(),
        "building clinic-server failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The newest modification time of the files under `paths` (skipping `tests/`).
pub fn newest_mtime(paths: &[PathBuf]) -> Option<std::time::SystemTime> {
    let mut newest = None;
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if path.file_name().is_some_and(|n| n == "tests") {
                continue;
            }
            if let Ok(entries) = std::fs::read_dir(&path) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        } else if let Ok(modified) = meta.modified() {
            newest = newest.max(Some(modified));
        }
    }
    newest
}

/// A scratch directory: the server's data, certificates and log.
pub struct Scratch {
    pub tmp: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Self {
            tmp: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    pub fn log(&self) -> PathBuf {
        self.tmp.path().join("server.log")
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log()).unwrap_or_default()
    }

    /// `gen-cert` into `<scratch>/<name>`; empty `hosts`: the default ones.
    pub fn gen_cert(&self, name: &str, hosts: &[&str]) -> Certs {
        let dir = self.tmp.path().join(name);
        let mut cmd = Command::new(server_bin());
        cmd.arg("gen-cert").arg("--out-dir").arg(&dir);
        for h in hosts {
            cmd.args(["--host", h]);
        }
        let out = cmd.stdin(Stdio::null()).output().expect("run gen-cert");
        assert!(
            out.status.success(),
            "gen-cert failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Certs {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server-key.pem"),
        }
    }

    /// Runs a CLI command on the data directory; its stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(server_bin())
            .args(args)
            .arg("--data-dir")
            .arg(self.data())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .expect("run clinic-server");
        assert!(out.status.success(), "{args:?} failed");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn issue_code(&self, clinic: ClinicId) -> String {
        self.cli(&[
            "issue-code",
            "--clinic-id",
            &clinic.to_string(),
            "--clinic-name",
            "Test Clinic",
        ])
    }
}

pub struct Certs {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Certs {
    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(&self.ca).expect("ca.pem")
    }
}

/// A running `clinic-server serve`; killed and reaped on drop.
pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Server {
    /// Starts it (HTTPS with `tls`, plain HTTP without) and waits for `listening on`.
    pub fn start(scratch: &Scratch, tls: Option<&Certs>) -> Self {
        let log = std::fs::File::create(scratch.log()).expect("log file");
        Self::spawn(scratch, tls, "127.0.0.1:0", log)
    }

    /// kill -9 (no shutdown, nothing flushed beyond what is durable) and reaped.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills it with -9 if it still runs, then starts it again on the same data
    /// directory and address (the log is appended to).
    pub fn restart(&mut self, scratch: &Scratch, tls: Option<&Certs>) {
        self.kill9();
        let log = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(scratch.log())
            .expect("log file");
        let addr = self.addr.clone();
        *self = Self::spawn(scratch, tls, &addr, log);
    }

    fn spawn(scratch: &Scratch, tls: Option<&Certs>, listen: &str, log: std::fs::File) -> Self {
        let mut cmd = Command::new(server_bin());
        cmd.args(["serve", "--listen", listen, "--data-dir"])
            .arg(scratch.data());
        if let Some(certs) = tls {
            cmd.arg("--tls-cert")
                .arg(&certs.cert)
                .arg("--tls-key")
                .arg(&certs.key);
        }
        let mut child = cmd
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn clinic-server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            let _ = reader.read_to_end(&mut Vec::new());
        });
        let mut server = Self {
            child,
            addr: String::new(),
        };
        let line = rx
            .recv_timeout(START_TIMEOUT)
            .expect("server printed no 'listening on' line in time");
        server.addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        server
    }

    pub fn port(&self) -> u16 {
        self.addr.rsplit(':').next().unwrap().parse().unwrap()
    }

    pub fn socket_addr(&self) -> std::net::SocketAddr {
        self.addr.parse().expect("server address")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

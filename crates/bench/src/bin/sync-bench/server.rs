//! The `clinic-server` child process: found or built, started on 127.0.0.1, stopped on drop.
use super::*;

// ---------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------

/// The `clinic-server` binary: `explicit`, env `CLINIC_SERVER_BIN`, else next to this
/// binary — built with cargo (same profile and target directory) when missing or
/// older than its sources.
pub(crate) fn server_bin(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(bin) = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("CLINIC_SERVER_BIN").map(PathBuf::from))
    {
        ensure!(
            bin.is_file(),
            "no clinic-server binary at {}",
            bin.display()
        );
        return Ok(bin);
    }
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .context("this binary is in <target>/<profile>/")?;
    let bin = profile_dir.join(format!("clinic-server{}", std::env::consts::EXE_SUFFIX));
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    let sources = newest_mtime(&[
        workspace.join("crates/server"),
        workspace.join("crates/protocol/src"),
        workspace.join("Cargo.lock"),
    ]);
    if built.is_none_or(|b| sources.is_some_and(|s| s > b)) {
        let profile = profile_dir
            .file_name()
            .and_then(|n| n.to_str())
            .context("profile directory name")?;
        eprintln!("sync-bench: building clinic-server ({profile}) ...");
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
            .arg(profile_dir.parent().context("target directory")?)
            .current_dir(&workspace)
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
        let out = build
            .output()
            .context("run cargo build for clinic-server")?;
        ensure!(
            out.status.success(),
            "building clinic-server failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    ensure!(
        bin.is_file(),
        "no clinic-server binary at {}",
        bin.display()
    );
    Ok(bin)
}

/// The newest modification time of the files under `paths` (skipping `tests/`).
pub(crate) fn newest_mtime(paths: &[PathBuf]) -> Option<SystemTime> {
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

/// A running `clinic-server serve` with its data, certificates and log in a
/// scratch directory; killed and reaped on drop.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) bin: PathBuf,
    pub(crate) data: PathBuf,
    pub(crate) log: PathBuf,
    pub(crate) url: String,
    pub(crate) ca_pem: Option<String>,
    pub(crate) _dir: tempfile::TempDir,
}

impl Server {
    pub(crate) fn start(bin: PathBuf, tls: bool) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let data = dir.path().join("data");
        let log = dir.path().join("server.log");
        let mut cmd = Command::new(&bin);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data);
        let mut ca_pem = None;
        if tls {
            let certs = dir.path().join("tls");
            let out = Command::new(&bin)
                .arg("gen-cert")
                .arg("--out-dir")
                .arg(&certs)
                .stdin(Stdio::null())
                .output()
                .context("run clinic-server gen-cert")?;
            ensure!(
                out.status.success(),
                "gen-cert failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            ca_pem = Some(std::fs::read_to_string(certs.join("ca.pem"))?);
            cmd.arg("--tls-cert")
                .arg(certs.join("server.pem"))
                .arg("--tls-key")
                .arg(certs.join("server-key.pem"));
        }
        let mut child = cmd
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .context("spawn clinic-server")?;
        let stdout = child.stdout.take().context("server stdout")?;
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
            bin,
            data,
            log,
            url: String::new(),
            ca_pem,
            _dir: dir,
        };
        let line = rx
            .recv_timeout(START_TIMEOUT)
            .context("the server printed no 'listening on' line in time")?;
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected first line {line:?}"))?;
        let port = addr.rsplit(':').next().unwrap_or_default();
        let scheme = if tls { "https" } else { "http" };
        server.url = format!("{scheme}://127.0.0.1:{port}");
        Ok(server)
    }

    /// A one-time enrollment code for `clinic` (the administrator's CLI command).
    pub(crate) fn issue_code(&self, clinic: ClinicId) -> Result<String> {
        let out = Command::new(&self.bin)
            .args(["issue-code", "--clinic-id", &clinic.to_string()])
            .args(["--clinic-name", "Bench Clinic", "--data-dir"])
            .arg(&self.data)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .context("run clinic-server issue-code")?;
        ensure!(
            out.status.success(),
            "issue-code failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    pub(crate) fn transport(&self) -> Result<Transport> {
        let mut config = TransportConfig::new(self.url.clone());
        if let Some(pem) = &self.ca_pem {
            config = config.with_ca_pem(pem.as_bytes().to_vec());
        }
        Ok(Transport::new(config)?)
    }

    /// Enrolls a device that has no store (ops built directly): its token.
    pub(crate) async fn enroll_bare(
        &self,
        transport: &Transport,
        code: String,
        device: DeviceId,
    ) -> Result<String> {
        let answer = transport
            .enroll(&EnrollRequest {
                code,
                device_id: device,
                device_name: "Bench device".into(),
            })
            .await?;
        Ok(answer.device_token)
    }

    /// Enrolls a device with a store through the engine, as the app does.
    pub(crate) async fn enroll_device(
        &self,
        device: &Device,
        clinic: ClinicId,
        name: &str,
    ) -> Result<()> {
        let code = self.issue_code(clinic)?;
        engine::enroll(
            device,
            &ConnectSyncServer {
                server_url: self.url.clone(),
                enrollment_code: code,
                device_name: name.into(),
                ca_pem: self.ca_pem.clone(),
            },
        )
        .await?;
        Ok(())
    }

    pub(crate) fn db_mib(&self) -> f64 {
        mib(&self.data.join("server.sqlite3"))
    }

    pub(crate) fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

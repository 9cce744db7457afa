//! Finding the `clinic-server` binary, and building it when missing or stale.
use anyhow::{anyhow, ensure, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::SystemTime;

/// The `clinic-server` binary, found (and if needed built) once per process:
/// env `CLINIC_SERVER_BIN` as given, else `clinic-server` in the profile directory
/// of the running executable (test binaries live in `<target>/<profile>/deps/`,
/// other binaries in `<target>/<profile>/`), built there with cargo (same target
/// directory and profile) when it is missing or older than its sources.
pub fn server_bin() -> Result<PathBuf> {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BIN.get_or_init(|| locate().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(|e| anyhow!(e))
}

fn locate() -> Result<PathBuf> {
    if let Some(bin) = std::env::var_os("CLINIC_SERVER_BIN") {
        let bin = PathBuf::from(bin);
        ensure!(
            bin.is_file(),
            "CLINIC_SERVER_BIN={} does not exist",
            bin.display()
        );
        return Ok(bin);
    }
    let exe = std::env::current_exe().context("the running executable's path")?;
    let mut profile_dir = exe.parent().context("the executable has no directory")?;
    if profile_dir
        .file_name()
        .is_some_and(|n| n == "deps" || n == "examples")
    {
        profile_dir = profile_dir
            .parent()
            .context("deps/ has no parent directory")?;
    }
    let bin = profile_dir.join(format!("clinic-server{}", std::env::consts::EXE_SUFFIX));
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    let sources = newest_mtime(&[
        workspace.join("crates/server"),
        workspace.join("crates/protocol/src"),
        workspace.join("Cargo.lock"),
    ]);
    if built.is_none_or(|b| sources.is_some_and(|s| s > b)) {
        build(&workspace, profile_dir)?;
    }
    ensure!(
        bin.is_file(),
        "no clinic-server binary at {}",
        bin.display()
    );
    Ok(bin)
}

/// `cargo build -p clinic-server` into `<target>/<profile>` (`profile_dir`).
fn build(workspace: &Path, profile_dir: &Path) -> Result<()> {
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .context("profile directory name")?;
    eprintln!("clinic-server-harness: building clinic-server ({profile}) ...");
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
    let out = build
        .output()
        .context("run cargo build for clinic-server")?;
    ensure!(
        out.status.success(),
        "building clinic-server failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// The newest modification time of the files under `paths` (skipping `tests/`).
fn newest_mtime(paths: &[PathBuf]) -> Option<SystemTime> {
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

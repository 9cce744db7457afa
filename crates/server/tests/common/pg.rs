//! A throwaway PostgreSQL cluster for the black-box tests, one per test binary,
//! started on first use: `initdb` into a fresh temporary directory, then
//! `postgres` on a free port of 127.0.0.1 (its unix socket inside that directory,
//! trust authentication, `fsync=off`: the tests kill server processes, never
//! PostgreSQL itself). Each test gets its own database ([`Cluster::new_database`]).
//!
//! PostgreSQL refuses to run as root, so under root every PostgreSQL program runs
//! as the `postgres` system user (`runuser`), which owns the directory.
//!
//! Shutdown: `postgres` runs under a small `sh` wrapper whose stdin is a pipe from
//! this test process. When the process exits, however it exits, the pipe closes,
//! and the wrapper stops PostgreSQL (fast shutdown) and deletes the directory.
//!
//! Binaries: `$CLINIC_TEST_PG_BIN` if set, else the newest Debian/Ubuntu install
//! (`/usr/lib/postgresql/<major>/bin`), else `initdb` on `PATH`. Nothing found or
//! nothing started is a test failure with the reason, never a skip.
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const READY_TIMEOUT: Duration = Duration::from_secs(60);
const HOW_TO_INSTALL: &str =
    "install PostgreSQL (scripts/setup.sh does: apt-get install postgresql) or set CLINIC_TEST_PG_BIN \
     to the directory holding initdb and postgres";

/// A running cluster; lives until the test process exits.
pub struct Cluster {
    pub port: u16,
    /// The wrapper; its stdin is the "stop" pipe (closed when the process exits).
    _wrapper: Mutex<Child>,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// This test binary's cluster, started on first call. Panics with the reason
/// when PostgreSQL cannot be found or started.
pub fn cluster() -> &'static Cluster {
    match CLUSTER.get_or_init(start) {
        Ok(c) => c,
        Err(why) => panic!("the PostgreSQL tests need a PostgreSQL server: {why}"),
    }
}

impl Cluster {
    /// Creates an empty database and returns its connection URL.
    pub fn new_database(&self) -> String {
        let name = format!("t_{}", uuid::Uuid::now_v7().simple());
        let admin = self.url("postgres");
        // The sync client runs its own runtime: keep it off the test's tokio threads.
        let sql = format!("CREATE DATABASE \"{name}\"");
        off_runtime(move || {
            let mut client = postgres::Client::connect(&admin, postgres::NoTls)
                .map_err(|e| format!("connect: {e}"))?;
            client
                .batch_execute(&sql)
                .map_err(|e| format!("CREATE DATABASE: {e}"))
        })
        .unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
        self.url(&name)
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs one SQL query returning a single BIGINT (test assertions).
    pub fn query_i64(url: &str, sql: &str) -> i64 {
        let (url, sql) = (url.to_string(), sql.to_string());
        off_runtime(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls)
                .map_err(|e| format!("connect: {e}"))?;
            client
                .query_one(sql.as_str(), &[])
                .and_then(|row| row.try_get::<_, i64>(0))
                .map_err(|e| format!("{sql}: {e}"))
        })
        .unwrap_or_else(|e| panic!("query failed: {e}"))
    }
}

fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().expect("database thread panicked"))
}

fn start() -> Result<Cluster, String> {
    let bin = bin_dir()?;
    let root = is_root()?;
    let mut last = String::new();
    // A port taken between choosing and binding it: try another one.
    for _ in 0..3 {
        match start_once(&bin, root) {
            Ok(c) => return Ok(c),
            Err((why, retry)) if retry => last = why,
            Err((why, _)) => return Err(why),
        }
    }
    Err(last)
}

/// Err((why, worth another port)).
fn start_once(bin: &Path, root: bool) -> Result<Cluster, (String, bool)> {
    let fail = |why: String| (why, false);
    let dir = std::env::temp_dir().join(format!("clinic-pg-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir(&dir).map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
    if root {
        run(Command::new("chown").arg("postgres:").arg(&dir), "chown")
            .map_err(|e| fail(format!("{e} (is there a 'postgres' system user?)")))?;
    }
    let data = dir.join("data");
    let initdb = run(
        as_postgres(root, &bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"])
            .args(["--no-sync", "--no-instructions"]),
        "initdb",
    );
    if let Err(e) = initdb {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(fail(format!(
            "{e} (the temporary directory must be reachable by the postgres user)"
        )));
    }
    let port = free_port().map_err(fail)?;
    // The subshell reports when postgres ends by itself (a failed start); the
    // outer shell stops it when stdin closes, then deletes the directory.
    let script = r#"
        (
            "$1/postgres" -D "$2/data" -p "$3" -h 127.0.0.1 -k "$2" \
                -c fsync=off -c full_page_writes=off -c max_connections=200 \
                -c shared_buffers=32MB -c logging_collector=off &
            echo "$!" >"$2/wrapper.pid"
            wait "$!"
            echo "clinic-pg-wrapper: postgres exited with status $?"
        ) >"$2/postgres.log" 2>&1 &
        read -r _ignored || true
        while [ ! -s "$2/wrapper.pid" ]; do sleep 0.1; done
        kill -INT "$(cat "$2/wrapper.pid")" 2>/dev/null
        wait
        rm -rf "$2"
    "#;
    let mut wrapper = as_postgres(root, Path::new("sh"))
        .args(["-c", script, "pg-wrapper"])
        .arg(bin)
        .arg(&dir)
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| fail(format!("cannot start postgres: {e}")))?;
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        let probe = url.clone();
        let ready = off_runtime(move || {
            postgres::Client::connect(&probe, postgres::NoTls)
                .and_then(|mut c| c.simple_query("SELECT 1"))
                .is_ok()
        });
        if ready {
            return Ok(Cluster {
                port,
                _wrapper: Mutex::new(wrapper),
            });
        }
        let log = read_log(&dir.join("postgres.log"));
        let exited = log.contains("clinic-pg-wrapper: postgres exited")
            || !matches!(wrapper.try_wait(), Ok(None));
        let gave_up = Instant::now() > deadline;
        if exited || gave_up {
            // Closing stdin makes the wrapper stop postgres and delete the directory.
            drop(wrapper.stdin.take());
            let _ = wrapper.wait();
            let retry = log.contains("could not bind") || log.contains("already in use");
            let why = if gave_up {
                "PostgreSQL did not accept connections in time"
            } else {
                "PostgreSQL did not start"
            };
            return Err((format!("{why}; its log:\n{log}"), retry));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The directory holding `initdb` and `postgres`.
fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("CLINIC_TEST_PG_BIN") {
        let dir = PathBuf::from(dir);
        return if dir.join("initdb").is_file() && dir.join("postgres").is_file() {
            Ok(dir)
        } else {
            Err(format!(
                "CLINIC_TEST_PG_BIN={} holds no initdb and postgres",
                dir.display()
            ))
        };
    }
    // Debian/Ubuntu keep the server binaries off PATH, one directory per major version.
    let mut best: Option<(u32, PathBuf)> = None;
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        for entry in entries.flatten() {
            let Some(major) = entry.file_name().to_str().and_then(|v| v.parse().ok()) else {
                continue;
            };
            let bin = entry.path().join("bin");
            if bin.join("initdb").is_file()
                && bin.join("postgres").is_file()
                && best.as_ref().is_none_or(|(m, _)| major > *m)
            {
                best = Some((major, bin));
            }
        }
    }
    if let Some((_, bin)) = best {
        return Ok(bin);
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join("initdb"))
        .find(|p| p.is_file());
    if let Some(initdb) = on_path {
        let real = std::fs::canonicalize(&initdb).unwrap_or(initdb);
        if let Some(dir) = real.parent().filter(|d| d.join("postgres").is_file()) {
            return Ok(dir.to_path_buf());
        }
    }
    Err(format!("initdb/postgres not found: {HOW_TO_INSTALL}"))
}

fn is_root() -> Result<bool, String> {
    let out = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| format!("cannot run id -u: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// `program` as the `postgres` user when we are root, else as ourselves.
fn as_postgres(root: bool, program: &Path) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn read_log(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = f.read_to_string(&mut text);
    }
    text
}

//! `clinic-server`: the sync server binary and its administration commands.
//!
//! ```text
//! clinic-server serve         --data-dir D [--listen 127.0.0.1:8080]
//! clinic-server issue-code    --data-dir D --clinic-id <uuid> --clinic-name <name>
//! clinic-server revoke-device --data-dir D --device-id <uuid>
//! clinic-server quarantine    --data-dir D
//! ```
//! `serve` prints exactly one line to stdout, `listening on <addr>`, once the
//! socket is bound (scripts and tests wait for it); logs go to stderr. SIGTERM or
//! ctrl-c stops it after the requests in flight. Plain HTTP: TLS comes next.
#![forbid(unsafe_code)]

use anyhow::{bail, Context};
use clinic_protocol::{ClinicId, DeviceId};
use clinic_server::api::now_ms;
use clinic_server::secret;
use clinic_server::store::{reason_str, sqlite, NewEnrollmentCode, OpLogStore};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

const USAGE: &str = "usage:
  clinic-server serve         --data-dir DIR [--listen ADDR]   (default 127.0.0.1:8080)
  clinic-server issue-code    --data-dir DIR --clinic-id UUID --clinic-name NAME
  clinic-server revoke-device --data-dir DIR --device-id UUID
  clinic-server quarantine    --data-dir DIR";

/// `--flag value` / `--flag=value` pairs after the command word.
struct Flags(HashMap<String, String>);

impl Flags {
    fn parse(args: &[String], allowed: &[&str]) -> anyhow::Result<Self> {
        let mut map = HashMap::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let Some(flag) = arg.strip_prefix("--") else {
                bail!("unexpected argument {arg:?}");
            };
            let (name, value) = match flag.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => (
                    flag.to_string(),
                    it.next()
                        .with_context(|| format!("--{flag} needs a value"))?
                        .clone(),
                ),
            };
            if !allowed.contains(&name.as_str()) {
                bail!("unknown option --{name}");
            }
            if map.insert(name.clone(), value).is_some() {
                bail!("--{name} given twice");
            }
        }
        Ok(Self(map))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn required(&self, name: &str) -> anyhow::Result<&str> {
        self.get(name)
            .with_context(|| format!("--{name} is required"))
    }

    fn data_dir(&self) -> anyhow::Result<PathBuf> {
        Ok(PathBuf::from(self.required("data-dir")?))
    }
}

fn open_store(flags: &Flags) -> anyhow::Result<sqlite::SqliteOpLog> {
    let dir = flags.data_dir()?;
    sqlite::open(&dir)
        .with_context(|| format!("cannot open the server database in {}", dir.display()))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "serve" => serve(rest),
        "issue-code" => issue_code(rest),
        "revoke-device" => revoke_device(rest),
        "quarantine" => quarantine(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("unknown command {other:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &[String]) -> anyhow::Result<()> {
    let flags = Flags::parse(args, &["data-dir", "listen"])?;
    let listen = flags.get("listen").unwrap_or("127.0.0.1:8080").to_string();
    let store: Arc<dyn OpLogStore> = Arc::new(open_store(&flags)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        // Handlers first, so a signal right after the "listening" line is caught.
        let shutdown = shutdown_signal()?;
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {addr}")?;
        out.flush()?;
        drop(out);
        tracing::info!(%addr, "serving (plain HTTP)");
        clinic_server::serve(listener, store, shutdown).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Completes on SIGTERM or ctrl-c. The handlers are installed by this call.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
        let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
                _ = int.recv() => tracing::info!("interrupt: shutting down"),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("ctrl-c: shutting down");
        })
    }
}

fn issue_code(args: &[String]) -> anyhow::Result<()> {
    let flags = Flags::parse(args, &["data-dir", "clinic-id", "clinic-name"])?;
    let clinic_id: ClinicId = flags
        .required("clinic-id")?
        .parse()
        .context("--clinic-id must be a UUID")?;
    let clinic_name = flags.required("clinic-name")?.trim();
    if clinic_name.is_empty() {
        bail!("--clinic-name must not be empty");
    }
    let store = open_store(&flags)?;
    let (code, code_hash) = secret::new_enrollment_code().map_err(no_randomness)?;
    let mut epoch_bytes = [0u8; 4];
    getrandom::fill(&mut epoch_bytes).map_err(no_randomness)?;
    let now = now_ms();
    store.issue_enrollment_code(NewEnrollmentCode {
        clinic_id,
        clinic_name,
        new_clinic_epoch: u64::from(u32::from_le_bytes(epoch_bytes)),
        code_hash,
        now_ms: now,
        expires_ms: now + secret::CODE_LIFETIME_MS,
    })?;
    tracing::info!(%clinic_id, "enrollment code issued");
    println!("{code}");
    eprintln!("one-time enrollment code for clinic {clinic_id}; valid for 24 hours");
    Ok(())
}

fn no_randomness(e: getrandom::Error) -> anyhow::Error {
    anyhow::anyhow!("the system random source failed: {e}")
}

fn revoke_device(args: &[String]) -> anyhow::Result<()> {
    let flags = Flags::parse(args, &["data-dir", "device-id"])?;
    let device_id: DeviceId = flags
        .required("device-id")?
        .parse()
        .context("--device-id must be a UUID")?;
    let store = open_store(&flags)?;
    if !store.revoke_device(device_id, now_ms())? {
        bail!("no device {device_id} is enrolled");
    }
    tracing::info!(%device_id, "device revoked");
    println!("revoked device {device_id}");
    Ok(())
}

fn quarantine(args: &[String]) -> anyhow::Result<()> {
    let flags = Flags::parse(args, &["data-dir"])?;
    let store = open_store(&flags)?;
    let ops = store.quarantined()?;
    println!("quarantined ops: {}", ops.len());
    for q in ops {
        println!(
            "clinic={} device={} op={} device_counter={} schema_version={} reason={} received_ms={}",
            q.clinic_id,
            q.device_id,
            q.op_id,
            q.device_counter,
            q.schema_version,
            reason_str(q.reason),
            q.received_ms
        );
    }
    Ok(())
}

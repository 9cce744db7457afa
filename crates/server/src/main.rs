//! `clinic-server`: the sync server binary and its administration commands.
//!
//! ```text
//! clinic-server serve         --data-dir D [--listen 127.0.0.1:8080] [--tls-cert PEM --tls-key PEM]
//!                             [--gateway-webhooks FILE]
//! clinic-server issue-code    --data-dir D --clinic-id <uuid> --clinic-name <name>
//! clinic-server revoke-device --data-dir D --device-id <uuid>
//! clinic-server quarantine    --data-dir D
//! clinic-server gen-cert      --out-dir D [--host NAME]...
//! ```
//! `serve` prints exactly one line to stdout, `listening on <addr>`, once the
//! socket is bound (scripts and tests wait for it); logs go to stderr. SIGTERM or
//! ctrl-c stops it after the requests in flight. HTTPS (TLS 1.2/1.3) with
//! `--tls-cert`/`--tls-key`, plain HTTP without (loopback tests, TLS terminator).
//! `gen-cert` writes a demo CA and a server certificate signed by it (demo only).
//! Storage: `--data-dir D` (embedded SQLite) or `--database-url postgres://...`
//! (env `CLINIC_SERVER_DATABASE_URL`), PostgreSQL shared by several servers.
#![forbid(unsafe_code)]

use anyhow::{bail, Context};
use clinic_protocol::{ClinicId, DeviceId};
use clinic_server::api::now_ms;
use clinic_server::gateway::GatewayWebhooks;
use clinic_server::secret;
use clinic_server::store::{postgres, reason_str, sqlite, NewEnrollmentCode, OpLogStore};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

const USAGE: &str = "usage:
  clinic-server serve         --data-dir DIR [--listen ADDR]   (default 127.0.0.1:8080)
  clinic-server issue-code    --data-dir DIR --clinic-id UUID --clinic-name NAME
  clinic-server revoke-device --data-dir DIR --device-id UUID
  clinic-server quarantine    --data-dir DIR
  clinic-server gen-cert      --out-dir DIR [--host NAME]...   (default localhost, 127.0.0.1, ::1)
serve options: --tls-cert PEM --tls-key PEM   (HTTPS; without them plain HTTP)
               --gateway-webhooks FILE       (JSON list of {clinic_id, gateway, signing_secret}:
                                              POST /v1/gateway-webhooks/GATEWAY/CLINIC_ID)
storage: --data-dir DIR (embedded SQLite) or, instead, --database-url postgres://USER@HOST:PORT/DB
  (PostgreSQL; or the environment variable CLINIC_SERVER_DATABASE_URL when neither is given)";

/// Selects PostgreSQL when neither `--data-dir` nor `--database-url` is given.
const DATABASE_URL_ENV: &str = "CLINIC_SERVER_DATABASE_URL";

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

/// `--database-url` (else `CLINIC_SERVER_DATABASE_URL` when no `--data-dir` is
/// given) selects PostgreSQL; `--data-dir` the embedded SQLite file.
fn open_store(flags: &Flags) -> anyhow::Result<Arc<dyn OpLogStore>> {
    let url = match (flags.get("database-url"), flags.get("data-dir")) {
        (Some(_), Some(_)) => bail!("give either --data-dir or --database-url, not both"),
        (Some(url), None) => Some(url.to_string()),
        (None, Some(_)) => None,
        (None, None) => std::env::var(DATABASE_URL_ENV)
            .ok()
            .filter(|u| !u.is_empty()),
    };
    if let Some(url) = url {
        // The URL may hold a password: never echo it.
        let store = postgres::open(&url).context("cannot open the PostgreSQL database")?;
        return Ok(Arc::new(store));
    }
    let dir = flags.data_dir().map_err(|_| {
        anyhow::anyhow!("--data-dir DIR (SQLite) or --database-url URL (PostgreSQL) is required")
    })?;
    let store = sqlite::open(&dir)
        .with_context(|| format!("cannot open the server database in {}", dir.display()))?;
    Ok(Arc::new(store))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
                // The PostgreSQL client logs SQL parameters (op payloads, token
                // hashes) at debug: never let RUST_LOG=debug reach them.
                .add_directive("tokio_postgres=info".parse().expect("a valid directive")),
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
        "gen-cert" => gen_cert(rest),
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
    let flags = Flags::parse(
        args,
        &[
            "data-dir",
            "database-url",
            "listen",
            "tls-cert",
            "tls-key",
            "gateway-webhooks",
        ],
    )?;
    let tls = tls_config(&flags)?;
    let webhooks = Arc::new(match flags.get("gateway-webhooks") {
        Some(path) => GatewayWebhooks::load(path.as_ref()).map_err(|e| anyhow::anyhow!(e))?,
        None => GatewayWebhooks::none(),
    });
    if !webhooks.is_empty() {
        tracing::info!(
            secrets = webhooks.len(),
            "payment gateway webhooks configured"
        );
    }
    let listen = flags.get("listen").unwrap_or("127.0.0.1:8080").to_string();
    let store = open_store(&flags)?;
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
        if let Some(tls) = tls {
            tracing::info!(%addr, "serving HTTPS (TLS 1.2/1.3)");
            clinic_server::tls::serve_tls(listener, store, webhooks, tls, shutdown).await?;
        } else {
            if !addr.ip().is_loopback() {
                tracing::warn!("plain HTTP on a non-loopback address: use --tls-cert/--tls-key");
            }
            tracing::info!(%addr, "serving (plain HTTP)");
            clinic_server::serve(listener, store, webhooks, shutdown).await?;
        }
        tracing::info!("stopped");
        Ok(())
    })
}

/// `--tls-cert` with `--tls-key`: the TLS configuration; neither: plain HTTP.
fn tls_config(flags: &Flags) -> anyhow::Result<Option<Arc<rustls::ServerConfig>>> {
    match (flags.get("tls-cert"), flags.get("tls-key")) {
        (Some(cert), Some(key)) => Ok(Some(clinic_server::tls::server_config(
            cert.as_ref(),
            key.as_ref(),
        )?)),
        (None, None) => Ok(None),
        _ => bail!("--tls-cert and --tls-key go together"),
    }
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
    let flags = Flags::parse(
        args,
        &["data-dir", "database-url", "clinic-id", "clinic-name"],
    )?;
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
    let flags = Flags::parse(args, &["data-dir", "database-url", "device-id"])?;
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
    let flags = Flags::parse(args, &["data-dir", "database-url"])?;
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

/// `gen-cert`: a demo CA and a server certificate signed by it. `--host` may be
/// repeated, so this command reads its own options.
fn gen_cert(args: &[String]) -> anyhow::Result<()> {
    let mut out_dir: Option<PathBuf> = None;
    let mut hosts = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        if !matches!(name, "--out-dir" | "--host") {
            bail!("unexpected argument {arg:?}");
        }
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .with_context(|| format!("{name} needs a value"))?,
        };
        if name == "--host" {
            hosts.push(value);
        } else if out_dir.replace(PathBuf::from(value)).is_some() {
            bail!("--out-dir given twice");
        }
    }
    let out_dir = out_dir.context("--out-dir is required")?;
    let files = clinic_server::tls::write_demo_certs(&out_dir, &hosts)?;
    println!(
        "CA certificate (the devices' clinic CA): {}",
        files.ca.display()
    );
    println!("server certificate (--tls-cert): {}", files.cert.display());
    println!("server key (--tls-key): {}", files.key.display());
    eprintln!("demo certificates: never use them for real patient data");
    Ok(())
}

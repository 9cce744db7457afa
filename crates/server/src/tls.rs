//! HTTPS for the sync server (DESIGN.md §6: TLS for sync, rustls, TLS ≥ 1.2).
//!
//! - [`server_config`] loads a PEM certificate chain and private key into a rustls
//!   [`ServerConfig`] with the `ring` provider, TLS 1.3 and 1.2 only (rustls has no
//!   older version at all), ALPN `http/1.1`.
//! - [`serve_tls`] is [`crate::serve`] over TLS: it accepts TCP connections, runs
//!   the handshake (bounded by [`HANDSHAKE_TIMEOUT`]) and serves the same router over
//!   HTTP/1.1 with hyper; on shutdown it stops accepting and lets the requests in
//!   flight finish (bounded by [`SHUTDOWN_GRACE`]).
//! - [`write_demo_certs`] makes a demo CA and a server certificate signed by it
//!   (`clinic-server gen-cert`): for the demo and tests only — a real clinic uses
//!   certificates from its own CA or a public one.
//!
//! Failed handshakes are logged with the peer's IP and rustls's reason (no
//! certificate or request content).
use crate::api;
use crate::store::OpLogStore;
use anyhow::{bail, Context};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The protocol versions the server speaks, newest first.
pub const TLS_VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];
/// Longest a client may take to complete the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest the server waits, once told to stop, for open connections to finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// Names a demo server certificate is valid for when `gen-cert` gets no `--host`.
pub const DEFAULT_DEMO_HOSTS: &[&str] = &["localhost", "127.0.0.1", "::1"];

/// Loads the certificate chain (leaf first) and private key (PKCS#8, PKCS#1 or
/// SEC1 PEM) into a TLS 1.2/1.3 server configuration.
pub fn server_config(cert_pem: &Path, key_pem: &Path) -> anyhow::Result<Arc<ServerConfig>> {
    let certs = CertificateDer::pem_file_iter(cert_pem)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read certificates from {}", cert_pem.display()))?;
    if certs.is_empty() {
        bail!(
            "{} holds no PEM certificate (BEGIN CERTIFICATE)",
            cert_pem.display()
        );
    }
    let key = PrivateKeyDer::from_pem_file(key_pem)
        .with_context(|| format!("cannot read a private key from {}", key_pem.display()))?;
    warn_if_key_is_shared(key_pem);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(TLS_VERSIONS)
        .context("the TLS provider lacks TLS 1.2/1.3")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the TLS key does not match the certificate, or its type is not supported")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn warn_if_key_is_shared(key_pem: &Path) {
    warn_if_shared(key_pem, "the TLS private key file");
}

/// Logs a warning when a file holding secrets is readable by other users.
#[cfg(unix)]
pub fn warn_if_shared(path: &Path, what: &str) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!("{what} is readable by other users (chmod 600 it)");
        }
    }
}

#[cfg(not(unix))]
pub fn warn_if_shared(_path: &Path, _what: &str) {}

/// Serves the API over TLS on `listener` until `shutdown` completes, then lets
/// the connections in flight finish (at most [`SHUTDOWN_GRACE`]) and returns.
pub async fn serve_tls(
    listener: TcpListener,
    store: Arc<dyn OpLogStore>,
    webhooks: Arc<crate::gateway::GatewayWebhooks>,
    tls: Arc<ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let acceptor = TlsAcceptor::from(tls);
    let service = TowerToHyperService::new(api::router(store, webhooks));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait, as axum::serve does.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let (acceptor, service) = (acceptor.clone(), service.clone());
        // Taken before the handshake, so shutdown also waits for handshakes in flight.
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => {
                    tracing::info!(peer = %peer.ip(), error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::info!(peer = %peer.ip(), "TLS handshake timed out");
                    return;
                }
            };
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = watcher.watch(connection).await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period: closing them");
    }
    Ok(())
}

/// Where [`write_demo_certs`] put its files.
#[derive(Debug, Clone)]
pub struct DemoCerts {
    /// The demo CA's certificate: give it to the devices as the clinic's CA.
    pub ca: PathBuf,
    /// The server's certificate (`serve --tls-cert`).
    pub cert: PathBuf,
    /// The server's private key (`serve --tls-key`), mode 0600 on Unix.
    pub key: PathBuf,
}

/// Writes a demo CA (`ca.pem`) and a server certificate (`server.pem`) and key
/// (`server-key.pem`) signed by it, valid for `hosts` (DNS names or IP
/// addresses; [`DEFAULT_DEMO_HOSTS`] when empty). The CA's own key is never
/// written, so nothing else can be signed with it. Refuses to overwrite files.
pub fn write_demo_certs(out_dir: &Path, hosts: &[String]) -> anyhow::Result<DemoCerts> {
    let hosts: Vec<String> = if hosts.is_empty() {
        DEFAULT_DEMO_HOSTS.iter().map(|h| h.to_string()).collect()
    } else {
        hosts.to_vec()
    };
    let now = time::OffsetDateTime::now_utc();
    let yesterday = now - time::Duration::days(1);

    let ca_key = KeyPair::generate().context("cannot generate the CA key")?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    // A name of its own, so that a certificate from another demo CA is "unknown
    // issuer" rather than "bad signature".
    let ca_id = hex::encode(&Sha256::digest(ca_key.public_key_raw())[..4]);
    ca_params.distinguished_name.push(
        DnType::CommonName,
        format!("Clinic sync demo CA {ca_id} (not for real data)"),
    );
    ca_params
        .distinguished_name
        .push(DnType::OrganizationName, "Clinic demo");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca_params.not_before = yesterday;
    ca_params.not_after = now + time::Duration::days(3650);
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .context("cannot sign the CA certificate")?;
    let issuer = Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate().context("cannot generate the server key")?;
    let mut params = CertificateParams::new(hosts.clone())
        .with_context(|| format!("not a valid host name or IP address among {hosts:?}"))?;
    params
        .distinguished_name
        .push(DnType::CommonName, hosts[0].clone());
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = yesterday;
    params.not_after = now + time::Duration::days(730);
    let cert = params
        .signed_by(&key, &issuer)
        .context("cannot sign the server certificate")?;

    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let files = DemoCerts {
        ca: out_dir.join("ca.pem"),
        cert: out_dir.join("server.pem"),
        key: out_dir.join("server-key.pem"),
    };
    for path in [&files.ca, &files.cert, &files.key] {
        if path.exists() {
            bail!(
                "{} already exists: delete the old demo certificates or choose another --out-dir",
                path.display()
            );
        }
    }
    write_new(&files.key, key.serialize_pem().as_bytes(), true)?;
    write_new(&files.cert, cert.pem().as_bytes(), false)?;
    write_new(&files.ca, ca_cert.pem().as_bytes(), false)?;
    Ok(files)
}

/// Creates `path` (never overwriting) with `bytes`; `private`: mode 0600 on Unix.
fn write_new(path: &Path, bytes: &[u8], private: bool) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_certs_load_into_a_server_config_and_are_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let files = write_demo_certs(dir.path(), &[]).unwrap();
        let config = server_config(&files.cert, &files.key).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&files.key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = write_demo_certs(dir.path(), &[]).unwrap_err();
        assert!(format!("{again:#}").contains("already exists"), "{again:#}");
    }

    #[test]
    fn only_tls_1_2_and_1_3() {
        let versions: Vec<_> = TLS_VERSIONS.iter().map(|v| v.version).collect();
        assert_eq!(
            versions,
            [
                rustls::ProtocolVersion::TLSv1_3,
                rustls::ProtocolVersion::TLSv1_2
            ]
        );
    }

    #[test]
    fn a_key_that_does_not_match_is_refused() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let fa = write_demo_certs(a.path(), &[]).unwrap();
        let fb = write_demo_certs(b.path(), &["other.example".into()]).unwrap();
        let e = server_config(&fa.cert, &fb.key).unwrap_err();
        assert!(format!("{e:#}").contains("does not match"), "{e:#}");
        let e = server_config(&fa.key, &fa.key).unwrap_err();
        assert!(format!("{e:#}").contains("no PEM certificate"), "{e:#}");
    }
}

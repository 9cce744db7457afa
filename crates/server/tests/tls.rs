//! `serve --tls-cert --tls-key` against the real binary with certificates from its
//! own `gen-cert`: HTTPS with the demo CA works (and only TLS 1.2/1.3 is spoken),
//! plain HTTP to the TLS port gets no answer, a clean SIGTERM with an idle
//! connection open, and the flags' misuse. The server process comes from
//! crates/server-harness; no `common` (its own HTTPS client).
use bytes::Bytes;
use clinic_server_harness::{Certs, Options, Scratch, Server};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_clinic-server");
const TIMEOUT: Duration = Duration::from_secs(20);

/// A scratch directory with `gen-cert` certificates in `certs/`.
fn scratch_with_certs() -> (Scratch, Certs) {
    let scratch = Scratch::with_bin(BIN, "clinic-server-tls-").unwrap();
    let certs = scratch.gen_cert("certs", &[]).unwrap();
    (scratch, certs)
}

/// `serve` over TLS on the scratch's data directory (`RUST_LOG=info`); killed on drop.
fn start_tls(scratch: &Scratch, certs: &Certs) -> Server {
    Server::start(scratch, Options::tls(certs).rust_log("info")).expect("no 'listening on' line")
}

/// A TLS connection to `addr` trusting only `ca`.
async fn tls_connect(
    addr: &str,
    ca: &Path,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await?;
    connector
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await
}

/// `GET path` over HTTPS: status and body.
async fn https_get(addr: &str, ca: &Path, path: &str) -> (u16, String) {
    let tls = tls_connect(addr, ca).await.expect("TLS handshake");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .expect("HTTP handshake");
    tokio::spawn(conn);
    let request = http::Request::get(path)
        .header("host", addr)
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = sender.send_request(request).await.expect("response");
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_the_demo_ca_works_and_plain_http_to_the_tls_port_does_not() {
    let (scratch, certs) = scratch_with_certs();
    let server = start_tls(&scratch, &certs);

    let (status, body) =
        tokio::time::timeout(TIMEOUT, https_get(server.addr(), &certs.ca, "/v1/health"))
            .await
            .expect("in time");
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    let (status, body) = https_get(server.addr(), &certs.ca, "/v1/pull").await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("unauthorized"), "{body}");

    // Plain HTTP to the TLS port: no HTTP answer, at most a TLS alert, then closed.
    let mut tcp = TcpStream::connect(server.addr()).await.unwrap();
    tcp.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(TIMEOUT, tcp.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection");
    assert!(!answer.starts_with(b"HTTP/"), "{answer:?}");
    if let Some(first) = answer.first() {
        assert_eq!(*first, 0x15, "a TLS alert record: {answer:?}");
    }

    // The server is still fine, and the failed handshake was logged.
    let (status, _) = https_get(server.addr(), &certs.ca, "/v1/health").await;
    assert_eq!(status, 200);
    let text = scratch.log_text();
    assert!(text.contains("serving HTTPS"), "{text}");
    assert!(text.contains("TLS handshake failed"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_tls_server_with_an_idle_connection_open() {
    let (scratch, certs) = scratch_with_certs();
    let mut server = start_tls(&scratch, &certs);
    // An open TLS connection that never sends a request.
    let _idle = tls_connect(server.addr(), &certs.ca).await.unwrap();
    let status = server.terminate().expect("the server did not stop");
    assert!(status.success(), "{status:?}");
}

#[test]
fn tls_flags_go_together_and_bad_files_are_refused() {
    let (scratch, certs) = scratch_with_certs();
    let run = |extra: &[&Path]| {
        let out = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(scratch.data())
            .args(extra)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(out.stdout.is_empty(), "it must not start listening");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = run(&[Path::new("--tls-cert"), &certs.cert]);
    assert!(
        err.contains("--tls-cert and --tls-key go together"),
        "{err}"
    );
    let err = run(&[
        Path::new("--tls-cert"),
        &certs.key,
        Path::new("--tls-key"),
        &certs.key,
    ]);
    assert!(err.contains("no PEM certificate"), "{err}");
    // gen-cert never overwrites.
    let err = format!("{:#}", scratch.gen_cert("certs", &[]).unwrap_err());
    assert!(err.contains("already exists"), "{err}");
}

//! `serve --tls-cert --tls-key` against the real binary with certificates from its
//! own `gen-cert`: HTTPS with the demo CA works (and only TLS 1.2/1.3 is spoken),
//! plain HTTP to the TLS port gets no answer, a clean SIGTERM with an idle
//! connection open, and the flags' misuse. Self-contained (no `common`): it
//! needs its own server options and client.
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_clinic-server");
const TIMEOUT: Duration = Duration::from_secs(20);

struct Certs {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn gen_cert(dir: &Path) -> Certs {
    let out = Command::new(BIN)
        .arg("gen-cert")
        .arg("--out-dir")
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run gen-cert");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Certs {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server-key.pem"),
    }
}

/// `serve` with extra arguments; killed on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(data: &Path, log: &Path, extra: &[&Path]) -> Self {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .args(extra);
        let mut child = cmd
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).expect("log"))
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
        let line = rx.recv_timeout(TIMEOUT).expect("no 'listening on' line");
        server.addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    let tmp = tempfile::tempdir().unwrap();
    let certs = gen_cert(&tmp.path().join("certs"));
    let log = tmp.path().join("server.log");
    let server = Server::start(
        &tmp.path().join("data"),
        &log,
        &[
            Path::new("--tls-cert"),
            &certs.cert,
            Path::new("--tls-key"),
            &certs.key,
        ],
    );

    let (status, body) =
        tokio::time::timeout(TIMEOUT, https_get(&server.addr, &certs.ca, "/v1/health"))
            .await
            .expect("in time");
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    let (status, body) = https_get(&server.addr, &certs.ca, "/v1/pull").await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("unauthorized"), "{body}");

    // Plain HTTP to the TLS port: no HTTP answer, at most a TLS alert, then closed.
    let mut tcp = TcpStream::connect(&server.addr).await.unwrap();
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
    let (status, _) = https_get(&server.addr, &certs.ca, "/v1/health").await;
    assert_eq!(status, 200);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("serving HTTPS"), "{text}");
    assert!(text.contains("TLS handshake failed"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_tls_server_with_an_idle_connection_open() {
    let tmp = tempfile::tempdir().unwrap();
    let certs = gen_cert(&tmp.path().join("certs"));
    let mut server = Server::start(
        &tmp.path().join("data"),
        &tmp.path().join("server.log"),
        &[
            Path::new("--tls-cert"),
            &certs.cert,
            Path::new("--tls-key"),
            &certs.key,
        ],
    );
    // An open TLS connection that never sends a request.
    let _idle = tls_connect(&server.addr, &certs.ca).await.unwrap();
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn tls_flags_go_together_and_bad_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let certs = gen_cert(&tmp.path().join("certs"));
    let run = |extra: &[&Path]| {
        let out = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(tmp.path().join("data"))
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
    let out = Command::new(BIN)
        .arg("gen-cert")
        .arg("--out-dir")
        .arg(tmp.path().join("certs"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

//! The HTTPS transport against the real `clinic-server` binary on 127.0.0.1 (demo
//! CA and certificates from its `gen-cert`), and against small raw servers for
//! what the real one cannot show: the negotiated TLS version, the gzip body on
//! the wire, a server that never answers.
//!
//! TLS below 1.2 cannot be tested against: rustls (the only TLS stack here, on
//! both sides) implements neither TLS 1.0 nor 1.1, so no such server can be set
//! up. The client offers exactly `TLS_VERSIONS` (1.3, 1.2; a unit test pins it),
//! and the tests below show that a server forced to TLS 1.2, or to 1.3, works.
//!
//! The server binary: `CLINIC_SERVER_BIN` if set; otherwise the one in this test
//! executable's target directory (`cargo test --workspace`, or `-p clinic-server -p
//! clinic-sync`, builds it first), built with `cargo build -p clinic-server` when
//! missing or older than the server's or protocol's sources.
use clinic_protocol::{
    ApiErrorCode, ClinicId, DeviceId, EnrollRequest, EntityKind, Hlc, Op, OpId, OpKind,
    PushOutcome, PushRequest, SCHEMA_VERSION,
};
use clinic_sync::transport::{Transport, TransportConfig, TransportError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;
use common::{Certs, Options, Scratch, Server, CLINIC_NAME};

fn transport(base: String, ca: Option<&Certs>) -> Result<Transport, TransportError> {
    let mut config = TransportConfig::new(base).with_timeout(Duration::from_secs(20));
    if let Some(certs) = ca {
        config = config.with_ca_pem(certs.ca_pem().unwrap().into_bytes());
    }
    Transport::new(config)
}

fn ops(device: DeviceId, counters: std::ops::RangeInclusive<u64>) -> Vec<Op> {
    counters
        .map(|counter| Op {
            op_id: OpId::new(),
            device_counter: counter,
            hlc: Hlc {
                millis: 1_700_000_000_000 + counter,
                counter: 0,
                device,
            },
            kind: OpKind::SetFields,
            entity: EntityKind::Patient,
            entity_id: OpId::new().to_string(),
            payload: serde_json::json!({"fields": {"phone": format!("555-{counter:04}")}}),
            schema_version: SCHEMA_VERSION,
        })
        .collect()
}

fn seqs(outcomes: &clinic_protocol::PushResponse) -> Vec<(bool, u64)> {
    outcomes
        .results
        .iter()
        .map(|r| match r.outcome {
            PushOutcome::Accepted { seq } => (true, seq),
            PushOutcome::Duplicate { seq } => (false, seq),
            PushOutcome::Quarantined { .. } => panic!("quarantined: {r:?}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enroll_push_and_pull_over_https_with_the_clinic_ca() {
    let scratch = Scratch::new().unwrap();
    let certs = scratch.gen_cert("certs", &[]).unwrap();
    let clinic = ClinicId::new();
    let code = scratch.issue_code(clinic, CLINIC_NAME).unwrap();
    let server = Server::start(&scratch, Options::tls(&certs)).unwrap();
    // The default certificate names both localhost and 127.0.0.1.
    for host in ["127.0.0.1", "localhost"] {
        let t = transport(format!("https://{host}:{}", server.port()), Some(&certs)).unwrap();
        assert_eq!(t.health().await.unwrap().status, "ok");
    }
    let t = transport(format!("https://{}/", server.addr()), Some(&certs)).unwrap();

    let device_id = DeviceId::new();
    let enrolled = t
        .enroll(&EnrollRequest {
            code: code.clone(),
            device_id,
            device_name: "Front desk".into(),
        })
        .await
        .unwrap();
    assert_eq!(enrolled.clinic_id, clinic);
    let token = enrolled.device_token;

    let batch = ops(device_id, 1..=3);
    let push = PushRequest {
        device_id,
        ops: batch.clone(),
    };
    let first = t.push(&token, &push).await.unwrap();
    assert_eq!(seqs(&first), [(true, 1), (true, 2), (true, 3)]);
    assert!(!first.upgrade_required);
    let replay = t.push(&token, &push).await.unwrap();
    assert_eq!(seqs(&replay), [(false, 1), (false, 2), (false, 3)]);

    let page1 = t.pull(&token, None, 2).await.unwrap();
    assert!(page1.more);
    assert_eq!(page1.ops.iter().map(|o| o.seq).collect::<Vec<_>>(), [1, 2]);
    let page2 = t.pull(&token, Some(&page1.next_cursor), 2).await.unwrap();
    assert!(!page2.more);
    assert_eq!(page2.ops.len(), 1);
    assert_eq!(page2.ops[0].op, batch[2]);

    // The code was used: a second enrollment is refused, not retryable.
    let again = t
        .enroll(&EnrollRequest {
            code,
            device_id: DeviceId::new(),
            device_name: "Desk 2".into(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            again,
            TransportError::Api {
                status: 401,
                code: ApiErrorCode::Unauthorized,
                ..
            }
        ),
        "{again:?}"
    );

    // Revoked: the device is told to wipe.
    scratch
        .cli(&["revoke-device", "--device-id", &device_id.to_string()])
        .unwrap();
    let revoked = t.pull(&token, None, 10).await.unwrap_err();
    assert!(
        revoked.is_revoked() && !revoked.is_retryable(),
        "{revoked:?}"
    );

    let log = scratch.log_text();
    assert!(log.contains("serving HTTPS"), "{log}");
    assert!(log.contains("push applied"), "{log}");
    assert!(!log.contains(&token), "the token reached the server log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_token_is_unauthorized() {
    let scratch = Scratch::new().unwrap();
    let certs = scratch.gen_cert("certs", &[]).unwrap();
    let server = Server::start(&scratch, Options::tls(&certs)).unwrap();
    let t = transport(format!("https://{}", server.addr()), Some(&certs)).unwrap();
    let token = "x".repeat(43);
    let e = t.pull(&token, None, 10).await.unwrap_err();
    assert!(
        matches!(
            &e,
            TransportError::Api {
                status: 401,
                code: ApiErrorCode::Unauthorized,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.is_revoked() && !e.is_retryable());
    let push = PushRequest {
        device_id: DeviceId::new(),
        ops: Vec::new(),
    };
    let e = t.push(&token, &push).await.unwrap_err();
    assert!(
        matches!(e, TransportError::Api { status: 401, .. }),
        "{e:?}"
    );
    assert!(
        !e.to_string().contains(&token),
        "the token is in the error: {e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transport_without_the_clinic_ca_is_refused() {
    let scratch = Scratch::new().unwrap();
    let certs = scratch.gen_cert("certs", &[]).unwrap();
    let server = Server::start(&scratch, Options::tls(&certs)).unwrap();
    // A system without any CA bundle fails already when building the client.
    let err = match transport(format!("https://{}", server.addr()), None) {
        Ok(t) => t.health().await.unwrap_err(),
        Err(e) => e,
    };
    match &err {
        TransportError::Tls(text) => assert!(
            text.contains("UnknownIssuer") || text.contains("CA certificates"),
            "{text}"
        ),
        other => panic!("expected a TLS error, got {other:?}"),
    }
    assert!(!err.is_retryable());
    // Another CA than the one that signed the server's certificate: refused too.
    let other = scratch.gen_cert("other", &[]).unwrap();
    let t = transport(format!("https://{}", server.addr()), Some(&other)).unwrap();
    let err = t.health().await.unwrap_err();
    assert!(
        matches!(&err, TransportError::Tls(t) if t.contains("UnknownIssuer")),
        "{err:?}"
    );
    assert!(scratch.log_text().contains("TLS handshake failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_host_is_refused() {
    let scratch = Scratch::new().unwrap();
    let certs = scratch.gen_cert("certs", &["other.example"]).unwrap();
    let server = Server::start(&scratch, Options::tls(&certs)).unwrap();
    let t = transport(format!("https://{}", server.addr()), Some(&certs)).unwrap();
    let err = t.health().await.unwrap_err();
    assert!(
        matches!(&err, TransportError::Tls(t) if t.contains("not valid for name")),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_to_a_plain_http_server_is_a_tls_error_and_loopback_http_works() {
    let scratch = Scratch::new().unwrap();
    let server = Server::start(&scratch, Options::plain()).unwrap();
    let plain = transport(format!("http://{}", server.addr()), None).unwrap();
    assert_eq!(plain.health().await.unwrap().status, "ok");
    let t = transport(format!("http://localhost:{}", server.port()), None).unwrap();
    assert_eq!(t.health().await.unwrap().status, "ok");
    let tls = transport(format!("https://{}", server.addr()), None);
    if let Ok(tls) = tls {
        let err = tls.health().await.unwrap_err();
        assert!(matches!(err, TransportError::Tls(_)), "{err:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_a_non_loopback_host_is_a_config_error() {
    for base in [
        "http://sync.example.org",
        "http://192.168.1.20:8080",
        "http://10.0.0.1",
    ] {
        let err = Transport::new(TransportConfig::new(base)).unwrap_err();
        assert!(
            matches!(&err, TransportError::Config(t) if t.contains("https://")),
            "{base}: {err:?}"
        );
        assert!(!err.is_retryable());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused_and_timeouts_are_offline() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = transport(format!("https://127.0.0.1:{port}"), None);
    let t = t.unwrap_or_else(|_| transport(format!("http://127.0.0.1:{port}"), None).unwrap());
    let err = t.health().await.unwrap_err();
    assert!(matches!(err, TransportError::Offline(_)), "{err:?}");
    assert!(err.is_retryable());

    // A server that accepts and never answers: the request times out.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let t = Transport::new(
        TransportConfig::new(format!("http://{addr}")).with_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let err = t.health().await.unwrap_err();
    assert!(
        matches!(&err, TransportError::Offline(t) if t.contains("timed out")),
        "{err:?}"
    );
    hold.abort();
}

/// What the raw TLS server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    version: rustls::ProtocolVersion,
    head: String,
    body: Vec<u8>,
}

/// A bare tokio-rustls server restricted to `versions`, answering every request
/// with `answer` (JSON) and recording what it saw.
async fn raw_tls_server(
    certs: &Certs,
    versions: &[&'static rustls::SupportedProtocolVersion],
    answer: &'static str,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let chain = CertificateDer::pem_file_iter(&certs.cert)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&certs.key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                continue;
            };
            let version = tls.get_ref().1.protocol_version().unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let head_end = loop {
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i + 4;
                }
                match tls.read(&mut chunk).await {
                    Ok(0) | Err(_) => break 0,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            };
            if head_end == 0 {
                continue;
            }
            let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .map_or(0, |v| v.trim().parse().unwrap());
            while buf.len() < head_end + length {
                match tls.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            record.lock().unwrap().push(Seen {
                version,
                head,
                body: buf[head_end..].to_vec(),
            });
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
            let _ = tls.write_all(response.as_bytes()).await;
            let _ = tls.shutdown().await;
        }
    });
    (addr, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_forced_to_tls_1_2_or_1_3_is_accepted() {
    let scratch = Scratch::new().unwrap();
    let certs = scratch.gen_cert("certs", &[]).unwrap();
    for (version, expected) in [
        (&rustls::version::TLS12, rustls::ProtocolVersion::TLSv1_2),
        (&rustls::version::TLS13, rustls::ProtocolVersion::TLSv1_3),
    ] {
        let (addr, seen) = raw_tls_server(&certs, &[version], r#"{"status":"ok"}"#).await;
        let t = transport(format!("https://{addr}"), Some(&certs)).unwrap();
        assert_eq!(t.health().await.unwrap().status, "ok");
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].version, expected);
        assert!(seen[0].head.starts_with("get /v1/health http/1.1\r\n"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_is_gzipped_on_the_wire_and_carries_the_token() {
    let scratch = Scratch::new().unwrap();
    let certs = scratch.gen_cert("certs", &[]).unwrap();
    let (addr, seen) = raw_tls_server(
        &certs,
        rustls::DEFAULT_VERSIONS,
        r#"{"results":[],"upgrade_required":false}"#,
    )
    .await;
    let t = transport(format!("https://{addr}"), Some(&certs)).unwrap();
    let device_id = DeviceId::new();
    let push = PushRequest {
        device_id,
        ops: ops(device_id, 1..=50),
    };
    let answer = t.push("secret-token", &push).await.unwrap();
    assert!(answer.results.is_empty());
    let seen = seen.lock().unwrap()[0].clone();
    assert!(
        seen.head.starts_with("post /v1/push http/1.1\r\n"),
        "{}",
        seen.head
    );
    assert!(seen.head.contains("content-encoding: gzip\r\n"));
    assert!(seen.head.contains("content-type: application/json\r\n"));
    assert!(seen.head.contains("authorization: bearer secret-token\r\n"));
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&seen.body[..])
        .read_to_end(&mut json)
        .expect("a gzip body");
    assert!(seen.body.len() < json.len(), "gzip made it smaller");
    let decoded: PushRequest = serde_json::from_slice(&json).unwrap();
    assert_eq!(decoded, push);
}

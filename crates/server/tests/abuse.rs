//! Malformed, oversized and unauthorized requests against the real binary: every
//! one is a 4xx `ApiError`, never a 500, and never a partial apply. Also the
//! quarantine of ops from a newer client, revocation and clinic isolation. Each
//! test runs on SQLite (`<test>::sqlite`) and on PostgreSQL (`<test>::postgres`).
mod common;

use clinic_protocol::sync::MAX_BODY_BYTES;
use clinic_protocol::{ClinicId, PullResponse, SCHEMA_VERSION};
use common::{push_body, seqs, Api, Backend};
use flate2::write::GzEncoder;
use flate2::Compression;
use http::Method;
use serde_json::json;
use std::io::Write;

const MIB: usize = 1024 * 1024;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

common::on_both_backends!(malformed_and_invalid_pushes_are_400_and_apply_nothing, 4);
async fn malformed_and_invalid_pushes_are_400_and_apply_nothing(backend: Backend) {
    let scratch = common::scratch(backend);
    let clinic = ClinicId::new().to_string();
    let server = common::start(&scratch);
    let api = Api::new(&server);
    let mut device = api.enroll(&scratch, &clinic).await;
    let device_token = device.token.clone();
    let token = Some(device_token.as_str());

    let r = api
        .send(
            Method::POST,
            "/v1/push",
            token,
            &[],
            b"{\"device_id\": ".to_vec(),
        )
        .await;
    r.assert_error(400, "bad_request");

    // ops[2] has a payload that is not an object: the whole batch is refused.
    let mut body = push_body(device.id, &device.ops(3));
    body["ops"][2]["payload"] = json!("not an object");
    let r = api.post("/v1/push", token, &body).await;
    r.assert_error(400, "bad_request");
    let message = r.body["message"].as_str().unwrap();
    assert!(message.contains("ops[2]"), "{message}");

    // ops[2] with a bad UUID, and one with a counter going backwards.
    let mut body = push_body(device.id, &device.ops(3));
    body["ops"][2]["op_id"] = json!("1234");
    let r = api.post("/v1/push", token, &body).await;
    r.assert_error(400, "bad_request");
    assert!(r.body["message"].as_str().unwrap().contains("ops[2]"));
    let mut body = push_body(device.id, &device.ops(3));
    body["ops"][2]["device_counter"] = json!(1);
    let r = api.post("/v1/push", token, &body).await;
    assert!(
        r.body["message"].as_str().unwrap().contains("ops[2]"),
        "{r:?}"
    );

    // Another device's ops, a device_id that is not the token's, too many ops.
    let stranger = clinic_protocol::DeviceId::new();
    let r = api
        .post(
            "/v1/push",
            token,
            &push_body(device.id, &[common::op(stranger, 1)]),
        )
        .await;
    r.assert_error(400, "bad_request");
    let r = api.post("/v1/push", token, &push_body(stranger, &[])).await;
    r.assert_error(400, "bad_request");
    let r = api
        .post("/v1/push", token, &push_body(device.id, &device.ops(1001)))
        .await;
    r.assert_error(400, "bad_request");
    assert!(r.body["message"].as_str().unwrap().contains("1000"));

    let empty = api.pull_all(&device.token, 100).await;
    assert!(
        empty.is_empty(),
        "nothing of a refused batch may be in the log"
    );

    // Bad pull parameters.
    for q in [
        "limit=0",
        "limit=1001",
        "limit=abc",
        "cursor=%%%",
        "cursor=bm90LWpzb24",
    ] {
        api.get(&format!("/v1/pull?{q}"), token)
            .await
            .assert_error(400, "bad_request");
    }
    // Unknown endpoint and wrong method: 404 in the same shape.
    api.get("/v1/nope", None)
        .await
        .assert_error(404, "not_found");
    api.get("/v1/push", token)
        .await
        .assert_error(404, "not_found");
    let r = api.post("/v1/enroll", None, &json!({"code": 1})).await;
    r.assert_error(400, "bad_request");
    assert!(
        !scratch.log_text().contains("ERROR"),
        "a bad request was logged as an error"
    );
}

common::on_both_backends!(size_limits_and_gzip, 4);
async fn size_limits_and_gzip(backend: Backend) {
    let scratch = common::scratch(backend);
    let clinic = ClinicId::new().to_string();
    let server = common::start(&scratch);
    let api = Api::new(&server);
    let mut device = api.enroll(&scratch, &clinic).await;
    let device_token = device.token.clone();
    let token = Some(device_token.as_str());

    // Over the limit: answered 413 as soon as the declared length is read. A
    // client still sending the rest may see the connection closed instead.
    match api
        .try_send(
            Method::POST,
            "/v1/push",
            token,
            &[],
            vec![b' '; MAX_BODY_BYTES + MIB],
        )
        .await
    {
        Ok(r) => r.assert_error(413, "payload_too_large"),
        Err(e) => assert!(e.contains("SendRequest") || e.contains("reset"), "{e}"),
    }

    let ops = device.ops(2);
    let plain = serde_json::to_vec(&push_body(device.id, &ops)).unwrap();
    let r = api
        .send(
            Method::POST,
            "/v1/push",
            token,
            &[("content-encoding", "gzip")],
            gzip(&plain),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(seqs(&r, "accepted"), [1, 2]);

    // A bomb: a few KiB on the wire, more than the limit once decoded (JSON whitespace).
    let mut bomb = b"{\"device_id\": \"x\", \"ops\": [".to_vec();
    bomb.extend(std::iter::repeat_n(b' ', MAX_BODY_BYTES + MIB));
    bomb.extend(b"]}");
    let compressed = gzip(&bomb);
    assert!(compressed.len() < 256 * 1024);
    let r = api
        .send(
            Method::POST,
            "/v1/push",
            token,
            &[("content-encoding", "gzip")],
            compressed,
        )
        .await;
    r.assert_error(413, "payload_too_large");

    let r = api
        .send(
            Method::POST,
            "/v1/push",
            token,
            &[("content-encoding", "gzip")],
            b"definitely not gzip".to_vec(),
        )
        .await;
    r.assert_error(400, "bad_request");
    let r = api
        .send(
            Method::POST,
            "/v1/push",
            token,
            &[("content-encoding", "br")],
            plain,
        )
        .await;
    r.assert_error(400, "bad_request");

    assert_eq!(api.pull_all(&device.token, 100).await.len(), 2);
}

common::on_both_backends!(ops_from_a_newer_client_are_quarantined_not_dropped, 4);
async fn ops_from_a_newer_client_are_quarantined_not_dropped(backend: Backend) {
    let scratch = common::scratch(backend);
    let clinic = ClinicId::new().to_string();
    let server = common::start(&scratch);
    let api = Api::new(&server);
    let mut device = api.enroll(&scratch, &clinic).await;
    let ops = device.ops(3);
    let mut body = push_body(device.id, &ops);
    body["ops"][1]["schema_version"] = json!(SCHEMA_VERSION + 1);
    // A newer client may use a kind this server does not know.
    body["ops"][1]["kind"] = json!("some_future_kind");

    let r = api.post("/v1/push", Some(&device.token), &body).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["upgrade_required"], true);
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(
        results[0]["outcome"],
        json!({"status": "accepted", "seq": 1})
    );
    assert_eq!(
        results[1]["outcome"],
        json!({"status": "quarantined", "reason": "schema_too_new"})
    );
    assert_eq!(
        results[2]["outcome"],
        json!({"status": "accepted", "seq": 2})
    );

    // Pushed again: still quarantined, still one row.
    let again = api.post("/v1/push", Some(&device.token), &body).await;
    assert_eq!(again.body["results"][1]["outcome"]["status"], "quarantined");

    let log = api.pull_all(&device.token, 100).await;
    assert_eq!(log.iter().map(|o| o.seq).collect::<Vec<_>>(), [1, 2]);
    assert!(log.iter().all(|o| o.op.op_id != ops[1].op_id));

    let (count, lines) = common::quarantine_listing(&scratch);
    assert_eq!(count, 1);
    assert!(lines[0].contains(&ops[1].op_id.to_string()), "{lines:?}");
    assert!(lines[0].contains("reason=schema_too_new"), "{lines:?}");

    // A reused counter (a device restored from an old copy) is quarantined too.
    let mut stale = common::op(device.id, ops[0].device_counter);
    stale.hlc.millis += 99;
    let r = api.push(&device, &[stale]).await;
    assert_eq!(
        r.body["results"][0]["outcome"],
        json!({"status": "quarantined", "reason": "device_counter_reused"})
    );
    assert_eq!(r.body["upgrade_required"], false);
    assert_eq!(common::quarantine_listing(&scratch).0, 2);
}

common::on_both_backends!(
    revoked_devices_must_wipe_and_clinics_never_see_each_other,
    4
);
async fn revoked_devices_must_wipe_and_clinics_never_see_each_other(backend: Backend) {
    let scratch = common::scratch(backend);
    let (clinic_a, clinic_b) = (ClinicId::new().to_string(), ClinicId::new().to_string());
    let server = common::start(&scratch);
    let api = Api::new(&server);
    let mut a1 = api.enroll(&scratch, &clinic_a).await;
    let a2 = api.enroll(&scratch, &clinic_a).await;
    let mut b1 = api.enroll(&scratch, &clinic_b).await;

    let ops = a1.ops(3);

    assert_eq!(seqs(&api.push(&a1, &ops).await, "accepted"), [1, 2, 3]);
    let b_ops = b1.ops(2);
    assert_eq!(seqs(&api.push(&b1, &b_ops).await, "accepted"), [1, 2]);

    let seen_by_b = api.pull_all(&b1.token, 100).await;
    assert_eq!(seen_by_b.len(), 2);
    assert!(seen_by_b.iter().all(|o| o.device_id == b1.id));
    let seen_by_a = api.pull_all(&a2.token, 100).await;
    assert_eq!(seen_by_a.len(), 3);
    assert!(seen_by_a.iter().all(|o| o.device_id == a1.id));

    // Clinic A's cursor means nothing in clinic B: refused or B's own ops only.
    let r = api.get("/v1/pull?limit=1", Some(&a2.token)).await;
    let a_cursor: PullResponse = serde_json::from_value(r.body).unwrap();
    let r = api
        .get(
            &format!("/v1/pull?cursor={}", a_cursor.next_cursor),
            Some(&b1.token),
        )
        .await;
    if r.status == 200 {
        let page: PullResponse = serde_json::from_value(r.body).unwrap();
        assert!(page.ops.iter().all(|o| o.device_id == b1.id));
    } else {
        r.assert_error(409, "conflict");
    }

    // An op id of clinic B pushed into clinic A is clinic A's business only.
    let mut copy = common::op(a1.id, 4);
    copy.op_id = b_ops[0].op_id;
    a1.counter = 4;
    assert_eq!(seqs(&api.push(&a1, &[copy]).await, "accepted"), [4]);

    let (ok, out) = common::cli(
        &["revoke-device", "--device-id", &a1.id.to_string()],
        &scratch,
    );
    assert!(ok, "{out}");
    let ops = a1.ops(1);
    api.push(&a1, &ops)
        .await
        .assert_error(401, "device_revoked");
    api.get("/v1/pull", Some(&a1.token))
        .await
        .assert_error(401, "device_revoked");
    assert_eq!(
        api.pull_all(&a2.token, 100).await.len(),
        4,
        "other devices carry on"
    );

    // A revoked device id cannot come back with a new code.
    let code = common::issue_code(&scratch, &clinic_a);
    let r = api
        .post(
            "/v1/enroll",
            None,
            &json!({"code": code, "device_id": a1.id, "device_name": "Again"}),
        )
        .await;
    r.assert_error(409, "conflict");
    let (ok, _) = common::cli(
        &[
            "revoke-device",
            "--device-id",
            &clinic_protocol::DeviceId::new().to_string(),
        ],
        &scratch,
    );
    assert!(!ok, "revoking an unknown device is an error");
}

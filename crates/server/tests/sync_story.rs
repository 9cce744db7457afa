//! The happy-path sync stories against the real binary: enrollment, push, replay,
//! pull with cursors, concurrent devices, kill -9 and restart, clean SIGTERM. Each
//! story runs twice: on SQLite (`<story>::sqlite`) and on PostgreSQL (`::postgres`).
mod common;

use clinic_protocol::{ClinicId, OpId, PullResponse};
use common::{seqs, Api, Backend};
use serde_json::json;
use std::collections::HashSet;

common::on_both_backends!(
    an_enrollment_code_works_once_and_a_wrong_one_gets_no_hint,
    4
);
async fn an_enrollment_code_works_once_and_a_wrong_one_gets_no_hint(backend: Backend) {
    let scratch = common::scratch(backend);
    let clinic = ClinicId::new().to_string();
    let code = common::issue_code(&scratch, &clinic);
    let server = common::start(&scratch);
    let api = Api::new(&server);

    let health = api.get("/v1/health", None).await;
    assert_eq!(
        (health.status, health.body.clone()),
        (200, json!({"status": "ok"}))
    );

    let enroll = |code: String| {
        let api = api.clone();
        async move {
            api.post(
                "/v1/enroll",
                None,
                &json!({"code": code, "device_id": clinic_protocol::DeviceId::new(), "device_name": "Desk 1"}),
            )
            .await
        }
    };
    let first = enroll(code.clone()).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.body["clinic_id"], clinic.as_str());
    let token = first.body["device_token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 43);

    // Typed differently (lower case, no dashes) it is still the same, used, code.
    let again = enroll(code.to_lowercase().replace('-', "")).await;
    again.assert_error(401, "unauthorized");
    let wrong = enroll("AAAAA-BBBBB-CCCCC-DDDDD".into()).await;
    wrong.assert_error(401, "unauthorized");
    let garbage = enroll("hello".into()).await;
    assert_eq!(
        again.body, wrong.body,
        "a used code and a wrong one look alike"
    );
    assert_eq!(garbage.body, wrong.body);

    // The token works; nothing about the code or token reaches the log.
    assert_eq!(api.get("/v1/pull", Some(&token)).await.status, 200);
    api.get("/v1/pull", None)
        .await
        .assert_error(401, "unauthorized");
    api.get("/v1/pull", Some("x".repeat(43).as_str()))
        .await
        .assert_error(401, "unauthorized");
    let log = scratch.log_text();
    assert!(log.contains("device enrolled"), "log too quiet: {log}");
    assert!(
        !log.contains(&token) && !log.contains(&code),
        "a secret reached the log"
    );
}

common::on_both_backends!(push_replay_and_pull_by_cursor, 4);
async fn push_replay_and_pull_by_cursor(backend: Backend) {
    let scratch = common::scratch(backend);
    let clinic = ClinicId::new().to_string();
    let server = common::start(&scratch);
    let api = Api::new(&server);
    let mut device = api.enroll(&scratch, &clinic).await;
    let ops = device.ops(3);

    let first = api.push(&device, &ops).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(seqs(&first, "accepted"), [1, 2, 3]);
    assert_eq!(first.body["upgrade_required"], false);
    for (r, o) in first.body["results"].as_array().unwrap().iter().zip(&ops) {
        assert_eq!(r["op_id"], o.op_id.to_string());
    }

    let replay = api.push(&device, &ops).await;
    assert_eq!(replay.status, 200, "{replay:?}");
    assert_eq!(seqs(&replay, "duplicate"), [1, 2, 3]);

    let r = api.get("/v1/pull", Some(&device.token)).await;
    assert_eq!(r.status, 200, "{r:?}");
    let page: PullResponse = serde_json::from_value(r.body).unwrap();
    assert!(!page.more);
    assert_eq!(
        page.ops.iter().map(|o| o.seq).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(page.ops.iter().all(|o| o.device_id == device.id));
    assert_eq!(
        page.ops.iter().map(|o| o.op.clone()).collect::<Vec<_>>(),
        ops
    );

    let r = api
        .get(
            &format!("/v1/pull?cursor={}", page.next_cursor),
            Some(&device.token),
        )
        .await;
    let empty: PullResponse = serde_json::from_value(r.body).unwrap();
    assert!(empty.ops.is_empty() && !empty.more);
    assert_eq!(empty.next_cursor, page.next_cursor);

    // Paging: limit 2 gives [1,2] with more, then [3] without.
    let r = api.get("/v1/pull?limit=2", Some(&device.token)).await;
    let p1: PullResponse = serde_json::from_value(r.body).unwrap();
    assert_eq!((p1.ops.len(), p1.more), (2, true));
    let r = api
        .get(
            &format!("/v1/pull?limit=2&cursor={}", p1.next_cursor),
            Some(&device.token),
        )
        .await;
    let p2: PullResponse = serde_json::from_value(r.body).unwrap();
    assert_eq!((p2.ops[0].seq, p2.ops.len(), p2.more), (3, 1, false));

    // A later push continues the sequence; an empty push is fine.
    let ops = device.ops(2);
    assert_eq!(seqs(&api.push(&device, &ops).await, "accepted"), [4, 5]);
    let none = api.push(&device, &[]).await;
    assert_eq!(
        (none.status, none.body["results"].clone()),
        (200, json!([]))
    );
    let log = scratch.log_text();
    assert!(!log.contains("555-0001"), "op payload reached the log");
}

common::on_both_backends!(two_devices_pushing_concurrently_get_a_gap_free_log, 8);
async fn two_devices_pushing_concurrently_get_a_gap_free_log(backend: Backend) {
    const BATCHES: usize = 20;
    const PER_BATCH: usize = 3;
    let scratch = common::scratch(backend);
    let clinic = ClinicId::new().to_string();
    let server = common::start(&scratch);
    let api = Api::new(&server);
    let mut tasks = Vec::new();
    let mut pushed = HashSet::new();
    for _ in 0..2 {
        let mut device = api.enroll(&scratch, &clinic).await;
        // Every batch is its own task: both devices' batches race each other.
        for _ in 0..BATCHES {
            let ops = device.ops(PER_BATCH);
            pushed.extend(ops.iter().map(|o| o.op_id));
            let (api, device) = (api.clone(), device.clone());
            tasks.push(tokio::spawn(async move {
                let r = api.push(&device, &ops).await;
                assert_eq!(r.status, 200, "{r:?}");
                seqs(&r, "accepted")
            }));
        }
    }
    let mut acked = Vec::new();
    for t in tasks {
        let s = t.await.unwrap();
        assert!(
            s.windows(2).all(|w| w[1] == w[0] + 1),
            "a batch is contiguous: {s:?}"
        );
        acked.extend(s);
    }
    let total = 2 * BATCHES * PER_BATCH;
    acked.sort_unstable();
    assert_eq!(acked, (1..=total as u64).collect::<Vec<_>>());

    let device = api.enroll(&scratch, &clinic).await;
    let log = api.pull_all(&device.token, 7).await;
    assert_eq!(
        log.iter().map(|o| o.seq).collect::<Vec<_>>(),
        (1..=total as u64).collect::<Vec<_>>()
    );
    let ids: HashSet<OpId> = log.iter().map(|o| o.op.op_id).collect();
    assert_eq!(ids.len(), total, "no op twice");
    assert_eq!(ids, pushed);
}

common::on_both_backends!(kill_9_loses_nothing_acked_and_the_sequence_continues, 8);
async fn kill_9_loses_nothing_acked_and_the_sequence_continues(backend: Backend) {
    let scratch = common::scratch(backend);
    let clinic = ClinicId::new().to_string();
    let mut server = common::start(&scratch);
    let api = Api::new(&server);
    let mut device = api.enroll(&scratch, &clinic).await;
    let ops = device.ops(3);
    assert_eq!(seqs(&api.push(&device, &ops).await, "accepted"), [1, 2, 3]);

    // Batches in flight when the server dies: each is applied whole or not at all.
    let batches: Vec<_> = (0..12).map(|_| device.ops(5)).collect();
    let tasks: Vec<_> = batches
        .iter()
        .cloned()
        .map(|ops| {
            let (api, device) = (api.clone(), device.clone());
            tokio::spawn(async move { api.try_push(&device, &ops).await })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    server.kill9();
    let mut acked = HashSet::new();
    for (t, ops) in tasks.into_iter().zip(&batches) {
        // A request cut by the kill is a connection error: not acknowledged.
        if let Ok(r) = t.await.unwrap() {
            if r.status == 200 {
                acked.extend(ops.iter().map(|o| o.op_id));
            }
        }
    }

    let server = common::start(&scratch);
    let api = Api::new(&server);
    let log = api.pull_all(&device.token, 1000).await;
    let n = log.len() as u64;
    assert_eq!(
        log.iter().map(|o| o.seq).collect::<Vec<_>>(),
        (1..=n).collect::<Vec<_>>()
    );
    let present: HashSet<OpId> = log.iter().map(|o| o.op.op_id).collect();
    eprintln!(
        "kill -9: {} ops acknowledged, {} in the log after restart",
        acked.len() + 3,
        present.len()
    );
    assert!(acked.is_subset(&present), "an acknowledged op was lost");
    for ops in &batches {
        let inside = ops.iter().filter(|o| present.contains(&o.op_id)).count();
        assert!(
            inside == 0 || inside == ops.len(),
            "a batch was half applied"
        );
    }

    // Re-pushing everything after the restart: duplicates keep their seq, the
    // rest continue the sequence without a gap.
    let mut next = n;
    for ops in &batches {
        let r = api.push(&device, ops).await;
        assert_eq!(r.status, 200, "{r:?}");
        for (res, o) in r.body["results"].as_array().unwrap().iter().zip(ops) {
            let seq = res["outcome"]["seq"].as_u64().unwrap();
            if present.contains(&o.op_id) {
                assert_eq!(res["outcome"]["status"], "duplicate");
            } else {
                next += 1;
                assert_eq!(
                    (res["outcome"]["status"].as_str(), seq),
                    (Some("accepted"), next)
                );
            }
        }
    }
    let ops = device.ops(1);
    assert_eq!(seqs(&api.push(&device, &ops).await, "accepted"), [next + 1]);
}

common::on_both_backends!(sigterm_stops_the_server_cleanly, 2);
async fn sigterm_stops_the_server_cleanly(backend: Backend) {
    let scratch = common::scratch(backend);
    let mut server = common::start(&scratch);
    let api = Api::new(&server);
    assert_eq!(api.get("/v1/health", None).await.status, 200);
    let status = server.terminate().expect("the server stops on SIGTERM");
    assert!(status.success(), "exit status {status:?}");
    assert!(scratch.log_text().contains("SIGTERM"));
}

//! Several server processes on one PostgreSQL database (the reason for that
//! backend): concurrent pushes through two instances make one gap-free log with
//! every op exactly once, and a server killed with -9 in the middle of a push
//! leaves nothing half done, so retrying the push applies it exactly once.
mod common;

use clinic_protocol::{ClinicId, Op, OpId};
use common::pg::Cluster;
use common::{seqs, Api, Backend, Device, Scratch, Server};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

fn url(scratch: &Scratch) -> &str {
    scratch
        .store()
        .database_url()
        .expect("these tests run on PostgreSQL")
}

/// The log's length and the clinic counter, read from the database itself.
fn stored_counts(url: &str) -> (i64, i64) {
    (
        Cluster::query_i64(url, "SELECT count(*) FROM op_log"),
        Cluster::query_i64(url, "SELECT COALESCE(MAX(last_seq), 0) FROM clinic_seq"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn two_servers_on_one_database_keep_one_gap_free_log() {
    const DEVICES: usize = 6;
    const BATCHES: usize = 10;
    const PER_BATCH: usize = 5;
    let scratch = common::scratch(Backend::Postgres);
    let clinic = ClinicId::new().to_string();
    let a = common::start(&scratch);
    let b = common::start_logging_to(&scratch, &scratch.path().join("server-b.log"));
    let apis = [Api::new(&a), Api::new(&b)];

    // Devices enroll through either server; every batch goes to the server its
    // index picks, and all batches of all devices race each other.
    let mut batches: Vec<(usize, Device, Vec<Op>)> = Vec::new();
    for d in 0..DEVICES {
        let mut device = apis[d % 2].enroll(&scratch, &clinic).await;
        for n in 0..BATCHES {
            batches.push(((d + n) % 2, device.clone(), device.ops(PER_BATCH)));
        }
    }
    let started = Instant::now();
    let tasks: Vec<_> = batches
        .iter()
        .cloned()
        .map(|(which, device, ops)| {
            let api = apis[which].clone();
            tokio::spawn(async move {
                let r = api.push(&device, &ops).await;
                assert_eq!(r.status, 200, "{r:?}");
                seqs(&r, "accepted")
            })
        })
        .collect();
    let mut acked = Vec::new();
    let mut seq_of: HashMap<OpId, u64> = HashMap::new();
    for (t, (_, _, ops)) in tasks.into_iter().zip(&batches) {
        let s = t.await.unwrap();
        assert!(
            s.windows(2).all(|w| w[1] == w[0] + 1),
            "a batch is contiguous: {s:?}"
        );
        seq_of.extend(ops.iter().map(|o| o.op_id).zip(s.iter().copied()));
        acked.extend(s);
    }
    let total = DEVICES * BATCHES * PER_BATCH;
    eprintln!(
        "{total} ops in {} pushes through 2 servers: {:?}",
        batches.len(),
        started.elapsed()
    );
    acked.sort_unstable();
    assert_eq!(
        acked,
        (1..=total as u64).collect::<Vec<_>>(),
        "one gap-free seq"
    );

    // Both servers serve the same log: every op once, at the seq it was acked with.
    let reader = apis[0].enroll(&scratch, &clinic).await;
    let from_a = apis[0].pull_all(&reader.token, 37).await;
    let from_b = apis[1].pull_all(&reader.token, 50).await;
    let view = |log: &[clinic_protocol::LoggedOp]| {
        log.iter().map(|o| (o.seq, o.op.op_id)).collect::<Vec<_>>()
    };
    assert_eq!(view(&from_a), view(&from_b), "the two servers disagree");
    assert_eq!(
        from_a.iter().map(|o| o.seq).collect::<Vec<_>>(),
        (1..=total as u64).collect::<Vec<_>>()
    );
    for o in &from_a {
        assert_eq!(seq_of.get(&o.op.op_id), Some(&o.seq), "op at the wrong seq");
    }
    let ids: HashSet<OpId> = from_a.iter().map(|o| o.op.op_id).collect();
    assert_eq!(ids.len(), total, "no op twice");

    // Every batch replayed through the other server, concurrently: duplicates only,
    // each with its original seq; nothing new in the log.
    let tasks: Vec<_> = batches
        .iter()
        .cloned()
        .map(|(which, device, ops)| {
            let api = apis[1 - which].clone();
            tokio::spawn(async move {
                let r = api.push(&device, &ops).await;
                assert_eq!(r.status, 200, "{r:?}");
                (ops, seqs(&r, "duplicate"))
            })
        })
        .collect();
    for t in tasks {
        let (ops, s) = t.await.unwrap();
        for (o, seq) in ops.iter().zip(s) {
            assert_eq!(seq_of[&o.op_id], seq, "a replay moved an op");
        }
    }
    assert_eq!(stored_counts(url(&scratch)), (total as i64, total as i64));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn a_server_killed_mid_push_loses_nothing_and_a_retry_applies_once() {
    const BATCHES: usize = 20;
    const PER_BATCH: usize = 100;
    let scratch = common::scratch(Backend::Postgres);
    let clinic = ClinicId::new().to_string();
    let mut a = common::start(&scratch);
    let b = common::start_logging_to(&scratch, &scratch.path().join("server-b.log"));
    let (api_a, api_b) = (Api::new(&a), Api::new(&b));
    let mut device = api_a.enroll(&scratch, &clinic).await;
    let first = device.ops(3);
    assert_eq!(
        seqs(&api_a.push(&device, &first).await, "accepted"),
        [1, 2, 3]
    );

    // Large batches in flight on server A (they queue on the clinic's row lock);
    // kill it once PostgreSQL shows a push transaction open while earlier batches
    // have committed (server B is idle, so the open transactions are A's).
    let batches: Vec<Vec<Op>> = (0..BATCHES).map(|_| device.ops(PER_BATCH)).collect();
    let tasks: Vec<_> = batches
        .iter()
        .cloned()
        .map(|ops| {
            let (api, device) = (api_a.clone(), device.clone());
            tokio::spawn(async move { api.try_push(&device, &ops).await })
        })
        .collect();
    let committed_while_open = "SELECT CASE WHEN EXISTS (
             SELECT 1 FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'clinic-server'
               AND xact_start IS NOT NULL)
         THEN (SELECT count(*) FROM op_log) ELSE -1 END";
    let deadline = Instant::now() + Duration::from_secs(20);
    while Cluster::query_i64(url(&scratch), committed_while_open) < 3 + 2 * PER_BATCH as i64 {
        assert!(
            Instant::now() < deadline,
            "never saw a push open after two committed batches"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    a.kill9();
    let mut acked: HashMap<OpId, u64> = HashMap::new();
    for (t, ops) in tasks.into_iter().zip(&batches) {
        if let Ok(r) = t.await.unwrap() {
            if r.status == 200 {
                acked.extend(ops.iter().map(|o| o.op_id).zip(seqs(&r, "accepted")));
            }
        }
    }
    let (stored, counter) = stored_counts(url(&scratch));
    eprintln!(
        "kill -9 mid-push: {} of {} ops acknowledged, {stored} in the log",
        acked.len(),
        BATCHES * PER_BATCH
    );
    assert_eq!(stored, counter, "the counter and the log agree");
    assert_eq!(
        (stored - 3) % PER_BATCH as i64,
        0,
        "only whole batches are in the log"
    );

    // A restarted on the same database; every batch retried through both servers
    // at once. Each op ends up in the log exactly once, acked ops keep their seq.
    let a = common::start(&scratch);
    let api_a = Api::new(&a);
    let mut tasks = Vec::new();
    for ops in &batches {
        for api in [&api_a, &api_b] {
            let (api, device, ops) = (api.clone(), device.clone(), ops.clone());
            tasks.push(tokio::spawn(async move {
                let r = api.push(&device, &ops).await;
                assert_eq!(r.status, 200, "{r:?}");
                r
            }));
        }
    }
    let mut applied_by_retry = 0;
    let mut seq_of: HashMap<OpId, u64> = HashMap::new();
    for (t, ops) in tasks.into_iter().zip(batches.iter().flat_map(|b| [b, b])) {
        let r = t.await.unwrap();
        let results = r.body["results"].as_array().unwrap();
        let accepted = results
            .iter()
            .filter(|x| x["outcome"]["status"] == "accepted")
            .count();
        assert!(
            accepted == 0 || accepted == ops.len(),
            "a retried batch was split: {accepted} of {} accepted",
            ops.len()
        );
        applied_by_retry += accepted;
        for (x, o) in results.iter().zip(ops) {
            let seq = x["outcome"]["seq"].as_u64().expect("accepted or duplicate");
            if let Some(acked_seq) = acked.get(&o.op_id) {
                assert_eq!(
                    (x["outcome"]["status"].as_str(), seq),
                    (Some("duplicate"), *acked_seq)
                );
            }
            if let Some(before) = seq_of.insert(o.op_id, seq) {
                assert_eq!(before, seq, "the two servers gave one op two seqs");
            }
        }
    }
    let total = 3 + BATCHES * PER_BATCH;
    assert_eq!(
        stored as usize + applied_by_retry,
        total,
        "each op applied exactly once"
    );
    let reader = api_b.enroll(&scratch, &clinic).await;
    let log = api_a.pull_all(&reader.token, 1000).await;
    assert_eq!(
        log.iter().map(|o| o.seq).collect::<Vec<_>>(),
        (1..=total as u64).collect::<Vec<_>>()
    );
    let ids: HashSet<OpId> = log.iter().map(|o| o.op.op_id).collect();
    assert_eq!(ids.len(), total, "no op twice");
    assert_eq!(stored_counts(url(&scratch)), (total as i64, total as i64));
    let next = device.ops(1);
    assert_eq!(
        seqs(&api_b.push(&device, &next).await, "accepted"),
        [total as u64 + 1]
    );
}

#[test]
fn servers_starting_together_migrate_once_and_a_newer_schema_is_refused() {
    let scratch = common::scratch(Backend::Postgres);
    let logs: Vec<_> = (0..3)
        .map(|i| scratch.path().join(format!("start-{i}.log")))
        .collect();
    // Three servers on an empty database at once: the advisory lock lets one
    // migrate; the others find the schema done.
    let servers: Vec<Server> = std::thread::scope(|s| {
        let starting: Vec<_> = logs
            .iter()
            .map(|log| s.spawn(|| common::start_logging_to(&scratch, log)))
            .collect();
        starting.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(servers.len(), 3);
    let url = url(&scratch);
    assert_eq!(
        Cluster::query_i64(url, "SELECT count(*) FROM server_schema"),
        clinic_server::store::latest_version(),
        "every migration recorded once"
    );
    let migrated = logs
        .iter()
        .filter(|l| {
            std::fs::read_to_string(l)
                .unwrap_or_default()
                .contains("PostgreSQL schema migrated")
        })
        .count();
    assert_eq!(migrated, 1, "exactly one server migrated");
    drop(servers);

    // A database written by a newer server is refused, not touched.
    Cluster::query_i64(
        url,
        "WITH n AS (INSERT INTO server_schema VALUES (999, 0) RETURNING version) SELECT version FROM n",
    );
    let (ok, _) = common::cli(&["quarantine"], &scratch);
    assert!(!ok, "a newer schema must be refused");
    assert_eq!(
        Cluster::query_i64(url, "SELECT count(*) FROM server_schema"),
        clinic_server::store::latest_version() + 1,
        "nothing migrated on top of the newer schema"
    );
}

//! Fault tests of sync (DESIGN.md §5 and §7): real encrypted stores as devices,
//! the real `clinic-server` over TLS on 127.0.0.1, and the faults between them —
//! a flaky network (a proxy that refuses, delays, cuts and loses replies, and
//! flaps), a device killed with -9 in the middle of a push, the server killed
//! between its commit and its reply, skewed and jumping clocks, a revoked device
//! and a borrowed token. Each test ends by reading the server's whole log: every
//! op of every outbox exactly once (seq gap-free, ids unique, count equal to the
//! sum of the outboxes), nothing pending, and every device showing the same rows.
//!
//! Random choices print their seed (`FAULTS_SEED=<n>` replays the same choices;
//! timing still varies).
mod common;

use clinic_core::registry;
use clinic_protocol::{
    ApiErrorCode, EntityKind, Hlc, LoggedOp, OpKind, PatientId, PushRequest, SyncPhase,
};
use clinic_sync::engine::{self, SyncError};
use clinic_sync::transport::{Transport, TransportConfig, TransportError};
use common::device::{
    assert_exactly_once, assert_same_rows, duplicates_in_server_log, person, register_many, Clinic,
    Device,
};
use common::proxy::{Plan, Proxy, Rng};
use std::collections::{BTreeMap, HashSet};
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// 1. Three devices write and sync through a proxy that refuses, delays, cuts
/// the server's bytes at random points (handshake, headers, bodies), loses the
/// reply to requests the server did receive, and flaps. Rounds fail Offline and
/// are retried; in the end every op is in the log exactly once and the devices
/// hold identical rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaky_network_devices_converge_and_each_op_is_logged_once() {
    let started = Instant::now();
    let mut rng = Rng::from_env("flaky_network");
    let c = Clinic::start();
    let proxy = Arc::new(Proxy::start(c.server.socket_addr()).await);
    let devices: Vec<Arc<Device>> = ["A", "B", "C"]
        .into_iter()
        .map(|n| Arc::new(Device::new(n)))
        .collect();
    for d in &devices {
        d.enroll(&proxy.url(), &c.ca, c.code()).await;
    }
    let shared = devices[0].register(person("Shared", "Patient", 1));
    let mut offline = 0;
    for d in &devices {
        d.sync_until_ok(&mut offline).await;
    }

    // From now on: the first connection loses its reply (a push: every device
    // writes before it syncs, and the engine's pooled connections are cut here
    // so that the first round opens a new one), the second is cut inside the
    // TLS handshake; then random plans.
    proxy.cut_all();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut plans = Rng(rng.next());
    let first = proxy.stats().connections.load(Ordering::SeqCst);
    proxy.set_chooser(move |n| {
        match n.wrapping_sub(first) {
            0 => return Plan::LoseReply,
            1 => return Plan::CutAfter(64),
            _ => {}
        }
        match plans.range(0, 100) {
            0..=34 => Plan::Pass,
            35..=44 => Plan::Refuse,
            45..=59 => Plan::Delay(Duration::from_millis(plans.range(10, 250))),
            60..=79 => Plan::CutAfter(plans.range(0, 8_000) as usize),
            _ => Plan::LoseReply,
        }
    });
    let stop = Arc::new(AtomicBool::new(false));
    let flapper = tokio::spawn({
        let (proxy, stop, mut rng) = (proxy.clone(), stop.clone(), Rng(rng.next()));
        async move {
            let mut flaps = 0;
            while !stop.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(rng.range(150, 500))).await;
                proxy.set_down(true);
                tokio::time::sleep(Duration::from_millis(rng.range(20, 150))).await;
                proxy.set_down(false);
                flaps += 1;
            }
            flaps
        }
    });
    let writers: Vec<_> = devices
        .iter()
        .map(|d| {
            let (d, mut rng) = (d.clone(), Rng(rng.next()));
            tokio::spawn(async move {
                let mut offline = 0;
                for round in 0..10u64 {
                    for _ in 0..rng.range(1, 4) {
                        if rng.chance(40) {
                            d.register(person(&d.name, "Walkin", round));
                            continue;
                        }
                        let ids = d.patient_ids();
                        let id = if rng.chance(50) {
                            shared
                        } else {
                            ids[rng.range(0, ids.len() as u64) as usize]
                        };
                        let n = rng.range(0, 10_000);
                        d.edit(id, |p| {
                            if n % 2 == 0 {
                                p.phone = format!("+1 555 {n:04}");
                            } else {
                                p.email = format!("{}{n}@example.org", d.name.to_lowercase());
                            }
                        });
                    }
                    d.sync_until_ok(&mut offline).await;
                }
                offline
            })
        })
        .collect();
    for w in writers {
        offline += w.await.unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    let flaps = flapper.await.unwrap();
    proxy.set_down(false);
    // Everyone pulls what the others pushed last (still through the faults).
    for _ in 0..2 {
        for d in &devices {
            d.sync_until_ok(&mut offline).await;
        }
    }

    let all: Vec<&Device> = devices.iter().map(|d| &**d).collect();
    assert_same_rows(&all);
    let log = c.log(&devices[0]).await;
    assert_exactly_once(&log, &all);
    for d in &all {
        let own = d.outbox().len();
        let applied: i64 = d
            .s()
            .conn()
            .query_row("SELECT count(*) FROM applied_op", [], |r| r.get(0))
            .unwrap();
        assert_eq!(applied as usize, log.len() - own, "{}: applied", d.name);
    }
    let stats = proxy.stats();
    let duplicates = duplicates_in_server_log(&c.scratch.log_text());
    eprintln!(
        "flaky network: {} ops, {offline} offline rounds, {flaps} flaps, {stats:?}, \
         {duplicates} duplicates, {:?}",
        log.len(),
        started.elapsed()
    );
    assert!(offline > 0, "no round ever failed: the faults did not bite");
    assert!(stats.refused.load(Ordering::Relaxed) > 0);
    assert!(stats.cut.load(Ordering::Relaxed) > 0);
    assert!(stats.replies_lost.load(Ordering::Relaxed) > 0);
    assert!(
        duplicates > 0,
        "a push whose reply was lost must have been retried and answered duplicate"
    );
    c.assert_nothing_quarantined();
}

/// 2. A device in its own process (`sync-device`) writes patients in batches
/// and syncs; it is killed with -9 again and again: at random moments of its
/// pushes, and right after the server committed a push (before the device
/// marked the ops pushed). After each kill the store opens, passes
/// integrity_check and holds every batch it reported committed; in the end the
/// ops the server already had come back as duplicates and each op is logged once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_killed_mid_push_every_op_lands_exactly_once() {
    let started = Instant::now();
    let mut rng = Rng::from_env("client_killed");
    let c = Clinic::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.db");
    Device::open("killed", &path)
        .enroll(&c.url(), &c.ca, c.code())
        .await;

    let (mut kills, mut between, mut committed) = (0, 0, 0i64);
    let seen = |line: &str, committed: &mut i64| {
        if let Some(n) = line.strip_prefix("committed ") {
            *committed = (*committed).max(n.parse().unwrap());
        }
        line == "done"
    };
    for attempt in 0..10 {
        // Odd attempts aim: the device waits 40 ms before each store access, and
        // is killed as soon as the server logs that it committed a push.
        let aimed = attempt % 2 == 1;
        let pushes = c.pushes_logged();
        let mut child = Command::new(env!("CARGO_BIN_EXE_sync-device"))
            .arg(&path)
            .args(["3", "300", if aimed { "40" } else { "0" }])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn sync-device");
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                if tx.send(line.unwrap_or_default()).is_err() {
                    break;
                }
            }
        });
        let mut done = false;
        let deadline = Instant::now() + Duration::from_secs(20);
        if aimed {
            while !done && Instant::now() < deadline && c.pushes_logged() == pushes {
                while let Ok(line) = rx.try_recv() {
                    done |= seen(&line, &mut committed);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        } else {
            // A random time after the k-th round started (it pushes first).
            let k = rng.range(1, 4);
            let delay = Duration::from_millis(rng.range(0, 250));
            let mut rounds = 0;
            while let Ok(line) = rx.recv_timeout(deadline - Instant::now()) {
                done |= seen(&line, &mut committed);
                if done {
                    break;
                }
                if line == "round" {
                    rounds += 1;
                    if rounds == k {
                        std::thread::sleep(delay);
                        break;
                    }
                }
            }
        }
        child.kill().unwrap();
        let status = child.wait().unwrap();
        // Lines printed before the kill landed (a commit it reported is durable).
        while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            done |= seen(&line, &mut committed);
        }
        if done || status.success() {
            continue;
        }
        kills += 1;
        let device = Device::open("killed", &path);
        device.integrity_ok();
        let outbox = device.outbox().len() as i64;
        assert!(
            outbox >= committed,
            "{outbox} ops after the kill, {committed} reported committed"
        );
        let logged: HashSet<String> = c
            .log(&device)
            .await
            .iter()
            .map(|o| o.op.op_id.to_string())
            .collect();
        let pending = device.pending_ids();
        if pending.iter().any(|id| logged.contains(id)) {
            between += 1;
        }
        let outbox_ids: HashSet<String> = device.outbox().into_iter().map(|o| o.0).collect();
        assert!(
            logged.is_subset(&outbox_ids),
            "the server has ops the device lost"
        );
        if kills >= 5 && between >= 1 {
            break;
        }
    }
    assert!(
        kills >= 3,
        "only {kills} kills landed before the device finished"
    );
    assert!(
        between >= 1,
        "no kill landed between the server's commit and the device's mark ({kills} kills)"
    );

    let device = Device::open("killed", &path);
    let mut offline = 0;
    device.sync_until_ok(&mut offline).await;
    device.integrity_ok();
    let log = c.log(&device).await;
    assert_exactly_once(&log, &[&device]);
    assert!(duplicates_in_server_log(&c.scratch.log_text()) > 0);
    c.assert_nothing_quarantined();
    eprintln!(
        "client killed: {kills} kills, {between} between commit and mark, {} ops, {:?}",
        log.len(),
        started.elapsed()
    );
}

/// 3. The server is killed with -9 after it committed a push and before the
/// device got the reply (the proxy holds the reply back; the server's log line
/// says the push is committed); restarted on the same data directory, the
/// retried push is answered duplicate and applied once. Then two devices write
/// and sync while the server is killed and restarted at random moments.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_between_commit_and_reply_push_applied_once() {
    let started = Instant::now();
    let mut rng = Rng::from_env("server_killed");
    let mut c = Clinic::start();
    let proxy = Arc::new(Proxy::start(c.server.socket_addr()).await);
    let (a, b) = (Arc::new(Device::new("A")), Arc::new(Device::new("B")));
    a.enroll(&proxy.url(), &c.ca, c.code()).await;
    b.enroll(&proxy.url(), &c.ca, c.code()).await;

    register_many(&a, 50, "Held");
    let pending = a.pending_ids();
    let pushes = c.pushes_logged();
    proxy.cut_all(); // no pooled connection: the round's push opens a new one
    let mut armed = true;
    proxy.set_chooser(move |_| {
        if std::mem::take(&mut armed) {
            Plan::HoldReply
        } else {
            Plan::Pass
        }
    });
    let round = tokio::spawn({
        let a = a.clone();
        async move { engine::sync_round(&*a, |_| {}).await }
    });
    tokio::time::timeout(Duration::from_secs(10), proxy.held.lock().await.recv())
        .await
        .expect("the push reached the server");
    let until = Instant::now() + Duration::from_secs(10);
    while c.pushes_logged() == pushes {
        assert!(
            Instant::now() < until,
            "the server never committed the push"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    c.server.kill9();
    let failed = round.await.unwrap();
    assert!(matches!(failed, Err(SyncError::Offline(_))), "{failed:?}");
    assert_eq!(
        a.pending_ids(),
        pending,
        "ops marked pushed without a reply"
    );
    tokio::task::block_in_place(|| c.server.restart()).unwrap();
    let logged: HashSet<String> = c
        .log(&a)
        .await
        .iter()
        .map(|o| o.op.op_id.to_string())
        .collect();
    assert!(
        pending.is_subset(&logged),
        "the push was not committed before the kill"
    );
    let mut offline = 0;
    let summary = a.sync_until_ok(&mut offline).await;
    assert_eq!(summary.pushed, 50);
    assert!(duplicates_in_server_log(&c.scratch.log_text()) >= 50);
    assert_exactly_once(&c.log(&a).await, &[&a]);

    // Random kills while both devices write and sync (until the last restart).
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = [a.clone(), b.clone()]
        .into_iter()
        .map(|d| {
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut offline = 0;
                let mut i = 0;
                while i < 2 || !stop.load(Ordering::SeqCst) {
                    register_many(&d, 30, &format!("{}r{i}x", d.name));
                    d.sync_until_ok(&mut offline).await;
                    i += 1;
                }
                offline
            })
        })
        .collect();
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(rng.range(100, 500))).await;
        c.server.kill9();
        tokio::time::sleep(Duration::from_millis(rng.range(0, 200))).await;
        tokio::task::block_in_place(|| c.server.restart()).unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        offline += w.await.unwrap();
    }
    for _ in 0..2 {
        a.sync_until_ok(&mut offline).await;
        b.sync_until_ok(&mut offline).await;
    }
    assert_same_rows(&[&a, &b]);
    let log = c.log(&a).await;
    assert_exactly_once(&log, &[&a, &b]);
    for d in [&a, &b] {
        d.integrity_ok();
    }
    c.assert_nothing_quarantined();
    eprintln!(
        "server killed: {} ops, {offline} offline rounds, {} duplicates, {:?}",
        log.len(),
        duplicates_in_server_log(&c.scratch.log_text()),
        started.elapsed()
    );
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Sets the device's wall clock to the real one shifted by `offset` (changeable).
fn skewed(device: &Device, offset_ms: i64) -> Arc<AtomicI64> {
    let offset = Arc::new(AtomicI64::new(offset_ms));
    let o = offset.clone();
    device.s().set_wall_clock(Box::new(move || {
        (now_ms() + o.load(Ordering::SeqCst)) as u64
    }));
    offset
}

/// Runs a local write and checks its ops' clocks: each later than every clock
/// the device had seen (own ops, applied ops), increasing, persisted.
fn write_checked(d: &Device, write: impl FnOnce(&Device)) {
    let seen = d.seen_hlcs().into_iter().max();
    let before = d.hlc();
    let n = d.outbox().len();
    write(d);
    let store = d.s();
    let mut stmt = store
        .conn()
        .prepare("SELECT hlc FROM outbox WHERE device_counter > ?1 ORDER BY device_counter")
        .unwrap();
    let new: Vec<Hlc> = stmt
        .query_map([n as i64], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|h| h.unwrap().parse().unwrap())
        .collect();
    drop(stmt);
    drop(store);
    assert!(!new.is_empty(), "{}: the write recorded no op", d.name);
    let mut last = seen.unwrap_or(before).max(before);
    for hlc in &new {
        assert!(*hlc > last, "{}: op clock {hlc} not after {last}", d.name);
        last = *hlc;
    }
    assert_eq!(d.hlc(), last, "{}: persisted clock", d.name);
}

/// A round, then: the clock did not go back and is at least every clock applied.
async fn sync_checked(d: &Device) {
    let before = d.hlc();
    let mut offline = 0;
    d.sync_until_ok(&mut offline).await;
    let after = d.hlc();
    assert!(
        after >= before,
        "{}: clock went back {before} -> {after}",
        d.name
    );
    for seen in d.seen_hlcs() {
        assert!(
            (after.millis, after.counter) >= (seen.millis, seen.counter),
            "{}: clock {after} behind a seen clock {seen}",
            d.name
        );
    }
}

/// Per field of `patient`: the value and clock of the op with the latest HLC in
/// the whole log (registration or set_fields).
fn last_writer(
    log: &[LoggedOp],
    patient: PatientId,
    fields: &[&str],
) -> BTreeMap<String, (Hlc, serde_json::Value)> {
    let mut out: BTreeMap<String, (Hlc, serde_json::Value)> = BTreeMap::new();
    for o in log
        .iter()
        .filter(|o| o.op.entity == EntityKind::Patient && o.op.entity_id == patient.to_string())
    {
        let values = match o.op.kind {
            OpKind::RegisterPatient => &o.op.payload["details"],
            OpKind::SetFields => &o.op.payload["fields"],
            _ => continue,
        };
        for f in fields {
            if let Some(v) = values.get(*f) {
                if out.get(*f).is_none_or(|(h, _)| o.op.hlc > *h) {
                    out.insert(f.to_string(), (o.op.hlc, v.clone()));
                }
            }
        }
    }
    out
}

/// 4. A is 24 h ahead, B 24 h behind, C jumps back 48 h and 1 h between writes.
/// Every op's clock is later than everything its device had seen (so an edit
/// made after seeing another wins, whatever the wall clocks say); concurrent
/// edits are decided by the later clock, the same way on every device; clocks
/// never go backwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skewed_and_jumping_clocks_converge_and_later_hlc_wins() {
    let started = Instant::now();
    let c = Clinic::start();
    let (a, b, cc) = (Device::new("A"), Device::new("B"), Device::new("C"));
    for d in [&a, &b, &cc] {
        d.enroll(&c.url(), &c.ca, c.code()).await;
    }
    skewed(&a, DAY_MS);
    skewed(&b, -DAY_MS);
    let c_clock = skewed(&cc, 0);

    let mut patient = None;
    write_checked(&a, |a| {
        patient = Some(a.register(person("Skew", "Patient", 3)))
    });
    let p = patient.unwrap();
    for d in [&a, &b, &cc] {
        sync_checked(d).await;
    }
    // B, 48 h behind A, edits after seeing A's registration: B's edit wins.
    write_checked(&b, |b| b.edit(p, |d| d.phone = "+1 555 0201".into()));
    for d in [&b, &a, &cc] {
        sync_checked(d).await;
    }
    for d in [&a, &b, &cc] {
        let phone = registry::get_patient(d.s().conn(), p)
            .unwrap()
            .details
            .phone;
        assert_eq!(
            phone, "+1 555 0201",
            "{}: the causally later edit wins",
            d.name
        );
    }
    // C's clock jumps back and forth between its writes.
    c_clock.store(-2 * DAY_MS, Ordering::SeqCst);
    write_checked(&cc, |c| c.edit(p, |d| d.email = "c1@example.org".into()));
    c_clock.store(0, Ordering::SeqCst);
    write_checked(&cc, |c| c.edit(p, |d| d.phone = "+1 555 0301".into()));
    c_clock.store(-3600 * 1000, Ordering::SeqCst);
    write_checked(&cc, |c| c.edit(p, |d| d.phone = "+1 555 0302".into()));
    // Concurrent, offline edits of the same fields on all three.
    write_checked(&a, |a| a.edit(p, |d| d.phone = "+1 555 0401".into()));
    write_checked(&b, |b| {
        b.edit(p, |d| {
            d.phone = "+1 555 0501".into();
            d.email = "b@example.org".into();
        })
    });
    c_clock.store(-2 * DAY_MS, Ordering::SeqCst);
    write_checked(&cc, |c| c.edit(p, |d| d.email = "c2@example.org".into()));
    for d in [&cc, &b, &a, &cc, &b, &a] {
        sync_checked(d).await;
    }
    // And once more after a backward jump, having seen A's clock 24 h ahead.
    write_checked(&cc, |c| {
        c.register(person("After", "Jump", 4));
    });
    for d in [&cc, &a, &b] {
        sync_checked(d).await;
    }

    assert_same_rows(&[&a, &b, &cc]);
    let log = c.log(&a).await;
    assert_exactly_once(&log, &[&a, &b, &cc]);
    let winners = last_writer(&log, p, &["phone", "email"]);
    let shown = registry::get_patient(a.s().conn(), p).unwrap().details;
    let clocks: BTreeMap<String, String> = serde_json::from_str(
        &a.s()
            .conn()
            .query_row(
                "SELECT field_clock FROM patient_detail WHERE patient_id = ?1",
                [p.to_string()],
                |r| r.get::<_, String>(0),
            )
            .unwrap(),
    )
    .unwrap();
    for (field, value) in [("phone", &shown.phone), ("email", &shown.email)] {
        let (hlc, expected) = &winners[field];
        assert_eq!(
            serde_json::Value::from(value.as_str()),
            *expected,
            "{field}"
        );
        assert_eq!(clocks[field], hlc.to_string(), "{field} clock");
    }
    // A's wall clock is a day ahead of everyone else's: its concurrent edit wins.
    assert_eq!(shown.phone, "+1 555 0401");
    eprintln!("clock skew: {} ops, {:?}", log.len(), started.elapsed());
}

/// 5. A revoked device is told so (`SyncError::Revoked`) and pushes nothing; a
/// device's token used with another device's id or ops, or a guessed token, is
/// refused and changes nothing in the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_device_and_borrowed_token_are_refused() {
    let started = Instant::now();
    let c = Clinic::start();
    let (a, b) = (Device::new("A"), Device::new("B"));
    a.enroll(&c.url(), &c.ca, c.code()).await;
    b.enroll(&c.url(), &c.ca, c.code()).await;
    a.register(person("Before", "Revoke", 5));
    let mut offline = 0;
    a.sync_until_ok(&mut offline).await;
    b.sync_until_ok(&mut offline).await;
    let before = c.log(&b).await;

    // B's token with A's device id and A's ops; then with B's id but A's ops.
    a.register(person("Never", "Pushed", 6));
    let a_ops = a.s().pending_ops(500).unwrap();
    let (a_id, b_id) = (a.s().device_id(), b.s().device_id());
    let transport =
        Transport::new(TransportConfig::new(c.url()).with_ca_pem(c.ca.clone())).unwrap();
    let b_token = b.token();
    for device_id in [a_id, b_id] {
        let refused = transport
            .push(
                &b_token,
                &PushRequest {
                    device_id,
                    ops: a_ops.clone(),
                },
            )
            .await;
        assert!(
            matches!(
                refused,
                Err(TransportError::Api {
                    status: 400 | 401 | 403,
                    ..
                })
            ),
            "{refused:?}"
        );
    }
    for token in [
        "guessed-token",
        &format!("{b_token}x"),
        &b_token[..b_token.len() - 1],
    ] {
        let refused = transport
            .push(
                token,
                &PushRequest {
                    device_id: a_id,
                    ops: a_ops.clone(),
                },
            )
            .await;
        assert!(
            matches!(
                refused,
                Err(TransportError::Api {
                    status: 401,
                    code: ApiErrorCode::Unauthorized,
                    ..
                })
            ),
            "{refused:?}"
        );
    }
    assert_eq!(c.log(&b).await, before, "a refused push changed the log");

    c.scratch
        .cli(&["revoke-device", "--device-id", &a_id.to_string()])
        .unwrap();
    let revoked = engine::sync_round(&a, |_| {}).await;
    assert!(matches!(revoked, Err(SyncError::Revoked)), "{revoked:?}");
    assert_eq!(revoked.unwrap_err().phase(), SyncPhase::Revoked);
    assert_eq!(
        a.pending(),
        a_ops.len() as u64,
        "nothing of the revoked device was marked pushed"
    );
    let pull = transport.pull(&a.token(), None, 10).await;
    assert!(
        pull.as_ref().is_err_and(TransportError::is_revoked),
        "{pull:?}"
    );
    // The revoked id cannot enroll again with a fresh code.
    let again = engine::enroll(
        &a,
        &clinic_protocol::ConnectSyncServer {
            server_url: c.url(),
            enrollment_code: c.code(),
            device_name: "A again".into(),
            ca_pem: Some(String::from_utf8(c.ca.clone()).unwrap()),
        },
    )
    .await;
    assert!(again.is_err(), "a revoked device id enrolled again");
    assert_eq!(
        c.log(&b).await,
        before,
        "the revoked device changed the log"
    );

    // B goes on as before and never sees the revoked device's later write.
    b.register(person("After", "Revoke", 7));
    let summary = b.sync_until_ok(&mut offline).await;
    assert_eq!((summary.pushed, summary.applied), (1, 0));
    let log = c.log(&b).await;
    assert_eq!(log.len(), before.len() + 1);
    assert!(log.iter().all(|o| o.op.op_id != a_ops[0].op_id));
    eprintln!("revocation: {:?}", started.elapsed());
}

/// 6. Ops whose clocks are far ahead and at the end of their counter (a device
/// whose clock was set ahead and that wrote 65,536 ops within one of its
/// milliseconds, or any device sending such a clock) must not stop the other
/// devices from syncing. Ten years ahead: the server quarantines the op (it would
/// drag every clock into the future). Three days ahead (within the server's
/// tolerance): accepted, and applying it carries the full counter into the next
/// millisecond instead of failing (it failed every round with `ClockOverflow`
/// before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_op_with_a_far_future_clock_does_not_stop_sync() {
    let c = Clinic::start();
    let (a, b) = (Device::new("A"), Device::new("B"));
    a.enroll(&c.url(), &c.ca, c.code()).await;
    b.enroll(&c.url(), &c.ca, c.code()).await;
    // The ops with wrong clocks come from a third device (its own counters).
    let wrong = Device::new("C");
    wrong.enroll(&c.url(), &c.ca, c.code()).await;
    let p = a.register(person("Far", "Future", 8));
    let mut offline = 0;
    a.sync_until_ok(&mut offline).await;
    b.sync_until_ok(&mut offline).await;
    let b_id = wrong.s().device_id();
    let op = clinic_protocol::Op {
        op_id: clinic_protocol::OpId::new(),
        device_counter: 1,
        hlc: Hlc {
            millis: (now_ms() + 3650 * DAY_MS) as u64,
            counter: u16::MAX,
            device: b_id,
        },
        kind: OpKind::SetFields,
        entity: EntityKind::Patient,
        entity_id: p.to_string(),
        payload: serde_json::json!({"fields": {"phone": "+1 555 0999"}}),
        schema_version: clinic_protocol::SCHEMA_VERSION,
    };
    let near = clinic_protocol::Op {
        op_id: clinic_protocol::OpId::new(),
        device_counter: 2,
        hlc: Hlc {
            millis: (now_ms() + 3 * DAY_MS) as u64,
            counter: u16::MAX,
            device: b_id,
        },
        payload: serde_json::json!({"fields": {"phone": "+1 555 0998"}}),
        ..op.clone()
    };
    let transport =
        Transport::new(TransportConfig::new(c.url()).with_ca_pem(c.ca.clone())).unwrap();
    let pushed = transport
        .push(
            &wrong.token(),
            &PushRequest {
                device_id: b_id,
                ops: vec![op, near],
            },
        )
        .await
        .unwrap();
    assert_eq!(
        pushed.results[0].outcome,
        clinic_protocol::PushOutcome::Quarantined {
            reason: clinic_protocol::QuarantineReason::ClockFarAhead
        }
    );
    assert!(matches!(
        pushed.results[1].outcome,
        clinic_protocol::PushOutcome::Accepted { .. }
    ));
    for d in [&a, &b] {
        let round = engine::sync_round(d, |_| {}).await;
        assert!(round.is_ok(), "{}: {round:?}", d.name);
        d.register(person("Still", "Writing", 9));
        let round = engine::sync_round(d, |_| {}).await;
        assert!(round.is_ok(), "{}: {round:?}", d.name);
    }
    // A has not seen B's last registration yet.
    assert!(engine::sync_round(&a, |_| {}).await.is_ok());
    assert_same_rows(&[&a, &b]);
}

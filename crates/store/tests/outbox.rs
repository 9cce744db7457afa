//! Change capture: ops are committed with their domain rows or not at all, the
//! device counter is gap-free, and the hybrid logical clock never goes backwards,
//! whatever the wall clock does, also across restarts.
mod common;

use clinic_protocol::{EntityKind, Hlc, Op, OpKind, SCHEMA_VERSION};
use clinic_store::{open, Store, StoreError};
use common::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const HOUR_MS: u64 = 3_600_000;

fn assert_nothing_written(store: &Store, before: (i64, i64, i64), what: &str) {
    assert_eq!(
        count(store.conn(), "patient"),
        0,
        "{what}: domain row survived"
    );
    assert_eq!(count(store.conn(), "outbox"), 0, "{what}: op survived");
    assert_eq!(
        device_state(store.conn()),
        before,
        "{what}: counter or HLC advanced"
    );
}

#[test]
fn outbox_atomicity() {
    let dir = tempdir();
    let path = db_path(dir.path());
    let mut store = open(&path, &key_a()).unwrap();
    let before = device_state(store.conn());
    assert_eq!(before, (0, 0, 0));

    // (a) The closure returns an error after writing a row and recording an op.
    let r: Result<(), StoreError> = store.write(|tx| {
        insert_patient(tx.conn(), "p-1", "a", &tx.now_rfc3339())?;
        tx.record(
            OpKind::RegisterPatient,
            EntityKind::Patient,
            "p-1",
            serde_json::json!({}),
        )?;
        assert_eq!(tx.recorded(), 1);
        Err(StoreError::Config("the use case rejected the input".into()))
    });
    assert!(
        matches!(r, Err(StoreError::Config(_))),
        "the closure's error is returned"
    );
    assert_nothing_written(&store, before, "closure error");

    // (b) A failing SQL statement after the op (duplicate MRN) rolls back both.
    let r: Result<(), StoreError> = store.write(|tx| {
        insert_patient(tx.conn(), "p-2", "b", &tx.now_rfc3339())?;
        tx.record(OpKind::RegisterPatient, EntityKind::Patient, "p-2", serde_json::json!({}))?;
        tx.conn().execute(
            "INSERT INTO patient (id, mrn, given_name, family_name, date_of_birth, sort_name, name_key, created_at, updated_at)
             VALUES ('p-3', 'MRN-p-2', 'c', 'T', '2000-01-01', 'c', 'c', 'x', 'x')",
            [],
        )?;
        Ok(())
    });
    let err = r.expect_err("duplicate MRN");
    assert!(matches!(err, StoreError::Sqlite(_)), "{err:?}");
    assert_nothing_written(&store, before, "failing statement");

    // (c) A panic inside the closure: unwinding drops the transaction (rollback).
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = store.write(|tx| -> Result<(), StoreError> {
            insert_patient(tx.conn(), "p-4", "d", &tx.now_rfc3339())?;
            tx.record(
                OpKind::SetFields,
                EntityKind::Patient,
                "p-4",
                serde_json::json!({}),
            )?;
            panic!("bug in a use case");
        });
    }));
    assert!(panicked.is_err());
    assert_nothing_written(&store, before, "panic");

    // (d) A successful write with three ops: all committed, counters 1..=3.
    let recorded: Vec<Op> = store
        .write(|tx| -> Result<_, StoreError> {
            insert_patient(tx.conn(), "p-5", "e", &tx.now_rfc3339())?;
            let mut ops = vec![tx.record(
                OpKind::RegisterPatient,
                EntityKind::Patient,
                "p-5",
                serde_json::json!({ "given_name": "e" }),
            )?];
            for i in 0..2 {
                ops.push(tx.record(
                    OpKind::SetFields,
                    EntityKind::Patient,
                    "p-5",
                    serde_json::json!({ "phone": format!("555-000{i}") }),
                )?);
            }
            Ok(ops)
        })
        .unwrap();
    assert_eq!(count(store.conn(), "patient"), 1);
    assert_eq!(count(store.conn(), "outbox"), 3);
    let counters: Vec<u64> = recorded.iter().map(|o| o.device_counter).collect();
    assert_eq!(
        counters,
        [1, 2, 3],
        "gap-free, and failed writes consumed no numbers"
    );
    for pair in recorded.windows(2) {
        assert!(pair[1].hlc > pair[0].hlc, "HLC strictly increases");
        assert!(
            pair[1].hlc.to_string() > pair[0].hlc.to_string(),
            "and so does its text"
        );
        assert_ne!(pair[0].op_id, pair[1].op_id);
    }
    let last = recorded.last().unwrap();
    assert_eq!(
        device_state(store.conn()),
        (last.hlc.millis as i64, last.hlc.counter as i64, 3),
        "device_state holds the last clock and counter"
    );

    // pending_ops returns exactly what was recorded, oldest first.
    let pending = store.pending_ops(100).unwrap();
    assert_eq!(pending, recorded);
    for op in &pending {
        assert_eq!(op.hlc.device, store.device_id());
        assert_eq!(op.schema_version, SCHEMA_VERSION);
        assert_eq!(op.entity, EntityKind::Patient);
        assert_eq!(op.entity_id, "p-5");
    }
    assert_eq!(pending[0].kind, OpKind::RegisterPatient);
    assert_eq!(
        pending[2].payload,
        serde_json::json!({ "phone": "555-0001" })
    );
    assert_eq!(
        store.pending_ops(2).unwrap(),
        recorded[..2],
        "limit is honoured"
    );

    // The ops survive a reopen unchanged.
    drop(store);
    let store = open(&path, &key_a()).unwrap();
    assert_eq!(store.pending_ops(100).unwrap(), recorded);
}

/// A settable wall clock shared with the store.
fn manual_clock(store: &mut Store, start: u64) -> Arc<AtomicU64> {
    let clock = Arc::new(AtomicU64::new(start));
    let c = clock.clone();
    store.set_wall_clock(Box::new(move || c.load(Ordering::SeqCst)));
    clock
}

fn record_n(store: &mut Store, n: usize) -> Vec<Op> {
    store
        .write(|tx| -> Result<_, StoreError> {
            (0..n)
                .map(|_| {
                    tx.record(
                        OpKind::SetFields,
                        EntityKind::Patient,
                        "p",
                        serde_json::json!({}),
                    )
                })
                .collect()
        })
        .unwrap()
}

fn assert_strictly_increasing(all: &[Hlc]) {
    for (i, pair) in all.windows(2).enumerate() {
        assert!(
            pair[1] > pair[0],
            "HLC went backwards at op {i}: {} -> {}",
            pair[0],
            pair[1]
        );
        assert!(
            pair[1].to_string() > pair[0].to_string(),
            "text order at op {i}"
        );
    }
}

#[test]
fn hlc_never_goes_backwards() {
    let dir = tempdir();
    let path = db_path(dir.path());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let mut hlcs = Vec::new();

    let mut store = open(&path, &key_a()).unwrap();
    let clock = manual_clock(&mut store, now);
    hlcs.extend(record_n(&mut store, 3).iter().map(|o| o.hlc));
    assert_eq!(hlcs[0].millis, now);

    // The wall clock jumps back 24 h: the HLC stays at `now` and counts up.
    clock.store(now - 24 * HOUR_MS, Ordering::SeqCst);
    for _ in 0..5 {
        hlcs.extend(record_n(&mut store, 1).iter().map(|o| o.hlc));
    }
    assert!(hlcs.iter().all(|h| h.millis == now));

    // It jumps forward 24 h: the HLC follows.
    clock.store(now + 24 * HOUR_MS, Ordering::SeqCst);
    hlcs.extend(record_n(&mut store, 1).iter().map(|o| o.hlc));
    assert_eq!(hlcs.last().unwrap().millis, now + 24 * HOUR_MS);
    assert_eq!(hlcs.last().unwrap().counter, 0);

    // The clock stands still: many ops in one millisecond, in one write and in many.
    hlcs.extend(record_n(&mut store, 500).iter().map(|o| o.hlc));
    for _ in 0..50 {
        hlcs.extend(record_n(&mut store, 2).iter().map(|o| o.hlc));
    }
    assert_eq!(hlcs.last().unwrap().counter, 600);
    assert_strictly_increasing(&hlcs);
    let persisted = device_state(store.conn());
    drop(store);

    // Restart with the real system clock, now 24 h behind the persisted HLC.
    let mut store = open(&path, &key_a()).unwrap();
    assert_eq!(
        device_state(store.conn()),
        persisted,
        "clock persisted across restart"
    );
    hlcs.extend(record_n(&mut store, 3).iter().map(|o| o.hlc));
    // And with the wall clock far in the past.
    let clock = manual_clock(&mut store, 1_000);
    hlcs.extend(record_n(&mut store, 2).iter().map(|o| o.hlc));
    clock.store(0, Ordering::SeqCst);
    hlcs.extend(record_n(&mut store, 2).iter().map(|o| o.hlc));
    drop(store);

    assert_strictly_increasing(&hlcs);
    let store = open(&path, &key_a()).unwrap();
    let stored: Vec<Hlc> = store
        .pending_ops(10_000)
        .unwrap()
        .iter()
        .map(|o| o.hlc)
        .collect();
    assert_eq!(stored, hlcs, "the outbox holds the same, increasing clocks");
    let counters: Vec<u64> = store
        .pending_ops(10_000)
        .unwrap()
        .iter()
        .map(|o| o.device_counter)
        .collect();
    assert_eq!(
        counters,
        (1..=hlcs.len() as u64).collect::<Vec<_>>(),
        "gap-free counter"
    );
}

#[test]
fn a_full_hlc_counter_carries_into_the_next_millisecond() {
    let dir = tempdir();
    let path = db_path(dir.path());
    let mut store = open(&path, &key_a()).unwrap();
    let _clock = manual_clock(&mut store, 5_000_000);
    record_n(&mut store, 1);
    // conn() is read-only by convention; this test fast-forwards the counter.
    store
        .conn()
        .execute("UPDATE device_state SET hlc_counter = 65534", [])
        .unwrap();
    // 65535 still fits; the next op in the same millisecond carries into the next
    // millisecond instead of wrapping or failing, and still sorts after everything.
    let ops = record_n(&mut store, 2);
    assert_eq!(
        (ops[0].hlc.millis, ops[0].hlc.counter),
        (5_000_000, u16::MAX)
    );
    assert_eq!((ops[1].hlc.millis, ops[1].hlc.counter), (5_000_001, 0));
    assert!(ops[1].hlc > ops[0].hlc);
    assert_eq!(count(store.conn(), "outbox"), 3);
}

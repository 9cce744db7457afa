//! Opening: a new database is encrypted and keeps its identity; a wrong key, the
//! wrong encryption mode or a schema from a newer app is a clear error that leaves
//! every file in the directory exactly as it was.
mod common;

use clinic_protocol::ErrorCode;
use clinic_store::{latest_version, open, Encryption, StoreError};
use common::*;

#[test]
fn open_creates_encrypted_db() {
    let dir = tempdir();
    let path = db_path(dir.path());
    assert!(!path.exists());

    let mut store = open(&path, &key_a()).expect("create");
    let device = store.device_id();
    assert_eq!(store.schema_version().unwrap(), latest_version());
    assert!(
        latest_version() >= 2,
        "expected at least the two shipped migrations"
    );
    let conn = store.conn();
    let cipher: String = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .expect("SQLCipher is linked");
    assert!(!cipher.is_empty());
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
    let fk: i64 = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    let temp_store: i64 = conn
        .query_row("PRAGMA temp_store", [], |r| r.get(0))
        .unwrap();
    assert_eq!(temp_store, 2, "temp_store must stay in memory");

    // A canary written through the store must not appear in any file on disk,
    // neither in the WAL while the store is open nor in the database after close.
    let canary = "CANARY-ZEBRA-QUOKKA-7731";
    write_patient(&mut store, "p-canary", canary).expect("write");
    let check_no_canary = |when: &str| {
        for (name, bytes) in snapshot_dir(dir.path()) {
            assert!(
                !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
                "{when}: plaintext canary found in {name}"
            );
            assert!(
                !bytes.starts_with(PLAINTEXT_HEADER),
                "{when}: {name} is plaintext SQLite"
            );
        }
    };
    assert!(
        sidecar(&path, "-wal").exists(),
        "WAL mode keeps a -wal file while open"
    );
    check_no_canary("while open");
    drop(store);
    check_no_canary("after close");

    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() >= 4096);
    assert_ne!(&bytes[..16], PLAINTEXT_HEADER, "the file must be encrypted");

    let store = open(&path, &key_a()).expect("reopen with the same key");
    assert_eq!(
        store.device_id(),
        device,
        "device id is stable across reopen"
    );
    assert_eq!(store.schema_version().unwrap(), latest_version());
    assert_eq!(count(store.conn(), "patient"), 1);
    assert_eq!(count(store.conn(), "outbox"), 1);
    assert_eq!(count(store.conn(), "device_state"), 1);
    drop(store);

    // Reopening many times never makes a second device row or a new id.
    for _ in 0..3 {
        let store = open(&path, &key_a()).unwrap();
        assert_eq!(store.device_id(), device);
        assert_eq!(count(store.conn(), "device_state"), 1);
    }
}

fn assert_wrong_key_or_corrupt<T>(r: Result<T, StoreError>, what: &str) -> StoreError {
    let desc = describe(&r);
    match r {
        Err(e @ StoreError::WrongKeyOrCorrupt { .. }) => {
            assert_eq!(e.code(), ErrorCode::WrongKeyOrCorrupt);
            let msg = e.to_string();
            assert!(
                msg.contains("not changed"),
                "{what}: message should reassure: {msg}"
            );
            assert!(
                !msg.contains(KEY_A_HEX) && !msg.contains(KEY_B_HEX),
                "{what}: key in message"
            );
            e
        }
        _ => panic!("{what}: expected WrongKeyOrCorrupt, got {desc}"),
    }
}

#[test]
fn wrong_key() {
    let dir = tempdir();
    let path = db_path(dir.path());
    let device = create_db(&path, &key_a(), 5);

    let before = snapshot_dir(dir.path());
    assert_eq!(
        before.len(),
        1,
        "a cleanly closed WAL database is a single file"
    );
    for attempt in 0..2 {
        assert_wrong_key_or_corrupt(open(&path, &key_b()), &format!("key B, attempt {attempt}"));
        assert_dir_unchanged(dir.path(), &before, "after opening with the wrong key");
    }
    // The right key still opens it with all its data.
    let store = open(&path, &key_a()).expect("right key after a failed attempt");
    assert_eq!(store.device_id(), device);
    assert_eq!(count(store.conn(), "outbox"), 5);
}

#[test]
fn wrong_key_with_a_leftover_wal_changes_nothing() {
    // A crash leaves -wal/-shm next to the database; the committed data is only in
    // the WAL. Copy the three files while the writer is still open to get that state.
    let live = tempdir();
    let crashed = tempdir();
    let live_path = db_path(live.path());
    let path = db_path(crashed.path());
    let mut store = open(&live_path, &key_a()).unwrap();
    for i in 0..20 {
        write_patient(&mut store, &format!("p-{i}"), &filler(i)).unwrap();
    }
    for suffix in ["", "-wal", "-shm"] {
        std::fs::copy(sidecar(&live_path, suffix), sidecar(&path, suffix)).unwrap();
    }
    drop(store);
    assert!(std::fs::metadata(sidecar(&path, "-wal")).unwrap().len() > 0);

    // Without care, closing the failed connection checkpoints the WAL into the
    // database and deletes the WAL: the database must stay byte-identical and the
    // WAL must stay (the -shm index may be rebuilt; it holds no data).
    let before = snapshot_dir(crashed.path());
    assert_wrong_key_or_corrupt(open(&path, &key_b()), "wrong key, leftover WAL");
    assert_dir_unchanged_but_shm_index(crashed.path(), &before, "wrong key, leftover WAL");
    let before = snapshot_dir(crashed.path());
    assert_wrong_key_or_corrupt(
        open(&path, &Encryption::PlainForBenchmark),
        "plain, leftover WAL",
    );
    assert_dir_unchanged(crashed.path(), &before, "plain mode with a leftover WAL");
    // Same without the -shm file: the failed open may recreate the index only.
    std::fs::remove_file(sidecar(&path, "-shm")).unwrap();
    let before = snapshot_dir(crashed.path());
    assert_wrong_key_or_corrupt(open(&path, &key_b()), "wrong key, WAL without -shm");
    let after = snapshot_dir(crashed.path());
    assert_eq!(before["clinic.db"], after["clinic.db"], "database changed");
    assert_eq!(
        before["clinic.db-wal"], after["clinic.db-wal"],
        "WAL changed"
    );

    // The right key recovers every committed write from the WAL.
    let store = open(&path, &key_a()).expect("right key recovers the WAL");
    assert_eq!(count(store.conn(), "outbox"), 20);
    assert_eq!(count(store.conn(), "patient"), 20);
}

#[test]
fn encrypted_db_opened_as_plain_is_refused() {
    let dir = tempdir();
    let path = db_path(dir.path());
    create_db(&path, &key_a(), 2);
    let before = snapshot_dir(dir.path());
    let e = assert_wrong_key_or_corrupt(open(&path, &Encryption::PlainForBenchmark), "plain");
    assert!(e.to_string().contains("not a plain database"), "{e}");
    assert_dir_unchanged(
        dir.path(),
        &before,
        "after opening an encrypted DB as plain",
    );
    open(&path, &key_a()).expect("still opens with its key");
}

#[test]
fn plaintext_db_opened_with_a_key_is_refused() {
    let dir = tempdir();
    let path = db_path(dir.path());
    {
        let mut store = open(&path, &Encryption::PlainForBenchmark).expect("plain create");
        write_patient(&mut store, "p-1", "plain").unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        &bytes[..16],
        PLAINTEXT_HEADER,
        "benchmark mode writes plain SQLite"
    );

    let before = snapshot_dir(dir.path());
    let e = assert_wrong_key_or_corrupt(open(&path, &key_a()), "key on a plaintext DB");
    assert!(e.to_string().contains("unencrypted"), "{e}");
    assert_dir_unchanged(dir.path(), &before, "after keying a plaintext DB");
    // Nothing was encrypted in place: it still opens as plain.
    let store = open(&path, &Encryption::PlainForBenchmark).expect("still plain");
    assert_eq!(count(store.conn(), "outbox"), 1);
}

#[test]
fn schema_too_new() {
    let dir = tempdir();
    let path = db_path(dir.path());
    let newer = latest_version() + 1;
    {
        let store = open(&path, &key_a()).unwrap();
        // conn() is read-only by convention; this test simulates a newer app.
        store
            .conn()
            .execute_batch(&format!("PRAGMA user_version = {newer}"))
            .unwrap();
    }
    let before = snapshot_dir(dir.path());
    for _ in 0..2 {
        match open(&path, &key_a()) {
            Err(e @ StoreError::SchemaTooNew { .. }) => {
                let StoreError::SchemaTooNew {
                    found, supported, ..
                } = &e
                else {
                    unreachable!()
                };
                assert_eq!(*found, newer);
                assert_eq!(*supported, latest_version());
                assert_eq!(e.code(), ErrorCode::SchemaTooNew);
                let msg = e.to_string();
                assert!(msg.contains("Update the app"), "{msg}");
                assert!(msg.contains(&newer.to_string()), "{msg}");
            }
            other => panic!("expected SchemaTooNew, got {}", describe(&other)),
        }
        assert_dir_unchanged(dir.path(), &before, "after refusing a newer schema");
    }
}

#[test]
fn schema_too_new_with_a_leftover_wal_changes_nothing() {
    // A newer app crashed: its schema bump is only in the WAL. Refusing it must
    // not checkpoint that WAL into the file (the key is right, so it could).
    let live = tempdir();
    let crashed = tempdir();
    let live_path = db_path(live.path());
    let path = db_path(crashed.path());
    let store = open(&live_path, &key_a()).unwrap();
    store
        .conn()
        .execute_batch(&format!("PRAGMA user_version = {}", latest_version() + 1))
        .unwrap();
    for suffix in ["", "-wal", "-shm"] {
        std::fs::copy(sidecar(&live_path, suffix), sidecar(&path, suffix)).unwrap();
    }
    drop(store);
    let before = snapshot_dir(crashed.path());
    let r = open(&path, &key_a());
    assert!(
        matches!(r, Err(StoreError::SchemaTooNew { .. })),
        "{}",
        describe(&r)
    );
    drop(r);
    assert_dir_unchanged_but_shm_index(crashed.path(), &before, "newer schema in the WAL");
}

#[test]
fn the_bundled_sqlcipher_has_fts5() {
    let dir = tempfile::tempdir().unwrap();
    let store = clinic_store::open(
        &dir.path().join("fts.db"),
        &clinic_store::Encryption::Key(clinic_store::DbKey::generate().unwrap()),
    )
    .unwrap();
    store
        .conn()
        .execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(body); INSERT INTO t VALUES ('hello world');",
        )
        .unwrap();
    let n: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM t WHERE t MATCH 'hello'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(n, 1);
}

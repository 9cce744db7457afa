//! Upgrading a database saved by an older app: `tests/fixtures/schema_v1.db` was
//! written with only migration 0001 applied (see `tests/fixtures/README.md` and the
//! ignored `generate_v1_fixture` below). Opening a copy must migrate it to the
//! latest schema, keep its device identity, clock and unsent ops, and end with
//! exactly the schema of a freshly created database. This also catches an edit to
//! a migration that already shipped.
mod common;

use clinic_protocol::{DeviceId, EntityKind, Hlc, Op, OpKind};
use clinic_store::rusqlite::Connection;
use clinic_store::{latest_version, open, DbKey, Encryption};
use common::*;
use std::path::{Path, PathBuf};

/// The fixture's key. Public and for this fixture only; also in the README.
const FIXTURE_KEY_HEX: &str = "0123456789abcdeffedcba98765432100123456789abcdeffedcba9876543210";
const DEVICE_ID: &str = "01900000-0000-7000-8000-000000000001";
const OP_ID: &str = "01900000-0000-7000-8000-0000000000a1";
const ENTITY_ID: &str = "01900000-0000-7000-8000-0000000000b1";
const HLC_MILLIS: u64 = 0x0190_0000_0000;
const HLC_COUNTER: u16 = 3;
const CREATED_AT: &str = "2024-06-01T00:00:00.000Z";

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema_v1.db")
}

fn fixture_key() -> Encryption {
    Encryption::Key(DbKey::from_hex(FIXTURE_KEY_HEX).unwrap())
}

fn expected_op() -> Op {
    let device: DeviceId = DEVICE_ID.parse().unwrap();
    Op {
        op_id: OP_ID.parse().unwrap(),
        device_counter: 1,
        hlc: Hlc {
            millis: HLC_MILLIS,
            counter: HLC_COUNTER,
            device,
        },
        kind: OpKind::RegisterPatient,
        entity: EntityKind::Patient,
        entity_id: ENTITY_ID.into(),
        payload: serde_json::json!({ "given_name": "Fixture", "family_name": "Sample" }),
        schema_version: 1,
    }
}

/// A raw keyed connection, bypassing `clinic_store::open` on purpose: to write the
/// database exactly as the v1 app did (only migration 0001), and to look at the
/// fixture before the store migrates it.
#[allow(clippy::disallowed_methods)]
fn raw_keyed(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{FIXTURE_KEY_HEX}'\";"))
        .unwrap();
    conn
}

#[test]
#[ignore = "regenerates tests/fixtures/schema_v1.db; run by hand, then commit the file"]
fn generate_v1_fixture() {
    let path = fixture_path();
    let tmp = path.with_extension("db.tmp");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(sidecar(&tmp, suffix));
    }
    {
        let conn = raw_keyed(&tmp);
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        conn.execute_batch(&format!(
            "BEGIN;
             {}
             PRAGMA user_version = 1;
             COMMIT;",
            include_str!("../../../migrations/0001_device_and_outbox.sql")
        ))
        .unwrap();
        let op = expected_op();
        conn.execute(
            "INSERT INTO device_state (singleton, device_id, hlc_millis, hlc_counter, device_counter, created_at)
             VALUES (1, ?1, ?2, ?3, 1, ?4)",
            (DEVICE_ID, HLC_MILLIS as i64, HLC_COUNTER as i64, CREATED_AT),
        )
        .unwrap();
        conn.execute(
            "INSERT INTO outbox (op_id, device_counter, hlc, kind, entity, entity_id, payload, schema_version, created_at)
             VALUES (?1, 1, ?2, 'register_patient', 'patient', ?3, ?4, 1, ?5)",
            (OP_ID, op.hlc.to_string(), ENTITY_ID, op.payload.to_string(), CREATED_AT),
        )
        .unwrap();
    } // closing checkpoints the WAL into the file and removes it
    assert!(!sidecar(&tmp, "-wal").exists());
    std::fs::rename(&tmp, &path).unwrap();
}

#[test]
fn upgrade_saved_old_schema() {
    let fixture = fixture_path();
    let original = std::fs::read(&fixture).expect("the v1 fixture is committed");
    assert_ne!(
        &original[..16],
        PLAINTEXT_HEADER,
        "the fixture is encrypted"
    );
    let readme = std::fs::read_to_string(fixture.with_file_name("README.md")).unwrap();
    assert!(
        readme.contains(FIXTURE_KEY_HEX),
        "the README documents the fixture's key"
    );

    let dir = tempdir();
    let path = db_path(dir.path());
    std::fs::copy(&fixture, &path).unwrap();
    {
        // Before: really schema 1, without the later tables.
        let raw = raw_keyed(&path);
        let v: i64 = raw
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
        let patient: i64 = raw
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'patient'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(patient, 0);
    }
    assert!(
        latest_version() > 1,
        "nothing to upgrade: add a migration first"
    );

    let mut store = open(&path, &fixture_key()).expect("open and migrate the v1 database");
    assert_eq!(store.schema_version().unwrap(), latest_version());
    assert_eq!(
        store.device_id().to_string(),
        DEVICE_ID,
        "device identity survived"
    );
    assert_eq!(count(store.conn(), "device_state"), 1);
    assert_eq!(
        store.pending_ops(10).unwrap(),
        vec![expected_op()],
        "the unsent op survived"
    );
    assert_eq!(
        device_state(store.conn()),
        (HLC_MILLIS as i64, HLC_COUNTER as i64, 1),
        "clock and counter survived"
    );

    // Writing after the upgrade continues the counter and the clock.
    let op = write_patient(&mut store, "p-after-upgrade", "x").unwrap();
    assert_eq!(op.device_counter, 2);
    assert!(op.hlc > expected_op().hlc);
    let upgraded = schema(store.conn());
    drop(store);

    let fresh_dir = tempdir();
    let fresh = open(&db_path(fresh_dir.path()), &key_a()).unwrap();
    let fresh_schema = schema(fresh.conn());
    assert!(fresh_schema.iter().any(|s| s.starts_with("table|patient|")));
    assert_eq!(
        upgraded, fresh_schema,
        "an upgraded database has the fresh schema"
    );

    // Reopening the upgraded copy runs no migration again and keeps everything.
    let store = open(&path, &fixture_key()).unwrap();
    assert_eq!(store.pending_ops(10).unwrap().len(), 2);
    assert_eq!(
        std::fs::read(&fixture).unwrap(),
        original,
        "the fixture itself is untouched"
    );
}

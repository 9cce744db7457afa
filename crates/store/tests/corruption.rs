//! Damaged database files: every kind of damage is a clear WrongKeyOrCorrupt error
//! (at open, or at the first read of the damaged page), and a failed open leaves
//! the files exactly as they were: nothing is repaired, replaced or recreated.
mod common;

use clinic_protocol::ErrorCode;
use clinic_store::{latest_version, open, StoreError};
use common::*;
use std::path::Path;

const PAGE: usize = 4096;

/// Opens `path` and asserts a WrongKeyOrCorrupt error and an untouched directory.
fn assert_open_refused(path: &Path, what: &str) {
    let dir = path.parent().unwrap();
    let before = snapshot_dir(dir);
    for attempt in 0..2 {
        let r = open(path, &key_a());
        match &r {
            Err(e @ StoreError::WrongKeyOrCorrupt { .. }) => {
                assert_eq!(e.code(), ErrorCode::WrongKeyOrCorrupt);
                assert!(e.to_string().contains("not changed"), "{e}");
            }
            _ => panic!(
                "{what} (attempt {attempt}): expected WrongKeyOrCorrupt, got {}",
                describe(&r)
            ),
        }
        drop(r);
        assert_dir_unchanged(dir, &before, what);
    }
}

fn flip(bytes: &mut [u8], offsets: impl IntoIterator<Item = usize>) {
    for o in offsets {
        bytes[o] ^= 0xff;
    }
}

#[test]
fn truncated_to_half() {
    let dir = tempdir();
    let path = db_path(dir.path());
    create_db(&path, &key_a(), 50);
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(
        len >= 8 * PAGE as u64,
        "need a multi-page database, got {len} bytes"
    );
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    assert_open_refused(&path, "truncated to half");
}

#[test]
fn bit_flips_in_page_one() {
    let dir = tempdir();
    let path = db_path(dir.path());
    create_db(&path, &key_a(), 3);
    let original = std::fs::read(&path).unwrap();
    // The salt (0..16), the encrypted header and b-tree (16..4048) and the
    // IV/HMAC reserve at the end of the page: damage anywhere is detected.
    for offset in [0usize, 15, 16, 100, 2000, PAGE - 40, PAGE - 1] {
        let mut bytes = original.clone();
        flip(&mut bytes, [offset]);
        std::fs::write(&path, &bytes).unwrap();
        assert_open_refused(&path, &format!("page 1 byte {offset} flipped"));
    }
    std::fs::write(&path, &original).unwrap();
    open(&path, &key_a()).expect("the undamaged bytes still open");
}

/// The page number of the root of `table`, read through the store.
fn root_page(path: &Path, table: &str) -> usize {
    let store = open(path, &key_a()).unwrap();
    store
        .conn()
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = ?1",
            [table],
            |r| r.get::<_, i64>(0),
        )
        .map(|p| p as usize)
        .unwrap()
}

#[test]
fn bit_flip_in_a_later_page_fails_on_first_read_of_that_page() {
    let dir = tempdir();
    let path = db_path(dir.path());
    create_db(&path, &key_a(), 200);
    let outbox_root = root_page(&path, "outbox");
    assert!(outbox_root > 1);
    let len = std::fs::metadata(&path).unwrap().len() as usize;
    assert!(
        len / PAGE > outbox_root,
        "the outbox root must lie inside the file"
    );

    let mut bytes = std::fs::read(&path).unwrap();
    let start = (outbox_root - 1) * PAGE;
    flip(&mut bytes, [start + 200, start + 201, start + 1000]);
    std::fs::write(&path, &bytes).unwrap();
    let before = snapshot_dir(dir.path());

    // Open does not read the outbox, so it may succeed; the first read of the
    // damaged page must then fail with a corruption code, never return wrong data.
    match open(&path, &key_a()) {
        Ok(mut store) => {
            // First touch of the page: a write (its op goes to the outbox).
            let err = write_patient(&mut store, "p-after-damage", "x").unwrap_err();
            assert_eq!(err.code(), ErrorCode::WrongKeyOrCorrupt, "{err:?}");
            let err = store
                .pending_ops(1000)
                .expect_err("reading a damaged page must fail");
            assert_eq!(err.code(), ErrorCode::WrongKeyOrCorrupt, "{err:?}");
            let err = StoreError::from(
                store
                    .conn()
                    .query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))
                    .expect_err("count must fail too"),
            );
            assert_eq!(err.code(), ErrorCode::WrongKeyOrCorrupt, "{err:?}");
            // SQLCipher now refuses every write on this connection (today with
            // SQLITE_READONLY, which maps to Storage); it must at least fail.
            assert!(write_patient(&mut store, "p-after-damage-2", "y").is_err());
        }
        Err(e) => assert_eq!(e.code(), ErrorCode::WrongKeyOrCorrupt, "{e:?}"),
    }
    assert_dir_unchanged(dir.path(), &before, "after reading a damaged page");
    // The failed write left no patient row (its pages are undamaged and readable).
    let store = open(&path, &key_a()).expect("open again");
    assert_eq!(count(store.conn(), "patient"), 200);
}

#[test]
fn bit_flip_in_the_device_row_page_fails_at_open() {
    let dir = tempdir();
    let path = db_path(dir.path());
    create_db(&path, &key_a(), 20);
    let root = root_page(&path, "device_state");
    assert!(root > 1);
    let mut bytes = std::fs::read(&path).unwrap();
    flip(&mut bytes, [(root - 1) * PAGE + 500]);
    std::fs::write(&path, &bytes).unwrap();
    let dir_path = dir.path();
    let before = snapshot_dir(dir_path);
    // Open reads the device row, so it fails; its code says "corrupt".
    let err = open(&path, &key_a()).expect_err("open must read the device row");
    assert_eq!(err.code(), ErrorCode::WrongKeyOrCorrupt, "{err:?}");
    assert_dir_unchanged(dir_path, &before, "device row page damaged");
}

#[test]
fn random_garbage_file() {
    let dir = tempdir();
    let path = db_path(dir.path());
    let mut rng = XorShift::new(0x5eed_0001);
    for len in [100usize, 4096, 3 * PAGE + 17, 16 * PAGE] {
        let mut garbage = vec![0u8; len];
        rng.fill(&mut garbage);
        std::fs::write(&path, &garbage).unwrap();
        assert_open_refused(&path, &format!("{len} bytes of garbage"));
    }
    // A file of zeros is not an empty database either.
    std::fs::write(&path, vec![0u8; 2 * PAGE]).unwrap();
    assert_open_refused(&path, "a file of zeros");
}

/// Documented choice: a zero-length file holds no data, so it is treated like a
/// missing file and becomes a new database (SQLite itself treats an empty file as
/// an empty database, and a crash right after creating the file leaves one).
#[test]
fn zero_length_file_is_treated_as_new() {
    let dir = tempdir();
    let path = db_path(dir.path());
    std::fs::write(&path, b"").unwrap();
    let store = open(&path, &key_a()).expect("an empty file becomes a new database");
    assert_eq!(store.schema_version().unwrap(), latest_version());
    assert_eq!(count(store.conn(), "device_state"), 1);
    drop(store);
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() >= PAGE);
    assert_ne!(&bytes[..16], PLAINTEXT_HEADER);
    open(&path, &key_a()).expect("and reopens with its key");
}

/// ...but an empty main file next to a non-empty write-ahead log is damage, not
/// a new database: SQLite would delete that WAL (and the commits in it) on open.
#[test]
fn zero_length_file_with_a_non_empty_wal_is_refused() {
    let live = tempdir();
    let dir = tempdir();
    let live_path = db_path(live.path());
    let path = db_path(dir.path());
    let mut store = open(&live_path, &key_a()).unwrap();
    for i in 0..5 {
        write_patient(&mut store, &format!("p-{i}"), "x").unwrap();
    }
    std::fs::write(&path, b"").unwrap();
    std::fs::copy(sidecar(&live_path, "-wal"), sidecar(&path, "-wal")).unwrap();
    drop(store);
    assert!(std::fs::metadata(sidecar(&path, "-wal")).unwrap().len() > 0);
    assert_open_refused(&path, "empty database with a non-empty WAL");
}

//! Helpers shared by the store's integration tests. Every test works on real
//! SQLCipher files in its own temporary directory.
#![allow(dead_code)] // each test binary uses a different subset

use clinic_protocol::{EntityKind, Op, OpKind};
use clinic_store::rusqlite::{self, Connection};
use clinic_store::{DbKey, Encryption, Store, StoreError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Test keys (never used outside tests).
pub const KEY_A_HEX: &str = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
pub const KEY_B_HEX: &str = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";

/// The magic string every plaintext SQLite file starts with.
pub const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

pub fn key(hex: &str) -> Encryption {
    Encryption::Key(DbKey::from_hex(hex).expect("valid test key"))
}

pub fn key_a() -> Encryption {
    key(KEY_A_HEX)
}

pub fn key_b() -> Encryption {
    key(KEY_B_HEX)
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("clinic-store-test")
        .tempdir()
        .expect("create a temp dir")
}

/// The database path inside a test directory.
pub fn db_path(dir: &Path) -> PathBuf {
    dir.join("clinic.db")
}

pub fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Every file in `dir` (name -> bytes). Catches changed bytes of the database and
/// of its -wal/-shm/-journal, and files created or deleted by a failed open.
pub fn snapshot_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read test dir")
        .map(|e| {
            let e = e.expect("dir entry");
            let bytes = std::fs::read(e.path()).expect("read file");
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

/// Panics with a readable message (names, sizes, first differing offset)
/// if the directory no longer matches `before`.
pub fn assert_dir_unchanged(dir: &Path, before: &BTreeMap<String, Vec<u8>>, what: &str) {
    compare_dirs(dir, before, what, false);
}

/// Like [`assert_dir_unchanged`], but the -shm file only has to still exist: it is
/// SQLite's shared-memory WAL index, rebuilt from the WAL by any reader (even one
/// with a wrong key), and never holds data of its own.
pub fn assert_dir_unchanged_but_shm_index(
    dir: &Path,
    before: &BTreeMap<String, Vec<u8>>,
    what: &str,
) {
    compare_dirs(dir, before, what, true);
}

fn compare_dirs(dir: &Path, before: &BTreeMap<String, Vec<u8>>, what: &str, skip_shm: bool) {
    let after = snapshot_dir(dir);
    let names_before: Vec<_> = before.keys().collect();
    let names_after: Vec<_> = after.keys().collect();
    assert_eq!(
        names_before, names_after,
        "{what}: the set of files changed (a failed open created or deleted a file)"
    );
    for (name, old) in before {
        if skip_shm && name.ends_with("-shm") {
            continue;
        }
        let new = &after[name];
        if old != new {
            let first = old.iter().zip(new.iter()).position(|(a, b)| a != b);
            panic!(
                "{what}: {name} changed (len {} -> {}, first differing byte at {:?})",
                old.len(),
                new.len(),
                first
            );
        }
    }
}

/// Creates an encrypted database with `ops` recorded ops (one patient row each),
/// closes it, and returns its device id.
pub fn create_db(path: &Path, enc: &Encryption, ops: usize) -> clinic_protocol::DeviceId {
    let mut store = clinic_store::open(path, enc).expect("create the database");
    for i in 0..ops {
        write_patient(&mut store, &format!("p-{i:06}"), &filler(i)).expect("write a patient");
    }
    store.device_id()
}

/// Deterministic text of ~200 bytes, so databases get many pages quickly.
pub fn filler(i: usize) -> String {
    format!("{i:06}-{}", "lorem-ipsum-".repeat(16))
}

/// One domain write the way core does it: a patient row plus its op, in one write.
pub fn write_patient(store: &mut Store, id: &str, name: &str) -> Result<Op, StoreError> {
    store.write(|tx| {
        insert_patient(tx.conn(), id, name, &tx.now_rfc3339())?;
        tx.record(
            OpKind::RegisterPatient,
            EntityKind::Patient,
            id,
            serde_json::json!({ "given_name": name }),
        )
    })
}

/// Inserts a minimal patient row (synthetic values only).
pub fn insert_patient(conn: &Connection, id: &str, name: &str, now: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO patient (id, mrn, given_name, family_name, date_of_birth, sort_name, name_key, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'Test', '2000-01-01', ?3, ?3, ?4, ?4)",
        (id, format!("MRN-{id}"), name, now),
    )?;
    Ok(())
}

pub fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count rows")
}

/// `(hlc_millis, hlc_counter, device_counter)` of the device row.
pub fn device_state(conn: &Connection) -> (i64, i64, i64) {
    conn.query_row(
        "SELECT hlc_millis, hlc_counter, device_counter FROM device_state WHERE singleton = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .expect("read device_state")
}

/// The schema as `type|name|tbl_name|sql`, whitespace-normalized, ordered.
pub fn schema(conn: &Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
        .expect("prepare schema query");
    let rows = stmt
        .query_map([], |r| {
            let sql: Option<String> = r.get(3)?;
            let sql = sql
                .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            Ok(format!(
                "{}|{}|{}|{}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                sql
            ))
        })
        .expect("query schema");
    rows.collect::<Result<_, _>>().expect("read schema")
}

/// Small deterministic PRNG (xorshift64*) for garbage bytes and flip positions.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// Name of the error variant, for assertion messages that never print keys.
pub fn describe<T>(r: &Result<T, StoreError>) -> String {
    match r {
        Ok(_) => "Ok(..)".into(),
        Err(e) => format!("Err({e:?})"),
    }
}

/// A [`clinic_store::SecretVault`] in a directory (one file per entry, replaced
/// atomically: write, fsync, rename, fsync the directory). ONLY for tests that
/// must run the key protocol where no Secret Service exists; the app uses the
/// OS keychain and nothing else.
#[derive(Clone, Debug)]
pub struct FileVault {
    pub dir: PathBuf,
}

impl FileVault {
    pub fn new(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).expect("create the vault dir");
        Self {
            dir: dir.to_path_buf(),
        }
    }

    fn file(&self, account: &str) -> PathBuf {
        self.dir.join(hex::encode(account.as_bytes()))
    }

    fn sync_dir(&self) -> std::io::Result<()> {
        std::fs::File::open(&self.dir)?.sync_all()
    }
}

impl clinic_store::SecretVault for FileVault {
    fn service(&self) -> &str {
        "test-file-vault"
    }

    fn get(&self, account: &str) -> Result<Option<zeroize::Zeroizing<String>>, StoreError> {
        match std::fs::read_to_string(self.file(account)) {
            Ok(s) => Ok(Some(zeroize::Zeroizing::new(s))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), StoreError> {
        use std::io::Write;
        let target = self.file(account);
        let tmp = target.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(secret.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)?;
        self.sync_dir()?;
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), StoreError> {
        match std::fs::remove_file(self.file(account)) {
            Ok(()) => Ok(self.sync_dir()?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// `PRAGMA integrity_check` of an open store.
pub fn integrity(store: &Store) -> String {
    store
        .conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check")
}

/// After a crash: the database is sound, every acknowledged write (by device
/// counter) is in the outbox, the counter is gap-free and matches the device row,
/// and every patient row has its op. Returns the highest counter.
pub fn assert_acked_writes_survived(
    store: &Store,
    acked: &std::collections::BTreeSet<u64>,
    what: &str,
) -> u64 {
    assert_eq!(integrity(store), "ok", "{what}: integrity_check");
    let counters: Vec<u64> = store
        .pending_ops(u32::MAX)
        .unwrap()
        .iter()
        .map(|o| o.device_counter)
        .collect();
    let present: std::collections::BTreeSet<u64> = counters.iter().copied().collect();
    let lost: Vec<_> = acked.difference(&present).collect();
    assert!(
        lost.is_empty(),
        "{what}: acknowledged writes lost: {lost:?}"
    );
    let max = counters.last().copied().unwrap_or(0);
    assert_eq!(
        counters,
        (1..=max).collect::<Vec<_>>(),
        "{what}: counter not gap-free"
    );
    assert_eq!(
        device_state(store.conn()).2 as u64,
        max,
        "{what}: device counter"
    );
    assert_eq!(
        count(store.conn(), "patient") as u64,
        max,
        "{what}: rows without ops"
    );
    max
}

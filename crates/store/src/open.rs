//! The one way to open the local database. Order matters: nothing is written to an
//! existing file until the key has been proven right and its schema is one this
//! build understands.
use crate::error::is_corruption;
use crate::key::{db_file_has_content, wal_has_frames, DbKey};
use crate::migrations::{latest_version, MIGRATIONS};
use crate::StoreError;
use clinic_protocol::DeviceId;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};

const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// How the database file is protected.
#[derive(Clone, Debug)]
pub enum Encryption {
    /// SQLCipher with a raw 256-bit key: the only mode the app uses.
    Key(DbKey),
    /// No encryption. Exists only so benchmarks can compare the same schema and
    /// queries on plain SQLite; the app never constructs it.
    PlainForBenchmark,
}

/// Source of wall-clock milliseconds for the hybrid logical clock.
pub type WallClock = Box<dyn Fn() -> u64 + Send>;

/// An open local store. Reads use `conn()`; writes go through `write()`.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) device_id: DeviceId,
    pub(crate) path: PathBuf,
    pub(crate) wall_clock: WallClock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

/// Opens (creating if absent) the database at `path`:
/// key -> proof the key decrypts the file -> schema guard -> WAL, foreign keys,
/// in-memory temp store -> indexes a stopped first sync deferred -> pending
/// migrations in one transaction -> device row.
#[allow(clippy::disallowed_methods)] // the one sanctioned place that opens a connection
pub fn open(path: &Path, encryption: &Encryption) -> Result<Store, StoreError> {
    sqlcipher_ready()?;
    let exists = db_file_has_content(path)?;
    let wal_has_commits = wal_has_frames(path)?;
    if !exists && wal_has_commits {
        // SQLite deletes the WAL of an empty database file, and the commits in it.
        return Err(StoreError::WrongKeyOrCorrupt {
            path: path.to_path_buf(),
            detail: "the database file is empty but its write-ahead log is not".into(),
        });
    }
    if exists {
        check_header(path, encryption)?;
    }
    let flags = if exists {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    // Until the key and schema are proven, closing must not checkpoint a leftover
    // WAL into the file and delete it. (Without one, the close must still run: it
    // removes the empty -wal/-shm that the failed attempt created.)
    if wal_has_commits {
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    }
    if let Encryption::Key(key) = encryption {
        conn.execute_batch(&format!("PRAGMA key = {};", key.pragma_literal().as_str()))?;
    }
    let wrong = |detail: String| StoreError::WrongKeyOrCorrupt {
        path: path.to_path_buf(),
        detail,
    };
    // First read: fails with "file is not a database" on a wrong key or damage.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| {
        if is_corruption(&e) {
            wrong(e.to_string())
        } else {
            StoreError::from(e)
        }
    })?;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > latest_version() {
        return Err(StoreError::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported: latest_version(),
        });
    }
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA busy_timeout = 5000;",
    )?;
    conn.execute_batch(&format!(
        "PRAGMA cache_size = -{}",
        crate::catch_up::CACHE_KIB
    ))?;
    // A first sync stopped before it rebuilt the indexes it deferred: build them
    // now, from the definitions of this file's schema version, before migrating.
    crate::catch_up::rebuild(&conn)?;
    migrate(&conn, found)?;
    // rusqlite keeps 16 prepared statements by default; applying one pulled op
    // alone uses more than that, so they were parsed again for every op.
    conn.set_prepared_statement_cache_capacity(256);
    let device_id = ensure_device(&conn)?;
    Ok(Store {
        conn,
        device_id,
        path: path.to_path_buf(),
        wall_clock: Box::new(system_millis),
    })
}

/// Waits, once per process, until SQLCipher has finished its own start-up.
///
/// SQLite marks itself initialised before it runs SQLCipher's extra
/// initialisation, so a second thread opening its first database at that moment
/// gets "sqlcipher not initialized" from `PRAGMA key` (reported as "An error
/// occurred with PRAGMA key or rekey"). Every keyed open waits here until keying a
/// throw-away in-memory database works.
#[allow(clippy::disallowed_methods)] // a keyed in-memory probe, never a database file
fn sqlcipher_ready() -> Result<(), StoreError> {
    static READY: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let probe = || -> rusqlite::Result<()> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch("PRAGMA key = 'start-up probe';")
    };
    let outcome = READY.get_or_init(|| {
        let mut last = String::new();
        for _ in 0..2000 {
            match probe() {
                Ok(()) => return Ok(()),
                Err(e) => last = e.to_string(),
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        Err(last)
    });
    outcome
        .clone()
        .map_err(|detail| StoreError::CryptoUnavailable { detail })
}

/// A file we are about to key must not be a plaintext SQLite database (and vice
/// versa): catch that before SQLite touches it.
fn check_header(path: &Path, encryption: &Encryption) -> Result<(), StoreError> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path)?;
    let n = file.read(&mut header)?;
    let plaintext = n == 16 && &header == PLAINTEXT_HEADER;
    let wrong = |detail: &str| StoreError::WrongKeyOrCorrupt {
        path: path.to_path_buf(),
        detail: detail.into(),
    };
    match encryption {
        Encryption::Key(_) if plaintext => Err(wrong("the file is an unencrypted database")),
        Encryption::PlainForBenchmark if !plaintext => {
            Err(wrong("the file is not a plain database"))
        }
        _ => Ok(()),
    }
}

fn migrate(conn: &Connection, from: i64) -> Result<(), StoreError> {
    let pending: Vec<_> = MIGRATIONS.iter().filter(|(v, _)| *v > from).collect();
    if pending.is_empty() {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        for (version, sql) in &pending {
            conn.execute_batch(sql)?;
            conn.execute_batch(&format!("PRAGMA user_version = {version}"))?;
        }
        Ok::<_, rusqlite::Error>(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e.into());
        }
    }
    tracing::info!(from, to = latest_version(), "migrated the local database");
    Ok(())
}

fn ensure_device(conn: &Connection) -> Result<DeviceId, StoreError> {
    let existing: Option<String> = conn
        .query_row(
            "SELECT device_id FROM device_state WHERE singleton = 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return id
            .parse()
            .map_err(|_| StoreError::Config("the stored device id is malformed".into()));
    }
    let id = DeviceId::new();
    conn.execute(
        "INSERT INTO device_state (singleton, device_id, created_at) VALUES (1, ?1, ?2)",
        (id.to_string(), chrono::Utc::now().to_rfc3339()),
    )?;
    Ok(id)
}

fn system_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Store {
    /// Read-only access. Writes must use [`Store::write`] so they are captured.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn device_id(&self) -> DeviceId {
        self.device_id
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replace the wall clock (tests of clock skew and backward jumps).
    pub fn set_wall_clock(&mut self, clock: WallClock) {
        self.wall_clock = clock;
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

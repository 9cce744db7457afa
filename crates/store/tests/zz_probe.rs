#![allow(clippy::disallowed_methods)]
mod common;
use clinic_store::open;
use clinic_store::rusqlite::{Connection, OpenFlags, config::DbConfig};
use common::*;

fn crashed_copy() -> (tempfile::TempDir, std::path::PathBuf) {
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
    (crashed, path)
}

fn report(dir: &std::path::Path, before: &std::collections::BTreeMap<String, Vec<u8>>) {
    let after = snapshot_dir(dir);
    for (k, v) in &after { eprintln!("after {k} {} same={}", v.len(), before.get(k) == Some(v)); }
}

#[test]
fn probe_fix() {
    for variant in 0..3 {
        let (dir, path) = crashed_copy();
        if variant == 2 { std::fs::remove_file(sidecar(&path, "-shm")).unwrap(); }
        let before = snapshot_dir(dir.path());
        eprintln!("variant {variant}");
        {
            let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX).unwrap();
            if variant >= 1 { conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true).unwrap(); }
            conn.execute_batch(&format!("PRAGMA key = \"x'{KEY_B_HEX}'\";")).unwrap();
            let r = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0));
            eprintln!("{r:?}");
        }
        report(dir.path(), &before);
        // right key, with the flag on then off
        {
            let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX).unwrap();
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true).unwrap();
            conn.execute_batch(&format!("PRAGMA key = \"x'{KEY_A_HEX}'\";")).unwrap();
            let n = conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0));
            eprintln!("right key rows {n:?}");
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false).unwrap();
        }
        report(dir.path(), &before);
    }
}

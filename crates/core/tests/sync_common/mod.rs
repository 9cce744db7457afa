//! Sync test fixtures: several devices (each a real encrypted store) and a shared
//! ordered log standing in for the server's op log, so the apply rules can be
//! tested in-process in any delivery order. The real server is exercised by the
//! clinic-sync crate's stories.
#![allow(dead_code)]
use crate::common::{self, TestStore};
use clinic_core::sync::{self, PageSummary};
use clinic_protocol::LoggedOp;
use clinic_store::Store;

/// The clinic's op log: every op any device pushed, in push order.
#[derive(Default)]
pub struct Log {
    pub ops: Vec<LoggedOp>,
}

impl Log {
    /// Pushes `device`'s pending ops (appends them with the next seqs, marks them pushed).
    pub fn push(&mut self, device: &mut Store) -> usize {
        let ops = device.pending_ops(10_000).unwrap();
        let ids: Vec<_> = ops.iter().map(|o| o.op_id).collect();
        for op in ops {
            let seq = self.ops.len() as u64 + 1;
            self.ops.push(LoggedOp {
                seq,
                device_id: device.device_id(),
                op,
            });
        }
        device.mark_pushed(&ids).unwrap();
        ids.len()
    }

    /// Applies every op after `from` (a seq) to `device` in one page.
    pub fn pull_from(&self, device: &mut Store, from: u64) -> PageSummary {
        let page: Vec<LoggedOp> = self.ops.iter().filter(|o| o.seq > from).cloned().collect();
        let cursor = format!("test:{}", self.ops.len());
        sync::apply_page(device, &page, Some(&cursor)).unwrap()
    }

    /// Applies the whole log to `device` (already-applied ops are skipped).
    pub fn pull(&self, device: &mut Store) -> PageSummary {
        self.pull_from(device, 0)
    }

    /// Pushes up to `limit` of `device`'s pending ops (oldest first), idempotent
    /// by op id as the server is: an op already in the log keeps its first seq.
    /// With `acked` false the response is lost: the ops are in the log but still
    /// pending on the device, which pushes them again later. Returns how many
    /// ops were new to the log.
    pub fn push_some(&mut self, device: &mut Store, limit: u32, acked: bool) -> usize {
        let ops = device.pending_ops(limit).unwrap();
        let ids: Vec<_> = ops.iter().map(|o| o.op_id).collect();
        let mut added = 0;
        for op in ops {
            if self.ops.iter().any(|o| o.op.op_id == op.op_id) {
                continue;
            }
            let seq = self.ops.len() as u64 + 1;
            self.ops.push(LoggedOp {
                seq,
                device_id: device.device_id(),
                op,
            });
            added += 1;
        }
        if acked {
            device.mark_pushed(&ids).unwrap();
        }
        added
    }

    /// The ops with a seq in `(from, to]`: one page as the server sends it.
    pub fn page(&self, from: u64, to: u64) -> Vec<LoggedOp> {
        self.ops
            .iter()
            .filter(|o| o.seq > from && o.seq <= to)
            .cloned()
            .collect()
    }
}

/// A fresh device (its own store and device id).
pub fn device() -> TestStore {
    common::store()
}

/// Ops held (not applied) on `store`, with their reasons.
pub fn held(store: &Store) -> Vec<(String, String)> {
    let mut stmt = store
        .conn()
        .prepare("SELECT op, reason FROM held_op ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Rows of `sql` (one text column) on `store`, for comparing devices.
pub fn rows(store: &Store, sql: &str) -> Vec<String> {
    let mut stmt = store.conn().prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

//! Applying other devices' changes. A pulled page runs inside [`Store::apply_remote`]:
//! one IMMEDIATE transaction WITHOUT change capture (applying a remote op must not
//! append it to this device's outbox), in which the caller applies each op, saves
//! the server cursor, and merges each remote clock into the persisted HLC so later
//! local ops sort after everything this device has seen.
//!
//! Also the outbox side of sync: which ops are still to push, and marking them pushed.
use crate::{Store, StoreError};
use clinic_protocol::{Hlc, OpId};
use rusqlite::{Connection, Transaction, TransactionBehavior};

/// An open transaction applying remote ops.
pub struct RemoteTx<'a> {
    tx: Transaction<'a>,
    device: clinic_protocol::DeviceId,
    now_millis: u64,
}

impl std::fmt::Debug for RemoteTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteTx").finish_non_exhaustive()
    }
}

impl RemoteTx<'_> {
    pub fn conn(&self) -> &Connection {
        &self.tx
    }

    /// This device's id (ops it pulled back from itself are already applied).
    pub fn device_id(&self) -> clinic_protocol::DeviceId {
        self.device
    }

    /// Wall-clock time of this transaction (RFC 3339 UTC).
    pub fn now_rfc3339(&self) -> String {
        chrono::DateTime::<chrono::Utc>::from_timestamp_millis(self.now_millis as i64)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    /// Merges a remote op's clock into the device's HLC (the receive rule), so the
    /// next local op is ordered after it even if this device's wall clock is behind.
    pub fn observe(&self, remote: &Hlc) -> Result<(), StoreError> {
        let (millis, counter): (i64, i64) = self.tx.query_row(
            "SELECT hlc_millis, hlc_counter FROM device_state WHERE singleton = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let local = Hlc {
            millis: millis as u64,
            counter: counter as u16,
            device: self.device,
        };
        if *remote <= local {
            return Ok(());
        }
        let next = local
            .observe(remote, self.now_millis)
            .ok_or(StoreError::ClockOverflow)?;
        self.tx.execute(
            "UPDATE device_state SET hlc_millis = ?1, hlc_counter = ?2 WHERE singleton = 1",
            (next.millis as i64, next.counter as i64),
        )?;
        Ok(())
    }

    /// Runs `f` inside a savepoint: when it fails, everything it did is undone and
    /// the rest of the transaction goes on (one bad op never half-applies).
    pub fn isolated<T, E>(&mut self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        // Cached statements rather than rusqlite's `Savepoint`, which parses its SQL
        // on every op of a page.
        let run = |sql: &str| -> Result<(), StoreError> {
            self.tx.prepare_cached(sql)?.execute([])?;
            Ok(())
        };
        run("SAVEPOINT remote_op")?;
        match f(&self.tx) {
            Ok(value) => {
                run("RELEASE remote_op")?;
                Ok(value)
            }
            Err(e) => {
                run("ROLLBACK TO remote_op")?;
                run("RELEASE remote_op")?;
                Err(e)
            }
        }
    }
}

impl Store {
    /// Runs `f` in one IMMEDIATE transaction without change capture; commits only
    /// when `f` succeeds.
    ///
    /// The commit does not wait for the disk (`synchronous = NORMAL`; local writes
    /// keep `FULL`). WAL mode keeps the file consistent either way; a power cut may
    /// lose the last applied pages, but each carries its cursor in the same
    /// transaction, so they are simply pulled again. The next local write's commit
    /// syncs them to disk with its own.
    pub fn apply_remote<T, E>(
        &mut self,
        f: impl FnOnce(&mut RemoteTx<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let now_millis = (self.wall_clock)();
        let device = self.device_id;
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(StoreError::from)?;
        let outcome = (|| -> Result<T, E> {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::from)?;
            let mut rtx = RemoteTx {
                tx,
                device,
                now_millis,
            };
            let value = f(&mut rtx)?;
            rtx.tx.commit().map_err(StoreError::from)?;
            Ok(value)
        })();
        let restored = self.conn.execute_batch("PRAGMA synchronous = FULL");
        let value = outcome?;
        restored.map_err(StoreError::from)?;
        Ok(value)
    }

    /// How many outbox ops wait to be pushed.
    pub fn pending_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE pushed_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Marks ops the server acknowledged (accepted, duplicate or quarantined: in
    /// every case the op is safe on the server) as pushed, in one transaction.
    pub fn mark_pushed(&mut self, op_ids: &[OpId]) -> Result<(), StoreError> {
        let now =
            chrono::DateTime::<chrono::Utc>::from_timestamp_millis((self.wall_clock)() as i64)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET pushed_at = ?2 WHERE op_id = ?1 AND pushed_at IS NULL",
            )?;
            for id in op_ids {
                stmt.execute((id.to_string(), &now))?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

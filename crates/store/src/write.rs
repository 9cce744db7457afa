//! Change capture. A domain write runs inside [`Store::write`]; it records each
//! intent with [`WriteTx::record`], which stamps the op with the next HLC and
//! device counter and inserts it into the outbox — in the same SQLite transaction
//! as the domain rows. Commit publishes both; any error rolls back both.
use crate::{Store, StoreError};
use clinic_protocol::{EntityKind, Hlc, Op, OpId, OpKind, SCHEMA_VERSION};
use rusqlite::{Connection, Transaction, TransactionBehavior};

/// An open write transaction with change capture.
pub struct WriteTx<'a> {
    tx: Transaction<'a>,
    store_device: clinic_protocol::DeviceId,
    now_millis: u64,
    recorded: usize,
    /// Op ids recorded in this transaction, stamped with the actor at commit.
    recorded_ids: Vec<String>,
    /// Who made the change (staff id and display name), when the domain said so.
    actor: std::cell::RefCell<Option<(String, String)>>,
}

impl std::fmt::Debug for WriteTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTx")
            .field("recorded", &self.recorded)
            .finish_non_exhaustive()
    }
}

impl WriteTx<'_> {
    /// The transaction's connection, for the domain's own statements.
    pub fn conn(&self) -> &Connection {
        &self.tx
    }

    /// Time of this transaction (RFC 3339 UTC), for created/updated stamps: the
    /// wall clock, or the device's HLC time when that ran ahead of it (so it is
    /// the time of the ops this transaction records).
    pub fn now_rfc3339(&self) -> String {
        chrono::DateTime::<chrono::Utc>::from_timestamp_millis(self.now_millis as i64)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    /// Appends one intent op to the outbox and returns it.
    pub fn record(
        &mut self,
        kind: OpKind,
        entity: EntityKind,
        entity_id: &str,
        payload: serde_json::Value,
    ) -> Result<Op, StoreError> {
        let (millis, counter, device_counter): (i64, i64, i64) = self.tx.query_row(
            "SELECT hlc_millis, hlc_counter, device_counter FROM device_state WHERE singleton = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let last = Hlc {
            millis: millis as u64,
            counter: counter as u16,
            device: self.store_device,
        };
        let hlc = last
            .tick(self.now_millis)
            .ok_or(StoreError::ClockOverflow)?;
        let device_counter = device_counter as u64 + 1;
        self.tx.execute(
            "UPDATE device_state SET hlc_millis = ?1, hlc_counter = ?2, device_counter = ?3 WHERE singleton = 1",
            (hlc.millis as i64, hlc.counter as i64, device_counter as i64),
        )?;
        let op = Op {
            op_id: OpId::new(),
            device_counter,
            hlc,
            kind,
            entity,
            entity_id: entity_id.to_string(),
            payload,
            schema_version: SCHEMA_VERSION,
        };
        self.tx.execute(
            "INSERT INTO outbox (op_id, device_counter, hlc, kind, entity, entity_id, payload, schema_version, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            (
                op.op_id.to_string(),
                op.device_counter as i64,
                op.hlc.to_string(),
                op.kind.as_str(),
                op.entity.as_str(),
                &op.entity_id,
                op.payload.to_string(),
                op.schema_version,
                self.now_rfc3339(),
            ),
        )?;
        self.recorded += 1;
        self.recorded_ids.push(op.op_id.to_string());
        Ok(op)
    }

    /// How many ops this transaction has recorded so far.
    pub fn recorded(&self) -> usize {
        self.recorded
    }

    /// Names who made this transaction's changes (the audit entry's actor). At
    /// commit every op it recorded carries `_actor: {id, name}` in its payload, so
    /// other devices can show who recorded an item they receive by sync.
    pub fn set_actor(&self, id: &str, name: &str) {
        *self.actor.borrow_mut() = Some((id.to_string(), name.to_string()));
    }

    fn stamp_actor(&self) -> Result<(), StoreError> {
        let Some((id, name)) = self.actor.borrow().clone() else {
            return Ok(());
        };
        let actor = serde_json::json!({ "id": id, "name": name }).to_string();
        let mut stmt = self.tx.prepare_cached(
            "UPDATE outbox SET payload = json_set(payload, '$._actor', json(?2)) WHERE op_id = ?1",
        )?;
        for op_id in &self.recorded_ids {
            stmt.execute((op_id, &actor))?;
        }
        Ok(())
    }
}

impl Store {
    /// Runs `f` in one IMMEDIATE transaction with change capture. Commits only when
    /// `f` succeeds; on error nothing `f` did (rows or ops) remains.
    pub fn write<T, E>(&mut self, f: impl FnOnce(&mut WriteTx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let device = self.device_id;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        // Never before the device's clock: when another device's clock ran ahead,
        // stamps follow the HLC, so they equal what other devices derive from the
        // ops (every device stores the same created/updated times).
        let hlc_millis: i64 = tx
            .query_row(
                "SELECT hlc_millis FROM device_state WHERE singleton = 1",
                [],
                |r| r.get(0),
            )
            .map_err(StoreError::from)?;
        let now_millis = (self.wall_clock)().max(hlc_millis.max(0) as u64);
        let mut wtx = WriteTx {
            tx,
            store_device: device,
            now_millis,
            recorded: 0,
            recorded_ids: Vec::new(),
            actor: std::cell::RefCell::new(None),
        };
        let value = f(&mut wtx)?; // dropping an uncommitted Transaction rolls back
        wtx.stamp_actor()?;
        wtx.tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    /// Outbox ops not yet acknowledged by a server, oldest first.
    pub fn pending_ops(&self, limit: u32) -> Result<Vec<Op>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT op_id, device_counter, hlc, kind, entity, entity_id, payload, schema_version
             FROM outbox WHERE pushed_at IS NULL ORDER BY device_counter LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, u32>(7)?,
            ))
        })?;
        let mut ops = Vec::new();
        for row in rows {
            let (op_id, counter, hlc, kind, entity, entity_id, payload, schema_version) = row?;
            let bad = |what: &str| StoreError::Config(format!("outbox row has a malformed {what}"));
            ops.push(Op {
                op_id: op_id.parse().map_err(|_| bad("op id"))?,
                device_counter: counter as u64,
                hlc: hlc.parse().map_err(|_| bad("clock"))?,
                kind: serde_json::from_value(serde_json::Value::String(kind))
                    .map_err(|_| bad("kind"))?,
                entity: serde_json::from_value(serde_json::Value::String(entity))
                    .map_err(|_| bad("entity"))?,
                entity_id,
                payload: serde_json::from_str(&payload).map_err(|_| bad("payload"))?,
                schema_version,
            });
        }
        Ok(ops)
    }
}

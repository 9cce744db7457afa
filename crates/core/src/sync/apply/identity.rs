//! Concurrent edits of a patient's identity fields, detected from the edits
//! themselves so every device finds the same pairs whatever order they arrive in.
//!
//! Each `set_fields` edit carries, per field it changed, the value it replaced
//! (`base`) and that value's clock (`base_clock`: the field's clock on the editing
//! device). Edit A *was made from* edit B when A's device already held B's value
//! or a newer one: A's `base_clock` ≥ B's clock — or, for edits of builds that did
//! not send `base_clock`, when A is later and replaced exactly B's value. Edits of
//! one device are always sequential. Two edits setting different values where
//! neither was made from the other are concurrent: the pair goes to review, with
//! the later clock's value as "current" (the value the record shows when those
//! two are the only edits) and the earlier as "other". A device records a pair
//! when it holds both edits — its own or applied — so every device ends with the
//! same pairs. Three-way edits give one pair per concurrent couple, each resolved
//! on its own (a resolution closes only its pair, on every device).
use super::Incoming;
use crate::sync::conflicts;
use crate::CoreError;
use clinic_protocol::Hlc;
use rusqlite::Connection;
use serde_json::Value;

/// One known edit of one field.
struct Edit {
    device: String,
    hlc: Hlc,
    value: Value,
    base: Option<Value>,
    base_clock: Option<Hlc>,
}

impl Edit {
    fn from_payload(device: String, hlc: Hlc, payload: &Value, field: &str) -> Option<Edit> {
        let value = payload.get("fields")?.get(field)?.clone();
        let base = payload.get("base").and_then(|b| b.get(field)).cloned();
        let base_clock = payload
            .get("base_clock")
            .and_then(|b| b.get(field))
            .and_then(Value::as_str)
            .and_then(|c| c.parse().ok());
        Some(Edit {
            device,
            hlc,
            value,
            base,
            base_clock,
        })
    }

    /// Whether this edit was made on a device that already held `other`'s value.
    fn made_from(&self, other: &Edit) -> bool {
        if self.device == other.device {
            return self.hlc > other.hlc;
        }
        match &self.base_clock {
            Some(clock) => *clock >= other.hlc,
            None => self.hlc > other.hlc && self.base.as_ref() == Some(&other.value),
        }
    }

    /// Only edits that say what they replaced take part (resolutions do not).
    fn comparable(&self) -> bool {
        self.base.is_some() || self.base_clock.is_some()
    }
}

/// Records every concurrent pair `inc`'s edit of identity `field` forms with the
/// edits of that field known here.
pub fn record_pairs(conn: &Connection, inc: &Incoming<'_>, field: &str) -> Result<(), CoreError> {
    let op = inc.op();
    let Some(incoming) = Edit::from_payload(inc.device().to_string(), op.hlc, &op.payload, field)
    else {
        return Ok(());
    };
    if !incoming.comparable() {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT (SELECT device_id FROM device_state), hlc, payload FROM outbox WHERE entity = 'patient' AND entity_id = ?1
             AND kind = 'set_fields' AND json_type(payload, '$.fields.' || json_quote(?2)) IS NOT NULL
         UNION ALL
         SELECT device_id, hlc, payload FROM applied_op WHERE entity = 'patient' AND entity_id = ?1
             AND kind = 'set_fields' AND op_id <> ?3
             AND json_type(payload, '$.fields.' || json_quote(?2)) IS NOT NULL",
    )?;
    let rows = stmt.query_map(
        rusqlite::params![op.entity_id, field, op.op_id.to_string()],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        },
    )?;
    for row in rows {
        let (device, hlc, payload) = row?;
        let bad = || CoreError::Corrupt("stored patient edit".into());
        let hlc: Hlc = hlc.parse().map_err(|_| bad())?;
        let payload: Value = serde_json::from_str(&payload).map_err(|_| bad())?;
        let Some(known) = Edit::from_payload(device, hlc, &payload, field) else {
            continue;
        };
        if !known.comparable()
            || known.value == incoming.value
            || known.made_from(&incoming)
            || incoming.made_from(&known)
        {
            continue;
        }
        let (later, earlier) = if known.hlc > incoming.hlc {
            (&known, &incoming)
        } else {
            (&incoming, &known)
        };
        conflicts::record_identity(
            conn,
            &op.entity_id,
            field,
            &later.value.to_string(),
            &earlier.value.to_string(),
            &at(&later.hlc),
        )?;
    }
    Ok(())
}

/// The wall-clock time of a clock, as conflicts record it.
fn at(hlc: &Hlc) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(hlc.millis as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

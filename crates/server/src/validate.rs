//! Push validation: the whole batch is parsed and checked before anything is
//! applied, and the first problem is answered 400 naming the op (`ops[i]`,
//! 0-based).
//!
//! Ops are parsed one by one from raw JSON (not through `PushRequest`) for two
//! reasons: a bad op can be named by its index, and an op from a newer client
//! (`schema_version` above ours) may contain kinds or fields this build cannot
//! parse — such an op is checked only for its envelope (id, counter, clock) and
//! then quarantined verbatim, never refused or dropped.
use crate::error::ApiError;
use crate::store::IncomingOp;
use clinic_protocol::sync::MAX_PUSH_OPS;
use clinic_protocol::{DeviceId, Hlc, Op, OpId, OpKind, SCHEMA_VERSION};
use serde::Deserialize;
use std::collections::HashMap;

/// Longest `entity_id` accepted (ids are UUIDs; a few singletons use a word).
const MAX_ENTITY_ID_CHARS: usize = 128;

/// The request shape, with ops kept raw until they are checked one by one.
#[derive(Deserialize)]
struct RawPush {
    device_id: DeviceId,
    ops: Vec<serde_json::Value>,
}

/// The fields every op has in every schema version.
#[derive(Deserialize)]
struct Envelope {
    op_id: OpId,
    device_counter: u64,
    hlc: Hlc,
    schema_version: u32,
}

fn at(i: usize, message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("ops[{i}]: {message}"))
}

/// Parses a push body sent with `device`'s token into the ops to store, in order.
pub fn push_batch(body: &[u8], device: DeviceId) -> Result<Vec<IncomingOp>, ApiError> {
    let raw: RawPush = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not a valid push request: {e}")))?;
    if raw.device_id != device {
        return Err(ApiError::bad_request(
            "device_id does not match the device this token was issued to",
        ));
    }
    if raw.ops.len() > MAX_PUSH_OPS {
        return Err(ApiError::bad_request(format!(
            "a push carries at most {MAX_PUSH_OPS} ops (this one has {}): split the batch",
            raw.ops.len()
        )));
    }
    let mut seen: HashMap<OpId, usize> = HashMap::with_capacity(raw.ops.len());
    let mut previous_counter: Option<u64> = None;
    let mut out = Vec::with_capacity(raw.ops.len());
    for (i, value) in raw.ops.into_iter().enumerate() {
        if !value.is_object() {
            return Err(at(i, "an op must be a JSON object"));
        }
        let envelope: Envelope = Envelope::deserialize(&value).map_err(|e| at(i, e))?;
        check_envelope(i, &envelope, device, previous_counter)?;
        previous_counter = Some(envelope.device_counter);
        if let Some(first) = seen.insert(envelope.op_id, i) {
            return Err(at(i, format!("op_id repeats ops[{first}]")));
        }
        let (json, hlc_millis) = if envelope.schema_version > SCHEMA_VERSION {
            (value.to_string(), None)
        } else {
            let op: Op = serde_json::from_value(value).map_err(|e| at(i, e))?;
            check_known_op(i, &op)?;
            let json = serde_json::to_string(&op).map_err(|e| ApiError::internal(&e))?;
            (json, Some(op.hlc.millis))
        };
        out.push(IncomingOp {
            op_id: envelope.op_id,
            device_counter: envelope.device_counter,
            schema_version: envelope.schema_version,
            hlc_millis,
            json,
        });
    }
    Ok(out)
}

fn check_envelope(
    i: usize,
    e: &Envelope,
    device: DeviceId,
    previous_counter: Option<u64>,
) -> Result<(), ApiError> {
    if e.op_id.0.get_version_num() != 7 {
        return Err(at(i, "op_id must be a UUIDv7"));
    }
    if e.hlc.device != device {
        return Err(at(
            i,
            "the op was not written by this device (its clock names another device)",
        ));
    }
    if e.device_counter == 0 || i64::try_from(e.device_counter).is_err() {
        return Err(at(i, "device_counter must be between 1 and 2^63 - 1"));
    }
    if let Some(prev) = previous_counter {
        if e.device_counter <= prev {
            return Err(at(
                i,
                format!(
                    "device_counter {} is not above the previous op's {prev}: ops must be sent oldest first",
                    e.device_counter
                ),
            ));
        }
    }
    if e.schema_version == 0 {
        return Err(at(i, "schema_version must be at least 1"));
    }
    Ok(())
}

fn check_known_op(i: usize, op: &Op) -> Result<(), ApiError> {
    if !op.payload.is_object() {
        return Err(at(i, "payload must be a JSON object"));
    }
    if op.kind == OpKind::GatewayPaymentEvent {
        return Err(at(
            i,
            "gateway_payment_event ops come from the payment gateway's webhooks, never from a device",
        ));
    }
    let id = &op.entity_id;
    if id.is_empty() || id.chars().count() > MAX_ENTITY_ID_CHARS || id.chars().any(char::is_control)
    {
        return Err(at(
            i,
            format!("entity_id must be 1 to {MAX_ENTITY_ID_CHARS} printable characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clinic_protocol::{EntityKind, PatientId};
    use serde_json::json;

    fn op(device: DeviceId, counter: u64) -> Op {
        Op {
            op_id: OpId::new(),
            device_counter: counter,
            hlc: Hlc {
                millis: 1_700_000_000_000 + counter,
                counter: 0,
                device,
            },
            kind: OpKind::SetFields,
            entity: EntityKind::Patient,
            entity_id: PatientId::new().to_string(),
            payload: json!({"fields": {"n": counter}}),
            schema_version: SCHEMA_VERSION,
        }
    }

    fn body(device: DeviceId, ops: Vec<serde_json::Value>) -> Vec<u8> {
        serde_json::to_vec(&json!({"device_id": device, "ops": ops})).unwrap()
    }

    fn message(r: Result<Vec<IncomingOp>, ApiError>) -> String {
        r.expect_err("refused").0.message
    }

    #[test]
    fn a_good_batch_keeps_order_and_canonical_json() {
        let d = DeviceId::new();
        let ops: Vec<_> = (1..=3).map(|n| op(d, n)).collect();
        let values = ops
            .iter()
            .map(|o| serde_json::to_value(o).unwrap())
            .collect();
        let got = push_batch(&body(d, values), d).unwrap();
        assert_eq!(got.len(), 3);
        for (g, o) in got.iter().zip(&ops) {
            assert_eq!(g.op_id, o.op_id);
            assert_eq!(serde_json::from_str::<Op>(&g.json).unwrap(), *o);
        }
    }

    #[test]
    fn each_rule_names_the_bad_op() {
        let d = DeviceId::new();
        let good = |n| serde_json::to_value(op(d, n)).unwrap();
        let mut cases: Vec<(serde_json::Value, &str)> = Vec::new();
        let mut v = good(3);
        v["op_id"] = json!("not-a-uuid");
        cases.push((v, "UUID"));
        let mut v = good(3);
        v["payload"] = json!([1, 2]);
        cases.push((v, "payload"));
        let mut v = good(3);
        v["hlc"] = json!(Hlc::zero(DeviceId::new()).to_string());
        cases.push((v, "another device"));
        cases.push((good(2), "not above"));
        cases.push((json!("op"), "JSON object"));
        let mut v = good(3);
        v["entity_id"] = json!("");
        cases.push((v, "entity_id"));
        let mut v = good(3);
        v["op_id"] = json!("6ba7b810-9dad-41d1-80b4-00c04fd430c8"); // a UUIDv4
        cases.push((v, "UUIDv7"));
        let mut v = good(3);
        v["kind"] = json!("gateway_payment_event");
        cases.push((v, "never from a device"));
        for (bad, needle) in cases {
            let m = message(push_batch(&body(d, vec![good(1), good(2), bad]), d));
            assert!(m.starts_with("ops[2]: "), "{m}");
            assert!(m.contains(needle), "{m} should mention {needle}");
        }
    }

    #[test]
    fn batch_level_problems_are_refused() {
        let d = DeviceId::new();
        assert!(message(push_batch(b"{", d)).contains("not a valid push request"));
        assert!(message(push_batch(&body(DeviceId::new(), vec![]), d)).contains("device_id"));
        let many = (1..=(MAX_PUSH_OPS as u64 + 1))
            .map(|n| serde_json::to_value(op(d, n)).unwrap())
            .collect();
        assert!(message(push_batch(&body(d, many), d)).contains("at most"));
        let o = serde_json::to_value(op(d, 1)).unwrap();
        let mut again = o.clone();
        again["device_counter"] = json!(2);
        assert!(message(push_batch(&body(d, vec![o, again]), d)).contains("repeats ops[0]"));
    }

    #[test]
    fn a_newer_schema_op_is_kept_verbatim_even_with_unknown_kinds() {
        let d = DeviceId::new();
        let mut v = serde_json::to_value(op(d, 1)).unwrap();
        v["schema_version"] = json!(SCHEMA_VERSION + 1);
        v["kind"] = json!("teleport_patient");
        v["new_field"] = json!(true);
        let got = push_batch(&body(d, vec![v.clone()]), d).unwrap();
        assert_eq!(got[0].schema_version, SCHEMA_VERSION + 1);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&got[0].json).unwrap(),
            v
        );
    }
}

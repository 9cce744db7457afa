//! The keyed hash chain: exactly what is hashed, and how.
//!
//! ```text
//! hash_n    = HMAC-SHA256(audit key, prev_hash || canonical_n)
//! prev_hash = hash_{n-1}; for seq 1, 32 zero bytes (GENESIS)
//! canonical = text("clinic-audit-v1")
//!             || u64_be(seq)
//!             || text(event_id) || text(device_time) || text(device_id)
//!             || opt(actor_id) || opt(actor_name) || opt(actor_role)
//!             || text(action) || text(category) || opt(patient_id)
//!             || text(detail)
//! text(s)   = u32_be(byte length of s) || UTF-8 bytes of s
//! opt(None) = 0x00;  opt(Some(s)) = 0x01 || text(s)
//! ```
//!
//! Every value is the text exactly as stored in its `audit_event` column (the
//! detail JSON is hashed as its stored text, never re-serialized), so verification
//! needs no knowledge of how the text was produced.
//!
//! DO NOT reorder, rename, add or remove fields, or change the encoding: every
//! stored hash depends on it. A different form needs a new domain tag
//! (`clinic-audit-v2`) and a way to tell which rows use which.
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

pub const HASH_LEN: usize = 32;
/// The `prev_hash` of the first entry.
pub const GENESIS: [u8; HASH_LEN] = [0; HASH_LEN];
/// Domain separation and version of the canonical form. Do not change.
const DOMAIN: &str = "clinic-audit-v1";

/// The hashed fields of one entry, as stored. Do not reorder or rename (see module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainFields {
    pub seq: u64,
    pub event_id: String,
    pub device_time: String,
    pub device_id: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub category: String,
    pub patient_id: Option<String>,
    pub detail: String,
}

fn text(mac: &mut HmacSha256, s: &str) {
    // Stored texts are far below 4 GiB (detail is capped); saturate rather than wrap.
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    mac.update(&len.to_be_bytes());
    mac.update(s.as_bytes());
}

fn opt(mac: &mut HmacSha256, s: Option<&str>) {
    match s {
        None => mac.update(&[0]),
        Some(s) => {
            mac.update(&[1]);
            text(mac, s);
        }
    }
}

/// The MAC state after absorbing `prev || canonical(fields)` with `seq` in place of
/// `fields.seq` (so verification can test where a moved entry was written).
fn absorb(key: &[u8; 32], prev: &[u8; HASH_LEN], fields: &ChainFields, seq: u64) -> HmacSha256 {
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(prev);
    // Do not reorder: this is the canonical form described in the module docs.
    text(&mut mac, DOMAIN);
    mac.update(&seq.to_be_bytes());
    text(&mut mac, &fields.event_id);
    text(&mut mac, &fields.device_time);
    text(&mut mac, &fields.device_id);
    opt(&mut mac, fields.actor_id.as_deref());
    opt(&mut mac, fields.actor_name.as_deref());
    opt(&mut mac, fields.actor_role.as_deref());
    text(&mut mac, &fields.action);
    text(&mut mac, &fields.category);
    opt(&mut mac, fields.patient_id.as_deref());
    text(&mut mac, &fields.detail);
    mac
}

/// The hash of an entry chained after `prev`.
pub fn seal(key: &[u8; 32], prev: &[u8; HASH_LEN], fields: &ChainFields) -> [u8; HASH_LEN] {
    absorb(key, prev, fields, fields.seq)
        .finalize()
        .into_bytes()
        .into()
}

/// Whether `hash` is the seal of `fields` chained after `prev`, had the entry been
/// written at `seq`. Constant-time comparison.
pub fn is_seal_at(
    key: &[u8; 32],
    prev: &[u8; HASH_LEN],
    fields: &ChainFields,
    seq: u64,
    hash: &[u8; HASH_LEN],
) -> bool {
    absorb(key, prev, fields, seq).verify_slice(hash).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ChainFields {
        ChainFields {
            seq: 1,
            event_id: "e".into(),
            device_time: "2026-01-01T00:00:00.000Z".into(),
            device_id: "d".into(),
            actor_id: None,
            actor_name: Some("".into()),
            actor_role: None,
            action: "view".into(),
            category: "demographics".into(),
            patient_id: None,
            detail: "{}".into(),
        }
    }

    #[test]
    fn every_field_and_the_link_change_the_seal() {
        let key = [9; 32];
        let base = seal(&key, &GENESIS, &fields());
        assert!(is_seal_at(&key, &GENESIS, &fields(), 1, &base));
        assert!(!is_seal_at(&key, &GENESIS, &fields(), 2, &base));
        assert_ne!(seal(&key, &[1; 32], &fields()), base);
        assert_ne!(seal(&[8; 32], &GENESIS, &fields()), base);
        let edits: Vec<fn(&mut ChainFields)> = vec![
            |f| f.seq = 2,
            |f| f.event_id.push('x'),
            |f| f.device_time.push('x'),
            |f| f.device_id.push('x'),
            |f| f.actor_id = Some("".into()),
            |f| f.actor_name = None,
            |f| f.actor_role = Some("x".into()),
            |f| f.action.push('x'),
            |f| f.category.push('x'),
            |f| f.patient_id = Some("".into()),
            |f| f.detail = "{ }".into(),
        ];
        for edit in edits {
            let mut f = fields();
            edit(&mut f);
            assert_ne!(seal(&key, &GENESIS, &f), base, "{f:?}");
        }
    }

    #[test]
    fn moving_text_between_adjacent_fields_changes_the_seal() {
        let key = [9; 32];
        let mut a = fields();
        a.action = "vi".into();
        a.category = "ewdemographics".into();
        assert_ne!(seal(&key, &GENESIS, &a), seal(&key, &GENESIS, &fields()));
        let mut b = fields();
        b.actor_name = None;
        b.actor_role = Some("".into());
        assert_ne!(seal(&key, &GENESIS, &b), seal(&key, &GENESIS, &fields()));
    }
}

//! Shared fixtures for the identity tests: a clinic with its administrator, a
//! TOTP code computed independently of the core (RFC 6238 from the base32
//! secret), and outbox inspection.
#![allow(dead_code)]
use chrono::{DateTime, TimeZone, Utc};
use clinic_core::identity;
use clinic_protocol::{ClinicCreated, CreateClinic, CreateStaff, Role, StaffMember};
use clinic_store::Store;
use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const ADMIN_PASSWORD: &str = "tarragon-Lantern-41";
pub const STAFF_PASSWORD: &str = "Fjord pebble orchard";

pub fn clinic(store: &mut Store) -> ClinicCreated {
    identity::create_clinic(
        store,
        CreateClinic {
            clinic_name: "Riverside Family Practice".into(),
            admin_username: "Grace.Admin".into(),
            admin_display_name: "Grace Hopper".into(),
            admin_password: ADMIN_PASSWORD.into(),
        },
    )
    .expect("first run")
}

pub fn front_desk(store: &mut Store, username: &str) -> StaffMember {
    identity::create_staff(
        store,
        CreateStaff {
            username: username.into(),
            display_name: "Front Desk".into(),
            role: Role::FrontDesk,
            password: STAFF_PASSWORD.into(),
        },
    )
    .expect("create staff")
}

pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
}

/// RFC 4648 base32 decode, written here independently of the core.
fn base32(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buf, mut bits, mut out) = (0u64, 0, Vec::new());
    for c in s.bytes() {
        let v = alphabet.iter().position(|&a| a == c).expect("base32") as u64;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

/// The 6-digit RFC 6238 (HMAC-SHA1, 30 s) code of `secret_base32` at `t`.
pub fn totp_code(secret_base32: &str, t: DateTime<Utc>) -> String {
    let step = (t.timestamp() / 30) as u64;
    let mut mac = Hmac::<Sha1>::new_from_slice(&base32(secret_base32)).unwrap();
    mac.update(&step.to_be_bytes());
    let d = mac.finalize().into_bytes();
    let o = (d[19] & 0xf) as usize;
    let n = u32::from_be_bytes([d[o] & 0x7f, d[o + 1], d[o + 2], d[o + 3]]) % 1_000_000;
    format!("{n:06}")
}

/// `(kind, entity, entity_id, payload)` of every outbox row, oldest first.
pub fn outbox(store: &Store) -> Vec<(String, String, String, String)> {
    let mut stmt = store
        .conn()
        .prepare("SELECT kind, entity, entity_id, payload FROM outbox ORDER BY device_counter")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The full session a signed-in `s` would hold.
pub fn session_of(s: &StaffMember) -> clinic_protocol::SessionInfo {
    clinic_protocol::SessionInfo {
        staff_id: s.id,
        username: s.username.clone(),
        display_name: s.display_name.clone(),
        role: s.role,
        scope: clinic_protocol::SessionScope::Full,
        signed_in_at: "2026-11-23T10:00:00.000Z".into(),
        auto_lock_minutes: 10,
    }
}

/// Creates an account with [`STAFF_PASSWORD`] and returns its full session.
pub fn member_session(
    store: &mut Store,
    username: &str,
    display_name: &str,
    role: Role,
) -> clinic_protocol::SessionInfo {
    let s = identity::create_staff(
        store,
        CreateStaff {
            username: username.into(),
            display_name: display_name.into(),
            role,
            password: STAFF_PASSWORD.into(),
        },
    )
    .expect("create staff");
    session_of(&s)
}

//! Who is calling a use case, as the core needs to know it: the audit key that
//! seals the audit trail and the actor recorded in it. Every patient use case
//! takes a `Caller`, so nothing reads or writes patient data without an audit entry.
//! (With sign-in, the caller will also carry the session that `authz` checks.)
use crate::audit::AuditActor;

#[derive(Clone, Debug)]
pub struct Caller<'a> {
    /// The key of the device's audit hash chain (from the store's key material).
    pub audit_key: &'a [u8; 32],
    /// The signed-in staff member; `None` for the device itself (start-up, demo
    /// seeding, and — until sign-in is wired into the app — the front-desk window).
    pub actor: Option<AuditActor>,
}

impl<'a> Caller<'a> {
    /// The device acting on its own behalf.
    pub fn device(audit_key: &'a [u8; 32]) -> Self {
        Self {
            audit_key,
            actor: None,
        }
    }
}

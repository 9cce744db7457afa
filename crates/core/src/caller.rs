//! Who is calling a use case, as the core needs to know it: the audit key that
//! seals the audit trail, the actor recorded in it, and the staff member whose
//! access to restricted patients is checked. Every patient use case takes a
//! `Caller`, so nothing reads or writes patient data without an audit entry.
//! The shell builds it from its session (`session::SessionGate::admit`).
use crate::audit::AuditActor;
use clinic_protocol::{SessionInfo, StaffId};

#[derive(Clone, Debug)]
pub struct Caller<'a> {
    /// The key of the device's audit hash chain (from the store's key material).
    pub audit_key: &'a [u8; 32],
    /// The signed-in staff member; `None` for the device itself (start-up, demo
    /// seeding, tests of device-level behaviour).
    pub actor: Option<AuditActor>,
    /// The signed-in staff member whose access to restricted patients applies;
    /// `None` for the device itself (which sees every record).
    pub staff_id: Option<StaffId>,
}

impl<'a> Caller<'a> {
    /// The device acting on its own behalf.
    pub fn device(audit_key: &'a [u8; 32]) -> Self {
        Self {
            audit_key,
            actor: None,
            staff_id: None,
        }
    }

    /// A signed-in staff member (recorded in the audit trail as a snapshot of
    /// their id, name and role).
    pub fn staff(audit_key: &'a [u8; 32], session: &SessionInfo) -> Self {
        Self {
            audit_key,
            actor: Some(AuditActor {
                id: session.staff_id.to_string(),
                name: session.display_name.clone(),
                role: session.role.as_str().to_string(),
            }),
            staff_id: Some(session.staff_id),
        }
    }
}

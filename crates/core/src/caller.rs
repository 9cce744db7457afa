//! Who is calling a use case, as the core needs to know it: the audit key that
//! seals the audit trail, the actor recorded in it, and the staff member whose
//! access to restricted patients is checked. Every patient use case takes a
//! `Caller`, so nothing reads or writes patient data without an audit entry.
//! The shell builds it from its session (`session::SessionGate::admit`).
use crate::audit::{AuditActor, NewAuditEvent};
use clinic_protocol::{AuditAction, AuditCategory, PatientId, SessionInfo, StaffId};

/// The actor id and role the kiosk is recorded under (no staff account has it:
/// staff ids are UUIDs and roles are `Role` names).
pub const KIOSK_ACTOR: &str = "kiosk";

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

    /// The check-in kiosk window: a patient at the kiosk, recorded in the audit
    /// trail as the kiosk. It only ever reaches the kiosk use cases (`crate::kiosk`).
    pub fn kiosk(audit_key: &'a [u8; 32]) -> Self {
        Self {
            audit_key,
            actor: Some(AuditActor {
                id: KIOSK_ACTOR.to_string(),
                name: "Check-in kiosk".to_string(),
                role: KIOSK_ACTOR.to_string(),
            }),
            staff_id: None,
        }
    }

    /// Whether this is the kiosk.
    pub fn is_kiosk(&self) -> bool {
        self.actor.as_ref().is_some_and(|a| a.role == KIOSK_ACTOR)
    }

    /// An audit entry by this caller in `category` (detail: ids, kinds, counts).
    pub fn event(&self, action: AuditAction, category: AuditCategory) -> NewAuditEvent {
        NewAuditEvent::new(action, category).by(self.actor.clone())
    }

    /// The signed-in staff member's id as recorded in rows (`None`: the device).
    pub fn actor_id(&self) -> Option<String> {
        self.actor.as_ref().map(|a| a.id.clone())
    }

    /// The signed-in staff member's display name as recorded in rows ("" for the device).
    pub fn actor_name(&self) -> String {
        self.actor
            .as_ref()
            .map(|a| a.name.clone())
            .unwrap_or_default()
    }

    /// An audit entry by this caller about one patient's clinical data
    /// (category `chart`); `detail` holds ids, kinds and counts only.
    pub fn chart_event(
        &self,
        action: AuditAction,
        patient: PatientId,
        detail: serde_json::Value,
    ) -> NewAuditEvent {
        NewAuditEvent::new(action, AuditCategory::Chart)
            .by(self.actor.clone())
            .patient(patient)
            .detail(detail)
    }
}

//! Restricted patients and emergency ("break-glass") access: wire types.
//!
//! A restricted chart (e.g. a staff member's, a VIP's) opens only for the
//! patient's care team, or for a clinician holding an unexpired break-glass grant.
//!
//! Invariants: the break-glass reason is free text typed by a clinician and may
//! describe the patient. It is shown to administrators reviewing the grant, and
//! never written to the audit trail or logs; every type carrying it redacts it in
//! `Debug`, so a stray `{:?}` cannot leak it.
use crate::ids::{PatientId, StaffId};
use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;
use uuid::Uuid;

/// Why a patient is restricted: a code from a closed list, never free text.
/// Stored as the snake_case text: never rename a variant's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RestrictionCategory {
    /// A member of the clinic's staff.
    StaffMember,
    /// A relative of a member of staff.
    StaffRelative,
    /// A public figure or otherwise high-profile patient (VIP).
    PublicFigure,
    /// Safeguarding: e.g. a protected address or a court order.
    Safeguarding,
    Other,
}

impl RestrictionCategory {
    pub const ALL: [RestrictionCategory; 5] = [
        RestrictionCategory::StaffMember,
        RestrictionCategory::StaffRelative,
        RestrictionCategory::PublicFigure,
        RestrictionCategory::Safeguarding,
        RestrictionCategory::Other,
    ];

    /// The stored text. Do not change these strings.
    pub fn as_str(self) -> &'static str {
        match self {
            RestrictionCategory::StaffMember => "staff_member",
            RestrictionCategory::StaffRelative => "staff_relative",
            RestrictionCategory::PublicFigure => "public_figure",
            RestrictionCategory::Safeguarding => "safeguarding",
            RestrictionCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Whether a patient is restricted, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientRestriction {
    pub patient_id: PatientId,
    pub restricted: bool,
    /// Set when `restricted`.
    pub category: Option<RestrictionCategory>,
    /// RFC 3339 UTC of the last change; `None` if never restricted.
    pub updated_at: Option<String>,
}

/// What a staff member may do with one patient's chart, now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum PatientAccess {
    /// The patient is not restricted: the role's permissions decide.
    Open,
    /// Restricted, and the staff member is on the care team.
    CareTeam,
    /// Restricted, opened by an emergency grant until `expires_at` (RFC 3339 UTC).
    BreakGlass { expires_at: String },
    /// Restricted, and the staff member has no access.
    Denied,
}

impl PatientAccess {
    /// May the chart be opened?
    pub fn allows(&self) -> bool {
        !matches!(self, PatientAccess::Denied)
    }
}

/// A request for emergency access to a restricted chart.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BreakGlassRequest {
    pub patient_id: PatientId,
    /// Why access is needed (at least 10 characters). Reviewed by administrators.
    pub reason: String,
}

impl fmt::Debug for BreakGlassRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreakGlassRequest")
            .field("patient_id", &self.patient_id)
            .field("reason", &"<redacted>")
            .finish()
    }
}

/// One emergency access grant.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BreakGlassGrant {
    #[ts(type = "string")]
    pub id: Uuid,
    pub staff_id: StaffId,
    pub patient_id: PatientId,
    /// As typed by the staff member (trimmed).
    pub reason: String,
    /// RFC 3339 UTC.
    pub granted_at: String,
    /// RFC 3339 UTC.
    pub expires_at: String,
    /// RFC 3339 UTC, when ended early.
    pub revoked_at: Option<String>,
}

impl fmt::Debug for BreakGlassGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreakGlassGrant")
            .field("id", &self.id)
            .field("staff_id", &self.staff_id)
            .field("patient_id", &self.patient_id)
            .field("reason", &"<redacted>")
            .field("granted_at", &self.granted_at)
            .field("expires_at", &self.expires_at)
            .field("revoked_at", &self.revoked_at)
            .finish()
    }
}

/// An administrators' alert about one break-glass grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BreakGlassAlert {
    #[ts(type = "string")]
    pub id: Uuid,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC; `None` while pending.
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<StaffId>,
    /// The grant (with its reason, for the administrator to review).
    pub grant: BreakGlassGrant,
    /// Who broke the glass (display name at the time of review).
    pub staff_display_name: String,
    /// The patient's MRN (not the name: the alert inbox is not the chart).
    pub patient_mrn: String,
}

/// An administrator marks a patient restricted (a category is required) or lifts
/// the restriction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SetPatientRestriction {
    pub patient_id: PatientId,
    pub restricted: bool,
    #[serde(default)]
    pub category: Option<RestrictionCategory>,
}

/// An administrator adds a staff member to a patient's care team (`member: true`)
/// or removes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SetCareTeamMember {
    pub patient_id: PatientId,
    pub staff_id: StaffId,
    pub member: bool,
}

/// A patient's restriction and care team, for the administrator's panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientRestrictionView {
    pub restriction: PatientRestriction,
    /// Active members.
    pub care_team: Vec<StaffId>,
}

/// An administrator has reviewed a break-glass alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AcknowledgeAlert {
    #[ts(type = "string")]
    pub alert_id: Uuid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_texts_match_serde() {
        for c in RestrictionCategory::ALL {
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::Value::String(c.as_str().into())
            );
            assert_eq!(RestrictionCategory::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn debug_never_shows_the_reason() {
        let reason = "Unconscious in A&E, allergy history needed";
        let request = BreakGlassRequest {
            patient_id: PatientId::new(),
            reason: reason.into(),
        };
        assert!(!format!("{request:?}").contains("Unconscious"));
        let grant = BreakGlassGrant {
            id: Uuid::now_v7(),
            staff_id: StaffId::new(),
            patient_id: PatientId::new(),
            reason: reason.into(),
            granted_at: "2026-11-23T10:00:00.000Z".into(),
            expires_at: "2026-11-23T11:00:00.000Z".into(),
            revoked_at: None,
        };
        assert!(!format!("{grant:?}").contains("Unconscious"));
        let alert = BreakGlassAlert {
            id: Uuid::now_v7(),
            created_at: grant.granted_at.clone(),
            acknowledged_at: None,
            acknowledged_by: None,
            grant,
            staff_display_name: "Dr Night".into(),
            patient_mrn: "DGN-000001".into(),
        };
        assert!(!format!("{alert:?}").contains("Unconscious"));
    }

    #[test]
    fn access_is_tagged_by_kind() {
        assert_eq!(
            serde_json::to_value(PatientAccess::BreakGlass {
                expires_at: "x".into()
            })
            .unwrap(),
            serde_json::json!({"kind": "break_glass", "expires_at": "x"})
        );
        assert!(!PatientAccess::Denied.allows());
        assert!(PatientAccess::CareTeam.allows());
    }
}

//! What the UI shows and sends about this device's sync: the status indicator,
//! joining a clinic, and the conflicts staff resolve. (The device <-> server wire
//! types are in [`crate::sync`].)
//!
//! Invariants: nothing here carries a device token or key; a conflict's values are
//! shown only to staff allowed to see the patient (masked otherwise).
use crate::ids::PatientId;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

text_enum! {
    /// Where this device's sync stands.
    SyncPhase {
        /// No sync server configured: the device works alone.
        NotEnrolled => "not_enrolled",
        /// Up to date with the server as of `last_sync_at`.
        Idle => "idle",
        /// Pushing or pulling now.
        Syncing => "syncing",
        /// The server cannot be reached; changes are kept and sent later.
        Offline => "offline",
        /// The server answered with an error (see `last_error`); retried on a timer.
        Error => "error",
        /// This device was removed from the clinic; its local data is being wiped.
        Revoked => "revoked",
    }
}

/// The sync indicator's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SyncStatus {
    pub phase: SyncPhase,
    pub server_url: Option<String>,
    /// Local changes not yet accepted by the server.
    pub pending_changes: u32,
    /// When the last complete push+pull finished (RFC 3339 UTC).
    pub last_sync_at: Option<String>,
    /// A message for staff, never PHI or secrets.
    pub last_error: Option<String>,
    /// The server or another device runs a newer version: upgrade this app.
    pub upgrade_required: bool,
    /// False until the first full download from the server has finished.
    pub first_sync_done: bool,
    /// Progress of a download: log position applied / the server's latest.
    #[ts(type = "number")]
    pub received: u64,
    #[ts(type = "number")]
    pub total: u64,
    /// Conflicts waiting for a human.
    pub open_conflicts: u32,
    /// Changes received that this version could not apply (kept, retried).
    pub held_changes: u32,
}

/// Connect this device to a clinic's sync server with a one-time enrollment code
/// from an administrator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ConnectSyncServer {
    /// `https://host:port` (plain `http://` only for this machine, e.g. the demo).
    pub server_url: String,
    pub enrollment_code: String,
    /// Shown to administrators, e.g. "Front desk 2". Not a secret.
    pub device_name: String,
    /// The clinic's certificate authority (PEM), when the server's certificate is
    /// not signed by a public one.
    pub ca_pem: Option<String>,
}

text_enum! {
    SyncConflictKind {
        /// Two devices changed the same identity field (date of birth, sex, …) while
        /// apart: the later edit is shown, the other is kept here for review.
        IdentityField => "identity_field",
        /// Two registrations that look like the same person.
        PossibleDuplicate => "possible_duplicate",
    }
}

/// One conflict for staff to resolve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SyncConflict {
    pub id: String,
    pub kind: SyncConflictKind,
    pub patient_id: PatientId,
    /// "Family, Given" (or "Restricted record" for staff off the care team).
    pub patient_label: String,
    pub mrn: String,
    /// For a possible duplicate: the other registration.
    pub other_patient_id: Option<PatientId>,
    pub other_label: Option<String>,
    pub other_mrn: Option<String>,
    /// For an identity field: the field's name, what the record shows now, and
    /// the concurrent value that lost.
    pub field: Option<String>,
    pub current_value: Option<String>,
    pub other_value: Option<String>,
    pub detected_at: String,
}

/// How staff resolved a conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConflictResolution {
    /// Keep what the record shows now.
    KeepCurrent,
    /// Use the other value (an edit that syncs to every device).
    UseOther,
    /// Not a conflict (for duplicates: "not the same person").
    Dismiss,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ResolveSyncConflict {
    pub id: String,
    pub resolution: ConflictResolution,
}

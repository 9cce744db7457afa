//! Patient registry wire types: what the front desk types in (`PatientDetails`),
//! what a stored record looks like (`Patient`), and search/duplicate results.
use crate::ids::{DeviceId, PatientId};
use crate::UiError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Administrative sex (FHIR `AdministrativeGender`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "female" => Sex::Female,
            "male" => Sex::Male,
            "other" => Sex::Other,
            "unknown" => Sex::Unknown,
            _ => return None,
        })
    }
}

/// How the patient prefers to be contacted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ContactChannel {
    Phone,
    Sms,
    Email,
    Mail,
    None,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Address {
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EmergencyContact {
    pub name: String,
    pub relationship: String,
    pub phone: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Insurance {
    pub payer: String,
    pub member_id: String,
    pub group_number: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Preferences {
    /// BCP 47 language tag, e.g. `en`, `fr-CA`, `sw`.
    pub language: String,
    pub contact_channel: ContactChannel,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            language: "en".into(),
            contact_channel: ContactChannel::Phone,
        }
    }
}

/// Everything the front desk enters about a patient. The same shape is submitted on
/// registration and on edit, and returned inside `Patient`. Validation (in core)
/// trims text and reports every bad field at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientDetails {
    pub given_name: String,
    pub middle_name: String,
    pub family_name: String,
    /// ISO date `YYYY-MM-DD`.
    pub date_of_birth: String,
    pub sex: Option<Sex>,
    pub phone: String,
    pub email: String,
    pub address: Address,
    pub emergency_contacts: Vec<EmergencyContact>,
    /// `None` when the patient is self-paying / insurance not recorded.
    pub insurance: Option<Insurance>,
    pub preferences: Preferences,
}

/// A stored patient record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Patient {
    pub id: PatientId,
    /// Clinic record number, assigned on registration, never reused.
    pub mrn: String,
    /// Local row version; an edit must quote the version it was based on.
    #[ts(type = "number")]
    pub version: i64,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
    pub details: PatientDetails,
    /// Set when the record asked for was merged into this one (the link followed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub redirected_from: Option<PatientId>,
}

/// Merges a duplicate record into the one that survives: every chart item moves
/// to `survivor_id`; `merged_id` stays as a redirect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MergePatients {
    pub survivor_id: PatientId,
    pub merged_id: PatientId,
}

/// What a merge moved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MergeOutcome {
    pub survivor: Patient,
    /// Chart items moved (entries, encounters, notes, observations, documents).
    #[ts(type = "number")]
    pub moved: i64,
}

/// One search result / duplicate candidate row: enough to tell patients apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientSummary {
    pub id: PatientId,
    pub mrn: String,
    pub given_name: String,
    pub middle_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    pub sex: Option<Sex>,
    pub phone: String,
    /// The patient is restricted and the caller may not open the chart: every
    /// field but `id` and `mrn` is blank. Clinicians may request break-glass access.
    pub restricted: bool,
}

/// Why an existing record looks like the one being registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DuplicateReason {
    SameNameAndDateOfBirth,
    SameEmail,
    SamePhone,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DuplicateCandidate {
    pub patient: PatientSummary,
    pub reasons: Vec<DuplicateReason>,
}

/// Request to register a patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RegisterPatient {
    pub details: PatientDetails,
    /// Set after the user saw the duplicate warning and chose "register anyway".
    #[serde(default)]
    pub confirm_not_duplicate: bool,
}

/// Result of a registration attempt: either the new record, or the possible
/// duplicates the user must look at first (nothing was written).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
#[ts(export)]
pub enum RegisterOutcome {
    Registered { patient: Box<Patient> },
    PossibleDuplicates { candidates: Vec<DuplicateCandidate> },
}

/// Request to edit a patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UpdatePatient {
    pub id: PatientId,
    /// The `version` of the record the edit was based on.
    #[ts(type = "number")]
    pub expected_version: i64,
    pub details: PatientDetails,
}

/// As-you-type search. `text` may mix name prefixes, a date of birth
/// (`YYYY-MM-DD`), phone digits and an MRN; every part must match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientSearch {
    pub text: String,
    /// Zero-based.
    pub page: u32,
    pub page_size: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientSearchPage {
    pub items: Vec<PatientSummary>,
    pub page: u32,
    pub page_size: u32,
    pub has_more: bool,
}

/// What the UI learns at start-up: whether the encrypted store opened, and if not why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum AppStatus {
    Ready {
        device_id: DeviceId,
        /// True when the store uses the insecure test key source (demo/tests).
        test_key: bool,
        /// `None` until the first run created the clinic (show the set-up screen).
        clinic: Option<crate::ClinicInfo>,
        /// Who is signed in on this app, if anyone (the shell's copy is the truth).
        session: Option<crate::SessionInfo>,
        /// The session is locked: show only the lock screen.
        locked: bool,
    },
    Failed {
        error: UiError,
    },
}

//! Encounters (visits) and clinical notes: wire types.
//!
//! Invariants (DESIGN.md §5): a note is a draft until its author signs it; a
//! signed note is immutable; a correction is an amendment — a new note pointing at
//! the original — and both are shown. Nothing is deleted. Shapes follow FHIR R4
//! Encounter and Composition/DocumentReference closely enough to map both ways.
use crate::ids::{EncounterId, NoteId, PatientId};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

text_enum!(
    /// What kind of contact (FHIR Encounter.class, simplified).
    EncounterType {
        OfficeVisit => "office_visit",
        Telephone => "telephone",
        Video => "video",
        HomeVisit => "home_visit",
        Other => "other",
    }
);

text_enum!(
    EncounterStatus {
        InProgress => "in_progress",
        Finished => "finished",
        /// Recorded by mistake: kept, shown struck through.
        EnteredInError => "entered_in_error",
    }
);

text_enum!(
    NoteStatus {
        Draft => "draft",
        /// Immutable from now on.
        Signed => "signed",
    }
);

/// A visit or other contact with the patient, grouping notes on the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Encounter {
    pub id: EncounterId,
    pub patient_id: PatientId,
    #[serde(rename = "type")]
    pub encounter_type: EncounterType,
    pub reason: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    pub status: EncounterStatus,
    pub recorded_by: String,
    #[ts(type = "number")]
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CreateEncounter {
    pub patient_id: PatientId,
    #[serde(rename = "type")]
    pub encounter_type: EncounterType,
    pub reason: String,
    /// RFC 3339; empty means now.
    #[serde(default)]
    pub started_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SetEncounterStatus {
    pub id: EncounterId,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub status: EncounterStatus,
}

/// What a note says, by template. SOAP: subjective, objective, assessment, plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "template", rename_all = "snake_case")]
#[ts(export)]
pub enum NoteContent {
    Soap {
        subjective: String,
        objective: String,
        assessment: String,
        plan: String,
    },
    Free {
        text: String,
    },
}

impl NoteContent {
    pub fn template(&self) -> &'static str {
        match self {
            NoteContent::Soap { .. } => "soap",
            NoteContent::Free { .. } => "free",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ClinicalNote {
    pub id: NoteId,
    pub patient_id: PatientId,
    pub encounter_id: Option<EncounterId>,
    /// The note this one amends.
    pub amends: Option<NoteId>,
    pub title: String,
    pub content: NoteContent,
    pub status: NoteStatus,
    pub author_id: Option<String>,
    pub author_name: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub updated_at: String,
    pub signed_at: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
    /// Signed and draft amendments of this note, oldest first (empty on amendments).
    pub amendments: Vec<ClinicalNote>,
}

/// A new draft note (an amendment when `amends` is set: the original must be signed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CreateNote {
    pub patient_id: PatientId,
    #[serde(default)]
    pub encounter_id: Option<EncounterId>,
    #[serde(default)]
    pub amends: Option<NoteId>,
    pub title: String,
    pub content: NoteContent,
}

/// Saves a draft (author only, drafts only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UpdateNote {
    pub id: NoteId,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub title: String,
    pub content: NoteContent,
}

/// Signs a draft (author only): from now on it never changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SignNote {
    pub id: NoteId,
    #[ts(type = "number")]
    pub expected_version: i64,
}

/// One encounter with its notes (originals with their amendments).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimelineEncounter {
    pub encounter: Encounter,
    pub notes: Vec<ClinicalNote>,
}

/// A page of a patient's timeline, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimelinePage {
    pub encounters: Vec<TimelineEncounter>,
    /// Notes written outside any encounter (on the first page only).
    pub loose_notes: Vec<ClinicalNote>,
    pub page: u32,
    pub page_size: u32,
    pub has_more: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimelineQuery {
    pub patient_id: PatientId,
    pub page: u32,
    pub page_size: u32,
}

//! Clinical chart wire types: allergies, medications, problems and treatment plans
//! (one "chart entry" each), their status changes and history, the patient-level
//! "no known allergies" assertion, and the chart summary.
//!
//! Invariants (DESIGN.md §5): an entry is one row per id, add-wins across devices;
//! removal is a status change with a reason (inactive, resolved, stopped,
//! completed, entered-in-error), never a delete. Field names follow FHIR R4
//! (AllergyIntolerance, MedicationStatement, Condition, CarePlan) so the mapping
//! stays honest both ways.
pub use crate::ids::ChartEntryId;
use crate::ids::PatientId;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The kinds of chart entry. Stored as the snake_case text: never rename.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ChartEntryKind {
    Allergy,
    Medication,
    Problem,
    /// A treatment plan (FHIR CarePlan).
    Plan,
}

impl ChartEntryKind {
    pub const ALL: [ChartEntryKind; 4] = [
        ChartEntryKind::Allergy,
        ChartEntryKind::Medication,
        ChartEntryKind::Problem,
        ChartEntryKind::Plan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChartEntryKind::Allergy => "allergy",
            ChartEntryKind::Medication => "medication",
            ChartEntryKind::Problem => "problem",
            ChartEntryKind::Plan => "plan",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The statuses an entry of this kind may have (the first is the one it is
    /// recorded with).
    pub fn statuses(self) -> &'static [EntryStatus] {
        use EntryStatus as S;
        match self {
            ChartEntryKind::Allergy | ChartEntryKind::Problem => {
                &[S::Active, S::Inactive, S::Resolved, S::EnteredInError]
            }
            ChartEntryKind::Medication | ChartEntryKind::Plan => {
                &[S::Active, S::Stopped, S::Completed, S::EnteredInError]
            }
        }
    }
}

/// Where an entry stands. Which ones apply depends on the kind
/// ([`ChartEntryKind::statuses`]). Stored as the snake_case text: never rename.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum EntryStatus {
    Active,
    Inactive,
    Resolved,
    Stopped,
    Completed,
    /// Recorded by mistake: kept (never deleted) but shown struck through.
    EnteredInError,
}

impl EntryStatus {
    pub const ALL: [EntryStatus; 6] = [
        EntryStatus::Active,
        EntryStatus::Inactive,
        EntryStatus::Resolved,
        EntryStatus::Stopped,
        EntryStatus::Completed,
        EntryStatus::EnteredInError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Active => "active",
            EntryStatus::Inactive => "inactive",
            EntryStatus::Resolved => "resolved",
            EntryStatus::Stopped => "stopped",
            EntryStatus::Completed => "completed",
            EntryStatus::EnteredInError => "entered_in_error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How severe the reaction is (FHIR AllergyIntolerance.reaction.severity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AllergySeverity {
    Mild,
    Moderate,
    Severe,
    Unknown,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AllergyDetails {
    /// The substance (drug, food, environmental), e.g. "Penicillin".
    pub substance: String,
    /// What happens, e.g. "Hives". May be empty.
    pub reaction: String,
    pub severity: Option<AllergySeverity>,
    /// `YYYY-MM-DD`, or empty when unknown.
    pub onset_date: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MedicationDetails {
    /// The medication, e.g. "Metformin".
    pub name: String,
    /// e.g. "500 mg".
    pub dose: String,
    /// e.g. "oral".
    pub route: String,
    /// e.g. "twice daily".
    pub frequency: String,
    /// `YYYY-MM-DD`, or empty when unknown.
    pub start_date: String,
    /// `YYYY-MM-DD`, or empty while ongoing.
    pub stop_date: String,
    /// Who prescribed it (free text: may be outside the clinic).
    pub prescriber: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProblemDetails {
    /// The problem or diagnosis as written, e.g. "Type 2 diabetes mellitus".
    pub text: String,
    /// Optional ICD-10 code, e.g. "E11.9".
    pub icd10_code: String,
    /// `YYYY-MM-DD`, or empty when unknown.
    pub onset_date: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlanDetails {
    pub title: String,
    /// Goals and activities.
    pub description: String,
}

/// What an entry says, by kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ChartEntryDetails {
    Allergy(AllergyDetails),
    Medication(MedicationDetails),
    Problem(ProblemDetails),
    Plan(PlanDetails),
}

impl ChartEntryDetails {
    pub fn kind(&self) -> ChartEntryKind {
        match self {
            ChartEntryDetails::Allergy(_) => ChartEntryKind::Allergy,
            ChartEntryDetails::Medication(_) => ChartEntryKind::Medication,
            ChartEntryDetails::Problem(_) => ChartEntryKind::Problem,
            ChartEntryDetails::Plan(_) => ChartEntryKind::Plan,
        }
    }
}

/// One chart entry as the UI sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChartEntry {
    pub id: ChartEntryId,
    pub patient_id: PatientId,
    pub status: EntryStatus,
    /// Why the status last changed (empty while active since recording).
    pub status_reason: String,
    pub details: ChartEntryDetails,
    /// RFC 3339 UTC.
    pub recorded_at: String,
    /// Display name of who recorded it ("" for the device itself).
    pub recorded_by: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
    /// Starts at 1; each change adds one (edit conflicts are checked against it).
    #[ts(type = "number")]
    pub version: i64,
}

/// One version of an entry, for its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChartEntryVersion {
    #[ts(type = "number")]
    pub version: i64,
    pub status: EntryStatus,
    pub status_reason: String,
    pub details: ChartEntryDetails,
    /// RFC 3339 UTC.
    pub changed_at: String,
    /// Display name of who made this version.
    pub changed_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AddChartEntry {
    pub patient_id: PatientId,
    pub details: ChartEntryDetails,
}

/// Corrects what an entry says (not its status). Refused with `edit_conflict` when
/// the entry changed since `expected_version`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UpdateChartEntry {
    pub id: ChartEntryId,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub details: ChartEntryDetails,
}

/// Changes an entry's status; a reason is required for anything but `active`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SetChartEntryStatus {
    pub id: ChartEntryId,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub status: EntryStatus,
    pub reason: String,
}

/// Entries of one kind for a patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ListChartEntries {
    pub patient_id: PatientId,
    pub kind: ChartEntryKind,
    /// Also entries that are no longer active (including entered-in-error).
    pub include_inactive: bool,
}

/// Whether allergies were asked about: "no known allergies" is a statement made by
/// a clinician, distinct from "not recorded" (never asked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum AllergyStatus {
    /// Nobody has recorded allergies or their absence.
    NotRecorded,
    /// A clinician stated the patient has no known allergies.
    NoKnownAllergies {
        /// RFC 3339 UTC.
        asserted_at: String,
        asserted_by: String,
    },
    /// At least one active allergy (listed in the summary).
    HasAllergies,
    /// Allergies were recorded but none is active any more.
    NoActiveAllergies,
}

/// A clinician states the patient has no known allergies (refused while an
/// allergy is active).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SetNoKnownAllergies {
    pub patient_id: PatientId,
}

/// What the doctor sees first on opening a chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChartSummary {
    pub patient_id: PatientId,
    pub allergy_status: AllergyStatus,
    /// Active entries of each kind, newest first.
    pub allergies: Vec<ChartEntry>,
    pub problems: Vec<ChartEntry>,
    pub medications: Vec<ChartEntry>,
    pub plans: Vec<ChartEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_tagged_by_kind() {
        let d = ChartEntryDetails::Allergy(AllergyDetails {
            substance: "Penicillin".into(),
            reaction: "Hives".into(),
            severity: Some(AllergySeverity::Moderate),
            onset_date: String::new(),
        });
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["kind"], "allergy");
        assert_eq!(v["substance"], "Penicillin");
        assert_eq!(serde_json::from_value::<ChartEntryDetails>(v).unwrap(), d);
        assert_eq!(d.kind(), ChartEntryKind::Allergy);
    }

    #[test]
    fn every_kind_is_recorded_active_and_can_be_entered_in_error() {
        for kind in ChartEntryKind::ALL {
            assert_eq!(kind.statuses()[0], EntryStatus::Active);
            assert!(kind.statuses().contains(&EntryStatus::EnteredInError));
            assert_eq!(ChartEntryKind::parse(kind.as_str()), Some(kind));
        }
        for s in EntryStatus::ALL {
            assert_eq!(EntryStatus::parse(s.as_str()), Some(s));
        }
    }
}

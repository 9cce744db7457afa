//! FHIR R4 import and export (interoperability): what the UI sees of an import
//! (its progress, then a summary per resource type and the problems, each with
//! the resource and the reason) and of an export (where it went, how much).
//!
//! The files themselves never cross this boundary: the shell reads the files the
//! user chose in a native dialog and writes exports where the user said.
//! Problem reasons come from the importing user's own files and may quote a
//! value from them (a display name that could not be matched): they are shown
//! to that user, never logged.
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What happened to the resources of one type (e.g. `Observation`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FhirTypeCounts {
    pub resource_type: String,
    /// New records, chart entries, visits, results or documents.
    pub imported: u32,
    /// Matched an earlier import (by identifier or id) and changed since.
    pub updated: u32,
    /// Matched an earlier import and unchanged: nothing written.
    pub unchanged: u32,
    /// Stored as found (the chart has no place for it) so export returns it.
    pub kept: u32,
    /// Not imported, with a reason (see the problems).
    pub skipped: u32,
    /// Malformed or not importable (see the problems).
    pub errors: u32,
}

text_enum!(
    /// Whether a problem stopped a resource (and its patient) or only set it aside.
    FhirProblemKind {
        /// Malformed or not importable: the patient it belongs to is not imported.
        Error => "error",
        /// Not imported, for the reason given; the rest of the patient is.
        Skipped => "skipped",
        /// Stored as JSON only: the chart's checks refused its value (a date in
        /// the future, an implausible result…). Export returns it unchanged.
        Kept => "kept",
    }
);

/// One resource not imported, or one piece of input that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FhirProblem {
    pub kind: FhirProblemKind,
    /// `Patient`, `Observation`… or `(unreadable)` for input that is no resource.
    pub resource_type: String,
    pub id: Option<String>,
    /// The file it came from.
    pub source: String,
    /// NDJSON line (1-based).
    pub line: Option<u32>,
    /// Bundle entry (`entry[3]`).
    pub entry: Option<String>,
    /// Where inside the resource (a JSON path; empty for the whole resource).
    pub path: String,
    pub reason: String,
    /// Resources with the same type, kind, path and reason (e.g. every Claim
    /// skipped as a type the clinic does not import): listed once, from the
    /// first of them.
    pub count: u32,
}

/// The outcome of one import: counts per resource type, patients, problems.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FhirImportSummary {
    pub files: u32,
    /// Resources read (bundle entries and NDJSON lines that are resources).
    pub resources: u32,
    pub patients_imported: u32,
    pub patients_updated: u32,
    pub patients_unchanged: u32,
    /// Patients not imported at all (an error in their record, a restricted
    /// record, or data for a patient neither in the files nor imported before).
    pub patients_skipped: u32,
    /// New patients who look like someone already registered (same name and
    /// date of birth): imported, and listed on the Conflicts screen for review.
    pub possible_duplicates: u32,
    pub by_type: Vec<FhirTypeCounts>,
    /// Errors first, then skipped resources, then resources kept because the
    /// chart's checks refused them; each in input order.
    pub problems: Vec<FhirProblem>,
    /// Problems beyond those listed (the list is capped).
    pub problems_not_listed: u32,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

text_enum!(
    /// Where an import is.
    FhirImportPhase {
        /// Reading and checking the files.
        Reading => "reading",
        /// Applying the patients, one transaction each.
        Importing => "importing",
    }
);

/// Sent as the `fhir-import-progress` event while an import runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FhirImportProgress {
    pub phase: FhirImportPhase,
    /// Files read, or patients applied.
    pub done: u32,
    pub total: u32,
}

/// A patient's record written as a FHIR Bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FhirPatientExported {
    pub path: String,
    /// Resources in the Bundle.
    pub resources: u32,
}

/// The clinic's patients written as bulk-export NDJSON (one Patient a line).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FhirPatientsExported {
    pub path: String,
    pub patients: u32,
    /// Restricted records the exporting user may not see: left out.
    pub withheld: u32,
}

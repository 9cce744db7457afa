//! The import plan and the values it carries: domain values (from
//! `clinic-protocol`) with the FHIR identity they came from, resources kept as
//! JSON because the domain has no home for them, and one outcome per resource.
//!
//! The same shapes go back out: export takes a [`PatientRecord`] (built by the
//! importer from a plan, or by the store from its own rows) and turns it into a
//! FHIR Bundle. No database types live here.
use crate::input::Origin;
use clinic_protocol::{
    AddChartEntry, ChartEntryDetails, CreateEncounter, DocumentStatus, DocumentType, EncounterId,
    EncounterStatus, EncounterType, EntryStatus, NewObservation, ObservationCategory,
    ObservationStatus, PatientDetails, PatientId, RecordObservations, UploadDocument,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// A business identifier (`Identifier.system` + `Identifier.value`): what a
/// re-import matches on, with the resource type and id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identifier {
    pub system: String,
    pub value: String,
}

/// A code as found (`Coding.system`, `.code`, `.display`), kept verbatim.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coding {
    pub system: String,
    pub code: String,
    pub display: String,
}

/// Who a resource is in FHIR.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FhirIdentity {
    pub resource_type: String,
    /// Unique within one plan: `Type/id` when the resource has an id, else its
    /// bundle `fullUrl` (e.g. `urn:uuid:…`), else `Type/#<n>` (n: position in
    /// the input; nothing can refer to it). References resolve to these keys.
    pub key: String,
    pub id: Option<String>,
    /// The bundle entry's `fullUrl`, as found.
    pub full_url: Option<String>,
    pub identifiers: Vec<Identifier>,
    /// `meta.lastUpdated` and `meta.versionId`, as found.
    pub last_updated: Option<String>,
    pub version_id: Option<String>,
}

impl FhirIdentity {
    /// The identity of a value the clinic created (e.g. with the store's UUID
    /// as id): key `Type/id`.
    pub fn new(resource_type: &str, id: &str) -> Self {
        Self {
            resource_type: resource_type.to_string(),
            key: format!("{resource_type}/{id}"),
            id: Some(id.to_string()),
            ..Self::default()
        }
    }
}

/// A domain value with the FHIR identity it maps to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item<T> {
    pub fhir: FhirIdentity,
    pub value: T,
    /// The resource as imported, so that export can give back the fields the
    /// domain does not hold (extensions, extra codings, narrative…). `None` for
    /// values that never came from FHIR.
    pub original: Option<Value>,
}

/// A resource stored as found: the domain has no home for it (Practitioner,
/// Procedure, Immunization…) or for this instance of it (an Observation whose
/// code is not in the catalogue…). Export returns it unchanged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptResource {
    pub fhir: FhirIdentity,
    /// Why it was not mapped to a domain value.
    pub reason: String,
    pub resource: Value,
}

/// An allergy, medication, problem or plan, with its status (FHIR
/// AllergyIntolerance, MedicationStatement/MedicationRequest, Condition, CarePlan).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartItem {
    pub details: ChartEntryDetails,
    pub status: EntryStatus,
    pub status_reason: String,
    /// When the source system recorded it (`recordedDate`, `dateAsserted`,
    /// `authoredOn`, `created`), as found; empty when not given.
    pub recorded_at: String,
}

impl ChartItem {
    /// The command that records this entry (the status is set separately).
    pub fn to_add(&self, patient_id: PatientId) -> AddChartEntry {
        AddChartEntry {
            patient_id,
            details: self.details.clone(),
        }
    }
}

/// "No known allergies" stated by a clinician (AllergyIntolerance coded SNOMED
/// 716186003, active).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoKnownAllergies {
    /// `recordedDate` as found.
    pub asserted_at: String,
    /// The recorder's or asserter's name.
    pub asserted_by: String,
}

/// One FHIR Observation whose values are all in the clinic's catalogue: a single
/// value, or the components of a panel (e.g. blood pressure: systolic and
/// diastolic).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObservationItem {
    /// From the catalogue (the code decides, not the FHIR category).
    pub category: ObservationCategory,
    pub status: ObservationStatus,
    /// The Observation's own code when the values are its components.
    pub panel: Option<Coding>,
    /// `code` is the catalogue code; `value` the number as written in FHIR;
    /// `unit` the UCUM unit as found (core converts accepted units).
    pub values: Vec<NewObservation>,
    /// The key of the encounter it belongs to (`Observation.encounter`).
    pub encounter: Option<String>,
}

impl ObservationItem {
    pub fn to_record(
        &self,
        patient_id: PatientId,
        encounter_id: Option<EncounterId>,
    ) -> RecordObservations {
        RecordObservations {
            patient_id,
            encounter_id,
            observations: self.values.clone(),
        }
    }
}

/// A visit (FHIR Encounter).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncounterItem {
    pub encounter_type: EncounterType,
    pub reason: String,
    /// `period.start` as found.
    pub started_at: String,
    pub status: EncounterStatus,
}

impl EncounterItem {
    pub fn to_create(&self, patient_id: PatientId) -> CreateEncounter {
        CreateEncounter {
            patient_id,
            encounter_type: self.encounter_type,
            reason: self.reason.clone(),
            started_at: self.started_at.clone(),
        }
    }
}

/// A patient document with its content (FHIR DocumentReference, or a
/// DiagnosticReport's `presentedForm`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentItem {
    pub document_type: DocumentType,
    pub title: String,
    /// `YYYY-MM-DD` (the date part of what was found).
    pub document_date: String,
    pub author: String,
    pub source: String,
    pub file_name: String,
    /// The attachment's `contentType` without parameters (core sniffs the bytes).
    pub media_type: String,
    /// Standard base64, whitespace removed.
    pub content_base64: String,
    pub status: DocumentStatus,
}

impl fmt::Debug for DocumentItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DocumentItem")
            .field("document_type", &self.document_type)
            .field("title", &self.title)
            .field("media_type", &self.media_type)
            .field("bytes_base64", &self.content_base64.len())
            .finish_non_exhaustive()
    }
}

impl DocumentItem {
    pub fn to_upload(&self, patient_id: PatientId) -> UploadDocument {
        UploadDocument {
            patient_id,
            document_type: self.document_type,
            title: self.title.clone(),
            document_date: self.document_date.clone(),
            author: self.author.clone(),
            source: self.source.clone(),
            file_name: self.file_name.clone(),
            content_base64: self.content_base64.clone(),
        }
    }
}

/// Everything in the input about one patient: apply it all or nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatientRecord {
    /// `Patient/<id>`, a bundle `fullUrl`, or `Patient?identifier=<system>|<value>`.
    pub key: String,
    /// `None` when the input only refers to the patient (the importer matches
    /// an existing patient by `key`), or when the Patient resource had an error.
    pub patient: Option<Item<PatientDetails>>,
    /// From the first active Coverage whose beneficiary is the patient.
    pub insurance: Option<Item<clinic_protocol::Insurance>>,
    pub no_known_allergies: Option<Item<NoKnownAllergies>>,
    pub chart: Vec<Item<ChartItem>>,
    pub observations: Vec<Item<ObservationItem>>,
    pub encounters: Vec<Item<EncounterItem>>,
    pub documents: Vec<Item<DocumentItem>>,
    /// The patient's resources kept as JSON (Procedure, Immunization, Appointment…).
    pub kept: Vec<KeptResource>,
}

impl PatientRecord {
    pub fn new(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            patient: None,
            insurance: None,
            no_known_allergies: None,
            chart: Vec::new(),
            observations: Vec::new(),
            encounters: Vec::new(),
            documents: Vec::new(),
            kept: Vec::new(),
        }
    }

    /// Resources in the record (mapped and kept).
    pub fn len(&self) -> usize {
        usize::from(self.patient.is_some())
            + usize::from(self.insurance.is_some())
            + usize::from(self.no_known_allergies.is_some())
            + self.chart.len()
            + self.observations.len()
            + self.encounters.len()
            + self.documents.len()
            + self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What happened to one resource (or one unreadable piece of input).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Mapped to domain values.
    Mapped,
    /// Stored as found (see [`KeptResource`]).
    Kept { reason: String },
    /// Not imported: not a kind of data the clinic holds, a bundle request that
    /// is not applied, or a duplicate in the same input.
    Skipped { reason: String },
    /// Malformed or not importable; `path` is the JSON path inside the resource
    /// (empty for the input as a whole).
    Error { path: String, reason: String },
}

/// Resource types of pieces of input that are not resources.
pub const UNREADABLE: &str = "(unreadable)";
pub const NO_RESOURCE: &str = "(entry without resource)";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceOutcome {
    pub origin: Origin,
    /// The resource type, or [`UNREADABLE`] / [`NO_RESOURCE`].
    pub resource_type: String,
    pub id: Option<String>,
    /// The resource's key ([`FhirIdentity::key`]) when it is a resource: what
    /// the importer finds its item by.
    #[serde(default)]
    pub key: Option<String>,
    /// The key of the patient record it went to (or would have).
    pub patient: Option<String>,
    pub outcome: Outcome,
}

impl fmt::Display for ResourceOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{}/{} ({})", self.resource_type, id, self.origin)?,
            None => write!(f, "{} ({})", self.resource_type, self.origin)?,
        }
        match &self.outcome {
            Outcome::Mapped => write!(f, ": mapped"),
            Outcome::Kept { reason } => write!(f, ": kept as JSON: {reason}"),
            Outcome::Skipped { reason } => write!(f, ": skipped: {reason}"),
            Outcome::Error { path, reason } if path.is_empty() => write!(f, ": error: {reason}"),
            Outcome::Error { path, reason } => write!(f, ": error at {path}: {reason}"),
        }
    }
}

/// Outcomes of one resource type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeCounts {
    pub mapped: usize,
    pub kept: usize,
    pub skipped: usize,
    pub error: usize,
}

impl TypeCounts {
    pub fn total(&self) -> usize {
        self.mapped + self.kept + self.skipped + self.error
    }
}

/// The result of reading FHIR input: nothing is applied yet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportPlan {
    /// In order of first appearance.
    pub patients: Vec<PatientRecord>,
    /// Clinic-level resources kept as JSON: Practitioner, Organization,
    /// Medication, Schedule, Slot, Binary not used by a document, and
    /// patient data that names no patient it can be matched to.
    pub clinic: Vec<KeptResource>,
    /// One per resource, in input order; then one per piece of input that is
    /// not a resource (unreadable input, bundle entries without a resource).
    pub outcomes: Vec<ResourceOutcome>,
}

impl ImportPlan {
    /// Outcomes per resource type.
    pub fn counts(&self) -> BTreeMap<String, TypeCounts> {
        let mut counts: BTreeMap<String, TypeCounts> = BTreeMap::new();
        for o in &self.outcomes {
            let c = counts.entry(o.resource_type.clone()).or_default();
            match o.outcome {
                Outcome::Mapped => c.mapped += 1,
                Outcome::Kept { .. } => c.kept += 1,
                Outcome::Skipped { .. } => c.skipped += 1,
                Outcome::Error { .. } => c.error += 1,
            }
        }
        counts
    }

    /// Resources read (every outcome except unreadable input and bundle
    /// entries without a resource): the figure for an import rate.
    pub fn resource_count(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.resource_type != UNREADABLE && o.resource_type != NO_RESOURCE)
            .count()
    }

    pub fn errors(&self) -> impl Iterator<Item = &ResourceOutcome> {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::Error { .. }))
    }

    /// Whether any resource of this patient's record failed: the importer must
    /// then skip the whole record (never apply half a patient).
    pub fn has_errors(&self, patient_key: &str) -> bool {
        self.errors()
            .any(|o| o.patient.as_deref() == Some(patient_key))
    }

    pub fn patient(&self, key: &str) -> Option<&PatientRecord> {
        self.patients.iter().find(|p| p.key == key)
    }
}

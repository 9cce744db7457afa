//! Per resource type: where it belongs (a patient's record, the clinic, or
//! nowhere), the R4 elements it must have, and the mapping to domain values and
//! back (one module per domain area, both directions side by side).
//!
//! | FHIR R4                                  | domain (`clinic-protocol`)             |
//! |------------------------------------------|----------------------------------------|
//! | Patient                                  | `PatientDetails`                       |
//! | Coverage (first active, per patient)     | `Insurance`                            |
//! | AllergyIntolerance                       | `AllergyDetails` chart entry           |
//! | AllergyIntolerance SNOMED 716186003      | "no known allergies"                   |
//! | MedicationStatement, MedicationRequest   | `MedicationDetails` chart entry        |
//! | Condition                                | `ProblemDetails` chart entry           |
//! | CarePlan                                 | `PlanDetails` chart entry              |
//! | Observation (catalogue LOINC quantities) | `NewObservation`s                      |
//! | Encounter                                | `CreateEncounter` (+ status)           |
//! | DocumentReference (+ Binary)             | `UploadDocument` (+ status)            |
//! | DiagnosticReport with `presentedForm`    | `UploadDocument` (lab report / other)  |
//!
//! Kept as JSON: Practitioner, Organization, Medication, Schedule, Slot, unused
//! Binary (clinic level); Procedure, Immunization, Appointment (patient level);
//! and any instance of a mapped type the domain cannot hold (with the reason).
pub(crate) mod chart;
pub(crate) mod document;
pub(crate) mod encounter;
pub(crate) mod observation;
pub(crate) mod patient;

use crate::json::{Node, Problem, Res};
use crate::model::{ChartItem, DocumentItem, EncounterItem, NoKnownAllergies, ObservationItem};
use crate::refs::Index;
use clinic_protocol::{Insurance, ObservationCode, PatientDetails};
use serde_json::Value;

/// The clinic's own code systems, for domain values no standard code says.
pub const LOCAL_DOCUMENT_TYPE: &str = "urn:clinic-desktop:codesystem:document-type";
pub const LOCAL_ENCOUNTER_TYPE: &str = "urn:clinic-desktop:codesystem:encounter-type";
pub(crate) const DATA_ABSENT: &str = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";

/// Where a resource type belongs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The Patient itself.
    Patient,
    /// Belongs to the patient named by this element.
    PatientData(&'static str),
    /// Appointment: the patient among `participant.actor`.
    Participants,
    /// Clinic-level, kept as JSON.
    Clinic,
    /// Content for DocumentReferences; kept at clinic level when unused.
    Binary,
    Unsupported,
}

pub(crate) fn scope(resource_type: &str) -> Scope {
    match resource_type {
        "Patient" => Scope::Patient,
        "AllergyIntolerance" | "Immunization" => Scope::PatientData("patient"),
        "Coverage" => Scope::PatientData("beneficiary"),
        "MedicationStatement"
        | "MedicationRequest"
        | "Condition"
        | "Observation"
        | "DiagnosticReport"
        | "DocumentReference"
        | "Encounter"
        | "Procedure"
        | "CarePlan" => Scope::PatientData("subject"),
        "Appointment" => Scope::Participants,
        "Practitioner" | "Organization" | "Medication" | "Schedule" | "Slot" => Scope::Clinic,
        "Binary" => Scope::Binary,
        _ => Scope::Unsupported,
    }
}

/// R4 elements of cardinality 1.. (`x[x]`: any choice of `x`).
fn required(resource_type: &str) -> &'static [&'static str] {
    match resource_type {
        "Coverage" => &["status", "beneficiary", "payor"],
        "AllergyIntolerance" => &["patient"],
        "MedicationStatement" => &["status", "medication[x]", "subject"],
        "MedicationRequest" => &["status", "intent", "medication[x]", "subject"],
        "Condition" => &["subject"],
        "Observation" | "DiagnosticReport" => &["status", "code"],
        "DocumentReference" => &["status", "content"],
        "Binary" => &["contentType"],
        "Encounter" => &["status", "class"],
        "Procedure" => &["status", "subject"],
        "Immunization" => &["status", "vaccineCode", "patient", "occurrence[x]"],
        "Appointment" => &["status", "participant"],
        "Schedule" => &["actor"],
        "Slot" => &["schedule", "status", "start", "end"],
        "CarePlan" => &["status", "intent", "subject"],
        _ => &[],
    }
}

/// The first required element that is missing.
pub(crate) fn check_required(resource_type: &str, resource: &Value) -> Res<()> {
    let Some(obj) = resource.as_object() else {
        return Err(Problem::error("", "expected an object"));
    };
    for field in required(resource_type) {
        let present = match field.strip_suffix("[x]") {
            Some(prefix) => obj.keys().any(|k| {
                k.strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
            }),
            None => obj.contains_key(*field),
        };
        if !present {
            return Err(Problem::error(field, "required (R4 cardinality 1..)"));
        }
    }
    Ok(())
}

/// What mapping needs besides the resource: the other resources of the input
/// (references, contained resources aside) and the observation catalogue.
pub(crate) struct Ctx<'a> {
    pub index: &'a Index<'a>,
    pub codes: &'a [ObservationCode],
}

impl Ctx<'_> {
    /// The name of a referenced party: the reference's `display`, else the
    /// name of the resource it points at (contained, or in the input).
    pub fn name_of(&self, reference: Option<&Node>, container: &Value) -> Res<String> {
        let Some(r) = reference else {
            return Ok(String::new());
        };
        if let Some(d) = r.str("display")? {
            return Ok(d.to_string());
        }
        let Some(target) = r.str("reference")? else {
            return Ok(String::new());
        };
        let resource = match target.strip_prefix('#') {
            Some(id) => container
                .get("contained")
                .and_then(Value::as_array)
                .and_then(|c| {
                    c.iter()
                        .find(|x| x.get("id").and_then(Value::as_str) == Some(id))
                }),
            None => self.index.resolve(target).map(|i| self.index.get(i)),
        };
        // A referenced resource that is malformed names nobody.
        Ok(resource
            .map(|x| name(x).unwrap_or_default())
            .unwrap_or_default())
    }
}

/// What a resource calls itself: a person's name, an organisation's or
/// location's `name`, a medication's code.
fn name(resource: &Value) -> Res<String> {
    let n = Node::root(resource);
    match n.str("resourceType")? {
        Some("Patient" | "Practitioner" | "RelatedPerson" | "Person") => match n.first("name")? {
            Some(h) => h.human_name(),
            None => Ok(String::new()),
        },
        Some("Medication") => n.concept_text_at("code"),
        Some(_) => n.text("name"),
        None => Ok(String::new()),
    }
}

/// A resource mapped to domain values.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Mapped {
    Patient(PatientDetails),
    Insurance(Insurance),
    NoKnownAllergies(NoKnownAllergies),
    Chart(ChartItem),
    Observation(ObservationItem),
    Encounter(EncounterItem),
    /// With the position (in the index) of the Binary holding its content.
    Document(DocumentItem, Option<usize>),
}

/// Maps one resource (already checked for primitives and required elements).
pub(crate) fn map(resource_type: &str, resource: &Value, ctx: &Ctx) -> Res<Mapped> {
    let n = Node::root(resource);
    Ok(match resource_type {
        "Patient" => Mapped::Patient(patient::map_patient(&n)?),
        "Coverage" => Mapped::Insurance(patient::map_coverage(&n, ctx)?),
        "AllergyIntolerance" => match chart::map_allergy(&n, ctx)? {
            chart::AllergyMapping::Entry(c) => Mapped::Chart(c),
            chart::AllergyMapping::NoKnownAllergies(s) => Mapped::NoKnownAllergies(s),
        },
        "MedicationStatement" => Mapped::Chart(chart::map_medication(&n, ctx, false)?),
        "MedicationRequest" => Mapped::Chart(chart::map_medication(&n, ctx, true)?),
        "Condition" => Mapped::Chart(chart::map_condition(&n)?),
        "CarePlan" => Mapped::Chart(chart::map_care_plan(&n)?),
        "Observation" => Mapped::Observation(observation::map_observation(&n, ctx)?),
        "Encounter" => Mapped::Encounter(encounter::map_encounter(&n, ctx)?),
        "DocumentReference" => {
            let (d, binary) = document::map_document_reference(&n, ctx)?;
            Mapped::Document(d, binary)
        }
        "DiagnosticReport" => Mapped::Document(document::map_diagnostic_report(&n, ctx)?, None),
        other => return Err(Problem::keep(format!("{other} has no domain home"))),
    })
}

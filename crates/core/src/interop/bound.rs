//! One patient's record of a plan applied for a patient registered here (a
//! pull from their primary provider), inside the caller's transaction: the
//! remote Patient is bound to the LOCAL patient (a link naming them, so its
//! resources belong to them), their demographics and insurance stay as the
//! clinic registered them (the Coverage is kept as JSON), and everything else
//! goes through the import's own writers — matched by identifier/link, so the
//! same resources twice write nothing.
//!
//! [`check`] refuses, before anything is written, a plan that is not one
//! patient's record: errors in the input, no Patient, resources of another
//! patient or of none. Its message names resource types and JSON paths, never
//! values.
use super::apply::{Fate, Found, PatientFate, Session, Stop, Writer};
use super::items::{self, stored_resource, to_value, Counts};
use super::links::{self, entity};
use super::{normalize, results, summary};
use crate::{merge, Caller, CoreError};
use clinic_fhir::{ImportPlan, Outcome, PatientRecord};
use clinic_protocol::{ChartEntryDetails, DocumentId, FhirTypeCounts, PatientId};
use clinic_store::WriteTx;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// Patient data the provider pull asks for: such a resource that names no
/// patient makes the answer malformed (other clinic-level resources are
/// ignored).
const PATIENT_TYPES: &[&str] = &[
    "DocumentReference",
    "DiagnosticReport",
    "Observation",
    "AllergyIntolerance",
    "MedicationStatement",
    "MedicationRequest",
    "Condition",
    "Encounter",
    "Procedure",
    "Immunization",
    "Coverage",
];

const COVERAGE_KEPT: &str =
    "insurance is as the clinic registered it: a provider's Coverage is kept, not applied";

/// What a bound record did.
#[derive(Debug, Default)]
pub(crate) struct Bound {
    /// Per resource type, as an import summary counts them.
    pub by_type: Vec<FhirTypeCounts>,
    pub resources: u32,
    /// New documents (a corrected one is not new).
    pub new_documents: u32,
    /// Results recorded or changed.
    pub results: u32,
    /// Allergies (or "no known allergies"), medications and problems recorded or changed.
    pub allergies: u32,
    pub medications: u32,
    pub problems: u32,
    /// Every local document the record's documents are (now) linked to.
    pub documents: Vec<DocumentId>,
    /// The Patient's id at the source.
    pub remote_patient_id: Option<String>,
}

/// Why a bound record was not applied.
#[derive(Debug)]
pub(crate) enum BoundError {
    /// Not one patient's FHIR (resource types and paths; no values).
    Malformed(String),
    /// The source's Patient is bound to another patient here.
    OtherPatient(PatientId),
    Core(CoreError),
}

impl From<CoreError> for BoundError {
    fn from(e: CoreError) -> Self {
        BoundError::Core(e)
    }
}

impl From<rusqlite::Error> for BoundError {
    fn from(e: rusqlite::Error) -> Self {
        BoundError::Core(e.into())
    }
}

impl From<clinic_store::StoreError> for BoundError {
    fn from(e: clinic_store::StoreError) -> Self {
        BoundError::Core(e.into())
    }
}

fn stop(e: Stop) -> BoundError {
    match e {
        Stop::Core(e) => BoundError::Core(e),
        Stop::Conflict { key, .. } => BoundError::Malformed(format!(
            "{}: two resources of the answer match the same earlier record",
            key.split('/').next().unwrap_or("a resource")
        )),
    }
}

/// A reason with the values it quotes left out.
fn without_values(reason: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for ch in reason.chars() {
        if ch == '\'' {
            if !quoted {
                out.push('…');
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(ch);
        }
    }
    out
}

/// The plan's one patient record, or why the answer is malformed.
pub(crate) fn check(plan: &ImportPlan) -> Result<&PatientRecord, String> {
    let errors: Vec<_> = plan.errors().collect();
    if let Some(first) = errors.first() {
        let Outcome::Error { path, reason } = &first.outcome else {
            unreachable!("errors() yields errors only")
        };
        let at = if path.is_empty() {
            String::new()
        } else {
            format!(" at {path}")
        };
        let more = if errors.len() > 1 {
            format!(" (and {} more)", errors.len() - 1)
        } else {
            String::new()
        };
        return Err(format!(
            "{}{at}: {}{more}",
            first.resource_type,
            without_values(reason)
        ));
    }
    if let Some(k) = plan
        .clinic
        .iter()
        .find(|k| PATIENT_TYPES.contains(&k.fhir.resource_type.as_str()))
    {
        return Err(format!(
            "{} names no patient of the answer",
            k.fhir.resource_type
        ));
    }
    match plan.patients.as_slice() {
        [] => Err("no Patient in the answer".into()),
        [record] if record.patient.is_none() => Err("Patient is missing from the answer".into()),
        [record] => Ok(record),
        [first, ..] => {
            let other = plan
                .patients
                .iter()
                .find(|r| r.key != first.key)
                .and_then(|r| {
                    r.observations
                        .first()
                        .map(|i| i.fhir.resource_type.clone())
                        .or_else(|| r.chart.first().map(|i| i.fhir.resource_type.clone()))
                        .or_else(|| r.documents.first().map(|i| i.fhir.resource_type.clone()))
                        .or_else(|| r.encounters.first().map(|i| i.fhir.resource_type.clone()))
                        .or_else(|| r.kept.first().map(|k| k.fhir.resource_type.clone()))
                })
                .unwrap_or_else(|| "a resource".into());
            Err(format!(
                "{other} names another patient than the answer's Patient"
            ))
        }
    }
}

/// Binds the source's Patient to `w.patient`: a link naming them (new, or
/// rewritten when the source's values changed). Their details are never
/// applied to the registration.
fn bind_patient(
    tx: &mut WriteTx<'_>,
    w: &mut Writer<'_, '_, '_>,
    record: &PatientRecord,
) -> Result<(), BoundError> {
    let Some(p) = &record.patient else {
        return Ok(());
    };
    let value = match normalize::patient(&p.value) {
        Ok(d) => Some(to_value(&d)?),
        Err(_) => None,
    };
    let found = w
        .locate(tx.conn(), &p.fhir, entity::PATIENT)
        .map_err(stop)?;
    let owner = match &found {
        Found::New => None,
        Found::Native { patient, .. } => Some(*patient),
        Found::Link(l) if l.entity.as_deref() == Some(entity::PATIENT) => {
            match l.entity_ids.first().and_then(|i| i.parse().ok()) {
                Some(id) => Some(merge::resolve(tx.conn(), id)?),
                None => None,
            }
        }
        Found::Link(l) => match l.patient_id {
            Some(id) => Some(merge::resolve(tx.conn(), id)?),
            None => None,
        },
    };
    if let Some(owner) = owner.filter(|o| *o != w.patient) {
        return Err(BoundError::OtherPatient(owner));
    }
    let existing = match &found {
        Found::Link(l) => Some(l.as_ref()),
        _ => None,
    };
    let bound =
        existing.is_some_and(|l| l.entity.as_deref() == Some(entity::PATIENT) && l.value == value);
    if bound {
        w.fate(&p.fhir.key, Fate::Unchanged);
        return Ok(());
    }
    let resource = stored_resource(p.original.as_ref(), false);
    let ids = vec![w.patient.to_string()];
    items::save(
        tx,
        w,
        existing,
        &p.fhir,
        resource,
        Some(entity::PATIENT),
        ids,
        value,
        "",
    )?;
    let fate = if existing.is_some() {
        Fate::Updated
    } else {
        Fate::Imported
    };
    w.fate(&p.fhir.key, fate);
    Ok(())
}

fn count(
    record_keys: &[(&str, Option<&ChartEntryDetails>)],
    fates: &HashMap<String, Fate>,
    b: &mut Bound,
) {
    for (key, details) in record_keys {
        if !matches!(fates.get(*key), Some(Fate::Imported | Fate::Updated)) {
            continue;
        }
        match details {
            Some(ChartEntryDetails::Allergy(_)) => b.allergies += 1,
            Some(ChartEntryDetails::Medication(_)) => b.medications += 1,
            Some(ChartEntryDetails::Problem(_)) => b.problems += 1,
            Some(ChartEntryDetails::Plan(_)) => {}
            None => b.results += 1,
        }
    }
}

/// Applies `record` (checked by [`check`]) for `patient` inside `tx`, through
/// the import's writers, with one chart audit entry when anything was written
/// (`audit`: what the caller adds to its detail, e.g. the job).
pub(crate) fn write_bound(
    tx: &mut WriteTx<'_>,
    caller: &Caller<'_>,
    plan: &ImportPlan,
    record: &PatientRecord,
    patient: PatientId,
    device: clinic_protocol::DeviceId,
    audit: serde_json::Value,
) -> Result<Bound, BoundError> {
    let session = Session {
        shared: super::shared_identifiers(plan),
        touched: HashMap::new(),
        import_id: audit
            .get("provider_job")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string(),
    };
    let mut w = Writer {
        caller,
        session: &session,
        touched: Vec::new(),
        fates: Vec::new(),
        patient,
        clinic: false,
        counts: Counts::default(),
    };
    bind_patient(tx, &mut w, record)?;
    let patient_link_written = w.fates.iter().any(|(_, f)| *f != Fate::Unchanged);
    if let Some(i) = &record.insurance {
        let resource = stored_resource(i.original.as_ref(), false);
        items::keep(tx, &mut w, &i.fhir, &resource, COVERAGE_KEPT).map_err(stop)?;
    }
    items::chart(tx, &mut w, record).map_err(stop)?;
    let encounters = items::encounters(tx, &mut w, record).map_err(stop)?;
    results::observations(tx, &mut w, record, &encounters).map_err(stop)?;
    results::documents(tx, &mut w, record).map_err(stop)?;
    items::no_known_allergies(tx, &mut w, record).map_err(stop)?;
    items::kept(tx, &mut w, record).map_err(stop)?;

    if w.counts.any() || patient_link_written {
        let mut detail = json!({
            "created": w.counts.created,
            "updated": w.counts.updated,
            "kept": w.counts.kept,
        });
        if let (Some(d), Some(extra)) = (detail.as_object_mut(), audit.as_object()) {
            d.extend(extra.clone());
        }
        let event = caller.chart_event(clinic_protocol::AuditAction::Update, patient, detail);
        crate::audit::append_in(tx, caller.audit_key, device, &event)?;
    }

    let fates: HashMap<String, Fate> = w.fates.iter().cloned().collect();
    let mut b = Bound {
        remote_patient_id: record.patient.as_ref().and_then(|p| p.fhir.id.clone()),
        ..Bound::default()
    };
    let chart: Vec<(&str, Option<&ChartEntryDetails>)> = record
        .chart
        .iter()
        .map(|i| (i.fhir.key.as_str(), Some(&i.value.details)))
        .collect();
    count(&chart, &fates, &mut b);
    let observations: Vec<(&str, Option<&ChartEntryDetails>)> = record
        .observations
        .iter()
        .map(|i| (i.fhir.key.as_str(), None))
        .collect();
    count(&observations, &fates, &mut b);
    if let Some(n) = &record.no_known_allergies {
        if matches!(fates.get(&n.fhir.key), Some(Fate::Imported | Fate::Updated)) {
            b.allergies += 1;
        }
    }
    let mut seen = HashSet::new();
    for item in &record.documents {
        if fates.get(&item.fhir.key) == Some(&Fate::Imported) {
            b.new_documents += 1;
        }
        let Some(link) = links::find(tx.conn(), &item.fhir, &session.shared)? else {
            continue;
        };
        if link.entity.as_deref() != Some(entity::DOCUMENT) {
            continue;
        }
        let owned = match link.patient_id {
            Some(p) => merge::resolve(tx.conn(), p)? == patient,
            None => false,
        };
        for id in link
            .entity_ids
            .iter()
            .filter_map(|i| i.parse::<DocumentId>().ok())
        {
            if owned && seen.insert(id) {
                b.documents.push(id);
            }
        }
    }
    let mut tally = summary::Tally {
        fates,
        ..summary::Tally::default()
    };
    let fate = if w.counts.any() || patient_link_written {
        PatientFate::Updated
    } else {
        PatientFate::Unchanged
    };
    tally.patients.insert(record.key.clone(), fate);
    let s = summary::build(plan, &tally, 1, 0);
    b.resources = s.resources;
    b.by_type = s.by_type;
    Ok(b)
}

//! Export: a patient's whole record as a FHIR R4 Bundle (`collection`), and
//! the clinic's patients as bulk-export NDJSON (one Patient a line). Both are
//! explicit, audited actions (`export`, ids and counts only); restricted
//! records follow the restricted-patient rules (a single export is refused and
//! audited; the clinic-wide export leaves them out and says how many).
//!
//! A record is read back from the store (`rows`) with what each row was
//! imported from (`links`): the FHIR crate writes a resource from its original
//! when the row still says what the original said, else rewrites the elements
//! the domain owns. Records merged into the patient come with it. Resources
//! kept as JSON come back unchanged, with the clinic-level ones the record
//! refers to (practitioners, organisations, medications…). Every Patient
//! carries the clinic's MRN as an identifier.
use super::links::{self, entity, Link};
use super::rows;
use crate::audit::{self, NewAuditEvent};
use crate::authz::Command;
use crate::{identity, merge, registry, Caller, CoreError};
use clinic_fhir::{
    FhirIdentity, Identifier, Item, KeptResource, NoKnownAllergies, ObservationItem, PatientRecord,
};
use clinic_protocol::{
    AuditAction, AuditCategory, ChartEntryDetails, Observation, PatientDetails, PatientId,
};
use clinic_store::Store;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A patient's record as a Bundle (JSON text).
#[derive(Debug)]
pub struct PatientBundle {
    pub json: String,
    pub resources: usize,
    /// The patient's MRN (for a file name the user may keep).
    pub mrn: String,
}

/// The clinic's patients as NDJSON.
#[derive(Debug)]
pub struct PatientsNdjson {
    pub ndjson: String,
    pub patients: usize,
    /// Restricted records the caller may not see: left out.
    pub withheld: usize,
}

const MR_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";

/// The system of the clinic's MRNs.
fn mrn_system(conn: &Connection) -> Result<String, CoreError> {
    let clinic = identity::clinic_info(conn)?
        .map(|c| c.id.to_string())
        .unwrap_or_else(|| "unknown".into());
    Ok(format!("urn:clinic-desktop:clinic:{clinic}:mrn"))
}

/// Adds the MRN to a Patient resource's identifiers (once).
fn with_mrn(patient: &mut Value, system: &str, mrn: &str) {
    let Some(obj) = patient.as_object_mut() else {
        return;
    };
    let ids = obj
        .entry("identifier")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Some(list) = ids.as_array_mut() else {
        return;
    };
    if list
        .iter()
        .any(|i| i.get("system").and_then(Value::as_str) == Some(system))
    {
        return;
    }
    list.push(json!({
        "use": "usual",
        "type": {"coding": [{"system": MR_TYPE, "code": "MR"}]},
        "system": system,
        "value": mrn,
    }));
}

fn item<T>(link: Option<&Link>, fallback: FhirIdentity, value: T) -> Item<T> {
    Item {
        fhir: link.map_or(fallback, |l| l.fhir.clone()),
        value,
        original: link.map(|l| l.resource.clone()),
    }
}

fn remembered<T: serde::de::DeserializeOwned>(link: Option<&Link>) -> Option<T> {
    link.and_then(|l| l.value.clone())
        .and_then(|v| serde_json::from_value(v).ok())
}

fn chart_type(details: &ChartEntryDetails) -> &'static str {
    match details {
        ChartEntryDetails::Allergy(_) => "AllergyIntolerance",
        ChartEntryDetails::Problem(_) => "Condition",
        ChartEntryDetails::Plan(_) => "CarePlan",
        ChartEntryDetails::Medication(m) if !m.prescriber.is_empty() => "MedicationRequest",
        ChartEntryDetails::Medication(_) => "MedicationStatement",
    }
}

/// The stored record of `patient` (already resolved through merges).
pub(crate) fn patient_record(
    conn: &Connection,
    patient: PatientId,
) -> Result<PatientRecord, CoreError> {
    let set = rows::merged_set(conn, patient)?;
    let stored = registry::get_patient(conn, patient)?;
    let pid = patient.to_string();
    let patient_link = links::patient_link(conn, &[patient], entity::PATIENT)?;
    let key = patient_link
        .as_ref()
        .map_or_else(|| format!("Patient/{pid}"), |l| l.fhir.key.clone());
    let mut record = PatientRecord::new(key);
    let mut details: PatientDetails = stored.details.clone();
    let insurance = details.insurance.take();
    record.patient = Some(item(
        patient_link.as_ref(),
        FhirIdentity::new("Patient", &pid),
        details,
    ));
    if let Some(ins) = insurance {
        let link = links::patient_link(conn, &[patient], entity::INSURANCE)?;
        record.insurance = Some(item(
            link.as_ref(),
            FhirIdentity::new("Coverage", &pid),
            ins,
        ));
    }
    let statement: Option<(bool, String, String)> = conn
        .prepare_cached(
            "SELECT no_known_allergies, stated_at, stated_by_name FROM allergy_statement WHERE patient_id = ?1",
        )?
        .query_row([&pid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    if let Some((true, at, by)) = statement {
        let link = links::patient_link(conn, &[patient], entity::NO_KNOWN_ALLERGIES)?;
        let value = remembered::<NoKnownAllergies>(link.as_ref()).unwrap_or(NoKnownAllergies {
            asserted_at: at,
            asserted_by: by,
        });
        let fallback = FhirIdentity::new("AllergyIntolerance", &format!("nka-{pid}"));
        record.no_known_allergies = Some(item(link.as_ref(), fallback, value));
    }
    for e in rows::chart_entries(conn, patient)? {
        let id = e.id.to_string();
        let link = links::by_entity(conn, entity::CHART_ENTRY, &id)?;
        let value = rows::chart_item(&e, remembered(link.as_ref()).as_ref());
        let fallback = FhirIdentity::new(chart_type(&e.details), &id);
        record.chart.push(item(link.as_ref(), fallback, value));
    }
    let mut encounter_keys: HashMap<String, String> = HashMap::new();
    for e in rows::encounters(conn, patient)? {
        let id = e.id.to_string();
        let link = links::by_entity(conn, entity::ENCOUNTER, &id)?;
        let it = item(
            link.as_ref(),
            FhirIdentity::new("Encounter", &id),
            rows::encounter_item(&e),
        );
        encounter_keys.insert(id, it.fhir.key.clone());
        record.encounters.push(it);
    }
    observations(conn, patient, &encounter_keys, &mut record)?;
    for info in rows::documents(conn, patient)? {
        let id = info.id.to_string();
        let link = links::by_entity(conn, entity::DOCUMENT, &id)?;
        let bytes = rows::document_content(conn, info.id)?;
        let value = rows::document_item(&info, &bytes, true);
        let fallback = FhirIdentity::new("DocumentReference", &id);
        record.documents.push(item(link.as_ref(), fallback, value));
    }
    record.kept = links::kept(conn, Some(&set))?
        .into_iter()
        .map(kept_resource)
        .collect();
    Ok(record)
}

fn kept_resource(l: Link) -> KeptResource {
    KeptResource {
        fhir: l.fhir,
        reason: l.reason,
        resource: l.resource,
    }
}

/// Results: the values of one imported Observation together (a panel), the
/// others one by one.
fn observations(
    conn: &Connection,
    patient: PatientId,
    encounter_keys: &HashMap<String, String>,
    record: &mut PatientRecord,
) -> Result<(), CoreError> {
    let all = rows::observations(conn, patient)?;
    let by_id: HashMap<String, &Observation> = all.iter().map(|o| (o.id.to_string(), o)).collect();
    let mut done: HashSet<String> = HashSet::new();
    let encounter_key = |o: &Observation| {
        o.encounter_id.map(|e| {
            let id = e.to_string();
            encounter_keys
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("Encounter/{id}"))
        })
    };
    for o in &all {
        let id = o.id.to_string();
        if done.contains(&id) {
            continue;
        }
        let link = links::by_entity(conn, entity::OBSERVATION, &id)?;
        let group: Vec<&Observation> = match &link {
            Some(l) => l
                .entity_ids
                .iter()
                .filter_map(|i| by_id.get(i).copied())
                .collect(),
            None => vec![o],
        };
        done.extend(group.iter().map(|g| g.id.to_string()));
        let imported: Option<ObservationItem> = remembered(link.as_ref());
        let Some(value) = rows::observation_item(&group, imported.as_ref(), encounter_key(o))
        else {
            continue;
        };
        let fallback = FhirIdentity::new("Observation", &id);
        record
            .observations
            .push(item(link.as_ref(), fallback, value));
    }
    Ok(())
}

/// Every `reference` string inside a resource.
fn references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x) {
                    ("reference", Value::String(s)) => out.push(s.clone()),
                    _ => references(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

/// Whether `reference` points at the resource `fhir`.
fn points_at(reference: &str, fhir: &FhirIdentity) -> bool {
    if reference == fhir.key || fhir.full_url.as_deref() == Some(reference) {
        return true;
    }
    if let Some(id) = &fhir.id {
        let tail = format!("{}/{id}", fhir.resource_type);
        if reference == tail || reference.ends_with(&format!("/{tail}")) {
            return true;
        }
    }
    if let Some((rt, query)) = reference.split_once("?identifier=") {
        if rt == fhir.resource_type {
            if let Some((system, value)) = query.split_once('|') {
                return fhir.identifiers.contains(&Identifier {
                    system: system.to_string(),
                    value: value.to_string(),
                });
            }
        }
    }
    false
}

/// The clinic-level resources the record refers to, and those they refer to.
fn clinic_resources(
    conn: &Connection,
    record: &PatientRecord,
) -> Result<Vec<KeptResource>, CoreError> {
    let clinic = links::kept(conn, None)?;
    if clinic.is_empty() {
        return Ok(Vec::new());
    }
    let mut refs = Vec::new();
    let originals = record
        .patient
        .iter()
        .filter_map(|i| i.original.as_ref())
        .chain(record.insurance.iter().filter_map(|i| i.original.as_ref()))
        .chain(record.chart.iter().filter_map(|i| i.original.as_ref()))
        .chain(record.encounters.iter().filter_map(|i| i.original.as_ref()))
        .chain(
            record
                .observations
                .iter()
                .filter_map(|i| i.original.as_ref()),
        )
        .chain(record.documents.iter().filter_map(|i| i.original.as_ref()))
        .chain(record.kept.iter().map(|k| &k.resource));
    for v in originals {
        references(v, &mut refs);
    }
    let mut chosen: BTreeMap<usize, ()> = BTreeMap::new();
    let mut pending = refs;
    while !pending.is_empty() {
        let mut next = Vec::new();
        for (i, l) in clinic.iter().enumerate() {
            if !chosen.contains_key(&i) && pending.iter().any(|r| points_at(r, &l.fhir)) {
                chosen.insert(i, ());
                references(&l.resource, &mut next);
            }
        }
        pending = next;
    }
    Ok(clinic
        .into_iter()
        .enumerate()
        .filter(|(i, _)| chosen.contains_key(i))
        .map(|(_, l)| kept_resource(l))
        .collect())
}

/// A patient's whole record as a FHIR Bundle, for the caller (restricted
/// records follow the restricted-patient rules). Audited as an export.
pub fn export_patient(
    store: &mut Store,
    caller: &Caller<'_>,
    patient: PatientId,
) -> Result<PatientBundle, CoreError> {
    let target = merge::resolve(store.conn(), patient)?;
    crate::restricted::ensure_caller_access(store, caller, target, Command::ExportFhirPatient)?;
    let conn = store.conn();
    let record = patient_record(conn, target)?;
    let clinic = clinic_resources(conn, &record)?;
    let mut bundle = clinic_fhir::patient_bundle(&record, &clinic, &crate::observations::codes());
    let mrn = registry::get_patient(conn, target)?.mrn;
    let system = mrn_system(conn)?;
    if let Some(p) = bundle.pointer_mut("/entry/0/resource") {
        with_mrn(p, &system, &mrn);
    }
    let resources = bundle["entry"].as_array().map_or(0, Vec::len);
    let event = NewAuditEvent::new(AuditAction::Export, AuditCategory::Chart)
        .by(caller.actor.clone())
        .patient(target)
        .detail(json!({ "format": "fhir_r4_bundle", "resources": resources }));
    audit::append_standalone(store, caller.audit_key, &event)?;
    tracing::info!(patient = %target, resources, "exported a patient's record as FHIR");
    Ok(PatientBundle {
        json: serde_json::to_string_pretty(&bundle)
            .map_err(|_| CoreError::Corrupt("FHIR bundle".into()))?,
        resources,
        mrn,
    })
}

/// The clinic's patients (merged records left out) as NDJSON Patient
/// resources; restricted records the caller may not see are withheld.
/// Audited as an export (counts).
pub fn export_patients(
    store: &mut Store,
    caller: &Caller<'_>,
) -> Result<PatientsNdjson, CoreError> {
    let conn = store.conn();
    let ids: Vec<PatientId> = conn
        .prepare_cached("SELECT id FROM patient WHERE merged_into IS NULL ORDER BY sort_name, id")?
        .query_map([], |r| r.get::<_, String>(0))?
        .map(|r| {
            r.map_err(CoreError::from).and_then(|s| {
                s.parse()
                    .map_err(|_| CoreError::Corrupt("patient id".into()))
            })
        })
        .collect::<Result<_, _>>()?;
    let hidden =
        crate::restricted::hidden_from(conn, caller, chrono::Utc::now(), ids.iter().copied())?;
    let system = mrn_system(conn)?;
    let mut ndjson = String::new();
    let mut patients = 0;
    for id in ids.iter().filter(|id| !hidden.contains(id)) {
        let stored = registry::get_patient(conn, *id)?;
        let link = links::patient_link(conn, &[*id], entity::PATIENT)?;
        let mut details = stored.details.clone();
        details.insurance = None;
        let pid = id.to_string();
        let key = link
            .as_ref()
            .map_or_else(|| format!("Patient/{pid}"), |l| l.fhir.key.clone());
        let mut record = PatientRecord::new(key);
        record.patient = Some(item(
            link.as_ref(),
            FhirIdentity::new("Patient", &pid),
            details,
        ));
        for line in clinic_fhir::patients_ndjson(&[record]).lines() {
            let mut v: Value = serde_json::from_str(line)
                .map_err(|_| CoreError::Corrupt("FHIR patient".into()))?;
            with_mrn(&mut v, &system, &stored.mrn);
            ndjson.push_str(&v.to_string());
            ndjson.push('\n');
        }
        patients += 1;
    }
    let withheld = hidden.len();
    let event = caller
        .event(AuditAction::Export, AuditCategory::Demographics)
        .detail(json!({ "format": "fhir_r4_ndjson", "patients": patients, "withheld": withheld }));
    audit::append_standalone(store, caller.audit_key, &event)?;
    tracing::info!(
        patients,
        withheld,
        "exported the clinic's patients as FHIR NDJSON"
    );
    Ok(PatientsNdjson {
        ndjson,
        patients,
        withheld,
    })
}

//! Domain values (and kept resources) → FHIR R4 JSON: a patient's whole record
//! as a Bundle, and the clinic's patients as bulk-export NDJSON.
//!
//! The Bundle is of type `collection`: a set of resources handed over together,
//! which the receiver may store as it likes. Not `searchset` (it answers no
//! query and would need `search.mode` per entry), not `transaction` (it
//! instructs no server), not `document` (that needs a Composition).
//!
//! Each value is written from its original resource when there is one:
//! * the value is what the original maps to → the original, unchanged (every
//!   coding, extension and narrative kept);
//! * the value changed → the original, with the elements the mapping owns
//!   (`*_WRITES` of each mapping module) rewritten from the value — except
//!   those whose original form still maps to the value (tried one by one);
//! * no original (the clinic's own values) → a resource from the value alone,
//!   with standard code systems where the value carries a code (LOINC for
//!   observations, ICD-10 for problems, SNOMED for "no known allergies").
use crate::mapping::{self, chart, document, encounter, observation, patient, Ctx, Mapped, Scope};
use crate::model::{FhirIdentity, Item, KeptResource, PatientRecord};
use crate::plan::patient_link;
use crate::refs::Index;
use clinic_protocol::{ChartEntryDetails, ObservationCode};
use serde_json::{json, Map, Value};

/// One resource to write: its fullUrl and JSON.
struct Entry {
    full_url: Option<String>,
    resource: Value,
}

/// The element naming the patient, and the record's key.
struct Link<'a> {
    field: &'static str,
    key: &'a str,
    index: &'a Index<'a>,
}

/// A resource from an item: see the module docs. `maps` says whether a
/// resource maps to the item's value. The patient element is rewritten when it
/// does not name the record's patient (a record moved by a merge).
fn write<T>(
    item: &Item<T>,
    resource_type: &str,
    fresh: Map<String, Value>,
    writes: &[&str],
    link: Option<Link>,
    maps: impl Fn(&Value) -> bool,
) -> Entry {
    let original = item
        .original
        .as_ref()
        .filter(|o| o.get("resourceType").and_then(Value::as_str) == Some(resource_type));
    let mut resource = match original.filter(|o| maps(o)) {
        Some(o) => o.clone(),
        None => rewrite(item, original, resource_type, fresh, writes, maps),
    };
    if let Some(Link { field, key, index }) = link {
        let linked = patient_link(&resource, Scope::PatientData(field), index);
        if !matches!(linked, Ok(Ok(k)) if k == key) {
            resource[field] = json!({"reference": key});
        }
    }
    Entry {
        full_url: item.fhir.full_url.clone(),
        resource,
    }
}

/// The original with the owned elements written from the value (or the
/// value alone when there is no original).
fn rewrite<T>(
    item: &Item<T>,
    original: Option<&Value>,
    resource_type: &str,
    fresh: Map<String, Value>,
    writes: &[&str],
    maps: impl Fn(&Value) -> bool,
) -> Value {
    let mut out = Map::new();
    match original.and_then(Value::as_object) {
        Some(o) => {
            for (k, v) in o {
                if !writes.contains(&k.as_str()) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        None => identity_elements(&mut out, &item.fhir, resource_type),
    }
    for (k, v) in fresh {
        if writes.contains(&k.as_str()) || !out.contains_key(&k) {
            out.insert(k, v);
        }
    }
    let mut resource = Value::Object(out);
    // Give back each owned element of the original that the value does not
    // need rewritten (an edited phone number leaves the name's codings alone).
    if let Some(o) = original {
        for k in writes {
            let mut trial = resource.clone();
            let (Some(t), Some(o)) = (trial.as_object_mut(), o.as_object()) else {
                continue;
            };
            match o.get(*k) {
                Some(v) => t.insert(k.to_string(), v.clone()),
                None => t.remove(*k),
            };
            if trial != resource && maps(&trial) {
                resource = trial;
            }
        }
        // R4 con-5 / ait-1: no clinical status on an entry entered in error.
        let in_error = resource
            .pointer("/verificationStatus/coding/0/code")
            .and_then(Value::as_str)
            == Some("entered-in-error");
        if in_error {
            if let Some(t) = resource.as_object_mut() {
                t.remove("clinicalStatus");
            }
        }
    }
    resource
}

fn identity_elements(out: &mut Map<String, Value>, fhir: &FhirIdentity, resource_type: &str) {
    out.insert("resourceType".into(), json!(resource_type));
    if let Some(id) = &fhir.id {
        out.insert("id".into(), json!(id));
    }
    let mut meta = Map::new();
    if let Some(v) = &fhir.version_id {
        meta.insert("versionId".into(), json!(v));
    }
    if let Some(u) = &fhir.last_updated {
        meta.insert("lastUpdated".into(), json!(u));
    }
    if !meta.is_empty() {
        out.insert("meta".into(), Value::Object(meta));
    }
    if !fhir.identifiers.is_empty() {
        let ids: Vec<Value> = fhir
            .identifiers
            .iter()
            .map(|i| json!({"system": i.system, "value": i.value}))
            .collect();
        out.insert("identifier".into(), Value::Array(ids));
    }
}

/// Whether a resource maps to `expected` among the exported resources.
fn maps_to<'a>(
    resource_type: &'a str,
    ctx: &'a Ctx,
    expected: Mapped,
) -> impl Fn(&Value) -> bool + 'a {
    move |resource| match (mapping::map(resource_type, resource, ctx), &expected) {
        (Ok(Mapped::Document(a, _)), Mapped::Document(b, _)) => a == *b,
        (Ok(m), e) => m == *e,
        (Err(_), _) => false,
    }
}

fn chart_resource_type<T>(item: &Item<T>, details: &ChartEntryDetails) -> &'static str {
    match details {
        ChartEntryDetails::Allergy(_) => "AllergyIntolerance",
        ChartEntryDetails::Problem(_) => "Condition",
        ChartEntryDetails::Plan(_) => "CarePlan",
        ChartEntryDetails::Medication(m) => match item.fhir.resource_type.as_str() {
            "MedicationStatement" => "MedicationStatement",
            "MedicationRequest" => "MedicationRequest",
            // MedicationStatement has no prescriber: keep one by writing a request.
            _ if !m.prescriber.is_empty() => "MedicationRequest",
            _ => "MedicationStatement",
        },
    }
}

/// Every resource of a record, the Patient first.
fn record_entries(
    record: &PatientRecord,
    clinic: &[KeptResource],
    codes: &[ObservationCode],
) -> Vec<Entry> {
    // Originals and kept resources, so references inside them resolve as they
    // did on import.
    let mut index = Index::default();
    let originals = record
        .patient
        .iter()
        .map(|i| (&i.fhir, &i.original))
        .chain(record.insurance.iter().map(|i| (&i.fhir, &i.original)))
        .chain(
            record
                .no_known_allergies
                .iter()
                .map(|i| (&i.fhir, &i.original)),
        )
        .chain(record.chart.iter().map(|i| (&i.fhir, &i.original)))
        .chain(record.observations.iter().map(|i| (&i.fhir, &i.original)))
        .chain(record.encounters.iter().map(|i| (&i.fhir, &i.original)))
        .chain(record.documents.iter().map(|i| (&i.fhir, &i.original)));
    let kept = record
        .kept
        .iter()
        .chain(clinic)
        .map(|k| (&k.fhir, Some(&k.resource)));
    for (fhir, v) in originals.map(|(f, o)| (f, o.as_ref())).chain(kept) {
        if let Some(v) = v {
            index.add(v, fhir.key.clone(), fhir.full_url.as_deref());
        }
    }
    let ctx = Ctx {
        index: &index,
        codes,
    };
    let key = record.key.as_str();
    let link = |field| {
        Some(Link {
            field,
            key,
            index: &index,
        })
    };
    let mut out = Vec::new();

    if let Some(p) = &record.patient {
        let maps = maps_to("Patient", &ctx, Mapped::Patient(p.value.clone()));
        let fresh = patient::patient_to_fhir(&p.value);
        out.push(write(
            p,
            "Patient",
            fresh,
            patient::PATIENT_WRITES,
            None,
            maps,
        ));
    }
    if let Some(i) = &record.insurance {
        let maps = maps_to("Coverage", &ctx, Mapped::Insurance(i.value.clone()));
        let fresh = patient::coverage_to_fhir(&i.value);
        let link = link("beneficiary");
        out.push(write(
            i,
            "Coverage",
            fresh,
            patient::COVERAGE_WRITES,
            link,
            maps,
        ));
    }
    if let Some(n) = &record.no_known_allergies {
        let rt = "AllergyIntolerance";
        let maps = maps_to(rt, &ctx, Mapped::NoKnownAllergies(n.value.clone()));
        let fresh = chart::no_known_allergies_to_fhir(&n.value);
        out.push(write(
            n,
            rt,
            fresh,
            chart::ALLERGY_WRITES,
            link("patient"),
            maps,
        ));
    }
    for c in &record.chart {
        let rt = chart_resource_type(c, &c.value.details);
        let maps = maps_to(rt, &ctx, Mapped::Chart(c.value.clone()));
        let v = &c.value;
        let (fresh, writes, field) = match &v.details {
            ChartEntryDetails::Allergy(a) => (
                chart::allergy_to_fhir(v, a),
                chart::ALLERGY_WRITES,
                "patient",
            ),
            ChartEntryDetails::Problem(p) => (
                chart::condition_to_fhir(v, p),
                chart::CONDITION_WRITES,
                "subject",
            ),
            ChartEntryDetails::Plan(p) => (
                chart::care_plan_to_fhir(v, p),
                chart::CARE_PLAN_WRITES,
                "subject",
            ),
            ChartEntryDetails::Medication(m) if rt == "MedicationRequest" => (
                chart::medication_request_to_fhir(v, m),
                chart::MEDICATION_REQUEST_WRITES,
                "subject",
            ),
            ChartEntryDetails::Medication(m) => (
                chart::medication_statement_to_fhir(v, m),
                chart::MEDICATION_STATEMENT_WRITES,
                "subject",
            ),
        };
        out.push(write(c, rt, fresh, writes, link(field), maps));
    }
    for e in &record.encounters {
        let maps = maps_to("Encounter", &ctx, Mapped::Encounter(e.value.clone()));
        let fresh = encounter::encounter_to_fhir(&e.value);
        let link = link("subject");
        out.push(write(
            e,
            "Encounter",
            fresh,
            encounter::ENCOUNTER_WRITES,
            link,
            maps,
        ));
    }
    for o in &record.observations {
        let maps = maps_to("Observation", &ctx, Mapped::Observation(o.value.clone()));
        let fresh = observation::observation_to_fhir(&o.value, codes);
        let link = link("subject");
        out.push(write(
            o,
            "Observation",
            fresh,
            observation::OBSERVATION_WRITES,
            link,
            maps,
        ));
    }
    for d in &record.documents {
        let report = d.fhir.resource_type == "DiagnosticReport";
        let (rt, fresh, writes) = if report {
            let f = document::diagnostic_report_to_fhir(&d.value);
            ("DiagnosticReport", f, document::DIAGNOSTIC_REPORT_WRITES)
        } else {
            let f = document::document_reference_to_fhir(&d.value);
            ("DocumentReference", f, document::DOCUMENT_REFERENCE_WRITES)
        };
        let maps = maps_to(rt, &ctx, Mapped::Document(d.value.clone(), None));
        out.push(write(d, rt, fresh, writes, link("subject"), maps));
    }
    for k in record.kept.iter().chain(clinic) {
        out.push(Entry {
            full_url: k.fhir.full_url.clone(),
            resource: k.resource.clone(),
        });
    }
    out
}

/// A patient's whole record as a FHIR R4 Bundle of type `collection`, with
/// `clinic` resources appended (the practitioners, organisations and
/// medications the record refers to; the caller chooses them).
///
/// `codes` is the observation catalogue (LOINC code, display and unit of each
/// catalogue code).
pub fn patient_bundle(
    record: &PatientRecord,
    clinic: &[KeptResource],
    codes: &[ObservationCode],
) -> Value {
    let entries: Vec<Value> = record_entries(record, clinic, codes)
        .into_iter()
        .map(|e| match e.full_url {
            Some(url) => json!({"fullUrl": url, "resource": e.resource}),
            None => json!({"resource": e.resource}),
        })
        .collect();
    json!({"resourceType": "Bundle", "type": "collection", "entry": entries})
}

/// The Patient resources of `records` as bulk-export NDJSON (one per line).
pub fn patients_ndjson(records: &[PatientRecord]) -> String {
    let mut out = String::new();
    for record in records {
        let only_patient = PatientRecord {
            patient: record.patient.clone(),
            ..PatientRecord::new(record.key.clone())
        };
        for e in record_entries(&only_patient, &[], &[]) {
            out.push_str(&e.resource.to_string());
            out.push('\n');
        }
    }
    out
}

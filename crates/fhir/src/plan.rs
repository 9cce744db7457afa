//! Turning the resources of an input into an [`ImportPlan`]: identity and key
//! of each resource (a later copy of the same `Type/id` replaces an earlier
//! one), R4 checks, the patient each resource belongs to (references resolved
//! through the input), the mapping, and one outcome per resource.
//!
//! Two passes: the first borrows every resource (references need them all) and
//! decides; the second moves each resource into the plan, so nothing is copied.
use crate::input::{RawResource, Split};
use crate::json::{check_primitives, Node, Problem, Res};
use crate::mapping::{self, Ctx, Mapped, Scope};
use crate::model::{
    FhirIdentity, ImportPlan, Item, KeptResource, Outcome, PatientRecord, ResourceOutcome,
};
use crate::refs::{identifier_key, identifiers, resource_key, Index};
use clinic_protocol::ObservationCode;
use serde_json::Value;
use std::collections::HashMap;

/// What happens to one resource.
enum Decision {
    /// Replaced by a later copy with the same key (where that copy is).
    Duplicate(String),
    /// With the patient it would have belonged to, when that is known.
    Invalid(Problem, Option<String>),
    Unsupported,
    /// Kept at clinic level, with the reason.
    Clinic(String),
    /// Belongs to a patient's record.
    Patient {
        key: String,
        result: Box<Res<Mapped>>,
    },
    /// Binary: decided once documents are.
    Binary,
}

fn identity(r: &RawResource, key: String) -> FhirIdentity {
    let v = &r.resource;
    let text = |x: Option<&Value>| x.and_then(Value::as_str).map(String::from);
    let meta = v.get("meta");
    FhirIdentity {
        resource_type: text(v.get("resourceType")).unwrap_or_default(),
        key,
        id: text(v.get("id")),
        full_url: r.full_url.clone(),
        identifiers: identifiers(v),
        last_updated: text(meta.and_then(|m| m.get("lastUpdated"))),
        version_id: text(meta.and_then(|m| m.get("versionId"))),
    }
}

/// The patient a resource belongs to: `Ok(Ok(key))`, or `Ok(Err(why not))`.
pub(crate) fn patient_link(
    resource: &Value,
    scope: Scope,
    index: &Index,
) -> Res<Result<String, String>> {
    let n = Node::root(resource);
    let field = match scope {
        Scope::PatientData(field) => field,
        Scope::Participants => {
            for p in n.arr("participant")? {
                if let Some(r) = p.reference("actor")? {
                    if index.target_type(r).as_deref() == Some("Patient") {
                        return Ok(Ok(index.target(r)));
                    }
                }
            }
            return Ok(Err("no patient among the participants".into()));
        }
        _ => return Ok(Err("not patient data".into())),
    };
    let Some(r) = n.obj(field)? else {
        return Ok(Err(format!("no {field}: not linked to a patient")));
    };
    if let Some(reference) = r.str("reference")? {
        if reference.starts_with('#') {
            return Ok(Err(format!(
                "{field} is a contained resource: nothing to match the patient by"
            )));
        }
        return Ok(match index.target_type(reference).as_deref() {
            Some("Patient") => Ok(index.target(reference)),
            Some(other) => Err(format!("{field} is a {other}, not a patient")),
            None => Err(format!("{field} {reference} does not resolve to a patient")),
        });
    }
    if let Some(i) = r.obj("identifier")? {
        let t = r.str("type")?.unwrap_or("Patient");
        if t != "Patient" {
            return Ok(Err(format!("{field} is a {t}, not a patient")));
        }
        let id = crate::model::Identifier {
            system: i.text("system")?,
            value: i.text("value")?,
        };
        return Ok(Ok(index.target(&identifier_key("Patient", &id))));
    }
    Ok(Err(match r.str("display")? {
        Some(d) => {
            format!("{field} has only a display ('{d}'), no reference to match the patient by")
        }
        None => format!("{field} names no patient"),
    }))
}

/// Builds the plan from everything read.
pub(crate) fn build(split: Split, codes: &[ObservationCode]) -> ImportPlan {
    let Split {
        resources,
        outcomes: input_outcomes,
    } = split;

    // Keys; a later copy of the same resource replaces an earlier one.
    let mut keys = Vec::with_capacity(resources.len());
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut decisions: Vec<Option<Decision>> = Vec::with_capacity(resources.len());
    for (i, r) in resources.iter().enumerate() {
        let rt = r.resource["resourceType"].as_str().unwrap_or_default();
        let id = r.resource.get("id").and_then(Value::as_str);
        let key = resource_key(rt, id, r.full_url.as_deref(), i);
        decisions.push(None);
        if let Some(prev) = by_key.insert(key.clone(), i) {
            decisions[prev] = Some(Decision::Duplicate(r.origin.to_string()));
        }
        keys.push(key);
    }

    // R4 checks, then the index of what passed.
    let mut index = Index::default();
    let mut position = Vec::new();
    for (i, r) in resources.iter().enumerate() {
        if decisions[i].is_some() {
            continue;
        }
        let rt = r.resource["resourceType"].as_str().unwrap_or_default();
        if mapping::scope(rt) == Scope::Unsupported {
            decisions[i] = Some(Decision::Unsupported);
            continue;
        }
        let checked =
            check_primitives(&r.resource).and_then(|()| mapping::check_required(rt, &r.resource));
        if let Err(p) = checked {
            decisions[i] = Some(Decision::Invalid(p, None));
            continue;
        }
        index.add(&r.resource, keys[i].clone(), r.full_url.as_deref());
        position.push(i);
    }

    // Decide.
    let ctx = Ctx {
        index: &index,
        codes,
    };
    let mut used_binaries = HashMap::new();
    for (ix, &i) in position.iter().enumerate() {
        let resource = index.get(ix);
        let rt = resource["resourceType"].as_str().unwrap_or_default();
        let scope = mapping::scope(rt);
        let decision = match scope {
            Scope::Binary => Decision::Binary,
            Scope::Clinic => Decision::Clinic(format!("{rt} is clinic data with no domain home")),
            Scope::Patient => Decision::Patient {
                key: keys[i].clone(),
                result: Box::new(mapping::map(rt, resource, &ctx)),
            },
            _ => match (
                patient_link(resource, scope, &index),
                mapping::map(rt, resource, &ctx),
            ) {
                (Err(p), _) => Decision::Invalid(p, None),
                (Ok(link), Err(p @ Problem::Error { .. })) => Decision::Invalid(p, link.ok()),
                (Ok(Ok(key)), result) => {
                    if let Ok(Mapped::Document(_, Some(b))) = &result {
                        used_binaries.insert(position[*b], key.clone());
                    }
                    Decision::Patient {
                        key,
                        result: Box::new(result),
                    }
                }
                (Ok(Err(why)), _) => Decision::Clinic(why),
            },
        };
        decisions[i] = Some(decision);
    }
    // The patient of resources that failed the R4 checks, for the outcome.
    for (i, r) in resources.iter().enumerate() {
        if let Some(Decision::Invalid(_, patient @ None)) = &mut decisions[i] {
            let rt = r.resource["resourceType"].as_str().unwrap_or_default();
            *patient = match mapping::scope(rt) {
                Scope::Patient => Some(keys[i].clone()),
                scope => patient_link(&r.resource, scope, &index)
                    .ok()
                    .and_then(Result::ok),
            };
        }
    }

    // Place every resource.
    let mut plan = ImportPlan::default();
    let mut records: HashMap<String, usize> = HashMap::new();
    for (i, (r, key)) in resources.into_iter().zip(keys).enumerate() {
        let decision = decisions[i].take().unwrap_or(Decision::Unsupported);
        let fhir = identity(&r, key);
        let mut outcome = ResourceOutcome {
            origin: r.origin,
            resource_type: fhir.resource_type.clone(),
            id: fhir.id.clone(),
            key: Some(fhir.key.clone()),
            patient: None,
            outcome: Outcome::Mapped,
        };
        let resource = r.resource;
        outcome.outcome = match decision {
            Decision::Duplicate(later) => Outcome::Skipped {
                reason: format!(
                    "{} appears again later in the input ({later}); the later copy is used",
                    fhir.key
                ),
            },
            Decision::Invalid(problem, patient) => {
                outcome.patient = patient;
                match problem {
                    Problem::Error { path, reason } => Outcome::Error { path, reason },
                    Problem::Keep(reason) => Outcome::Error {
                        path: String::new(),
                        reason,
                    },
                }
            }
            Decision::Unsupported => Outcome::Skipped {
                reason: format!(
                    "{} is not a resource type the clinic imports",
                    fhir.resource_type
                ),
            },
            Decision::Binary => match used_binaries.get(&i) {
                Some(patient) => {
                    outcome.patient = Some(patient.clone());
                    Outcome::Mapped
                }
                None => clinic(
                    &mut plan,
                    fhir,
                    resource,
                    "Binary not used by an imported document",
                ),
            },
            Decision::Clinic(reason) => clinic(&mut plan, fhir, resource, &reason),
            Decision::Patient { key, result } => {
                let at = *records.entry(key.clone()).or_insert_with(|| {
                    plan.patients.push(PatientRecord::new(key.clone()));
                    plan.patients.len() - 1
                });
                outcome.patient = Some(key);
                place(&mut plan.patients[at], fhir, resource, *result)
            }
        };
        plan.outcomes.push(outcome);
    }
    plan.outcomes.extend(input_outcomes);
    plan
}

fn clinic(plan: &mut ImportPlan, fhir: FhirIdentity, resource: Value, reason: &str) -> Outcome {
    plan.clinic.push(KeptResource {
        fhir,
        reason: reason.to_string(),
        resource,
    });
    Outcome::Kept {
        reason: reason.to_string(),
    }
}

/// Puts a resource into its patient's record.
fn place(
    record: &mut PatientRecord,
    fhir: FhirIdentity,
    resource: Value,
    result: Res<Mapped>,
) -> Outcome {
    let keep = |record: &mut PatientRecord, fhir, resource, reason: String| {
        record.kept.push(KeptResource {
            fhir,
            reason: reason.clone(),
            resource,
        });
        Outcome::Kept { reason }
    };
    let mapped = match result {
        Ok(m) => m,
        Err(Problem::Keep(reason)) => return keep(record, fhir, resource, reason),
        Err(Problem::Error { path, reason }) => return Outcome::Error { path, reason },
    };
    macro_rules! item {
        ($value:expr) => {
            Item {
                fhir,
                value: $value,
                original: Some(resource),
            }
        };
    }
    match mapped {
        Mapped::Patient(d) => record.patient = Some(item!(d)),
        Mapped::Insurance(ins) => match &record.insurance {
            Some(first) => {
                let reason = format!(
                    "the patient's insurance comes from {}; the domain holds one",
                    first.fhir.key
                );
                return keep(record, fhir, resource, reason);
            }
            None => record.insurance = Some(item!(ins)),
        },
        Mapped::NoKnownAllergies(s) => match &record.no_known_allergies {
            Some(first) => {
                let reason = format!(
                    "'no known allergies' was already stated by {}",
                    first.fhir.key
                );
                return keep(record, fhir, resource, reason);
            }
            None => record.no_known_allergies = Some(item!(s)),
        },
        Mapped::Chart(c) => record.chart.push(item!(c)),
        Mapped::Observation(o) => record.observations.push(item!(o)),
        Mapped::Encounter(e) => record.encounters.push(item!(e)),
        Mapped::Document(d, _) => record.documents.push(item!(d)),
    }
    Outcome::Mapped
}

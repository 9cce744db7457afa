//! The import's summary: the plan's outcome of each resource, overridden by
//! what applying it did, counted per resource type; the patients; and the
//! problems (errors, then skipped, then refused by the chart's checks), each
//! with where it came from and why. Ids and counts only go to the logs.
use super::apply::{Fate, PatientFate};
use clinic_fhir::{ImportPlan, Outcome, ResourceOutcome};
use clinic_protocol::{FhirImportSummary, FhirProblem, FhirProblemKind, FhirTypeCounts};
use std::collections::{BTreeMap, HashMap};

/// Problems listed at most (the rest are counted).
pub const MAX_PROBLEMS: usize = 1000;

/// Reasons of resources kept because the chart's checks refused them start so.
pub(crate) const NOT_VALID: &str = "the chart cannot hold it";

/// What applying the plan did, by FHIR key and by patient record key.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub fates: HashMap<String, Fate>,
    pub patients: HashMap<String, PatientFate>,
    pub duplicates: u32,
}

fn problem(o: &ResourceOutcome, kind: FhirProblemKind, path: &str, reason: &str) -> FhirProblem {
    FhirProblem {
        kind,
        resource_type: o.resource_type.clone(),
        id: o.id.clone(),
        source: o.origin.source.clone(),
        line: o.origin.line.map(|l| l as u32),
        entry: o.origin.entry.clone(),
        path: path.to_string(),
        reason: reason.to_string(),
        count: 1,
    }
}

/// Problems of the same kind, type, path and reason as one, counted (in the
/// order of their first).
fn grouped(problems: Vec<FhirProblem>) -> Vec<FhirProblem> {
    let mut out: Vec<FhirProblem> = Vec::new();
    let mut at: HashMap<(FhirProblemKind, String, String, String), usize> = HashMap::new();
    for p in problems {
        let key = (
            p.kind,
            p.resource_type.clone(),
            p.path.clone(),
            p.reason.clone(),
        );
        match at.get(&key) {
            Some(&i) => out[i].count += 1,
            None => {
                at.insert(key, out.len());
                out.push(p);
            }
        }
    }
    out
}

/// The fate of an outcome the plan mapped but no item carries (a Binary
/// whose content went into a document): its patient's.
fn by_patient(tally: &Tally, o: &ResourceOutcome) -> Fate {
    match o.patient.as_ref().and_then(|p| tally.patients.get(p)) {
        Some(PatientFate::Skipped(_)) => Fate::PatientSkipped,
        Some(PatientFate::Unchanged) => Fate::Unchanged,
        Some(PatientFate::Updated) => Fate::Updated,
        _ => Fate::Imported,
    }
}

pub(crate) fn build(
    plan: &ImportPlan,
    tally: &Tally,
    files: usize,
    elapsed_ms: u64,
) -> FhirImportSummary {
    let mut by_type: BTreeMap<String, FhirTypeCounts> = BTreeMap::new();
    let (mut errors, mut skipped, mut kept) = (Vec::new(), Vec::new(), Vec::new());
    // The first outcome of each skipped patient carries the patient's problem.
    let mut patient_listed: HashMap<&str, ()> = HashMap::new();
    for o in &plan.outcomes {
        let c = by_type
            .entry(o.resource_type.clone())
            .or_insert_with(|| FhirTypeCounts {
                resource_type: o.resource_type.clone(),
                ..FhirTypeCounts::default()
            });
        let applied = o.key.as_ref().and_then(|k| tally.fates.get(k)).cloned();
        let fate = match (&o.outcome, applied) {
            (Outcome::Error { path, reason }, _) => Fate::Error {
                path: path.clone(),
                reason: reason.clone(),
            },
            (Outcome::Skipped { reason }, _) => Fate::Skipped(reason.clone()),
            (_, Some(f)) => f,
            (Outcome::Kept { reason }, None) => Fate::Kept(reason.clone()),
            (Outcome::Mapped, None) => by_patient(tally, o),
        };
        match fate {
            Fate::Imported => c.imported += 1,
            Fate::Updated => c.updated += 1,
            Fate::Unchanged => c.unchanged += 1,
            Fate::Kept(reason) => {
                c.kept += 1;
                if reason.starts_with(NOT_VALID) {
                    kept.push(problem(o, FhirProblemKind::Kept, "", &reason));
                }
            }
            Fate::Skipped(reason) => {
                c.skipped += 1;
                skipped.push(problem(o, FhirProblemKind::Skipped, "", &reason));
            }
            Fate::PatientSkipped => {
                c.skipped += 1;
                let Some(key) = o.patient.as_deref() else {
                    continue;
                };
                if patient_listed.insert(key, ()).is_none() {
                    if let Some(PatientFate::Skipped(reason)) = tally.patients.get(key) {
                        let mut p = problem(o, FhirProblemKind::Skipped, "", reason);
                        if p.resource_type != "Patient" {
                            p.reason = format!("patient {key}: {reason}");
                        }
                        skipped.push(p);
                    }
                }
            }
            Fate::Error { path, reason } => {
                c.errors += 1;
                errors.push(problem(o, FhirProblemKind::Error, &path, &reason));
            }
        }
    }
    let mut summary = FhirImportSummary {
        files: files as u32,
        resources: plan.resource_count() as u32,
        possible_duplicates: tally.duplicates,
        by_type: by_type.into_values().collect(),
        elapsed_ms,
        ..FhirImportSummary::default()
    };
    for fate in tally.patients.values() {
        match fate {
            PatientFate::Imported => summary.patients_imported += 1,
            PatientFate::Updated => summary.patients_updated += 1,
            PatientFate::Unchanged => summary.patients_unchanged += 1,
            PatientFate::Skipped(_) => summary.patients_skipped += 1,
        }
    }
    let all: Vec<FhirProblem> = grouped(errors.into_iter().chain(skipped).chain(kept).collect());
    summary.problems_not_listed = all.len().saturating_sub(MAX_PROBLEMS) as u32;
    summary.problems = all.into_iter().take(MAX_PROBLEMS).collect();
    summary
}

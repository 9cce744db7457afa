//! FHIR R4 interoperability: importing FHIR JSON (resources, Bundles, bulk
//! NDJSON) into the clinic's records, and exporting a patient's record as a
//! Bundle or the clinic's patients as NDJSON. The FHIR side (parsing, checks,
//! mapping both ways) is the `clinic-fhir` crate; this module applies its plan
//! to the store and reads the store back into its shapes.
//!
//! Invariants:
//! - one patient per store transaction: all of a patient's rows, their outbox
//!   ops (so the import syncs like any change), links and audit entries, or
//!   nothing; a patient with any error in the input is skipped whole;
//! - every write goes through the use cases' own writers and checks (registry,
//!   chart, notes, observations, documents), so imported data is what a user
//!   could have entered, and syncs and audits the same way;
//! - a re-import matches what was imported before (`links`) and changes only
//!   what the source changed: the same files twice write nothing;
//! - a new patient who looks like a registered one (same name and date of
//!   birth) is imported and sent to the duplicate review (Conflicts screen);
//! - export is an explicit, audited action; restricted records follow the
//!   restricted-patient rules;
//! - logs carry ids and counts, never patient data.
//!
//! Modules: `links` (the link tables, matching; shared with sync's applier),
//! `normalize` (the use cases' checks on imported values), `apply` (one
//! patient's transaction), `items` and `results` (each kind of resource),
//! `rows` (stored rows
//! as FHIR-crate values), `export`, `summary`, `bound` (a provider pull: one
//! record applied for a patient registered here, demographics untouched).
mod apply;
pub(crate) mod bound;
mod export;
mod items;
pub(crate) mod links;
mod normalize;
mod results;
mod rows;
mod summary;

pub use export::{export_patient, export_patients, PatientBundle, PatientsNdjson};
pub use summary::MAX_PROBLEMS;

use crate::audit::{self};
use crate::{Caller, CoreError};
use apply::{Applied, Fate, Session, Stop, Writer};
use clinic_fhir::{ImportPlan, KeptResource};
use clinic_protocol::{AuditAction, AuditCategory, FhirImportSummary, PatientId};
use clinic_store::{Store, WriteTx};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// Reads FHIR input (file name, bytes) into a plan, with the clinic's
/// observation catalogue. Nothing is written.
pub fn plan<'a>(inputs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> ImportPlan {
    clinic_fhir::import(inputs, &crate::observations::codes())
}

/// An import in progress: the clinic-level resources first, then one patient
/// per [`step`](Self::step), so the shell can report progress and let other
/// commands in between patients.
pub struct Import {
    plan: ImportPlan,
    files: usize,
    session: Session,
    /// 0: the clinic-level resources; then patient `next - 1`.
    next: usize,
    tally: summary::Tally,
    started: Instant,
}

/// Identifier keys carried by more than one resource of the plan.
fn shared_identifiers(plan: &ImportPlan) -> HashSet<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut count = |f: &clinic_fhir::FhirIdentity| {
        let mut keys = links::identifier_keys(f);
        keys.sort();
        keys.dedup();
        for k in keys {
            *seen.entry(k).or_default() += 1;
        }
    };
    for r in &plan.patients {
        r.patient.iter().for_each(|i| count(&i.fhir));
        r.insurance.iter().for_each(|i| count(&i.fhir));
        r.no_known_allergies.iter().for_each(|i| count(&i.fhir));
        r.chart.iter().for_each(|i| count(&i.fhir));
        r.observations.iter().for_each(|i| count(&i.fhir));
        r.encounters.iter().for_each(|i| count(&i.fhir));
        r.documents.iter().for_each(|i| count(&i.fhir));
        r.kept.iter().for_each(|k| count(&k.fhir));
    }
    plan.clinic.iter().for_each(|k| count(&k.fhir));
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(k, _)| k)
        .collect()
}

impl Import {
    /// `files`: how many files the plan was read from (for the summary).
    pub fn new(plan: ImportPlan, files: usize) -> Self {
        let session = Session {
            shared: shared_identifiers(&plan),
            touched: HashMap::new(),
            import_id: uuid::Uuid::now_v7().to_string(),
        };
        Self {
            plan,
            files,
            session,
            next: 0,
            tally: summary::Tally::default(),
            started: Instant::now(),
        }
    }

    /// Steps in all: the clinic-level resources and one per patient.
    pub fn steps(&self) -> usize {
        1 + self.plan.patients.len()
    }

    pub fn done(&self) -> usize {
        self.next
    }

    /// Applies the next step; `false` when everything was applied.
    pub fn step(&mut self, store: &mut Store, caller: &Caller<'_>) -> Result<bool, CoreError> {
        if self.next >= self.steps() {
            return Ok(false);
        }
        if self.next == 0 {
            self.clinic_step(store, caller)?;
        } else {
            let record = &self.plan.patients[self.next - 1];
            let applied =
                apply::apply_record(store, caller, &self.plan, record, &mut self.session)?;
            let Applied {
                patient,
                fates,
                duplicates,
            } = applied;
            self.tally.duplicates += duplicates;
            self.tally.fates.extend(fates);
            self.tally.patients.insert(record.key.clone(), patient);
        }
        self.next += 1;
        Ok(true)
    }

    /// The clinic-level resources (practitioners, organisations, medications,
    /// schedules…), kept as JSON in one transaction. A resource that cannot be
    /// matched safely is reported and the rest written without it.
    fn clinic_step(&mut self, store: &mut Store, caller: &Caller<'_>) -> Result<(), CoreError> {
        let mut excluded: HashSet<String> = HashSet::new();
        loop {
            let clinic: Vec<&KeptResource> = self
                .plan
                .clinic
                .iter()
                .filter(|k| !excluded.contains(&k.fhir.key))
                .collect();
            let session = &self.session;
            let result = store.write(|tx| write_clinic(tx, caller, session, &clinic));
            match result {
                Ok((fates, touched)) => {
                    self.session.touched.extend(touched);
                    self.tally.fates.extend(fates);
                    return Ok(());
                }
                Err(Stop::Conflict { key, reason }) => {
                    self.tally.fates.insert(
                        key.clone(),
                        Fate::Error {
                            path: String::new(),
                            reason,
                        },
                    );
                    excluded.insert(key);
                }
                Err(Stop::Core(e)) => return Err(e),
            }
        }
    }

    /// The summary, after an audit entry for the import as a whole (counts).
    pub fn finish(
        self,
        store: &mut Store,
        caller: &Caller<'_>,
    ) -> Result<FhirImportSummary, CoreError> {
        let elapsed = self.started.elapsed().as_millis() as u64;
        let summary = summary::build(&self.plan, &self.tally, self.files, elapsed);
        let event = caller
            .event(AuditAction::Create, AuditCategory::System)
            .detail(json!({
                "fhir_import": self.session.import_id,
                "files": summary.files,
                "resources": summary.resources,
                "patients_imported": summary.patients_imported,
                "patients_updated": summary.patients_updated,
                "patients_unchanged": summary.patients_unchanged,
                "patients_skipped": summary.patients_skipped,
                "possible_duplicates": summary.possible_duplicates,
            }));
        audit::append_standalone(store, caller.audit_key, &event)?;
        tracing::info!(
            files = summary.files,
            resources = summary.resources,
            patients_imported = summary.patients_imported,
            patients_updated = summary.patients_updated,
            patients_skipped = summary.patients_skipped,
            elapsed_ms = elapsed,
            "FHIR import finished"
        );
        Ok(summary)
    }
}

type ClinicWritten = (Vec<(String, Fate)>, Vec<(String, String)>);

fn write_clinic(
    tx: &mut WriteTx<'_>,
    caller: &Caller<'_>,
    session: &Session,
    clinic: &[&KeptResource],
) -> Result<ClinicWritten, Stop> {
    let mut w = Writer {
        caller,
        session,
        touched: Vec::new(),
        fates: Vec::new(),
        patient: PatientId::new(),
        clinic: true,
        counts: items::Counts::default(),
    };
    for k in clinic {
        items::keep(tx, &mut w, &k.fhir, &k.resource, &k.reason)?;
    }
    Ok((w.fates, w.touched))
}

/// Imports a whole plan (every step, then the summary); `progress` gets (done,
/// total) after each step.
pub fn import(
    store: &mut Store,
    caller: &Caller<'_>,
    plan: ImportPlan,
    files: usize,
    mut progress: impl FnMut(usize, usize),
) -> Result<FhirImportSummary, CoreError> {
    let mut run = Import::new(plan, files);
    while run.step(store, caller)? {
        progress(run.done(), run.steps());
    }
    run.finish(store, caller)
}

//! One patient's record of an import plan, applied in ONE store transaction:
//! the patient (registered, or the fields the source changed since the last
//! import), insurance, chart entries, visits, results, documents, "no known
//! allergies", the resources kept as JSON and a link per resource — each change
//! through the use cases' own row writers with its outbox op, plus the audit
//! entries. Anything failing rolls the whole patient back.
//!
//! Before the transaction: a record with an error in the input, a Patient the
//! registry's checks refuse, data for a patient neither in the input nor
//! imported before, or a restricted record the importer may not open is
//! skipped whole (the refusal audited). A value the chart's checks refuse (an
//! implausible result, a date in the future…) is kept as JSON with the reason,
//! as the FHIR crate keeps what the domain cannot hold.
//!
//! Re-import (a resource matching a link, see `links`): the value is compared
//! with the one remembered at the last import, not with the chart as it stands,
//! so a change made here since (a problem resolved by a doctor) stays unless the
//! source changed that value too. See `items` for what each kind does.
use super::items::{self, Counts};
use super::links::{self, entity, Link};
use super::{normalize, results};
use crate::audit::{self, NewAuditEvent};
use crate::authz::Command;
use crate::{merge, registry, Caller, CoreError};
use clinic_fhir::{FhirIdentity, ImportPlan, PatientRecord};
use clinic_protocol::{AuditAction, PatientDetails, PatientId};
use clinic_store::{Store, StoreError, WriteTx};
use rusqlite::{Connection, OptionalExtension};
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// What happened to one resource of the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    Imported,
    Updated,
    Unchanged,
    Kept(String),
    Skipped(String),
    /// Not imported because its patient was not (the patient's fate says why).
    PatientSkipped,
    Error {
        path: String,
        reason: String,
    },
}

/// What happened to the patient as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PatientFate {
    Imported,
    Updated,
    Unchanged,
    Skipped(String),
}

#[derive(Debug)]
pub(crate) struct Applied {
    pub patient: PatientFate,
    /// By FHIR key (`FhirIdentity::key`).
    pub fates: Vec<(String, Fate)>,
    pub duplicates: u32,
}

/// Import-wide state.
pub(crate) struct Session {
    /// Identifier keys several resources of the input share: not used.
    pub shared: HashSet<String>,
    /// Link id → the FHIR key that matched it in this import.
    pub touched: HashMap<String, String>,
    pub import_id: String,
}

/// Where a resource stands here.
#[derive(Clone, Debug)]
pub(crate) enum Found {
    New,
    Link(Box<Link>),
    /// A local row whose UUID is the resource's id (a record exported from here).
    Native {
        id: String,
        patient: PatientId,
    },
}

/// Why a transaction stopped.
pub(crate) enum Stop {
    Core(CoreError),
    /// Two resources of the input match one earlier import: the patient is
    /// skipped with this error on `key`.
    Conflict {
        key: String,
        reason: String,
    },
}

impl From<CoreError> for Stop {
    fn from(e: CoreError) -> Self {
        Stop::Core(e)
    }
}
impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Core(e.into())
    }
}
impl From<rusqlite::Error> for Stop {
    fn from(e: rusqlite::Error) -> Self {
        Stop::Core(e.into())
    }
}

/// Tables of rows a resource may name by UUID (step 4 of matching).
fn native_table(what: &str) -> Option<&'static str> {
    Some(match what {
        entity::PATIENT => "patient",
        entity::CHART_ENTRY => "chart_entry",
        entity::ENCOUNTER => "encounter",
        entity::OBSERVATION => "observation",
        entity::DOCUMENT => "document",
        _ => return None,
    })
}

/// The state a transaction writes through.
pub(crate) struct Writer<'s, 'c, 'k> {
    pub caller: &'c Caller<'k>,
    pub session: &'s Session,
    /// Links matched in this transaction (merged into the session on commit).
    pub touched: Vec<(String, String)>,
    pub fates: Vec<(String, Fate)>,
    pub patient: PatientId,
    /// Writing the clinic-level resources (links name no patient).
    pub clinic: bool,
    pub counts: Counts,
}

impl Writer<'_, '_, '_> {
    pub fn fate(&mut self, key: &str, fate: Fate) {
        self.fates.push((key.to_string(), fate));
    }

    /// Where `fhir` stands (see `links`), as `what` (an [`entity`] kind).
    pub fn locate(
        &mut self,
        conn: &Connection,
        fhir: &FhirIdentity,
        what: &str,
    ) -> Result<Found, Stop> {
        if let Some(link) = links::find(conn, fhir, &self.session.shared)? {
            let other = self
                .session
                .touched
                .get(&link.id)
                .or_else(|| {
                    self.touched
                        .iter()
                        .find(|(l, _)| *l == link.id)
                        .map(|(_, k)| k)
                })
                .filter(|k| **k != fhir.key)
                .cloned();
            if let Some(other) = other {
                return Err(Stop::Conflict {
                    key: fhir.key.clone(),
                    reason: format!(
                        "matches the same earlier import as {other} in these files (by identifier or id): \
                         give them their own identifiers or import them separately"
                    ),
                });
            }
            self.touched.push((link.id.clone(), fhir.key.clone()));
            return Ok(Found::Link(Box::new(link)));
        }
        if let (Some(table), Some(id)) = (native_table(what), fhir.id.as_deref()) {
            if uuid::Uuid::parse_str(id).is_ok() && links::by_entity(conn, what, id)?.is_none() {
                let column = if table == "patient" {
                    "id"
                } else {
                    "patient_id"
                };
                let sql = format!("SELECT {column} FROM {table} WHERE id = ?1");
                let owner: Option<String> = conn
                    .prepare_cached(&sql)?
                    .query_row([id], |r| r.get(0))
                    .optional()?;
                if let Some(owner) = owner.and_then(|o| o.parse().ok()) {
                    return Ok(Found::Native {
                        id: id.to_string(),
                        patient: merge::resolve(conn, owner)?,
                    });
                }
            }
        }
        Ok(Found::New)
    }

    /// Where `fhir` stands as `what`, or `None` when the item is skipped (its fate
    /// recorded): it belongs to another patient, or — with `same_kind` — it was
    /// imported as another kind of record before.
    pub fn target(
        &mut self,
        conn: &Connection,
        fhir: &FhirIdentity,
        what: &str,
        same_kind: bool,
    ) -> Result<Option<Found>, Stop> {
        let found = self.locate(conn, fhir, what)?;
        if !self.owned(conn, &found)? {
            self.fate(&fhir.key, Fate::Skipped(items::ANOTHER_PATIENT.into()));
            return Ok(None);
        }
        if same_kind {
            if let Some(why) = items::other_kind(&found, what) {
                self.fate(&fhir.key, Fate::Skipped(why));
                return Ok(None);
            }
        }
        Ok(Some(found))
    }

    /// Whether what was found belongs to this writer's patient.
    pub fn owned(&self, conn: &Connection, found: &Found) -> Result<bool, CoreError> {
        let owner = match found {
            Found::New => return Ok(true),
            Found::Link(l) => match l.patient_id {
                Some(p) => merge::resolve(conn, p)?,
                None => return Ok(true),
            },
            Found::Native { patient, .. } => *patient,
        };
        Ok(owner == self.patient)
    }
}

fn all_keys(record: &PatientRecord) -> Vec<String> {
    let mut keys = Vec::with_capacity(record.len());
    keys.extend(record.patient.iter().map(|i| i.fhir.key.clone()));
    keys.extend(record.insurance.iter().map(|i| i.fhir.key.clone()));
    keys.extend(record.no_known_allergies.iter().map(|i| i.fhir.key.clone()));
    keys.extend(record.chart.iter().map(|i| i.fhir.key.clone()));
    keys.extend(record.encounters.iter().map(|i| i.fhir.key.clone()));
    keys.extend(record.observations.iter().map(|i| i.fhir.key.clone()));
    keys.extend(record.documents.iter().map(|i| i.fhir.key.clone()));
    keys.extend(record.kept.iter().map(|k| k.fhir.key.clone()));
    keys
}

/// Every resource of the record skipped for `reason` (errors stay errors:
/// the summary takes them from the plan).
fn skip_all(record: &PatientRecord, reason: String) -> Applied {
    Applied {
        fates: all_keys(record)
            .into_iter()
            .map(|k| (k, Fate::PatientSkipped))
            .collect(),
        patient: PatientFate::Skipped(reason),
        duplicates: 0,
    }
}

/// A patient found here: its id, how it was found, and the link that matched
/// (to mark as matched in this import).
type Existing = (PatientId, Found, Vec<(String, String)>);

/// The local patient a record is about, before anything is written.
fn find_patient(
    store: &Store,
    record: &PatientRecord,
    session: &Session,
    caller: &Caller<'_>,
) -> Result<Result<Option<Existing>, Stop>, CoreError> {
    let conn = store.conn();
    let mut w = Writer {
        caller,
        session,
        touched: Vec::new(),
        fates: Vec::new(),
        patient: PatientId::new(),
        clinic: false,
        counts: Counts::default(),
    };
    let found = match &record.patient {
        Some(p) => match w.locate(conn, &p.fhir, entity::PATIENT) {
            Ok(f) => f,
            Err(stop) => return Ok(Err(stop)),
        },
        None => match links::find_by_reference(conn, &record.key)? {
            Some(link) => Found::Link(Box::new(link)),
            None => {
                let fhir = FhirIdentity {
                    resource_type: "Patient".into(),
                    key: record.key.clone(),
                    id: record.key.strip_prefix("Patient/").map(str::to_string),
                    ..FhirIdentity::default()
                };
                match w.locate(conn, &fhir, entity::PATIENT) {
                    Ok(f) => f,
                    Err(stop) => return Ok(Err(stop)),
                }
            }
        },
    };
    let local = match &found {
        Found::New => None,
        Found::Link(l) if l.entity.as_deref() == Some(entity::PATIENT) => {
            match l.entity_ids.first().and_then(|id| id.parse().ok()) {
                Some(id) => Some(merge::resolve(conn, id)?),
                None => None,
            }
        }
        Found::Link(_) => None,
        Found::Native { patient, .. } => Some(*patient),
    };
    Ok(Ok(local.map(|id| (id, found, w.touched))))
}

/// Applies one patient's record (see the module header).
pub(crate) fn apply_record(
    store: &mut Store,
    caller: &Caller<'_>,
    plan: &ImportPlan,
    record: &PatientRecord,
    session: &mut Session,
) -> Result<Applied, CoreError> {
    let key = record.key.as_str();
    if plan.has_errors(key) {
        let n = plan
            .errors()
            .filter(|o| o.patient.as_deref() == Some(key))
            .count();
        return Ok(skip_all(
            record,
            format!(
                "{n} of this patient's resources have errors (listed): nothing of the patient \
                 was imported; fix them and import again"
            ),
        ));
    }
    let details = match &record.patient {
        Some(p) => match normalize::patient(&p.value) {
            Ok(d) => Some(d),
            Err(e) => {
                let (path, reason) = normalize::describe(&e);
                let mut applied = skip_all(
                    record,
                    "the Patient is not valid for the registry (listed): nothing of the patient was imported".into(),
                );
                for (k, fate) in &mut applied.fates {
                    if *k == p.fhir.key {
                        *fate = Fate::Error {
                            path: path.clone(),
                            reason: reason.clone(),
                        };
                    }
                }
                return Ok(applied);
            }
        },
        None => None,
    };
    let (existing, matched) = match find_patient(store, record, session, caller)? {
        Ok(Some((id, found, matched))) => (Some((id, found)), matched),
        Ok(None) => (None, Vec::new()),
        Err(stop) => return Ok(stopped(record, stop)),
    };
    if existing.is_none() && details.is_none() {
        return Ok(skip_all(
            record,
            format!(
                "the patient {key} is neither in these files nor imported before: \
                 import the Patient resource with this data"
            ),
        ));
    }
    if let Some((id, _)) = &existing {
        match crate::restricted::ensure_caller_access(store, caller, *id, Command::ImportFhir) {
            Ok(()) => {}
            Err(CoreError::RestrictedPatient) => {
                return Ok(skip_all(
                    record,
                    "this patient's record is restricted to their care team: not imported".into(),
                ))
            }
            Err(e) => return Err(e),
        }
    }
    let device = store.device_id();
    let device_code = registry::device_code(&device);
    let result = store.write(|tx| {
        write_record(
            tx,
            caller,
            session,
            record,
            details.as_ref(),
            existing.as_ref(),
            (device, &device_code),
        )
    });
    match result {
        Ok((applied, touched)) => {
            session.touched.extend(matched);
            session.touched.extend(touched);
            Ok(applied)
        }
        Err(stop @ Stop::Conflict { .. }) => Ok(stopped(record, stop)),
        Err(Stop::Core(e)) => Err(e),
    }
}

fn stopped(record: &PatientRecord, stop: Stop) -> Applied {
    let Stop::Conflict { key, reason } = stop else {
        return skip_all(record, "the patient could not be imported".into());
    };
    let mut applied = skip_all(
        record,
        "one of this patient's resources cannot be matched safely (listed): nothing of the \
         patient was imported"
            .into(),
    );
    for (k, fate) in &mut applied.fates {
        if *k == key {
            *fate = Fate::Error {
                path: String::new(),
                reason: reason.clone(),
            };
        }
    }
    applied
}

type Written = (Applied, Vec<(String, String)>);

fn write_record(
    tx: &mut WriteTx<'_>,
    caller: &Caller<'_>,
    session: &Session,
    record: &PatientRecord,
    details: Option<&PatientDetails>,
    existing: Option<&(PatientId, Found)>,
    (device, device_code): (clinic_protocol::DeviceId, &str),
) -> Result<Written, Stop> {
    let mut duplicates = 0;
    let (patient, patient_fate, audit_event) = match existing {
        None => {
            let Some(d) = details else {
                return Err(Stop::Core(CoreError::NotFound("patient")));
            };
            let mut d = d.clone();
            let insurance = items::valid_insurance(record);
            if let Some((_, Ok(i))) = &insurance {
                d.insurance = Some(i.clone());
            }
            let same_key: Vec<String> =
                registry::registered_as(tx.conn(), &registry::registration_key(&d))?;
            // The registration names none of them as known: every device sends
            // the pair to duplicate review (sync::apply::patients).
            let id = registry::insert_patient_knowing(tx, device_code, &d, &[])?;
            let now = tx.now_rfc3339();
            for other in same_key {
                if !is_merged(tx.conn(), &other)? {
                    crate::sync::conflicts::record_duplicate(
                        tx.conn(),
                        &id.to_string(),
                        &other,
                        &now,
                    )?;
                    duplicates += 1;
                }
            }
            let event = NewAuditEvent::patient_created(
                caller.actor.clone(),
                id,
                &registry::given_fields(&d),
            )
            .detail(json!({
                "fields": registry::given_fields(&d),
                "fhir_import": session.import_id,
            }));
            (id, PatientFate::Imported, Some(event))
        }
        Some((id, _)) => (*id, PatientFate::Unchanged, None),
    };
    let mut w = Writer {
        caller,
        session,
        touched: Vec::new(),
        fates: Vec::new(),
        patient,
        clinic: false,
        counts: Counts::default(),
    };
    let mut patient_fate = patient_fate;
    let mut audit_event = audit_event;
    // The patient's own resource and insurance.
    match existing {
        None => items::link_new_patient(tx, &mut w, record, details)?,
        Some((_, found)) => {
            if let Some(event) = items::update_patient(tx, &mut w, record, details, found)? {
                patient_fate = PatientFate::Updated;
                audit_event = Some(event);
            }
        }
    }
    items::chart(tx, &mut w, record)?;
    let encounters = items::encounters(tx, &mut w, record)?;
    results::observations(tx, &mut w, record, &encounters)?;
    results::documents(tx, &mut w, record)?;
    items::no_known_allergies(tx, &mut w, record)?;
    items::kept(tx, &mut w, record)?;

    if let Some(event) = &audit_event {
        audit::append_in(tx, caller.audit_key, device, event)?;
    }
    if w.counts.any() {
        let event = caller.chart_event(
            if existing.is_none() {
                AuditAction::Create
            } else {
                AuditAction::Update
            },
            patient,
            json!({
                "fhir_import": session.import_id,
                "created": w.counts.created,
                "updated": w.counts.updated,
                "kept": w.counts.kept,
            }),
        );
        audit::append_in(tx, caller.audit_key, device, &event)?;
        if patient_fate == PatientFate::Unchanged {
            patient_fate = PatientFate::Updated;
        }
    }
    let applied = Applied {
        patient: patient_fate,
        fates: w.fates,
        duplicates,
    };
    Ok((applied, w.touched))
}

fn is_merged(conn: &Connection, patient: &str) -> Result<bool, CoreError> {
    Ok(conn
        .prepare_cached("SELECT merged_into IS NOT NULL FROM patient WHERE id = ?1")?
        .query_row([patient], |r| r.get(0))?)
}

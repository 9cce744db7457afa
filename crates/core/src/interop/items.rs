//! Each kind of resource of a patient's record, inside the patient's
//! transaction (`apply`): recorded through the use cases' own writers (one op
//! per change), then its link saved.
//!
//! On re-import, compared with what the link remembers (see `apply`):
//! - the patient: the fields the source changed (one `set_fields` op);
//! - insurance: replaced when the source's changed;
//! - chart entries: details corrected, status changed (each its own op);
//! - visits: the status follows; type, reason and start never change once
//!   recorded (reported as skipped);
//! - results and documents: see `results`;
//! - resources kept as JSON: replaced.
//!
//! A link is saved when the domain value changed (or the resource is new here);
//! differences in what the domain does not hold (extensions, narrative) alone
//! do not rewrite it.
use super::apply::{Fate, Found, Stop, Writer};
use super::links::{self, entity, Link};
use super::summary::NOT_VALID;
use super::{normalize, rows};
use crate::audit::NewAuditEvent;
use crate::{chart, notes, registry, CoreError};
use clinic_fhir::{ChartItem, EncounterItem, FhirIdentity, Item, PatientRecord};
use clinic_protocol::{
    ChartEntry, ChartEntryId, Encounter, EncounterId, EntityKind, FieldError, Insurance, OpKind,
    PatientDetails,
};
use clinic_store::WriteTx;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// What a patient's transaction changed, for its audit entry (counts only).
#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub created: BTreeMap<&'static str, u32>,
    pub updated: BTreeMap<&'static str, u32>,
    pub kept: u32,
}

impl Counts {
    pub fn any(&self) -> bool {
        !self.created.is_empty() || !self.updated.is_empty() || self.kept > 0
    }
}

pub(super) fn bump(map: &mut BTreeMap<&'static str, u32>, what: &'static str, n: u32) {
    *map.entry(what).or_default() += n;
}

pub(super) fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, CoreError> {
    serde_json::to_value(v).map_err(|_| CoreError::Corrupt("FHIR link value".into()))
}

pub(super) fn remembered<T: serde::de::DeserializeOwned>(link: &Link) -> Option<T> {
    link.value
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
}

/// The resource as a link keeps it: a document's content is left out (it is
/// in the document store; export writes it back from there).
pub(super) fn stored_resource(original: Option<&Value>, mapped_document: bool) -> Value {
    let mut r = original.cloned().unwrap_or(Value::Null);
    if mapped_document {
        let strip = |a: &mut Value| {
            if let Some(o) = a.as_object_mut() {
                o.remove("data");
            }
        };
        if let Some(contents) = r.get_mut("content").and_then(Value::as_array_mut) {
            for c in contents {
                if let Some(a) = c.get_mut("attachment") {
                    strip(a);
                }
            }
        }
        if let Some(forms) = r.get_mut("presentedForm").and_then(Value::as_array_mut) {
            forms.iter_mut().for_each(strip);
        }
    }
    r
}

/// Saves a link for the writer's patient (`existing`: the link it replaces).
#[allow(clippy::too_many_arguments)]
pub(super) fn save(
    tx: &mut WriteTx<'_>,
    w: &Writer<'_, '_, '_>,
    existing: Option<&Link>,
    fhir: &FhirIdentity,
    resource: Value,
    what: Option<&str>,
    entity_ids: Vec<String>,
    value: Option<Value>,
    reason: &str,
) -> Result<(), CoreError> {
    let link = Link {
        id: existing.map_or_else(Link::new_id, |l| l.id.clone()),
        resource_type: fhir.resource_type.clone(),
        fhir: fhir.clone(),
        patient_id: (!w.clinic).then_some(w.patient),
        entity: what.map(str::to_string),
        entity_ids,
        keys: links::keys_for(fhir, &w.session.shared),
        value,
        reason: reason.to_string(),
        resource,
    };
    links::save(tx, &link)
}

/// Keeps a resource as JSON (new, replaced, or unchanged).
pub(crate) fn keep(
    tx: &mut WriteTx<'_>,
    w: &mut Writer<'_, '_, '_>,
    fhir: &FhirIdentity,
    resource: &Value,
    reason: &str,
) -> Result<(), Stop> {
    let Some(found) = w.target(tx.conn(), fhir, "kept", false)? else {
        return Ok(());
    };
    match &found {
        Found::Link(l) if l.entity.is_some() => {
            w.fate(
                &fhir.key,
                Fate::Skipped(format!(
                    "imported into the chart before, now not importable ({reason}): left as recorded"
                )),
            );
        }
        Found::Link(l) if l.resource == *resource && l.reason == reason => {
            w.fate(&fhir.key, Fate::Unchanged);
        }
        found => {
            let existing = link_of(found);
            save(
                tx,
                w,
                existing,
                fhir,
                resource.clone(),
                None,
                Vec::new(),
                None,
                reason,
            )?;
            w.counts.kept += 1;
            let fate = if existing.is_some() {
                Fate::Updated
            } else {
                Fate::Kept(reason.to_string())
            };
            w.fate(&fhir.key, fate);
        }
    }
    Ok(())
}

pub(super) const ANOTHER_PATIENT: &str =
    "already imported for another patient: not moved (merge the records if they are one person)";

pub(super) fn not_valid(errors: &[FieldError]) -> String {
    let (field, message) = normalize::describe(errors);
    if field.is_empty() {
        format!("{NOT_VALID}: {message}")
    } else {
        format!("{NOT_VALID}: {field}: {message}")
    }
}

/// A record's insurance and whether it passes the registry's checks.
type CheckedInsurance<'a> = (&'a Item<Insurance>, Result<Insurance, Vec<FieldError>>);

/// The record's insurance and whether it passes the registry's checks.
pub(crate) fn valid_insurance(record: &PatientRecord) -> Option<CheckedInsurance<'_>> {
    record
        .insurance
        .as_ref()
        .map(|i| (i, normalize::insurance(&i.value)))
}

/// A newly registered patient: links for the Patient and its Coverage.
pub(crate) fn link_new_patient(
    tx: &mut WriteTx<'_>,
    w: &mut Writer<'_, '_, '_>,
    record: &PatientRecord,
    details: Option<&PatientDetails>,
) -> Result<(), Stop> {
    let pid = w.patient.to_string();
    if let (Some(p), Some(d)) = (&record.patient, details) {
        let resource = stored_resource(p.original.as_ref(), false);
        let value = to_value(d)?;
        // A Patient that matched a kept or unrelated link starts a new one.
        save(
            tx,
            w,
            None,
            &p.fhir,
            resource,
            Some(entity::PATIENT),
            vec![pid.clone()],
            Some(value),
            "",
        )?;
        w.fate(&p.fhir.key, Fate::Imported);
    }
    match valid_insurance(record) {
        Some((i, Ok(ins))) => {
            let resource = stored_resource(i.original.as_ref(), false);
            save(
                tx,
                w,
                None,
                &i.fhir,
                resource,
                Some(entity::INSURANCE),
                vec![pid],
                Some(to_value(&ins)?),
                "",
            )?;
            w.fate(&i.fhir.key, Fate::Imported);
        }
        Some((i, Err(e))) => {
            let resource = stored_resource(i.original.as_ref(), false);
            keep(tx, w, &i.fhir, &resource, &not_valid(&e))?;
        }
        None => {}
    }
    Ok(())
}

/// An existing patient: the fields the source changed since the last import
/// (all differing ones when it was never imported), and its insurance. Returns
/// the audit entry when fields were written.
pub(crate) fn update_patient(
    tx: &mut WriteTx<'_>,
    w: &mut Writer<'_, '_, '_>,
    record: &PatientRecord,
    details: Option<&PatientDetails>,
    found: &Found,
) -> Result<Option<NewAuditEvent>, Stop> {
    let current = registry::get_patient(tx.conn(), w.patient)?;
    let mut target = registry::detail_map(&current.details);
    let mut patient_changed = false;
    if let (Some(p), Some(new)) = (&record.patient, details) {
        let link = link_of(found).filter(|l| l.entity.as_deref() == Some(entity::PATIENT));
        let mut without = current.details.clone();
        without.insurance = None;
        let baseline: PatientDetails = link.and_then(remembered).unwrap_or(without);
        let before = registry::detail_map(&baseline);
        for (field, value) in registry::detail_map(new) {
            if field != "insurance" && before.get(&field) != Some(&value) {
                target.insert(field, value);
                patient_changed = true;
            }
        }
        if patient_changed {
            let resource = stored_resource(p.original.as_ref(), false);
            let ids = vec![w.patient.to_string()];
            save(
                tx,
                w,
                link,
                &p.fhir,
                resource,
                Some(entity::PATIENT),
                ids,
                Some(to_value(new)?),
                "",
            )?;
            w.fate(&p.fhir.key, Fate::Updated);
        } else {
            w.fate(&p.fhir.key, Fate::Unchanged);
        }
    }
    match valid_insurance(record) {
        Some((i, Ok(ins))) => {
            let link = links::by_entity(tx.conn(), entity::INSURANCE, &w.patient.to_string())?;
            let baseline: Option<Insurance> = match &link {
                Some(l) => remembered(l),
                None => current.details.insurance.clone(),
            };
            if baseline.as_ref() == Some(&ins) {
                w.fate(&i.fhir.key, Fate::Unchanged);
            } else {
                target.insert("insurance".into(), to_value(&ins)?);
                let resource = stored_resource(i.original.as_ref(), false);
                let ids = vec![w.patient.to_string()];
                save(
                    tx,
                    w,
                    link.as_ref(),
                    &i.fhir,
                    resource,
                    Some(entity::INSURANCE),
                    ids,
                    Some(to_value(&ins)?),
                    "",
                )?;
                w.fate(&i.fhir.key, Fate::Updated);
            }
        }
        Some((i, Err(e))) => {
            let resource = stored_resource(i.original.as_ref(), false);
            keep(tx, w, &i.fhir, &resource, &not_valid(&e))?;
        }
        None => {}
    }
    let target: PatientDetails = serde_json::from_value(Value::Object(target))
        .map_err(|_| CoreError::Corrupt("patient details".into()))?;
    let fields = registry::set_fields_in(tx, &current, &target)?;
    if fields.is_empty() {
        return Ok(None);
    }
    let event = NewAuditEvent::patient_updated(
        w.caller.actor.clone(),
        w.patient,
        &fields,
        current.version + 1,
    )
    .detail(json!({
        "fields": fields,
        "version": current.version + 1,
        "fhir_import": w.session.import_id,
    }));
    Ok(Some(event))
}

/// The entry id and the value remembered (or read from the row) for a match.
pub(super) fn linked_id(found: &Found, what: &str) -> Option<String> {
    match found {
        Found::Link(l) if l.entity.as_deref() == Some(what) => l.entity_ids.first().cloned(),
        Found::Native { id, .. } => Some(id.clone()),
        _ => None,
    }
}

pub(super) fn link_of(found: &Found) -> Option<&Link> {
    match found {
        Found::Link(l) => Some(l.as_ref()),
        _ => None,
    }
}

/// A match that cannot take this kind of value (a link of another kind).
pub(super) fn other_kind(found: &Found, what: &str) -> Option<String> {
    match found {
        Found::Link(l) => match l.entity.as_deref() {
            Some(e) if e != what => Some(format!("imported as {e} before: left as recorded")),
            _ => None,
        },
        _ => None,
    }
}

/// Allergies, medications, problems and plans.
pub(crate) fn chart(
    tx: &mut WriteTx<'_>,
    w: &mut Writer<'_, '_, '_>,
    record: &PatientRecord,
) -> Result<(), Stop> {
    for item in &record.chart {
        let resource = stored_resource(item.original.as_ref(), false);
        let new = match normalize::chart_item(&item.value) {
            Ok(v) => v,
            Err(e) => {
                keep(tx, w, &item.fhir, &resource, &not_valid(&e))?;
                continue;
            }
        };
        let Some(found) = w.target(tx.conn(), &item.fhir, entity::CHART_ENTRY, true)? else {
            continue;
        };
        let Some(id) = linked_id(&found, entity::CHART_ENTRY) else {
            let now = tx.now_rfc3339();
            let entry = ChartEntry {
                id: ChartEntryId::new(),
                patient_id: w.patient,
                status: new.status,
                status_reason: new.status_reason.clone(),
                details: new.details.clone(),
                recorded_at: now.clone(),
                recorded_by: w.caller.actor_name(),
                updated_at: now,
                version: 1,
            };
            chart::insert_new_entry(tx, w.caller, &entry)?;
            let ids = vec![entry.id.to_string()];
            save(
                tx,
                w,
                link_of(&found),
                &item.fhir,
                resource,
                Some(entity::CHART_ENTRY),
                ids,
                Some(to_value(&new)?),
                "",
            )?;
            bump(&mut w.counts.created, "chart_entries", 1);
            w.fate(&item.fhir.key, Fate::Imported);
            continue;
        };
        let entry_id: ChartEntryId = id
            .parse()
            .map_err(|_| CoreError::Corrupt("FHIR link entity".into()))?;
        let mut current = chart::get_entry(tx.conn(), entry_id)?;
        let baseline: ChartItem = link_of(&found)
            .and_then(remembered)
            .unwrap_or_else(|| rows::chart_item(&current, None));
        if rows::same_chart(&baseline, &new) {
            w.fate(&item.fhir.key, Fate::Unchanged);
            continue;
        }
        if new.details.kind() != current.details.kind() {
            w.fate(
                &item.fhir.key,
                Fate::Skipped("its kind changed at the source: record it anew".into()),
            );
            continue;
        }
        if new.details != baseline.details && new.details != current.details {
            let next = ChartEntry {
                details: new.details.clone(),
                version: current.version + 1,
                ..current.clone()
            };
            let payload = json!({ "details": next.details, "version": next.version });
            current = chart::apply_change(tx, w.caller, &next, OpKind::UpdateChartEntry, payload)?;
        }
        let status_changed =
            (new.status, &new.status_reason) != (baseline.status, &baseline.status_reason);
        if status_changed
            && (new.status, &new.status_reason) != (current.status, &current.status_reason)
        {
            let next = ChartEntry {
                status: new.status,
                status_reason: new.status_reason.clone(),
                version: current.version + 1,
                ..current.clone()
            };
            let payload = json!({
                "status": next.status.as_str(), "reason": next.status_reason, "version": next.version,
            });
            chart::apply_change(tx, w.caller, &next, OpKind::SetChartEntryStatus, payload)?;
        }
        save(
            tx,
            w,
            link_of(&found),
            &item.fhir,
            resource,
            Some(entity::CHART_ENTRY),
            vec![id],
            Some(to_value(&new)?),
            "",
        )?;
        bump(&mut w.counts.updated, "chart_entries", 1);
        w.fate(&item.fhir.key, Fate::Updated);
    }
    Ok(())
}

const VISIT_FIXED: &str =
    "a visit's type, reason and start do not change once recorded: only its status follows the source";

/// Visits; returns the local id of each (by FHIR key) for the results.
pub(crate) fn encounters(
    tx: &mut WriteTx<'_>,
    w: &mut Writer<'_, '_, '_>,
    record: &PatientRecord,
) -> Result<HashMap<String, EncounterId>, Stop> {
    let mut out = HashMap::new();
    for item in &record.encounters {
        let resource = stored_resource(item.original.as_ref(), false);
        let new = match normalize::encounter(&item.value) {
            Ok(v) => v,
            Err(e) => {
                keep(tx, w, &item.fhir, &resource, &not_valid(&e))?;
                continue;
            }
        };
        let Some(found) = w.target(tx.conn(), &item.fhir, entity::ENCOUNTER, true)? else {
            continue;
        };
        let Some(id) = linked_id(&found, entity::ENCOUNTER) else {
            let encounter = Encounter {
                id: EncounterId::new(),
                patient_id: w.patient,
                encounter_type: new.encounter_type,
                reason: new.reason.clone(),
                started_at: new.started_at.clone(),
                status: new.status,
                recorded_by: w.caller.actor_name(),
                version: 1,
            };
            notes::insert_new_encounter(tx, w.caller, &encounter)?;
            out.insert(item.fhir.key.clone(), encounter.id);
            let ids = vec![encounter.id.to_string()];
            save(
                tx,
                w,
                link_of(&found),
                &item.fhir,
                resource,
                Some(entity::ENCOUNTER),
                ids,
                Some(to_value(&new)?),
                "",
            )?;
            bump(&mut w.counts.created, "encounters", 1);
            w.fate(&item.fhir.key, Fate::Imported);
            continue;
        };
        let encounter_id: EncounterId = id
            .parse()
            .map_err(|_| CoreError::Corrupt("FHIR link entity".into()))?;
        out.insert(item.fhir.key.clone(), encounter_id);
        let current = notes::get_encounter(tx.conn(), encounter_id)?;
        let baseline: EncounterItem = link_of(&found)
            .and_then(remembered)
            .unwrap_or_else(|| rows::encounter_item(&current));
        if baseline == new {
            w.fate(&item.fhir.key, Fate::Unchanged);
            continue;
        }
        if new.status == baseline.status {
            w.fate(&item.fhir.key, Fate::Skipped(VISIT_FIXED.into()));
            continue;
        }
        if new.status != current.status {
            notes::set_encounter_status_in(tx, &current, new.status)?;
        }
        // Remember what the chart holds now: the fixed fields as recorded.
        let applied = EncounterItem {
            status: new.status,
            ..rows::encounter_item(&current)
        };
        save(
            tx,
            w,
            link_of(&found),
            &item.fhir,
            resource,
            Some(entity::ENCOUNTER),
            vec![id],
            Some(to_value(&applied)?),
            "",
        )?;
        bump(&mut w.counts.updated, "encounters", 1);
        let fate = if applied == new {
            Fate::Updated
        } else {
            Fate::Skipped(format!("status updated; {VISIT_FIXED}"))
        };
        w.fate(&item.fhir.key, fate);
    }
    Ok(out)
}

/// "No known allergies", unless an allergy is active (the chart refuses the
/// statement then, as it does for a clinician).
pub(crate) fn no_known_allergies(
    tx: &mut WriteTx<'_>,
    w: &mut Writer<'_, '_, '_>,
    record: &PatientRecord,
) -> Result<(), Stop> {
    let Some(item) = &record.no_known_allergies else {
        return Ok(());
    };
    let resource = stored_resource(item.original.as_ref(), false);
    let Some(found) = w.target(tx.conn(), &item.fhir, entity::NO_KNOWN_ALLERGIES, false)? else {
        return Ok(());
    };
    let value = to_value(&item.value)?;
    let link = link_of(&found).filter(|l| l.entity.as_deref() == Some(entity::NO_KNOWN_ALLERGIES));
    if link.is_some_and(|l| l.value.as_ref() == Some(&value)) {
        w.fate(&item.fhir.key, Fate::Unchanged);
        return Ok(());
    }
    let active: i64 = tx
        .conn()
        .prepare_cached(
            "SELECT count(*) FROM chart_entry WHERE patient_id = ?1 AND kind = 'allergy' AND status = 'active'",
        )?
        .query_row([w.patient.to_string()], |r| r.get(0))?;
    if active > 0 {
        w.fate(
            &item.fhir.key,
            Fate::Skipped(
                "the patient has an active allergy: 'no known allergies' was not recorded".into(),
            ),
        );
        return Ok(());
    }
    tx.record(
        OpKind::SetNoKnownAllergies,
        EntityKind::Patient,
        &w.patient.to_string(),
        json!({ "no_known_allergies": true }),
    )?;
    let now = tx.now_rfc3339();
    chart::write_allergy_statement(
        tx.conn(),
        w.patient,
        true,
        &now,
        w.caller.actor_id().as_deref(),
        &w.caller.actor_name(),
    )?;
    let ids = vec![w.patient.to_string()];
    save(
        tx,
        w,
        link_of(&found),
        &item.fhir,
        resource,
        Some(entity::NO_KNOWN_ALLERGIES),
        ids,
        Some(value),
        "",
    )?;
    let fate = if link.is_some() {
        Fate::Updated
    } else {
        Fate::Imported
    };
    bump(
        if link.is_some() {
            &mut w.counts.updated
        } else {
            &mut w.counts.created
        },
        "no_known_allergies",
        1,
    );
    w.fate(&item.fhir.key, fate);
    Ok(())
}

/// The record's resources kept as JSON (Procedure, Immunization, Appointment…).
pub(crate) fn kept(
    tx: &mut WriteTx<'_>,
    w: &mut Writer<'_, '_, '_>,
    record: &PatientRecord,
) -> Result<(), Stop> {
    for k in &record.kept {
        keep(tx, w, &k.fhir, &k.resource, &k.reason)?;
    }
    Ok(())
}

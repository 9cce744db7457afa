//! Results (vital signs, lab values) and documents of a patient's record,
//! inside the patient's transaction (`apply`). Neither changes once recorded:
//! when the source's values, content or description changed since the last
//! import, the old ones are marked entered in error (with the reason) and the
//! new ones recorded, and the link points at them; a status change alone is
//! applied to what is recorded.
use super::apply::{Fate, Found, Stop, Writer};
use super::items::{
    bump, keep, link_of, linked_id, not_valid, remembered, save, stored_resource, to_value,
};
use super::links::{self, entity};
use super::{normalize, rows};
use crate::{documents, notes, observations, CoreError};
use clinic_fhir::{DocumentItem, ObservationItem, PatientRecord};
use clinic_protocol::{DocumentId, DocumentStatus, EncounterId, ObservationId, ObservationStatus};
use clinic_store::WriteTx;
use std::collections::HashMap;

/// The local visit a result belongs to: one of this record's, or one imported
/// before for the same patient.
fn encounter_of(
    tx: &WriteTx<'_>,
    w: &Writer<'_, '_, '_>,
    key: Option<&str>,
    record_encounters: &HashMap<String, EncounterId>,
) -> Result<Option<EncounterId>, CoreError> {
    let Some(key) = key else { return Ok(None) };
    if let Some(id) = record_encounters.get(key) {
        return Ok(Some(*id));
    }
    let Some(link) = links::find_by_reference(tx.conn(), key)? else {
        return Ok(None);
    };
    if link.entity.as_deref() != Some(entity::ENCOUNTER) {
        return Ok(None);
    }
    let Some(id) = link.entity_ids.first().and_then(|i| i.parse().ok()) else {
        return Ok(None);
    };
    let e = notes::get_encounter(tx.conn(), id)?;
    Ok((crate::merge::resolve(tx.conn(), e.patient_id)? == w.patient).then_some(id))
}

const SOURCE_ERROR: &str = "entered in error at the source (FHIR import)";
const REPLACED: &str = "replaced by a corrected version from a FHIR import";

/// Vital signs and results.
pub(crate) fn observations(
    tx: &mut WriteTx<'_>,
    w: &mut Writer<'_, '_, '_>,
    record: &PatientRecord,
    record_encounters: &HashMap<String, EncounterId>,
) -> Result<(), Stop> {
    for item in &record.observations {
        let resource = stored_resource(item.original.as_ref(), false);
        let (new, valid) = match normalize::observation(&item.value) {
            Ok(v) => v,
            Err(e) => {
                keep(tx, w, &item.fhir, &resource, &not_valid(&e))?;
                continue;
            }
        };
        let Some(found) = w.target(tx.conn(), &item.fhir, entity::OBSERVATION, true)? else {
            continue;
        };
        let old_ids: Vec<String> = match &found {
            Found::Link(l) if l.entity.is_some() => l.entity_ids.clone(),
            Found::Native { id, .. } => vec![id.clone()],
            _ => Vec::new(),
        };
        let mut old = Vec::with_capacity(old_ids.len());
        for id in &old_ids {
            let id: ObservationId = id
                .parse()
                .map_err(|_| CoreError::Corrupt("FHIR link entity".into()))?;
            old.push(observations::get(tx.conn(), id)?);
        }
        let write_new =
            |tx: &mut WriteTx<'_>, w: &Writer<'_, '_, '_>| -> Result<Vec<String>, CoreError> {
                let encounter = encounter_of(tx, w, new.encounter.as_deref(), record_encounters)?;
                let mut ids = Vec::with_capacity(valid.len());
                for v in &valid {
                    let id = ObservationId::new();
                    observations::insert_valid(tx, w.caller, id, w.patient, encounter, v)?;
                    if new.status == ObservationStatus::EnteredInError {
                        let stored = observations::get(tx.conn(), id)?;
                        observations::set_status_in(tx, &stored, new.status, SOURCE_ERROR)?;
                    }
                    ids.push(id.to_string());
                }
                Ok(ids)
            };
        if old.is_empty() {
            let ids = write_new(tx, w)?;
            bump(&mut w.counts.created, "observations", ids.len() as u32);
            save(
                tx,
                w,
                link_of(&found),
                &item.fhir,
                resource,
                Some(entity::OBSERVATION),
                ids,
                Some(to_value(&new)?),
                "",
            )?;
            w.fate(&item.fhir.key, Fate::Imported);
            continue;
        }
        let refs: Vec<_> = old.iter().collect();
        let baseline: ObservationItem = match link_of(&found).and_then(remembered) {
            Some(b) => b,
            None => match rows::observation_item(&refs, None, None) {
                Some(b) => b,
                None => continue,
            },
        };
        if rows::same_observation(&baseline, &new) {
            w.fate(&item.fhir.key, Fate::Unchanged);
            continue;
        }
        let ids = if baseline.values != new.values || baseline.panel != new.panel {
            for o in old
                .iter()
                .filter(|o| o.status != ObservationStatus::EnteredInError)
            {
                observations::set_status_in(tx, o, ObservationStatus::EnteredInError, REPLACED)?;
            }
            write_new(tx, w)?
        } else {
            let reason = if new.status == ObservationStatus::EnteredInError {
                SOURCE_ERROR
            } else {
                ""
            };
            for o in old.iter().filter(|o| o.status != new.status) {
                observations::set_status_in(tx, o, new.status, reason)?;
            }
            old_ids
        };
        bump(&mut w.counts.updated, "observations", 1);
        save(
            tx,
            w,
            link_of(&found),
            &item.fhir,
            resource,
            Some(entity::OBSERVATION),
            ids,
            Some(to_value(&new)?),
            "",
        )?;
        w.fate(&item.fhir.key, Fate::Updated);
    }
    Ok(())
}

/// Documents (DocumentReference, DiagnosticReport's presented form).
pub(crate) fn documents(
    tx: &mut WriteTx<'_>,
    w: &mut Writer<'_, '_, '_>,
    record: &PatientRecord,
) -> Result<(), Stop> {
    for item in &record.documents {
        let (new, valid) = match normalize::document(&item.value) {
            Ok(v) => v,
            Err(e) => {
                let resource = stored_resource(item.original.as_ref(), false);
                keep(tx, w, &item.fhir, &resource, &not_valid(&e))?;
                continue;
            }
        };
        let resource = stored_resource(item.original.as_ref(), true);
        let Some(found) = w.target(tx.conn(), &item.fhir, entity::DOCUMENT, true)? else {
            continue;
        };
        let write_new =
            |tx: &mut WriteTx<'_>, w: &Writer<'_, '_, '_>| -> Result<String, CoreError> {
                let id = DocumentId::new();
                documents::insert_upload(tx, w.caller, id, w.patient, &valid)?;
                if new.status == DocumentStatus::EnteredInError {
                    let info = documents::get_info(tx.conn(), id)?;
                    documents::set_status_in(tx, &info, new.status, SOURCE_ERROR)?;
                }
                Ok(id.to_string())
            };
        let Some(id) = linked_id(&found, entity::DOCUMENT) else {
            let id = write_new(tx, w)?;
            bump(&mut w.counts.created, "documents", 1);
            save(
                tx,
                w,
                link_of(&found),
                &item.fhir,
                resource,
                Some(entity::DOCUMENT),
                vec![id],
                Some(to_value(&new)?),
                "",
            )?;
            w.fate(&item.fhir.key, Fate::Imported);
            continue;
        };
        let document_id: DocumentId = id
            .parse()
            .map_err(|_| CoreError::Corrupt("FHIR link entity".into()))?;
        let info = documents::get_info(tx.conn(), document_id)?;
        let baseline: DocumentItem = match link_of(&found).and_then(remembered) {
            Some(b) => b,
            None => rows::document_item(
                &info,
                &rows::document_content(tx.conn(), document_id)?,
                false,
            ),
        };
        if baseline == new {
            w.fate(&item.fhir.key, Fate::Unchanged);
            continue;
        }
        let same_but_status = DocumentItem {
            status: new.status,
            ..baseline.clone()
        } == new;
        let id = if same_but_status {
            if info.status != new.status {
                let reason = if new.status == DocumentStatus::EnteredInError {
                    SOURCE_ERROR
                } else {
                    ""
                };
                documents::set_status_in(tx, &info, new.status, reason)?;
            }
            id
        } else {
            if info.status != DocumentStatus::EnteredInError {
                documents::set_status_in(tx, &info, DocumentStatus::EnteredInError, REPLACED)?;
            }
            write_new(tx, w)?
        };
        bump(&mut w.counts.updated, "documents", 1);
        save(
            tx,
            w,
            link_of(&found),
            &item.fhir,
            resource,
            Some(entity::DOCUMENT),
            vec![id],
            Some(to_value(&new)?),
            "",
        )?;
        w.fate(&item.fhir.key, Fate::Updated);
    }
    Ok(())
}

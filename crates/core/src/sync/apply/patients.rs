//! Patients from other devices: registrations (with duplicate detection),
//! demographics merged per field by HLC with identity-field conflicts sent to
//! review, restriction (last writer wins), care team (last add/remove per staff
//! member wins), merges, and conflict resolutions.
//!
//! Possible duplicates: two registrations under the same key (folded name and
//! date of birth *as registered*: later edits do not matter, so every device
//! decides alike) go to review unless either registering device already held the
//! other (its op lists it in `known`: staff saw it when registering, confirmed it
//! is someone else, or it no longer matched). Email or phone alone are not
//! enough: families share them.
//!
//! Identity-field conflicts: the later clock is shown (every device picks the
//! same) and each concurrent pair of edits goes to `sync_conflict` for a human
//! (which pairs: [`super::identity`]).
use super::{exists, identity, is_newest, is_newest_matching, malformed, Incoming};
use crate::registry::{self, detail_map, field_clock, insert_patient_rows, write_patient_rows};
use crate::sync::conflicts;
use crate::CoreError;
use clinic_protocol::{Hlc, OpKind, PatientDetails, PatientId};
use rusqlite::{params, Connection};
use serde_json::{Map, Value};

/// Fields whose concurrent edits need a human (DESIGN.md §5).
pub const IDENTITY_FIELDS: [&str; 4] = ["given_name", "family_name", "date_of_birth", "sex"];
const NAME_FIELDS: [&str; 3] = ["given_name", "middle_name", "family_name"];

pub fn register(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: PatientId = inc.entity()?;
    if exists(conn, "patient", inc.entity_id())? {
        return Ok(());
    }
    let details: PatientDetails = inc.parse("details")?;
    let mrn = inc.text("mrn")?;
    // Builds before 0013 did not say which same-key patients they knew: none.
    let known: Vec<String> = match inc.field("known") {
        Value::Null => Vec::new(),
        _ => inc.parse("known")?,
    };
    let key = registry::registration_key(&details);
    let others = registry::registered_as(conn, &key)?;
    insert_patient_rows(
        conn,
        id,
        mrn,
        &details,
        &known,
        &inc.hlc().to_string(),
        &inc.at,
    )?;
    for other in others {
        let concurrent = !known.contains(&other) && !knew(conn, &other, inc.entity_id())?;
        if concurrent && !merged(conn, &other)? {
            conflicts::record_duplicate(conn, inc.entity_id(), &other, &inc.at)?;
        }
    }
    Ok(())
}

/// Whether `patient` was registered on a device that already held `other`.
fn knew(conn: &Connection, patient: &str, other: &str) -> Result<bool, CoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM registration_key, json_each(known)
             WHERE patient_id = ?1 AND json_each.value = ?2)",
        )?
        .query_row(params![patient, other], |r| r.get(0))?)
}

fn merged(conn: &Connection, patient: &str) -> Result<bool, CoreError> {
    Ok(conn
        .prepare_cached("SELECT merged_into IS NOT NULL FROM patient WHERE id = ?1")?
        .query_row([patient], |r| r.get(0))?)
}

fn clock_of(text: &str) -> Result<Hlc, CoreError> {
    text.parse()
        .map_err(|_| CoreError::Corrupt("patient field clock".into()))
}

/// Sets `fields` on the patient where the op's clock is later than the field's
/// (per-field last-writer-wins). The row is rewritten only when a value changed.
fn merge_fields(
    conn: &Connection,
    inc: &Incoming<'_>,
    id: PatientId,
    fields: &Map<String, Value>,
) -> Result<(), CoreError> {
    let current = registry::get_patient(conn, id)?;
    let mut values = detail_map(&current.details);
    let mut clock = field_clock(conn, id)?;
    let mut changed = false;
    let mut names_changed = false;
    for (field, value) in fields {
        let local = values
            .get(field)
            .cloned()
            .ok_or_else(|| malformed(inc, field))?;
        let newer = match clock.get(field) {
            Some(c) => clock_of(c)? < *inc.hlc(),
            None => true,
        };
        if newer {
            clock.insert(field.clone(), inc.hlc().to_string());
            if local != *value {
                values.insert(field.clone(), value.clone());
                changed = true;
                names_changed |= NAME_FIELDS.contains(&field.as_str());
            }
        }
    }
    let details: PatientDetails =
        serde_json::from_value(Value::Object(values)).map_err(|_| malformed(inc, "fields"))?;
    if changed {
        write_patient_rows(conn, id, &details, &clock, names_changed, &inc.at)?;
    } else {
        conn.prepare_cached("UPDATE patient_detail SET field_clock = ?2 WHERE patient_id = ?1")?
            .execute(params![
                id.to_string(),
                serde_json::to_string(&clock).unwrap_or_default()
            ])?;
    }
    Ok(())
}

pub fn set_fields(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: PatientId = inc.entity()?;
    let fields = inc
        .field("fields")
        .as_object()
        .ok_or_else(|| malformed(inc, "fields"))?;
    merge_fields(conn, inc, id, fields)?;
    for field in IDENTITY_FIELDS {
        if fields.contains_key(field) {
            identity::record_pairs(conn, inc, field)?;
        }
    }
    Ok(())
}

pub fn resolve_conflict(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: PatientId = inc.entity()?;
    let conflict_id = inc.text("conflict_id")?;
    let resolution = inc.text("resolution")?;
    if let Some(field) = inc.opt_text("field")? {
        let mut fields = Map::new();
        fields.insert(field.to_string(), inc.field("value").clone());
        merge_fields(conn, inc, id, &fields)?;
    }
    conflicts::close(conn, conflict_id, resolution, &inc.at)
}

pub fn set_restriction(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let restricted = inc.flag("restricted")?;
    let category = inc.opt_text("category")?;
    if restricted && category.is_none_or(str::is_empty) {
        return Err(malformed(inc, "category"));
    }
    if !exists(conn, "patient", inc.entity_id())? {
        return Err(CoreError::NotFound("patient"));
    }
    if !is_newest(conn, inc, &[OpKind::SetPatientRestriction])? {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO patient_restriction (patient_id, restricted, category, updated_at, updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (patient_id) DO UPDATE SET restricted = excluded.restricted,
            category = excluded.category, updated_at = excluded.updated_at,
            updated_by = excluded.updated_by",
    )?
    .execute(params![
        inc.entity_id(),
        restricted,
        category,
        inc.at,
        inc.actor_id
    ])?;
    Ok(())
}

pub fn care_team(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let staff = inc.text("staff_id")?;
    if !care_team_is_newest(conn, inc)? {
        return Ok(());
    }
    let active = inc.op().kind == OpKind::AddCareTeamMember;
    conn.prepare_cached(
        "INSERT INTO care_team_member (patient_id, staff_id, active, updated_at, updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (patient_id, staff_id) DO UPDATE SET active = excluded.active,
            updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )?
    .execute(params![
        inc.entity_id(),
        staff,
        active,
        inc.at,
        inc.actor_id
    ])?;
    Ok(())
}

pub fn merge(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let merged: PatientId = inc.entity()?;
    let survivor: PatientId = inc.id("survivor_id")?;
    if survivor == merged {
        return Err(malformed(inc, "survivor_id"));
    }
    let already: Option<String> = conn
        .prepare_cached("SELECT merged_into FROM patient WHERE id = ?1")?
        .query_row([merged.to_string()], |r| r.get(0))?;
    if already.is_some() {
        return Ok(()); // merged here already (the first merge wins)
    }
    // The survivor may itself have been merged since: follow its redirect.
    let survivor = crate::merge::resolve(conn, survivor)?;
    crate::merge::move_records(conn, survivor, merged, &inc.at)?;
    Ok(())
}

/// Care-team ops of one staff member on one patient: last add/remove by HLC wins.
fn care_team_is_newest(conn: &Connection, inc: &Incoming<'_>) -> Result<bool, CoreError> {
    let staff = inc.text("staff_id")?;
    is_newest_matching(
        conn,
        inc,
        &[OpKind::AddCareTeamMember, OpKind::RemoveCareTeamMember],
        Some(("staff_id", staff)),
    )
}

//! The FHIR links (`fhir_link`, migration 0014): one row per imported resource,
//! with the keys a re-import matches it by and the local rows it became.
//!
//! Matching (what makes a re-import update instead of duplicate), in order:
//! 1. a business identifier `Type|system|value` (only identifiers with both a
//!    system and a value, and only those no other resource of the same input
//!    carries: an identifier two resources share identifies neither);
//! 2. a `urn:uuid:`/`urn:oid:` full URL (globally unique by construction);
//! 3. the id, `Type/id` — unless the resource and the link both carry an
//!    identifier of the same system with different values (two systems that
//!    both number from 1 do not make two patients one);
//! 4. an id that is the UUID of a local row of the right kind (a record this
//!    clinic exported itself).
//!
//! Every write of a link records one `save_fhir_resource` op carrying the whole
//! link, and [`write_rows`] is shared with sync's applier, so every device holds
//! the same links and matches re-imports alike.
use crate::CoreError;
use clinic_fhir::{FhirIdentity, Identifier};
use clinic_protocol::{EntityKind, OpKind, PatientId};
use clinic_store::WriteTx;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;

/// What a resource became here (`fhir_link.entity`).
pub(crate) mod entity {
    pub const PATIENT: &str = "patient";
    pub const INSURANCE: &str = "insurance";
    pub const NO_KNOWN_ALLERGIES: &str = "no_known_allergies";
    pub const CHART_ENTRY: &str = "chart_entry";
    pub const ENCOUNTER: &str = "encounter";
    pub const OBSERVATION: &str = "observation";
    pub const DOCUMENT: &str = "document";
}

/// A whole link: the row, its keys and its local rows. Also the payload of the
/// `save_fhir_resource` op (do not rename fields: other devices parse them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Link {
    #[serde(skip)]
    pub id: String,
    pub resource_type: String,
    pub fhir: FhirIdentity,
    pub patient_id: Option<PatientId>,
    /// One of [`entity`]; `None`: kept as JSON.
    pub entity: Option<String>,
    pub entity_ids: Vec<String>,
    pub keys: Vec<String>,
    /// The domain value as last imported (normalised).
    pub value: Option<Value>,
    pub reason: String,
    pub resource: Value,
}

impl Link {
    pub fn new_id() -> String {
        uuid::Uuid::now_v7().to_string()
    }
}

/// `Type|system|value`.
pub(crate) fn identifier_key(resource_type: &str, i: &Identifier) -> String {
    format!("{resource_type}|{}|{}", i.system, i.value)
}

fn usable(i: &Identifier) -> bool {
    !i.system.trim().is_empty() && !i.value.trim().is_empty()
}

/// The identifier keys of a resource (usable identifiers only).
pub(crate) fn identifier_keys(fhir: &FhirIdentity) -> Vec<String> {
    let mut keys: Vec<String> = fhir
        .identifiers
        .iter()
        .filter(|i| usable(i))
        .map(|i| identifier_key(&fhir.resource_type, i))
        .collect();
    keys.dedup();
    keys
}

fn urn_key(fhir: &FhirIdentity) -> Option<String> {
    fhir.full_url
        .as_deref()
        .filter(|u| u.starts_with("urn:uuid:") || u.starts_with("urn:oid:"))
        .map(str::to_string)
}

fn id_key(fhir: &FhirIdentity) -> Option<String> {
    fhir.id
        .as_deref()
        .map(|id| format!("{}/{id}", fhir.resource_type))
}

/// The keys stored for a resource: identifiers not `shared` in its input, the
/// URN full URL and the id.
pub(crate) fn keys_for(fhir: &FhirIdentity, shared: &HashSet<String>) -> Vec<String> {
    let mut keys: Vec<String> = identifier_keys(fhir)
        .into_iter()
        .filter(|k| !shared.contains(k))
        .collect();
    keys.extend(urn_key(fhir));
    keys.extend(id_key(fhir));
    keys
}

fn read(conn: &Connection, id: &str) -> Result<Option<Link>, CoreError> {
    let row = conn
        .prepare_cached(
            "SELECT resource_type, fhir, patient_id, entity, value, reason, resource
             FROM fhir_link WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .optional()?;
    let Some((resource_type, fhir, patient, entity, value, reason, resource)) = row else {
        return Ok(None);
    };
    let bad = || CoreError::Corrupt("FHIR link".into());
    let keys = conn
        .prepare_cached(
            "SELECT match_key FROM fhir_link_key WHERE link_id = ?1 ORDER BY match_key",
        )?
        .query_map([id], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let entity_ids = conn
        .prepare_cached(
            "SELECT entity_id FROM fhir_link_entity WHERE link_id = ?1 ORDER BY position",
        )?
        .query_map([id], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Link {
        id: id.to_string(),
        resource_type,
        fhir: serde_json::from_str(&fhir).map_err(|_| bad())?,
        patient_id: patient.map(|p| p.parse().map_err(|_| bad())).transpose()?,
        entity,
        entity_ids,
        keys,
        value: value
            .map(|v| serde_json::from_str(&v).map_err(|_| bad()))
            .transpose()?,
        reason,
        resource: serde_json::from_str(&resource).map_err(|_| bad())?,
    }))
}

/// The earliest link holding `key` (links are UUIDv7: the earliest import wins
/// when two devices imported the same resource concurrently).
fn by_key(conn: &Connection, key: &str) -> Result<Option<Link>, CoreError> {
    let id: Option<String> = conn
        .prepare_cached(
            "SELECT link_id FROM fhir_link_key WHERE match_key = ?1 ORDER BY link_id LIMIT 1",
        )?
        .query_row([key], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => read(conn, &id),
        None => Ok(None),
    }
}

/// Whether two identities contradict: an identifier system both have, with
/// different values.
fn contradicts(a: &FhirIdentity, b: &FhirIdentity) -> bool {
    a.identifiers.iter().filter(|i| usable(i)).any(|i| {
        let same_system: Vec<&Identifier> = b
            .identifiers
            .iter()
            .filter(|j| usable(j) && j.system == i.system)
            .collect();
        !same_system.is_empty() && same_system.iter().all(|j| j.value != i.value)
    })
}

/// The link a resource matches (see the module header, steps 1–3), if any.
pub(crate) fn find(
    conn: &Connection,
    fhir: &FhirIdentity,
    shared: &HashSet<String>,
) -> Result<Option<Link>, CoreError> {
    for key in identifier_keys(fhir) {
        if shared.contains(&key) {
            continue;
        }
        if let Some(link) = by_key(conn, &key)? {
            return Ok(Some(link));
        }
    }
    for key in urn_key(fhir).into_iter().chain(id_key(fhir)) {
        if let Some(link) = by_key(conn, &key)? {
            if !contradicts(fhir, &link.fhir) {
                return Ok(Some(link));
            }
        }
    }
    Ok(None)
}

/// The link found by one key as written in a reference (`Patient/1`,
/// `urn:uuid:…`, `Patient?identifier=system|value`).
pub(crate) fn find_by_reference(conn: &Connection, key: &str) -> Result<Option<Link>, CoreError> {
    if let Some((resource_type, query)) = key.split_once("?identifier=") {
        let Some((system, value)) = query.split_once('|') else {
            return Ok(None);
        };
        let i = Identifier {
            system: system.to_string(),
            value: value.to_string(),
        };
        return by_key(conn, &identifier_key(resource_type, &i));
    }
    by_key(conn, key)
}

/// The link of a local row, if it came from FHIR.
pub(crate) fn by_entity(
    conn: &Connection,
    entity: &str,
    entity_id: &str,
) -> Result<Option<Link>, CoreError> {
    let id: Option<String> = conn
        .prepare_cached(
            "SELECT link_id FROM fhir_link_entity WHERE entity = ?1 AND entity_id = ?2
             ORDER BY link_id LIMIT 1",
        )?
        .query_row(params![entity, entity_id], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => read(conn, &id),
        None => Ok(None),
    }
}

/// The links of resources kept as JSON for these patients (or the clinic-level
/// ones, for `None`), oldest first.
pub(crate) fn kept(
    conn: &Connection,
    patients: Option<&[PatientId]>,
) -> Result<Vec<Link>, CoreError> {
    let ids: Vec<String> = match patients {
        Some(ps) => {
            let list = serde_json::to_string(&ps.iter().map(|p| p.to_string()).collect::<Vec<_>>())
                .unwrap_or_else(|_| "[]".into());
            conn.prepare_cached(
                "SELECT id FROM fhir_link WHERE entity IS NULL
                   AND patient_id IN (SELECT value FROM json_each(?1)) ORDER BY id",
            )?
            .query_map([list], |r| r.get::<_, String>(0))?
            .collect::<Result<_, _>>()?
        }
        None => conn
            .prepare_cached(
                "SELECT id FROM fhir_link WHERE entity IS NULL AND patient_id IS NULL ORDER BY id",
            )?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<_, _>>()?,
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(read(conn, &id)?);
    }
    Ok(out)
}

/// The first link of kind `what` naming one of these patients (the patient's
/// own resource, insurance or "no known allergies" statement).
pub(crate) fn patient_link(
    conn: &Connection,
    patients: &[PatientId],
    what: &str,
) -> Result<Option<Link>, CoreError> {
    for p in patients {
        if let Some(link) = by_entity(conn, what, &p.to_string())? {
            return Ok(Some(link));
        }
    }
    Ok(None)
}

/// Records `link` (one `save_fhir_resource` op) and writes its rows.
pub(crate) fn save(tx: &mut WriteTx<'_>, link: &Link) -> Result<(), CoreError> {
    let payload =
        serde_json::to_value(link).map_err(|_| CoreError::Corrupt("FHIR link payload".into()))?;
    tx.record(
        OpKind::SaveFhirResource,
        EntityKind::FhirResource,
        &link.id,
        payload,
    )?;
    write_rows(tx.conn(), link, &tx.now_rfc3339())
}

/// Inserts or replaces a link's rows (keys and local rows replaced whole).
/// Shared with sync's applier.
pub(crate) fn write_rows(conn: &Connection, link: &Link, now: &str) -> Result<(), CoreError> {
    let fhir = serde_json::to_string(&link.fhir)
        .map_err(|_| CoreError::Corrupt("FHIR link identity".into()))?;
    conn.prepare_cached(
        "INSERT INTO fhir_link (id, resource_type, fhir, patient_id, entity, value, reason,
            resource, imported_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
         ON CONFLICT (id) DO UPDATE SET resource_type = excluded.resource_type,
            fhir = excluded.fhir, patient_id = excluded.patient_id, entity = excluded.entity,
            value = excluded.value, reason = excluded.reason, resource = excluded.resource,
            updated_at = excluded.updated_at",
    )?
    .execute(params![
        link.id,
        link.resource_type,
        fhir,
        link.patient_id.map(|p| p.to_string()),
        link.entity,
        link.value.as_ref().map(|v| v.to_string()),
        link.reason,
        link.resource.to_string(),
        now,
    ])?;
    conn.prepare_cached("DELETE FROM fhir_link_key WHERE link_id = ?1")?
        .execute([&link.id])?;
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO fhir_link_key (match_key, link_id) VALUES (?1, ?2)",
    )?;
    for key in &link.keys {
        stmt.execute(params![key, link.id])?;
    }
    conn.prepare_cached("DELETE FROM fhir_link_entity WHERE link_id = ?1")?
        .execute([&link.id])?;
    if let Some(entity) = &link.entity {
        let mut stmt = conn.prepare_cached(
            "INSERT OR IGNORE INTO fhir_link_entity (entity, entity_id, link_id, position)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (i, e) in link.entity_ids.iter().enumerate() {
            stmt.execute(params![entity, e, link.id, i as i64])?;
        }
    }
    Ok(())
}

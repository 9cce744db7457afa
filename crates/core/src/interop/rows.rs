//! A patient's stored rows as the FHIR crate's domain values: what export
//! writes, and the baseline a re-import compares with when a row has no link
//! yet (a record this clinic created and exported itself).
//!
//! Read-only, unaudited: the callers (export, import) audit what they do.
use super::normalize;
use crate::{chart, documents, notes, observations, CoreError};
use clinic_fhir::{ChartItem, DocumentItem, EncounterItem, ObservationItem};
use clinic_protocol::{
    ChartEntry, ChartEntryId, DocumentId, DocumentInfo, Encounter, EncounterId, NewObservation,
    Observation, ObservationId, ObservationStatus, PatientId,
};
use rusqlite::Connection;

/// The patient and every record merged into it (directly or through others).
pub(crate) fn merged_set(
    conn: &Connection,
    patient: PatientId,
) -> Result<Vec<PatientId>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE merged(id) AS (
             SELECT ?1
             UNION SELECT p.id FROM patient p JOIN merged m ON p.merged_into = m.id
         )
         SELECT id FROM merged",
    )?;
    let ids = stmt.query_map([patient.to_string()], |r| r.get::<_, String>(0))?;
    let mut out = vec![patient];
    for id in ids {
        let id: PatientId = id?
            .parse()
            .map_err(|_| CoreError::Corrupt("patient id".into()))?;
        if id != patient {
            out.push(id);
        }
    }
    Ok(out)
}

fn ids<T: std::str::FromStr>(
    conn: &Connection,
    sql: &str,
    patient: PatientId,
) -> Result<Vec<T>, CoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([patient.to_string()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for id in rows {
        out.push(
            id?.parse()
                .map_err(|_| CoreError::Corrupt("row id".into()))?,
        );
    }
    Ok(out)
}

/// Every chart entry of the patient (any status), oldest first.
pub(crate) fn chart_entries(
    conn: &Connection,
    patient: PatientId,
) -> Result<Vec<ChartEntry>, CoreError> {
    let list: Vec<ChartEntryId> = ids(
        conn,
        "SELECT id FROM chart_entry WHERE patient_id = ?1 ORDER BY recorded_at, id",
        patient,
    )?;
    list.into_iter()
        .map(|id| chart::get_entry(conn, id))
        .collect()
}

pub(crate) fn encounters(
    conn: &Connection,
    patient: PatientId,
) -> Result<Vec<Encounter>, CoreError> {
    let list: Vec<EncounterId> = ids(
        conn,
        "SELECT id FROM encounter WHERE patient_id = ?1 ORDER BY started_at, id",
        patient,
    )?;
    list.into_iter()
        .map(|id| notes::get_encounter(conn, id))
        .collect()
}

pub(crate) fn observations(
    conn: &Connection,
    patient: PatientId,
) -> Result<Vec<Observation>, CoreError> {
    let list: Vec<ObservationId> = ids(
        conn,
        "SELECT id FROM observation WHERE patient_id = ?1 ORDER BY effective_at, id",
        patient,
    )?;
    list.into_iter()
        .map(|id| observations::get(conn, id))
        .collect()
}

pub(crate) fn documents(
    conn: &Connection,
    patient: PatientId,
) -> Result<Vec<DocumentInfo>, CoreError> {
    let list: Vec<DocumentId> = ids(
        conn,
        "SELECT id FROM document WHERE patient_id = ?1 ORDER BY recorded_at, id",
        patient,
    )?;
    list.into_iter()
        .map(|id| documents::get_info(conn, id))
        .collect()
}

/// A document's stored bytes.
pub(crate) fn document_content(conn: &Connection, id: DocumentId) -> Result<Vec<u8>, CoreError> {
    Ok(conn
        .prepare_cached("SELECT content FROM document WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))?)
}

/// An entry as a chart item; `recorded_at` is the source's when it came from
/// FHIR (`imported`), else when it was recorded here.
pub(crate) fn chart_item(e: &ChartEntry, imported: Option<&ChartItem>) -> ChartItem {
    ChartItem {
        details: e.details.clone(),
        status: e.status,
        status_reason: e.status_reason.clone(),
        recorded_at: imported
            .map(|i| i.recorded_at.clone())
            .unwrap_or_else(|| e.recorded_at.clone()),
    }
}

/// What a re-import compares for a chart entry (the time it was recorded at
/// the source is information, not something the chart changes).
pub(crate) fn same_chart(a: &ChartItem, b: &ChartItem) -> bool {
    a.details == b.details && a.status == b.status && a.status_reason == b.status_reason
}

pub(crate) fn encounter_item(e: &Encounter) -> EncounterItem {
    EncounterItem {
        encounter_type: e.encounter_type,
        reason: e.reason.clone(),
        started_at: e.started_at.clone(),
        status: e.status,
    }
}

/// One stored value as entered (the number and unit as written, in the
/// stored form).
pub(crate) fn observation_value(o: &Observation) -> NewObservation {
    NewObservation {
        code: o.code.clone(),
        value: o.entered_value.to_string(),
        unit: o.entered_unit.clone(),
        effective_at: o.effective_at.clone(),
        source: o.source.clone(),
    }
}

/// Stored values as one result: the panel and encounter come from what was
/// imported (`imported`), the values and status from the rows (a panel is
/// entered in error when any of its values is).
pub(crate) fn observation_item(
    rows: &[&Observation],
    imported: Option<&ObservationItem>,
    encounter: Option<String>,
) -> Option<ObservationItem> {
    let first = rows.first()?;
    let status = if rows
        .iter()
        .any(|o| o.status == ObservationStatus::EnteredInError)
    {
        ObservationStatus::EnteredInError
    } else {
        ObservationStatus::Final
    };
    Some(ObservationItem {
        category: first.category,
        status,
        panel: imported.and_then(|i| i.panel.clone()),
        values: rows.iter().map(|o| observation_value(o)).collect(),
        encounter,
    })
}

/// What a re-import compares for a result (the encounter it belongs to is
/// fixed once recorded).
pub(crate) fn same_observation(a: &ObservationItem, b: &ObservationItem) -> bool {
    a.values == b.values && a.status == b.status && a.panel == b.panel
}

/// A stored document; `content`: the bytes (export), or `None` for the form a
/// link remembers (the content's hash).
pub(crate) fn document_item(info: &DocumentInfo, bytes: &[u8], with_content: bool) -> DocumentItem {
    use base64::Engine;
    DocumentItem {
        document_type: info.document_type,
        title: info.title.clone(),
        document_date: info.document_date.clone(),
        author: info.author.clone(),
        source: info.source.clone(),
        file_name: info.file_name.clone(),
        media_type: info.media_type.clone(),
        content_base64: if with_content {
            base64::engine::general_purpose::STANDARD.encode(bytes)
        } else {
            normalize::content_key(bytes)
        },
        status: info.status,
    }
}

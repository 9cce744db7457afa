//! Chart items from other devices: allergies/medications/problems/plans,
//! encounters, notes, observations, documents and shares. Rows are written with
//! the domain modules' own row helpers, stamped with the op's actor (`_actor`) and
//! time ([`Incoming::at`]), so they equal what the originating device wrote.
//!
//! Policies (DESIGN.md §5):
//! - creations (entry, encounter, note, observation, document) are add-wins and
//!   idempotent: inserted when absent, otherwise nothing. A creation for a patient
//!   merged since lands on the surviving record (`merge::resolve`), as it would
//!   have been moved there had it arrived before the merge;
//! - changes (entry details, entry status, encounter status, observation and
//!   document status, draft text) are last-writer-wins by HLC, each kind on its
//!   own (a details edit and a concurrent status change both stay). Every change
//!   op bumps the row's version — an older one changes no value — so devices
//!   agree on versions once they hold the same ops (the originating device bumped
//!   it too). `updated_at` is the latest change's time. An entry's history gets
//!   one version row per change op (the entry as it stands after it);
//! - removal is a status, never a delete;
//! - a signed note never changes: a draft update arriving after the sign, or a
//!   second sign, is a no-op. A sign carries what was signed and writes exactly
//!   that (title, text, time, version), so a draft update that reached a device
//!   before the sign cannot change the signed text there. Amendments are new
//!   notes pointing at the original (plain creations);
//! - "no known allergies" is last-writer-wins among its statements, and holds only
//!   while no allergy was recorded later (by HLC) — locally, recording an allergy
//!   clears it, and a statement is refused while an allergy is active;
//! - a share is last-writer-wins per (document, staff member) (a re-share
//!   replaces the note). Notifications are their own ops (`admin.rs`).
//!
//! Payload fields added for this (additive; old keys kept):
//! - `record_observation`: `category`, `ref_low`, `ref_high` (the recording
//!   device's catalogue; without them this device's catalogue is used);
//! - `sign_note`: `title`, `content` (what was signed; without them the draft
//!   as it stands here is signed);
//! - `add_chart_entry`: `status_reason` (an imported entry recorded with a
//!   status other than active; absent: none).
//!
//! A document's bytes travel base64 in `upload_document` and are checked against
//! its `sha256`; the searchable text is extracted again here (derived data).
use super::{exists, is_newest, is_newest_matching, malformed, Incoming};
use crate::{chart, documents, notes, observations, CoreError};
use base64::Engine;
use clinic_protocol::{
    AbnormalFlag, ChartEntry, ChartEntryDetails, ChartEntryId, ChartEntryKind, ClinicalNote,
    DocumentId, DocumentInfo, DocumentStatus, DocumentType, Encounter, EncounterId,
    EncounterStatus, EncounterType, EntityKind, EntryStatus, Hlc, NoteContent, NoteId, NoteStatus,
    Observation, ObservationCategory, ObservationId, ObservationStatus, OpKind, PatientId, StaffId,
};
use rusqlite::{params, Connection, ToSql};

fn actor<'a>(inc: &'a Incoming<'_>) -> Option<&'a str> {
    Some(inc.actor_id.as_str())
}

fn number(inc: &Incoming<'_>, key: &str) -> Result<f64, CoreError> {
    inc.field(key).as_f64().ok_or_else(|| malformed(inc, key))
}

/// The latest of the op clocks `sql` selects (one text column of HLCs).
fn latest_clock(
    conn: &Connection,
    sql: &str,
    args: &[&dyn ToSql],
) -> Result<Option<Hlc>, CoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, |r| r.get::<_, String>(0))?;
    let mut latest: Option<Hlc> = None;
    for row in rows {
        let hlc: Hlc = row?
            .parse()
            .map_err(|_| CoreError::Corrupt("stored op clock".into()))?;
        latest = latest.max(Some(hlc));
    }
    Ok(latest)
}

/// The clock of the latest "no known allergies" statement about these patients.
fn latest_statement(conn: &Connection, patients: [&str; 2]) -> Result<Option<Hlc>, CoreError> {
    latest_clock(
        conn,
        "SELECT hlc FROM outbox WHERE kind = ?1 AND entity = ?2 AND entity_id IN (?3, ?4)
         UNION ALL
         SELECT hlc FROM applied_op WHERE kind = ?1 AND entity = ?2 AND entity_id IN (?3, ?4)",
        &[
            &OpKind::SetNoKnownAllergies.as_str(),
            &EntityKind::Patient.as_str(),
            &patients[0],
            &patients[1],
        ],
    )
}

/// The clock of the latest recording of an allergy of `patient`.
fn latest_allergy(conn: &Connection, patient: PatientId) -> Result<Option<Hlc>, CoreError> {
    latest_clock(
        conn,
        "WITH allergy AS (SELECT id FROM chart_entry WHERE patient_id = ?2 AND kind = 'allergy')
         SELECT hlc FROM outbox
         WHERE entity = ?3 AND entity_id IN (SELECT id FROM allergy) AND kind = ?1
         UNION ALL
         SELECT hlc FROM applied_op
         WHERE entity = ?3 AND entity_id IN (SELECT id FROM allergy) AND kind = ?1",
        &[
            &OpKind::AddChartEntry.as_str(),
            &patient.to_string(),
            &EntityKind::ChartEntry.as_str(),
        ],
    )
}

pub fn no_known_allergies(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let stated = inc.flag("no_known_allergies")?;
    let named: PatientId = inc.entity()?;
    let patient = crate::merge::resolve(conn, named)?;
    if !is_newest(conn, inc, &[OpKind::SetNoKnownAllergies])? {
        return Ok(());
    }
    let overtaken = latest_allergy(conn, patient)?.is_some_and(|h| h > *inc.hlc());
    chart::write_allergy_statement(
        conn,
        patient,
        stated && !overtaken,
        &inc.at,
        actor(inc),
        &inc.actor_name,
    )
}

pub fn add_entry(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: ChartEntryId = inc.entity()?;
    let details: ChartEntryDetails = inc.parse("details")?;
    let kind = details.kind();
    let status = match inc.opt_text("status")? {
        None => EntryStatus::Active,
        Some(s) => EntryStatus::parse(s)
            .filter(|s| kind.statuses().contains(s))
            .ok_or_else(|| malformed(inc, "status"))?,
    };
    let named: PatientId = inc.id("patient_id")?;
    if exists(conn, "chart_entry", inc.entity_id())? {
        return Ok(());
    }
    let patient = crate::merge::resolve(conn, named)?;
    let entry = ChartEntry {
        id,
        patient_id: patient,
        status,
        status_reason: inc
            .opt_text("status_reason")?
            .unwrap_or_default()
            .to_string(),
        details,
        recorded_at: inc.at.clone(),
        recorded_by: inc.actor_name.clone(),
        updated_at: inc.at.clone(),
        version: 1,
    };
    chart::insert_entry_row(conn, &entry, actor(inc))?;
    if kind == ChartEntryKind::Allergy {
        let ids = [named.to_string(), patient.to_string()];
        let statement = latest_statement(conn, [&ids[0], &ids[1]])?;
        if statement.is_none_or(|h| h < *inc.hlc()) {
            chart::clear_no_known_allergies(conn, patient)?;
        }
    }
    Ok(())
}

/// `update_chart_entry` (details) and `set_chart_entry_status` (status, reason).
pub fn change_entry(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: ChartEntryId = inc.entity()?;
    let current = chart::get_entry(conn, id)?;
    let kind = current.details.kind();
    let op = inc.op().kind;
    let proposed = if op == OpKind::UpdateChartEntry {
        let details: ChartEntryDetails = inc.parse("details")?;
        if details.kind() != kind {
            return Err(malformed(inc, "details"));
        }
        ChartEntry {
            details,
            ..current.clone()
        }
    } else {
        let status = EntryStatus::parse(inc.text("status")?)
            .filter(|s| kind.statuses().contains(s))
            .ok_or_else(|| malformed(inc, "status"))?;
        let reason = inc.opt_text("reason")?.unwrap_or_default().to_string();
        ChartEntry {
            status,
            status_reason: reason,
            ..current.clone()
        }
    };
    let base = if is_newest(conn, inc, &[op])? {
        proposed
    } else {
        current.clone()
    };
    let next = ChartEntry {
        version: current.version + 1,
        updated_at: current.updated_at.clone().max(inc.at.clone()),
        ..base
    };
    conn.prepare_cached(
        "UPDATE chart_entry SET status = ?2, status_reason = ?3, details = ?4, updated_at = ?5,
            version = ?6
         WHERE id = ?1",
    )?
    .execute(params![
        id.to_string(),
        next.status.as_str(),
        next.status_reason,
        serde_json::to_string(&next.details).map_err(|_| malformed(inc, "details"))?,
        next.updated_at,
        next.version,
    ])?;
    // The history row is stamped with this change's own time and author.
    let version = ChartEntry {
        updated_at: inc.at.clone(),
        ..next
    };
    chart::insert_version_row(conn, &version, actor(inc), &inc.actor_name)
}

pub fn create_encounter(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: EncounterId = inc.entity()?;
    let encounter_type =
        EncounterType::parse(inc.text("type")?).ok_or_else(|| malformed(inc, "type"))?;
    let status = match inc.opt_text("status")? {
        None => EncounterStatus::InProgress,
        Some(s) => EncounterStatus::parse(s).ok_or_else(|| malformed(inc, "status"))?,
    };
    let reason = inc.opt_text("reason")?.unwrap_or_default().to_string();
    let started_at = inc.text("started_at")?.to_string();
    let named: PatientId = inc.id("patient_id")?;
    if exists(conn, "encounter", inc.entity_id())? {
        return Ok(());
    }
    let encounter = Encounter {
        id,
        patient_id: crate::merge::resolve(conn, named)?,
        encounter_type,
        reason,
        started_at,
        status,
        recorded_by: inc.actor_name.clone(),
        version: 1,
    };
    notes::insert_encounter_row(conn, &encounter, actor(inc), &inc.at)
}

pub fn encounter_status(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: EncounterId = inc.entity()?;
    let status =
        EncounterStatus::parse(inc.text("status")?).ok_or_else(|| malformed(inc, "status"))?;
    notes::get_encounter(conn, id)?;
    let wins = is_newest(conn, inc, &[OpKind::SetEncounterStatus])?;
    conn.prepare_cached(
        "UPDATE encounter SET status = CASE WHEN ?2 THEN ?3 ELSE status END,
            updated_at = max(updated_at, ?4), version = version + 1
         WHERE id = ?1",
    )?
    .execute(params![id.to_string(), wins, status.as_str(), inc.at])?;
    Ok(())
}

pub fn create_note(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: NoteId = inc.entity()?;
    let encounter_id: Option<EncounterId> = inc.opt_id("encounter_id")?;
    let amends: Option<NoteId> = inc.opt_id("amends")?;
    let title = inc.text("title")?.to_string();
    let content: NoteContent = inc.parse("content")?;
    let named: PatientId = inc.id("patient_id")?;
    if exists(conn, "clinical_note", inc.entity_id())? {
        return Ok(());
    }
    let patient_id = crate::merge::resolve(conn, named)?;
    if let Some(e) = encounter_id {
        notes::get_encounter(conn, e)?;
    }
    if let Some(original) = amends {
        if !exists(conn, "clinical_note", &original.to_string())? {
            return Err(CoreError::NotFound("note"));
        }
    }
    let note = ClinicalNote {
        id,
        patient_id,
        encounter_id,
        amends,
        title,
        content,
        status: NoteStatus::Draft,
        author_id: Some(inc.actor_id.clone()),
        author_name: inc.actor_name.clone(),
        created_at: inc.at.clone(),
        updated_at: inc.at.clone(),
        signed_at: None,
        version: 1,
        amendments: Vec::new(),
    };
    notes::insert_note_row(conn, &note)
}

/// `update_note_draft` (title, content) and `sign_note`.
pub fn change_note(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: NoteId = inc.entity()?;
    let note = notes::get_note_unaudited(conn, id)?;
    let same_template = |c: &NoteContent| c.template() == note.content.template();
    if inc.op().kind == OpKind::UpdateNoteDraft {
        let title = inc.text("title")?;
        let content: NoteContent = inc.parse("content")?;
        if !same_template(&content) {
            return Err(malformed(inc, "content"));
        }
        if note.status == NoteStatus::Signed {
            return Ok(());
        }
        let wins = is_newest(conn, inc, &[OpKind::UpdateNoteDraft])?;
        let content = serde_json::to_string(&content).map_err(|_| malformed(inc, "content"))?;
        conn.prepare_cached(
            "UPDATE clinical_note SET title = CASE WHEN ?2 THEN ?3 ELSE title END,
                content = CASE WHEN ?2 THEN ?4 ELSE content END,
                updated_at = max(updated_at, ?5), version = version + 1
             WHERE id = ?1 AND status = 'draft'",
        )?
        .execute(params![id.to_string(), wins, title, content, inc.at])?;
        return Ok(());
    }
    let signed_at = inc.opt_text("signed_at")?.unwrap_or(&inc.at).to_string();
    let version = match inc.field("version") {
        serde_json::Value::Null => note.version + 1,
        v => v.as_i64().ok_or_else(|| malformed(inc, "version"))?,
    };
    let signed = match inc.field("content") {
        serde_json::Value::Null => None,
        _ => Some((inc.text("title")?, inc.parse::<NoteContent>("content")?)),
    };
    if signed.as_ref().is_some_and(|(_, c)| !same_template(c)) {
        return Err(malformed(inc, "content"));
    }
    if note.status == NoteStatus::Signed {
        return Ok(());
    }
    let (title, content) = signed.unwrap_or((&note.title, note.content.clone()));
    let content = serde_json::to_string(&content).map_err(|_| malformed(inc, "content"))?;
    conn.prepare_cached(
        "UPDATE clinical_note SET title = ?2, content = ?3, status = 'signed', signed_at = ?4,
            updated_at = ?4, version = ?5
         WHERE id = ?1 AND status = 'draft'",
    )?
    .execute(params![id.to_string(), title, content, signed_at, version])?;
    Ok(())
}

pub fn record_observation(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: ObservationId = inc.entity()?;
    let named: PatientId = inc.id("patient_id")?;
    if exists(conn, "observation", inc.entity_id())? {
        return Ok(());
    }
    let code = inc.text("code")?;
    let known = observations::catalogue::find(code);
    let category = match inc.opt_text("category")? {
        Some(c) => ObservationCategory::parse(c),
        None => known.map(|k| k.category),
    }
    .ok_or_else(|| malformed(inc, "category"))?;
    let payload = &inc.op().payload;
    let reference = |key: &str, fallback: Option<f64>| match payload.get(key) {
        None => Ok(fallback),
        Some(serde_json::Value::Null) => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or_else(|| malformed(inc, key)),
    };
    let ref_low = reference("ref_low", known.and_then(|k| k.reference.0))?;
    let ref_high = reference("ref_high", known.and_then(|k| k.reference.1))?;
    let flag = AbnormalFlag::parse(inc.text("flag")?).ok_or_else(|| malformed(inc, "flag"))?;
    let encounter_id: Option<EncounterId> = inc.opt_id("encounter_id")?;
    let observation = Observation {
        id,
        patient_id: crate::merge::resolve(conn, named)?,
        encounter_id,
        category,
        display: String::new(),
        code: code.to_string(),
        loinc: inc.text("loinc")?.to_string(),
        value: number(inc, "value")?,
        unit: inc.text("unit")?.to_string(),
        entered_value: number(inc, "entered_value")?,
        entered_unit: inc.text("entered_unit")?.to_string(),
        ref_low,
        ref_high,
        flag,
        effective_at: inc.text("effective_at")?.to_string(),
        source: inc.opt_text("source")?.unwrap_or_default().to_string(),
        status: ObservationStatus::Final,
        status_reason: String::new(),
        recorded_by: inc.actor_name.clone(),
        version: 1,
    };
    if let Some(e) = encounter_id {
        notes::get_encounter(conn, e)?;
    }
    observations::insert_row(conn, &observation, &inc.at, actor(inc))
}

pub fn observation_status(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: ObservationId = inc.entity()?;
    let status =
        ObservationStatus::parse(inc.text("status")?).ok_or_else(|| malformed(inc, "status"))?;
    let reason = inc.opt_text("reason")?.unwrap_or_default();
    observations::get(conn, id)?;
    let wins = is_newest(conn, inc, &[OpKind::SetObservationStatus])?;
    conn.prepare_cached(
        "UPDATE observation SET status = CASE WHEN ?2 THEN ?3 ELSE status END,
            status_reason = CASE WHEN ?2 THEN ?4 ELSE status_reason END, version = version + 1
         WHERE id = ?1",
    )?
    .execute(params![id.to_string(), wins, status.as_str(), reason])?;
    Ok(())
}

pub fn upload_document(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: DocumentId = inc.entity()?;
    let document_type =
        DocumentType::parse(inc.text("type")?).ok_or_else(|| malformed(inc, "type"))?;
    let sha256 = inc.text("sha256")?;
    let named: PatientId = inc.id("patient_id")?;
    let text = |key: &str| -> Result<String, CoreError> { Ok(inc.text(key)?.to_string()) };
    let (title, document_date, file_name, media_type) = (
        text("title")?,
        text("document_date")?,
        text("file_name")?,
        text("media_type")?,
    );
    let optional = |key: &str| -> Result<String, CoreError> {
        Ok(inc.opt_text(key)?.unwrap_or_default().to_string())
    };
    let (author, source) = (optional("author")?, optional("source")?);
    if exists(conn, "document", inc.entity_id())? {
        return Ok(());
    }
    let content = base64::engine::general_purpose::STANDARD
        .decode(inc.text("content_base64")?.trim())
        .map_err(|_| malformed(inc, "content_base64"))?;
    if documents::sha256_hex(&content) != sha256 {
        return Err(malformed(inc, "sha256"));
    }
    let searchable = documents::extracted_text(&content);
    let info = DocumentInfo {
        id,
        patient_id: crate::merge::resolve(conn, named)?,
        document_type,
        title,
        document_date,
        author,
        source,
        file_name,
        media_type,
        size: content.len() as i64,
        status: DocumentStatus::Current,
        recorded_at: inc.at.clone(),
        recorded_by: inc.actor_name.clone(),
        searchable: !searchable.is_empty(),
        version: 1,
    };
    let file = documents::Stored {
        sha256,
        content: &content,
        text: &searchable,
    };
    documents::insert_row(conn, &info, &file, actor(inc))
}

pub fn document_status(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: DocumentId = inc.entity()?;
    let status =
        DocumentStatus::parse(inc.text("status")?).ok_or_else(|| malformed(inc, "status"))?;
    let reason = inc.opt_text("reason")?.unwrap_or_default();
    documents::get_info(conn, id)?;
    let wins = is_newest(conn, inc, &[OpKind::SetDocumentStatus])?;
    conn.prepare_cached(
        "UPDATE document SET status = CASE WHEN ?2 THEN ?3 ELSE status END,
            status_reason = CASE WHEN ?2 THEN ?4 ELSE status_reason END, version = version + 1
         WHERE id = ?1",
    )?
    .execute(params![id.to_string(), wins, status.as_str(), reason])?;
    Ok(())
}

pub fn share_document(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id: DocumentId = inc.entity()?;
    let staff: StaffId = inc.id("staff_id")?;
    let note = inc.opt_text("note")?.unwrap_or_default();
    documents::get_info(conn, id)?;
    if !exists(conn, "staff", &staff.to_string())? {
        return Err(CoreError::NotFound("staff member"));
    }
    let staff_key = staff.to_string();
    if !is_newest_matching(
        conn,
        inc,
        &[OpKind::ShareDocument],
        Some(("staff_id", &staff_key)),
    )? {
        return Ok(());
    }
    documents::write_share(conn, id, staff, actor(inc), &inc.actor_name, note, &inc.at)
}

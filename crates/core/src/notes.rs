//! Encounters and clinical notes: drafts saved by their author, signing (after
//! which a note never changes — a trigger enforces it too), amendments (new notes
//! pointing at a signed original, shown with it), and the patient's timeline of
//! encounters with their notes, paged newest first.
//!
//! Invariants: validation before any write; one op + one audit entry (category
//! `chart`, ids and counts only — never note text) in the write's transaction;
//! restricted-patient access checked for the caller; only the author edits or
//! signs a draft; nothing is deleted.
use crate::audit::{self};
use crate::authz::Command;
use crate::restricted::ensure_caller_access;
use crate::validation::Check;
use crate::{Caller, CoreError};
use clinic_protocol::{
    AuditAction, ClinicalNote, CreateEncounter, CreateNote, Encounter, EncounterId,
    EncounterStatus, EncounterType, EntityKind, NoteContent, NoteId, NoteStatus, OpKind,
    SetEncounterStatus, SignNote, TimelineEncounter, TimelinePage, TimelineQuery, UpdateNote,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::json;

pub const MAX_TITLE: usize = 200;
pub const MAX_SECTION: usize = 20_000;
pub const MAX_REASON: usize = 500;
pub const MAX_PAGE_SIZE: u32 = 100;
/// Most notes outside encounters shown on the timeline's first page.
pub const MAX_LOOSE_NOTES: usize = 50;

fn corrupt(what: &str) -> CoreError {
    CoreError::Corrupt(format!("clinical {what}"))
}

// ---------------------------------------------------------------------------
// Encounters

const ENCOUNTER_COLUMNS: &str =
    "id, patient_id, type, reason, started_at, status, recorded_by_name, version";

fn encounter_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Encounter, CoreError>> {
    let (id, patient, kind, status): (String, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(5)?);
    let (Ok(id), Ok(patient_id), Some(encounter_type), Some(status)) = (
        id.parse(),
        patient.parse(),
        EncounterType::parse(&kind),
        EncounterStatus::parse(&status),
    ) else {
        return Ok(Err(corrupt("encounter")));
    };
    Ok(Ok(Encounter {
        id,
        patient_id,
        encounter_type,
        reason: r.get(3)?,
        started_at: r.get(4)?,
        status,
        recorded_by: r.get(6)?,
        version: r.get(7)?,
    }))
}

pub fn get_encounter(conn: &Connection, id: EncounterId) -> Result<Encounter, CoreError> {
    conn.query_row(
        &format!("SELECT {ENCOUNTER_COLUMNS} FROM encounter WHERE id = ?1"),
        [id.to_string()],
        encounter_from_row,
    )
    .optional()?
    .ok_or(CoreError::NotFound("encounter"))?
}

/// Inserts a new encounter row (`e.recorded_by` is the recorder's display name).
/// Shared with sync's applier so both write the same row.
pub(crate) fn insert_encounter_row(
    conn: &Connection,
    e: &Encounter,
    recorded_by: Option<&str>,
    updated_at: &str,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO encounter (id, patient_id, type, reason, started_at, status, recorded_by,
            recorded_by_name, updated_at, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        e.id.to_string(),
        e.patient_id.to_string(),
        e.encounter_type.as_str(),
        e.reason,
        e.started_at,
        e.status.as_str(),
        recorded_by,
        e.recorded_by,
        updated_at,
        e.version,
    ])?;
    Ok(())
}

/// Opens an encounter (status `in_progress`).
pub fn create_encounter(
    store: &mut Store,
    caller: &Caller<'_>,
    request: CreateEncounter,
) -> Result<Encounter, CoreError> {
    let mut c = Check::new();
    let mut reason = request.reason.clone();
    c.text("reason", &mut reason, false, MAX_REASON);
    let started_at = request.started_at.trim().to_string();
    let started = if started_at.is_empty() {
        None
    } else {
        match chrono::DateTime::parse_from_rfc3339(&started_at) {
            Ok(t)
                if t.with_timezone(&chrono::Utc)
                    <= chrono::Utc::now() + chrono::Duration::days(1) =>
            {
                Some(crate::restricted::stored_time(
                    t.with_timezone(&chrono::Utc),
                ))
            }
            Ok(_) => {
                c.fail("started_at", "An encounter cannot start in the future.");
                None
            }
            Err(_) => {
                c.fail(
                    "started_at",
                    "Enter a date and time like 2024-03-15T09:30:00Z.",
                );
                None
            }
        }
    };
    c.finish().map_err(CoreError::Validation)?;
    let patient = request.patient_id;
    ensure_caller_access(store, caller, patient, Command::CreateEncounter)?;
    let device = store.device_id();
    let id = EncounterId::new();
    store.write(|tx| {
        crate::registry::require_patient(tx.conn(), patient)?;
        let now = tx.now_rfc3339();
        let started_at = started.clone().unwrap_or_else(|| now.clone());
        let encounter = Encounter {
            id,
            patient_id: patient,
            encounter_type: request.encounter_type,
            reason: reason.clone(),
            started_at,
            status: EncounterStatus::InProgress,
            recorded_by: caller.actor_name(),
            version: 1,
        };
        insert_new_encounter(tx, caller, &encounter)?;
        let e = caller.chart_event(
            AuditAction::Create,
            patient,
            json!({ "encounter_id": id.to_string() }),
        );
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })?;
    get_encounter(store.conn(), id)
}

/// Records a new encounter (its op and row, at version 1) inside the caller's
/// transaction. No audit entry: the caller writes it. Shared by
/// [`create_encounter`] and the FHIR import (which records visits with the
/// status they had).
pub(crate) fn insert_new_encounter(
    tx: &mut WriteTx<'_>,
    caller: &Caller<'_>,
    encounter: &Encounter,
) -> Result<(), CoreError> {
    tx.record(
        OpKind::CreateEncounter,
        EntityKind::Encounter,
        &encounter.id.to_string(),
        json!({
            "patient_id": encounter.patient_id.to_string(),
            "type": encounter.encounter_type.as_str(),
            "reason": encounter.reason,
            "started_at": encounter.started_at,
            "status": encounter.status.as_str(),
        }),
    )?;
    let now = tx.now_rfc3339();
    insert_encounter_row(tx.conn(), encounter, caller.actor_id().as_deref(), &now)
}

/// Sets an encounter's status (its op and row, the next version) inside the
/// caller's transaction. No audit entry: the caller writes it. Shared with the
/// FHIR import.
pub(crate) fn set_encounter_status_in(
    tx: &mut WriteTx<'_>,
    current: &Encounter,
    status: EncounterStatus,
) -> Result<(), CoreError> {
    let version = current.version + 1;
    tx.record(
        OpKind::SetEncounterStatus,
        EntityKind::Encounter,
        &current.id.to_string(),
        json!({ "status": status.as_str(), "version": version }),
    )?;
    tx.conn()
        .prepare_cached(
            "UPDATE encounter SET status = ?2, version = ?3, updated_at = ?4 WHERE id = ?1",
        )?
        .execute(params![
            current.id.to_string(),
            status.as_str(),
            version,
            tx.now_rfc3339()
        ])?;
    Ok(())
}

/// Finishes an encounter or marks it entered in error.
pub fn set_encounter_status(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SetEncounterStatus,
) -> Result<Encounter, CoreError> {
    let current = get_encounter(store.conn(), request.id)?;
    ensure_caller_access(
        store,
        caller,
        current.patient_id,
        Command::SetEncounterStatus,
    )?;
    if current.version != request.expected_version {
        return Err(CoreError::EditConflict {
            expected: request.expected_version,
            current: current.version,
        });
    }
    if current.status == request.status {
        return Ok(current);
    }
    let device = store.device_id();
    store.write(|tx| {
        set_encounter_status_in(tx, &current, request.status)?;
        let e = caller.chart_event(
            AuditAction::Update,
            current.patient_id,
            json!({ "encounter_id": current.id.to_string(), "status": request.status.as_str() }),
        );
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })?;
    get_encounter(store.conn(), current.id)
}

// ---------------------------------------------------------------------------
// Notes

const NOTE_COLUMNS: &str = "id, patient_id, encounter_id, amends, title, content, status,
    author_id, author_name, created_at, updated_at, signed_at, version";

fn note_from_row(r: &Row<'_>) -> rusqlite::Result<Result<ClinicalNote, CoreError>> {
    let (id, patient, content, status): (String, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(5)?, r.get(6)?);
    let encounter: Option<String> = r.get(2)?;
    let amends: Option<String> = r.get(3)?;
    let (Ok(id), Ok(patient_id), Ok(content), Some(status)) = (
        id.parse(),
        patient.parse(),
        serde_json::from_str::<NoteContent>(&content),
        NoteStatus::parse(&status),
    ) else {
        return Ok(Err(corrupt("note")));
    };
    Ok(Ok(ClinicalNote {
        id,
        patient_id,
        encounter_id: encounter.and_then(|e| e.parse().ok()),
        amends: amends.and_then(|a| a.parse().ok()),
        title: r.get(4)?,
        content,
        status,
        author_id: r.get(7)?,
        author_name: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        signed_at: r.get(11)?,
        version: r.get(12)?,
        amendments: Vec::new(),
    }))
}

fn notes_where(
    conn: &Connection,
    filter: &str,
    arg: &str,
    limit: usize,
) -> Result<Vec<ClinicalNote>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {NOTE_COLUMNS} FROM clinical_note WHERE {filter} ORDER BY created_at, id LIMIT {limit}"
    ))?;
    let rows = stmt.query_map([arg], note_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// One note with its amendments, unaudited.
pub fn get_note_unaudited(conn: &Connection, id: NoteId) -> Result<ClinicalNote, CoreError> {
    let mut note = conn
        .query_row(
            &format!("SELECT {NOTE_COLUMNS} FROM clinical_note WHERE id = ?1"),
            [id.to_string()],
            note_from_row,
        )
        .optional()?
        .ok_or(CoreError::NotFound("note"))??;
    note.amendments = notes_where(conn, "amends = ?1", &id.to_string(), 100)?;
    Ok(note)
}

fn check_note(title: &str, content: &NoteContent) -> Result<(String, NoteContent), CoreError> {
    let mut c = Check::new();
    let mut title = title.to_string();
    c.text("title", &mut title, false, MAX_TITLE);
    let mut content = content.clone();
    match &mut content {
        NoteContent::Soap {
            subjective,
            objective,
            assessment,
            plan,
        } => {
            c.multiline("subjective", subjective, false, MAX_SECTION);
            c.multiline("objective", objective, false, MAX_SECTION);
            c.multiline("assessment", assessment, false, MAX_SECTION);
            c.multiline("plan", plan, false, MAX_SECTION);
        }
        NoteContent::Free { text } => c.multiline("text", text, false, MAX_SECTION * 4),
    }
    c.finish().map_err(CoreError::Validation)?;
    Ok((title, content))
}

fn is_empty(content: &NoteContent) -> bool {
    match content {
        NoteContent::Soap {
            subjective,
            objective,
            assessment,
            plan,
        } => [subjective, objective, assessment, plan]
            .iter()
            .all(|s| s.is_empty()),
        NoteContent::Free { text } => text.is_empty(),
    }
}

fn content_json(content: &NoteContent) -> Result<String, CoreError> {
    serde_json::to_string(content).map_err(|_| corrupt("note content"))
}

/// Inserts a new note row (its amendments are rows of their own). Shared with
/// sync's applier so both write the same row.
pub(crate) fn insert_note_row(conn: &Connection, n: &ClinicalNote) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO clinical_note (id, patient_id, encounter_id, amends, template, title, content,
            status, author_id, author_name, created_at, updated_at, signed_at, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        n.id.to_string(),
        n.patient_id.to_string(),
        n.encounter_id.map(|e| e.to_string()),
        n.amends.map(|a| a.to_string()),
        n.content.template(),
        n.title,
        content_json(&n.content)?,
        n.status.as_str(),
        n.author_id,
        n.author_name,
        n.created_at,
        n.updated_at,
        n.signed_at,
        n.version,
    ])?;
    Ok(())
}

/// Starts a draft note (an amendment when `amends` names a signed note of the
/// same patient; it joins that note's encounter).
pub fn create_note(
    store: &mut Store,
    caller: &Caller<'_>,
    request: CreateNote,
) -> Result<ClinicalNote, CoreError> {
    let (title, content) = check_note(&request.title, &request.content)?;
    let patient = request.patient_id;
    ensure_caller_access(store, caller, patient, Command::CreateNote)?;
    let mut encounter_id = request.encounter_id;
    if let Some(original) = request.amends {
        let original = get_note_unaudited(store.conn(), original)?;
        if original.patient_id != patient || original.amends.is_some() {
            return Err(CoreError::field(
                "amends",
                "Amend an original note of this patient.",
            ));
        }
        if original.status != NoteStatus::Signed {
            return Err(CoreError::field(
                "amends",
                "Only a signed note is amended; edit the draft instead.",
            ));
        }
        encounter_id = original.encounter_id;
    }
    if let Some(e) = encounter_id {
        if get_encounter(store.conn(), e)?.patient_id != patient {
            return Err(CoreError::field(
                "encounter_id",
                "This encounter belongs to another patient.",
            ));
        }
    }
    let device = store.device_id();
    let id = NoteId::new();
    store.write(|tx| {
        crate::registry::require_patient(tx.conn(), patient)?;
        let now = tx.now_rfc3339();
        tx.record(
            OpKind::CreateNote,
            EntityKind::ClinicalNote,
            &id.to_string(),
            json!({
                "patient_id": patient.to_string(),
                "encounter_id": encounter_id.map(|e| e.to_string()),
                "amends": request.amends.map(|a| a.to_string()),
                "title": title,
                "content": content,
            }),
        )?;
        let note = ClinicalNote {
            id,
            patient_id: patient,
            encounter_id,
            amends: request.amends,
            title: title.clone(),
            content: content.clone(),
            status: NoteStatus::Draft,
            author_id: caller.actor_id(),
            author_name: caller.actor_name(),
            created_at: now.clone(),
            updated_at: now,
            signed_at: None,
            version: 1,
            amendments: Vec::new(),
        };
        insert_note_row(tx.conn(), &note)?;
        let mut detail = json!({ "note_id": id.to_string(), "template": content.template() });
        if let Some(a) = request.amends {
            detail["amends"] = json!(a.to_string());
        }
        let e = caller.chart_event(AuditAction::Create, patient, detail);
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })?;
    get_note_unaudited(store.conn(), id)
}

/// A draft of the caller's own, at `expected_version`.
fn own_draft(
    store: &mut Store,
    caller: &Caller<'_>,
    id: NoteId,
    expected_version: i64,
    command: Command,
) -> Result<ClinicalNote, CoreError> {
    let note = get_note_unaudited(store.conn(), id)?;
    ensure_caller_access(store, caller, note.patient_id, command)?;
    if note.status == NoteStatus::Signed {
        return Err(CoreError::field(
            "status",
            "This note is signed and cannot change. Amend it instead.",
        ));
    }
    if caller.staff_id.is_some() && note.author_id != caller.actor_id() {
        return Err(CoreError::field(
            "author",
            "Only the author can edit or sign a draft note.",
        ));
    }
    if note.version != expected_version {
        return Err(CoreError::EditConflict {
            expected: expected_version,
            current: note.version,
        });
    }
    Ok(note)
}

#[allow(clippy::too_many_arguments)]
fn write_note_change(
    tx: &mut WriteTx<'_>,
    device: clinic_protocol::DeviceId,
    caller: &Caller<'_>,
    note: &ClinicalNote,
    op: OpKind,
    payload: serde_json::Value,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<(), CoreError> {
    tx.record(op, EntityKind::ClinicalNote, &note.id.to_string(), payload)?;
    if tx.conn().execute(sql, args)? != 1 {
        return Err(CoreError::EditConflict {
            expected: note.version,
            current: note.version + 1,
        });
    }
    let e = caller.chart_event(
        AuditAction::Update,
        note.patient_id,
        json!({ "note_id": note.id.to_string(), "op": op.as_str(), "version": note.version + 1 }),
    );
    audit::append_in(tx, caller.audit_key, device, &e)?;
    Ok(())
}

/// Saves the caller's draft.
pub fn update_note(
    store: &mut Store,
    caller: &Caller<'_>,
    request: UpdateNote,
) -> Result<ClinicalNote, CoreError> {
    let (title, content) = check_note(&request.title, &request.content)?;
    let note = own_draft(
        store,
        caller,
        request.id,
        request.expected_version,
        Command::UpdateNote,
    )?;
    if note.content.template() != content.template() {
        return Err(CoreError::field("template", "A note keeps its template."));
    }
    if note.title == title && note.content == content {
        return Ok(note);
    }
    let version = note.version + 1;
    let device = store.device_id();
    store.write(|tx| {
        let now = tx.now_rfc3339();
        write_note_change(
            tx,
            device,
            caller,
            &note,
            OpKind::UpdateNoteDraft,
            json!({ "title": title, "content": content, "version": version }),
            "UPDATE clinical_note SET title = ?2, content = ?3, updated_at = ?4, version = ?5
             WHERE id = ?1 AND version = ?5 - 1 AND status = 'draft'",
            &[
                &note.id.to_string(),
                &title,
                &content_json(&content)?,
                &now,
                &version,
            ],
        )
    })?;
    get_note_unaudited(store.conn(), note.id)
}

/// Signs the caller's draft: from now on it never changes.
pub fn sign_note(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SignNote,
) -> Result<ClinicalNote, CoreError> {
    let note = own_draft(
        store,
        caller,
        request.id,
        request.expected_version,
        Command::SignNote,
    )?;
    if is_empty(&note.content) {
        return Err(CoreError::field(
            "content",
            "An empty note cannot be signed; write something first.",
        ));
    }
    let version = note.version + 1;
    let device = store.device_id();
    store.write(|tx| {
        let now = tx.now_rfc3339();
        write_note_change(
            tx,
            device,
            caller,
            &note,
            OpKind::SignNote,
            // What was signed travels with the sign, so every device signs the
            // same text even if a concurrent draft update reached it first.
            json!({ "signed_at": now, "version": version, "title": note.title, "content": note.content }),
            "UPDATE clinical_note SET status = 'signed', signed_at = ?2, updated_at = ?2, version = ?3
             WHERE id = ?1 AND version = ?3 - 1 AND status = 'draft'",
            &[&note.id.to_string(), &now, &version],
        )
    })?;
    tracing::info!(note = %note.id, "signed a clinical note");
    get_note_unaudited(store.conn(), note.id)
}

/// One note with its amendments (audited as a view).
pub fn get_note(
    store: &mut Store,
    caller: &Caller<'_>,
    id: NoteId,
) -> Result<ClinicalNote, CoreError> {
    let note = get_note_unaudited(store.conn(), id)?;
    ensure_caller_access(store, caller, note.patient_id, Command::GetNote)?;
    let e = caller.chart_event(
        AuditAction::View,
        note.patient_id,
        json!({ "note_id": id.to_string() }),
    );
    audit::append_standalone(store, caller.audit_key, &e)?;
    Ok(note)
}

/// A page of the patient's encounters (newest first) with their notes; the first
/// page also lists notes written outside encounters. Audited as one view.
pub fn timeline(
    store: &mut Store,
    caller: &Caller<'_>,
    query: TimelineQuery,
) -> Result<TimelinePage, CoreError> {
    if query.page_size == 0 || query.page_size > MAX_PAGE_SIZE {
        return Err(CoreError::field(
            "page_size",
            format!("Ask for 1 to {MAX_PAGE_SIZE} encounters per page."),
        ));
    }
    let patient = query.patient_id;
    ensure_caller_access(store, caller, patient, Command::GetTimeline)?;
    crate::registry::require_patient(store.conn(), patient)?;
    let page = timeline_page(store.conn(), &query)?;
    let e = caller.chart_event(
        AuditAction::View,
        patient,
        json!({ "view": "timeline", "page": query.page, "encounters": page.encounters.len() }),
    );
    audit::append_standalone(store, caller.audit_key, &e)?;
    Ok(page)
}

/// One page of the timeline (unaudited).
fn timeline_page(conn: &Connection, query: &TimelineQuery) -> Result<TimelinePage, CoreError> {
    let patient = query.patient_id;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENCOUNTER_COLUMNS} FROM encounter WHERE patient_id = ?1
         ORDER BY started_at DESC, id DESC LIMIT ?2 OFFSET ?3"
    ))?;
    let limit = i64::from(query.page_size) + 1;
    let offset = i64::from(query.page) * i64::from(query.page_size);
    let rows = stmt.query_map(
        params![patient.to_string(), limit, offset],
        encounter_from_row,
    )?;
    let mut encounters = Vec::new();
    for row in rows {
        encounters.push(row??);
    }
    let has_more = encounters.len() > query.page_size as usize;
    encounters.truncate(query.page_size as usize);
    let with_amendments = |mut notes: Vec<ClinicalNote>| -> Result<Vec<ClinicalNote>, CoreError> {
        for n in &mut notes {
            n.amendments = notes_where(conn, "amends = ?1", &n.id.to_string(), 100)?;
        }
        Ok(notes)
    };
    let mut page = TimelinePage {
        encounters: Vec::with_capacity(encounters.len()),
        loose_notes: Vec::new(),
        page: query.page,
        page_size: query.page_size,
        has_more,
    };
    for encounter in encounters {
        let notes = notes_where(
            conn,
            "encounter_id = ?1 AND amends IS NULL",
            &encounter.id.to_string(),
            100,
        )?;
        page.encounters.push(TimelineEncounter {
            encounter,
            notes: with_amendments(notes)?,
        });
    }
    if query.page == 0 {
        let loose = notes_where(
            conn,
            "patient_id = ?1 AND encounter_id IS NULL AND amends IS NULL",
            &patient.to_string(),
            MAX_LOOSE_NOTES,
        )?;
        page.loose_notes = with_amendments(loose)?;
    }
    Ok(page)
}

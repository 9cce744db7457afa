//! Patient documents in the encrypted store: upload (type sniffed from the bytes,
//! size capped, damaged files refused, text extracted from PDFs and text files),
//! list and search (type, date range, keywords through an FTS5 index), view,
//! export for "save a copy" (audited), share with a colleague (their inbox and a
//! notification), and entered-in-error.
//!
//! Invariants: validation before any write; one op + one audit entry per write
//! in its transaction (ids, type and size only — never titles or text); content
//! never changes; nothing is deleted; restricted-patient access checked.
mod sniff;

pub use sniff::{MAX_BYTES, MAX_TEXT_BYTES};

use crate::audit::{self};
use crate::authz::Command;
use crate::restricted::ensure_caller_access;
use crate::validation::Check;
use crate::{Caller, CoreError};
use base64::Engine;
use chrono::NaiveDate;
use clinic_protocol::{
    AuditAction, DocumentContent, DocumentId, DocumentInfo, DocumentPage, DocumentQuery,
    DocumentStatus, DocumentType, EntityKind, NotificationKind, OpKind, SetDocumentEnteredInError,
    ShareDocument, SharedDocument, StaffId, UploadDocument,
};
use clinic_store::Store;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::json;
use sha2::Digest;

pub const MAX_PAGE_SIZE: u32 = 100;
const MAX_TITLE: usize = 200;

const INFO_COLUMNS: &str =
    "d.id, d.patient_id, d.type, d.title, d.document_date, d.author, d.source,
    d.file_name, d.media_type, d.size, d.status, d.recorded_at, d.recorded_by_name,
    length(d.text) > 0, d.version";

fn info_from_row(r: &Row<'_>) -> rusqlite::Result<Result<DocumentInfo, CoreError>> {
    let (id, patient, kind, status): (String, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(10)?);
    let (Ok(id), Ok(patient_id), Some(document_type), Some(status)) = (
        id.parse(),
        patient.parse(),
        DocumentType::parse(&kind),
        DocumentStatus::parse(&status),
    ) else {
        return Ok(Err(CoreError::Corrupt("document row".into())));
    };
    Ok(Ok(DocumentInfo {
        id,
        patient_id,
        document_type,
        title: r.get(3)?,
        document_date: r.get(4)?,
        author: r.get(5)?,
        source: r.get(6)?,
        file_name: r.get(7)?,
        media_type: r.get(8)?,
        size: r.get(9)?,
        status,
        recorded_at: r.get(11)?,
        recorded_by: r.get(12)?,
        searchable: r.get(13)?,
        version: r.get(14)?,
    }))
}

pub fn get_info(conn: &Connection, id: DocumentId) -> Result<DocumentInfo, CoreError> {
    conn.query_row(
        &format!("SELECT {INFO_COLUMNS} FROM document d WHERE d.id = ?1"),
        [id.to_string()],
        info_from_row,
    )
    .optional()?
    .ok_or(CoreError::NotFound("document"))?
}

/// A document that passed the upload checks, ready to write.
pub(crate) struct ValidUpload {
    pub document_type: DocumentType,
    pub title: String,
    pub document_date: String,
    pub author: String,
    pub source: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    /// Extracted for keyword search ('' for images).
    pub text: String,
}

/// The upload checks (see the module header): field errors, nothing written.
/// Shared with the FHIR import.
pub(crate) fn validate_upload(request: &UploadDocument) -> Result<ValidUpload, CoreError> {
    let mut c = Check::new();
    let mut title = request.title.clone();
    c.text("title", &mut title, true, MAX_TITLE);
    let mut document_date = request.document_date.clone();
    c.past_date(
        "document_date",
        &mut document_date,
        true,
        crate::registry::clinic_today(),
    );
    let mut author = request.author.clone();
    c.text("author", &mut author, false, MAX_TITLE);
    let mut source = request.source.clone();
    c.text("source", &mut source, false, MAX_TITLE);
    let mut file_name = request.file_name.clone();
    c.text("file_name", &mut file_name, true, 255);
    // Cheap size check before decoding: base64 is 4 bytes per 3.
    let bytes = if request.content_base64.len() > MAX_BYTES / 3 * 4 + 8 {
        c.fail(
            "file",
            format!("This file is larger than {} MB.", MAX_BYTES / (1024 * 1024)),
        );
        None
    } else {
        match base64::engine::general_purpose::STANDARD.decode(request.content_base64.trim()) {
            Ok(b) if b.is_empty() => {
                c.fail("file", "This file is empty.");
                None
            }
            Ok(b) => Some(b),
            Err(_) => {
                c.fail("file", "The file could not be read; choose it again.");
                None
            }
        }
    };
    let sniffed = match &bytes {
        Some(b) => match sniff::inspect(b) {
            Ok(s) => Some(s),
            Err(message) => {
                c.fail("file", message);
                None
            }
        },
        None => None,
    };
    c.finish().map_err(CoreError::Validation)?;
    let (Some(bytes), Some(sniffed)) = (bytes, sniffed) else {
        return Err(CoreError::field("file", "The file could not be read."));
    };
    Ok(ValidUpload {
        document_type: request.document_type,
        title,
        document_date,
        author,
        source,
        file_name,
        bytes,
        media_type: sniffed.media_type,
        text: sniffed.text,
    })
}

/// Records a checked document (its op, with the content, and its row; status
/// current) inside the caller's transaction. No audit entry: the caller writes
/// it. Shared by [`upload`] and the FHIR import.
pub(crate) fn insert_upload(
    tx: &mut clinic_store::WriteTx<'_>,
    caller: &Caller<'_>,
    id: DocumentId,
    patient: clinic_protocol::PatientId,
    v: &ValidUpload,
) -> Result<(), CoreError> {
    let sha = sha256_hex(&v.bytes);
    let now = tx.now_rfc3339();
    tx.record(
        OpKind::UploadDocument,
        EntityKind::Document,
        &id.to_string(),
        json!({
            "patient_id": patient.to_string(), "type": v.document_type.as_str(),
            "title": v.title, "document_date": v.document_date, "author": v.author,
            "source": v.source, "file_name": v.file_name, "media_type": v.media_type,
            "sha256": sha,
            "content_base64": base64::engine::general_purpose::STANDARD.encode(&v.bytes),
        }),
    )?;
    let info = DocumentInfo {
        id,
        patient_id: patient,
        document_type: v.document_type,
        title: v.title.clone(),
        document_date: v.document_date.clone(),
        author: v.author.clone(),
        source: v.source.clone(),
        file_name: v.file_name.clone(),
        media_type: v.media_type.to_string(),
        size: v.bytes.len() as i64,
        status: DocumentStatus::Current,
        recorded_at: now,
        recorded_by: caller.actor_name(),
        searchable: !v.text.is_empty(),
        version: 1,
    };
    let file = Stored {
        sha256: &sha,
        content: &v.bytes,
        text: &v.text,
    };
    insert_row(tx.conn(), &info, &file, caller.actor_id().as_deref())
}

/// Stores a new document (see the module header for the checks).
pub fn upload(
    store: &mut Store,
    caller: &Caller<'_>,
    request: UploadDocument,
) -> Result<DocumentInfo, CoreError> {
    let valid = validate_upload(&request)?;
    let patient = request.patient_id;
    ensure_caller_access(store, caller, patient, Command::UploadDocument)?;
    let id = DocumentId::new();
    let device = store.device_id();
    let size = valid.bytes.len() as i64;
    store.write(|tx| {
        crate::registry::require_patient(tx.conn(), patient)?;
        insert_upload(tx, caller, id, patient, &valid)?;
        let e = caller.chart_event(AuditAction::Create, patient,
            json!({ "document_id": id.to_string(), "type": valid.document_type.as_str(), "size": size, "media_type": valid.media_type }),
        );
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })?;
    tracing::info!(document = %id, size, "stored a document");
    get_info(store.conn(), id)
}

/// A document's bytes with their hash and extracted text.
pub(crate) struct Stored<'a> {
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub text: &'a str,
}

/// Inserts a new document row (`info.recorded_by` is the recorder's display name);
/// the search index follows by trigger. Shared with sync's applier.
pub(crate) fn insert_row(
    conn: &Connection,
    info: &DocumentInfo,
    file: &Stored<'_>,
    recorded_by: Option<&str>,
) -> Result<(), CoreError> {
    conn.prepare_cached("INSERT INTO document (id, patient_id, type, title, document_date, author, source, file_name,
            media_type, size, sha256, content, text, status, recorded_at, recorded_by,
            recorded_by_name, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)")?.execute(
        params![
            info.id.to_string(),
            info.patient_id.to_string(),
            info.document_type.as_str(),
            info.title,
            info.document_date,
            info.author,
            info.source,
            info.file_name,
            info.media_type,
            info.size,
            file.sha256,
            file.content,
            file.text,
            info.status.as_str(),
            info.recorded_at,
            recorded_by,
            info.recorded_by,
            info.version,
        ],
    )?;
    Ok(())
}

/// The searchable text of a file (what the upload extracts; '' for images or a
/// file this build cannot read).
pub(crate) fn extracted_text(bytes: &[u8]) -> String {
    sniff::inspect(bytes).map(|s| s.text).unwrap_or_default()
}

/// The lowercase hex SHA-256 of `bytes` (as stored in `document.sha256`).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha2::Sha256::digest(bytes))
}

/// Shares a document with a staff member (a re-share replaces the note and time).
/// Shared with sync's applier.
pub(crate) fn write_share(
    conn: &Connection,
    document: DocumentId,
    staff: StaffId,
    shared_by: Option<&str>,
    shared_by_name: &str,
    note: &str,
    shared_at: &str,
) -> Result<(), CoreError> {
    conn.prepare_cached("INSERT INTO document_share (document_id, staff_id, shared_by, shared_by_name, note, shared_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (document_id, staff_id) DO UPDATE SET note = excluded.note,
            shared_at = excluded.shared_at, shared_by = excluded.shared_by,
            shared_by_name = excluded.shared_by_name")?.execute(
        params![document.to_string(), staff.to_string(), shared_by, shared_by_name, note, shared_at],
    )?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An FTS5 query matching every word typed (as a prefix), with the user's
/// punctuation neutralized.
fn match_expression(keywords: &str) -> Option<String> {
    let words: Vec<String> = keywords
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(10)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// A page of the patient's documents, newest first, filtered (audited as a view;
/// the words typed are not recorded, only their number).
pub fn list(
    store: &mut Store,
    caller: &Caller<'_>,
    q: DocumentQuery,
) -> Result<DocumentPage, CoreError> {
    if q.page_size == 0 || q.page_size > MAX_PAGE_SIZE {
        return Err(CoreError::field(
            "page_size",
            format!("Ask for 1 to {MAX_PAGE_SIZE} per page."),
        ));
    }
    let mut c = Check::new();
    for (field, value) in [("from", &q.from), ("to", &q.to)] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            if NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").is_err() {
                c.fail(field, "Enter a date as YYYY-MM-DD.");
            }
        }
    }
    c.finish().map_err(CoreError::Validation)?;
    ensure_caller_access(store, caller, q.patient_id, Command::ListDocuments)?;
    let mut sql = format!("SELECT {INFO_COLUMNS} FROM document d");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let expression = match_expression(&q.keywords);
    if let Some(m) = &expression {
        sql.push_str(" JOIN document_search s ON s.rowid = d.rowid AND document_search MATCH ?");
        args.push(m.clone().into());
    }
    sql.push_str(" WHERE d.patient_id = ?");
    args.push(q.patient_id.to_string().into());
    if let Some(t) = q.document_type {
        sql.push_str(" AND d.type = ?");
        args.push(t.as_str().to_string().into());
    }
    if let Some(from) = q.from.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        sql.push_str(" AND d.document_date >= ?");
        args.push(from.to_string().into());
    }
    if let Some(to) = q.to.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        sql.push_str(" AND d.document_date <= ?");
        args.push(to.to_string().into());
    }
    if !q.include_entered_in_error {
        sql.push_str(" AND d.status = 'current'");
    }
    sql.push_str(" ORDER BY d.document_date DESC, d.id DESC LIMIT ? OFFSET ?");
    args.push((i64::from(q.page_size) + 1).into());
    args.push((i64::from(q.page) * i64::from(q.page_size)).into());
    let mut items = Vec::new();
    {
        let mut stmt = store.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), info_from_row)?;
        for row in rows {
            items.push(row??);
        }
    }
    let has_more = items.len() > q.page_size as usize;
    items.truncate(q.page_size as usize);
    let words = expression.map(|e| e.split(' ').count()).unwrap_or(0);
    let e = caller.chart_event(
        AuditAction::Search,
        q.patient_id,
        json!({ "view": "documents", "words": words, "results": items.len(), "page": q.page }),
    );
    audit::append_standalone(store, caller.audit_key, &e)?;
    Ok(DocumentPage {
        items,
        page: q.page,
        page_size: q.page_size,
        has_more,
    })
}

fn load(conn: &Connection, id: DocumentId) -> Result<(DocumentInfo, Vec<u8>, String), CoreError> {
    let info = get_info(conn, id)?;
    let (content, text): (Vec<u8>, String) = conn
        .prepare_cached("SELECT content, text FROM document WHERE id = ?1")?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok((info, content, text))
}

/// A document to show in the app (audited as a view).
pub fn view(
    store: &mut Store,
    caller: &Caller<'_>,
    id: DocumentId,
) -> Result<DocumentContent, CoreError> {
    let (info, content, text) = load(store.conn(), id)?;
    ensure_caller_access(store, caller, info.patient_id, Command::GetDocument)?;
    let e = caller.chart_event(
        AuditAction::View,
        info.patient_id,
        json!({ "document_id": id.to_string() }),
    );
    audit::append_standalone(store, caller.audit_key, &e)?;
    // Images and PDFs are drawn by the app (PDF pages with pdf.js); text is shown as text.
    let content_base64 =
        if info.media_type.starts_with("image/") || info.media_type == "application/pdf" {
            base64::engine::general_purpose::STANDARD.encode(&content)
        } else {
            String::new()
        };
    Ok(DocumentContent {
        info,
        content_base64,
        text,
    })
}

/// The bytes and file name for "save a copy", audited as an export. The caller
/// writes them where the user chose.
pub fn export(
    store: &mut Store,
    caller: &Caller<'_>,
    id: DocumentId,
) -> Result<(String, Vec<u8>), CoreError> {
    let (info, content, _) = load(store.conn(), id)?;
    ensure_caller_access(store, caller, info.patient_id, Command::SaveDocumentCopy)?;
    let e = caller.chart_event(
        AuditAction::Export,
        info.patient_id,
        json!({ "document_id": id.to_string(), "size": info.size }),
    );
    audit::append_standalone(store, caller.audit_key, &e)?;
    Ok((info.file_name, content))
}

/// Shares a document with an enabled doctor or nurse: a row in their inbox and a
/// notification.
pub fn share(
    store: &mut Store,
    caller: &Caller<'_>,
    request: ShareDocument,
) -> Result<(), CoreError> {
    let mut c = Check::new();
    let mut note = request.note.clone();
    c.multiline("note", &mut note, false, 500);
    c.finish().map_err(CoreError::Validation)?;
    let info = get_info(store.conn(), request.id)?;
    ensure_caller_access(store, caller, info.patient_id, Command::ShareDocument)?;
    let staff = crate::identity::get_staff(store.conn(), request.staff_id)
        .map_err(|_| CoreError::field("staff_id", "Choose a colleague from the list."))?;
    if staff.disabled
        || !matches!(
            staff.role,
            clinic_protocol::Role::Doctor | clinic_protocol::Role::Nurse
        )
    {
        return Err(CoreError::field(
            "staff_id",
            "Share with an active doctor or nurse.",
        ));
    }
    if Some(staff.id) == caller.staff_id {
        return Err(CoreError::field("staff_id", "Choose someone else."));
    }
    let device = store.device_id();
    store.write(|tx| {
        let now = tx.now_rfc3339();
        tx.record(
            OpKind::ShareDocument,
            EntityKind::Document,
            &info.id.to_string(),
            json!({ "staff_id": staff.id.to_string(), "note": note }),
        )?;
        write_share(
            tx.conn(),
            info.id,
            staff.id,
            caller.actor_id().as_deref(),
            &caller.actor_name(),
            &note,
            &now,
        )?;
        crate::inbox::notify(
            tx,
            staff.id,
            NotificationKind::DocumentShared,
            Some(info.patient_id),
            json!({ "document_id": info.id.to_string() }),
        )?;
        let e = caller.chart_event(
            AuditAction::Update,
            info.patient_id,
            json!({ "document_id": info.id.to_string(), "shared_with": staff.id.to_string() }),
        );
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })
}

/// Documents shared with `staff`, newest first (at most 100). Restricted patients
/// the member cannot open are left out.
pub fn shared_with(conn: &Connection, staff: StaffId) -> Result<Vec<SharedDocument>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {INFO_COLUMNS}, p.mrn, s.shared_by_name, s.note, s.shared_at
         FROM document_share s JOIN document d ON d.id = s.document_id JOIN patient p ON p.id = d.patient_id
         WHERE s.staff_id = ?1 AND d.status = 'current'
         ORDER BY s.shared_at DESC LIMIT 100"
    ))?;
    let rows = stmt.query_map([staff.to_string()], |r| {
        Ok((
            info_from_row(r)?,
            r.get::<_, String>(15)?,
            r.get::<_, String>(16)?,
            r.get::<_, String>(17)?,
            r.get::<_, String>(18)?,
        ))
    })?;
    let now = chrono::Utc::now();
    let mut out = Vec::new();
    for row in rows {
        let (info, patient_mrn, shared_by, note, shared_at) = row?;
        let info = info?;
        if crate::restricted::access(conn, staff, info.patient_id, now)?.allows() {
            out.push(SharedDocument {
                info,
                patient_mrn,
                shared_by,
                note,
                shared_at,
            });
        }
    }
    Ok(out)
}

/// Marks a document entered in error (reason required); it leaves lists and search.
pub fn mark_entered_in_error(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SetDocumentEnteredInError,
) -> Result<DocumentInfo, CoreError> {
    let mut c = Check::new();
    let mut reason = request.reason.clone();
    c.multiline("reason", &mut reason, true, 500);
    c.finish().map_err(CoreError::Validation)?;
    let info = get_info(store.conn(), request.id)?;
    ensure_caller_access(
        store,
        caller,
        info.patient_id,
        Command::SetDocumentEnteredInError,
    )?;
    if info.version != request.expected_version {
        return Err(CoreError::EditConflict {
            expected: request.expected_version,
            current: info.version,
        });
    }
    if info.status == DocumentStatus::EnteredInError {
        return Ok(info);
    }
    let device = store.device_id();
    store.write(|tx| {
        set_status_in(tx, &info, DocumentStatus::EnteredInError, &reason)?;
        let e = caller.chart_event(
            AuditAction::Update,
            info.patient_id,
            json!({ "document_id": info.id.to_string(), "status": "entered_in_error" }),
        );
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })?;
    get_info(store.conn(), info.id)
}

/// Sets a document's status (its op and row, the next version) inside the
/// caller's transaction. No audit entry: the caller writes it. Shared with the
/// FHIR import.
pub(crate) fn set_status_in(
    tx: &mut clinic_store::WriteTx<'_>,
    info: &DocumentInfo,
    status: DocumentStatus,
    reason: &str,
) -> Result<(), CoreError> {
    tx.record(
        OpKind::SetDocumentStatus,
        EntityKind::Document,
        &info.id.to_string(),
        json!({ "status": status.as_str(), "reason": reason, "version": info.version + 1 }),
    )?;
    tx.conn()
        .prepare_cached(
            "UPDATE document SET status = ?2, status_reason = ?3, version = version + 1 WHERE id = ?1",
        )?
        .execute(params![info.id.to_string(), status.as_str(), reason])?;
    Ok(())
}

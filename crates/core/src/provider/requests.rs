//! Requests for more documents from the patient's provider, tracked to
//! completion. A request is patient data (`document_request`, one
//! `save_document_request` op per change carrying the whole row, last writer by
//! HLC wins), so every device sees where it is; only the device whose job sent
//! it looks at the provider's Task again.
//!
//! The path: `request_documents` (queued, with a local RequestDocuments job) →
//! the runner POSTs [`document_request_task`] → [`request_sent`] (requested; a
//! CheckRequest job every [`CHECK_EVERY_MINUTES`]) → the runner GETs the Task →
//! [`apply_task`] maps its status; completed or refused → the requester is
//! told, and on completion a pull is queued so the documents arrive.
use super::jobs::{self, NewJob};
use super::{endpoints, links};
use crate::authz::Command;
use crate::restricted::stored_time;
use crate::validation::Check;
use crate::{audit, inbox, merge, Caller, CoreError};
use chrono::{DateTime, Duration, Utc};
use clinic_protocol::{
    AuditAction, DocumentRequest, DocumentRequestStatus, DocumentType, EntityKind,
    NotificationKind, OpKind, ProviderErrorKind, ProviderJob, ProviderJobKind, ProviderJobStatus,
    ProviderJobTrigger, RequestProviderDocuments,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};
use uuid::Uuid;

/// Minutes between two looks at an open request's Task.
pub const CHECK_EVERY_MINUTES: i64 = 15;
/// The identifier system of the Tasks the clinic creates (value: the request id).
pub const TASK_IDENTIFIER_SYSTEM: &str = "urn:clinic-desktop:document-request";
const LOINC: &str = "http://loinc.org";

const COLUMNS: &str = "id, patient_id, provider_id, description, document_type, status,
    remote_task_id, requested_by_name, requested_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<DocumentRequest, CoreError>> {
    let (id, patient, provider, status): (String, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(5)?);
    let document_type = r.get::<_, Option<String>>(4)?;
    let (Ok(id), Ok(patient_id), Ok(provider_id), Some(status)) = (
        id.parse(),
        patient.parse(),
        provider.parse(),
        DocumentRequestStatus::parse(&status),
    ) else {
        return Ok(Err(CoreError::Corrupt("document request row".into())));
    };
    Ok(Ok(DocumentRequest {
        id,
        patient_id,
        provider_id,
        description: r.get(3)?,
        document_type: document_type.as_deref().and_then(DocumentType::parse),
        status,
        remote_task_id: r.get(6)?,
        requested_by: r.get(7)?,
        requested_at: r.get(8)?,
        updated_at: r.get(9)?,
    }))
}

pub fn get(conn: &Connection, id: Uuid) -> Result<DocumentRequest, CoreError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM document_request WHERE id = ?1"
    ))?
    .query_row([id.to_string()], from_row)
    .optional()?
    .ok_or(CoreError::NotFound("document request"))?
}

/// The patient's requests (and those of records merged into it), newest first.
pub(crate) fn for_patient(
    conn: &Connection,
    patient: &str,
) -> Result<Vec<DocumentRequest>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM document_request
         WHERE patient_id = ?1 OR patient_id IN (SELECT id FROM patient WHERE merged_into = ?1)
         ORDER BY requested_at DESC, id DESC"
    ))?;
    let rows = stmt.query_map([patient], from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// Who asked (staff id), for notifications.
fn requester(conn: &Connection, id: Uuid) -> Result<Option<String>, CoreError> {
    Ok(conn
        .prepare_cached("SELECT requested_by FROM document_request WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?
        .flatten())
}

/// Inserts or replaces a request's row. Shared with sync's applier.
pub(crate) fn write_row(
    conn: &Connection,
    r: &DocumentRequest,
    requested_by: Option<&str>,
    now: &str,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO document_request (id, patient_id, provider_id, description, document_type, status,
            remote_task_id, requested_by, requested_by_name, requested_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET patient_id = excluded.patient_id,
            provider_id = excluded.provider_id, description = excluded.description,
            document_type = excluded.document_type, status = excluded.status,
            remote_task_id = excluded.remote_task_id, requested_by = excluded.requested_by,
            requested_by_name = excluded.requested_by_name, requested_at = excluded.requested_at,
            updated_at = excluded.updated_at",
    )?
    .execute(params![
        r.id.to_string(),
        r.patient_id.to_string(),
        r.provider_id.to_string(),
        r.description,
        r.document_type.map(|t| t.as_str()),
        r.status.as_str(),
        r.remote_task_id,
        requested_by,
        r.requested_by,
        r.requested_at,
        now,
    ])?;
    Ok(())
}

/// Records a request (one op, the whole row) and writes it.
fn save(
    tx: &mut WriteTx<'_>,
    r: &DocumentRequest,
    requested_by: Option<&str>,
) -> Result<(), CoreError> {
    tx.record(
        OpKind::SaveDocumentRequest,
        EntityKind::DocumentRequest,
        &r.id.to_string(),
        json!({
            "patient_id": r.patient_id.to_string(), "provider_id": r.provider_id.to_string(),
            "description": r.description, "document_type": r.document_type.map(|t| t.as_str()),
            "status": r.status.as_str(), "remote_task_id": r.remote_task_id,
            "requested_by": requested_by, "requested_by_name": r.requested_by,
            "requested_at": r.requested_at,
        }),
    )?;
    let now = tx.now_rfc3339();
    write_row(tx.conn(), r, requested_by, &now)
}

/// Moves a request to `status` (and the Task id, when given): one op, or
/// nothing when it is already there. Returns whether it changed.
pub(crate) fn set_status(
    tx: &mut WriteTx<'_>,
    id: Uuid,
    status: DocumentRequestStatus,
    remote_task_id: Option<&str>,
) -> Result<bool, CoreError> {
    let mut r = get(tx.conn(), id)?;
    let task = remote_task_id
        .map(str::to_string)
        .or(r.remote_task_id.clone());
    if r.status == status && r.remote_task_id == task {
        return Ok(false);
    }
    r.status = status;
    r.remote_task_id = task;
    let by = requester(tx.conn(), id)?;
    save(tx, &r, by.as_deref())?;
    Ok(true)
}

/// Asks the patient's provider for documents: the request (queued, synced)
/// and this device's job to send it. Audited.
pub fn request_documents(
    store: &mut Store,
    caller: &Caller<'_>,
    request: RequestProviderDocuments,
) -> Result<DocumentRequest, CoreError> {
    let mut c = Check::new();
    let mut description = request.description.clone();
    c.multiline("description", &mut description, true, 2000);
    c.finish().map_err(CoreError::Validation)?;
    let patient = merge::resolve(store.conn(), request.patient_id)?;
    crate::restricted::ensure_caller_access(
        store,
        caller,
        patient,
        Command::RequestProviderDocuments,
    )?;
    let link = links::find(store.conn(), patient)?.ok_or_else(|| {
        CoreError::field("patient_id", "Link the patient to their provider first.")
    })?;
    endpoints::get(store.conn(), link.provider_id)?;
    let device = store.device_id();
    let id = Uuid::now_v7();
    store.write(|tx| {
        let now = tx.now_rfc3339();
        let r = DocumentRequest {
            id,
            patient_id: patient,
            provider_id: link.provider_id,
            description,
            document_type: request.document_type,
            status: DocumentRequestStatus::Queued,
            remote_task_id: None,
            requested_by: caller.actor_name(),
            requested_at: now.clone(),
            updated_at: now.clone(),
        };
        let by = caller.staff_id.map(|s| s.to_string());
        save(tx, &r, by.as_deref())?;
        jobs::insert(
            tx.conn(),
            &NewJob {
                kind: ProviderJobKind::RequestDocuments,
                trigger: ProviderJobTrigger::Manual,
                patient: Some(patient),
                provider: link.provider_id,
                request: Some(id),
                requested_by: caller.staff_id,
                not_before: None,
            },
            &now,
        )?;
        let event = caller.chart_event(
            AuditAction::Create,
            patient,
            json!({
                "document_request": id.to_string(),
                "provider": link.provider_id.to_string(),
                "document_type": r.document_type.map(|t| t.as_str()),
            }),
        );
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok::<_, CoreError>(())
    })?;
    tracing::info!(request = %id, patient = %patient, "queued a request for documents");
    get(store.conn(), id)
}

fn loinc(t: DocumentType) -> Option<&'static str> {
    Some(match t {
        DocumentType::LabReport => "11502-2",
        DocumentType::ProgressNote => "11506-3",
        DocumentType::Assessment => "51848-0",
        DocumentType::Referral => "57133-1",
        DocumentType::Consent => "59284-0",
        DocumentType::Letter | DocumentType::Other => return None,
    })
}

/// The FHIR R4 Task the runner POSTs for a request: requested, intent order,
/// code `fulfill`, for the patient there (`Patient/<id>`), the description,
/// the document type wanted (LOINC when there is one) as input, the request's
/// id as identifier, requester: the clinic.
pub fn document_request_task(
    request: &DocumentRequest,
    remote_patient_ref: &str,
    clinic_name: &str,
) -> Value {
    let mut task = json!({
        "resourceType": "Task",
        "identifier": [{"system": TASK_IDENTIFIER_SYSTEM, "value": request.id.to_string()}],
        "status": "requested",
        "intent": "order",
        "priority": "routine",
        "code": {
            "coding": [{
                "system": "http://hl7.org/fhir/CodeSystem/task-code",
                "code": "fulfill",
                "display": "Fulfill the focal request",
            }],
            "text": "Send documents",
        },
        "description": request.description,
        "for": {"reference": remote_patient_ref},
        "authoredOn": request.requested_at,
        "lastModified": request.updated_at,
        "requester": {"display": clinic_name},
    });
    if let Some(t) = request.document_type {
        let mut coding = Vec::new();
        if let Some(code) = loinc(t) {
            coding.push(json!({"system": LOINC, "code": code}));
        }
        coding.push(json!({"system": clinic_fhir::LOCAL_DOCUMENT_TYPE, "code": t.as_str()}));
        task["input"] = json!([{
            "type": {"text": "document type"},
            "valueCodeableConcept": {"coding": coding, "text": t.as_str().replace('_', " ")},
        }]);
    }
    task
}

fn running_job(
    conn: &Connection,
    job_id: Uuid,
    kind: ProviderJobKind,
) -> Result<jobs::JobRow, CoreError> {
    let r = jobs::row(conn, job_id)?;
    if r.job.kind != kind || r.request_id.is_none() {
        return Err(CoreError::field(
            "job",
            "This job is not about a request for documents.",
        ));
    }
    if !matches!(
        r.job.status,
        ProviderJobStatus::Running | ProviderJobStatus::Queued
    ) {
        return Err(CoreError::field(
            "job",
            "This exchange is already finished.",
        ));
    }
    Ok(r)
}

fn next_check(tx: &WriteTx<'_>, r: &jobs::JobRow, request: Uuid) -> Result<(), CoreError> {
    let now = jobs::parse_time(&tx.now_rfc3339()).unwrap_or_else(Utc::now);
    jobs::insert(
        tx.conn(),
        &NewJob {
            kind: ProviderJobKind::CheckRequest,
            trigger: ProviderJobTrigger::Scheduled,
            patient: r.job.patient_id,
            provider: r.job.provider_id,
            request: Some(request),
            requested_by: r.requested_by,
            not_before: Some(stored_time(now + Duration::minutes(CHECK_EVERY_MINUTES))),
        },
        &stored_time(now),
    )?;
    Ok(())
}

/// The runner POSTed the Task: the request is `requested` with the Task's id,
/// the job succeeded and a look at the Task is queued for later.
pub fn request_sent(
    store: &mut Store,
    job_id: Uuid,
    remote_task_id: &str,
) -> Result<ProviderJob, CoreError> {
    let task_id = remote_task_id.trim();
    store.write(|tx| {
        let r = running_job(tx.conn(), job_id, ProviderJobKind::RequestDocuments)?;
        let request = r.request_id.unwrap_or_default();
        set_status(tx, request, DocumentRequestStatus::Requested, Some(task_id))?;
        let now = tx.now_rfc3339();
        jobs::succeed(
            tx.conn(),
            job_id,
            &now,
            "request sent: Task created at the provider",
            &[],
        )?;
        next_check(tx, &r, request)
    })?;
    tracing::info!(job = %job_id, "request for documents sent");
    jobs::get(store.conn(), job_id)
}

/// A Task status as a request status (`None`: not an R4 Task status).
pub fn task_status(status: &str) -> Option<DocumentRequestStatus> {
    use DocumentRequestStatus as S;
    Some(match status {
        "draft" | "requested" | "received" => S::Requested,
        "accepted" | "ready" => S::Accepted,
        "in-progress" | "on-hold" => S::InProgress,
        "completed" => S::Completed,
        "rejected" | "failed" => S::Rejected,
        "cancelled" | "entered-in-error" => S::Cancelled,
        _ => return None,
    })
}

fn is_open(s: DocumentRequestStatus) -> bool {
    matches!(
        s,
        DocumentRequestStatus::Requested
            | DocumentRequestStatus::Accepted
            | DocumentRequestStatus::InProgress
    )
}

/// The runner fetched the request's Task (CheckRequest job): the request
/// follows its status. Completed, refused or cancelled: the requester is told
/// (`provider_request_updated`), and a completed one queues a pull of the
/// patient; still open: another look is queued. A Task that is not one
/// fails the job `malformed`.
pub fn apply_task(
    store: &mut Store,
    audit_key: &[u8; 32],
    job_id: Uuid,
    task: &Value,
) -> Result<ProviderJob, CoreError> {
    let status = task
        .get("status")
        .and_then(Value::as_str)
        .filter(|_| task.get("resourceType").and_then(Value::as_str) == Some("Task"))
        .and_then(task_status);
    let Some(status) = status else {
        return jobs::finish_job_failed(
            store,
            job_id,
            ProviderErrorKind::Malformed,
            None,
            "the answer is not a FHIR Task with an R4 status",
        );
    };
    let device = store.device_id();
    store.write(|tx| {
        let r = running_job(tx.conn(), job_id, ProviderJobKind::CheckRequest)?;
        let request = r.request_id.unwrap_or_default();
        let changed = set_status(tx, request, status, None)?;
        let now = tx.now_rfc3339();
        jobs::succeed(tx.conn(), job_id, &now, &format!("Task is {}", status.as_str().replace('_', " ")), &[])?;
        if is_open(status) {
            return next_check(tx, &r, request);
        }
        if !changed {
            return Ok(());
        }
        let req = get(tx.conn(), request)?;
        if let Some(staff) = requester(tx.conn(), request)?.and_then(|s| s.parse().ok()) {
            inbox::notify(
                tx,
                staff,
                NotificationKind::ProviderRequestUpdated,
                Some(req.patient_id),
                json!({ "document_request": request.to_string(), "status": status.as_str() }),
            )?;
        }
        if status == DocumentRequestStatus::Completed {
            jobs::queue_pull(
                tx.conn(),
                req.patient_id,
                req.provider_id,
                ProviderJobTrigger::Change,
                r.requested_by,
                &now,
            )?;
        }
        let event = Caller::device(audit_key).chart_event(
            AuditAction::Update,
            req.patient_id,
            json!({ "document_request": request.to_string(), "status": status.as_str(), "provider_job": job_id.to_string() }),
        );
        audit::append_in(tx, audit_key, device, &event)?;
        Ok::<_, CoreError>(())
    })?;
    tracing::info!(job = %job_id, status = status.as_str(), "looked at a request's Task");
    jobs::get(store.conn(), job_id)
}

/// Open requests this device sent with no look pending and none in the last
/// [`CHECK_EVERY_MINUTES`]: a CheckRequest job each. Returns how many.
pub(crate) fn queue_due_checks(conn: &Connection, now: DateTime<Utc>) -> Result<usize, CoreError> {
    let since = stored_time(now - Duration::minutes(CHECK_EVERY_MINUTES));
    let due: Vec<(String, String, String, Option<String>)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT r.id, r.patient_id, r.provider_id, r.requested_by FROM document_request r
             WHERE r.status IN ('requested', 'accepted', 'in_progress') AND r.remote_task_id IS NOT NULL
               AND EXISTS (SELECT 1 FROM provider_job j WHERE j.request_id = r.id
                   AND j.kind = 'request_documents' AND j.status = 'succeeded')
               AND NOT EXISTS (SELECT 1 FROM provider_job j WHERE j.request_id = r.id
                   AND j.kind = 'check_request' AND (j.status IN ('queued', 'running')
                       OR (j.status = 'failed' AND j.next_attempt_at IS NOT NULL)))
               AND coalesce((SELECT max(coalesce(j.finished_at, j.queued_at)) FROM provider_job j
                   WHERE j.request_id = r.id), '') < ?1
             ORDER BY r.id",
        )?;
        let rows = stmt.query_map([since], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let bad = || CoreError::Corrupt("document request row".into());
    for (id, patient, provider, by) in &due {
        jobs::insert(
            conn,
            &NewJob {
                kind: ProviderJobKind::CheckRequest,
                trigger: ProviderJobTrigger::Scheduled,
                patient: Some(patient.parse().map_err(|_| bad())?),
                provider: provider.parse().map_err(|_| bad())?,
                request: Some(id.parse().map_err(|_| bad())?),
                requested_by: by.as_deref().and_then(|s| s.parse().ok()),
                not_before: None,
            },
            &stored_time(now),
        )?;
    }
    Ok(due.len())
}

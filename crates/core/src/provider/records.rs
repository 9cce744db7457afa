//! The patient's "Provider records" panel and its "Sync now": the link, the
//! documents pulled from the provider (newest first, with type, date, author
//! and source — opened, downloaded and shared through the documents use
//! cases), how many results and chart items came from FHIR, the requests for
//! documents, and this device's pending and latest exchanges. Reading it is
//! audited as a view of the chart; restricted-patient rules apply.
use super::{endpoints, jobs, links, requests};
use crate::authz::Command;
use crate::restricted::ensure_caller_access;
use crate::{audit, merge, Caller, CoreError};
use clinic_protocol::{
    AuditAction, AuditCategory, DocumentType, PatientId, PatientProviderRecords, ProviderDocument,
    ProviderJob, ProviderJobTrigger,
};
use clinic_store::Store;
use rusqlite::{Connection, OptionalExtension};
use serde_json::json;

/// The patient and the records merged into it, as a JSON list for `json_each`.
fn merged_set(conn: &Connection, patient: PatientId) -> Result<String, CoreError> {
    let mut ids = vec![patient.to_string()];
    let mut stmt = conn.prepare_cached("SELECT id FROM patient WHERE merged_into = ?1")?;
    let rows = stmt.query_map([patient.to_string()], |r| r.get::<_, String>(0))?;
    for row in rows {
        ids.push(row?);
    }
    serde_json::to_string(&ids).map_err(|_| CoreError::Corrupt("patient ids".into()))
}

fn documents(conn: &Connection, set: &str) -> Result<Vec<ProviderDocument>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.type, d.title, d.document_date, d.author, coalesce(e.name, ''), d.media_type,
                pd.pulled_at
         FROM provider_document pd JOIN document d ON d.id = pd.document_id
         LEFT JOIN provider_endpoint e ON e.id = pd.provider_id
         WHERE d.patient_id IN (SELECT value FROM json_each(?1)) AND d.status = 'current'
         ORDER BY d.document_date DESC, pd.pulled_at DESC, d.id",
    )?;
    let rows = stmt.query_map([set], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            [
                r.get::<_, String>(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ],
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, [title, document_date, author, source, media_type, pulled_at]) = row?;
        let bad = || CoreError::Corrupt("document row".into());
        out.push(ProviderDocument {
            document_id: id.parse().map_err(|_| bad())?,
            document_type: DocumentType::parse(&kind).ok_or_else(bad)?,
            title,
            document_date,
            author,
            source,
            media_type,
            pulled_at,
        });
    }
    Ok(out)
}

fn count(conn: &Connection, sql: &str, set: &str) -> Result<u32, CoreError> {
    let n: i64 = conn.prepare_cached(sql)?.query_row([set], |r| r.get(0))?;
    Ok(n.max(0) as u32)
}

/// Everything the panel shows (see the module header). Audited as a view.
pub fn patient_records(
    store: &mut Store,
    caller: &Caller<'_>,
    patient_id: PatientId,
) -> Result<PatientProviderRecords, CoreError> {
    let patient = merge::resolve(store.conn(), patient_id)?;
    ensure_caller_access(store, caller, patient, Command::GetPatientProviderRecords)?;
    let conn = store.conn();
    let set = merged_set(conn, patient)?;
    let stored = links::find(conn, patient)?;
    let link = match &stored {
        Some(l) => Some(links::view(conn, l, patient)?),
        None => None,
    };
    let can_sync_here = match &stored {
        Some(l) => {
            endpoints::find(conn, l.provider_id)?.is_some_and(|e| endpoints::can_run_here(&e))
        }
        None => false,
    };
    let documents = documents(conn, &set)?;
    // Results and chart items that came from FHIR for this patient (pulls and
    // imports alike: links do not say which source).
    let results = count(
        conn,
        "SELECT count(*) FROM fhir_link WHERE patient_id IN (SELECT value FROM json_each(?1))
           AND (entity = 'observation' OR resource_type = 'DiagnosticReport')",
        &set,
    )?;
    let chart_items = count(
        conn,
        "SELECT count(*) FROM fhir_link WHERE patient_id IN (SELECT value FROM json_each(?1))
           AND (entity IN ('chart_entry', 'encounter', 'no_known_allergies')
                OR (entity IS NULL AND resource_type IN ('Procedure', 'Immunization')))",
        &set,
    )?;
    let pending_jobs = count(
        conn,
        "SELECT count(*) FROM provider_job WHERE patient_id IN (SELECT value FROM json_each(?1))
           AND status IN ('queued', 'running')",
        &set,
    )?;
    let last: Option<String> = conn
        .prepare_cached(
            "SELECT id FROM provider_job WHERE patient_id IN (SELECT value FROM json_each(?1))
             ORDER BY queued_at DESC, id DESC LIMIT 1",
        )?
        .query_row([&set], |r| r.get(0))
        .optional()?;
    let last_job = match last.and_then(|l| l.parse().ok()) {
        Some(id) => Some(jobs::get(conn, id)?),
        None => None,
    };
    let records = PatientProviderRecords {
        link,
        can_sync_here,
        results,
        chart_items,
        requests: requests::for_patient(conn, &patient.to_string())?,
        pending_jobs,
        last_job,
        documents,
    };
    let event = caller.chart_event(
        AuditAction::View,
        patient,
        json!({ "provider_records": true, "documents": records.documents.len() }),
    );
    audit::append_standalone(store, caller.audit_key, &event)?;
    Ok(records)
}

/// "Sync now": queues a pull of the patient's records (or returns the one
/// already queued or running); the caller is told of significant changes.
/// Audited.
pub fn sync_patient_now(
    store: &mut Store,
    caller: &Caller<'_>,
    patient_id: PatientId,
) -> Result<ProviderJob, CoreError> {
    let patient = merge::resolve(store.conn(), patient_id)?;
    ensure_caller_access(store, caller, patient, Command::SyncPatientProvider)?;
    let link = links::find(store.conn(), patient)?.ok_or_else(|| {
        CoreError::field("patient_id", "Link the patient to their provider first.")
    })?;
    endpoints::get(store.conn(), link.provider_id)?;
    let device = store.device_id();
    let id = store.write(|tx| {
        let now = tx.now_rfc3339();
        let id = jobs::queue_pull(
            tx.conn(),
            patient,
            link.provider_id,
            ProviderJobTrigger::Manual,
            caller.staff_id,
            &now,
        )?;
        let event = caller
            .event(AuditAction::Create, AuditCategory::System)
            .patient(patient)
            .detail(json!({ "provider_job": id.to_string(), "kind": "pull", "provider": link.provider_id.to_string() }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok::<_, CoreError>(id)
    })?;
    tracing::info!(job = %id, patient = %patient, "pull of a patient's provider records queued");
    jobs::get(store.conn(), id)
}

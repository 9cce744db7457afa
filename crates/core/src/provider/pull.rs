//! Applying a pull: the runner hands over the job and what the provider
//! returned for the patient (their Patient and every DocumentReference — the
//! attachment data inlined —, DiagnosticReport, Observation, allergy,
//! medication, problem, visit, procedure, immunization and Coverage changed
//! since the watermarks) and the new watermark per resource type.
//!
//! Everything commits in ONE transaction or not at all: the records (through
//! the FHIR import's writers, bound to the linked patient, demographics
//! untouched: `interop::bound`), their ops and links, which documents came
//! from the provider, the link learning the patient's id there, the
//! watermarks, the notification of significant changes and the job's success.
//! Anything wrong — not one patient's FHIR, a resource the import refuses, a
//! write failing — writes nothing and fails the job `malformed` (resource type
//! and why, no values); the provider's patient bound to another patient here
//! fails it `not_configured`.
//!
//! Significant: new documents, new or changed results, new or changed
//! allergies, medications and problems. One `provider_records_changed`
//! notification (counts only) goes to whoever asked for the pull, else to the
//! patient's care-team doctors, else to the administrators. A pull that brings
//! nothing new writes nothing but the job's row.
use super::jobs::{self, JobRow};
use super::links::{self, StoredLink};
use crate::interop::bound::{self, Bound, BoundError};
use crate::{inbox, interop, merge, registry, Caller, CoreError};
use clinic_protocol::{
    EntityKind, NotificationKind, OpKind, PatientId, ProviderErrorKind, ProviderJob,
    ProviderJobKind, ProviderJobStatus, StaffId,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Records that `document` came from `provider` (one op, first record kept).
fn record_document(
    tx: &mut WriteTx<'_>,
    document: &str,
    patient: PatientId,
    provider: Uuid,
    now: &str,
) -> Result<(), CoreError> {
    let known = tx
        .conn()
        .prepare_cached("SELECT 1 FROM provider_document WHERE document_id = ?1")?
        .query_row([document], |_| Ok(()))
        .optional()?
        .is_some();
    if known {
        return Ok(());
    }
    tx.record(
        OpKind::RecordProviderDocument,
        EntityKind::Document,
        document,
        json!({ "patient_id": patient.to_string(), "provider_id": provider.to_string(), "pulled_at": now }),
    )?;
    write_document(
        tx.conn(),
        document,
        &patient.to_string(),
        &provider.to_string(),
        now,
    )
}

/// Inserts a pulled document's record unless there is one. Shared with sync's applier.
pub(crate) fn write_document(
    conn: &Connection,
    document: &str,
    patient: &str,
    provider: &str,
    pulled_at: &str,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO provider_document (document_id, patient_id, provider_id, pulled_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![document, patient, provider, pulled_at])?;
    Ok(())
}

/// Keeps the newest watermark per resource type (instants compared as times
/// when they parse, else as text).
fn save_watermarks(
    conn: &Connection,
    patient: PatientId,
    provider: Uuid,
    watermarks: &BTreeMap<String, String>,
) -> Result<(), CoreError> {
    for (resource_type, mark) in watermarks {
        let valid_type = !resource_type.is_empty()
            && resource_type.len() <= 64
            && resource_type.chars().all(|c| c.is_ascii_alphabetic());
        if !valid_type || mark.is_empty() || mark.len() > 64 {
            continue;
        }
        let current: Option<String> = conn
            .prepare_cached(
                "SELECT last_updated FROM provider_watermark
                 WHERE patient_id = ?1 AND provider_id = ?2 AND resource_type = ?3",
            )?
            .query_row(
                params![patient.to_string(), provider.to_string(), resource_type],
                |r| r.get(0),
            )
            .optional()?;
        let newer = match &current {
            None => true,
            Some(c) => match (jobs::parse_time(c), jobs::parse_time(mark)) {
                (Some(a), Some(b)) => b > a,
                _ => mark.as_str() > c.as_str(),
            },
        };
        if newer {
            conn.prepare_cached(
                "INSERT INTO provider_watermark (patient_id, provider_id, resource_type, last_updated)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (patient_id, provider_id, resource_type)
                 DO UPDATE SET last_updated = excluded.last_updated",
            )?
            .execute(params![patient.to_string(), provider.to_string(), resource_type, mark])?;
        }
    }
    Ok(())
}

/// The significant changes of a pull, as counts (non-zero ones only).
fn significant(b: &Bound) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, n) in [
        ("documents", b.new_documents),
        ("results", b.results),
        ("allergies", b.allergies),
        ("medications", b.medications),
        ("problems", b.problems),
    ] {
        if n > 0 {
            m.insert(k.into(), json!(n));
        }
    }
    m
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "34 resources: 2 new documents, 3 results, 1 allergy" (counts only).
fn details(b: &Bound) -> String {
    let mut parts = Vec::new();
    if b.new_documents > 0 {
        parts.push(plural(b.new_documents, "new document", "new documents"));
    }
    if b.results > 0 {
        parts.push(plural(b.results, "result", "results"));
    }
    if b.allergies > 0 {
        parts.push(plural(b.allergies, "allergy", "allergies"));
    }
    if b.medications > 0 {
        parts.push(plural(b.medications, "medication", "medications"));
    }
    if b.problems > 0 {
        parts.push(plural(b.problems, "problem", "problems"));
    }
    let what = if parts.is_empty() {
        "nothing new".to_string()
    } else {
        parts.join(", ")
    };
    format!("{}: {what}", plural(b.resources, "resource", "resources"))
}

/// Who is told of a pull's significant changes (see the module header).
pub(crate) fn recipients(
    conn: &Connection,
    r: &JobRow,
    patient: PatientId,
) -> Result<Vec<StaffId>, CoreError> {
    if let Some(staff) = r.requested_by {
        return Ok(vec![staff]);
    }
    let ids = |sql: &str, p: Option<String>| -> Result<Vec<StaffId>, CoreError> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(p), |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(
                row?.parse()
                    .map_err(|_| CoreError::Corrupt("staff id".into()))?,
            );
        }
        Ok(out)
    };
    let doctors = ids(
        "SELECT c.staff_id FROM care_team_member c JOIN staff s ON s.id = c.staff_id
         WHERE c.patient_id = ?1 AND c.active = 1 AND s.role = 'doctor' AND s.disabled = 0
         ORDER BY c.staff_id",
        Some(patient.to_string()),
    )?;
    if !doctors.is_empty() {
        return Ok(doctors);
    }
    ids(
        "SELECT id FROM staff WHERE role = 'administrator' AND disabled = 0 ORDER BY id",
        None,
    )
}

/// The provider's answer as one FHIR input (NDJSON: a resource a line).
fn as_input(resources: &[Value]) -> String {
    let mut out = String::new();
    for r in resources {
        out.push_str(&r.to_string());
        out.push('\n');
    }
    out
}

/// Applies a pull's answer (see the module header) and returns the job,
/// succeeded or failed. `Err` only when the job is not a pull in progress or
/// the store fails.
pub fn apply_pull(
    store: &mut Store,
    audit_key: &[u8; 32],
    job_id: Uuid,
    resources: Vec<Value>,
    watermarks: &BTreeMap<String, String>,
) -> Result<ProviderJob, CoreError> {
    let r = jobs::row(store.conn(), job_id)?;
    let (ProviderJobKind::Pull, Some(patient)) = (r.job.kind, r.job.patient_id) else {
        return Err(CoreError::field(
            "job",
            "This job is not a pull of a patient's records.",
        ));
    };
    if !matches!(
        r.job.status,
        ProviderJobStatus::Running | ProviderJobStatus::Queued
    ) {
        return Err(CoreError::field("job", "This pull is already finished."));
    }
    let fail = |store: &mut Store, kind, why: &str| {
        jobs::finish_job_failed(store, job_id, kind, None, why)
    };
    let patient = merge::resolve(store.conn(), patient)?;
    let Some(link) =
        links::find(store.conn(), patient)?.filter(|l| l.provider_id == r.job.provider_id)
    else {
        return fail(
            store,
            ProviderErrorKind::NotConfigured,
            "the patient is not linked to this provider",
        );
    };
    let input = as_input(&resources);
    drop(resources);
    let plan = interop::plan([("provider", input.as_bytes())]);
    let record = match bound::check(&plan) {
        Ok(record) => record,
        Err(why) => return fail(store, ProviderErrorKind::Malformed, &why),
    };
    let caller = Caller::device(audit_key);
    let device = store.device_id();
    let result = store.write(|tx| {
        let b = bound::write_bound(
            tx,
            &caller,
            &plan,
            record,
            patient,
            device,
            json!({
                "provider_job": job_id.to_string(),
                "provider": link.provider_id.to_string(),
                "requested_by": r.requested_by.map(|s| s.to_string()),
            }),
        )?;
        finish(tx, &r, &link, patient, &b, watermarks)?;
        Ok::<_, BoundError>(b)
    });
    match result {
        Ok(b) => {
            tracing::info!(
                job = %job_id,
                resources = b.resources,
                new_documents = b.new_documents,
                results = b.results,
                "applied a provider pull"
            );
            jobs::get(store.conn(), job_id)
        }
        Err(BoundError::Malformed(why)) => fail(store, ProviderErrorKind::Malformed, &why),
        Err(BoundError::OtherPatient(other)) => {
            let mrn = registry::get_patient(store.conn(), other)
                .map(|p| p.mrn)
                .unwrap_or_default();
            fail(
                store,
                ProviderErrorKind::NotConfigured,
                &format!(
                    "the provider's patient is already linked to another patient here (MRN {mrn}): merge the two records or correct the link"
                ),
            )
        }
        Err(BoundError::Core(e)) => fail(
            store,
            ProviderErrorKind::Malformed,
            &format!("the answer could not be recorded: {e}"),
        ),
    }
}

/// The rest of the pull's transaction (see the module header).
fn finish(
    tx: &mut WriteTx<'_>,
    r: &JobRow,
    link: &StoredLink,
    patient: PatientId,
    b: &Bound,
    watermarks: &BTreeMap<String, String>,
) -> Result<(), CoreError> {
    let now = tx.now_rfc3339();
    for d in &b.documents {
        record_document(tx, &d.to_string(), patient, link.provider_id, &now)?;
    }
    if link.remote_patient_id.is_none() {
        if let Some(remote) = b.remote_patient_id.clone() {
            let learned = StoredLink {
                remote_patient_id: Some(remote),
                ..link.clone()
            };
            links::save(tx, &learned)?;
        }
    }
    save_watermarks(tx.conn(), patient, link.provider_id, watermarks)?;
    let counts = significant(b);
    if !counts.is_empty() {
        for staff in recipients(tx.conn(), r, patient)? {
            inbox::notify(
                tx,
                staff,
                NotificationKind::ProviderRecordsChanged,
                Some(patient),
                Value::Object(counts.clone()),
            )?;
        }
    }
    jobs::succeed(tx.conn(), r.job.id, &now, &details(b), &b.by_type)
}

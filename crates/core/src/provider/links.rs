//! A patient's link to their primary provider: which endpoint holds their
//! record there, and the patient's id there (`Patient/<id>`) or an identifier
//! to find them by (`system|value`). Patient data: every change is one
//! `link_patient_provider` op carrying the whole link (last writer by HLC
//! wins) and one audit entry. `last_synced_at` is this device's last
//! successful pull (jobs are local).
use super::endpoints;
use crate::audit;
use crate::authz::Command;
use crate::validation::Check;
use crate::{merge, Caller, CoreError};
use clinic_protocol::{
    AuditAction, AuditCategory, EntityKind, LinkPatientProvider, OpKind, PatientId,
    PatientProviderLink,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use uuid::Uuid;

/// A link as stored (without what is derived for display).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredLink {
    pub patient_id: PatientId,
    pub provider_id: Uuid,
    pub remote_patient_id: Option<String>,
    pub identifier: Option<String>,
}

/// The link of `patient` itself, or of a record merged into it (the newest).
pub(crate) fn find(conn: &Connection, patient: PatientId) -> Result<Option<StoredLink>, CoreError> {
    let row: Option<(String, String, Option<String>, Option<String>)> = conn
        .prepare_cached(
            "SELECT patient_id, provider_id, remote_patient_id, identifier FROM patient_provider_link
             WHERE patient_id = ?1 OR patient_id IN (SELECT id FROM patient WHERE merged_into = ?1)
             ORDER BY patient_id = ?1 DESC, updated_at DESC LIMIT 1",
        )?
        .query_row([patient.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((p, provider, remote_patient_id, identifier)) = row else {
        return Ok(None);
    };
    let bad = || CoreError::Corrupt("patient provider link".into());
    Ok(Some(StoredLink {
        patient_id: p.parse().map_err(|_| bad())?,
        provider_id: provider.parse().map_err(|_| bad())?,
        remote_patient_id,
        identifier,
    }))
}

/// The link as the UI shows it.
pub(crate) fn view(
    conn: &Connection,
    link: &StoredLink,
    patient: PatientId,
) -> Result<PatientProviderLink, CoreError> {
    let provider_name = endpoints::find(conn, link.provider_id)?
        .map(|e| e.name)
        .unwrap_or_default();
    let last_synced_at: Option<String> = conn
        .prepare_cached(
            "SELECT max(finished_at) FROM provider_job
             WHERE patient_id = ?1 AND provider_id = ?2 AND kind = 'pull' AND status = 'succeeded'",
        )?
        .query_row(
            params![patient.to_string(), link.provider_id.to_string()],
            |r| r.get(0),
        )?;
    Ok(PatientProviderLink {
        patient_id: patient,
        provider_id: link.provider_id,
        provider_name,
        remote_patient_id: link.remote_patient_id.clone(),
        identifier: link.identifier.clone(),
        last_synced_at,
    })
}

/// Inserts or replaces a link's row. Shared with sync's applier.
pub(crate) fn write_row(conn: &Connection, link: &StoredLink, now: &str) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO patient_provider_link (patient_id, provider_id, remote_patient_id, identifier, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (patient_id) DO UPDATE SET provider_id = excluded.provider_id,
            remote_patient_id = excluded.remote_patient_id, identifier = excluded.identifier,
            updated_at = excluded.updated_at",
    )?
    .execute(params![
        link.patient_id.to_string(),
        link.provider_id.to_string(),
        link.remote_patient_id,
        link.identifier,
        now,
    ])?;
    Ok(())
}

/// Records a link (one op, whole link) and writes its row.
pub(crate) fn save(tx: &mut WriteTx<'_>, link: &StoredLink) -> Result<(), CoreError> {
    tx.record(
        OpKind::LinkPatientProvider,
        EntityKind::Patient,
        &link.patient_id.to_string(),
        json!({
            "provider_id": link.provider_id.to_string(),
            "remote_patient_id": link.remote_patient_id,
            "identifier": link.identifier,
        }),
    )?;
    let now = tx.now_rfc3339();
    write_row(tx.conn(), link, &now)
}

/// A FHIR logical id: 1 to 64 of `A-Z a-z 0-9 - .` (a `Patient/` prefix is
/// accepted and dropped).
fn check_remote_id(c: &mut Check, value: &Option<String>) -> Option<String> {
    let v = value.as_deref().map(str::trim).unwrap_or("");
    let v = v.strip_prefix("Patient/").unwrap_or(v);
    if v.is_empty() {
        return None;
    }
    let valid = v.len() <= 64
        && v.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '.');
    if !valid {
        c.fail(
            "remote_patient_id",
            "Enter the patient's id at the provider: 1 to 64 letters, digits, '-' or '.'.",
        );
    }
    Some(v.to_string())
}

/// `system|value`, both given.
fn check_identifier(c: &mut Check, value: &Option<String>) -> Option<String> {
    let mut v = value.clone().unwrap_or_default();
    c.text("identifier", &mut v, false, 500);
    if v.is_empty() {
        return None;
    }
    match v.split_once('|') {
        Some((system, id))
            if !system.trim().is_empty()
                && !id.trim().is_empty()
                && !system.contains(char::is_whitespace) =>
        {
            Some(format!("{}|{}", system.trim(), id.trim()))
        }
        _ => {
            c.fail(
                "identifier",
                "Enter the identifier as system|value, e.g. http://hospital.example.org/mrn|12345.",
            );
            Some(v)
        }
    }
}

/// Links a patient to their provider (the clinic's default when no provider
/// is named). Unchanged: nothing written. A new provider or patient id there
/// starts the incremental pulls afresh.
pub fn link_patient(
    store: &mut Store,
    caller: &Caller<'_>,
    request: LinkPatientProvider,
) -> Result<PatientProviderLink, CoreError> {
    let mut c = Check::new();
    let remote_patient_id = check_remote_id(&mut c, &request.remote_patient_id);
    let identifier = check_identifier(&mut c, &request.identifier);
    if remote_patient_id.is_none() && identifier.is_none() {
        c.fail(
            "remote_patient_id",
            "Enter the patient's id at the provider, or an identifier to find them by.",
        );
    }
    c.finish().map_err(CoreError::Validation)?;
    let patient = merge::resolve(store.conn(), request.patient_id)?;
    crate::restricted::ensure_caller_access(store, caller, patient, Command::LinkPatientProvider)?;
    let endpoint = match request.provider_id {
        Some(id) => endpoints::find(store.conn(), id)?.ok_or_else(|| {
            CoreError::field("provider_id", "This provider is not configured (any more).")
        })?,
        None => endpoints::clinic_default(store.conn())?.ok_or_else(|| {
            CoreError::field(
                "provider_id",
                "The clinic has no default provider: choose one, or ask an administrator to set one.",
            )
        })?,
    };
    let link = StoredLink {
        patient_id: patient,
        provider_id: endpoint.id,
        remote_patient_id,
        identifier,
    };
    let device = store.device_id();
    store.write(|tx| {
        let before = find(tx.conn(), patient)?.filter(|l| l.patient_id == patient);
        if before.as_ref() == Some(&link) {
            return Ok(());
        }
        save(tx, &link)?;
        if before.as_ref().is_some_and(|b| {
            b.provider_id != link.provider_id || b.remote_patient_id != link.remote_patient_id
        }) {
            // Another record there: pull everything again.
            tx.conn().execute(
                "DELETE FROM provider_watermark WHERE patient_id = ?1",
                [patient.to_string()],
            )?;
        }
        let mut fields = Vec::new();
        if before.as_ref().map(|b| b.provider_id) != Some(link.provider_id) {
            fields.push("provider_id");
        }
        if before.as_ref().map(|b| &b.remote_patient_id) != Some(&link.remote_patient_id) {
            fields.push("remote_patient_id");
        }
        if before.as_ref().map(|b| &b.identifier) != Some(&link.identifier) {
            fields.push("identifier");
        }
        let event = caller
            .event(AuditAction::Update, AuditCategory::Demographics)
            .patient(patient)
            .detail(json!({ "provider_link": link.provider_id.to_string(), "fields": fields }));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok::<_, CoreError>(())
    })?;
    tracing::info!(patient = %patient, provider = %link.provider_id, "linked a patient to a provider");
    view(store.conn(), &link, patient)
}

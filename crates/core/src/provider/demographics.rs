//! Demographics sent back to the provider. An edit of a linked patient's name,
//! date of birth, sex, phone, email or address (the registry's edit use case
//! calls [`edited`] in its transaction) queues one SendDemographics job when
//! the endpoint accepts updates — one queued per patient at a time: it sends
//! the demographics as they are when it runs. The runner GETs the provider's
//! Patient, PUTs [`demographics_update`] (their resource with our name,
//! birthDate, gender, telecom and address; everything else of theirs kept)
//! with If-Match, and reports with [`demographics_sent`]; the editor is told
//! either way (`provider_demographics_sent`), except of a temporary failure
//! (retried).
use super::jobs::{self, JobRow, NewJob};
use super::{endpoints, links};
use crate::{inbox, registry, Caller, CoreError};
use clinic_fhir::{FhirIdentity, Item, PatientRecord};
use clinic_protocol::{
    NotificationKind, PatientId, ProviderErrorKind, ProviderJob, ProviderJobKind,
    ProviderJobStatus, ProviderJobTrigger,
};
use clinic_store::{Store, WriteTx};
use serde_json::{json, Value};
use uuid::Uuid;

/// The patient fields the provider is sent.
pub const SENT_FIELDS: &[&str] = &[
    "given_name",
    "middle_name",
    "family_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
];

/// The Patient elements replaced by ours (the rest of theirs is kept).
pub const REPLACED_ELEMENTS: &[&str] = &["name", "birthDate", "gender", "telecom", "address"];

/// The registry's hook: `fields` of `patient` were edited by `caller` in
/// `tx`. Queues a SendDemographics job when the patient is linked to an
/// endpoint that accepts updates and none is queued (the queued one gets the
/// latest editor).
pub(crate) fn edited(
    tx: &mut WriteTx<'_>,
    caller: &Caller<'_>,
    patient: PatientId,
    fields: &[&str],
) -> Result<(), CoreError> {
    if !fields.iter().any(|f| SENT_FIELDS.contains(f)) {
        return Ok(());
    }
    let Some(link) = links::find(tx.conn(), patient)?.filter(|l| l.patient_id == patient) else {
        return Ok(());
    };
    let Some(endpoint) = endpoints::find(tx.conn(), link.provider_id)? else {
        return Ok(());
    };
    if !endpoint.send_demographics {
        return Ok(());
    }
    let queued: Option<String> = {
        use rusqlite::OptionalExtension;
        tx.conn()
            .prepare_cached(
                "SELECT id FROM provider_job WHERE kind = 'send_demographics' AND patient_id = ?1
                   AND status = 'queued' LIMIT 1",
            )?
            .query_row([patient.to_string()], |r| r.get(0))
            .optional()?
    };
    if let Some(id) = queued {
        if let Some(staff) = caller.staff_id {
            tx.conn().execute(
                "UPDATE provider_job SET requested_by = ?2 WHERE id = ?1",
                rusqlite::params![id, staff.to_string()],
            )?;
        }
        return Ok(());
    }
    let now = tx.now_rfc3339();
    jobs::insert(
        tx.conn(),
        &NewJob {
            kind: ProviderJobKind::SendDemographics,
            trigger: ProviderJobTrigger::Change,
            patient: Some(patient),
            provider: endpoint.id,
            request: None,
            requested_by: caller.staff_id,
            not_before: None,
        },
        &now,
    )?;
    tracing::info!(patient = %patient, "queued demographics for the provider");
    Ok(())
}

/// Our demographics as FHIR Patient elements (the FHIR crate's mapping).
fn ours(store: &Store, patient: PatientId) -> Result<serde_json::Map<String, Value>, CoreError> {
    let mut details = registry::get_patient(store.conn(), patient)?.details;
    details.insurance = None;
    let id = patient.to_string();
    let mut record = PatientRecord::new(format!("Patient/{id}"));
    record.patient = Some(Item {
        fhir: FhirIdentity::new("Patient", &id),
        value: details,
        original: None,
    });
    let line = clinic_fhir::patients_ndjson(&[record]);
    match serde_json::from_str(line.trim()) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(CoreError::Corrupt("patient as FHIR".into())),
    }
}

/// The provider's Patient (`remote`, as fetched) with our name, birthDate,
/// gender, telecom and address: each replaced by ours, or removed when we hold
/// none; id, meta, identifiers, extensions and everything else kept. For the
/// runner to PUT with If-Match (`remote.meta.versionId`).
pub fn demographics_update(
    store: &Store,
    job_id: Uuid,
    remote: &Value,
) -> Result<Value, CoreError> {
    let r = jobs::row(store.conn(), job_id)?;
    let (ProviderJobKind::SendDemographics, Some(patient)) = (r.job.kind, r.job.patient_id) else {
        return Err(CoreError::field(
            "job",
            "This job does not send demographics.",
        ));
    };
    let Some(theirs) = remote
        .as_object()
        .filter(|o| o.get("resourceType").and_then(Value::as_str) == Some("Patient"))
    else {
        return Err(CoreError::field(
            "remote",
            "The provider's answer is not a Patient.",
        ));
    };
    let ours = ours(store, crate::merge::resolve(store.conn(), patient)?)?;
    let mut out = theirs.clone();
    for element in REPLACED_ELEMENTS {
        match ours.get(*element) {
            Some(v) => {
                out.insert((*element).to_string(), v.clone());
            }
            None => {
                out.remove(*element);
            }
        }
    }
    Ok(Value::Object(out))
}

/// Tells the editor how a SendDemographics job ended (`error: None`: accepted).
pub(crate) fn notify_outcome(
    tx: &mut WriteTx<'_>,
    r: &JobRow,
    error: Option<ProviderErrorKind>,
) -> Result<(), CoreError> {
    let Some(staff) = r.requested_by else {
        return Ok(());
    };
    inbox::notify(
        tx,
        staff,
        NotificationKind::ProviderDemographicsSent,
        r.job.patient_id,
        json!({
            "accepted": error.is_none(),
            "error": error.map(|e| e.as_str()),
            "provider_job": r.job.id.to_string(),
        }),
    )
}

/// The runner's report of a SendDemographics job: `Ok` when the provider
/// accepted the update, else the error kind, HTTP status and what happened.
/// The job finishes (a temporary failure is retried instead) and the editor is
/// told.
pub fn demographics_sent(
    store: &mut Store,
    job_id: Uuid,
    outcome: Result<(), (ProviderErrorKind, Option<u16>, String)>,
) -> Result<ProviderJob, CoreError> {
    match outcome {
        Ok(()) => {
            store.write(|tx| {
                let r = jobs::row(tx.conn(), job_id)?;
                if r.job.kind != ProviderJobKind::SendDemographics
                    || !matches!(
                        r.job.status,
                        ProviderJobStatus::Running | ProviderJobStatus::Queued
                    )
                {
                    return Err(CoreError::field(
                        "job",
                        "This job does not send demographics.",
                    ));
                }
                let now = tx.now_rfc3339();
                jobs::succeed(
                    tx.conn(),
                    job_id,
                    &now,
                    "demographics accepted by the provider",
                    &[],
                )?;
                notify_outcome(tx, &r, None)
            })?;
            tracing::info!(job = %job_id, "demographics accepted by the provider");
            jobs::get(store.conn(), job_id)
        }
        Err((kind, status, detail)) => {
            jobs::finish_job_failed(store, job_id, kind, status, &detail)
        }
    }
}

//! Provider jobs: every exchange of this device with a provider, queued first
//! (`provider_job`, local to the device: never an op) so it survives being
//! offline, a restart or a crash, then claimed by the runner when the device is
//! online, and kept as the sync history.
//!
//! Life of a job: `queued` → `running` (claimed: attempts + 1) → `succeeded`
//! or `failed`. A temporary failure (unreachable, timeout, 5xx) is tried again
//! after a growing pause ([`BACKOFF_SECS`], capped at 30 minutes) through
//! `next_attempt_at`; any other waits for a manual retry. A job the device
//! cannot run (no credentials here, no link) fails `not_configured` when
//! claimed. Jobs left running by a crash go back to the queue on start-up.
//! Times are RFC 3339 UTC with milliseconds (they sort as text).
use super::{endpoints, links, requests, ClaimedJob, ProviderSecret};
use crate::restricted::stored_time;
use crate::{audit, identity, Caller, CoreError};
use chrono::{DateTime, Duration, Utc};
use clinic_protocol::{
    AuditAction, AuditCategory, DocumentRequestStatus, FhirTypeCounts, PatientId,
    ProviderErrorKind, ProviderJob, ProviderJobKind, ProviderJobQuery, ProviderJobStatus,
    ProviderJobTrigger, StaffId,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Pauses before the 1st, 2nd, … automatic retry of a temporary failure.
pub const BACKOFF_SECS: [i64; 6] = [30, 60, 120, 300, 900, 1800];
/// Jobs listed at most.
pub const MAX_JOBS_LISTED: u32 = 1000;
/// Longest `details` kept (the runner's text is cut).
const MAX_DETAILS: usize = 600;

/// Whether a failure of this kind is retried automatically.
pub fn is_temporary(kind: ProviderErrorKind) -> bool {
    matches!(
        kind,
        ProviderErrorKind::Unreachable
            | ProviderErrorKind::Timeout
            | ProviderErrorKind::ServerError
    )
}

/// The pause before the automatic retry that follows attempt `attempts`.
pub fn backoff(attempts: u32) -> Duration {
    let i = (attempts.max(1) as usize - 1).min(BACKOFF_SECS.len() - 1);
    Duration::seconds(BACKOFF_SECS[i])
}

pub(crate) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn tx_now(tx: &WriteTx<'_>) -> DateTime<Utc> {
    parse_time(&tx.now_rfc3339()).unwrap_or_else(Utc::now)
}

const COLUMNS: &str = "j.id, j.kind, j.job_trigger, j.status, j.patient_id, p.mrn, j.provider_id,
    coalesce(e.name, ''), j.queued_at, j.started_at, j.finished_at, j.attempts, j.next_attempt_at,
    j.error, j.details, j.counts";
const FROM: &str = "provider_job j LEFT JOIN patient p ON p.id = j.patient_id
    LEFT JOIN provider_endpoint e ON e.id = j.provider_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<ProviderJob, CoreError>> {
    let bad = || Ok(Err(CoreError::Corrupt("provider job row".into())));
    let (id, kind, trigger, status): (String, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    let (Ok(id), Some(kind), Some(trigger), Some(status)) = (
        id.parse(),
        ProviderJobKind::parse(&kind),
        ProviderJobTrigger::parse(&trigger),
        ProviderJobStatus::parse(&status),
    ) else {
        return bad();
    };
    let patient_id = match r.get::<_, Option<String>>(4)?.map(|p| p.parse()) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => return bad(),
    };
    let Ok(provider_id) = r.get::<_, String>(6)?.parse() else {
        return bad();
    };
    let error = match r.get::<_, Option<String>>(13)? {
        None => None,
        Some(e) => match ProviderErrorKind::parse(&e) {
            Some(k) => Some(k),
            None => return bad(),
        },
    };
    let counts: Vec<FhirTypeCounts> =
        serde_json::from_str(&r.get::<_, String>(15)?).unwrap_or_default();
    Ok(Ok(ProviderJob {
        id,
        kind,
        trigger,
        status,
        patient_id,
        patient_mrn: r.get(5)?,
        provider_id,
        provider_name: r.get(7)?,
        queued_at: r.get(8)?,
        started_at: r.get(9)?,
        finished_at: r.get(10)?,
        attempts: r.get::<_, i64>(11)?.max(0) as u32,
        next_attempt_at: r.get(12)?,
        error,
        details: r.get(14)?,
        counts,
    }))
}

/// One job (`NotFound` when unknown here).
pub fn get(conn: &Connection, id: Uuid) -> Result<ProviderJob, CoreError> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM {FROM} WHERE j.id = ?1"))?
        .query_row([id.to_string()], from_row)
        .optional()?
        .ok_or(CoreError::NotFound("provider job"))?
}

/// What else the runner and the finishers need of a job's row.
#[derive(Clone, Debug)]
pub(crate) struct JobRow {
    pub job: ProviderJob,
    pub request_id: Option<Uuid>,
    pub requested_by: Option<StaffId>,
}

pub(crate) fn row(conn: &Connection, id: Uuid) -> Result<JobRow, CoreError> {
    let job = get(conn, id)?;
    let (request, by): (Option<String>, Option<String>) = conn
        .prepare_cached("SELECT request_id, requested_by FROM provider_job WHERE id = ?1")?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(JobRow {
        job,
        request_id: request.and_then(|r| r.parse().ok()),
        requested_by: by.and_then(|s| s.parse().ok()),
    })
}

/// A job to queue.
#[derive(Clone, Debug)]
pub(crate) struct NewJob {
    pub kind: ProviderJobKind,
    pub trigger: ProviderJobTrigger,
    pub patient: Option<PatientId>,
    pub provider: Uuid,
    pub request: Option<Uuid>,
    pub requested_by: Option<StaffId>,
    /// Not before this time (`None`: as soon as possible).
    pub not_before: Option<String>,
}

/// Queues a job (a local row, no op); returns its id.
pub(crate) fn insert(conn: &Connection, job: &NewJob, now: &str) -> Result<Uuid, CoreError> {
    let id = Uuid::now_v7();
    conn.prepare_cached(
        "INSERT INTO provider_job (id, kind, job_trigger, status, patient_id, provider_id, request_id,
            requested_by, queued_at, next_attempt_at)
         VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        id.to_string(),
        job.kind.as_str(),
        job.trigger.as_str(),
        job.patient.map(|p| p.to_string()),
        job.provider.to_string(),
        job.request.map(|r| r.to_string()),
        job.requested_by.map(|s| s.to_string()),
        now,
        job.not_before,
    ])?;
    Ok(id)
}

/// The queued (or running) job of `kind` for `patient`, if any.
pub(crate) fn pending(
    conn: &Connection,
    kind: ProviderJobKind,
    patient: PatientId,
) -> Result<Option<Uuid>, CoreError> {
    let id: Option<String> = conn
        .prepare_cached(
            "SELECT id FROM provider_job WHERE kind = ?1 AND patient_id = ?2
               AND status IN ('queued', 'running') ORDER BY queued_at LIMIT 1",
        )?
        .query_row(params![kind.as_str(), patient.to_string()], |r| r.get(0))
        .optional()?;
    Ok(id.and_then(|i| i.parse().ok()))
}

/// Queues a pull of `patient`'s records unless one is queued or running
/// (that one is returned; a staff member asking becomes who is told). Older
/// failed pulls of the patient stop retrying: this one replaces them.
pub(crate) fn queue_pull(
    conn: &Connection,
    patient: PatientId,
    provider: Uuid,
    trigger: ProviderJobTrigger,
    requested_by: Option<StaffId>,
    now: &str,
) -> Result<Uuid, CoreError> {
    if let Some(id) = pending(conn, ProviderJobKind::Pull, patient)? {
        if let Some(staff) = requested_by {
            conn.execute(
                "UPDATE provider_job SET requested_by = ?2,
                    job_trigger = CASE WHEN job_trigger = 'scheduled' THEN ?3 ELSE job_trigger END
                 WHERE id = ?1",
                params![id.to_string(), staff.to_string(), trigger.as_str()],
            )?;
        }
        return Ok(id);
    }
    conn.execute(
        "UPDATE provider_job SET next_attempt_at = NULL
         WHERE kind = 'pull' AND patient_id = ?1 AND status = 'failed' AND next_attempt_at IS NOT NULL",
        [patient.to_string()],
    )?;
    insert(
        conn,
        &NewJob {
            kind: ProviderJobKind::Pull,
            trigger,
            patient: Some(patient),
            provider,
            request: None,
            requested_by,
            not_before: None,
        },
        now,
    )
}

/// Marks a job succeeded.
pub(crate) fn succeed(
    conn: &Connection,
    id: Uuid,
    now: &str,
    details: &str,
    counts: &[FhirTypeCounts],
) -> Result<(), CoreError> {
    let counts = serde_json::to_string(counts).unwrap_or_else(|_| "[]".into());
    conn.prepare_cached(
        "UPDATE provider_job SET status = 'succeeded', finished_at = ?2, details = ?3, counts = ?4,
            error = NULL, http_status = NULL, next_attempt_at = NULL WHERE id = ?1",
    )?
    .execute(params![id.to_string(), now, cut(details), counts])?;
    Ok(())
}

fn cut(details: &str) -> String {
    let mut s: String = details.chars().filter(|c| !c.is_control()).collect();
    if s.chars().count() > MAX_DETAILS {
        s = s.chars().take(MAX_DETAILS - 1).collect::<String>() + "…";
    }
    s
}

/// Marks a job failed inside `tx`: a temporary error is retried after the
/// backoff, another one waits for a manual retry. What the failure means for
/// the job's subject (a request that could not be sent, demographics refused)
/// follows here too.
pub(crate) fn fail_in(
    tx: &mut WriteTx<'_>,
    id: Uuid,
    kind: ProviderErrorKind,
    http_status: Option<u16>,
    detail: &str,
) -> Result<(), CoreError> {
    let r = row(tx.conn(), id)?;
    if r.job.status == ProviderJobStatus::Succeeded {
        return Err(CoreError::field("job", "This exchange already succeeded."));
    }
    let now = tx_now(tx);
    let temporary = is_temporary(kind);
    let next = temporary.then(|| stored_time(now + backoff(r.job.attempts)));
    let mut details = cut(detail.trim());
    if details.is_empty() {
        details = kind.as_str().replace('_', " ");
    }
    if let Some(status) = http_status {
        details.push_str(&format!(" (HTTP {status})"));
    }
    if r.job.attempts > 0 {
        details.push_str(&format!("; attempt {}", r.job.attempts));
    }
    if let Some(next) = &next {
        details.push_str(&format!("; next try at {next}"));
    }
    tx.conn()
        .prepare_cached(
            "UPDATE provider_job SET status = 'failed', finished_at = ?2, error = ?3, http_status = ?4,
                details = ?5, next_attempt_at = ?6 WHERE id = ?1",
        )?
        .execute(params![
            id.to_string(),
            stored_time(now),
            kind.as_str(),
            http_status,
            cut(&details),
            next,
        ])?;
    if temporary {
        return Ok(());
    }
    match r.job.kind {
        ProviderJobKind::RequestDocuments => {
            if let Some(request) = r.request_id {
                requests::set_status(tx, request, DocumentRequestStatus::Failed, None)?;
            }
        }
        ProviderJobKind::SendDemographics => {
            super::demographics::notify_outcome(tx, &r, Some(kind))?;
        }
        ProviderJobKind::Pull | ProviderJobKind::CheckRequest => {}
    }
    Ok(())
}

/// The runner's report of a failed job: the error kind, the HTTP status if
/// any, and what happened (resource types, statuses — no values).
pub fn finish_job_failed(
    store: &mut Store,
    job_id: Uuid,
    kind: ProviderErrorKind,
    http_status: Option<u16>,
    detail: &str,
) -> Result<ProviderJob, CoreError> {
    store.write(|tx| fail_in(tx, job_id, kind, http_status, detail))?;
    let job = get(store.conn(), job_id)?;
    tracing::info!(job = %job_id, error = kind.as_str(), http_status, attempts = job.attempts, "provider job failed");
    Ok(job)
}

/// Why this device cannot run a job, if it cannot.
fn not_runnable(conn: &Connection, r: &JobRow) -> Result<Option<String>, CoreError> {
    let Some(endpoint) = endpoints::find(conn, r.job.provider_id)? else {
        return Ok(Some("the provider is not configured on this device".into()));
    };
    if !endpoints::can_run_here(&endpoint) {
        return Ok(Some(
            "this device holds no credentials for the provider: an administrator enters them on the device that runs the exchanges".into(),
        ));
    }
    if let Some(patient) = r.job.patient_id {
        match links::find(conn, patient)? {
            None => return Ok(Some("the patient is not linked to a provider".into())),
            Some(l) if l.provider_id != r.job.provider_id => {
                return Ok(Some("the patient is now linked to another provider".into()))
            }
            Some(_) => {}
        }
    }
    Ok(None)
}

/// Claims the next due job (oldest first): `running`, attempts + 1, with
/// everything the runner needs. A job this device cannot run fails
/// `not_configured` on the way. `None`: nothing is due.
pub fn next_job(store: &mut Store, now: DateTime<Utc>) -> Result<Option<ClaimedJob>, CoreError> {
    let now_s = stored_time(now);
    loop {
        let claimed = store.write(|tx| {
            let id: Option<String> = tx
                .conn()
                .prepare_cached(
                    "SELECT id FROM provider_job
                     WHERE (status = 'queued' OR (status = 'failed' AND next_attempt_at IS NOT NULL))
                       AND (next_attempt_at IS NULL OR next_attempt_at <= ?1)
                     ORDER BY coalesce(next_attempt_at, queued_at), queued_at, id LIMIT 1",
                )?
                .query_row([&now_s], |r| r.get(0))
                .optional()?;
            let Some(id) = id.and_then(|i| i.parse::<Uuid>().ok()) else {
                return Ok::<_, CoreError>(None);
            };
            tx.conn().execute(
                "UPDATE provider_job SET status = 'running', started_at = ?2, finished_at = NULL,
                    attempts = attempts + 1, next_attempt_at = NULL WHERE id = ?1",
                params![id.to_string(), now_s],
            )?;
            let r = row(tx.conn(), id)?;
            if let Some(why) = not_runnable(tx.conn(), &r)? {
                fail_in(tx, id, ProviderErrorKind::NotConfigured, None, &why)?;
                return Ok(Some(Err(id)));
            }
            Ok(Some(Ok(claim(tx.conn(), r)?)))
        })?;
        match claimed {
            None => return Ok(None),
            Some(Ok(job)) => {
                tracing::info!(job = %job.job.id, kind = job.job.kind.as_str(), attempt = job.job.attempts, "claimed a provider job");
                return Ok(Some(job));
            }
            Some(Err(id)) => {
                tracing::info!(job = %id, "provider job not runnable on this device");
            }
        }
    }
}

fn claim(conn: &Connection, r: JobRow) -> Result<ClaimedJob, CoreError> {
    let endpoint = endpoints::get(conn, r.job.provider_id)?;
    let secret = endpoints::secret(conn, endpoint.id)?.map(ProviderSecret::new);
    let link = match r.job.patient_id {
        Some(p) => links::find(conn, p)?,
        None => None,
    };
    let mut watermarks = BTreeMap::new();
    if let (Some(p), ProviderJobKind::Pull) = (r.job.patient_id, r.job.kind) {
        let mut stmt = conn.prepare_cached(
            "SELECT resource_type, last_updated FROM provider_watermark
             WHERE patient_id = ?1 AND provider_id = ?2",
        )?;
        let rows = stmt.query_map(params![p.to_string(), endpoint.id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (t, w) = row?;
            watermarks.insert(t, w);
        }
    }
    let request = match r.request_id {
        Some(id) => Some(requests::get(conn, id)?),
        None => None,
    };
    let clinic_name = identity::clinic_info(conn)?
        .map(|c| c.name)
        .unwrap_or_default();
    Ok(ClaimedJob {
        job: r.job,
        endpoint,
        secret,
        remote_patient_id: link.as_ref().and_then(|l| l.remote_patient_id.clone()),
        identifier: link.and_then(|l| l.identifier),
        watermarks,
        request,
        clinic_name,
    })
}

/// On start-up: jobs left running by a crash go back to the queue.
pub fn recover_jobs(store: &mut Store) -> Result<usize, CoreError> {
    let n = store.write(|tx| {
        Ok::<_, CoreError>(tx.conn().execute(
            "UPDATE provider_job SET status = 'queued', started_at = NULL WHERE status = 'running'",
            [],
        )?)
    })?;
    if n > 0 {
        tracing::info!(
            jobs = n,
            "provider jobs interrupted by a restart queued again"
        );
    }
    Ok(n)
}

/// A failed job queued again by a staff member (who is then told of the
/// outcome). Audited.
pub fn retry_job(
    store: &mut Store,
    caller: &Caller<'_>,
    job_id: Uuid,
) -> Result<ProviderJob, CoreError> {
    let device = store.device_id();
    store.write(|tx| {
        let r = row(tx.conn(), job_id)?;
        if r.job.status != ProviderJobStatus::Failed {
            return Err(CoreError::field(
                "job",
                "Only a failed exchange can be retried; this one is queued, running or done.",
            ));
        }
        let last = r.job.error.map_or("", |e| e.as_str());
        tx.conn().execute(
            "UPDATE provider_job SET status = 'queued', next_attempt_at = NULL, error = NULL,
                http_status = NULL, finished_at = NULL, details = ?2,
                requested_by = coalesce(?3, requested_by) WHERE id = ?1",
            params![
                job_id.to_string(),
                format!("retry queued (last error: {})", last.replace('_', " ")),
                caller.staff_id.map(|s| s.to_string()),
            ],
        )?;
        if let (ProviderJobKind::RequestDocuments, Some(request)) = (r.job.kind, r.request_id) {
            requests::set_status(tx, request, DocumentRequestStatus::Queued, None)?;
        }
        let mut event = caller
            .event(AuditAction::Update, AuditCategory::System)
            .detail(json!({ "provider_job": job_id.to_string(), "retry": true, "kind": r.job.kind.as_str() }));
        if let Some(p) = r.job.patient_id {
            event = event.patient(p);
        }
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok(())
    })?;
    get(store.conn(), job_id)
}

/// The history, newest first, filtered; the text is matched against the MRN,
/// the provider's name and the details.
pub fn list_jobs(
    store: &Store,
    _caller: &Caller<'_>,
    q: &ProviderJobQuery,
) -> Result<Vec<ProviderJob>, CoreError> {
    let limit = q.limit.unwrap_or(200).clamp(1, MAX_JOBS_LISTED);
    let text = q
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            let escaped = t
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        });
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM}
         WHERE (?1 IS NULL OR j.patient_id = ?1) AND (?2 IS NULL OR j.status = ?2)
           AND (?3 IS NULL OR j.kind = ?3)
           AND (?4 IS NULL OR p.mrn LIKE ?4 ESCAPE '\\' OR e.name LIKE ?4 ESCAPE '\\'
                OR j.details LIKE ?4 ESCAPE '\\')
         ORDER BY j.queued_at DESC, j.id DESC LIMIT ?5"
    );
    let mut stmt = store.conn().prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            q.patient_id.map(|p| p.to_string()),
            q.status.map(|s| s.as_str()),
            q.kind.map(|k| k.as_str()),
            text,
            limit,
        ],
        from_row,
    )?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// Queues what is due at `now` (the scheduler calls it every minute or so):
/// a scheduled pull of every linked patient whose endpoint refreshes
/// automatically and can run here, whose last pull (or attempt) is older than
/// the endpoint's interval and who has none queued, running or waiting for a
/// retry; and a look at every open request this device sent that has none
/// pending and was last looked at over [`requests::CHECK_EVERY_MINUTES`] ago.
/// Returns how many jobs were queued.
pub fn queue_due_pulls(store: &mut Store, now: DateTime<Utc>) -> Result<usize, CoreError> {
    let now_s = stored_time(now);
    let runnable: Vec<(Uuid, u32)> = endpoints::all(store.conn())?
        .into_iter()
        .filter(|e| e.refresh_minutes > 0 && endpoints::can_run_here(e))
        .map(|e| (e.id, e.refresh_minutes))
        .collect();
    let queued = store.write(|tx| {
        let mut n = 0;
        for (provider, minutes) in &runnable {
            let since = stored_time(now - Duration::minutes(i64::from(*minutes)));
            let due: Vec<String> = {
                let mut stmt = tx.conn().prepare_cached(
                    "SELECT l.patient_id FROM patient_provider_link l
                     JOIN patient p ON p.id = l.patient_id AND p.merged_into IS NULL
                     WHERE l.provider_id = ?1
                       AND NOT EXISTS (SELECT 1 FROM provider_job j WHERE j.patient_id = l.patient_id
                           AND j.kind = 'pull' AND (j.status IN ('queued', 'running')
                               OR (j.status = 'failed' AND j.next_attempt_at IS NOT NULL)))
                       AND coalesce((SELECT max(coalesce(j.finished_at, j.started_at, j.queued_at))
                           FROM provider_job j WHERE j.patient_id = l.patient_id AND j.kind = 'pull'
                             AND j.provider_id = l.provider_id), '') < ?2
                     ORDER BY l.patient_id",
                )?;
                let rows = stmt.query_map(params![provider.to_string(), since], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            };
            for p in due {
                let patient: PatientId = p
                    .parse()
                    .map_err(|_| CoreError::Corrupt("patient provider link".into()))?;
                queue_pull(tx.conn(), patient, *provider, ProviderJobTrigger::Scheduled, None, &now_s)?;
                n += 1;
            }
        }
        n += requests::queue_due_checks(tx.conn(), now)?;
        Ok::<_, CoreError>(n)
    })?;
    if queued > 0 {
        tracing::info!(jobs = queued, "queued scheduled provider jobs");
    }
    Ok(queued)
}

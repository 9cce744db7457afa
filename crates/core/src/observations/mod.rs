//! Observations: recording vital signs and test results (all or nothing, units
//! converted to the catalogue's, flagged against reference and critical ranges),
//! the results list, trends for charts, marking a value entered in error, and the
//! "new result" notification to the patient's responsible doctor.
//!
//! Invariants: values are validated before anything is written (unknown code or
//! unit, non-numeric, implausible value, future time → field errors); one
//! transaction writes the rows, one op per observation, the notification and one
//! audit entry (ids and counts only, never values); values never change after
//! recording (a trigger refuses it); nothing is deleted.
//!
//! The responsible doctor is the doctor who recorded the patient's most recent
//! encounter; no notification when there is none or it is the recorder.
pub mod catalogue;

use crate::audit::{self};
use crate::authz::Command;
use crate::restricted::{ensure_caller_access, stored_time};
use crate::validation::Check;
use crate::{Caller, CoreError};
use chrono::{DateTime, NaiveDate, Utc};
use clinic_protocol::{
    AbnormalFlag, AuditAction, EntityKind, ListObservations, Notification, NotificationKind,
    Observation, ObservationCategory, ObservationCode, ObservationId, ObservationPage,
    ObservationStatus, ObservationSummary, ObservationTrend, OpKind, PatientId, RecordObservations,
    SetObservationEnteredInError, StaffId, TrendPoint, TrendQuery,
};
use clinic_store::Store;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::json;

/// Most values in one recording.
pub const MAX_BATCH: usize = 50;
pub const MAX_PAGE_SIZE: u32 = 200;
/// Most points in one trend (the most recent are kept).
pub const MAX_TREND_POINTS: usize = 2000;
const MAX_SOURCE: usize = 200;

/// Every code of the catalogue.
pub fn codes() -> Vec<ObservationCode> {
    catalogue::CODES.iter().map(catalogue::describe).collect()
}

fn parse_value(text: &str) -> Option<f64> {
    let t = text.trim();
    let t = if t.contains(',') && !t.contains('.') {
        t.replace(',', ".")
    } else {
        t.to_string()
    };
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, &'static str> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(now);
    }
    let when = if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        d.with_timezone(&Utc)
    } else if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        // A date alone is checked against the clinic's calendar day (so "today"
        // is never "in the future" east of UTC) and stored at its noon, UTC.
        if d > crate::registry::clinic_today() {
            return Err("This date is in the future.");
        }
        return d
            .and_hms_opt(12, 0, 0)
            .map(|n| n.and_utc())
            .ok_or("bad date");
    } else {
        return Err("Enter a date as YYYY-MM-DD or a date and time like 2024-03-15T09:30:00Z.");
    };
    if when > now + chrono::Duration::hours(1) {
        return Err("This time is in the future.");
    }
    Ok(when)
}

/// A validated value ready to write.
#[derive(Clone)]
pub(crate) struct Valid {
    pub code: &'static catalogue::Code,
    pub value: f64,
    pub entered_value: f64,
    pub entered_unit: String,
    pub effective_at: String,
    pub source: String,
    pub flag: AbnormalFlag,
}

/// Validates and converts every value of `request` (field errors name
/// `observations.<i>.<field>`). Shared with the FHIR import.
pub(crate) fn validate(
    request: &RecordObservations,
    now: DateTime<Utc>,
) -> Result<Vec<Valid>, CoreError> {
    let mut c = Check::new();
    if request.observations.is_empty() {
        c.fail("observations", "Enter at least one value.");
    } else if request.observations.len() > MAX_BATCH {
        c.fail(
            "observations",
            format!("Record at most {MAX_BATCH} values at once."),
        );
    }
    let mut out = Vec::new();
    for (i, o) in request.observations.iter().enumerate() {
        let field = |f: &str| format!("observations.{i}.{f}");
        let Some(code) = catalogue::find(o.code.trim()) else {
            c.fail(&field("code"), "Choose a test or vital sign from the list.");
            continue;
        };
        let Some(conversion) = catalogue::conversion(code, &o.unit) else {
            let mut units = vec![code.unit];
            units.extend(code.other_units.iter().map(|(u, _)| *u));
            c.fail(
                &field("unit"),
                format!(
                    "Unknown unit for {}: use {}.",
                    code.display,
                    units.join(", ")
                ),
            );
            continue;
        };
        let Some(entered) = parse_value(&o.value) else {
            c.fail(&field("value"), "Enter a number, for example 5.6.");
            continue;
        };
        let value = conversion.apply(entered);
        let (min, max) = code.plausible;
        if !(min..=max).contains(&value) {
            c.fail(
                &field("value"),
                format!(
                    "{} of {value:.1} {} is not plausible: check the value and unit.",
                    code.display, code.unit
                ),
            );
            continue;
        }
        let effective_at = match parse_time(&o.effective_at, now) {
            Ok(t) => stored_time(t),
            Err(m) => {
                c.fail(&field("effective_at"), m);
                continue;
            }
        };
        let mut source = o.source.clone();
        c.text(&field("source"), &mut source, false, MAX_SOURCE);
        out.push(Valid {
            code,
            value,
            entered_value: entered,
            entered_unit: o.unit.trim().to_string(),
            effective_at,
            source,
            flag: catalogue::flag(code, value),
        });
    }
    c.finish().map_err(CoreError::Validation)?;
    Ok(out)
}

/// The doctor to tell about new results (see the module header).
fn responsible_doctor(conn: &Connection, patient: PatientId) -> Result<Option<StaffId>, CoreError> {
    let id: Option<String> = conn
        .prepare_cached(
            "SELECT e.recorded_by FROM encounter e JOIN staff s ON s.id = e.recorded_by
             WHERE e.patient_id = ?1 AND s.role = 'doctor' AND s.disabled = 0
               AND e.status != 'entered_in_error'
             ORDER BY e.started_at DESC LIMIT 1",
        )?
        .query_row([patient.to_string()], |r| r.get(0))
        .optional()?;
    Ok(id.and_then(|i| i.parse().ok()))
}

/// Inserts one observation row (`o.recorded_by` is the recorder's display name).
/// Shared with sync's applier so both write the same row.
pub(crate) fn insert_row(
    conn: &Connection,
    o: &Observation,
    recorded_at: &str,
    recorded_by: Option<&str>,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO observation (id, patient_id, encounter_id, category, code, loinc, value,
            unit, entered_value, entered_unit, ref_low, ref_high, flag, effective_at, source,
            status, status_reason, recorded_at, recorded_by, recorded_by_name, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20, ?21)",
    )?
    .execute(params![
        o.id.to_string(),
        o.patient_id.to_string(),
        o.encounter_id.map(|e| e.to_string()),
        o.category.as_str(),
        o.code,
        o.loinc,
        o.value,
        o.unit,
        o.entered_value,
        o.entered_unit,
        o.ref_low,
        o.ref_high,
        o.flag.as_str(),
        o.effective_at,
        o.source,
        o.status.as_str(),
        o.status_reason,
        recorded_at,
        recorded_by,
        o.recorded_by,
        o.version,
    ])?;
    Ok(())
}

/// Records one validated value (its op and row, status final) inside the
/// caller's transaction. No audit entry or notification: the caller decides.
/// Shared by [`record`] and the FHIR import.
pub(crate) fn insert_valid(
    tx: &mut clinic_store::WriteTx<'_>,
    caller: &Caller<'_>,
    id: ObservationId,
    patient: PatientId,
    encounter_id: Option<clinic_protocol::EncounterId>,
    v: &Valid,
) -> Result<(), CoreError> {
    let row = json!({
        "patient_id": patient.to_string(),
        "encounter_id": encounter_id.map(|e| e.to_string()),
        "code": v.code.code, "loinc": v.code.loinc, "value": v.value, "unit": v.code.unit,
        "entered_value": v.entered_value, "entered_unit": v.entered_unit,
        "effective_at": v.effective_at, "source": v.source, "flag": v.flag.as_str(),
        // The catalogue's category and reference range at recording, so other
        // devices store the same row even if their catalogue differs.
        "category": v.code.category.as_str(),
        "ref_low": v.code.reference.0, "ref_high": v.code.reference.1,
    });
    tx.record(
        OpKind::RecordObservation,
        EntityKind::Observation,
        &id.to_string(),
        row,
    )?;
    let observation = Observation {
        id,
        patient_id: patient,
        encounter_id,
        category: v.code.category,
        display: v.code.display.to_string(),
        code: v.code.code.to_string(),
        loinc: v.code.loinc.to_string(),
        value: v.value,
        unit: v.code.unit.to_string(),
        entered_value: v.entered_value,
        entered_unit: v.entered_unit.clone(),
        ref_low: v.code.reference.0,
        ref_high: v.code.reference.1,
        flag: v.flag,
        effective_at: v.effective_at.clone(),
        source: v.source.clone(),
        status: ObservationStatus::Final,
        status_reason: String::new(),
        recorded_by: caller.actor_name(),
        version: 1,
    };
    let now = tx.now_rfc3339();
    insert_row(tx.conn(), &observation, &now, caller.actor_id().as_deref())
}

/// Records the values (all or none) and notifies the responsible doctor.
pub fn record(
    store: &mut Store,
    caller: &Caller<'_>,
    request: RecordObservations,
) -> Result<Vec<Observation>, CoreError> {
    let valid = validate(&request, Utc::now())?;
    let patient = request.patient_id;
    ensure_caller_access(store, caller, patient, Command::RecordObservations)?;
    if let Some(e) = request.encounter_id {
        if crate::notes::get_encounter(store.conn(), e)?.patient_id != patient {
            return Err(CoreError::field(
                "encounter_id",
                "This encounter belongs to another patient.",
            ));
        }
    }
    let device = store.device_id();
    let recorder = caller.actor_id();
    let ids: Vec<ObservationId> = valid.iter().map(|_| ObservationId::new()).collect();
    store.write(|tx| {
        crate::registry::require_patient(tx.conn(), patient)?;
        for (id, v) in ids.iter().zip(&valid) {
            insert_valid(tx, caller, *id, patient, request.encounter_id, v)?;
        }
        let abnormal = valid
            .iter()
            .filter(|v| v.flag != AbnormalFlag::Normal)
            .count();
        let doctor = responsible_doctor(tx.conn(), patient)?;
        let mut notified = None;
        if let Some(doctor) = doctor.filter(|d| Some(d.to_string()) != recorder) {
            crate::inbox::notify(
                tx,
                doctor,
                NotificationKind::NewResult,
                Some(patient),
                json!({ "observations": ids.len(), "abnormal": abnormal }),
            )?;
            notified = Some(doctor.to_string());
        }
        let event = caller.chart_event(
            AuditAction::Create,
            patient,
            json!({
                "observations": ids.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
                "codes": valid.iter().map(|v| v.code.code).collect::<Vec<_>>(),
                "abnormal": abnormal,
                "notified": notified,
            }),
        );
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok::<_, CoreError>(())
    })?;
    tracing::info!(count = ids.len(), "recorded observations");
    ids.iter().map(|id| get(store.conn(), *id)).collect()
}

const COLUMNS: &str = "id, patient_id, encounter_id, category, code, loinc, value, unit,
    entered_value, entered_unit, ref_low, ref_high, flag, effective_at, source, status,
    status_reason, recorded_by_name, version";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<Observation, CoreError>> {
    let (id, patient, category, code, flag, status): (
        String,
        String,
        String,
        String,
        String,
        String,
    ) = (
        r.get(0)?,
        r.get(1)?,
        r.get(3)?,
        r.get(4)?,
        r.get(12)?,
        r.get(15)?,
    );
    let encounter: Option<String> = r.get(2)?;
    let (Ok(id), Ok(patient_id), Some(category), Some(flag), Some(status)) = (
        id.parse(),
        patient.parse(),
        ObservationCategory::parse(&category),
        AbnormalFlag::parse(&flag),
        ObservationStatus::parse(&status),
    ) else {
        return Ok(Err(CoreError::Corrupt("observation row".into())));
    };
    let display = catalogue::find(&code)
        .map(|c| c.display)
        .unwrap_or("Unknown test")
        .to_string();
    Ok(Ok(Observation {
        id,
        patient_id,
        encounter_id: encounter.and_then(|e| e.parse().ok()),
        category,
        display,
        code,
        loinc: r.get(5)?,
        value: r.get(6)?,
        unit: r.get(7)?,
        entered_value: r.get(8)?,
        entered_unit: r.get(9)?,
        ref_low: r.get(10)?,
        ref_high: r.get(11)?,
        flag,
        effective_at: r.get(13)?,
        source: r.get(14)?,
        status,
        status_reason: r.get(16)?,
        recorded_by: r.get(17)?,
        version: r.get(18)?,
    }))
}

pub fn get(conn: &Connection, id: ObservationId) -> Result<Observation, CoreError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM observation WHERE id = ?1"),
        [id.to_string()],
        from_row,
    )
    .optional()?
    .ok_or(CoreError::NotFound("observation"))?
}

fn collect(
    conn: &Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Observation>, CoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

fn audited_view(
    store: &mut Store,
    caller: &Caller<'_>,
    patient: PatientId,
    command: Command,
    detail: serde_json::Value,
) -> Result<(), CoreError> {
    ensure_caller_access(store, caller, patient, command)?;
    let event = caller.chart_event(AuditAction::View, patient, detail);
    audit::append_standalone(store, caller.audit_key, &event)?;
    Ok(())
}

/// A page of the patient's observations, newest first (one code or all).
pub fn list(
    store: &mut Store,
    caller: &Caller<'_>,
    q: ListObservations,
) -> Result<ObservationPage, CoreError> {
    if q.page_size == 0 || q.page_size > MAX_PAGE_SIZE {
        return Err(CoreError::field(
            "page_size",
            format!("Ask for 1 to {MAX_PAGE_SIZE} per page."),
        ));
    }
    audited_view(
        store,
        caller,
        q.patient_id,
        Command::ListObservations,
        json!({ "view": "results", "page": q.page }),
    )?;
    let limit = i64::from(q.page_size) + 1;
    let offset = i64::from(q.page) * i64::from(q.page_size);
    let patient = q.patient_id.to_string();
    let mut items = match &q.code {
        Some(code) => collect(
            store.conn(),
            &format!(
                "SELECT {COLUMNS} FROM observation WHERE patient_id = ?1 AND code = ?2
                      ORDER BY effective_at DESC, id DESC LIMIT ?3 OFFSET ?4"
            ),
            &[&patient, code, &limit, &offset],
        )?,
        None => collect(
            store.conn(),
            &format!(
                "SELECT {COLUMNS} FROM observation WHERE patient_id = ?1
                      ORDER BY effective_at DESC, id DESC LIMIT ?2 OFFSET ?3"
            ),
            &[&patient, &limit, &offset],
        )?,
    };
    let has_more = items.len() > q.page_size as usize;
    items.truncate(q.page_size as usize);
    Ok(ObservationPage {
        items,
        page: q.page,
        page_size: q.page_size,
        has_more,
    })
}

/// One code's values over time, for a chart.
pub fn trend(
    store: &mut Store,
    caller: &Caller<'_>,
    q: TrendQuery,
) -> Result<ObservationTrend, CoreError> {
    let code = catalogue::find(&q.code)
        .ok_or_else(|| CoreError::field("code", "Choose a test or vital sign from the list."))?;
    let bound = |field: &str, v: &Option<String>, end: bool| -> Result<String, CoreError> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(if end { "9999".into() } else { String::new() }),
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(|d| {
                    if end {
                        format!("{d}T23:59:59.999Z")
                    } else {
                        format!("{d}T00:00:00.000Z")
                    }
                })
                .map_err(|_| CoreError::field(field, "Enter a date as YYYY-MM-DD.")),
        }
    };
    let (from, to) = (bound("from", &q.from, false)?, bound("to", &q.to, true)?);
    audited_view(
        store,
        caller,
        q.patient_id,
        Command::GetObservationTrend,
        json!({ "view": "trend", "code": code.code }),
    )?;
    let mut stmt = store.conn().prepare_cached(
        "SELECT id, effective_at, value, flag FROM observation
         WHERE patient_id = ?1 AND code = ?2 AND status = 'final' AND effective_at >= ?3 AND effective_at <= ?4
         ORDER BY effective_at DESC, id DESC LIMIT ?5",
    )?;
    let limit = (MAX_TREND_POINTS + 1) as i64;
    let rows = stmt.query_map(
        params![q.patient_id.to_string(), code.code, from, to, limit],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, f64>(2)?,
                r.get::<_, String>(3)?,
            ))
        },
    )?;
    let mut points = Vec::new();
    for row in rows {
        let (id, effective_at, value, flag) = row?;
        points.push(TrendPoint {
            id: id
                .parse()
                .map_err(|_| CoreError::Corrupt("observation id".into()))?,
            effective_at,
            value,
            flag: AbnormalFlag::parse(&flag).unwrap_or(AbnormalFlag::Normal),
        });
    }
    let truncated = points.len() > MAX_TREND_POINTS;
    points.truncate(MAX_TREND_POINTS);
    points.reverse();
    Ok(ObservationTrend {
        code: catalogue::describe(code),
        points,
        truncated,
    })
}

/// The latest value of each vital sign and the ten most recent lab results.
pub fn summary(
    store: &mut Store,
    caller: &Caller<'_>,
    patient: PatientId,
) -> Result<ObservationSummary, CoreError> {
    audited_view(
        store,
        caller,
        patient,
        Command::GetObservationSummary,
        json!({ "view": "observation_summary" }),
    )?;
    let p = patient.to_string();
    let mut latest_vitals = Vec::new();
    for code in catalogue::CODES
        .iter()
        .filter(|c| c.category == ObservationCategory::VitalSigns)
    {
        let mut one = collect(
            store.conn(),
            &format!("SELECT {COLUMNS} FROM observation WHERE patient_id = ?1 AND code = ?2 AND status = 'final'
                      ORDER BY effective_at DESC, id DESC LIMIT 1"),
            &[&p, &code.code],
        )?;
        latest_vitals.append(&mut one);
    }
    let recent_results = collect(
        store.conn(),
        &format!(
            "SELECT {COLUMNS} FROM observation WHERE patient_id = ?1 AND category = 'laboratory'
                  AND status = 'final' ORDER BY effective_at DESC, id DESC LIMIT 10"
        ),
        &[&p],
    )?;
    Ok(ObservationSummary {
        latest_vitals,
        recent_results,
    })
}

/// Marks a value entered in error (a reason is required); it leaves trends.
pub fn mark_entered_in_error(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SetObservationEnteredInError,
) -> Result<Observation, CoreError> {
    let mut c = Check::new();
    let mut reason = request.reason.clone();
    c.multiline("reason", &mut reason, true, 500);
    c.finish().map_err(CoreError::Validation)?;
    let current = get(store.conn(), request.id)?;
    ensure_caller_access(
        store,
        caller,
        current.patient_id,
        Command::SetObservationEnteredInError,
    )?;
    if current.version != request.expected_version {
        return Err(CoreError::EditConflict {
            expected: request.expected_version,
            current: current.version,
        });
    }
    if current.status == ObservationStatus::EnteredInError {
        return Ok(current);
    }
    let device = store.device_id();
    store.write(|tx| {
        set_status_in(tx, &current, ObservationStatus::EnteredInError, &reason)?;
        let event = caller.chart_event(
            AuditAction::Update,
            current.patient_id,
            json!({ "observation_id": current.id.to_string(), "status": "entered_in_error" }),
        );
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok::<_, CoreError>(())
    })?;
    get(store.conn(), current.id)
}

/// Sets a value's status (its op and row, the next version) inside the
/// caller's transaction. No audit entry: the caller writes it. Shared with the
/// FHIR import.
pub(crate) fn set_status_in(
    tx: &mut clinic_store::WriteTx<'_>,
    current: &Observation,
    status: ObservationStatus,
    reason: &str,
) -> Result<(), CoreError> {
    let version = current.version + 1;
    tx.record(
        OpKind::SetObservationStatus,
        EntityKind::Observation,
        &current.id.to_string(),
        json!({ "status": status.as_str(), "reason": reason, "version": version }),
    )?;
    tx.conn()
        .prepare_cached(
            "UPDATE observation SET status = ?2, status_reason = ?3, version = ?4 WHERE id = ?1",
        )?
        .execute(params![
            current.id.to_string(),
            status.as_str(),
            reason,
            version
        ])?;
    Ok(())
}

/// The signed-in member's notifications, newest first (unread only or all, at most 100).
pub fn notifications(
    conn: &Connection,
    staff: StaffId,
    unread_only: bool,
) -> Result<Vec<Notification>, CoreError> {
    let filter = if unread_only {
        "AND n.read_at IS NULL"
    } else {
        ""
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT n.id, n.kind, n.patient_id, coalesce(p.mrn, ''), n.detail, n.created_at, n.read_at
         FROM notification n LEFT JOIN patient p ON p.id = n.patient_id
         WHERE n.staff_id = ?1 {filter} ORDER BY n.created_at DESC, n.id DESC LIMIT 100"
    ))?;
    let rows = stmt.query_map([staff.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, patient, mrn, detail, created_at, read_at) = row?;
        out.push(Notification {
            id: id
                .parse()
                .map_err(|_| CoreError::Corrupt("notification id".into()))?,
            kind: NotificationKind::parse(&kind)
                .ok_or_else(|| CoreError::Corrupt("notification kind".into()))?,
            patient_id: patient.and_then(|p| p.parse().ok()),
            patient_mrn: mrn,
            detail: serde_json::from_str(&detail).unwrap_or(json!({})),
            created_at,
            read_at,
        });
    }
    Ok(out)
}

/// Marks one of the signed-in member's notifications read.
pub fn mark_read(store: &mut Store, staff: StaffId, id: uuid::Uuid) -> Result<(), CoreError> {
    store.write(|tx| {
        let owner: Option<String> = tx
            .conn()
            .prepare_cached("SELECT staff_id FROM notification WHERE id = ?1")?
            .query_row([id.to_string()], |r| r.get(0))
            .optional()?;
        if owner != Some(staff.to_string()) {
            return Err(CoreError::NotFound("notification"));
        }
        let now = tx.now_rfc3339();
        tx.record(
            OpKind::MarkNotificationRead,
            EntityKind::Notification,
            &id.to_string(),
            json!({ "read_at": now }),
        )?;
        tx.conn()
            .prepare_cached(
                "UPDATE notification SET read_at = ?2 WHERE id = ?1 AND read_at IS NULL",
            )?
            .execute(params![id.to_string(), now])?;
        Ok(())
    })
}

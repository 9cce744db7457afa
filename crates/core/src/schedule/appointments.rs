//! Reading appointments: one appointment, the calendar (day and week views per
//! provider, with working time and exceptions) and a patient's appointments.
//!
//! Invariants: every listing is bounded by an indexed time range; a restricted
//! patient's name is shown only to staff who may open their record (others see
//! "Restricted record" and the MRN); reading schedules is audited (category
//! `schedule`) with ids and counts only.
use super::{config, slots, time};
use crate::audit;
use crate::{Caller, CoreError};
use chrono::{DateTime, Duration, Utc};
use clinic_protocol::{
    Appointment, AppointmentId, AppointmentStatus, AuditAction, AuditCategory, Calendar,
    CalendarQuery, PatientAppointments, PatientId, ProviderCalendar, StaffId, TimeRange,
};
use clinic_store::Store;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::json;

/// Most days a calendar shows at once.
pub const MAX_CALENDAR_DAYS: u32 = 7;
/// Upcoming and past appointments listed for one patient.
pub const PATIENT_UPCOMING: u32 = 20;
pub const PATIENT_PAST: u32 = 10;
pub const RESTRICTED_NAME: &str = "Restricted record";

pub(crate) const SELECT: &str = "SELECT a.id, a.patient_id, p.family_name, p.given_name, p.mrn,
        a.provider_id, s.display_name, a.appointment_type_id, t.name, t.colour, a.room_id,
        coalesce(r.name, ''), a.starts_at, a.ends_at, a.status, a.tentative, a.series_id,
        a.check_in_code, a.note, a.cancel_reason, a.checked_in_at, a.version
    FROM appointment a
    JOIN patient p ON p.id = a.patient_id
    JOIN staff s ON s.id = a.provider_id
    JOIN appointment_type t ON t.id = a.appointment_type_id
    LEFT JOIN room r ON r.id = a.room_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<Appointment, CoreError>> {
    let bad = || Ok(Err(CoreError::Corrupt("appointment".into())));
    let ids: (String, String, String, String) = (r.get(0)?, r.get(1)?, r.get(5)?, r.get(7)?);
    let (Ok(id), Ok(patient_id), Ok(provider_id), Ok(appointment_type_id)) =
        (ids.0.parse(), ids.1.parse(), ids.2.parse(), ids.3.parse())
    else {
        return bad();
    };
    let Ok(room_id) = r
        .get::<_, Option<String>>(10)?
        .map(|s| s.parse())
        .transpose()
    else {
        return bad();
    };
    let Ok(series_id) = r
        .get::<_, Option<String>>(16)?
        .map(|s| s.parse())
        .transpose()
    else {
        return bad();
    };
    let Some(status) = AppointmentStatus::parse(&r.get::<_, String>(14)?) else {
        return bad();
    };
    let (family, given): (String, String) = (r.get(2)?, r.get(3)?);
    Ok(Ok(Appointment {
        id,
        patient_id,
        patient_name: format!("{family}, {given}"),
        patient_mrn: r.get(4)?,
        provider_id,
        provider_name: r.get(6)?,
        appointment_type_id,
        type_name: r.get(8)?,
        colour: r.get(9)?,
        room_id,
        room_name: r.get(11)?,
        starts_at: r.get(12)?,
        ends_at: r.get(13)?,
        status,
        tentative: r.get(15)?,
        series_id,
        check_in_code: r.get(17)?,
        note: r.get(18)?,
        cancel_reason: r.get(19)?,
        checked_in_at: r.get(20)?,
        version: r.get(21)?,
    }))
}

/// Runs an appointment query (`SELECT` + `tail`).
pub(crate) fn query(
    conn: &Connection,
    tail: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<Appointment>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} {tail}"))?;
    let rows = stmt
        .query_map(args, from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().collect()
}

/// One appointment, unmasked (core use).
pub fn get(conn: &Connection, id: AppointmentId) -> Result<Appointment, CoreError> {
    conn.query_row(
        &format!("{SELECT} WHERE a.id = ?1"),
        [id.to_string()],
        from_row,
    )
    .optional()?
    .ok_or(CoreError::NotFound("appointment"))?
}

/// One appointment as `caller` may see it (a restricted patient's name masked).
pub(crate) fn get_masked(
    conn: &Connection,
    caller: &Caller<'_>,
    id: AppointmentId,
    now: DateTime<Utc>,
) -> Result<Appointment, CoreError> {
    let mut a = get(conn, id)?;
    mask(conn, caller, now, std::slice::from_mut(&mut a))?;
    Ok(a)
}

/// Hides the names of restricted patients the caller may not open.
pub(crate) fn mask(
    conn: &Connection,
    caller: &Caller<'_>,
    now: DateTime<Utc>,
    appointments: &mut [Appointment],
) -> Result<(), CoreError> {
    let hidden = crate::restricted::hidden_from(
        conn,
        caller,
        now,
        appointments.iter().map(|a| a.patient_id),
    )?;
    for a in appointments
        .iter_mut()
        .filter(|a| hidden.contains(&a.patient_id))
    {
        a.patient_name = RESTRICTED_NAME.to_string();
        a.note.clear();
    }
    Ok(())
}

/// Day or week view for some (or all bookable) providers.
pub fn calendar(
    store: &mut Store,
    caller: &Caller<'_>,
    query_: CalendarQuery,
    now: DateTime<Utc>,
) -> Result<Calendar, CoreError> {
    let conn = store.conn();
    let zone = time::clinic_zone(conn)?;
    if !(1..=MAX_CALENDAR_DAYS).contains(&query_.days) {
        return Err(CoreError::field("days", "Show 1 to 7 days."));
    }
    let from = if query_.from.trim().is_empty() {
        time::today(zone, now)
    } else {
        time::parse_date(&query_.from)
            .ok_or_else(|| CoreError::field("from", "A date like 2026-03-15."))?
    };
    let last = from + Duration::days(i64::from(query_.days) - 1);
    let (start, end) = (
        time::day_start(zone, from),
        time::day_start(zone, last + Duration::days(1)),
    );
    let all = config::providers(conn)?;
    let providers: Vec<_> = if query_.provider_ids.is_empty() {
        all
    } else {
        let mut chosen = Vec::new();
        for id in &query_.provider_ids {
            match all.iter().find(|p| p.id == *id) {
                Some(p) => chosen.push(p.clone()),
                None => {
                    return Err(CoreError::field(
                        "provider_ids",
                        "Pick doctors or nurses who can be booked.",
                    ))
                }
            }
        }
        chosen
    };
    let exceptions = config::exceptions(conn, &from.to_string(), &last.to_string())?;
    let dates: Vec<_> = (0..query_.days)
        .map(|i| from + Duration::days(i64::from(i)))
        .collect();
    let mut columns = Vec::new();
    let mut shown = 0usize;
    for provider in providers {
        let hours = config::hours(conn, provider.id)?;
        let working = dates
            .iter()
            .flat_map(|d| slots::working_on(zone, &hours, &exceptions, *d))
            .map(|w| TimeRange {
                starts_at: time::stored(w.start),
                ends_at: time::stored(w.end),
            })
            .collect();
        let mut appointments = in_range(conn, provider.id, start, end)?;
        mask(conn, caller, now, &mut appointments)?;
        shown += appointments.len();
        let own: Vec<_> = exceptions
            .iter()
            .filter(|e| e.provider_id.is_none() || e.provider_id == Some(provider.id))
            .cloned()
            .collect();
        columns.push(ProviderCalendar {
            provider,
            working,
            exceptions: own,
            appointments,
        });
    }
    let e = caller
        .event(AuditAction::View, AuditCategory::Schedule)
        .detail(
            json!({ "calendar_from": from.to_string(), "days": query_.days,
            "providers": columns.len(), "appointments": shown }),
        );
    audit::append_standalone(store, caller.audit_key, &e)?;
    Ok(Calendar {
        time_zone: zone.name().to_string(),
        dates: dates.iter().map(|d| d.to_string()).collect(),
        starts_at: time::stored(start),
        ends_at: time::stored(end),
        providers: columns,
    })
}

/// A provider's appointments overlapping `[start, end)`, in time order.
pub(crate) fn in_range(
    conn: &Connection,
    provider: StaffId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<Appointment>, CoreError> {
    query(
        conn,
        "WHERE a.provider_id = ?1 AND a.starts_at >= ?2 AND a.starts_at < ?3 AND a.ends_at > ?4
         ORDER BY a.starts_at, a.id",
        params![
            provider.to_string(),
            time::stored(start - Duration::hours(slots::MAX_APPOINTMENT_HOURS)),
            time::stored(end),
            time::stored(start)
        ],
    )
}

/// A patient's upcoming appointments (soonest first) and recent past ones.
pub fn for_patient(
    store: &mut Store,
    caller: &Caller<'_>,
    patient: PatientId,
    now: DateTime<Utc>,
) -> Result<PatientAppointments, CoreError> {
    crate::registry::require_patient(store.conn(), patient)?;
    let conn = store.conn();
    let cutoff = time::stored(now - Duration::hours(1));
    let mut upcoming = query(
        conn,
        &format!("WHERE a.patient_id = ?1 AND a.starts_at >= ?2 ORDER BY a.starts_at, a.id LIMIT {PATIENT_UPCOMING}"),
        params![patient.to_string(), cutoff],
    )?;
    let mut past = query(
        conn,
        &format!("WHERE a.patient_id = ?1 AND a.starts_at < ?2 ORDER BY a.starts_at DESC, a.id DESC LIMIT {PATIENT_PAST}"),
        params![patient.to_string(), cutoff],
    )?;
    mask(conn, caller, now, &mut upcoming)?;
    mask(conn, caller, now, &mut past)?;
    let e = caller
        .event(AuditAction::View, AuditCategory::Schedule)
        .patient(patient)
        .detail(json!({ "appointments": upcoming.len() + past.len() }));
    audit::append_standalone(store, caller.audit_key, &e)?;
    Ok(PatientAppointments { upcoming, past })
}

//! Scheduling from other devices (DESIGN.md §5). Policies:
//!
//! - settings, appointment types, rooms and a provider's week: last-writer-wins
//!   by HLC ([`is_newest`]) on the whole value; `version` is the highest any op
//!   carried (so it converges whatever the order, and a stale local form gets an
//!   edit conflict);
//! - exceptions: created once, removal is a tombstone that nothing undoes;
//! - waitlist: created once; its status only moves forward (waiting → removed →
//!   booked: a booking made from the entry is the most informative outcome);
//! - appointments: the server's log order decides who keeps a time. Of two
//!   placements that overlap (same provider, or same room), the one whose
//!   booking or move the log ordered first holds the time; the other is stored
//!   as `needs_reschedule` — never dropped — and the front desk is told. This
//!   device's own placement the server has not ordered yet (`tentative = 1`)
//!   sorts after the whole log. Who holds a time is derived, not an op, and is
//!   re-derived ([`placement::settle`]) whenever a placement appears, moves, or
//!   starts or stops holding time — by an op applied here or a change made on
//!   this device — so a placement that lost its time gets it back when the
//!   holder is cancelled or moves away, on every device alike (see `placement`
//!   for the rule, the notifications and the limits);
//! - an appointment's placement (time, provider, room) is last-writer-wins by HLC
//!   among its moves, whatever its status; its status merges by precedence, so
//!   every order gives the same result: an arrival (checked in < in consultation <
//!   done: the patient came) beats a cancellation, a cancellation beats every other
//!   status and any move, and among the others (booked, confirmed, no-show, needs
//!   reschedule) the latest by HLC wins. An appointment whose merged status holds
//!   time keeps it or needs a new time by the overlap rule above.
//! - reminders stay with the device that last booked or moved the appointment:
//!   applying a booking queues none here; applying another device's move to a new
//!   time, or a status that frees the time, cancels the reminder queued here; an
//!   own appointment losing its time cancels its reminder, getting it back queues
//!   it again.
//!
//! The front desk's "needs a new time" notifications are local rows (not ops),
//! made while the need lasts and withdrawn when it ends; their ids derive from
//! the op that placed the appointment, so every device holds the same set.
use super::placement::{self, current, Focus, Order, PlacedBy, Placement};
use super::{exists, is_newest, is_newest_matching, malformed, Incoming};
use crate::schedule::time;
use crate::CoreError;
use clinic_protocol::{
    AppointmentId, AppointmentSeriesId, AppointmentStatus as S, AppointmentTypeId, EntityKind,
    ExceptionKind, LoggedOp, OpKind, PatientId, RoomId, StaffId, WaitlistStatus, WeeklyPeriod,
};
use rusqlite::{params, Connection, OptionalExtension};

// ---------------------------------------------------------------------------
// Configuration: last-writer-wins

pub fn settings(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let zone = inc.text("time_zone")?;
    if time::parse_zone(zone).is_none() {
        return Err(malformed(inc, "time_zone"));
    }
    let idle = inc.int("kiosk_idle_seconds")?;
    if !(30..=900).contains(&idle) {
        return Err(malformed(inc, "kiosk_idle_seconds"));
    }
    let hours = inc.int("reminder_hours_before")?;
    if !(1..=168).contains(&hours) {
        return Err(malformed(inc, "reminder_hours_before"));
    }
    if !exists_clinic(conn)? {
        return Err(CoreError::NotFound("clinic"));
    }
    if !is_newest(conn, inc, &[OpKind::SetScheduleSettings])? {
        return Ok(());
    }
    conn.execute(
        "UPDATE clinic SET time_zone = ?1, kiosk_idle_seconds = ?2, reminder_hours_before = ?3,
            updated_at = ?4 WHERE singleton = 1",
        params![zone, idle, hours, inc.at],
    )?;
    Ok(())
}

fn exists_clinic(conn: &Connection) -> Result<bool, CoreError> {
    Ok(conn
        .query_row("SELECT 1 FROM clinic WHERE singleton = 1", [], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The `version` of a saved item (at least 1).
fn version(inc: &Incoming<'_>) -> Result<i64, CoreError> {
    let v = inc.int("version")?;
    if v < 1 {
        return Err(malformed(inc, "version"));
    }
    Ok(v)
}

fn name(inc: &Incoming<'_>) -> Result<String, CoreError> {
    let name = inc.text("name")?.trim();
    if name.is_empty() || name.chars().count() > crate::schedule::config::MAX_NAME {
        return Err(malformed(inc, "name"));
    }
    Ok(name.to_string())
}

pub fn appointment_type(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id = inc.entity::<AppointmentTypeId>()?.to_string();
    let name = name(inc)?;
    let minutes = inc.int("duration_minutes")?;
    if !(5..=480).contains(&minutes) {
        return Err(malformed(inc, "duration_minutes"));
    }
    let colour = inc.text("colour")?;
    let valid_colour = colour.len() == 7
        && colour.starts_with('#')
        && colour[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !valid_colour {
        return Err(malformed(inc, "colour"));
    }
    let active = inc.flag("active")?;
    let version = version(inc)?;
    if is_newest(conn, inc, &[OpKind::SaveAppointmentType])? {
        conn.execute(
            "INSERT INTO appointment_type (id, name, duration_minutes, colour, active, updated_at, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                duration_minutes = excluded.duration_minutes, colour = excluded.colour,
                active = excluded.active, updated_at = excluded.updated_at,
                version = max(version, excluded.version)",
            params![id, name, minutes, colour, active, inc.at, version],
        )?;
    } else {
        raise_version(conn, "appointment_type", &id, version)?;
    }
    Ok(())
}

pub fn room(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id = inc.entity::<RoomId>()?.to_string();
    let name = name(inc)?;
    let active = inc.flag("active")?;
    let version = version(inc)?;
    if is_newest(conn, inc, &[OpKind::SaveRoom])? {
        conn.execute(
            "INSERT INTO room (id, name, active, updated_at, version) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, active = excluded.active,
                updated_at = excluded.updated_at, version = max(version, excluded.version)",
            params![id, name, active, inc.at, version],
        )?;
    } else {
        raise_version(conn, "room", &id, version)?;
    }
    Ok(())
}

/// A losing save still raises the version to the highest seen (converges).
fn raise_version(
    conn: &Connection,
    table: &'static str,
    id: &str,
    version: i64,
) -> Result<(), CoreError> {
    let key = if table == "provider_hours" {
        "provider_id"
    } else {
        "id"
    };
    // `table` and `key` are fixed names, never input.
    conn.execute(
        &format!("UPDATE {table} SET version = max(version, ?2) WHERE {key} = ?1"),
        params![id, version],
    )?;
    Ok(())
}

pub fn provider_hours(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let provider = inc.entity::<StaffId>()?.to_string();
    let periods: Vec<WeeklyPeriod> = inc.parse("periods")?;
    let valid = periods.iter().all(|p| {
        (1..=7).contains(&p.weekday)
            && matches!(
                (time::parse_clock(&p.start), time::parse_clock(&p.end)),
                (Some(s), Some(e)) if s < e
            )
    });
    if !valid {
        return Err(malformed(inc, "periods"));
    }
    let periods = serde_json::to_string(&periods).map_err(|_| malformed(inc, "periods"))?;
    let version = version(inc)?;
    if !exists(conn, "staff", &provider)? {
        return Err(CoreError::NotFound("provider"));
    }
    if is_newest(conn, inc, &[OpKind::SetProviderHours])? {
        conn.execute(
            "INSERT INTO provider_hours (provider_id, periods, updated_at, version) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (provider_id) DO UPDATE SET periods = excluded.periods,
                updated_at = excluded.updated_at, version = max(version, excluded.version)",
            params![provider, periods, inc.at, version],
        )?;
    } else {
        raise_version(conn, "provider_hours", &provider, version)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Exceptions: created once, tombstoned

pub fn add_exception(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id = inc
        .entity::<clinic_protocol::ScheduleExceptionId>()?
        .to_string();
    let provider = inc.opt_id::<StaffId>("provider_id")?;
    let (starts, ends) = (inc.text("starts_on")?, inc.text("ends_on")?);
    let (Some(start), Some(end)) = (time::parse_date(starts), time::parse_date(ends)) else {
        return Err(malformed(inc, "starts_on"));
    };
    if end < start {
        return Err(malformed(inc, "ends_on"));
    }
    let kind = ExceptionKind::parse(inc.text("kind")?).ok_or_else(|| malformed(inc, "kind"))?;
    let note = inc.opt_text("note")?.unwrap_or_default();
    conn.execute(
        "INSERT OR IGNORE INTO schedule_exception (id, provider_id, starts_on, ends_on, kind, note,
            created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            provider.map(|p| p.to_string()),
            start.to_string(),
            end.to_string(),
            kind.as_str(),
            note,
            actor(inc).0,
            inc.at
        ],
    )?;
    Ok(())
}

pub fn remove_exception(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id = inc
        .entity::<clinic_protocol::ScheduleExceptionId>()?
        .to_string();
    if !exists(conn, "schedule_exception", &id)? {
        return Err(CoreError::NotFound("schedule exception"));
    }
    conn.execute(
        "UPDATE schedule_exception SET removed = 1 WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

/// Who made the change, as the payload's `_actor` says (none: the device itself).
fn actor(inc: &Incoming<'_>) -> (Option<String>, String) {
    let a = inc.field("_actor");
    let text = |k: &str| a.get(k).and_then(|v| v.as_str()).map(str::to_string);
    (text("id"), text("name").unwrap_or_default())
}

// ---------------------------------------------------------------------------
// Waitlist: created once, status only moves forward

pub fn add_to_waitlist(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id = inc
        .entity::<clinic_protocol::WaitlistEntryId>()?
        .to_string();
    let patient = inc.id::<PatientId>("patient_id")?;
    let provider = inc.opt_id::<StaffId>("provider_id")?;
    let kind = inc.id::<AppointmentTypeId>("appointment_type_id")?;
    let (Some(earliest), Some(latest)) = (
        time::parse_date(inc.text("earliest")?),
        time::parse_date(inc.text("latest")?),
    ) else {
        return Err(malformed(inc, "earliest"));
    };
    if latest < earliest {
        return Err(malformed(inc, "latest"));
    }
    let note = inc.opt_text("note")?.unwrap_or_default();
    conn.execute(
        "INSERT OR IGNORE INTO waitlist_entry (id, patient_id, provider_id, appointment_type_id,
            earliest, latest, note, status, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'waiting', ?8, ?9, ?9)",
        params![
            id,
            patient.to_string(),
            provider.map(|p| p.to_string()),
            kind.to_string(),
            earliest.to_string(),
            latest.to_string(),
            note,
            actor(inc).0,
            inc.at
        ],
    )?;
    Ok(())
}

fn waitlist_rank(s: WaitlistStatus) -> u8 {
    match s {
        WaitlistStatus::Waiting => 0,
        WaitlistStatus::Removed => 1,
        WaitlistStatus::Booked => 2,
    }
}

pub fn waitlist_status(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id = inc
        .entity::<clinic_protocol::WaitlistEntryId>()?
        .to_string();
    let status =
        WaitlistStatus::parse(inc.text("status")?).ok_or_else(|| malformed(inc, "status"))?;
    let current: Option<String> = conn
        .query_row(
            "SELECT status FROM waitlist_entry WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )
        .optional()?;
    let current = current
        .ok_or(CoreError::NotFound("waitlist entry"))
        .and_then(|s| {
            WaitlistStatus::parse(&s).ok_or_else(|| CoreError::Corrupt("waitlist entry".into()))
        })?;
    if waitlist_rank(status) > waitlist_rank(current) {
        conn.execute(
            "UPDATE waitlist_entry SET status = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, status.as_str(), inc.at],
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Appointments

/// The placement an op carries, checked like the store would.
fn placement(inc: &Incoming<'_>) -> Result<Placement, CoreError> {
    let provider = inc.id::<StaffId>("provider_id")?;
    let room = inc.opt_id::<RoomId>("room_id")?;
    let start =
        time::parse_instant(inc.text("starts_at")?).ok_or_else(|| malformed(inc, "starts_at"))?;
    let end = time::parse_instant(inc.text("ends_at")?).ok_or_else(|| malformed(inc, "ends_at"))?;
    let hours = crate::schedule::slots::MAX_APPOINTMENT_HOURS;
    if end <= start || end - start > chrono::Duration::hours(hours) {
        return Err(malformed(inc, "ends_at"));
    }
    Ok(Placement {
        provider: provider.to_string(),
        room: room.map(|r| r.to_string()),
        starts_at: time::stored(start),
        ends_at: time::stored(end),
    })
}

fn status(inc: &Incoming<'_>) -> Result<S, CoreError> {
    S::parse(inc.text("status")?).ok_or_else(|| malformed(inc, "status"))
}

/// The op being applied as the one that placed its appointment (at its seq).
fn placed_by_incoming(inc: &Incoming<'_>) -> PlacedBy {
    PlacedBy {
        op_id: inc.op().op_id.to_string(),
        at: inc.at.clone(),
        order: Order::Logged(inc.logged.seq as i64),
    }
}

/// The status stored while [`placement::settle`] decides: one that would hold
/// time waits as `needs_reschedule` (the store's triggers see no two holders).
fn pending(status: S) -> S {
    if status.holds_time() {
        S::NeedsReschedule
    } else {
        status
    }
}

pub fn book(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id = inc.entity::<AppointmentId>()?.to_string();
    let patient = inc.id::<PatientId>("patient_id")?;
    let kind = inc.id::<AppointmentTypeId>("appointment_type_id")?;
    let at = placement(inc)?;
    let booked = status(inc)?;
    if !booked.holds_time() {
        return Err(malformed(inc, "status"));
    }
    let series = inc.opt_id::<AppointmentSeriesId>("series_id")?;
    let code = inc.text("check_in_code")?;
    let note = inc.opt_text("note")?.unwrap_or_default();
    if exists(conn, "appointment", &id)? {
        return Ok(());
    }
    let (by, by_name) = actor(inc);
    conn.execute(
        "INSERT INTO appointment (id, patient_id, provider_id, appointment_type_id, room_id,
            starts_at, ends_at, status, tentative, series_id, check_in_code, note,
            booked_by, booked_by_name, created_at, updated_at, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, ?11, ?12, ?13, ?14, ?14, 1)",
        params![
            id,
            patient.to_string(),
            at.provider,
            kind.to_string(),
            at.room,
            at.starts_at,
            at.ends_at,
            pending(booked).as_str(),
            series.map(|s| s.to_string()),
            code,
            note,
            by,
            by_name,
            inc.at
        ],
    )?;
    let focus = Focus {
        id: &id,
        base: booked,
        was_demoted: false,
        placed: Some(placed_by_incoming(inc)),
        moved: true,
    };
    placement::settle(conn, &[at], &focus, &inc.at)
}

/// The status `inc` leaves an appointment with before overlaps, and whether it
/// needed a new time because of an overlap before.
fn merge(
    conn: &Connection,
    inc: &Incoming<'_>,
    id: &str,
    before: S,
) -> Result<(S, bool), CoreError> {
    let base = placement::base_status(conn, id, before, &inc.op().op_id.to_string())?;
    let was_demoted = before == S::NeedsReschedule && base.holds_time();
    Ok((placement::merged(conn, inc, base)?, was_demoted))
}

pub fn reschedule(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id = inc.entity::<AppointmentId>()?.to_string();
    let to = placement(inc)?;
    status(inc)?; // a malformed status is held before anything is read
    let version = version(inc)?;
    let before = current(conn, &id)?;
    let moves = is_newest(conn, inc, &[OpKind::RescheduleAppointment])?;
    let at = if moves { to } else { before.at.clone() };
    let (status, was_demoted) = merge(conn, inc, &id, before.status)?;
    conn.execute(
        "UPDATE appointment SET provider_id = ?2, room_id = ?3, starts_at = ?4, ends_at = ?5,
            status = ?6, tentative = CASE WHEN ?7 THEN 0 ELSE tentative END,
            version = max(version, ?8), updated_at = CASE WHEN ?7 THEN ?9 ELSE updated_at END
         WHERE id = ?1",
        params![
            id,
            at.provider,
            at.room,
            at.starts_at,
            at.ends_at,
            pending(status).as_str(),
            moves,
            version,
            inc.at
        ],
    )?;
    if (moves && at.starts_at != before.at.starts_at) || !status.holds_time() {
        placement::cancel_reminder(conn, &id)?;
    }
    let focus = Focus {
        id: &id,
        base: status,
        was_demoted,
        placed: moves.then(|| placed_by_incoming(inc)),
        moved: moves,
    };
    let seeds = if at == before.at {
        vec![at]
    } else {
        vec![before.at, at]
    };
    placement::settle(conn, &seeds, &focus, &inc.at)
}

pub fn appointment_status(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id = inc.entity::<AppointmentId>()?.to_string();
    let wanted = status(inc)?;
    let version = version(inc)?;
    let reason = match wanted {
        S::Cancelled => Some(inc.text("reason")?.to_string()),
        _ => None,
    };
    let checked_in_at = inc
        .opt_text("checked_in_at")?
        .map(|t| time::parse_instant(t).ok_or_else(|| malformed(inc, "checked_in_at")))
        .transpose()?
        .map(time::stored);
    let before = current(conn, &id)?;
    let (status, was_demoted) = merge(conn, inc, &id, before.status)?;
    // The reason of the latest cancellation, whatever the status ends as.
    let reason = match reason {
        Some(r)
            if is_newest_matching(
                conn,
                inc,
                &[OpKind::SetAppointmentStatus],
                Some(("status", S::Cancelled.as_str())),
            )? =>
        {
            Some(r)
        }
        _ => None,
    };
    // The earliest check-in time any device recorded.
    // (A status that holds time is written, with its stamp, once settled.)
    conn.execute(
        "UPDATE appointment SET status = ?2, cancel_reason = coalesce(?3, cancel_reason),
            checked_in_at = CASE WHEN ?4 IS NOT NULL AND (checked_in_at IS NULL OR ?4 < checked_in_at)
                THEN ?4 ELSE checked_in_at END,
            version = max(version, ?5),
            updated_at = CASE WHEN ?6 AND status <> ?2 THEN ?7 ELSE updated_at END
         WHERE id = ?1",
        params![
            id,
            pending(status).as_str(),
            reason,
            checked_in_at,
            version,
            !status.holds_time(),
            inc.at
        ],
    )?;
    if !status.holds_time() {
        placement::cancel_reminder(conn, &id)?;
    }
    let focus = Focus {
        id: &id,
        base: status,
        was_demoted,
        placed: None,
        moved: false,
    };
    placement::settle(conn, &[before.at], &focus, &inc.at)
}

/// This device's own booking or move came back from the server's log: the server
/// has ordered it, so the appointment no longer sorts after the log ([`claim`]) —
/// unless this device moved it again since (a later placement op still waits).
/// Called by the page applier for each of this device's own ops it skips.
pub fn own_returned(conn: &Connection, logged: &LoggedOp) -> Result<(), CoreError> {
    let op = &logged.op;
    if !matches!(
        op.kind,
        OpKind::BookAppointment | OpKind::RescheduleAppointment
    ) {
        return Ok(());
    }
    conn.execute(
        "UPDATE appointment SET tentative = 0 WHERE id = ?1 AND tentative = 1
            AND NOT EXISTS (SELECT 1 FROM outbox WHERE entity = ?2 AND entity_id = ?1
                AND kind IN (?3, ?4) AND device_counter > ?5)",
        params![
            op.entity_id,
            EntityKind::Appointment.as_str(),
            OpKind::BookAppointment.as_str(),
            OpKind::RescheduleAppointment.as_str(),
            op.device_counter as i64
        ],
    )?;
    Ok(())
}

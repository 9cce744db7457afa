//! Scheduling from other devices (DESIGN.md §5). Policies:
//!
//! - settings, appointment types, rooms and a provider's week: last-writer-wins
//!   by HLC ([`is_newest`]) on the whole value; `version` is the highest any op
//!   carried (so it converges whatever the order, and a stale local form gets an
//!   edit conflict);
//! - exceptions: created once, removal is a tombstone that nothing undoes;
//! - waitlist: created once; its status only moves forward (waiting → removed →
//!   booked: a booking made from the entry is the most informative outcome);
//! - appointments: the server's log order decides who keeps a time. A booking or
//!   move that would overlap an appointment already holding that provider's (or
//!   room's) time here is stored as `needs_reschedule` and the front desk is told
//!   — never dropped. The exception is this device's own placement the server has
//!   not ordered yet (`tentative = 1`): it sorts after everything in the log, so
//!   it is the one demoted. Every device applies the log in seq order, so all end
//!   with the same appointment holding the time. Demotions are derived, not ops.
//! - an appointment's placement (time, provider, room) is last-writer-wins by HLC
//!   among its moves, whatever its status; its status merges by precedence, so
//!   every order gives the same result: an arrival (checked in < in consultation <
//!   done: the patient came) beats a cancellation, a cancellation beats every other
//!   status and any move, and among the others (booked, confirmed, no-show, needs
//!   reschedule) the latest by HLC wins. A status that would make a demoted
//!   appointment hold time again goes through the same overlap rule.
//! - reminders stay with the device that last booked or moved the appointment:
//!   applying a booking queues none here; applying another device's move to a new
//!   time, or a status that frees the time, cancels the reminder queued here.
//!
//! Notifications made while applying are local rows (not ops) with an id derived
//! from the demoted placement's op, so every device makes the same one once.
use super::{exists, is_newest, is_newest_matching, malformed, Incoming};
use crate::schedule::{time, waitlist};
use crate::CoreError;
use clinic_protocol::{
    AppointmentId, AppointmentSeriesId, AppointmentStatus as S, AppointmentTypeId, EntityKind,
    ExceptionKind, Hlc, LoggedOp, NotificationKind, OpKind, PatientId, RoomId, StaffId,
    WaitlistStatus, WeeklyPeriod,
};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use sha2::{Digest, Sha256};

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

const HOLDING: &str = "('booked', 'confirmed', 'checked_in', 'in_consultation', 'done')";

/// Where an appointment is: provider, room and times (stored instants).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Placement {
    provider: String,
    room: Option<String>,
    starts_at: String,
    ends_at: String,
}

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

/// An appointment as it is here.
struct Current {
    patient: String,
    at: Placement,
    status: S,
}

fn current(conn: &Connection, id: &str) -> Result<Current, CoreError> {
    let row: Option<(String, Placement, String)> = conn
        .query_row(
            "SELECT patient_id, provider_id, room_id, starts_at, ends_at, status
             FROM appointment WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    Placement {
                        provider: r.get(1)?,
                        room: r.get(2)?,
                        starts_at: r.get(3)?,
                        ends_at: r.get(4)?,
                    },
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let (patient, at, status) = row.ok_or(CoreError::NotFound("appointment"))?;
    let status = S::parse(&status).ok_or_else(|| CoreError::Corrupt("appointment".into()))?;
    Ok(Current {
        patient,
        at,
        status,
    })
}

/// Other appointments holding time here that overlap `p` (same provider, or
/// same room), with whether each is this device's own unordered placement.
fn rivals(conn: &Connection, id: &str, p: &Placement) -> Result<Vec<(String, bool)>, CoreError> {
    let lookback = time::parse_instant(&p.starts_at)
        .map(|t| {
            time::stored(t - chrono::Duration::hours(crate::schedule::slots::MAX_APPOINTMENT_HOURS))
        })
        .unwrap_or_default();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, tentative FROM appointment
         WHERE id <> ?1 AND status IN {HOLDING} AND starts_at < ?4 AND starts_at > ?5
           AND ends_at > ?3 AND (provider_id = ?2 OR (?6 IS NOT NULL AND room_id = ?6))
         ORDER BY id"
    ))?;
    let rows = stmt.query_map(
        params![id, p.provider, p.starts_at, p.ends_at, lookback, p.room],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether appointment `id` may hold `p` here. The server's log order decides:
/// an appointment already holding that time here came earlier in the log — so
/// `id` may not — unless it is this device's own placement the server has not
/// ordered yet (tentative): that one sorts after everything in the log and is
/// demoted instead.
fn claim(
    conn: &Connection,
    inc: &Incoming<'_>,
    id: &str,
    p: &Placement,
) -> Result<bool, CoreError> {
    let rivals = rivals(conn, id, p)?;
    if rivals.iter().any(|(_, tentative)| !tentative) {
        return Ok(false);
    }
    for (rival, _) in rivals {
        demote_own(conn, inc, &rival)?;
    }
    Ok(true)
}

/// Demotes this device's own unordered appointment that lost its time to one
/// the log ordered first; tells the front desk as every other device will.
fn demote_own(conn: &Connection, inc: &Incoming<'_>, id: &str) -> Result<(), CoreError> {
    let a = current(conn, id)?;
    conn.execute(
        "UPDATE appointment SET status = 'needs_reschedule', updated_at = ?2 WHERE id = ?1",
        params![id, inc.at],
    )?;
    cancel_reminder(conn, id)?;
    // The placement op other devices will demote when they apply it.
    let own: Option<(String, String)> = conn
        .query_row(
            "SELECT op_id, hlc FROM outbox WHERE entity = ?1 AND entity_id = ?2
                AND kind IN (?3, ?4) ORDER BY device_counter DESC LIMIT 1",
            params![
                EntityKind::Appointment.as_str(),
                id,
                OpKind::BookAppointment.as_str(),
                OpKind::RescheduleAppointment.as_str()
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (op_id, at) = match own {
        Some((op_id, hlc)) => {
            let hlc: Hlc = hlc
                .parse()
                .map_err(|_| CoreError::Corrupt("stored op clock".into()))?;
            (op_id, stamp(hlc.millis))
        }
        None => (id.to_string(), inc.at.clone()),
    };
    tell_front_desk(conn, id, &a.patient, &a.at, &op_id, &at)
}

fn stamp(millis: u64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(millis as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Tells the front desk (the provider when the clinic has no front desk) that an
/// appointment needs a new time. The id is derived from the placement op that
/// lost, so every device writes the same notification, once.
fn tell_front_desk(
    conn: &Connection,
    appointment: &str,
    patient: &str,
    at: &Placement,
    placement_op: &str,
    created_at: &str,
) -> Result<(), CoreError> {
    let mut staff: Vec<String> = waitlist::front_desk_staff(conn)?
        .iter()
        .map(|s| s.to_string())
        .collect();
    if staff.is_empty() {
        staff.push(at.provider.clone());
    }
    let detail = json!({
        "appointment_id": appointment, "starts_at": at.starts_at, "change": "needs_reschedule",
    });
    for member in staff {
        let digest = Sha256::digest(format!("needs_reschedule\n{placement_op}\n{member}"));
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        let id = uuid::Builder::from_custom_bytes(bytes).into_uuid();
        conn.execute(
            "INSERT OR IGNORE INTO notification (id, staff_id, kind, patient_id, detail, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id.to_string(),
                member,
                NotificationKind::ScheduleChanged.as_str(),
                patient,
                detail.to_string(),
                created_at
            ],
        )?;
    }
    Ok(())
}

/// Cancels the reminder queued here (the device that books or moves queues its own).
fn cancel_reminder(conn: &Connection, id: &str) -> Result<(), CoreError> {
    conn.execute(
        "UPDATE reminder SET status = 'cancelled' WHERE appointment_id = ?1 AND status = 'queued'",
        [id],
    )?;
    Ok(())
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
    let holds = claim(conn, inc, &id, &at)?;
    let status = if holds { booked } else { S::NeedsReschedule };
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
            status.as_str(),
            series.map(|s| s.to_string()),
            code,
            note,
            by,
            by_name,
            inc.at
        ],
    )?;
    if !holds {
        let op_id = inc.op().op_id.to_string();
        tell_front_desk(conn, &id, &patient.to_string(), &at, &op_id, &inc.at)?;
    }
    Ok(())
}

/// Precedence of statuses (see the module's policies): (class, rank in class).
fn precedence(s: S) -> (u8, u8) {
    match s {
        S::CheckedIn => (3, 1),
        S::InConsultation => (3, 2),
        S::Done => (3, 3),
        S::Cancelled => (2, 0),
        _ => (1, 0),
    }
}

/// The status after `inc` meets `current`, before overlaps: `inc`'s when it
/// beats every other op of the appointment known here by precedence (class, rank
/// in class, then the later clock in class 1) — a booking or move counts as
/// `booked` (class 1: their applied payloads are not kept) — otherwise
/// `current`. Compared with the ops, not with `current`: `current` may be a
/// derived `needs_reschedule` (an arrival refused its time) that a later
/// cancellation would beat on one device while the arrival beats the
/// cancellation on another.
fn merged(conn: &Connection, inc: &Incoming<'_>, current: S) -> Result<S, CoreError> {
    let op = inc.op();
    let incoming = status(inc)?;
    let key = |s: S, hlc: Hlc| {
        let (class, rank) = precedence(s);
        (class, rank, (class == 1).then_some(hlc))
    };
    let mine = key(incoming, op.hlc);
    let mut stmt = conn.prepare_cached(
        "SELECT hlc, kind, json_extract(payload, '$.status') FROM outbox
         WHERE entity = ?1 AND entity_id = ?2 AND kind IN (?3, ?4, ?5)
         UNION ALL
         SELECT hlc, kind, json_extract(payload, '$.status') FROM applied_op
         WHERE entity = ?1 AND entity_id = ?2 AND kind IN (?3, ?4, ?5) AND op_id <> ?6",
    )?;
    let status_kind = OpKind::SetAppointmentStatus.as_str();
    let rows = stmt.query_map(
        params![
            op.entity.as_str(),
            op.entity_id,
            OpKind::BookAppointment.as_str(),
            OpKind::RescheduleAppointment.as_str(),
            status_kind,
            op.op_id.to_string()
        ],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        },
    )?;
    for row in rows {
        let (hlc, kind, other) = row?;
        let corrupt = || CoreError::Corrupt("stored appointment op".into());
        let hlc: Hlc = hlc.parse().map_err(|_| corrupt())?;
        let other = match other.as_deref().and_then(S::parse) {
            Some(s) if kind == status_kind => s,
            _ if kind == status_kind => return Err(corrupt()),
            _ => S::Booked,
        };
        if key(other, hlc) >= mine {
            return Ok(current);
        }
    }
    Ok(incoming)
}

/// Settles the status an appointment ends with: one that would newly hold time
/// (moved, or no longer needing a new time) must win that time by [`claim`].
/// Returns the status and whether it was refused the time now.
fn settle(
    conn: &Connection,
    inc: &Incoming<'_>,
    id: &str,
    before: &Current,
    at: &Placement,
    status: S,
) -> Result<(S, bool), CoreError> {
    let newly = status.holds_time() && (!before.status.holds_time() || *at != before.at);
    if newly && !claim(conn, inc, id, at)? {
        return Ok((S::NeedsReschedule, true));
    }
    Ok((status, false))
}

pub fn reschedule(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let id = inc.entity::<AppointmentId>()?.to_string();
    let to = placement(inc)?;
    status(inc)?; // a malformed status is held before anything is read
    let version = version(inc)?;
    let before = current(conn, &id)?;
    let moves = is_newest(conn, inc, &[OpKind::RescheduleAppointment])?;
    let at = if moves { to } else { before.at.clone() };
    let status = merged(conn, inc, before.status)?;
    let (status, refused) = settle(conn, inc, &id, &before, &at, status)?;
    conn.execute(
        "UPDATE appointment SET provider_id = ?2, room_id = ?3, starts_at = ?4, ends_at = ?5,
            status = ?6, tentative = CASE WHEN ?7 THEN 0 ELSE tentative END,
            version = max(version, ?8),
            updated_at = CASE WHEN ?7 OR status <> ?6 THEN ?9 ELSE updated_at END
         WHERE id = ?1",
        params![
            id,
            at.provider,
            at.room,
            at.starts_at,
            at.ends_at,
            status.as_str(),
            moves,
            version,
            inc.at
        ],
    )?;
    if (moves && at.starts_at != before.at.starts_at) || !status.holds_time() {
        cancel_reminder(conn, &id)?;
    }
    if refused && (at != before.at || before.status != S::NeedsReschedule) {
        let op_id = inc.op().op_id.to_string();
        tell_front_desk(conn, &id, &before.patient, &at, &op_id, &inc.at)?;
    }
    Ok(())
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
    let status = merged(conn, inc, before.status)?;
    let (status, refused) = settle(conn, inc, &id, &before, &before.at, status)?;
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
    conn.execute(
        "UPDATE appointment SET status = ?2, cancel_reason = coalesce(?3, cancel_reason),
            checked_in_at = CASE WHEN ?4 IS NOT NULL AND (checked_in_at IS NULL OR ?4 < checked_in_at)
                THEN ?4 ELSE checked_in_at END,
            version = max(version, ?5),
            updated_at = CASE WHEN status <> ?2 THEN ?6 ELSE updated_at END
         WHERE id = ?1",
        params![id, status.as_str(), reason, checked_in_at, version, inc.at],
    )?;
    if !status.holds_time() {
        cancel_reminder(conn, &id)?;
    }
    if refused && before.status != S::NeedsReschedule {
        let op_id = inc.op().op_id.to_string();
        tell_front_desk(conn, &id, &before.patient, &before.at, &op_id, &inc.at)?;
    }
    Ok(())
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

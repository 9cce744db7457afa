//! Writing appointments: booking (single or a recurring series, optionally from
//! the waitlist), rescheduling, cancelling with a reason, and the status changes
//! of the patient's day (confirm, check in, consultation, done, no-show).
//!
//! Invariants (DESIGN.md §5): validation before any write; a series is booked
//! whole or not at all; no double booking of a provider or room (checked here
//! for a clear message, refused by store triggers as the backstop); bookings made
//! on a device are `tentative` until the sync server accepts them; every change
//! is an op, an audit entry (category `schedule`, ids only) and, for the
//! provider when someone else made it, a notification — all in one transaction.
//! A move, cancellation or no-show then settles who holds any time it frees or
//! meets, as every device will once it has the op (`sync::apply::placement`):
//! an appointment that lost its time to this one may get it back at once.
use super::{appointments, config, reminders, slots, time, waitlist};
use crate::audit;
use crate::sync::apply::placement::{settle_local, Placement};
use crate::{Caller, CoreError};
use chrono::{DateTime, Duration, Months, Utc};
use clinic_protocol::{
    Appointment, AppointmentId, AppointmentSeriesId, AppointmentStatus as S, AuditAction,
    AuditCategory, BookAppointment, CancelAppointment, CancelOutcome, EntityKind, NotificationKind,
    OpKind, PatientId, Provider, RecurrenceUnit, RescheduleAppointment, RoomId,
    SetAppointmentStatus, StaffId,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, OptionalExtension};
use serde_json::json;

pub const MAX_NOTE: usize = 1_000;
pub const MAX_REASON: usize = 500;
/// Letters and digits that cannot be confused when read aloud or typed.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";

fn check_in_code() -> Result<String, CoreError> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes)
        .map_err(|_| CoreError::Corrupt("no OS random source for a check-in code".into()))?;
    Ok(bytes
        .iter()
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect())
}

/// Maps the store trigger's refusal to a clear error.
fn taken(e: rusqlite::Error) -> CoreError {
    if e.to_string().contains("slot_taken") {
        CoreError::SlotTaken("someone else just booked that time".into())
    } else {
        e.into()
    }
}

/// The patient, provider, room and times of a booking after validation.
struct Plan {
    provider: Provider,
    room: Option<RoomId>,
    starts: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Checks one start time: not in the past, inside working time, provider and
/// room free. Returns the room used (the request's, or the working period's).
#[allow(clippy::too_many_arguments)]
fn check_time(
    conn: &rusqlite::Connection,
    zone: chrono_tz::Tz,
    provider: &Provider,
    room: Option<RoomId>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
    except: Option<AppointmentId>,
) -> Result<Option<RoomId>, CoreError> {
    if start < now - Duration::minutes(1) {
        return Err(CoreError::field(
            "starts_at",
            "That time has passed. Pick a time from now on.",
        ));
    }
    let working = slots::require_working(conn, zone, provider, start, end)?;
    let room = room.or(working.room);
    let room_name = match room {
        Some(r) => Some((r, config::room(conn, r)?.name)),
        None => None,
    };
    slots::require_free(
        conn,
        provider,
        room_name.as_ref().map(|(r, n)| (*r, n.as_str())),
        start,
        end,
        except,
    )?;
    Ok(room)
}

fn plan(store: &Store, request: &BookAppointment, now: DateTime<Utc>) -> Result<Plan, CoreError> {
    let conn = store.conn();
    let zone = time::clinic_zone(conn)?;
    let provider = config::require_provider(conn, request.provider_id, "provider_id")?;
    let kind = config::appointment_type(conn, request.appointment_type_id)
        .ok()
        .filter(|t| t.active)
        .ok_or_else(|| {
            CoreError::field("appointment_type_id", "Pick an active appointment type.")
        })?;
    if let Some(room) = request.room_id {
        if !config::room(conn, room).map(|r| r.active).unwrap_or(false) {
            return Err(CoreError::field("room_id", "Pick an active room."));
        }
    }
    let first = time::parse_instant(&request.starts_at).ok_or_else(|| {
        CoreError::field("starts_at", "A date and time like 2026-03-15T09:30:00Z.")
    })?;
    let duration = Duration::minutes(i64::from(kind.duration_minutes));
    let mut starts = vec![first];
    if let Some(r) = &request.recurrence {
        if !(1..=12).contains(&r.interval) {
            return Err(CoreError::field(
                "recurrence.interval",
                "Every 1 to 12 weeks or months.",
            ));
        }
        if !(2..=24).contains(&r.count) {
            return Err(CoreError::field(
                "recurrence.count",
                "2 to 24 appointments in a series.",
            ));
        }
        // Repeats keep the wall-clock time across daylight-saving changes.
        let local = first.with_timezone(&zone).naive_local();
        for i in 1..r.count {
            let step = r.interval * i;
            let next = match r.unit {
                RecurrenceUnit::Week => Some(local + Duration::weeks(i64::from(step))),
                RecurrenceUnit::Month => local.checked_add_months(Months::new(step)),
            };
            let t = next
                .and_then(|n| time::instant(zone, n.date(), n.time()))
                .ok_or_else(|| {
                    CoreError::field(
                        "recurrence",
                        "A repeat falls on a time that does not exist (clock change).",
                    )
                })?;
            starts.push(t);
        }
    }
    let mut room = request.room_id;
    let mut problems = Vec::new();
    let mut planned = Vec::new();
    for (i, start) in starts.iter().enumerate() {
        let end = *start + duration;
        match check_time(
            conn,
            zone,
            &provider,
            request.room_id,
            *start,
            end,
            now,
            None,
        ) {
            Ok(r) => {
                if i == 0 {
                    room = r;
                }
                planned.push((*start, end));
            }
            Err(e) if i == 0 => return Err(e),
            Err(_) => problems.push(format!(
                "{} {}",
                time::local_date(zone, *start),
                time::local_clock(zone, *start)
            )),
        }
    }
    if !problems.is_empty() {
        return Err(CoreError::field(
            "recurrence",
            format!(
                "These repeats are not free or outside working hours: {}. Change the series.",
                problems.join(", ")
            ),
        ));
    }
    Ok(Plan {
        provider,
        room,
        starts: planned,
    })
}

fn require_bookable_patient(
    conn: &rusqlite::Connection,
    patient: PatientId,
) -> Result<(), CoreError> {
    let merged: Option<Option<String>> = conn
        .query_row(
            "SELECT merged_into FROM patient WHERE id = ?1",
            [patient.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    match merged {
        None => Err(CoreError::field("patient_id", "Pick a registered patient.")),
        Some(Some(_)) => Err(CoreError::field(
            "patient_id",
            "This record was merged: book the surviving record.",
        )),
        Some(None) => Ok(()),
    }
}

/// Notifies the provider of a change someone else made to their calendar.
fn tell_provider(
    tx: &mut WriteTx<'_>,
    caller: &Caller<'_>,
    provider: StaffId,
    kind: NotificationKind,
    a: &Appointment,
    change: &str,
) -> Result<(), CoreError> {
    // Nobody to tell about their own changes, or about the device's own (demo seeding).
    if caller.staff_id == Some(provider) || caller.actor.is_none() {
        return Ok(());
    }
    crate::inbox::notify(
        tx,
        provider,
        kind,
        Some(a.patient_id),
        json!({ "appointment_id": a.id.to_string(), "starts_at": a.starts_at, "change": change }),
    )
}

pub fn book(
    store: &mut Store,
    caller: &Caller<'_>,
    mut request: BookAppointment,
    now: DateTime<Utc>,
) -> Result<Vec<Appointment>, CoreError> {
    request.note = request.note.trim().to_string();
    if request.note.chars().count() > MAX_NOTE {
        return Err(CoreError::field("note", "At most 1,000 characters."));
    }
    require_bookable_patient(store.conn(), request.patient_id)?;
    if let Some(entry) = request.waitlist_entry_id {
        waitlist::require_waiting(store.conn(), entry, request.patient_id)?;
    }
    let plan = plan(store, &request, now)?;
    let series = (plan.starts.len() > 1).then(AppointmentSeriesId::new);
    let ids: Vec<AppointmentId> = plan.starts.iter().map(|_| AppointmentId::new()).collect();
    let device = store.device_id();
    store.write(|tx| {
        let stamp = tx.now_rfc3339();
        for (id, (start, end)) in ids.iter().zip(&plan.starts) {
            let code = check_in_code()?;
            tx.record(
                OpKind::BookAppointment,
                EntityKind::Appointment,
                &id.to_string(),
                json!({
                    "patient_id": request.patient_id.to_string(),
                    "provider_id": plan.provider.id.to_string(),
                    "appointment_type_id": request.appointment_type_id.to_string(),
                    "room_id": plan.room.map(|r| r.to_string()),
                    "starts_at": time::stored(*start), "ends_at": time::stored(*end),
                    "status": "booked", "series_id": series.map(|s| s.to_string()),
                    "check_in_code": code, "note": request.note,
                }),
            )?;
            tx.conn()
                .execute(
                    "INSERT INTO appointment (id, patient_id, provider_id, appointment_type_id, room_id,
                        starts_at, ends_at, status, tentative, series_id, check_in_code, note,
                        booked_by, booked_by_name, created_at, updated_at, version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'booked', 1, ?8, ?9, ?10, ?11, ?12, ?13, ?13, 1)",
                    params![
                        id.to_string(), request.patient_id.to_string(), plan.provider.id.to_string(),
                        request.appointment_type_id.to_string(), plan.room.map(|r| r.to_string()),
                        time::stored(*start), time::stored(*end), series.map(|s| s.to_string()),
                        code, request.note, caller.actor_id(), caller.actor_name(), stamp
                    ],
                )
                .map_err(taken)?;
            reminders::queue(tx, *id, request.patient_id, *start, now)?;
        }
        if let Some(entry) = request.waitlist_entry_id {
            waitlist::mark(tx, entry, clinic_protocol::WaitlistStatus::Booked)?;
        }
        let first = appointments::get(tx.conn(), ids[0])?;
        let change = if ids.len() > 1 { "booked_series" } else { "booked" };
        tell_provider(tx, caller, plan.provider.id, NotificationKind::ScheduleChanged, &first, change)?;
        // One audit entry per appointment, like every other appointment write.
        for id in &ids {
            let e = caller
                .event(AuditAction::Create, AuditCategory::Schedule)
                .patient(request.patient_id)
                .detail(json!({
                    "appointment_id": id.to_string(),
                    "series_id": series.map(|s| s.to_string()),
                    "waitlist_entry_id": request.waitlist_entry_id.map(|w| w.to_string()),
                }));
            audit::append_in(tx, caller.audit_key, device, &e)?;
        }
        Ok::<_, CoreError>(())
    })?;
    let mut booked = ids
        .iter()
        .map(|id| appointments::get(store.conn(), *id))
        .collect::<Result<Vec<_>, _>>()?;
    appointments::mask(store.conn(), caller, now, &mut booked)?;
    Ok(booked)
}

/// Where an appointment is, for settling the time it leaves.
pub(crate) fn placed(a: &Appointment) -> Placement {
    Placement {
        provider: a.provider_id.to_string(),
        room: a.room_id.map(|r| r.to_string()),
        starts_at: a.starts_at.clone(),
        ends_at: a.ends_at.clone(),
    }
}

fn current(store: &Store, id: AppointmentId, expected: i64) -> Result<Appointment, CoreError> {
    let a = appointments::get(store.conn(), id)?;
    if a.version != expected {
        return Err(CoreError::EditConflict {
            expected,
            current: a.version,
        });
    }
    Ok(a)
}

pub fn reschedule(
    store: &mut Store,
    caller: &Caller<'_>,
    request: RescheduleAppointment,
    now: DateTime<Utc>,
) -> Result<Appointment, CoreError> {
    let a = current(store, request.id, request.expected_version)?;
    if !matches!(a.status, S::Booked | S::Confirmed | S::NeedsReschedule) {
        return Err(CoreError::field(
            "status",
            "Only booked appointments (or ones needing a new time) can be moved.",
        ));
    }
    let conn = store.conn();
    let zone = time::clinic_zone(conn)?;
    let provider = config::require_provider(conn, request.provider_id, "provider_id")?;
    if let Some(room) = request.room_id {
        if !config::room(conn, room).map(|r| r.active).unwrap_or(false) {
            return Err(CoreError::field("room_id", "Pick an active room."));
        }
    }
    let start = time::parse_instant(&request.starts_at).ok_or_else(|| {
        CoreError::field("starts_at", "A date and time like 2026-03-15T09:30:00Z.")
    })?;
    let old = (
        time::parse_instant(&a.starts_at),
        time::parse_instant(&a.ends_at),
    );
    let (Some(old_start), Some(old_end)) = old else {
        return Err(CoreError::Corrupt("appointment time".into()));
    };
    let end = start + (old_end - old_start);
    let room = check_time(
        conn,
        zone,
        &provider,
        request.room_id,
        start,
        end,
        now,
        Some(a.id),
    )?;
    let version = a.version + 1;
    let device = store.device_id();
    store.write(|tx| {
        tx.record(
            OpKind::RescheduleAppointment,
            EntityKind::Appointment,
            &a.id.to_string(),
            json!({
                "provider_id": provider.id.to_string(), "room_id": room.map(|r| r.to_string()),
                "starts_at": time::stored(start), "ends_at": time::stored(end),
                "status": "booked", "version": version,
            }),
        )?;
        tx.conn()
            .execute(
                "UPDATE appointment SET provider_id = ?2, room_id = ?3, starts_at = ?4, ends_at = ?5,
                    status = 'booked', tentative = 1, updated_at = ?6, version = ?7 WHERE id = ?1",
                params![a.id.to_string(), provider.id.to_string(), room.map(|r| r.to_string()),
                    time::stored(start), time::stored(end), tx.now_rfc3339(), version],
            )
            .map_err(taken)?;
        reminders::cancel(tx, a.id)?;
        reminders::queue(tx, a.id, a.patient_id, start, now)?;
        let left = placed(&a);
        let stamp = tx.now_rfc3339();
        settle_local(tx.conn(), &a.id.to_string(), a.status, Some(&left), &stamp)?;
        let moved = appointments::get(tx.conn(), a.id)?;
        tell_provider(tx, caller, a.provider_id, NotificationKind::ScheduleChanged, &moved, "moved")?;
        if provider.id != a.provider_id {
            tell_provider(tx, caller, provider.id, NotificationKind::ScheduleChanged, &moved, "booked")?;
        }
        let e = caller
            .event(AuditAction::Update, AuditCategory::Schedule)
            .patient(a.patient_id)
            .detail(json!({ "appointment_id": a.id.to_string(), "change": "rescheduled" }));
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })?;
    let moved = appointments::get_masked(store.conn(), caller, a.id, now)?;
    Ok(moved)
}

pub fn cancel(
    store: &mut Store,
    caller: &Caller<'_>,
    request: CancelAppointment,
    now: DateTime<Utc>,
) -> Result<CancelOutcome, CoreError> {
    let reason = request.reason.trim().to_string();
    if reason.is_empty() {
        return Err(CoreError::field(
            "reason",
            "Say why the appointment is cancelled.",
        ));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(CoreError::field("reason", "At most 500 characters."));
    }
    let a = current(store, request.id, request.expected_version)?;
    if !matches!(a.status, S::Booked | S::Confirmed | S::NeedsReschedule) {
        return Err(CoreError::field(
            "status",
            "Only appointments not yet started can be cancelled.",
        ));
    }
    // Only an upcoming appointment that held its time frees it (one needing a
    // new time overlaps another booking or falls on the provider's absence).
    let upcoming =
        a.status.holds_time() && time::parse_instant(&a.starts_at).is_some_and(|t| t > now);
    let offers = if upcoming {
        waitlist::offers_for(store.conn(), &a)?
    } else {
        Vec::new()
    };
    let front_desk = waitlist::front_desk_staff(store.conn())?;
    let version = a.version + 1;
    let device = store.device_id();
    store.write(|tx| {
        tx.record(
            OpKind::SetAppointmentStatus,
            EntityKind::Appointment,
            &a.id.to_string(),
            json!({ "status": "cancelled", "reason": reason, "version": version }),
        )?;
        tx.conn().execute(
            "UPDATE appointment SET status = 'cancelled', cancel_reason = ?2, updated_at = ?3, version = ?4
             WHERE id = ?1",
            params![a.id.to_string(), reason, tx.now_rfc3339(), version],
        )?;
        reminders::cancel(tx, a.id)?;
        let stamp = tx.now_rfc3339();
        settle_local(tx.conn(), &a.id.to_string(), a.status, None, &stamp)?;
        tell_provider(tx, caller, a.provider_id, NotificationKind::ScheduleChanged, &a, "cancelled")?;
        if !offers.is_empty() {
            for staff in front_desk.iter().filter(|s| Some(**s) != caller.staff_id) {
                crate::inbox::notify(
                    tx,
                    *staff,
                    NotificationKind::SlotFreed,
                    None,
                    json!({ "appointment_id": a.id.to_string(), "starts_at": a.starts_at, "waitlist": offers.len() }),
                )?;
            }
        }
        let e = caller
            .event(AuditAction::Update, AuditCategory::Schedule)
            .patient(a.patient_id)
            .detail(json!({ "appointment_id": a.id.to_string(), "status": "cancelled", "waitlist_offers": offers.len() }));
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })?;
    let appointment = appointments::get_masked(store.conn(), caller, a.id, now)?;
    Ok(CancelOutcome {
        appointment,
        waitlist_offers: offers,
    })
}

/// Whether the day's workflow allows `from` → `to`.
pub fn transition_allowed(from: S, to: S) -> bool {
    matches!(
        (from, to),
        (S::Booked, S::Confirmed)
            | (S::Booked | S::Confirmed, S::CheckedIn)
            | (S::Booked | S::Confirmed, S::NoShow)
            | (S::CheckedIn, S::InConsultation)
            | (S::CheckedIn | S::InConsultation, S::Done)
    )
}

pub fn set_status(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SetAppointmentStatus,
    now: DateTime<Utc>,
) -> Result<Appointment, CoreError> {
    let mut a = current(store, request.id, request.expected_version)?;
    if a.status == request.status {
        appointments::mask(store.conn(), caller, now, std::slice::from_mut(&mut a))?;
        return Ok(a);
    }
    if !transition_allowed(a.status, request.status) {
        return Err(CoreError::field(
            "status",
            format!(
                "An appointment that is {} cannot become {} (cancel or reschedule it instead).",
                a.status.as_str().replace('_', " "),
                request.status.as_str().replace('_', " ")
            ),
        ));
    }
    let version = a.version + 1;
    let checked_in_at = (request.status == S::CheckedIn).then(|| time::stored(now));
    let device = store.device_id();
    store.write(|tx| {
        tx.record(
            OpKind::SetAppointmentStatus,
            EntityKind::Appointment,
            &a.id.to_string(),
            json!({ "status": request.status.as_str(), "version": version, "checked_in_at": checked_in_at }),
        )?;
        tx.conn()
            .execute(
                "UPDATE appointment SET status = ?2, checked_in_at = coalesce(?3, checked_in_at),
                    updated_at = ?4, version = ?5 WHERE id = ?1",
                params![a.id.to_string(), request.status.as_str(), checked_in_at, tx.now_rfc3339(), version],
            )
            .map_err(taken)?;
        if request.status == S::NoShow {
            reminders::cancel(tx, a.id)?;
            let stamp = tx.now_rfc3339();
            settle_local(tx.conn(), &a.id.to_string(), a.status, None, &stamp)?;
        }
        if request.status == S::CheckedIn {
            tell_provider(tx, caller, a.provider_id, NotificationKind::PatientArrived, &a, "checked_in")?;
        }
        let e = caller
            .event(AuditAction::Update, AuditCategory::Schedule)
            .patient(a.patient_id)
            .detail(json!({ "appointment_id": a.id.to_string(), "status": request.status.as_str() }));
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })?;
    let updated = appointments::get_masked(store.conn(), caller, a.id, now)?;
    Ok(updated)
}

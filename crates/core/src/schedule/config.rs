//! Scheduling configuration: the clinic's scheduling settings (time zone, kiosk
//! idle reset, reminder lead time), appointment types, rooms, the bookable
//! providers, their weekly hours and exceptions (leave, holidays).
//!
//! Invariants: validation before any write; every change is one op and one audit
//! entry (category `schedule` or `system`) in the write's transaction; nothing
//! is deleted (types and rooms are deactivated, exceptions tombstoned); a week
//! of hours is replaced as a whole and quotes the version it was based on.
use super::time;
use crate::audit;
use crate::validation::Check;
use crate::{Caller, CoreError};
use clinic_protocol::{
    AddScheduleException, AppointmentType, AppointmentTypeId, AuditAction, AuditCategory,
    EntityKind, ExceptionKind, OpKind, PeriodKind, Provider, ProviderHours,
    RemoveScheduleException, Role, Room, RoomId, SaveAppointmentType, SaveRoom, ScheduleException,
    ScheduleExceptionId, ScheduleSettings, SetProviderHours, StaffId, WeeklyPeriod,
};
use clinic_store::Store;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

pub const MAX_NAME: usize = 80;
pub const MAX_NOTE: usize = 500;
/// Longest exception (one year and a day).
pub const MAX_EXCEPTION_DAYS: i64 = 366;

fn rows<T>(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<Result<T, CoreError>>,
) -> Result<Vec<T>, CoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let out = stmt.query_map(args, map)?.collect::<Result<Vec<_>, _>>()?;
    out.into_iter().collect()
}

// ---------------------------------------------------------------------------
// Settings

pub fn settings(conn: &Connection) -> Result<ScheduleSettings, CoreError> {
    conn.query_row(
        "SELECT time_zone, kiosk_idle_seconds, reminder_hours_before FROM clinic WHERE singleton = 1",
        [],
        |r| {
            Ok(ScheduleSettings {
                time_zone: r.get(0)?,
                kiosk_idle_seconds: r.get(1)?,
                reminder_hours_before: r.get(2)?,
            })
        },
    )
    .optional()?
    .ok_or(CoreError::NotFound("clinic"))
}

pub fn set_settings(
    store: &mut Store,
    caller: &Caller<'_>,
    mut request: ScheduleSettings,
) -> Result<ScheduleSettings, CoreError> {
    let mut c = Check::new();
    request.time_zone = request.time_zone.trim().to_string();
    if time::parse_zone(&request.time_zone).is_none() {
        c.fail(
            "time_zone",
            "Pick a time zone from the list, e.g. Europe/London.",
        );
    }
    if !(30..=900).contains(&request.kiosk_idle_seconds) {
        c.fail("kiosk_idle_seconds", "Between 30 and 900 seconds.");
    }
    if !(1..=168).contains(&request.reminder_hours_before) {
        c.fail("reminder_hours_before", "Between 1 and 168 hours.");
    }
    c.finish().map_err(CoreError::Validation)?;
    let current = settings(store.conn())?;
    if current == request {
        return Ok(current);
    }
    let device = store.device_id();
    store.write(|tx| {
        tx.record(
            OpKind::SetScheduleSettings,
            EntityKind::Clinic,
            "clinic",
            json!({
                "time_zone": request.time_zone,
                "kiosk_idle_seconds": request.kiosk_idle_seconds,
                "reminder_hours_before": request.reminder_hours_before,
            }),
        )?;
        tx.conn().execute(
            "UPDATE clinic SET time_zone = ?1, kiosk_idle_seconds = ?2, reminder_hours_before = ?3,
                updated_at = ?4 WHERE singleton = 1",
            params![
                request.time_zone,
                request.kiosk_idle_seconds,
                request.reminder_hours_before,
                tx.now_rfc3339()
            ],
        )?;
        let e = caller
            .event(AuditAction::SettingsChange, AuditCategory::System)
            .detail(json!({ "setting": "schedule", "time_zone": request.time_zone }));
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })?;
    settings(store.conn())
}

// ---------------------------------------------------------------------------
// Appointment types and rooms

/// The version a save writes: 1 for a new record, else the next one when the
/// edit quotes the current version (otherwise an edit conflict).
fn next_version(current: Option<i64>, expected: Option<i64>) -> Result<i64, CoreError> {
    match current {
        None => Ok(1),
        Some(current) => {
            let expected = expected.unwrap_or(0);
            if current != expected {
                return Err(CoreError::EditConflict { expected, current });
            }
            Ok(current + 1)
        }
    }
}

/// How a save is audited: a create for a new record, else an update.
fn saved_action(version: i64) -> AuditAction {
    if version == 1 {
        AuditAction::Create
    } else {
        AuditAction::Update
    }
}

fn valid_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

pub fn appointment_types(
    conn: &Connection,
    include_inactive: bool,
) -> Result<Vec<AppointmentType>, CoreError> {
    rows(
        conn,
        "SELECT id, name, duration_minutes, colour, active, version FROM appointment_type
         WHERE active = 1 OR ?1 ORDER BY name, id",
        [include_inactive],
        |r| {
            let id: String = r.get(0)?;
            Ok(match id.parse() {
                Ok(id) => Ok(AppointmentType {
                    id,
                    name: r.get(1)?,
                    duration_minutes: r.get(2)?,
                    colour: r.get(3)?,
                    active: r.get(4)?,
                    version: r.get(5)?,
                }),
                Err(_) => Err(CoreError::Corrupt("appointment type".into())),
            })
        },
    )
}

pub fn appointment_type(
    conn: &Connection,
    id: AppointmentTypeId,
) -> Result<AppointmentType, CoreError> {
    appointment_types(conn, true)?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(CoreError::NotFound("appointment type"))
}

pub fn save_appointment_type(
    store: &mut Store,
    caller: &Caller<'_>,
    mut request: SaveAppointmentType,
) -> Result<AppointmentType, CoreError> {
    let mut c = Check::new();
    c.text("name", &mut request.name, true, MAX_NAME);
    if !(5..=480).contains(&request.duration_minutes) {
        c.fail("duration_minutes", "Between 5 and 480 minutes.");
    }
    request.colour = request.colour.trim().to_ascii_lowercase();
    if !valid_colour(&request.colour) {
        c.fail("colour", "A colour like #3b82f6.");
    }
    c.finish().map_err(CoreError::Validation)?;
    let current = match request.id {
        Some(id) => Some(appointment_type(store.conn(), id)?.version),
        None => None,
    };
    let version = next_version(current, request.expected_version)?;
    let id = request.id.unwrap_or_default(); // a new id (v7) for a new type
    let device = store.device_id();
    store.write(|tx| {
        tx.record(
            OpKind::SaveAppointmentType,
            EntityKind::AppointmentType,
            &id.to_string(),
            json!({
                "name": request.name, "duration_minutes": request.duration_minutes,
                "colour": request.colour, "active": request.active, "version": version,
            }),
        )?;
        tx.conn().execute(
            "INSERT INTO appointment_type (id, name, duration_minutes, colour, active, updated_at, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                duration_minutes = excluded.duration_minutes, colour = excluded.colour,
                active = excluded.active, updated_at = excluded.updated_at, version = excluded.version",
            params![id.to_string(), request.name, request.duration_minutes, request.colour,
                request.active, tx.now_rfc3339(), version],
        )?;
        let e = caller
            .event(saved_action(version), AuditCategory::Schedule)
            .detail(json!({ "appointment_type_id": id.to_string() }));
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })?;
    appointment_type(store.conn(), id)
}

pub fn rooms(conn: &Connection, include_inactive: bool) -> Result<Vec<Room>, CoreError> {
    rows(
        conn,
        "SELECT id, name, active, version FROM room WHERE active = 1 OR ?1 ORDER BY name, id",
        [include_inactive],
        |r| {
            let id: String = r.get(0)?;
            Ok(match id.parse() {
                Ok(id) => Ok(Room {
                    id,
                    name: r.get(1)?,
                    active: r.get(2)?,
                    version: r.get(3)?,
                }),
                Err(_) => Err(CoreError::Corrupt("room".into())),
            })
        },
    )
}

pub fn room(conn: &Connection, id: RoomId) -> Result<Room, CoreError> {
    rooms(conn, true)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(CoreError::NotFound("room"))
}

pub fn save_room(
    store: &mut Store,
    caller: &Caller<'_>,
    mut request: SaveRoom,
) -> Result<Room, CoreError> {
    let mut c = Check::new();
    c.text("name", &mut request.name, true, MAX_NAME);
    c.finish().map_err(CoreError::Validation)?;
    let current = match request.id {
        Some(id) => Some(room(store.conn(), id)?.version),
        None => None,
    };
    let version = next_version(current, request.expected_version)?;
    let id = request.id.unwrap_or_default(); // a new id (v7) for a new room
    let device = store.device_id();
    store.write(|tx| {
        tx.record(
            OpKind::SaveRoom,
            EntityKind::Room,
            &id.to_string(),
            json!({ "name": request.name, "active": request.active, "version": version }),
        )?;
        tx.conn().execute(
            "INSERT INTO room (id, name, active, updated_at, version) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, active = excluded.active,
                updated_at = excluded.updated_at, version = excluded.version",
            params![
                id.to_string(),
                request.name,
                request.active,
                tx.now_rfc3339(),
                version
            ],
        )?;
        let e = caller
            .event(saved_action(version), AuditCategory::Schedule)
            .detail(json!({ "room_id": id.to_string() }));
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })?;
    room(store.conn(), id)
}

// ---------------------------------------------------------------------------
// Providers and their weekly hours

/// Enabled doctors and nurses, by name.
pub fn providers(conn: &Connection) -> Result<Vec<Provider>, CoreError> {
    rows(
        conn,
        "SELECT s.id, s.display_name, s.role, h.provider_id IS NOT NULL
         FROM staff s LEFT JOIN provider_hours h ON h.provider_id = s.id
         WHERE s.disabled = 0 AND s.role IN ('doctor', 'nurse')
         ORDER BY s.display_name, s.id",
        [],
        |r| {
            let (id, role): (String, String) = (r.get(0)?, r.get(2)?);
            Ok(match (id.parse(), Role::parse(&role)) {
                (Ok(id), Some(role)) => Ok(Provider {
                    id,
                    display_name: r.get(1)?,
                    role,
                    has_hours: r.get(3)?,
                }),
                _ => Err(CoreError::Corrupt("provider".into())),
            })
        },
    )
}

/// A bookable provider, or a validation error on `field`.
pub fn require_provider(
    conn: &Connection,
    id: StaffId,
    field: &str,
) -> Result<Provider, CoreError> {
    providers(conn)?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| CoreError::field(field, "Pick a doctor or nurse who can be booked."))
}

pub fn hours(conn: &Connection, provider: StaffId) -> Result<ProviderHours, CoreError> {
    let row: Option<(String, i64)> = conn
        .query_row(
            "SELECT periods, version FROM provider_hours WHERE provider_id = ?1",
            [provider.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((periods, version)) => ProviderHours {
            provider_id: provider,
            periods: serde_json::from_str(&periods)
                .map_err(|_| CoreError::Corrupt("provider hours".into()))?,
            version,
        },
        None => ProviderHours {
            provider_id: provider,
            periods: Vec::new(),
            version: 0,
        },
    })
}

/// Checks a week of periods: valid times, end after start, no overlapping
/// working periods on a day, breaks inside working time, known rooms.
fn check_periods(conn: &Connection, periods: &mut [WeeklyPeriod]) -> Result<(), CoreError> {
    let mut c = Check::new();
    let known_rooms: Vec<RoomId> = rooms(conn, false)?.into_iter().map(|r| r.id).collect();
    let mut parsed = Vec::new();
    for (i, p) in periods.iter_mut().enumerate() {
        p.start = p.start.trim().to_string();
        p.end = p.end.trim().to_string();
        if !(1..=7).contains(&p.weekday) {
            c.fail(
                &format!("periods.{i}.weekday"),
                "A weekday from Monday (1) to Sunday (7).",
            );
        }
        let (start, end) = (time::parse_clock(&p.start), time::parse_clock(&p.end));
        if start.is_none() {
            c.fail(&format!("periods.{i}.start"), "A time like 09:00.");
        }
        if end.is_none() {
            c.fail(&format!("periods.{i}.end"), "A time like 17:30.");
        }
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                c.fail(
                    &format!("periods.{i}.end"),
                    "The end must be after the start.",
                );
            } else {
                parsed.push((i, p.weekday, p.kind, s, e));
            }
        }
        if let Some(room) = p.room_id {
            if !known_rooms.contains(&room) {
                c.fail(&format!("periods.{i}.room_id"), "Pick an active room.");
            }
        }
    }
    for &(i, day, kind, s, e) in &parsed {
        let same_day = parsed.iter().filter(|o| o.1 == day && o.0 != i);
        match kind {
            PeriodKind::Work => {
                if let Some(o) = same_day
                    .filter(|o| o.2 == PeriodKind::Work)
                    .find(|o| o.3 < e && s < o.4)
                {
                    if o.0 < i {
                        c.fail(
                            &format!("periods.{i}.start"),
                            "Overlaps another working period that day.",
                        );
                    }
                }
            }
            PeriodKind::Break => {
                let inside = parsed
                    .iter()
                    .any(|o| o.1 == day && o.2 == PeriodKind::Work && o.3 <= s && e <= o.4);
                if !inside {
                    c.fail(
                        &format!("periods.{i}.start"),
                        "A break must be inside working time that day.",
                    );
                }
            }
        }
    }
    c.finish().map_err(CoreError::Validation)
}

pub fn set_hours(
    store: &mut Store,
    caller: &Caller<'_>,
    mut request: SetProviderHours,
) -> Result<ProviderHours, CoreError> {
    require_provider(store.conn(), request.provider_id, "provider_id")?;
    check_periods(store.conn(), &mut request.periods)?;
    request.periods.sort_by(|a, b| {
        (a.weekday, &a.start, a.kind.as_str()).cmp(&(b.weekday, &b.start, b.kind.as_str()))
    });
    let current = hours(store.conn(), request.provider_id)?;
    if current.version != request.expected_version {
        return Err(CoreError::EditConflict {
            expected: request.expected_version,
            current: current.version,
        });
    }
    if current.version > 0 && current.periods == request.periods {
        return Ok(current);
    }
    let version = current.version + 1;
    let periods = serde_json::to_string(&request.periods)
        .map_err(|_| CoreError::Corrupt("provider hours".into()))?;
    let device = store.device_id();
    let provider = request.provider_id;
    store.write(|tx| {
        tx.record(
            OpKind::SetProviderHours,
            EntityKind::ProviderHours,
            &provider.to_string(),
            json!({ "periods": request.periods, "version": version }),
        )?;
        tx.conn().execute(
            "INSERT INTO provider_hours (provider_id, periods, updated_at, version) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (provider_id) DO UPDATE SET periods = excluded.periods,
                updated_at = excluded.updated_at, version = excluded.version",
            params![provider.to_string(), periods, tx.now_rfc3339(), version],
        )?;
        let e = caller
            .event(AuditAction::Update, AuditCategory::Schedule)
            .detail(json!({ "provider_hours": provider.to_string(), "periods": request.periods.len() }));
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })?;
    hours(store.conn(), provider)
}

// ---------------------------------------------------------------------------
// Exceptions

fn exception_from_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<Result<ScheduleException, CoreError>> {
    let (id, provider, kind): (String, Option<String>, String) = (r.get(0)?, r.get(1)?, r.get(4)?);
    let Ok(provider_id) = provider.map(|p| p.parse()).transpose() else {
        return Ok(Err(CoreError::Corrupt("schedule exception".into())));
    };
    Ok(match (id.parse(), ExceptionKind::parse(&kind)) {
        (Ok(id), Some(kind)) => Ok(ScheduleException {
            id,
            provider_id,
            starts_on: r.get(2)?,
            ends_on: r.get(3)?,
            kind,
            note: r.get(5)?,
        }),
        _ => Err(CoreError::Corrupt("schedule exception".into())),
    })
}

/// Exceptions (not removed) overlapping the clinic dates `from..=to`.
pub fn exceptions(
    conn: &Connection,
    from: &str,
    to: &str,
) -> Result<Vec<ScheduleException>, CoreError> {
    rows(
        conn,
        "SELECT id, provider_id, starts_on, ends_on, kind, note FROM schedule_exception
         WHERE removed = 0 AND starts_on <= ?2 AND ends_on >= ?1 ORDER BY starts_on, id",
        params![from, to],
        exception_from_row,
    )
}

pub fn list_exceptions(
    conn: &Connection,
    from: &str,
    to: &str,
) -> Result<Vec<ScheduleException>, CoreError> {
    let (Some(f), Some(t)) = (time::parse_date(from), time::parse_date(to)) else {
        return Err(CoreError::field("from", "Dates like 2026-03-15."));
    };
    if t < f || (t - f).num_days() > 2 * MAX_EXCEPTION_DAYS {
        return Err(CoreError::field(
            "to",
            "Up to two years after the first date.",
        ));
    }
    exceptions(conn, from, to)
}

pub fn add_exception(
    store: &mut Store,
    caller: &Caller<'_>,
    mut request: AddScheduleException,
) -> Result<ScheduleException, CoreError> {
    let mut c = Check::new();
    c.text("note", &mut request.note, false, MAX_NOTE);
    let (start, end) = (
        time::parse_date(&request.starts_on),
        time::parse_date(&request.ends_on),
    );
    if start.is_none() {
        c.fail("starts_on", "A date like 2026-12-24.");
    }
    if end.is_none() {
        c.fail("ends_on", "A date like 2026-12-26.");
    }
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            c.fail("ends_on", "The last day cannot be before the first.");
        } else if (e - s).num_days() >= MAX_EXCEPTION_DAYS {
            c.fail("ends_on", "At most a year at a time.");
        }
    }
    if let Some(p) = request.provider_id {
        if require_provider(store.conn(), p, "provider_id").is_err() {
            c.fail(
                "provider_id",
                "Pick a doctor or nurse, or the whole clinic.",
            );
        }
    }
    c.finish().map_err(CoreError::Validation)?;
    let (Some(start), Some(end)) = (start, end) else {
        return Err(CoreError::field("starts_on", "A date like 2026-12-24."));
    };
    let exception = ScheduleException {
        id: ScheduleExceptionId::new(),
        provider_id: request.provider_id,
        starts_on: start.to_string(),
        ends_on: end.to_string(),
        kind: request.kind,
        note: request.note,
    };
    let device = store.device_id();
    store.write(|tx| insert_exception(tx, caller, device, &exception))?;
    Ok(exception)
}

/// Writes one exception (op, row, audit) inside `tx`; also used by reassignment.
pub(crate) fn insert_exception(
    tx: &mut clinic_store::WriteTx<'_>,
    caller: &Caller<'_>,
    device: clinic_protocol::DeviceId,
    e: &ScheduleException,
) -> Result<(), CoreError> {
    tx.record(
        OpKind::AddScheduleException,
        EntityKind::ScheduleException,
        &e.id.to_string(),
        json!({
            "provider_id": e.provider_id.map(|p| p.to_string()), "starts_on": e.starts_on,
            "ends_on": e.ends_on, "kind": e.kind.as_str(), "note": e.note,
        }),
    )?;
    tx.conn().execute(
        "INSERT INTO schedule_exception (id, provider_id, starts_on, ends_on, kind, note, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![e.id.to_string(), e.provider_id.map(|p| p.to_string()), e.starts_on, e.ends_on,
            e.kind.as_str(), e.note, caller.actor_id(), tx.now_rfc3339()],
    )?;
    let event = caller
        .event(AuditAction::Create, AuditCategory::Schedule)
        .detail(json!({ "schedule_exception_id": e.id.to_string(), "kind": e.kind.as_str() }));
    audit::append_in(tx, caller.audit_key, device, &event)?;
    Ok(())
}

pub fn remove_exception(
    store: &mut Store,
    caller: &Caller<'_>,
    request: RemoveScheduleException,
) -> Result<(), CoreError> {
    let id = request.id.to_string();
    let exists: Option<bool> = store
        .conn()
        .query_row(
            "SELECT removed FROM schedule_exception WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )
        .optional()?;
    match exists {
        None => return Err(CoreError::NotFound("schedule exception")),
        Some(true) => return Ok(()),
        Some(false) => {}
    }
    let device = store.device_id();
    store.write(|tx| {
        tx.record(
            OpKind::RemoveScheduleException,
            EntityKind::ScheduleException,
            &id,
            json!({}),
        )?;
        tx.conn().execute(
            "UPDATE schedule_exception SET removed = 1 WHERE id = ?1",
            [&id],
        )?;
        let e = caller
            .event(AuditAction::Delete, AuditCategory::Schedule)
            .detail(json!({ "schedule_exception_id": id }));
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })
}

//! Free time: a provider's working intervals on a clinic date (weekly hours minus
//! breaks, leave and clinic closures, converted to UTC with the zone's rules),
//! the next free slots for an appointment type, and the checks a booking must
//! pass (inside working time, provider and room free).
//!
//! Invariants: slots never start in the past, never in a break, an exception or
//! a daylight-saving gap, and never overlap an appointment that holds time for
//! the provider or the slot's room. Busy time is read per provider with one
//! indexed range query for the whole search, not per day.
use super::{config, time};
use crate::CoreError;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use clinic_protocol::{
    AppointmentId, AppointmentType, FindSlots, PeriodKind, Provider, ProviderHours, RoomId,
    ScheduleException, Slot, StaffId,
};
use rusqlite::{params, Connection};
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// Longest appointment (the store refuses longer ones): how far back an overlap
/// search must look.
pub const MAX_APPOINTMENT_HOURS: i64 = 8;
pub const MAX_SEARCH_DAYS: u32 = 90;
pub const MAX_SLOTS: u32 = 200;
/// Days of busy time read at once by the slot search.
const WINDOW_DAYS: i64 = 7;
const HOLDING: &str = "('booked', 'confirmed', 'checked_in', 'in_consultation', 'done')";

/// One stretch of working time (UTC) and the room it is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Working {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub room: Option<RoomId>,
}

fn covers(e: &ScheduleException, provider: StaffId, date: &str) -> bool {
    (e.provider_id.is_none() || e.provider_id == Some(provider))
        && e.starts_on.as_str() <= date
        && date <= e.ends_on.as_str()
}

/// The provider's working time on `date` (clinic date), breaks and exceptions removed.
pub fn working_on(
    zone: Tz,
    hours: &ProviderHours,
    exceptions: &[ScheduleException],
    date: NaiveDate,
) -> Vec<Working> {
    let day = date.to_string();
    if exceptions
        .iter()
        .any(|e| covers(e, hours.provider_id, &day))
    {
        return Vec::new();
    }
    let weekday = time::iso_weekday(date);
    let clock = |s: &str| time::parse_clock(s);
    let breaks: Vec<_> = hours
        .periods
        .iter()
        .filter(|p| p.weekday == weekday && p.kind == PeriodKind::Break)
        .filter_map(|p| Some((clock(&p.start)?, clock(&p.end)?)))
        .collect();
    let mut out = Vec::new();
    for p in hours
        .periods
        .iter()
        .filter(|p| p.weekday == weekday && p.kind == PeriodKind::Work)
    {
        let (Some(mut s), Some(e)) = (clock(&p.start), clock(&p.end)) else {
            continue;
        };
        let mut cuts: Vec<_> = breaks
            .iter()
            .filter(|b| b.0 < e && b.1 > s)
            .copied()
            .collect();
        cuts.sort();
        let mut pieces = Vec::new();
        for (bs, be) in cuts {
            if bs > s {
                pieces.push((s, bs));
            }
            s = s.max(be);
        }
        if s < e {
            pieces.push((s, e));
        }
        for (ls, le) in pieces {
            if let (Some(start), Some(end)) =
                (time::instant(zone, date, ls), time::instant(zone, date, le))
            {
                if start < end {
                    out.push(Working {
                        start,
                        end,
                        room: p.room_id,
                    });
                }
            }
        }
    }
    out.sort_by_key(|w| w.start);
    out
}

/// Busy intervals `(start, end)`, sorted by start.
type Busy = Vec<(DateTime<Utc>, DateTime<Utc>)>;

/// Busy intervals (sorted by start) of appointments that hold time for
/// `provider` (or `room`) and start in `[from - 8 h, to)`.
fn busy(
    conn: &Connection,
    column: &str,
    id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Busy, CoreError> {
    let sql = format!(
        "SELECT starts_at, ends_at FROM appointment
         WHERE {column} = ?1 AND starts_at >= ?2 AND starts_at < ?3 AND status IN {HOLDING}
         ORDER BY starts_at"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let lower = time::stored(from - Duration::hours(MAX_APPOINTMENT_HOURS));
    let rows = stmt.query_map(params![id, lower, time::stored(to)], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (s, e) = row?;
        match (time::parse_instant(&s), time::parse_instant(&e)) {
            (Some(s), Some(e)) => out.push((s, e)),
            _ => return Err(CoreError::Corrupt("appointment time".into())),
        }
    }
    Ok(out)
}

fn is_free(
    busy: &[(DateTime<Utc>, DateTime<Utc>)],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> bool {
    // Intervals are at most 8 h long: only those starting in (start - 8 h, end) can overlap.
    let first = busy.partition_point(|b| b.0 <= start - Duration::hours(MAX_APPOINTMENT_HOURS));
    busy[first..]
        .iter()
        .take_while(|b| b.0 < end)
        .all(|b| b.1 <= start)
}

/// The step between candidate start times for a duration.
fn step_minutes(duration: u32) -> i64 {
    match duration {
        d if d % 15 == 0 => 15,
        d if d % 10 == 0 => 10,
        _ => 5,
    }
}

/// Next free slots (soonest first) for one or every provider.
pub fn find_slots(
    conn: &Connection,
    now: DateTime<Utc>,
    request: &FindSlots,
) -> Result<Vec<Slot>, CoreError> {
    let zone = time::clinic_zone(conn)?;
    let today = time::today(zone, now);
    let kind = config::appointment_type(conn, request.appointment_type_id)
        .ok()
        .filter(|t| t.active)
        .ok_or_else(|| {
            CoreError::field("appointment_type_id", "Pick an active appointment type.")
        })?;
    if !(1..=MAX_SEARCH_DAYS).contains(&request.days) {
        return Err(CoreError::field("days", "Search 1 to 90 days."));
    }
    if !(1..=MAX_SLOTS).contains(&request.limit) {
        return Err(CoreError::field("limit", "Ask for 1 to 200 slots."));
    }
    let from = if request.from.trim().is_empty() {
        today
    } else {
        time::parse_date(&request.from)
            .ok_or_else(|| CoreError::field("from", "A date like 2026-03-15."))?
    };
    if from < today {
        return Err(CoreError::field("from", "Search from today or later."));
    }
    let providers: Vec<Provider> = match request.provider_id {
        Some(p) => vec![config::require_provider(conn, p, "provider_id")?],
        None => config::providers(conn)?,
    };
    let last = from + Duration::days(i64::from(request.days) - 1);
    let exceptions = config::exceptions(conn, &from.to_string(), &last.to_string())?;
    let mut slots = Vec::new();
    for provider in &providers {
        slots.extend(provider_slots(
            conn,
            zone,
            now,
            provider,
            &kind,
            &exceptions,
            from,
            last,
            request.limit,
        )?);
    }
    slots.sort_by(|a, b| (&a.starts_at, &a.provider_name).cmp(&(&b.starts_at, &b.provider_name)));
    slots.truncate(request.limit as usize);
    Ok(slots)
}

#[allow(clippy::too_many_arguments)]
fn provider_slots(
    conn: &Connection,
    zone: Tz,
    now: DateTime<Utc>,
    provider: &Provider,
    kind: &AppointmentType,
    exceptions: &[ScheduleException],
    from: NaiveDate,
    last: NaiveDate,
    limit: u32,
) -> Result<Vec<Slot>, CoreError> {
    let hours = config::hours(conn, provider.id)?;
    if hours.periods.is_empty() {
        return Ok(Vec::new());
    }
    let duration = Duration::minutes(i64::from(kind.duration_minutes));
    let step = Duration::minutes(step_minutes(kind.duration_minutes));
    let mut out = Vec::new();
    let mut window_from = from;
    // Busy time is read a week at a time, so a search that fills its limit early
    // reads only the first week (indexed range reads; the index covers them).
    while window_from <= last && out.len() < limit as usize {
        let window_last = (window_from + Duration::days(WINDOW_DAYS - 1)).min(last);
        let (range_start, range_end) = (
            time::day_start(zone, window_from),
            time::day_start(zone, window_last + Duration::days(1)),
        );
        let provider_busy = busy(
            conn,
            "provider_id",
            &provider.id.to_string(),
            range_start,
            range_end,
        )?;
        let mut room_busy: HashMap<RoomId, Busy> = HashMap::new();
        let mut date = window_from;
        while date <= window_last && out.len() < limit as usize {
            for w in working_on(zone, &hours, exceptions, date) {
                let mut t = w.start;
                while t + duration <= w.end && out.len() < limit as usize {
                    let free = t >= now
                        && is_free(&provider_busy, t, t + duration)
                        && match w.room {
                            None => true,
                            Some(room) => {
                                let b = match room_busy.entry(room) {
                                    Entry::Occupied(e) => e.into_mut(),
                                    Entry::Vacant(e) => e.insert(busy(
                                        conn,
                                        "room_id",
                                        &room.to_string(),
                                        range_start,
                                        range_end,
                                    )?),
                                };
                                is_free(b, t, t + duration)
                            }
                        };
                    if free {
                        out.push(Slot {
                            provider_id: provider.id,
                            provider_name: provider.display_name.clone(),
                            room_id: w.room,
                            starts_at: time::stored(t),
                            ends_at: time::stored(t + duration),
                            local_date: time::local_date(zone, t).to_string(),
                            local_time: time::local_clock(zone, t),
                        });
                    }
                    t += step;
                }
            }
            date += Duration::days(1);
        }
        window_from = window_last + Duration::days(1);
    }
    Ok(out)
}

/// The working stretch that holds `[start, end)` for `provider`, or a clear
/// validation error (outside hours, a break, leave, a closure).
pub fn require_working(
    conn: &Connection,
    zone: Tz,
    provider: &Provider,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Working, CoreError> {
    let date = time::local_date(zone, start);
    let day = date.to_string();
    let exceptions = config::exceptions(conn, &day, &day)?;
    let hours = config::hours(conn, provider.id)?;
    working_on(zone, &hours, &exceptions, date)
        .into_iter()
        .find(|w| w.start <= start && end <= w.end)
        .ok_or_else(|| {
            CoreError::field(
                "starts_at",
                format!(
                    "{} is not working then (outside working hours, a break, leave or a closure). Pick a free slot.",
                    provider.display_name
                ),
            )
        })
}

/// Refuses `[start, end)` when the provider or the room already has an
/// appointment that holds time then (`except`: the appointment being moved).
pub fn require_free(
    conn: &Connection,
    provider: &Provider,
    room: Option<(RoomId, &str)>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    except: Option<AppointmentId>,
) -> Result<(), CoreError> {
    let except = except.map(|a| a.to_string()).unwrap_or_default();
    let taken = |column: &str, id: &str| -> Result<bool, CoreError> {
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM appointment
               WHERE {column} = ?1 AND id <> ?2 AND starts_at < ?3 AND starts_at > ?4
                 AND ends_at > ?5 AND status IN {HOLDING})"
        );
        Ok(conn.query_row(
            &sql,
            params![
                id,
                except,
                time::stored(end),
                time::stored(start - Duration::hours(MAX_APPOINTMENT_HOURS)),
                time::stored(start)
            ],
            |r| r.get(0),
        )?)
    };
    if taken("provider_id", &provider.id.to_string())? {
        return Err(CoreError::SlotTaken(format!(
            "{} already has an appointment then",
            provider.display_name
        )));
    }
    if let Some((room, name)) = room {
        if taken("room_id", &room.to_string())? {
            return Err(CoreError::SlotTaken(format!("{name} is booked then")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_time_respects_neighbours() {
        let t =
            |h: u32, m: u32| chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, 5, h, m, 0).unwrap();
        let busy = vec![(t(9, 0), t(9, 30)), (t(10, 0), t(11, 0))];
        assert!(!is_free(&busy, t(9, 15), t(9, 45)));
        assert!(is_free(&busy, t(9, 30), t(10, 0)));
        assert!(!is_free(&busy, t(10, 45), t(11, 15)));
        assert!(is_free(&busy, t(11, 0), t(11, 30)));
        assert_eq!(step_minutes(30), 15);
        assert_eq!(step_minutes(20), 10);
        assert_eq!(step_minutes(25), 5);
    }
}

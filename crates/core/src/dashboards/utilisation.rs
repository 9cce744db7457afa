//! Provider utilisation: per provider and period, the minutes booked (from the
//! appointment table, one indexed range sum per provider and period) against
//! the minutes available (weekly hours minus breaks, leave and clinic closures
//! of each clinic date, with `schedule::slots::working_on`, the same rule the
//! slot search uses — once per weekday, and again on each daylight-saving
//! change).
//!
//! Invariants: booked minutes count appointments that hold time (the store
//! refuses overlaps between those, so they never double count) by the period
//! their start falls in; available time follows the provider's CURRENT weekly
//! hours (they are replaced as a whole, without history) and the exceptions not
//! removed; providers listed are the one asked for, else every bookable provider
//! and any other doctor or nurse with booked time in the range.
use super::periods::Range;
use super::schedule::{args, basis_points};
use crate::schedule::{config, slots, time};
use crate::CoreError;
use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use clinic_protocol::{
    ProviderHours, ProviderUtilisation, Role, ScheduleException, StaffId, Utilisation,
    UtilisationDashboard, UtilisationRow,
};
use rusqlite::{params_from_iter, Connection};
use std::collections::HashSet;

/// Seconds booked by provider `?3` in appointments starting in `[?1, ?2)`.
pub(crate) const BOOKED_SQL: &str =
    "SELECT coalesce(sum(unixepoch(ends_at) - unixepoch(starts_at)), 0)
     FROM appointment
     WHERE provider_id = ?3 AND starts_at >= ?1 AND starts_at < ?2
       AND status IN ('booked', 'confirmed', 'checked_in', 'in_consultation', 'done')";

struct Candidate {
    id: StaffId,
    name: String,
    bookable: bool,
}

/// Doctors and nurses (and the one asked for), enabled or not.
fn candidates(conn: &Connection, only: Option<StaffId>) -> Result<Vec<Candidate>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, display_name, role, disabled FROM staff ORDER BY display_name, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, bool>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, role, disabled) = row?;
        let id: StaffId = id
            .parse()
            .map_err(|_| CoreError::Corrupt("staff id".into()))?;
        if only.is_some_and(|o| o != id) {
            continue;
        }
        let provider = matches!(Role::parse(&role), Some(Role::Doctor | Role::Nurse));
        if only.is_none() && !provider {
            continue;
        }
        out.push(Candidate {
            id,
            name,
            bookable: provider && !disabled,
        });
    }
    Ok(out)
}

fn minutes(seconds: i64) -> u32 {
    u32::try_from((seconds.max(0) + 30) / 60).unwrap_or(u32::MAX)
}

fn utilisation(booked: u32, available: u32) -> Utilisation {
    Utilisation {
        booked_minutes: booked,
        available_minutes: available,
        utilisation_bp: basis_points(u64::from(booked), u64::from(available)),
    }
}

/// Seconds a provider is available on each clinic date. `working_on` is exact
/// but costs a few time-zone conversions; a day that is not a daylight-saving
/// change and has no exception is like any other of its weekday, so those are
/// computed once per weekday.
struct Availability<'a> {
    zone: Tz,
    hours: &'a ProviderHours,
    exceptions: &'a [ScheduleException],
    /// Clinic dates on which the zone's offset changes.
    changes: &'a HashSet<NaiveDate>,
    by_weekday: [Option<i64>; 7],
}

impl Availability<'_> {
    fn seconds(&mut self, day: NaiveDate) -> i64 {
        let provider = self.hours.provider_id;
        let key = day.to_string();
        if self.exceptions.iter().any(|e| {
            e.provider_id.is_none_or(|p| p == provider)
                && e.starts_on.as_str() <= key.as_str()
                && key.as_str() <= e.ends_on.as_str()
        }) {
            return 0;
        }
        let exact = |d| {
            slots::working_on(self.zone, self.hours, &[], d)
                .iter()
                .map(|w| (w.end - w.start).num_seconds())
                .sum::<i64>()
        };
        if self.changes.contains(&day) {
            return exact(day);
        }
        let w = usize::from(time::iso_weekday(day)) - 1;
        *self.by_weekday[w].get_or_insert_with(|| exact(day))
    }
}

/// The clinic dates of `range` on which the zone's UTC offset changes.
fn offset_changes(range: &Range) -> HashSet<NaiveDate> {
    let mut out = HashSet::new();
    let (Some(first), Some(last)) = (range.periods.first(), range.periods.last()) else {
        return out;
    };
    let mut day = first.starts_on;
    let mut start = time::day_start(range.zone, day);
    while day <= last.ends_on {
        let next = time::day_start(range.zone, day + Duration::days(1));
        if next - start != Duration::days(1) {
            out.insert(day);
        }
        (day, start) = (day + Duration::days(1), next);
    }
    out
}

pub fn utilisation_dashboard(
    conn: &Connection,
    range: &Range,
) -> Result<UtilisationDashboard, CoreError> {
    let only = range.query.provider_id;
    let exceptions = config::exceptions(conn, &range.query.from, &range.query.to)?;
    let changes = offset_changes(range);
    let mut booked_stmt = conn.prepare_cached(BOOKED_SQL)?;
    let mut providers = Vec::new();
    for candidate in candidates(conn, only)? {
        let hours = config::hours(conn, candidate.id)?;
        let mut availability = Availability {
            zone: range.zone,
            hours: &hours,
            exceptions: &exceptions,
            changes: &changes,
            by_weekday: [None; 7],
        };
        let mut rows = Vec::with_capacity(range.periods.len());
        let (mut booked_total, mut available_total) = (0u32, 0u32);
        for period in &range.periods {
            let (start, end) = period.bounds();
            let mut a = args(range, start, end);
            if only.is_none() {
                a.push(candidate.id.to_string());
            }
            let seconds: i64 = booked_stmt.query_row(params_from_iter(a), |r| r.get(0))?;
            let booked = minutes(seconds);
            let mut available = 0i64;
            let mut day = period.starts_on;
            while day <= period.ends_on {
                available += availability.seconds(day);
                day += Duration::days(1);
            }
            let available = minutes(available);
            booked_total = booked_total.saturating_add(booked);
            available_total = available_total.saturating_add(available);
            rows.push(UtilisationRow {
                period: period.wire(),
                utilisation: utilisation(booked, available),
            });
        }
        if only.is_none() && !candidate.bookable && booked_total == 0 {
            continue; // a past provider with nothing in this range
        }
        providers.push(ProviderUtilisation {
            provider_id: candidate.id,
            provider_name: candidate.name,
            rows,
            totals: utilisation(booked_total, available_total),
        });
    }
    Ok(UtilisationDashboard {
        time_zone: range.zone.name().to_string(),
        query: range.query.clone(),
        providers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboards::periods;
    use clinic_protocol::{DashboardQuery, Granularity, PeriodKind, WeeklyPeriod};

    #[test]
    fn the_spring_forward_night_is_an_hour_shorter() {
        let zone: Tz = "Europe/London".parse().unwrap();
        let hours = ProviderHours {
            provider_id: StaffId::new(),
            periods: vec![WeeklyPeriod {
                weekday: 7,
                start: "00:00".into(),
                end: "03:00".into(),
                kind: PeriodKind::Work,
                room_id: None,
            }],
            version: 1,
        };
        let day = |s: &str| time::parse_date(s).unwrap();
        let periods = periods::cut(zone, day("2026-03-22"), day("2026-04-05"), Granularity::Day);
        let range = Range {
            zone,
            query: DashboardQuery {
                from: "2026-03-22".into(),
                to: "2026-04-05".into(),
                granularity: Granularity::Day,
                provider_id: None,
            },
            start: periods[0].start,
            end: periods[periods.len() - 1].end,
            periods,
        };
        let changes = offset_changes(&range);
        assert_eq!(changes, HashSet::from([day("2026-03-29")]));
        let mut a = Availability {
            zone,
            hours: &hours,
            exceptions: &[],
            changes: &changes,
            by_weekday: [None; 7],
        };
        // 01:00–02:00 does not exist on 29 March.
        assert_eq!(a.seconds(day("2026-03-22")), 3 * 3600);
        assert_eq!(a.seconds(day("2026-03-29")), 2 * 3600);
        assert_eq!(a.seconds(day("2026-04-05")), 3 * 3600);
        assert_eq!(a.seconds(day("2026-03-30")), 0);
    }
}

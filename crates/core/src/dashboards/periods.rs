//! A dashboard query checked and cut into periods: clinic dates parsed, the
//! range bounded, the provider known, and each period's first and last clinic
//! date with the UTC instants it covers (`[start, end)`), following the clinic's
//! time zone across daylight-saving changes.
//!
//! Invariants: periods are contiguous, in order, cover `from..=to` exactly and
//! never overlap (so per-period sums add up to the range's); the first and last
//! are clipped to the range (a week starting on a Wednesday is Wed–Sun).
use crate::schedule::time;
use crate::validation::Check;
use crate::CoreError;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use clinic_protocol::{DashboardPeriod, DashboardQuery, Granularity, Role, StaffId};
use rusqlite::{Connection, OptionalExtension};

/// The longest range a dashboard covers (ten years, leap days included).
pub const MAX_RANGE_DAYS: i64 = 3653;
/// The longest range shown day by day (a year): longer ones by week or month.
pub const MAX_DAILY_DAYS: i64 = 366;

/// One period: clinic dates (inclusive) and the instants they span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Period {
    pub fn wire(&self) -> DashboardPeriod {
        DashboardPeriod {
            starts_on: self.starts_on.to_string(),
            ends_on: self.ends_on.to_string(),
        }
    }

    /// `[start, end)` as stored text (text order is time order).
    pub fn bounds(&self) -> (String, String) {
        (time::stored(self.start), time::stored(self.end))
    }
}

/// A checked query: the clinic's zone, its periods and the whole range.
#[derive(Clone, Debug)]
pub struct Range {
    pub zone: Tz,
    pub query: DashboardQuery,
    pub periods: Vec<Period>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Range {
    pub fn bounds(&self) -> (String, String) {
        (time::stored(self.start), time::stored(self.end))
    }

    pub fn first_day(&self) -> NaiveDate {
        self.periods
            .first()
            .map(|p| p.starts_on)
            .unwrap_or_default()
    }
}

/// The last clinic date of the period that holds `day`.
fn period_end(day: NaiveDate, granularity: Granularity) -> NaiveDate {
    match granularity {
        Granularity::Day => day,
        Granularity::Week => day + Duration::days(7 - i64::from(time::iso_weekday(day))),
        Granularity::Month => {
            let (y, m) = if day.month() == 12 {
                (day.year() + 1, 1)
            } else {
                (day.year(), day.month() + 1)
            };
            NaiveDate::from_ymd_opt(y, m, 1)
                .map(|first| first - Duration::days(1))
                .unwrap_or(day)
        }
    }
}

/// Cuts `from..=to` into periods in `zone`.
pub fn cut(zone: Tz, from: NaiveDate, to: NaiveDate, granularity: Granularity) -> Vec<Period> {
    let mut out = Vec::new();
    let mut day = from;
    let mut start = time::day_start(zone, day);
    while day <= to {
        let last = period_end(day, granularity).min(to);
        let next = last + Duration::days(1);
        let end = time::day_start(zone, next);
        out.push(Period {
            starts_on: day,
            ends_on: last,
            start,
            end,
        });
        day = next;
        start = end;
    }
    out
}

/// Whether `id` is a doctor or nurse (enabled or not: past providers keep
/// their numbers).
fn is_provider(conn: &Connection, id: StaffId) -> Result<bool, CoreError> {
    let role: Option<String> = conn
        .query_row(
            "SELECT role FROM staff WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(matches!(
        role.as_deref().and_then(Role::parse),
        Some(Role::Doctor | Role::Nurse)
    ))
}

/// Checks `query` (every problem at once, by field) and cuts it into periods.
pub fn check(conn: &Connection, query: &DashboardQuery) -> Result<Range, CoreError> {
    let mut c = Check::new();
    let from = time::parse_date(&query.from);
    let to = time::parse_date(&query.to);
    if from.is_none() {
        c.fail("from", "A date like 2026-01-01.");
    }
    if to.is_none() {
        c.fail("to", "A date like 2026-12-31.");
    }
    if let (Some(f), Some(t)) = (from, to) {
        let days = (t - f).num_days() + 1;
        if t < f {
            c.fail("to", "The last day cannot be before the first.");
        } else if days > MAX_RANGE_DAYS {
            c.fail("to", "Show at most ten years at a time.");
        } else if query.granularity == Granularity::Day && days > MAX_DAILY_DAYS {
            c.fail(
                "granularity",
                "Days are shown for up to a year: pick weeks or months for longer ranges.",
            );
        }
    }
    if let Some(p) = query.provider_id {
        if !is_provider(conn, p)? {
            c.fail(
                "provider_id",
                "Pick a doctor or nurse, or the whole clinic.",
            );
        }
    }
    c.finish().map_err(CoreError::Validation)?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(CoreError::field("from", "A date like 2026-01-01."));
    };
    let zone = time::clinic_zone(conn)?;
    let periods = cut(zone, from, to, query.granularity);
    let (start, end) = (
        time::day_start(zone, from),
        time::day_start(zone, to + Duration::days(1)),
    );
    Ok(Range {
        zone,
        query: DashboardQuery {
            from: from.to_string(),
            to: to.to_string(),
            granularity: query.granularity,
            provider_id: query.provider_id,
        },
        periods,
        start,
        end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        time::parse_date(s).unwrap()
    }

    #[test]
    fn weeks_and_months_are_clipped_and_contiguous() {
        let zone: Tz = "Europe/London".parse().unwrap();
        // Wednesday 2026-03-25 to Wednesday 2026-04-08, by week.
        let weeks = cut(zone, d("2026-03-25"), d("2026-04-08"), Granularity::Week);
        let spans: Vec<_> = weeks
            .iter()
            .map(|p| (p.starts_on.to_string(), p.ends_on.to_string()))
            .collect();
        assert_eq!(
            spans,
            [
                ("2026-03-25".into(), "2026-03-29".into()),
                ("2026-03-30".into(), "2026-04-05".into()),
                ("2026-04-06".into(), "2026-04-08".into()),
            ]
        );
        // Clocks go forward on 2026-03-29: the first week is 4 days and 23 hours.
        assert_eq!(weeks[0].end - weeks[0].start, Duration::hours(4 * 24 + 23));
        assert_eq!(time::stored(weeks[0].start), "2026-03-25T00:00:00.000Z");
        assert_eq!(time::stored(weeks[1].start), "2026-03-29T23:00:00.000Z");
        for pair in weeks.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
        }
        let months = cut(zone, d("2025-12-15"), d("2026-03-01"), Granularity::Month);
        let spans: Vec<_> = months
            .iter()
            .map(|p| format!("{}..{}", p.starts_on, p.ends_on))
            .collect();
        assert_eq!(
            spans,
            [
                "2025-12-15..2025-12-31",
                "2026-01-01..2026-01-31",
                "2026-02-01..2026-02-28",
                "2026-03-01..2026-03-01"
            ]
        );
        assert_eq!(
            cut(zone, d("2026-01-01"), d("2026-01-01"), Granularity::Day).len(),
            1
        );
    }
}

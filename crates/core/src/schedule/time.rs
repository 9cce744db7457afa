//! Clinic time: converting between the clinic's wall clock (dates, `HH:MM`) and
//! UTC instants with the IANA rules of its time zone, daylight-saving changes
//! included.
//!
//! Invariants: a wall-clock time that does not exist (the spring-forward gap) has
//! no instant — slots there are skipped, bookings refused; a time that exists
//! twice (the autumn fold) means its first occurrence. Stored instants are RFC
//! 3339 UTC with milliseconds, so text order is time order.
use crate::CoreError;
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The clinic's time zone as stored in the clinic row (UTC before set-up).
pub fn clinic_zone(conn: &rusqlite::Connection) -> Result<Tz, CoreError> {
    let name: Option<String> = rusqlite::OptionalExtension::optional(conn.query_row(
        "SELECT time_zone FROM clinic WHERE singleton = 1",
        [],
        |r| r.get(0),
    ))?;
    let name = name.unwrap_or_else(|| "UTC".to_string());
    name.parse::<Tz>()
        .map_err(|_| CoreError::Corrupt("clinic time zone".into()))
}

/// Parses an IANA time zone name.
pub fn parse_zone(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// Every IANA time zone name, sorted.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|z| z.name().to_string())
        .collect();
    names.sort();
    names
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// `HH:MM` (24-hour).
pub fn parse_clock(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    if s.len() != 5 {
        return None;
    }
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

/// The instant of a wall-clock time in `zone`: `None` in a spring-forward gap,
/// the earlier one in an autumn fold.
pub fn instant(zone: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    match zone.from_local_datetime(&NaiveDateTime::new(date, time)) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

/// The first instant of a clinic date (midnight, or the first existing minute
/// after it when midnight falls in a gap).
pub fn day_start(zone: Tz, date: NaiveDate) -> DateTime<Utc> {
    let mut t = NaiveTime::MIN;
    for _ in 0..(24 * 4) {
        if let Some(i) = instant(zone, date, t) {
            return i;
        }
        t += Duration::minutes(15);
    }
    // No zone skips a whole day at 15-minute steps; fall back to UTC midnight.
    Utc.from_utc_datetime(&NaiveDateTime::new(date, NaiveTime::MIN))
}

/// The clinic date of an instant.
pub fn local_date(zone: Tz, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&zone).date_naive()
}

/// `HH:MM` clinic time of an instant.
pub fn local_clock(zone: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&zone).format("%H:%M").to_string()
}

/// Today in the clinic.
pub fn today(zone: Tz, now: DateTime<Utc>) -> NaiveDate {
    local_date(zone, now)
}

/// The stored text of an instant (RFC 3339 UTC, milliseconds).
pub fn stored(t: DateTime<Utc>) -> String {
    crate::restricted::stored_time(t)
}

/// Parses a stored or submitted RFC 3339 instant (any offset).
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// ISO weekday 1 (Monday) … 7 (Sunday).
pub fn iso_weekday(date: NaiveDate) -> u8 {
    use chrono::Datelike;
    date.weekday().number_from_monday() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn london_spring_gap_and_autumn_fold() {
        let zone: Tz = "Europe/London".parse().unwrap();
        // 2026-03-29: clocks go 01:00 -> 02:00.
        let d = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert!(instant(zone, d, NaiveTime::from_hms_opt(1, 30, 0).unwrap()).is_none());
        let nine = instant(zone, d, NaiveTime::from_hms_opt(9, 0, 0).unwrap()).unwrap();
        assert_eq!(stored(nine), "2026-03-29T08:00:00.000Z");
        // 2026-10-25: 01:30 happens twice; the first is BST (00:30 UTC).
        let d = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        let t = instant(zone, d, NaiveTime::from_hms_opt(1, 30, 0).unwrap()).unwrap();
        assert_eq!(stored(t), "2026-10-25T00:30:00.000Z");
        assert_eq!(
            day_start(zone, NaiveDate::from_ymd_opt(2026, 10, 26).unwrap()) - day_start(zone, d),
            Duration::hours(25)
        );
    }

    #[test]
    fn clocks_and_dates_parse_strictly() {
        assert!(parse_clock("9:00").is_none());
        assert!(parse_clock("24:00").is_none());
        assert_eq!(parse_clock("09:05").unwrap().to_string(), "09:05:00");
        assert!(parse_date("2026-02-30").is_none());
        assert_eq!(iso_weekday(parse_date("2026-11-23").unwrap()), 1);
    }
}

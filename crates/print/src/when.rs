//! Dates on documents: RFC 3339 instants shown in the clinic's time zone
//! (`2026-03-29 14:05`), calendar dates as they are (`2026-03-29`), and the
//! PDF's creation date taken from the document itself (never the clock), so
//! the same document always gives the same bytes.
//!
//! Invariant: nothing here reads the system clock or the machine's zone; an
//! instant that does not parse is printed as given rather than refused.
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

/// How a document shows instants: in the clinic's IANA zone, else in UTC.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClinicClock {
    zone: Option<Tz>,
}

impl ClinicClock {
    /// `time_zone` is an IANA name (`Africa/Lagos`); empty or unknown: UTC.
    pub(crate) fn new(time_zone: &str) -> Self {
        Self {
            zone: time_zone.trim().parse::<Tz>().ok(),
        }
    }

    /// `2026-03-29 15:05` in the clinic's zone, or `2026-03-29 14:05 UTC`.
    pub(crate) fn instant(&self, rfc3339: &str) -> String {
        let Some(at) = parse_instant(rfc3339) else {
            return rfc3339.to_owned();
        };
        match self.zone {
            Some(zone) => at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string(),
            None => at.format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }

    /// The clinic date of an instant (`2026-03-29`).
    pub(crate) fn date_of(&self, rfc3339: &str) -> String {
        let Some(at) = parse_instant(rfc3339) else {
            return rfc3339.to_owned();
        };
        match self.zone {
            Some(zone) => at.with_timezone(&zone).format("%Y-%m-%d").to_string(),
            None => at.format("%Y-%m-%d").to_string(),
        }
    }
}

fn parse_instant(rfc3339: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(rfc3339.trim())
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// The PDF creation date for a document: its instant (UTC) or, for a
/// calendar date, that day's midnight UTC. `None` when neither parses.
pub(crate) fn pdf_date(instant_or_date: &str) -> Option<pdf_writer::Date> {
    let at = parse_instant(instant_or_date).or_else(|| {
        NaiveDate::parse_from_str(instant_or_date.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
    })?;
    let year = u16::try_from(at.year()).ok()?;
    Some(
        pdf_writer::Date::new(year)
            .month(at.month() as u8)
            .day(at.day() as u8)
            .hour(at.hour() as u8)
            .minute(at.minute() as u8)
            .second(at.second() as u8)
            .utc_offset_hour(0)
            .utc_offset_minute(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_show_in_the_clinic_zone() {
        let lagos = ClinicClock::new("Africa/Lagos");
        assert_eq!(lagos.instant("2026-03-29T14:05:00Z"), "2026-03-29 15:05");
        assert_eq!(lagos.date_of("2026-03-29T23:30:00Z"), "2026-03-30");
        let utc = ClinicClock::new("");
        assert_eq!(utc.instant("2026-03-29T14:05:00Z"), "2026-03-29 14:05 UTC");
        assert_eq!(utc.instant("not a date"), "not a date");
        assert!(pdf_date("2026-03-29").is_some());
        assert!(pdf_date("yesterday").is_none());
    }
}

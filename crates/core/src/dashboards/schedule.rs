//! The schedule's dashboards, computed from the appointment table with SQL
//! aggregates over indexed time ranges: appointments by outcome, attendance
//! (no-show and cancellation rates) and new versus returning patients.
//!
//! Invariants: an appointment belongs to the period its start falls in (clinic
//! time); one indexed range query per period (and one for the range's totals),
//! never a pass over the whole table; with a provider, only that provider's
//! appointments (the provider index serves the range). "Attended" is checked
//! in, in consultation or done; a patient is new in the period of their first
//! attended appointment at the clinic (any provider), found by one seek per
//! patient seen in the range.
use super::periods::Range;
use crate::CoreError;
use clinic_protocol::{
    AppointmentCounts, AppointmentStatus, AppointmentsDashboard, AppointmentsRow,
    AttendanceDashboard, AttendanceRates, AttendanceRow, PatientMix, PatientMixDashboard,
    PatientMixRow,
};
use rusqlite::{params_from_iter, Connection};

/// Statuses of an appointment the patient came to.
pub(crate) const ATTENDED: &str = "('checked_in', 'in_consultation', 'done')";

/// `AND provider_id = ?3` when the dashboard is one provider's.
fn provider_clause(range: &Range) -> &'static str {
    if range.query.provider_id.is_some() {
        " AND provider_id = ?3"
    } else {
        ""
    }
}

/// The index that serves a time range: the provider's, or the dashboards' own
/// (named, because the planner may otherwise walk `appointment_first_visit`
/// whole to get patients in order).
fn range_index(range: &Range) -> &'static str {
    if range.query.provider_id.is_some() {
        "appointment_by_provider"
    } else {
        "appointment_dashboard"
    }
}

/// `[start, end)` and the provider (if any) as parameters.
pub(crate) fn args(range: &Range, start: String, end: String) -> Vec<String> {
    let mut args = vec![start, end];
    if let Some(p) = range.query.provider_id {
        args.push(p.to_string());
    }
    args
}

/// Appointments by status starting in `[?1, ?2)`.
pub(crate) fn counts_sql(range: &Range) -> String {
    format!(
        "SELECT status, count(*) FROM appointment
         WHERE starts_at >= ?1 AND starts_at < ?2{} GROUP BY status",
        provider_clause(range)
    )
}

/// First attended appointments at the clinic falling in `[?1, ?2)`, of the
/// patients seen in that range (one seek each), and with a provider, the
/// provider's first attended appointment with them at or after it.
pub(crate) fn firsts_sql(range: &Range) -> String {
    // Materialized: each patient's first visit is sought once, not once per
    // place the column is named.
    let firsts = format!(
        "WITH firsts AS MATERIALIZED (
           SELECT v.patient_id,
                  (SELECT min(b.starts_at) FROM appointment b
                   WHERE b.patient_id = v.patient_id AND b.status IN {ATTENDED}) AS first_seen
           FROM (SELECT DISTINCT patient_id FROM appointment INDEXED BY {}
                 WHERE starts_at >= ?1 AND starts_at < ?2 AND status IN {ATTENDED}{}) v)",
        range_index(range),
        provider_clause(range)
    );
    if range.query.provider_id.is_none() {
        format!("{firsts} SELECT first_seen, first_seen FROM firsts WHERE first_seen >= ?1")
    } else {
        format!(
            "{firsts} SELECT first_seen,
                    (SELECT min(c.starts_at) FROM appointment c
                     WHERE c.patient_id = w.patient_id AND c.provider_id = ?3
                       AND c.status IN {ATTENDED} AND c.starts_at >= w.first_seen)
             FROM firsts w WHERE first_seen >= ?1"
        )
    }
}

/// Distinct patients seen in `[?1, ?2)`.
pub(crate) fn seen_sql(range: &Range) -> String {
    format!(
        "SELECT count(DISTINCT patient_id) FROM appointment INDEXED BY {}
         WHERE starts_at >= ?1 AND starts_at < ?2 AND status IN {ATTENDED}{}",
        range_index(range),
        provider_clause(range)
    )
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `part / whole` in basis points, rounded half up; `None` for an empty whole.
pub(crate) fn basis_points(part: u64, whole: u64) -> Option<u32> {
    (whole > 0).then(|| u32::try_from((part * 10_000 + whole / 2) / whole).unwrap_or(u32::MAX))
}

fn add(total: &mut AppointmentCounts, c: &AppointmentCounts) {
    total.total += c.total;
    total.booked += c.booked;
    total.in_progress += c.in_progress;
    total.done += c.done;
    total.no_show += c.no_show;
    total.cancelled += c.cancelled;
    total.needs_reschedule += c.needs_reschedule;
}

/// Appointment counts of each period.
fn status_counts(conn: &Connection, range: &Range) -> Result<Vec<AppointmentCounts>, CoreError> {
    let mut stmt = conn.prepare_cached(&counts_sql(range))?;
    let mut out = Vec::with_capacity(range.periods.len());
    for period in &range.periods {
        let (start, end) = period.bounds();
        let mut c = AppointmentCounts::default();
        let mut rows = stmt.query(params_from_iter(args(range, start, end)))?;
        while let Some(row) = rows.next()? {
            let (status, n): (String, i64) = (row.get(0)?, row.get(1)?);
            let n = count(n);
            let slot = match AppointmentStatus::parse(&status) {
                Some(AppointmentStatus::Booked | AppointmentStatus::Confirmed) => &mut c.booked,
                Some(AppointmentStatus::CheckedIn | AppointmentStatus::InConsultation) => {
                    &mut c.in_progress
                }
                Some(AppointmentStatus::Done) => &mut c.done,
                Some(AppointmentStatus::NoShow) => &mut c.no_show,
                Some(AppointmentStatus::Cancelled) => &mut c.cancelled,
                Some(AppointmentStatus::NeedsReschedule) => &mut c.needs_reschedule,
                None => return Err(CoreError::Corrupt("appointment status".into())),
            };
            *slot += n;
            c.total += n;
        }
        out.push(c);
    }
    Ok(out)
}

pub fn appointments(conn: &Connection, range: &Range) -> Result<AppointmentsDashboard, CoreError> {
    let counts = status_counts(conn, range)?;
    let mut totals = AppointmentCounts::default();
    counts.iter().for_each(|c| add(&mut totals, c));
    Ok(AppointmentsDashboard {
        time_zone: range.zone.name().to_string(),
        query: range.query.clone(),
        rows: range
            .periods
            .iter()
            .zip(counts)
            .map(|(p, counts)| AppointmentsRow {
                period: p.wire(),
                counts,
            })
            .collect(),
        totals,
    })
}

fn rates(c: &AppointmentCounts) -> AttendanceRates {
    let scheduled = c.total - c.needs_reschedule;
    let attended = c.in_progress + c.done;
    AttendanceRates {
        scheduled,
        attended,
        no_show: c.no_show,
        cancelled: c.cancelled,
        no_show_rate_bp: basis_points(
            u64::from(c.no_show),
            u64::from(attended) + u64::from(c.no_show),
        ),
        cancellation_rate_bp: basis_points(u64::from(c.cancelled), u64::from(scheduled)),
    }
}

pub fn attendance(conn: &Connection, range: &Range) -> Result<AttendanceDashboard, CoreError> {
    let counts = status_counts(conn, range)?;
    let mut totals = AppointmentCounts::default();
    counts.iter().for_each(|c| add(&mut totals, c));
    Ok(AttendanceDashboard {
        time_zone: range.zone.name().to_string(),
        query: range.query.clone(),
        rows: range
            .periods
            .iter()
            .zip(&counts)
            .map(|(p, c)| AttendanceRow {
                period: p.wire(),
                rates: rates(c),
            })
            .collect(),
        totals: rates(&totals),
    })
}

/// Seen: distinct patients per period (an indexed range each). New: each
/// patient's first attended appointment at the clinic, found once for the
/// whole range and placed in its period — with a provider, only when that
/// provider saw them in the same period.
pub fn patient_mix(conn: &Connection, range: &Range) -> Result<PatientMixDashboard, CoreError> {
    let (start, end) = range.bounds();
    let ends: Vec<String> = range.periods.iter().map(|p| p.bounds().1).collect();
    let mut new = vec![0u32; ends.len()];
    let mut stmt = conn.prepare_cached(&firsts_sql(range))?;
    let mut firsts = stmt.query(params_from_iter(args(range, start.clone(), end.clone())))?;
    while let Some(row) = firsts.next()? {
        let (first, with_provider): (String, Option<String>) = (row.get(0)?, row.get(1)?);
        let k = ends.partition_point(|e| e.as_str() <= first.as_str());
        if k < ends.len() && with_provider.is_some_and(|w| w < ends[k]) {
            new[k] += 1;
        }
    }
    let mut seen_stmt = conn.prepare_cached(&seen_sql(range))?;
    let mut seen_in = |start: String, end: String| -> Result<u32, CoreError> {
        let n: i64 =
            seen_stmt.query_row(params_from_iter(args(range, start, end)), |r| r.get(0))?;
        Ok(count(n))
    };
    let mut rows = Vec::with_capacity(range.periods.len());
    for (period, new) in range.periods.iter().zip(&new) {
        let (start, end) = period.bounds();
        let seen = seen_in(start, end)?;
        rows.push(PatientMixRow {
            period: period.wire(),
            mix: PatientMix {
                seen,
                new: *new,
                returning: seen.saturating_sub(*new),
            },
        });
    }
    let seen = seen_in(start, end)?;
    let new_total = new.iter().sum();
    Ok(PatientMixDashboard {
        time_zone: range.zone.name().to_string(),
        query: range.query.clone(),
        rows,
        totals: PatientMix {
            seen,
            new: new_total,
            returning: seen.saturating_sub(new_total),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::basis_points;

    #[test]
    fn basis_points_round_half_up_and_need_a_denominator() {
        assert_eq!(basis_points(1, 3), Some(3333));
        assert_eq!(basis_points(2, 3), Some(6667));
        assert_eq!(basis_points(1, 8), Some(1250));
        assert_eq!(basis_points(0, 5), Some(0));
        assert_eq!(basis_points(3, 0), None);
    }
}

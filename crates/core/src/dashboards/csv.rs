//! CSV of each dashboard: UTF-8 with a BOM (spreadsheets detect it), CRLF line
//! ends, a header row, then one row per period (per period and provider for
//! utilisation, per period and currency for money). Rates are percentages with
//! two decimals (from basis points, exact), empty when undefined; money stays
//! in integer minor units (the header says so).
//!
//! Invariants: no patient data ever appears (counts, minutes, amounts, dates,
//! provider names); every text cell is defused against formula injection
//! (integers, negative amounts included, are written as numbers).
use clinic_protocol::{
    AppointmentsDashboard, AttendanceDashboard, PatientMixDashboard, ReceivablesDashboard,
    RevenueDashboard, UtilisationDashboard,
};

const BOM: &str = "\u{feff}";

/// A cell: an integer as is (amounts may be negative); other text with a
/// leading `=`, `+`, `-`, `@`, tab or CR gets a `'` in front, and is quoted
/// when it holds a comma, quote, CR or LF.
fn cell(value: &str) -> String {
    if value.parse::<i64>().is_ok() {
        return value.to_string();
    }
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if defused.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

struct Table(String);

impl Table {
    fn new(header: &[&str]) -> Self {
        let mut t = Table(String::from(BOM));
        t.row(header.iter().map(|s| s.to_string()));
        t
    }

    fn row(&mut self, cells: impl IntoIterator<Item = String>) {
        for (i, c) in cells.into_iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            self.0.push_str(&cell(&c));
        }
        self.0.push_str("\r\n");
    }
}

/// Basis points as a percentage with two decimals (`1250` → `12.50`).
fn percent(bp: Option<u32>) -> String {
    bp.map(|bp| format!("{}.{:02}", bp / 100, bp % 100))
        .unwrap_or_default()
}

pub fn appointments(d: &AppointmentsDashboard) -> String {
    let mut t = Table::new(&[
        "period_start",
        "period_end",
        "total",
        "booked",
        "in_progress",
        "done",
        "no_show",
        "cancelled",
        "needs_reschedule",
    ]);
    for r in &d.rows {
        let c = &r.counts;
        t.row([
            r.period.starts_on.clone(),
            r.period.ends_on.clone(),
            c.total.to_string(),
            c.booked.to_string(),
            c.in_progress.to_string(),
            c.done.to_string(),
            c.no_show.to_string(),
            c.cancelled.to_string(),
            c.needs_reschedule.to_string(),
        ]);
    }
    t.0
}

pub fn attendance(d: &AttendanceDashboard) -> String {
    let mut t = Table::new(&[
        "period_start",
        "period_end",
        "scheduled",
        "attended",
        "no_show",
        "cancelled",
        "no_show_rate_percent",
        "cancellation_rate_percent",
    ]);
    for r in &d.rows {
        let x = &r.rates;
        t.row([
            r.period.starts_on.clone(),
            r.period.ends_on.clone(),
            x.scheduled.to_string(),
            x.attended.to_string(),
            x.no_show.to_string(),
            x.cancelled.to_string(),
            percent(x.no_show_rate_bp),
            percent(x.cancellation_rate_bp),
        ]);
    }
    t.0
}

pub fn utilisation(d: &UtilisationDashboard) -> String {
    let mut t = Table::new(&[
        "period_start",
        "period_end",
        "provider_id",
        "provider_name",
        "booked_minutes",
        "available_minutes",
        "utilisation_percent",
    ]);
    let periods = d.providers.first().map(|p| p.rows.len()).unwrap_or(0);
    for i in 0..periods {
        for p in &d.providers {
            let r = &p.rows[i];
            t.row([
                r.period.starts_on.clone(),
                r.period.ends_on.clone(),
                p.provider_id.to_string(),
                p.provider_name.clone(),
                r.utilisation.booked_minutes.to_string(),
                r.utilisation.available_minutes.to_string(),
                percent(r.utilisation.utilisation_bp),
            ]);
        }
    }
    t.0
}

pub fn patient_mix(d: &PatientMixDashboard) -> String {
    let mut t = Table::new(&["period_start", "period_end", "seen", "new", "returning"]);
    for r in &d.rows {
        t.row([
            r.period.starts_on.clone(),
            r.period.ends_on.clone(),
            r.mix.seen.to_string(),
            r.mix.new.to_string(),
            r.mix.returning.to_string(),
        ]);
    }
    t.0
}

pub fn revenue(d: &RevenueDashboard) -> String {
    let mut t = Table::new(&[
        "period_start",
        "period_end",
        "currency",
        "invoiced_minor",
        "collected_minor",
        "refunded_minor",
        "credited_minor",
    ]);
    let periods = d.series.first().map(|s| s.rows.len()).unwrap_or(0);
    for i in 0..periods {
        for s in &d.series {
            let r = &s.rows[i];
            let a = &r.amounts;
            t.row([
                r.period.starts_on.clone(),
                r.period.ends_on.clone(),
                s.currency.clone(),
                a.invoiced.to_string(),
                a.collected.to_string(),
                a.refunded.to_string(),
                a.credited.to_string(),
            ]);
        }
    }
    t.0
}

pub fn receivables(d: &ReceivablesDashboard) -> String {
    let mut t = Table::new(&[
        "period_start",
        "period_end",
        "currency",
        "outstanding_minor",
        "days_0_30_minor",
        "days_31_60_minor",
        "days_61_90_minor",
        "days_over_90_minor",
    ]);
    let periods = d.series.first().map(|s| s.rows.len()).unwrap_or(0);
    for i in 0..periods {
        for s in &d.series {
            let r = &s.rows[i];
            let x = &r.receivables;
            t.row([
                r.period.starts_on.clone(),
                r.period.ends_on.clone(),
                s.currency.clone(),
                x.outstanding.to_string(),
                x.days_0_30.to_string(),
                x.days_31_60.to_string(),
                x.days_61_90.to_string(),
                x.days_over_90.to_string(),
            ]);
        }
    }
    t.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_defused_and_quoted() {
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("-5"), "-5");
        assert_eq!(cell("-5 cm"), "'-5 cm");
        assert_eq!(cell("Dr \"Bo\", Jr"), "\"Dr \"\"Bo\"\", Jr\"");
        assert_eq!(percent(Some(1250)), "12.50");
        assert_eq!(percent(Some(7)), "0.07");
        assert_eq!(percent(None), "");
    }
}

//! Practice dashboard wire types: the query (a range of clinic dates, a
//! granularity and an optional provider) and one result per dashboard —
//! appointments per period, attendance (no-show and cancellation rates),
//! provider utilisation, new versus returning patients, revenue, and
//! receivables over time with aging buckets — plus the CSV export request.
//!
//! Conventions: dates are the clinic's calendar dates (`"2026-03-29"`), first
//! and last day inclusive; periods follow the clinic's time zone (a day starts
//! at the clinic's midnight, weeks start on Monday, months on the 1st) and the
//! first and last periods are clipped to the query's range. No floats: counts
//! and minutes are integers, rates are basis points (1 % = 100 bp, rounded half
//! up) next to the counts they were computed from, `None` when the denominator
//! is zero; money is integer minor units (cents, pence) with its ISO 4217
//! currency.
use crate::ids::StaffId;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

text_enum!(
    /// How a dashboard's range is cut into periods.
    Granularity {
        Day => "day",
        /// ISO weeks, Monday to Sunday.
        Week => "week",
        Month => "month",
    }
);

text_enum!(
    /// Which dashboard (the CSV export names one).
    DashboardKind {
        /// Appointments per period by outcome.
        Appointments => "appointments",
        /// No-show and cancellation rates.
        Attendance => "attendance",
        /// Booked versus available minutes per provider.
        Utilisation => "utilisation",
        /// New versus returning patients.
        PatientMix => "patient_mix",
        /// Invoiced, collected and refunded amounts.
        Revenue => "revenue",
        /// Outstanding balances at the end of each period, by age.
        Receivables => "receivables",
    }
);

impl DashboardKind {
    /// Dashboards about money (administrators and billing); the others are about
    /// the schedule (administrators, and doctors for their own appointments).
    pub fn is_financial(self) -> bool {
        matches!(self, DashboardKind::Revenue | DashboardKind::Receivables)
    }
}

/// What a dashboard shows: `from..=to` (clinic dates), cut by `granularity`,
/// for one provider or the whole clinic (`None`). A doctor's schedule
/// dashboards are always their own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DashboardQuery {
    /// First clinic date, `YYYY-MM-DD`.
    pub from: String,
    /// Last clinic date (inclusive), on or after `from`, at most ten years later.
    pub to: String,
    pub granularity: Granularity,
    #[serde(default)]
    pub provider_id: Option<StaffId>,
}

/// One period of a dashboard: clinic dates, inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DashboardPeriod {
    pub starts_on: String,
    pub ends_on: String,
}

/// Appointments starting in one period, by status. `total` is the sum of the
/// other counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AppointmentCounts {
    pub total: u32,
    /// Still to come or never marked: booked or confirmed.
    pub booked: u32,
    /// Checked in or in consultation.
    pub in_progress: u32,
    pub done: u32,
    pub no_show: u32,
    pub cancelled: u32,
    /// Waiting for the front desk to find a new time.
    pub needs_reschedule: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AppointmentsRow {
    pub period: DashboardPeriod,
    pub counts: AppointmentCounts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AppointmentsDashboard {
    /// The clinic's IANA time zone the periods follow.
    pub time_zone: String,
    /// The query as answered (a doctor's is scoped to themselves).
    pub query: DashboardQuery,
    pub rows: Vec<AppointmentsRow>,
    pub totals: AppointmentCounts,
}

/// No-show and cancellation rates of one period, with their counts.
/// `no_show_rate_bp` = no_show / (attended + no_show): of the appointments whose
/// outcome is known, how many were missed. `cancellation_rate_bp` = cancelled /
/// scheduled, where scheduled is every appointment in the period except those
/// waiting to be rescheduled.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AttendanceRates {
    pub scheduled: u32,
    /// Checked in, in consultation or done.
    pub attended: u32,
    pub no_show: u32,
    pub cancelled: u32,
    pub no_show_rate_bp: Option<u32>,
    pub cancellation_rate_bp: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AttendanceRow {
    pub period: DashboardPeriod,
    pub rates: AttendanceRates,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AttendanceDashboard {
    pub time_zone: String,
    pub query: DashboardQuery,
    pub rows: Vec<AttendanceRow>,
    pub totals: AttendanceRates,
}

/// A provider's booked time against their available time in one period.
/// Booked: minutes of appointments that hold time (booked, confirmed, checked
/// in, in consultation, done) starting in the period. Available: the weekly
/// hours (breaks removed) of each day, minus leave and clinic closures, in
/// clinic time. `utilisation_bp` = booked / available (above 10,000 when booked
/// outside working time).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Utilisation {
    pub booked_minutes: u32,
    pub available_minutes: u32,
    pub utilisation_bp: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UtilisationRow {
    pub period: DashboardPeriod,
    pub utilisation: Utilisation,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProviderUtilisation {
    pub provider_id: StaffId,
    pub provider_name: String,
    pub rows: Vec<UtilisationRow>,
    pub totals: Utilisation,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UtilisationDashboard {
    pub time_zone: String,
    pub query: DashboardQuery,
    /// The bookable providers (or the one asked for), and any other provider
    /// with appointments in the range, by name.
    pub providers: Vec<ProviderUtilisation>,
}

/// Patients seen in one period (an appointment checked in, in consultation or
/// done). New: their first such appointment at the clinic falls in the period;
/// returning: seen before. `seen` = `new` + `returning`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientMix {
    pub seen: u32,
    pub new: u32,
    pub returning: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientMixRow {
    pub period: DashboardPeriod,
    pub mix: PatientMix,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientMixDashboard {
    pub time_zone: String,
    pub query: DashboardQuery,
    pub rows: Vec<PatientMixRow>,
    /// Over the whole range (a patient seen in several periods counts once).
    pub totals: PatientMix,
}

/// Money moved in one period, integer minor units of the series' currency.
/// Void invoices are left out of `invoiced`; payments count once succeeded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RevenueAmounts {
    /// Invoices issued in the period (their totals).
    #[ts(type = "number")]
    pub invoiced: i64,
    /// Payments received in the period.
    #[ts(type = "number")]
    pub collected: i64,
    /// Refunds paid out in the period.
    #[ts(type = "number")]
    pub refunded: i64,
    /// Credit notes issued in the period.
    #[ts(type = "number")]
    pub credited: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RevenueRow {
    pub period: DashboardPeriod,
    pub amounts: RevenueAmounts,
}

/// One currency's revenue (a clinic normally has one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RevenueSeries {
    /// ISO 4217, e.g. `GBP`.
    pub currency: String,
    pub rows: Vec<RevenueRow>,
    pub totals: RevenueAmounts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RevenueDashboard {
    pub time_zone: String,
    pub query: DashboardQuery,
    pub series: Vec<RevenueSeries>,
}

/// What is owed on issued invoices (patients' and insurers' parts) at the end
/// of a period (the end of `ends_on`, clinic time), by the invoice's age on
/// that day: 0–30, 31–60, 61–90 and over 90 days since its issue date. As it
/// stood then: later payments, refunds, credit notes and voids are not yet
/// counted. `outstanding` is the sum of the buckets (negative: owed back).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Receivables {
    #[ts(type = "number")]
    pub outstanding: i64,
    #[ts(type = "number")]
    pub days_0_30: i64,
    #[ts(type = "number")]
    pub days_31_60: i64,
    #[ts(type = "number")]
    pub days_61_90: i64,
    #[ts(type = "number")]
    pub days_over_90: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReceivablesRow {
    pub period: DashboardPeriod,
    pub receivables: Receivables,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReceivablesSeries {
    pub currency: String,
    pub rows: Vec<ReceivablesRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReceivablesDashboard {
    pub time_zone: String,
    pub query: DashboardQuery,
    pub series: Vec<ReceivablesSeries>,
}

/// Export one dashboard as CSV (the shell saves it where the user chooses).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExportDashboard {
    pub kind: DashboardKind,
    pub query: DashboardQuery,
}

//! Scheduling wire types: the clinic's time zone, appointment types and rooms,
//! providers' weekly hours and exceptions, free slots, appointments and their
//! statuses, recurring series, the waitlist, reassignment of an absent
//! provider's day, and the reminder queue.
//!
//! Conventions: instants are RFC 3339 UTC strings (`starts_at`); calendar dates
//! (`"2026-03-29"`) and wall-clock times (`"09:30"`) are in the clinic's time
//! zone, which the core converts with the IANA rules (daylight-saving changes
//! included). Appointments follow DESIGN.md §5: an appointment booked offline is
//! `tentative` until the sync server confirms it; an overlap found then becomes
//! `needs_reschedule` — never dropped.
use crate::ids::{
    AppointmentId, AppointmentSeriesId, AppointmentTypeId, PatientId, RoomId, ScheduleExceptionId,
    StaffId, WaitlistEntryId,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

text_enum!(
    /// Where an appointment stands in the patient's day.
    AppointmentStatus {
        Booked => "booked",
        /// The patient confirmed they will come.
        Confirmed => "confirmed",
        CheckedIn => "checked_in",
        InConsultation => "in_consultation",
        Done => "done",
        NoShow => "no_show",
        Cancelled => "cancelled",
        /// Its time is no longer possible (overlap found by sync, provider
        /// absent): the front desk finds a new time with the patient.
        NeedsReschedule => "needs_reschedule",
    }
);

impl AppointmentStatus {
    /// Whether the appointment holds its provider's (and room's) time.
    pub fn holds_time(self) -> bool {
        matches!(
            self,
            AppointmentStatus::Booked
                | AppointmentStatus::Confirmed
                | AppointmentStatus::CheckedIn
                | AppointmentStatus::InConsultation
                | AppointmentStatus::Done
        )
    }
}

text_enum!(
    /// Whether a weekly period is working time or a break inside it.
    PeriodKind {
        Work => "work",
        Break => "break",
    }
);

text_enum!(
    ExceptionKind {
        /// One provider is away (holiday, sickness, training).
        Leave => "leave",
        /// The whole clinic is closed (public holiday).
        Holiday => "holiday",
        Other => "other",
    }
);

text_enum!(
    RecurrenceUnit {
        Week => "week",
        Month => "month",
    }
);

text_enum!(
    WaitlistStatus {
        Waiting => "waiting",
        Booked => "booked",
        Removed => "removed",
    }
);

text_enum!(
    ReminderStatus {
        Queued => "queued",
        /// The appointment was cancelled or moved (a new reminder is queued for the new time).
        Cancelled => "cancelled",
        Sent => "sent",
    }
);

/// The clinic's scheduling settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScheduleSettings {
    /// IANA name, e.g. `Europe/London`.
    pub time_zone: String,
    /// Seconds of inactivity after which the kiosk resets itself.
    pub kiosk_idle_seconds: u32,
    /// Hours before an appointment its reminder is due.
    pub reminder_hours_before: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AppointmentType {
    pub id: AppointmentTypeId,
    pub name: String,
    pub duration_minutes: u32,
    /// `#rrggbb`.
    pub colour: String,
    pub active: bool,
    #[ts(type = "number")]
    pub version: i64,
}

/// Creates (no `id`) or edits an appointment type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SaveAppointmentType {
    pub id: Option<AppointmentTypeId>,
    #[ts(type = "number | null")]
    pub expected_version: Option<i64>,
    pub name: String,
    pub duration_minutes: u32,
    pub colour: String,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Room {
    pub id: RoomId,
    pub name: String,
    pub active: bool,
    #[ts(type = "number")]
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SaveRoom {
    pub id: Option<RoomId>,
    #[ts(type = "number | null")]
    pub expected_version: Option<i64>,
    pub name: String,
    pub active: bool,
}

/// A staff member who can be booked (doctors and nurses).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Provider {
    pub id: StaffId,
    pub display_name: String,
    pub role: crate::Role,
    /// Whether weekly hours are set (a provider without hours has no free slots).
    pub has_hours: bool,
}

/// One weekly period of a provider: working time, or a break inside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WeeklyPeriod {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// `HH:MM`, clinic time.
    pub start: String,
    /// `HH:MM`, clinic time, after `start`.
    pub end: String,
    pub kind: PeriodKind,
    /// The room a working period is in, if rooms are used.
    pub room_id: Option<RoomId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProviderHours {
    pub provider_id: StaffId,
    pub periods: Vec<WeeklyPeriod>,
    /// 0 when never set.
    #[ts(type = "number")]
    pub version: i64,
}

/// Replaces a provider's whole week (one op).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SetProviderHours {
    pub provider_id: StaffId,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub periods: Vec<WeeklyPeriod>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScheduleException {
    pub id: ScheduleExceptionId,
    /// `None`: the whole clinic.
    pub provider_id: Option<StaffId>,
    /// First and last day, inclusive (clinic dates).
    pub starts_on: String,
    pub ends_on: String,
    pub kind: ExceptionKind,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AddScheduleException {
    pub provider_id: Option<StaffId>,
    pub starts_on: String,
    pub ends_on: String,
    pub kind: ExceptionKind,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RemoveScheduleException {
    pub id: ScheduleExceptionId,
}

/// Next free slots for one provider (or any provider) and an appointment type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FindSlots {
    /// `None`: every bookable provider.
    pub provider_id: Option<StaffId>,
    pub appointment_type_id: AppointmentTypeId,
    /// First clinic date to search (today or later); empty means today.
    #[serde(default)]
    pub from: String,
    /// How many days to search (1–90).
    pub days: u32,
    /// At most this many slots (1–200).
    pub limit: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Slot {
    pub provider_id: StaffId,
    pub provider_name: String,
    pub room_id: Option<RoomId>,
    /// RFC 3339 UTC.
    pub starts_at: String,
    pub ends_at: String,
    /// Clinic date and time of the start, for display.
    pub local_date: String,
    pub local_time: String,
}

/// Repeat a booking: every `interval` weeks or months, `count` appointments in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Recurrence {
    pub unit: RecurrenceUnit,
    pub interval: u32,
    /// Total appointments including the first (2–24).
    pub count: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BookAppointment {
    pub patient_id: PatientId,
    pub provider_id: StaffId,
    pub appointment_type_id: AppointmentTypeId,
    pub room_id: Option<RoomId>,
    /// RFC 3339 (any offset).
    pub starts_at: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub recurrence: Option<Recurrence>,
    /// Booking a waitlisted patient: the entry is marked booked with it.
    #[serde(default)]
    pub waitlist_entry_id: Option<WaitlistEntryId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Appointment {
    pub id: AppointmentId,
    pub patient_id: PatientId,
    /// "Family, Given" — or "Restricted record" when the caller may not see it.
    pub patient_name: String,
    pub patient_mrn: String,
    pub provider_id: StaffId,
    pub provider_name: String,
    pub appointment_type_id: AppointmentTypeId,
    pub type_name: String,
    pub colour: String,
    pub room_id: Option<RoomId>,
    pub room_name: String,
    /// RFC 3339 UTC.
    pub starts_at: String,
    pub ends_at: String,
    pub status: AppointmentStatus,
    /// Booked while offline: not yet confirmed by the sync server.
    pub tentative: bool,
    pub series_id: Option<AppointmentSeriesId>,
    /// Short code the patient gives at the kiosk.
    pub check_in_code: String,
    pub note: String,
    pub cancel_reason: String,
    pub checked_in_at: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RescheduleAppointment {
    pub id: AppointmentId,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub starts_at: String,
    /// The (possibly new) provider and room.
    pub provider_id: StaffId,
    pub room_id: Option<RoomId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CancelAppointment {
    pub id: AppointmentId,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub reason: String,
}

/// What a cancellation freed: the appointment, and the waitlisted patients the
/// freed time suits (best first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CancelOutcome {
    pub appointment: Appointment,
    pub waitlist_offers: Vec<WaitlistEntry>,
}

/// Confirm, check in, start, finish, or mark a no-show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SetAppointmentStatus {
    pub id: AppointmentId,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub status: AppointmentStatus,
}

/// Day and week views: appointments and working time per provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CalendarQuery {
    /// First clinic date shown; empty means today.
    #[serde(default)]
    pub from: String,
    /// 1 (day) to 7 (week).
    pub days: u32,
    /// Empty: every bookable provider.
    #[serde(default)]
    pub provider_ids: Vec<StaffId>,
}

/// An interval of time (RFC 3339 UTC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimeRange {
    pub starts_at: String,
    pub ends_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProviderCalendar {
    pub provider: Provider,
    /// Working time (breaks and exceptions removed).
    pub working: Vec<TimeRange>,
    pub exceptions: Vec<ScheduleException>,
    /// Every appointment in the range, cancelled ones included (shown faded).
    pub appointments: Vec<Appointment>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Calendar {
    pub time_zone: String,
    /// The clinic dates shown, in order.
    pub dates: Vec<String>,
    /// RFC 3339 UTC bounds of those dates in the clinic's time zone.
    pub starts_at: String,
    pub ends_at: String,
    pub providers: Vec<ProviderCalendar>,
}

/// A patient's appointments: upcoming first (soonest first), then recent past.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientAppointments {
    pub upcoming: Vec<Appointment>,
    pub past: Vec<Appointment>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WaitlistEntry {
    pub id: WaitlistEntryId,
    pub patient_id: PatientId,
    pub patient_name: String,
    pub patient_mrn: String,
    /// `None`: any provider.
    pub provider_id: Option<StaffId>,
    pub provider_name: String,
    pub appointment_type_id: AppointmentTypeId,
    pub type_name: String,
    /// Clinic dates the patient can come, inclusive.
    pub earliest: String,
    pub latest: String,
    pub note: String,
    pub status: WaitlistStatus,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AddToWaitlist {
    pub patient_id: PatientId,
    pub provider_id: Option<StaffId>,
    pub appointment_type_id: AppointmentTypeId,
    pub earliest: String,
    pub latest: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RemoveFromWaitlist {
    pub id: WaitlistEntryId,
}

/// Moves an absent provider's appointments on one day: to another provider at
/// the same times where that provider is free, the rest to `needs_reschedule`
/// (or all of them when `to_provider_id` is `None`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReassignDay {
    pub from_provider_id: StaffId,
    /// Clinic date.
    pub date: String,
    pub to_provider_id: Option<StaffId>,
    /// Also record the absent provider's leave for that day.
    pub record_leave: bool,
    pub reason: String,
}

/// One affected patient to contact, with what happened to their appointment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PatientToContact {
    pub appointment: Appointment,
    pub phone: String,
    pub email: String,
    /// Moved to the other provider at the same time (else: needs a new time).
    pub moved: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReassignOutcome {
    pub moved: u32,
    pub needs_reschedule: u32,
    pub contacts: Vec<PatientToContact>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Reminder {
    pub appointment_id: AppointmentId,
    pub patient_mrn: String,
    /// sms, email or none (the patient's preferred channel).
    pub channel: String,
    pub due_at: String,
    pub appointment_starts_at: String,
    pub status: ReminderStatus,
}

//! Shared fixtures for the scheduling and kiosk tests: a clinic in
//! Europe/London with two doctors (Mon–Fri 09:00–17:00, break 12:30–13:30), a
//! front-desk member, a 30-minute appointment type, a registered patient, and
//! helpers to book and count rows.
#![allow(dead_code)]
use crate::common::{self, AUDIT_KEY};
use crate::identity_common;
use chrono::{DateTime, Utc};
use clinic_core::schedule::{booking, config};
use clinic_core::{Caller, CoreError};
use clinic_protocol::{
    Appointment, AppointmentType, BookAppointment, PatientDetails, PatientId, PeriodKind,
    RegisterOutcome, RegisterPatient, Role, SaveAppointmentType, ScheduleSettings, SessionInfo,
    SetProviderHours, StaffId, WeeklyPeriod,
};
use clinic_store::Store;

pub struct Clinic {
    pub t: common::TestStore,
    pub admin: SessionInfo,
    pub doctor: SessionInfo,
    pub doctor2: SessionInfo,
    pub desk: SessionInfo,
    pub kind: AppointmentType,
    pub patient: PatientId,
}

/// An RFC 3339 instant.
pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The instant as the store keeps it (`…T09:00:00.000Z`).
pub fn stored(s: &str) -> String {
    clinic_core::schedule::time::stored(utc(s))
}

pub fn period(weekday: u8, start: &str, end: &str, kind: PeriodKind) -> WeeklyPeriod {
    WeeklyPeriod {
        weekday,
        start: start.into(),
        end: end.into(),
        kind,
        room_id: None,
    }
}

/// Monday to Friday 09:00–17:00 with a 12:30–13:30 break.
pub fn week() -> Vec<WeeklyPeriod> {
    (1..=5)
        .flat_map(|d| {
            [
                period(d, "09:00", "17:00", PeriodKind::Work),
                period(d, "12:30", "13:30", PeriodKind::Break),
            ]
        })
        .collect()
}

pub fn set_week(store: &mut Store, caller: &Caller<'_>, provider: StaffId) {
    config::set_hours(
        store,
        caller,
        SetProviderHours {
            provider_id: provider,
            expected_version: 0,
            periods: week(),
        },
    )
    .unwrap();
}

pub fn settings(time_zone: &str, idle: u32) -> ScheduleSettings {
    ScheduleSettings {
        time_zone: time_zone.into(),
        kiosk_idle_seconds: idle,
        reminder_hours_before: 24,
    }
}

pub fn clinic() -> Clinic {
    let mut t = common::store();
    let admin = identity_common::clinic(&mut t.store).session;
    let doctor = identity_common::member_session(&mut t.store, "okafor", "Dr Okafor", Role::Doctor);
    let doctor2 = identity_common::member_session(&mut t.store, "lind", "Dr Lind", Role::Doctor);
    let desk = identity_common::member_session(&mut t.store, "desk", "Front Desk", Role::FrontDesk);
    let by_admin = Caller::staff(&AUDIT_KEY, &admin);
    config::set_settings(&mut t.store, &by_admin, settings("Europe/London", 90)).unwrap();
    let kind = config::save_appointment_type(
        &mut t.store,
        &by_admin,
        SaveAppointmentType {
            id: None,
            expected_version: None,
            name: "Consultation".into(),
            duration_minutes: 30,
            colour: "#3b82f6".into(),
            active: true,
        },
    )
    .unwrap();
    set_week(&mut t.store, &by_admin, doctor.staff_id);
    set_week(&mut t.store, &by_admin, doctor2.staff_id);
    let patient = common::register_ada(&mut t.store);
    Clinic {
        t,
        admin,
        doctor,
        doctor2,
        desk,
        kind,
        patient,
    }
}

/// Ada's record with another name, date of birth, phone and email.
pub fn person(given: &str, family: &str, dob: &str, phone: &str) -> PatientDetails {
    let mut d = common::ada();
    d.given_name = given.into();
    d.family_name = family.into();
    d.date_of_birth = dob.into();
    d.phone = phone.into();
    d.email = format!("{}@example.org", given.to_lowercase());
    d.emergency_contacts.clear();
    d
}

pub fn bob(store: &mut Store) -> PatientId {
    register(
        store,
        person("Bob", "Brown", "1975-06-01", "+44 20 7946 0555"),
    )
}

pub fn cy(store: &mut Store) -> PatientId {
    register(
        store,
        person("Cy", "Young", "1980-01-01", "+44 20 7946 0666"),
    )
}

pub fn di(store: &mut Store) -> PatientId {
    register(
        store,
        person("Di", "Prince", "1985-01-01", "+44 20 7946 0777"),
    )
}

/// Registers another patient (no duplicate check).
pub fn register(store: &mut Store, details: PatientDetails) -> PatientId {
    match clinic_core::registry::register_patient(
        store,
        &common::caller(),
        RegisterPatient {
            details,
            confirm_not_duplicate: true,
        },
    )
    .unwrap()
    {
        RegisterOutcome::Registered { patient } => patient.id,
        other => panic!("{other:?}"),
    }
}

pub fn request(
    patient: PatientId,
    provider: StaffId,
    kind: &AppointmentType,
    starts_at: &str,
) -> BookAppointment {
    BookAppointment {
        patient_id: patient,
        provider_id: provider,
        appointment_type_id: kind.id,
        room_id: None,
        starts_at: starts_at.into(),
        note: String::new(),
        recurrence: None,
        waitlist_entry_id: None,
    }
}

pub fn try_book(
    c: &mut Clinic,
    caller: &Caller<'_>,
    patient: PatientId,
    provider: StaffId,
    starts_at: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Appointment>, CoreError> {
    let r = request(patient, provider, &c.kind, starts_at);
    booking::book(&mut c.t.store, caller, r, now)
}

/// Books one appointment and returns it.
pub fn book(
    c: &mut Clinic,
    caller: &Caller<'_>,
    patient: PatientId,
    provider: StaffId,
    starts_at: &str,
    now: DateTime<Utc>,
) -> Appointment {
    let mut v = try_book(c, caller, patient, provider, starts_at, now).unwrap();
    assert_eq!(v.len(), 1);
    v.pop().unwrap()
}

pub fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Rows of (outbox, appointment, audit_event): what "nothing written" compares.
pub fn written(store: &Store) -> (i64, i64, i64) {
    (
        common::outbox_len(store),
        count(store, "SELECT count(*) FROM appointment"),
        count(store, "SELECT count(*) FROM audit_event"),
    )
}

/// The field names of a validation error (panics on any other error).
pub fn fields(e: CoreError) -> Vec<String> {
    match e {
        CoreError::Validation(f) => f.into_iter().map(|f| f.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// Kinds of the notifications a staff member has, oldest first.
pub fn notifications(store: &Store, staff: StaffId) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare("SELECT kind FROM notification WHERE staff_id = ?1 ORDER BY created_at, rowid")
        .unwrap();
    stmt.query_map([staff.to_string()], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// (patient_id, detail) of the audit entries after `seq`, in order.
pub fn audit_after(store: &Store, seq: i64) -> Vec<(Option<String>, String)> {
    let mut stmt = store
        .conn()
        .prepare("SELECT patient_id, detail FROM audit_event WHERE seq > ?1 ORDER BY seq")
        .unwrap();
    stmt.query_map([seq], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

pub fn last_audit_seq(store: &Store) -> i64 {
    count(store, "SELECT coalesce(max(seq), 0) FROM audit_event")
}

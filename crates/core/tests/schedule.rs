//! Scheduling on the real (SQLCipher) store, part 1: settings and weekly hours
//! validation, free slots (working time, breaks, the past, leave and closures,
//! booked time, any provider, long searches), daylight-saving changes, booking
//! checks that write nothing when they fail, the store's own refusal of double
//! booking, and recurring series booked whole or not at all.
//! (Changes to appointments, reassignment, calendars and audit:
//! `schedule_changes.rs`.)
mod common;
mod identity_common;
mod schedule_common;

use clinic_core::schedule::{config, slots};
use clinic_core::{Caller, CoreError};
use clinic_protocol::{
    AddScheduleException, AppointmentStatus, ExceptionKind, FindSlots, PeriodKind, Recurrence,
    RecurrenceUnit, SaveAppointmentType, SetProviderHours, Slot, StaffId,
};
use common::AUDIT_KEY;
use schedule_common::*;

fn slots_of(
    c: &Clinic,
    provider: Option<StaffId>,
    from: &str,
    days: u32,
    limit: u32,
    now: &str,
) -> Result<Vec<Slot>, CoreError> {
    slots::find_slots(
        c.t.store.conn(),
        utc(now),
        &FindSlots {
            provider_id: provider,
            appointment_type_id: c.kind.id,
            from: from.into(),
            days,
            limit,
        },
    )
}

fn exception(
    provider: Option<StaffId>,
    from: &str,
    to: &str,
    kind: ExceptionKind,
) -> AddScheduleException {
    AddScheduleException {
        provider_id: provider,
        starts_on: from.into(),
        ends_on: to.into(),
        kind,
        note: "Canary-Note: away".into(),
    }
}

fn local_times(slots: &[Slot], date: &str) -> Vec<String> {
    slots
        .iter()
        .filter(|s| s.local_date == date)
        .map(|s| s.local_time.clone())
        .collect()
}

#[test]
fn bad_settings_are_refused_field_by_field_and_write_nothing() {
    let mut c = clinic();
    let by_admin = Caller::staff(&AUDIT_KEY, &c.admin);
    let before = written(&c.t.store);

    let e = config::set_settings(&mut c.t.store, &by_admin, settings("Mars/Olympus_Mons", 5))
        .unwrap_err();
    assert_eq!(fields(e), ["time_zone", "kiosk_idle_seconds"]);
    let e = config::set_settings(&mut c.t.store, &by_admin, settings("Europe/London", 901))
        .unwrap_err();
    assert_eq!(fields(e), ["kiosk_idle_seconds"]);
    let mut bad = settings("Europe/London", 90);
    bad.reminder_hours_before = 0;
    assert_eq!(
        fields(config::set_settings(&mut c.t.store, &by_admin, bad).unwrap_err()),
        ["reminder_hours_before"]
    );
    assert_eq!(written(&c.t.store), before);
    assert_eq!(
        config::settings(c.t.store.conn()).unwrap(),
        settings("Europe/London", 90)
    );

    // A valid change: one op and one audit entry; the same again writes nothing.
    config::set_settings(&mut c.t.store, &by_admin, settings(" Europe/Paris ", 120)).unwrap();
    let after = written(&c.t.store);
    assert_eq!((after.0, after.2), (before.0 + 1, before.2 + 1));
    config::set_settings(&mut c.t.store, &by_admin, settings("Europe/Paris", 120)).unwrap();
    assert_eq!(written(&c.t.store), after);
    assert_eq!(
        config::settings(c.t.store.conn()).unwrap().time_zone,
        "Europe/Paris"
    );
}

#[test]
fn weekly_hours_are_validated_per_period_and_quote_their_version() {
    let mut c = clinic();
    let by_admin = Caller::staff(&AUDIT_KEY, &c.admin);
    let doctor = c.doctor.staff_id;
    let before = written(&c.t.store);
    let periods = vec![
        period(1, "09:00", "17:00", PeriodKind::Work),
        period(1, "12:00", "11:00", PeriodKind::Work), // ends before it starts
        period(1, "16:00", "18:00", PeriodKind::Work), // overlaps period 0
        period(2, "09:00", "12:00", PeriodKind::Work),
        period(2, "12:30", "13:00", PeriodKind::Break), // outside Tuesday's work
        period(3, "9:00", "12:00", PeriodKind::Work),   // not HH:MM
    ];
    let e = config::set_hours(
        &mut c.t.store,
        &by_admin,
        SetProviderHours {
            provider_id: doctor,
            expected_version: 1,
            periods,
        },
    )
    .unwrap_err();
    let mut got = fields(e);
    got.sort();
    assert_eq!(
        got,
        [
            "periods.1.end",
            "periods.2.start",
            "periods.4.start",
            "periods.5.start"
        ]
    );
    assert_eq!(written(&c.t.store), before);
    let hours = config::hours(c.t.store.conn(), doctor).unwrap();
    assert_eq!((hours.version, hours.periods.len()), (1, 10));

    // Valid periods based on a stale version: refused, nothing written.
    let monday_only = vec![period(1, "08:00", "12:00", PeriodKind::Work)];
    let e = config::set_hours(
        &mut c.t.store,
        &by_admin,
        SetProviderHours {
            provider_id: doctor,
            expected_version: 0,
            periods: monday_only.clone(),
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            CoreError::EditConflict {
                expected: 0,
                current: 1
            }
        ),
        "{e:?}"
    );
    assert_eq!(written(&c.t.store), before);
    let saved = config::set_hours(
        &mut c.t.store,
        &by_admin,
        SetProviderHours {
            provider_id: doctor,
            expected_version: 1,
            periods: monday_only.clone(),
        },
    )
    .unwrap();
    assert_eq!((saved.version, saved.periods), (2, monday_only));
    // Hours for someone who cannot be booked.
    let e = config::set_hours(
        &mut c.t.store,
        &by_admin,
        SetProviderHours {
            provider_id: c.desk.staff_id,
            expected_version: 0,
            periods: week(),
        },
    )
    .unwrap_err();
    assert_eq!(fields(e), ["provider_id"]);
}

#[test]
fn slots_lie_inside_working_time_after_now_around_bookings_leave_and_closures() {
    let mut c = clinic();
    let by_desk = Caller::staff(&AUDIT_KEY, &c.desk);
    let (doctor, doctor2) = (c.doctor.staff_id, c.doctor2.staff_id);
    // Monday 1 March 2027, 10:07 in London (GMT: clinic time = UTC).
    let now = "2027-03-01T10:07:00Z";
    let today = slots_of(&c, Some(doctor), "", 1, 200, now).unwrap();
    let mut expected: Vec<String> = Vec::new();
    for (h, m) in (10..12).flat_map(|h| [0, 15, 30, 45].map(|m| (h, m))) {
        if (h, m) >= (10, 15) {
            expected.push(format!("{h:02}:{m:02}"));
        }
    }
    expected.push("12:00".into());
    for (h, m) in (13..17).flat_map(|h| [0, 15, 30, 45].map(|m| (h, m))) {
        if (13, 30) <= (h, m) && (h, m) <= (16, 30) {
            expected.push(format!("{h:02}:{m:02}"));
        }
    }
    assert_eq!(local_times(&today, "2027-03-01"), expected);
    for s in &today {
        assert_eq!(s.provider_id, doctor);
        assert_eq!(s.provider_name, "Dr Okafor");
        assert!(utc(&s.starts_at) >= utc(now));
        assert_eq!(
            utc(&s.ends_at) - utc(&s.starts_at),
            chrono::Duration::minutes(30)
        );
    }
    // Searching before today is refused.
    let e = slots_of(&c, Some(doctor), "2027-02-26", 1, 10, now).unwrap_err();
    assert_eq!(fields(e), ["from"]);

    // A booking at 14:00 removes the slots it overlaps (13:45, 14:00, 14:15) for
    // that provider only.
    let patient = c.patient;
    book(
        &mut c,
        &by_desk,
        patient,
        doctor,
        "2027-03-01T14:00:00Z",
        utc(now),
    );
    let after = slots_of(&c, Some(doctor), "", 1, 200, now).unwrap();
    let gone: Vec<_> = expected
        .iter()
        .filter(|t| !local_times(&after, "2027-03-01").contains(t))
        .cloned()
        .collect();
    assert_eq!(gone, ["13:45", "14:00", "14:15"]);
    let other = slots_of(&c, Some(doctor2), "", 1, 200, now).unwrap();
    assert_eq!(local_times(&other, "2027-03-01"), expected);

    // Leave for Dr Okafor on Tuesday, the clinic closed on Wednesday.
    let by_admin = Caller::staff(&AUDIT_KEY, &c.admin);
    config::add_exception(
        &mut c.t.store,
        &by_admin,
        exception(
            Some(doctor),
            "2027-03-02",
            "2027-03-02",
            ExceptionKind::Leave,
        ),
    )
    .unwrap();
    config::add_exception(
        &mut c.t.store,
        &by_admin,
        exception(None, "2027-03-03", "2027-03-03", ExceptionKind::Holiday),
    )
    .unwrap();
    let week_slots = slots_of(&c, Some(doctor), "2027-03-02", 3, 200, now).unwrap();
    assert!(local_times(&week_slots, "2027-03-02").is_empty());
    assert!(local_times(&week_slots, "2027-03-03").is_empty());
    assert_eq!(local_times(&week_slots, "2027-03-04").len(), 26);
    let week2 = slots_of(&c, Some(doctor2), "2027-03-02", 3, 200, now).unwrap();
    assert_eq!(local_times(&week2, "2027-03-02").len(), 26);
    assert!(local_times(&week2, "2027-03-03").is_empty());

    // Any provider: both, merged in time order (then by name).
    let any = slots_of(&c, None, "2027-03-02", 3, 5, now).unwrap();
    let seen: Vec<_> = any
        .iter()
        .map(|s| {
            (
                s.local_date.as_str(),
                s.local_time.as_str(),
                s.provider_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("2027-03-02", "09:00", "Dr Lind"),
            ("2027-03-02", "09:15", "Dr Lind"),
            ("2027-03-02", "09:30", "Dr Lind"),
            ("2027-03-02", "09:45", "Dr Lind"),
            ("2027-03-02", "10:00", "Dr Lind"),
        ]
    );
    let any = slots_of(&c, None, "2027-03-04", 1, 4, now).unwrap();
    let seen: Vec<_> = any
        .iter()
        .map(|s| (s.local_time.as_str(), s.provider_name.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("09:00", "Dr Lind"),
            ("09:00", "Dr Okafor"),
            ("09:15", "Dr Lind"),
            ("09:15", "Dr Okafor")
        ]
    );

    // A long leave: a 90-day search still finds the first free slots after it
    // (in summer time: 09:00 in London is 08:00 UTC).
    config::add_exception(
        &mut c.t.store,
        &by_admin,
        exception(
            Some(doctor),
            "2027-03-08",
            "2027-05-20",
            ExceptionKind::Leave,
        ),
    )
    .unwrap();
    let later = slots_of(&c, Some(doctor), "2027-03-08", 90, 3, now).unwrap();
    let seen: Vec<_> = later
        .iter()
        .map(|s| {
            (
                s.local_date.as_str(),
                s.local_time.as_str(),
                s.starts_at.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("2027-05-21", "09:00", "2027-05-21T08:00:00.000Z"),
            ("2027-05-21", "09:15", "2027-05-21T08:15:00.000Z"),
            ("2027-05-21", "09:30", "2027-05-21T08:30:00.000Z"),
        ]
    );
    for days in [0, 91] {
        let e = slots_of(&c, Some(doctor), "", days, 10, now).unwrap_err();
        assert_eq!(fields(e), ["days"]);
    }
    let e = slots_of(&c, Some(doctor), "", 1, 0, now).unwrap_err();
    assert_eq!(fields(e), ["limit"]);
    let e = slots_of(&c, Some(c.desk.staff_id), "", 1, 10, now).unwrap_err();
    assert_eq!(fields(e), ["provider_id"]);
}

#[test]
fn the_same_local_hours_hold_across_the_spring_clock_change() {
    let mut c = clinic();
    let by_desk = Caller::staff(&AUDIT_KEY, &c.desk);
    let doctor = c.doctor.staff_id;
    // Clocks go forward on Sunday 28 March 2027 in London.
    let now = "2027-03-25T12:00:00Z";
    let found = slots_of(&c, Some(doctor), "2027-03-26", 4, 200, now).unwrap();
    let first = |date: &str| found.iter().find(|s| s.local_date == date).unwrap().clone();
    let friday = first("2027-03-26");
    assert_eq!(
        (friday.starts_at.as_str(), friday.local_time.as_str()),
        ("2027-03-26T09:00:00.000Z", "09:00")
    );
    let monday = first("2027-03-29");
    assert_eq!(
        (monday.starts_at.as_str(), monday.local_time.as_str()),
        ("2027-03-29T08:00:00.000Z", "09:00")
    );
    assert!(local_times(&found, "2027-03-27").is_empty());
    assert!(local_times(&found, "2027-03-28").is_empty());
    let last_monday = found
        .iter()
        .rfind(|s| s.local_date == "2027-03-29")
        .unwrap();
    assert_eq!(last_monday.starts_at, "2027-03-29T15:30:00.000Z");
    assert_eq!(local_times(&found, "2027-03-29").len(), 26);

    // Booking follows the same rules: 08:00 UTC Monday is 09:00 local (open),
    // 16:30 UTC is 17:30 local (closed).
    let patient = c.patient;
    let a = book(
        &mut c,
        &by_desk,
        patient,
        doctor,
        "2027-03-29T09:00:00+01:00",
        utc(now),
    );
    assert_eq!(a.starts_at, "2027-03-29T08:00:00.000Z");
    let e = try_book(
        &mut c,
        &by_desk,
        patient,
        doctor,
        "2027-03-29T16:30:00Z",
        utc(now),
    )
    .unwrap_err();
    assert_eq!(fields(e), ["starts_at"]);
}

#[test]
fn a_booking_that_fails_any_check_writes_nothing_and_double_booking_is_refused_twice() {
    let mut c = clinic();
    let by_desk = Caller::staff(&AUDIT_KEY, &c.desk);
    let by_admin = Caller::staff(&AUDIT_KEY, &c.admin);
    let doctor = c.doctor.staff_id;
    let now = utc("2027-03-01T08:00:00Z");
    let old = config::save_appointment_type(
        &mut c.t.store,
        &by_admin,
        SaveAppointmentType {
            id: None,
            expected_version: None,
            name: "Retired".into(),
            duration_minutes: 30,
            colour: "#000000".into(),
            active: false,
        },
    )
    .unwrap();
    let before = written(&c.t.store);
    let patient = c.patient;
    for (starts_at, field) in [
        ("2027-03-02T18:00:00Z", "starts_at"), // after hours
        ("2027-03-02T08:30:00Z", "starts_at"), // before hours
        ("2027-03-02T12:30:00Z", "starts_at"), // in the break
        ("2027-03-02T12:15:00Z", "starts_at"), // runs into the break
        ("2027-03-06T10:00:00Z", "starts_at"), // Saturday
        ("2027-02-26T10:00:00Z", "starts_at"), // passed
        ("yesterday at ten", "starts_at"),
    ] {
        let e = try_book(&mut c, &by_desk, patient, doctor, starts_at, now).unwrap_err();
        assert_eq!(fields(e), [field], "{starts_at}");
    }
    for provider in [c.desk.staff_id, StaffId::new()] {
        let e = try_book(
            &mut c,
            &by_desk,
            patient,
            provider,
            "2027-03-02T10:00:00Z",
            now,
        )
        .unwrap_err();
        assert_eq!(fields(e), ["provider_id"]);
    }
    let mut r = request(patient, doctor, &old, "2027-03-02T10:00:00Z");
    let e =
        clinic_core::schedule::booking::book(&mut c.t.store, &by_desk, r.clone(), now).unwrap_err();
    assert_eq!(fields(e), ["appointment_type_id"]);
    r.appointment_type_id = c.kind.id;
    r.patient_id = clinic_protocol::PatientId::new();
    let e = clinic_core::schedule::booking::book(&mut c.t.store, &by_desk, r, now).unwrap_err();
    assert_eq!(fields(e), ["patient_id"]);
    assert_eq!(written(&c.t.store), before);

    // One booking: one op, one audit entry, one reminder; a tentative `booked` row.
    let a = book(
        &mut c,
        &by_desk,
        patient,
        doctor,
        "2027-03-02T10:00:00Z",
        now,
    );
    assert_eq!(a.status, AppointmentStatus::Booked);
    assert!(a.tentative);
    assert_eq!(
        (a.starts_at.as_str(), a.ends_at.as_str()),
        ("2027-03-02T10:00:00.000Z", "2027-03-02T10:30:00.000Z")
    );
    assert_eq!(a.check_in_code.len(), 6);
    let booked = written(&c.t.store);
    assert_eq!(booked.1, before.1 + 1);
    assert_eq!(booked.2, before.2 + 1);
    // Ops: the booking and the provider's notification.
    assert_eq!(booked.0, before.0 + 2);

    // Another patient at an overlapping time with the same doctor: refused.
    let bob = bob(&mut c.t.store);
    let e = try_book(&mut c, &by_desk, bob, doctor, "2027-03-02T10:15:00Z", now).unwrap_err();
    assert!(matches!(e, CoreError::SlotTaken(_)), "{e:?}");
    assert_eq!(written(&c.t.store).1, booked.1);
    // Back to back is fine.
    book(&mut c, &by_desk, bob, doctor, "2027-03-02T10:30:00Z", now);

    // The store itself refuses an overlapping row that holds time…
    let insert = |status: &str, id: &str| {
        c.t.store.conn().execute(
            "INSERT INTO appointment (id, patient_id, provider_id, appointment_type_id, starts_at,
                ends_at, status, check_in_code, created_at, updated_at, version)
             VALUES (?1, ?2, ?3, ?4, '2027-03-02T10:15:00.000Z', '2027-03-02T10:45:00.000Z', ?5,
                'ZZZZZZ', '2027-03-01T08:00:00.000Z', '2027-03-01T08:00:00.000Z', 1)",
            rusqlite::params![
                id,
                bob.to_string(),
                doctor.to_string(),
                c.kind.id.to_string(),
                status
            ],
        )
    };
    let e = insert("booked", "direct-1").unwrap_err();
    assert!(e.to_string().contains("slot_taken"), "{e}");
    let e = insert("checked_in", "direct-2").unwrap_err();
    assert!(e.to_string().contains("slot_taken"), "{e}");
    // …but keeps one that needs a new time (it holds none)…
    insert("needs_reschedule", "direct-3").unwrap();
    // …and refuses to make it hold time again.
    let e =
        c.t.store
            .conn()
            .execute(
                "UPDATE appointment SET status = 'booked' WHERE id = 'direct-3'",
                [],
            )
            .unwrap_err();
    assert!(e.to_string().contains("slot_taken"), "{e}");
}

#[test]
fn a_monthly_series_keeps_its_local_time_and_is_booked_whole_or_not_at_all() {
    let mut c = clinic();
    let by_desk = Caller::staff(&AUDIT_KEY, &c.desk);
    let by_admin = Caller::staff(&AUDIT_KEY, &c.admin);
    let doctor = c.doctor.staff_id;
    let now = utc("2027-02-01T08:00:00Z");
    let monthly = |count| Recurrence {
        unit: RecurrenceUnit::Month,
        interval: 1,
        count,
    };
    let mut r = request(c.patient, doctor, &c.kind, "2027-02-15T10:00:00Z");
    r.recurrence = Some(monthly(3));
    let before = written(&c.t.store);
    let series = clinic_core::schedule::booking::book(&mut c.t.store, &by_desk, r, now).unwrap();
    let starts: Vec<_> = series.iter().map(|a| a.starts_at.as_str()).collect();
    // 10:00 in London each time: GMT, GMT, then BST.
    assert_eq!(
        starts,
        [
            "2027-02-15T10:00:00.000Z",
            "2027-03-15T10:00:00.000Z",
            "2027-04-15T09:00:00.000Z"
        ]
    );
    let id = series[0].series_id.expect("a series id");
    assert!(series.iter().all(|a| a.series_id == Some(id)));
    let codes: std::collections::HashSet<_> = series.iter().map(|a| &a.check_in_code).collect();
    assert_eq!(codes.len(), 3);
    let after = written(&c.t.store);
    assert_eq!(after.1, before.1 + 3);
    assert_eq!(
        count(
            &c.t.store,
            "SELECT count(*) FROM outbox WHERE kind = 'book_appointment'"
        ),
        3
    );
    assert_eq!(
        count(
            &c.t.store,
            "SELECT count(*) FROM reminder WHERE status = 'queued'"
        ),
        3
    );

    // The third repeat of another series falls on leave: nothing is booked.
    config::add_exception(
        &mut c.t.store,
        &by_admin,
        exception(
            Some(doctor),
            "2027-04-16",
            "2027-04-16",
            ExceptionKind::Leave,
        ),
    )
    .unwrap();
    let before = written(&c.t.store);
    let mut r = request(c.patient, doctor, &c.kind, "2027-02-16T11:00:00Z");
    r.recurrence = Some(monthly(3));
    let e =
        clinic_core::schedule::booking::book(&mut c.t.store, &by_desk, r.clone(), now).unwrap_err();
    match &e {
        CoreError::Validation(f) => {
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].field, "recurrence");
            assert!(
                f[0].message.contains("2027-04-16 11:00"),
                "{}",
                f[0].message
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(written(&c.t.store), before);
    // Out-of-range series settings are field errors too.
    r.recurrence = Some(monthly(25));
    let e =
        clinic_core::schedule::booking::book(&mut c.t.store, &by_desk, r.clone(), now).unwrap_err();
    assert_eq!(fields(e), ["recurrence.count"]);
    r.recurrence = Some(Recurrence {
        unit: RecurrenceUnit::Week,
        interval: 0,
        count: 2,
    });
    let e = clinic_core::schedule::booking::book(&mut c.t.store, &by_desk, r, now).unwrap_err();
    assert_eq!(fields(e), ["recurrence.interval"]);
    assert_eq!(written(&c.t.store), before);
}

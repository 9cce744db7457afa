//! Scheduling on the real (SQLCipher) store, part 2: rescheduling (reminders
//! follow), cancelling (waitlist offers, who is told), the day's status
//! transitions, reassigning an absent doctor's day, the calendar (working time,
//! exceptions, masked restricted names) and the audit trail (one entry per
//! appointment, no names or phone numbers). Part 1 is `schedule.rs`.
mod common;
mod identity_common;
mod schedule_common;

use clinic_core::schedule::{appointments, booking, config, reassign, waitlist};
use clinic_core::{restricted, Caller, CoreError};
use clinic_protocol::{
    AddScheduleException, AddToWaitlist, AppointmentStatus as S, CalendarQuery, CancelAppointment,
    ExceptionKind, PatientId, ReassignDay, Recurrence, RecurrenceUnit, RescheduleAppointment,
    RestrictionCategory, Role, RoomId, SaveRoom, SetAppointmentStatus, StaffId,
};
use common::AUDIT_KEY;
use schedule_common::*;

fn reminders(c: &Clinic, id: clinic_protocol::AppointmentId) -> Vec<(String, String)> {
    let mut stmt =
        c.t.store
            .conn()
            .prepare("SELECT status, due_at FROM reminder WHERE appointment_id = ?1 ORDER BY id")
            .unwrap();
    stmt.query_map([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// A reminder is due 24 h before, or at once when booked later than that.
fn due(starts_at: &str) -> String {
    // Due 24 h before; the use cases take the test's fixed `now`, never the real clock.
    clinic_core::schedule::time::stored(utc(starts_at) - chrono::Duration::hours(24))
}

fn waitlist_add(
    c: &mut Clinic,
    patient: PatientId,
    provider: Option<StaffId>,
    from: &str,
    to: &str,
) -> clinic_protocol::WaitlistEntry {
    let by_desk = Caller::staff(&AUDIT_KEY, &c.desk);
    waitlist::add(
        &mut c.t.store,
        &by_desk,
        AddToWaitlist {
            patient_id: patient,
            provider_id: provider,
            appointment_type_id: c.kind.id,
            earliest: from.into(),
            latest: to.into(),
            note: String::new(),
        },
        utc("2027-03-01T08:00:00Z"),
    )
    .unwrap()
}

#[test]
fn rescheduling_moves_the_time_and_the_reminder_and_refuses_stale_versions() {
    let mut c = clinic();
    let by_desk = Caller::staff(&AUDIT_KEY, &c.desk);
    let (doctor, patient) = (c.doctor.staff_id, c.patient);
    let now = utc("2027-03-01T08:00:00Z");
    let a = book(
        &mut c,
        &by_desk,
        patient,
        doctor,
        "2027-03-02T10:00:00Z",
        now,
    );
    assert_eq!(
        reminders(&c, a.id),
        [("queued".into(), due("2027-03-02T10:00:00Z"))]
    );

    let moved = booking::reschedule(
        &mut c.t.store,
        &by_desk,
        RescheduleAppointment {
            id: a.id,
            expected_version: 1,
            starts_at: "2027-03-03T11:00:00Z".into(),
            provider_id: doctor,
            room_id: None,
        },
        now,
    )
    .unwrap();
    assert_eq!(moved.version, 2);
    assert_eq!(
        (moved.starts_at.as_str(), moved.ends_at.as_str()),
        ("2027-03-03T11:00:00.000Z", "2027-03-03T11:30:00.000Z")
    );
    assert_eq!(moved.status, S::Booked);
    assert_eq!(
        reminders(&c, a.id),
        [
            ("cancelled".into(), due("2027-03-02T10:00:00Z")),
            ("queued".into(), due("2027-03-03T11:00:00Z"))
        ]
    );
    // The old time is free again; the new one is not.
    let bob = bob(&mut c.t.store);
    book(&mut c, &by_desk, bob, doctor, "2027-03-02T10:00:00Z", now);
    let e = try_book(&mut c, &by_desk, bob, doctor, "2027-03-03T11:15:00Z", now).unwrap_err();
    assert!(matches!(e, CoreError::SlotTaken(_)), "{e:?}");

    let before = written(&c.t.store);
    let stale = RescheduleAppointment {
        id: a.id,
        expected_version: 1,
        starts_at: "2027-03-04T11:00:00Z".into(),
        provider_id: doctor,
        room_id: None,
    };
    let e = booking::reschedule(&mut c.t.store, &by_desk, stale.clone(), now).unwrap_err();
    assert!(
        matches!(
            e,
            CoreError::EditConflict {
                expected: 1,
                current: 2
            }
        ),
        "{e:?}"
    );
    // Onto someone else's booking, or into the break: refused.
    for (starts_at, slot_taken) in [
        ("2027-03-02T10:15:00Z", true),
        ("2027-03-04T12:30:00Z", false),
    ] {
        let e = booking::reschedule(
            &mut c.t.store,
            &by_desk,
            RescheduleAppointment {
                expected_version: 2,
                starts_at: starts_at.into(),
                ..stale.clone()
            },
            now,
        )
        .unwrap_err();
        if slot_taken {
            assert!(matches!(e, CoreError::SlotTaken(_)), "{e:?}");
        } else {
            assert_eq!(fields(e), ["starts_at"]);
        }
    }
    assert_eq!(written(&c.t.store), before);
    // Into a room that is closed, or unknown: a field error.
    let by_admin = Caller::staff(&AUDIT_KEY, &c.admin);
    let room = config::save_room(
        &mut c.t.store,
        &by_admin,
        SaveRoom {
            id: None,
            expected_version: None,
            name: "Room 1".into(),
            active: true,
        },
    )
    .unwrap();
    config::save_room(
        &mut c.t.store,
        &by_admin,
        SaveRoom {
            id: Some(room.id),
            expected_version: Some(1),
            name: "Room 1".into(),
            active: false,
        },
    )
    .unwrap();
    let before = written(&c.t.store);
    for room_id in [room.id, RoomId::new()] {
        let e = booking::reschedule(
            &mut c.t.store,
            &by_desk,
            RescheduleAppointment {
                expected_version: 2,
                room_id: Some(room_id),
                ..stale.clone()
            },
            now,
        )
        .unwrap_err();
        assert_eq!(fields(e), ["room_id"]);
    }
    assert_eq!(written(&c.t.store), before);
    // The doctor was told about the booking and the move made by the desk.
    assert_eq!(
        notifications(&c.t.store, doctor),
        ["schedule_changed", "schedule_changed", "schedule_changed"]
    );
}

#[test]
fn cancelling_needs_a_reason_offers_the_time_to_the_waitlist_and_tells_people() {
    let mut c = clinic();
    let desk2 =
        identity_common::member_session(&mut c.t.store, "desk2", "Second Desk", Role::FrontDesk);
    let by_desk = Caller::staff(&AUDIT_KEY, &c.desk);
    let (doctor, doctor2, patient) = (c.doctor.staff_id, c.doctor2.staff_id, c.patient);
    let now = utc("2027-03-01T08:00:00Z");
    let a = book(
        &mut c,
        &by_desk,
        patient,
        doctor,
        "2027-03-02T10:00:00Z",
        now,
    );
    let bob = bob(&mut c.t.store);
    let cy = cy(&mut c.t.store);
    let di = di(&mut c.t.store);
    let wanted = waitlist_add(&mut c, bob, Some(doctor), "2027-03-01", "2027-03-10");
    let anyone = waitlist_add(&mut c, cy, None, "2027-03-02", "2027-03-02");
    waitlist_add(&mut c, di, Some(doctor2), "2027-03-01", "2027-03-10"); // other doctor
    waitlist_add(&mut c, di, Some(doctor), "2027-04-01", "2027-04-30"); // other window
    waitlist_add(&mut c, patient, Some(doctor), "2027-03-01", "2027-03-10"); // the same patient

    let before = written(&c.t.store);
    for reason in ["", "   "] {
        let e = booking::cancel(
            &mut c.t.store,
            &by_desk,
            CancelAppointment {
                id: a.id,
                expected_version: 1,
                reason: reason.into(),
            },
            now,
        )
        .unwrap_err();
        assert_eq!(fields(e), ["reason"]);
    }
    assert_eq!(written(&c.t.store), before);
    let before_desk = notifications(&c.t.store, c.desk.staff_id).len();

    let out = booking::cancel(
        &mut c.t.store,
        &by_desk,
        CancelAppointment {
            id: a.id,
            expected_version: 1,
            reason: " Patient unwell ".into(),
        },
        now,
    )
    .unwrap();
    assert_eq!(out.appointment.status, S::Cancelled);
    assert_eq!(out.appointment.cancel_reason, "Patient unwell");
    assert_eq!(out.appointment.version, 2);
    let offered: Vec<_> = out.waitlist_offers.iter().map(|w| w.id).collect();
    assert_eq!(offered, [wanted.id, anyone.id]);
    assert_eq!(reminders(&c, a.id)[0].0, "cancelled");
    // The other front desk is told about the freed time (the one who cancelled
    // sees the offers), the doctor about the change.
    assert_eq!(notifications(&c.t.store, desk2.staff_id), ["slot_freed"]);
    assert_eq!(
        notifications(&c.t.store, c.desk.staff_id).len(),
        before_desk
    );
    assert_eq!(
        notifications(&c.t.store, doctor),
        ["schedule_changed", "schedule_changed"]
    );
    assert!(notifications(&c.t.store, doctor2).is_empty());
    // The time is free again: booking the offer marks the entry booked.
    let mut r = request(bob, doctor, &c.kind, "2027-03-02T10:00:00Z");
    r.waitlist_entry_id = Some(wanted.id);
    let offer = booking::book(&mut c.t.store, &by_desk, r.clone(), now).unwrap();
    assert_eq!(offer[0].status, S::Booked);
    let waiting = waitlist::list(&mut c.t.store, &by_desk, now).unwrap();
    assert!(waiting.iter().all(|w| w.id != wanted.id));
    assert_eq!(waiting.len(), 4);
    r.starts_at = "2027-03-02T11:00:00Z".into();
    let e = booking::book(&mut c.t.store, &by_desk, r, now).unwrap_err();
    assert_eq!(fields(e), ["waitlist_entry_id"]);
    // A cancelled appointment cannot be cancelled again.
    let e = booking::cancel(
        &mut c.t.store,
        &by_desk,
        CancelAppointment {
            id: a.id,
            expected_version: 2,
            reason: "again".into(),
        },
        now,
    )
    .unwrap_err();
    assert_eq!(fields(e), ["status"]);

    // The doctor cancelling their own appointment is not told about it.
    let by_doctor = Caller::staff(&AUDIT_KEY, &c.doctor);
    let own = book(&mut c, &by_doctor, cy, doctor, "2027-03-05T10:00:00Z", now);
    let told = notifications(&c.t.store, doctor).len();
    booking::cancel(
        &mut c.t.store,
        &by_doctor,
        CancelAppointment {
            id: own.id,
            expected_version: 1,
            reason: "Doctor's call".into(),
        },
        now,
    )
    .unwrap();
    assert_eq!(notifications(&c.t.store, doctor).len(), told);

    // One that needs a new time (Dr Okafor is away) held no time: cancelling
    // it offers nothing to the waitlist and tells the desk nothing.
    let flagged = book(&mut c, &by_desk, cy, doctor, "2027-03-09T10:00:00Z", now);
    waitlist_add(&mut c, di, None, "2027-03-09", "2027-03-09");
    reassign::reassign_day(
        &mut c.t.store,
        &by_desk,
        ReassignDay {
            from_provider_id: doctor,
            date: "2027-03-09".into(),
            to_provider_id: None,
            record_leave: true,
            reason: "Training".into(),
        },
        now,
    )
    .unwrap();
    let slot_freed = notifications(&c.t.store, desk2.staff_id).len();
    let out = booking::cancel(
        &mut c.t.store,
        &by_desk,
        CancelAppointment {
            id: flagged.id,
            expected_version: 2,
            reason: "Cannot come".into(),
        },
        now,
    )
    .unwrap();
    assert_eq!(out.appointment.status, S::Cancelled);
    assert!(out.waitlist_offers.is_empty(), "{:?}", out.waitlist_offers);
    assert_eq!(notifications(&c.t.store, desk2.staff_id).len(), slot_freed);
}

#[test]
fn the_days_statuses_follow_the_workflow_and_arrivals_reach_the_provider() {
    let mut c = clinic();
    let by_desk = Caller::staff(&AUDIT_KEY, &c.desk);
    let by_doctor = Caller::staff(&AUDIT_KEY, &c.doctor);
    let (doctor, patient) = (c.doctor.staff_id, c.patient);
    let a = book(
        &mut c,
        &by_desk,
        patient,
        doctor,
        "2027-03-02T10:00:00Z",
        utc("2027-03-01T08:00:00Z"),
    );
    let now = utc("2027-03-02T09:50:00Z");
    let set = |c: &mut Clinic, caller: &Caller<'_>, version, status| {
        booking::set_status(
            &mut c.t.store,
            caller,
            SetAppointmentStatus {
                id: a.id,
                expected_version: version,
                status,
            },
            now,
        )
    };
    let arrived = set(&mut c, &by_desk, 1, S::CheckedIn).unwrap();
    assert_eq!((arrived.status, arrived.version), (S::CheckedIn, 2));
    assert_eq!(
        arrived.checked_in_at.as_deref(),
        Some("2027-03-02T09:50:00.000Z")
    );
    assert_eq!(
        notifications(&c.t.store, doctor),
        ["schedule_changed", "patient_arrived"]
    );
    // A stale version, and a step the workflow has no place for.
    let e = set(&mut c, &by_desk, 1, S::Done).unwrap_err();
    assert!(
        matches!(
            e,
            CoreError::EditConflict {
                expected: 1,
                current: 2
            }
        ),
        "{e:?}"
    );
    let e = set(&mut c, &by_desk, 2, S::Booked).unwrap_err();
    assert_eq!(fields(e), ["status"]);
    set(&mut c, &by_doctor, 2, S::InConsultation).unwrap();
    let done = set(&mut c, &by_doctor, 3, S::Done).unwrap();
    assert_eq!(done.status, S::Done);
    let before = written(&c.t.store);
    for to in [
        S::Booked,
        S::CheckedIn,
        S::Cancelled,
        S::NoShow,
        S::NeedsReschedule,
    ] {
        let e = set(&mut c, &by_desk, 4, to).unwrap_err();
        assert_eq!(fields(e), ["status"], "done -> {to:?}");
    }
    assert_eq!(written(&c.t.store), before);
    // The doctor's own changes are not notified to them.
    assert_eq!(notifications(&c.t.store, doctor).len(), 2);
}

#[test]
fn reassigning_an_absent_doctors_day_moves_what_fits_and_flags_the_rest() {
    let mut c = clinic();
    let by_desk = Caller::staff(&AUDIT_KEY, &c.desk);
    let (doctor, doctor2) = (c.doctor.staff_id, c.doctor2.staff_id);
    let now = utc("2027-03-01T08:00:00Z");
    let bob = bob(&mut c.t.store);
    let cy = cy(&mut c.t.store);
    let di = di(&mut c.t.store);
    let patient = c.patient;
    let first = book(
        &mut c,
        &by_desk,
        patient,
        doctor,
        "2027-03-02T09:00:00Z",
        now,
    );
    let clash = book(&mut c, &by_desk, bob, doctor, "2027-03-02T10:00:00Z", now);
    let third = book(&mut c, &by_desk, cy, doctor, "2027-03-02T14:00:00Z", now);
    // Dr Lind is busy at 10:15, overlapping the 10:00 appointment.
    book(&mut c, &by_desk, di, doctor2, "2027-03-02T10:15:00Z", now);
    let seq = last_audit_seq(&c.t.store);
    let ops = common::outbox_len(&c.t.store);

    let out = reassign::reassign_day(
        &mut c.t.store,
        &by_desk,
        ReassignDay {
            from_provider_id: doctor,
            date: "2027-03-02".into(),
            to_provider_id: Some(doctor2),
            record_leave: true,
            reason: "Dr Okafor is ill".into(),
        },
        now,
    )
    .unwrap();
    assert_eq!((out.moved, out.needs_reschedule), (2, 1));
    let summary: Vec<_> = out
        .contacts
        .iter()
        .map(|p| {
            (
                p.appointment.id,
                p.moved,
                p.phone.as_str(),
                p.email.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (first.id, true, "+44 20 7946 0018", "ada@example.org"),
            (clash.id, false, "+44 20 7946 0555", "bob@example.org"),
            (third.id, true, "+44 20 7946 0666", "cy@example.org"),
        ]
    );
    let get = |c: &Clinic, id| appointments::get(c.t.store.conn(), id).unwrap();
    for (id, provider, status, version) in [
        (first.id, doctor2, S::Booked, 2),
        (clash.id, doctor, S::NeedsReschedule, 2),
        (third.id, doctor2, S::Booked, 2),
    ] {
        let a = get(&c, id);
        assert_eq!(
            (a.provider_id, a.status, a.version),
            (provider, status, version)
        );
    }
    assert_eq!(get(&c, first.id).starts_at, first.starts_at);
    assert_eq!(reminders(&c, clash.id)[0].0, "cancelled");
    assert_eq!(reminders(&c, first.id)[0].0, "queued");
    // Dr Okafor's leave is recorded: no slots for him that day.
    let leave = config::exceptions(c.t.store.conn(), "2027-03-02", "2027-03-02").unwrap();
    assert_eq!(leave.len(), 1);
    assert_eq!(
        (leave[0].provider_id, leave[0].kind),
        (Some(doctor), ExceptionKind::Leave)
    );
    // One op and one audit entry per appointment (plus the leave's), Dr Lind told twice.
    let appointment_ops = count(
        &c.t.store,
        &format!("SELECT count(*) FROM outbox WHERE entity = 'appointment' AND rowid > {ops}"),
    );
    assert_eq!(appointment_ops, 3);
    let entries = audit_after(&c.t.store, seq);
    assert_eq!(entries.len(), 4);
    assert_eq!(entries.iter().filter(|e| e.0.is_some()).count(), 3);
    assert_eq!(
        notifications(&c.t.store, doctor2),
        ["schedule_changed", "schedule_changed", "schedule_changed"]
    );
    // The flagged one can be given a new time.
    booking::reschedule(
        &mut c.t.store,
        &by_desk,
        RescheduleAppointment {
            id: clash.id,
            expected_version: 2,
            starts_at: "2027-03-03T10:00:00Z".into(),
            provider_id: doctor2,
            room_id: None,
        },
        now,
    )
    .unwrap();
    assert_eq!(get(&c, clash.id).status, S::Booked);
}

#[test]
fn the_calendar_shows_working_time_exceptions_and_masks_restricted_names() {
    let mut c = clinic();
    let by_desk = Caller::staff(&AUDIT_KEY, &c.desk);
    let by_admin = Caller::staff(&AUDIT_KEY, &c.admin);
    let by_doctor = Caller::staff(&AUDIT_KEY, &c.doctor);
    let (doctor, doctor2, patient) = (c.doctor.staff_id, c.doctor2.staff_id, c.patient);
    // Tuesday 1 June 2027: British Summer Time (UTC+1).
    let now = utc("2027-05-31T08:00:00Z");
    let bob = bob(&mut c.t.store);
    let mut r = request(patient, doctor, &c.kind, "2027-06-01T10:00:00+01:00");
    r.note = "Canary-Note: private".into();
    let ada_visit = booking::book(&mut c.t.store, &by_desk, r, now)
        .unwrap()
        .pop()
        .unwrap();
    let bob_visit = book(
        &mut c,
        &by_desk,
        bob,
        doctor2,
        "2027-06-01T11:00:00+01:00",
        now,
    );
    config::add_exception(
        &mut c.t.store,
        &by_admin,
        AddScheduleException {
            provider_id: Some(doctor2),
            starts_on: "2027-06-01".into(),
            ends_on: "2027-06-01".into(),
            kind: ExceptionKind::Leave,
            note: String::new(),
        },
    )
    .unwrap();
    restricted::set_restricted(
        &mut c.t.store,
        &by_admin,
        patient,
        true,
        Some(RestrictionCategory::StaffMember),
    )
    .unwrap();
    restricted::add_to_care_team(&mut c.t.store, &by_admin, patient, doctor).unwrap();

    let day = |c: &mut Clinic, caller: &Caller<'_>| {
        appointments::calendar(
            &mut c.t.store,
            caller,
            CalendarQuery {
                from: "2027-06-01".into(),
                days: 1,
                provider_ids: vec![doctor, doctor2],
            },
            now,
        )
        .unwrap()
    };
    let cal = day(&mut c, &by_desk);
    assert_eq!(cal.time_zone, "Europe/London");
    assert_eq!(cal.dates, ["2027-06-01"]);
    assert_eq!(
        (cal.starts_at.as_str(), cal.ends_at.as_str()),
        ("2027-05-31T23:00:00.000Z", "2027-06-01T23:00:00.000Z")
    );
    let [okafor, lind] = &cal.providers[..] else {
        panic!("{:?}", cal.providers)
    };
    assert_eq!((okafor.provider.id, lind.provider.id), (doctor, doctor2));
    let ranges: Vec<_> = okafor
        .working
        .iter()
        .map(|w| (w.starts_at.as_str(), w.ends_at.as_str()))
        .collect();
    assert_eq!(
        ranges,
        [
            ("2027-06-01T08:00:00.000Z", "2027-06-01T11:30:00.000Z"),
            ("2027-06-01T12:30:00.000Z", "2027-06-01T16:00:00.000Z")
        ]
    );
    assert!(okafor.exceptions.is_empty());
    assert!(lind.working.is_empty());
    assert_eq!(lind.exceptions.len(), 1);
    assert_eq!(lind.exceptions[0].kind, ExceptionKind::Leave);
    assert_eq!(okafor.appointments.len(), 1);
    assert_eq!(okafor.appointments[0].id, ada_visit.id);
    assert_eq!(okafor.appointments[0].patient_name, "Restricted record");
    assert_eq!(okafor.appointments[0].note, "");
    assert!(!okafor.appointments[0].patient_mrn.is_empty());
    assert_eq!(lind.appointments.len(), 1);
    assert_eq!(lind.appointments[0].id, bob_visit.id);
    assert_eq!(lind.appointments[0].patient_name, "Brown, Bob");

    // The doctor on the care team sees the name and the note.
    let cal = day(&mut c, &by_doctor);
    assert_eq!(
        cal.providers[0].appointments[0].patient_name,
        "Lovelace, Ada"
    );
    assert_eq!(
        cal.providers[0].appointments[0].note,
        "Canary-Note: private"
    );

    // Every use case that returns the appointment masks it for the desk.
    let moved = booking::reschedule(
        &mut c.t.store,
        &by_desk,
        RescheduleAppointment {
            id: ada_visit.id,
            expected_version: 1,
            starts_at: "2027-06-01T10:30:00+01:00".into(),
            provider_id: doctor,
            room_id: None,
        },
        now,
    )
    .unwrap();
    assert_eq!(moved.patient_name, "Restricted record");
    let confirmed = booking::set_status(
        &mut c.t.store,
        &by_desk,
        SetAppointmentStatus {
            id: ada_visit.id,
            expected_version: 2,
            status: S::Confirmed,
        },
        now,
    )
    .unwrap();
    assert_eq!(confirmed.patient_name, "Restricted record");
    let again = booking::set_status(
        &mut c.t.store,
        &by_desk,
        SetAppointmentStatus {
            id: ada_visit.id,
            expected_version: 3,
            status: S::Confirmed,
        },
        now,
    )
    .unwrap();
    assert_eq!(again.patient_name, "Restricted record");
    let mut r = request(patient, doctor, &c.kind, "2027-06-01T14:00:00+01:00");
    r.note = "Canary-Note: private".into();
    let booked = booking::book(&mut c.t.store, &by_desk, r, now).unwrap();
    assert_eq!(booked[0].patient_name, "Restricted record");
    assert_eq!(booked[0].note, "");
    let theirs = appointments::for_patient(&mut c.t.store, &by_desk, patient, now).unwrap();
    assert!(theirs
        .upcoming
        .iter()
        .all(|a| a.patient_name == "Restricted record"));
}

#[test]
fn every_write_audits_once_per_appointment_without_names_or_phone_numbers() {
    let mut c = clinic();
    let by_desk = Caller::staff(&AUDIT_KEY, &c.desk);
    let (doctor, doctor2, patient) = (c.doctor.staff_id, c.doctor2.staff_id, c.patient);
    let now = utc("2027-02-01T08:00:00Z");
    let start = last_audit_seq(&c.t.store);
    let step = |c: &mut Clinic, expected: usize, what: &str, f: &mut dyn FnMut(&mut Clinic)| {
        let seq = last_audit_seq(&c.t.store);
        f(c);
        let added = audit_after(&c.t.store, seq);
        assert_eq!(added.len(), expected, "{what}: {added:?}");
        assert!(
            added.iter().all(|e| e.0 == Some(patient.to_string())),
            "{what}: {added:?}"
        );
    };
    let mut ids = Vec::new();
    step(&mut c, 1, "book", &mut |c| {
        ids.push(book(c, &by_desk, patient, doctor, "2027-02-02T10:00:00Z", now).id);
    });
    step(&mut c, 3, "series", &mut |c| {
        let mut r = request(patient, doctor, &c.kind, "2027-02-03T10:00:00Z");
        r.recurrence = Some(Recurrence {
            unit: RecurrenceUnit::Week,
            interval: 1,
            count: 3,
        });
        r.note = "Canary-Note: bring results".into();
        ids.extend(
            booking::book(&mut c.t.store, &by_desk, r, now)
                .unwrap()
                .iter()
                .map(|a| a.id),
        );
    });
    step(&mut c, 1, "reschedule", &mut |c| {
        booking::reschedule(
            &mut c.t.store,
            &by_desk,
            RescheduleAppointment {
                id: ids[0],
                expected_version: 1,
                starts_at: "2027-02-02T11:00:00Z".into(),
                provider_id: doctor,
                room_id: None,
            },
            now,
        )
        .unwrap();
    });
    step(&mut c, 1, "status", &mut |c| {
        booking::set_status(
            &mut c.t.store,
            &by_desk,
            SetAppointmentStatus {
                id: ids[0],
                expected_version: 2,
                status: S::Confirmed,
            },
            now,
        )
        .unwrap();
    });
    step(&mut c, 1, "cancel", &mut |c| {
        booking::cancel(
            &mut c.t.store,
            &by_desk,
            CancelAppointment {
                id: ids[1],
                expected_version: 1,
                reason: "Canary-Reason: moving away".into(),
            },
            now,
        )
        .unwrap();
    });
    step(&mut c, 1, "book", &mut |c| {
        book(c, &by_desk, patient, doctor, "2027-02-10T15:00:00Z", now);
    });
    // 10 Feb: the series' third appointment and the one just booked.
    step(&mut c, 2, "reassign", &mut |c| {
        reassign::reassign_day(
            &mut c.t.store,
            &by_desk,
            ReassignDay {
                from_provider_id: doctor,
                date: "2027-02-10".into(),
                to_provider_id: Some(doctor2),
                record_leave: false,
                reason: "Canary-Reason: ill".into(),
            },
            now,
        )
        .unwrap();
    });
    let all = audit_after(&c.t.store, start);
    for (_, detail) in &all {
        for secret in [
            "Lovelace",
            "Ada",
            "7946",
            "0018",
            "ada@example.org",
            "Canary",
            "St James",
        ] {
            assert!(!detail.contains(secret), "{secret} in {detail}");
        }
    }
}

//! The check-in kiosk on the real (SQLCipher) store: identification by family
//! name, date of birth and a code or phone digits; one answer for every failure
//! (audited without a patient); throttling; correcting contact details through
//! the registry; checking in (the provider is told); and visits that end when
//! idle, when finished, when the kiosk closes or when the appointment changes.
mod common;
mod identity_common;
mod schedule_common;

use chrono::{DateTime, Duration, Utc};
use clinic_core::kiosk::{KioskDesk, FREE_ATTEMPTS};
use clinic_core::schedule::{appointments, booking};
use clinic_core::{Caller, CoreError};
use clinic_protocol::{
    Appointment, AppointmentStatus, CancelAppointment, Insurance, KioskDetails, KioskFactor,
    KioskIdentify, KioskUpdateDetails, KioskVisit, RescheduleAppointment, UiError,
};
use common::AUDIT_KEY;
use schedule_common::*;

/// Tuesday 1 June 2027 (BST), 09:40 in London.
fn now() -> DateTime<Utc> {
    utc("2027-06-01T08:40:00Z")
}

struct Kiosk {
    c: Clinic,
    desk: KioskDesk,
    /// Ada's appointment today, 10:00 local with Dr Okafor.
    today: Appointment,
}

fn kiosk() -> Kiosk {
    let mut c = clinic();
    let by_desk = Caller::staff(&AUDIT_KEY, &c.desk);
    let (patient, doctor) = (c.patient, c.doctor.staff_id);
    let booked_at = utc("2027-05-31T08:00:00Z");
    let today = book(
        &mut c,
        &by_desk,
        patient,
        doctor,
        "2027-06-01T10:00:00+01:00",
        booked_at,
    );
    // Tomorrow's does not count today.
    book(
        &mut c,
        &by_desk,
        patient,
        doctor,
        "2027-06-02T10:00:00+01:00",
        booked_at,
    );
    let mut desk = KioskDesk::new();
    desk.open();
    Kiosk { c, desk, today }
}

fn by_code(family: &str, dob: &str, code: &str) -> KioskIdentify {
    KioskIdentify {
        family_name: family.into(),
        date_of_birth: dob.into(),
        factor: KioskFactor::AppointmentCode(code.into()),
    }
}

fn by_phone(family: &str, dob: &str, digits: &str) -> KioskIdentify {
    KioskIdentify {
        family_name: family.into(),
        date_of_birth: dob.into(),
        factor: KioskFactor::PhoneLastDigits(digits.into()),
    }
}

impl Kiosk {
    fn identify(&mut self, r: KioskIdentify, at: DateTime<Utc>) -> Result<KioskVisit, CoreError> {
        self.desk
            .identify(&mut self.c.t.store, &Caller::kiosk(&AUDIT_KEY), r, at)
    }

    fn ada(&mut self, at: DateTime<Utc>) -> KioskVisit {
        let code = self.today.check_in_code.clone();
        self.identify(by_code("Lovelace", "1990-12-10", &code), at)
            .unwrap()
    }

    fn update(
        &mut self,
        token: &str,
        details: KioskDetails,
        at: DateTime<Utc>,
    ) -> Result<KioskVisit, CoreError> {
        self.desk.update_details(
            &mut self.c.t.store,
            &Caller::kiosk(&AUDIT_KEY),
            KioskUpdateDetails {
                token: token.into(),
                details,
            },
            at,
        )
    }

    fn check_in(&mut self, token: &str, at: DateTime<Utc>) -> Result<KioskVisit, CoreError> {
        self.desk.check_in(
            &mut self.c.t.store,
            &Caller::kiosk(&AUDIT_KEY),
            token.into(),
            at,
        )
    }

    fn status(&self) -> AppointmentStatus {
        appointments::get(self.c.t.store.conn(), self.today.id)
            .unwrap()
            .status
    }
}

fn ended(r: Result<KioskVisit, CoreError>) {
    assert!(matches!(r, Err(CoreError::KioskVisitEnded)), "{r:?}");
}

#[test]
fn a_closed_kiosk_identifies_nobody_and_an_open_one_finds_todays_appointment() {
    let mut k = kiosk();
    let code = k.today.check_in_code.clone();
    let mut closed = KioskDesk::new();
    let r = closed.identify(
        &mut k.c.t.store,
        &Caller::kiosk(&AUDIT_KEY),
        by_code("Lovelace", "1990-12-10", &code),
        now(),
    );
    ended(r);
    assert!(!closed.is_open());
    let status = k.desk.status(k.c.t.store.conn()).unwrap();
    assert_eq!(
        (status.clinic_name.as_str(), status.idle_seconds),
        ("Riverside Family Practice", 90)
    );

    // Case and accents do not matter, nor the code's case.
    let v = k
        .identify(
            by_code(" LÓVELACE ", "1990-12-10", &code.to_lowercase()),
            now(),
        )
        .unwrap();
    assert_eq!(v.given_name, "Ada");
    assert_eq!(v.appointment_time, "10:00");
    assert_eq!(v.provider_name, "Dr Okafor");
    assert!(!v.already_checked_in);
    assert_eq!(v.details.phone, "+44 20 7946 0018");
    assert_eq!(v.details.email, "ada@example.org");
    assert_eq!(v.token.len(), 32);
    // The phone's last 4 digits instead of the code.
    let w = k
        .identify(by_phone("lovelace", "1990-12-10", "0018"), now())
        .unwrap();
    assert_eq!(
        (w.given_name.as_str(), w.appointment_time.as_str()),
        ("Ada", "10:00")
    );
    assert_ne!(v.token, w.token);
    // Each match is audited as the kiosk, with the patient.
    let matched = count(
        &k.c.t.store,
        &format!(
            "SELECT count(*) FROM audit_event WHERE actor_id = 'kiosk' AND patient_id = '{}'
             AND detail LIKE '%matched%'",
            k.c.patient
        ),
    );
    assert_eq!(matched, 2);
    // Input that cannot be right is a validation error (no identity involved).
    let e = k
        .identify(by_code("", "10/12/1990", "x"), now())
        .unwrap_err();
    assert_eq!(fields(e), ["family_name", "date_of_birth", "factor"]);
}

#[test]
fn every_failed_identification_gets_the_same_answer_and_is_audited_without_a_patient() {
    let mut k = kiosk();
    let by_desk = Caller::staff(&AUDIT_KEY, &k.c.desk);
    let code = k.today.check_in_code.clone();
    let doctor = k.c.doctor.staff_id;
    // Bob's appointment is tomorrow; Cy's today was cancelled.
    let bob = bob(&mut k.c.t.store);
    let tomorrow = book(
        &mut k.c,
        &by_desk,
        bob,
        doctor,
        "2027-06-02T11:00:00+01:00",
        utc("2027-05-31T08:00:00Z"),
    );
    let cy = cy(&mut k.c.t.store);
    let gone = book(
        &mut k.c,
        &by_desk,
        cy,
        doctor,
        "2027-06-01T11:00:00+01:00",
        utc("2027-05-31T08:00:00Z"),
    );
    booking::cancel(
        &mut k.c.t.store,
        &by_desk,
        CancelAppointment {
            id: gone.id,
            expected_version: 1,
            reason: "Unwell".into(),
        },
        now(),
    )
    .unwrap();
    let wrong_code = if code == "AAAAAA" { "BBBBBB" } else { "AAAAAA" };
    let attempts = [
        by_code("Lovelace", "1990-12-10", wrong_code),
        by_code("Lovelace", "1990-12-11", &code),
        by_code("Lovelock", "1990-12-10", &code),
        by_phone("Lovelace", "1990-12-10", "0019"),
        by_code("Brown", "1975-06-01", &tomorrow.check_in_code),
        by_phone("Brown", "1975-06-01", "0555"),
        by_code("Young", "1980-01-01", &gone.check_in_code),
        // Ada's code with somebody else's name and date of birth.
        by_code("Brown", "1975-06-01", &code),
    ];
    let seq = last_audit_seq(&k.c.t.store);
    let ops = common::outbox_len(&k.c.t.store);
    let mut messages = Vec::new();
    for attempt in attempts.iter() {
        // A fresh desk each time, so that throttling stays out of the way.
        let mut desk = KioskDesk::new();
        desk.open();
        let e = desk
            .identify(
                &mut k.c.t.store,
                &Caller::kiosk(&AUDIT_KEY),
                attempt.clone(),
                now(),
            )
            .unwrap_err();
        assert!(matches!(e, CoreError::KioskNoMatch), "{attempt:?}: {e:?}");
        messages.push(UiError::from(e).message);
    }
    messages.dedup();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(!messages[0].contains("Lovelace"));
    let entries = audit_after(&k.c.t.store, seq);
    assert_eq!(entries.len(), attempts.len());
    for (patient, detail) in &entries {
        assert_eq!(patient, &None);
        assert!(detail.contains("no_match"), "{detail}");
    }
    assert_eq!(
        count(
            &k.c.t.store,
            &format!("SELECT count(*) FROM audit_event WHERE seq > {seq} AND actor_id = 'kiosk'")
        ),
        attempts.len() as i64
    );
    assert_eq!(common::outbox_len(&k.c.t.store), ops);
}

#[test]
fn repeated_failures_throttle_the_kiosk_until_the_wait_passes_and_success_resets() {
    let mut k = kiosk();
    let wrong = || by_code("Lovelace", "1990-12-10", "ZZZZ");
    let t0 = now();
    for i in 0..FREE_ATTEMPTS {
        let e = k
            .identify(wrong(), t0 + Duration::seconds(i64::from(i)))
            .unwrap_err();
        assert!(matches!(e, CoreError::KioskNoMatch), "{e:?}");
    }
    let blocked_at = t0 + Duration::seconds(i64::from(FREE_ATTEMPTS) - 1);
    // Even the right details wait now.
    let code = k.today.check_in_code.clone();
    let right = by_code("Lovelace", "1990-12-10", &code);
    match k.identify(right.clone(), blocked_at + Duration::seconds(1)) {
        Err(CoreError::Throttled { retry_after_secs }) => assert_eq!(retry_after_secs, 29),
        other => panic!("{other:?}"),
    }
    match k.identify(wrong(), blocked_at + Duration::seconds(29)) {
        Err(CoreError::Throttled { retry_after_secs }) => assert_eq!(retry_after_secs, 1),
        other => panic!("{other:?}"),
    }
    // After the wait, one more failure waits twice as long.
    let later = blocked_at + Duration::seconds(30);
    assert!(matches!(
        k.identify(wrong(), later),
        Err(CoreError::KioskNoMatch)
    ));
    match k.identify(right.clone(), later + Duration::seconds(1)) {
        Err(CoreError::Throttled { retry_after_secs }) => assert_eq!(retry_after_secs, 59),
        other => panic!("{other:?}"),
    }
    let later = later + Duration::seconds(60);
    k.identify(right.clone(), later).unwrap();
    // A success resets the count: the free attempts are free again.
    for _ in 0..FREE_ATTEMPTS - 1 {
        assert!(matches!(
            k.identify(wrong(), later),
            Err(CoreError::KioskNoMatch)
        ));
    }
    k.identify(right, later).unwrap();
}

#[test]
fn details_are_corrected_through_the_registry_with_only_the_changed_fields() {
    let mut k = kiosk();
    let v = k.ada(now());
    let before = written(&k.c.t.store);
    let mut details = v.details.clone();
    details.email = "not-an-email".into();
    let e = k.update(&v.token, details, now()).unwrap_err();
    assert_eq!(fields(e), ["email"]);
    assert_eq!(written(&k.c.t.store), before);

    let mut details = v.details.clone();
    details.phone = "+44 20 7946 0123".into();
    details.email = "ada.king@example.org".into();
    details.address.line1 = "1 Ockham Park".into();
    details.insurance = Some(Insurance {
        payer: "Byron Mutual".into(),
        member_id: "B42".into(),
        group_number: String::new(),
    });
    let updated = k.update(&v.token, details.clone(), now()).unwrap();
    assert_eq!(updated.details, details);
    assert_eq!(updated.token, v.token);
    let patient = clinic_core::registry::get_patient(k.c.t.store.conn(), k.c.patient).unwrap();
    assert_eq!(patient.details.phone, "+44 20 7946 0123");
    assert_eq!(patient.details.given_name, "Ada");
    assert_eq!(patient.version, 2);
    let ops = identity_common::outbox(&k.c.t.store);
    let (kind, entity, id, payload) = ops.last().unwrap();
    assert_eq!(
        (kind.as_str(), entity.as_str(), id.as_str()),
        ("set_fields", "patient", k.c.patient.to_string().as_str())
    );
    let payload: serde_json::Value = serde_json::from_str(payload).unwrap();
    let mut changed: Vec<_> = payload["fields"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    changed.sort();
    assert_eq!(changed, ["address", "email", "insurance", "phone"]);
    let after = written(&k.c.t.store);
    assert_eq!((after.0, after.2), (before.0 + 1, before.2 + 1));
    let actor: String =
        k.c.t
            .store
            .conn()
            .query_row(
                "SELECT actor_id FROM audit_event ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
    assert_eq!(actor, "kiosk");
    // Confirming without a change writes nothing.
    k.update(&v.token, details, now()).unwrap();
    assert_eq!(written(&k.c.t.store), after);
    // The new phone identifies the patient now.
    k.identify(by_phone("Lovelace", "1990-12-10", "0123"), now())
        .unwrap();
}

#[test]
fn checking_in_tells_the_provider_once_and_a_second_check_in_is_harmless() {
    let mut k = kiosk();
    let doctor = k.c.doctor.staff_id;
    let v = k.ada(now());
    let told = notifications(&k.c.t.store, doctor).len();
    let done = k.check_in(&v.token, now()).unwrap();
    assert!(done.already_checked_in);
    let a = appointments::get(k.c.t.store.conn(), k.today.id).unwrap();
    assert_eq!(a.status, AppointmentStatus::CheckedIn);
    assert_eq!(a.checked_in_at.as_deref(), Some("2027-06-01T08:40:00.000Z"));
    let kinds = notifications(&k.c.t.store, doctor);
    assert_eq!(kinds.len(), told + 1);
    assert_eq!(kinds.last().unwrap(), "patient_arrived");
    let before = written(&k.c.t.store);
    let again = k.check_in(&v.token, now()).unwrap();
    assert!(again.already_checked_in);
    assert_eq!(written(&k.c.t.store), before);
    assert_eq!(notifications(&k.c.t.store, doctor).len(), told + 1);
    // Identifying again after checking in says so.
    let later = k.ada(now());
    assert!(later.already_checked_in);
}

#[test]
fn a_visit_ends_when_its_appointment_is_cancelled_or_moved_to_another_day() {
    let mut k = kiosk();
    let by_desk = Caller::staff(&AUDIT_KEY, &k.c.desk);
    let v = k.ada(now());
    booking::reschedule(
        &mut k.c.t.store,
        &by_desk,
        RescheduleAppointment {
            id: k.today.id,
            expected_version: 1,
            starts_at: "2027-06-03T10:00:00+01:00".into(),
            provider_id: k.c.doctor.staff_id,
            room_id: None,
        },
        now(),
    )
    .unwrap();
    ended(k.check_in(&v.token, now()));
    assert_eq!(k.status(), AppointmentStatus::Booked);
    ended(k.check_in(&v.token, now()));

    // Moved back to today, identified, then cancelled at the desk.
    booking::reschedule(
        &mut k.c.t.store,
        &by_desk,
        RescheduleAppointment {
            id: k.today.id,
            expected_version: 2,
            starts_at: "2027-06-01T11:00:00+01:00".into(),
            provider_id: k.c.doctor.staff_id,
            room_id: None,
        },
        now(),
    )
    .unwrap();
    let v = k.ada(now());
    assert_eq!(v.appointment_time, "11:00");
    booking::cancel(
        &mut k.c.t.store,
        &by_desk,
        CancelAppointment {
            id: k.today.id,
            expected_version: 3,
            reason: "Clinic called".into(),
        },
        now(),
    )
    .unwrap();
    ended(k.check_in(&v.token, now()));
    assert_eq!(k.status(), AppointmentStatus::Cancelled);
}

#[test]
fn visits_end_when_idle_when_finished_and_when_the_kiosk_closes() {
    let mut k = kiosk();
    let t0 = now();
    let v = k.ada(t0);
    // Activity keeps the visit going…
    let details = v.details.clone();
    k.update(&v.token, details.clone(), t0 + Duration::seconds(80))
        .unwrap();
    k.update(&v.token, details.clone(), t0 + Duration::seconds(170))
        .unwrap();
    // …90 idle seconds end it, for good.
    ended(k.check_in(&v.token, t0 + Duration::seconds(261)));
    ended(k.check_in(&v.token, t0 + Duration::seconds(262)));
    assert_eq!(k.status(), AppointmentStatus::Booked);
    ended(k.update("not-a-token", details.clone(), t0));

    // Finishing ends it.
    let v = k.ada(t0);
    k.desk.end(&v.token);
    ended(k.check_in(&v.token, t0));

    // Closing the kiosk ends every visit, even after reopening.
    let first = k.ada(t0);
    let second = k
        .identify(by_phone("Lovelace", "1990-12-10", "0018"), t0)
        .unwrap();
    k.desk.close();
    ended(k.check_in(&first.token, t0));
    let again = k.identify(by_phone("Lovelace", "1990-12-10", "0018"), t0);
    ended(again);
    k.desk.open();
    ended(k.check_in(&first.token, t0));
    ended(k.update(&second.token, details, t0));
    assert_eq!(k.status(), AppointmentStatus::Booked);
}

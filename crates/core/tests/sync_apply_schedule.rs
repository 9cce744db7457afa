//! Applying scheduling ops from other devices (DESIGN.md §5): every op kind makes
//! the same rows on the receiving device; applying is idempotent; two devices
//! booking the same time offline (same provider, or same room) converge on every
//! device — the booking the log ordered first keeps the time, the other needs a
//! new time, nothing is lost — and who holds a contested time is settled again
//! when it is freed (the booking that lost it gets it back, its notification
//! withdrawn), wherever the change is made; configuration is last-writer-wins in either push
//! order; a cancellation wins over a concurrent move and an arrival over a
//! cancellation; a malformed op is held with nothing half-applied.
mod common;
mod identity_common;
mod schedule_common;
mod sync_common;

use chrono::{DateTime, Utc};
use clinic_core::schedule::{appointments, booking, config, reassign, waitlist};
use clinic_core::{sync, Caller};
use clinic_protocol::{
    AddScheduleException, AddToWaitlist, AppointmentId, AppointmentStatus as S, AppointmentType,
    CalendarQuery, CancelAppointment, DeviceId, EntityKind, ExceptionKind, Hlc, LoggedOp, Op, OpId,
    OpKind, PatientId, ReassignDay, Recurrence, RecurrenceUnit, RemoveFromWaitlist,
    RemoveScheduleException, RescheduleAppointment, RoomId, SaveAppointmentType, SaveRoom,
    SessionInfo, SetAppointmentStatus, SetProviderHours, StaffId, SCHEMA_VERSION,
};
use clinic_store::Store;
use common::{TestStore, AUDIT_KEY};
use schedule_common::*;
use serde_json::json;
use sync_common::{held, rows, Log};

/// The business clock of every use case here; appointments are the day after.
const NOW: &str = "2027-03-01T08:00:00Z";
const SLOT: &str = "2027-03-02T10:00:00Z";

fn now() -> DateTime<Utc> {
    utc(NOW)
}

fn desk(session: &SessionInfo) -> Caller<'static> {
    Caller::staff(&AUDIT_KEY, session)
}

/// Device A (the clinic set up, Bob registered, a room) with everything pushed.
fn world() -> (Clinic, Log) {
    let mut a = clinic();
    bob(&mut a.t.store);
    let r = SaveRoom {
        id: None,
        expected_version: None,
        name: "Room 1".into(),
        active: true,
    };
    config::save_room(&mut a.t.store, &desk(&a.admin), r).unwrap();
    let mut log = Log::default();
    log.push(&mut a.t.store);
    (a, log)
}

/// A fresh device that pulled the whole log, with nothing held.
fn synced(log: &Log) -> TestStore {
    let mut d = sync_common::device();
    log.pull(&mut d.store);
    assert_no_held(&d.store);
    d
}

/// `first` then `second` push; both pull; returns a fresh device C that pulled all.
fn exchange(log: &mut Log, first: &mut Store, second: &mut Store) -> TestStore {
    log.push(first);
    log.push(second);
    log.pull(first);
    log.pull(second);
    synced(log)
}

fn assert_no_held(store: &Store) {
    let reasons: Vec<String> = held(store).into_iter().map(|h| h.1).collect();
    assert!(reasons.is_empty(), "held: {reasons:?}");
}

fn one(store: &Store, sql: &str) -> String {
    rows(store, sql).pop().unwrap()
}

fn bob_on(store: &Store) -> PatientId {
    one(store, "SELECT id FROM patient WHERE given_name = 'Bob'")
        .parse()
        .unwrap()
}

fn room_on(store: &Store) -> RoomId {
    one(store, "SELECT id FROM room WHERE name = 'Room 1'")
        .parse()
        .unwrap()
}

fn book_on(
    s: &mut Store,
    patient: PatientId,
    provider: StaffId,
    kind: &AppointmentType,
    at: &str,
    by: &Caller<'_>,
) -> AppointmentId {
    booking::book(s, by, request(patient, provider, kind, at), now()).unwrap()[0].id
}

fn version_of(store: &Store, id: AppointmentId) -> i64 {
    appointments::get(store.conn(), id).unwrap().version
}

fn move_to(s: &mut Store, id: AppointmentId, at: &str, provider: StaffId, by: &Caller<'_>) {
    let r = RescheduleAppointment {
        id,
        expected_version: version_of(s, id),
        starts_at: at.into(),
        provider_id: provider,
        room_id: None,
    };
    booking::reschedule(s, by, r, now()).unwrap();
}

fn cancel(s: &mut Store, id: AppointmentId, reason: &str, by: &Caller<'_>) {
    let r = CancelAppointment {
        id,
        expected_version: version_of(s, id),
        reason: reason.into(),
    };
    booking::cancel(s, by, r, now()).unwrap();
}

fn set_status(s: &mut Store, id: AppointmentId, status: S, by: &Caller<'_>) {
    let r = SetAppointmentStatus {
        id,
        expected_version: version_of(s, id),
        status,
    };
    booking::set_status(s, by, r, now()).unwrap();
}

/// Every synced scheduling row except local stamps (created/updated times).
fn config_dump(store: &Store) -> Vec<String> {
    [
        "SELECT time_zone || '|' || kiosk_idle_seconds || '|' || reminder_hours_before FROM clinic",
        "SELECT id || '|' || name || '|' || duration_minutes || '|' || colour || '|' || active || '|'
            || version FROM appointment_type ORDER BY id",
        "SELECT id || '|' || name || '|' || active || '|' || version FROM room ORDER BY id",
        "SELECT provider_id || '|' || periods || '|' || version FROM provider_hours ORDER BY provider_id",
        "SELECT id || '|' || coalesce(provider_id, '-') || '|' || starts_on || '|' || ends_on || '|'
            || kind || '|' || note || '|' || removed || '|' || coalesce(created_by, '-')
         FROM schedule_exception ORDER BY id",
        "SELECT id || '|' || patient_id || '|' || coalesce(provider_id, '-') || '|' || appointment_type_id
            || '|' || earliest || '|' || latest || '|' || note || '|' || status || '|'
            || coalesce(created_by, '-') FROM waitlist_entry ORDER BY id",
    ]
    .iter()
    .flat_map(|sql| rows(store, sql))
    .collect()
}

fn appointment_dump(store: &Store) -> Vec<String> {
    rows(
        store,
        "SELECT id || '|' || patient_id || '|' || provider_id || '|' || appointment_type_id || '|'
            || coalesce(room_id, '-') || '|' || starts_at || '|' || ends_at || '|' || status || '|'
            || tentative || '|' || coalesce(series_id, '-') || '|' || check_in_code || '|' || note || '|'
            || cancel_reason || '|' || coalesce(checked_in_at, '-') || '|' || coalesce(booked_by, '-')
            || '|' || booked_by_name || '|' || version
         FROM appointment ORDER BY id",
    )
}

/// `id|status` of every appointment.
fn statuses(store: &Store) -> Vec<String> {
    rows(
        store,
        "SELECT id || '|' || status FROM appointment ORDER BY id",
    )
}

/// The needs-a-new-time notifications: `id|staff|appointment`.
fn notices(store: &Store) -> Vec<String> {
    rows(
        store,
        "SELECT id || '|' || staff_id || '|' || json_extract(detail, '$.appointment_id') FROM notification
         WHERE json_extract(detail, '$.change') = 'needs_reschedule' ORDER BY id",
    )
}

fn queued(store: &Store, id: AppointmentId) -> String {
    let sql = format!(
        "SELECT count(*) FROM reminder WHERE appointment_id = '{id}' AND status = 'queued'"
    );
    count(store, &sql).to_string()
}

fn calendar(store: &mut Store, session: &SessionInfo) -> clinic_protocol::Calendar {
    let query = CalendarQuery {
        from: "2027-03-01".into(),
        days: 7,
        provider_ids: vec![],
    };
    appointments::calendar(store, &desk(session), query, now()).unwrap()
}

/// Runs the device's clock `offset_ms` ahead of real time (orders concurrent edits).
fn clock_ahead(store: &mut Store, offset_ms: u64) {
    store.set_wall_clock(Box::new(move || {
        chrono::Utc::now().timestamp_millis() as u64 + offset_ms
    }));
}

fn exception(
    s: &mut Store,
    provider: Option<StaffId>,
    day: &str,
    kind: ExceptionKind,
    by: &Caller<'_>,
) -> clinic_protocol::ScheduleExceptionId {
    let r = AddScheduleException {
        provider_id: provider,
        starts_on: day.into(),
        ends_on: day.into(),
        kind,
        note: String::new(),
    };
    config::add_exception(s, by, r).unwrap().id
}

fn waitlist_entry(
    s: &mut Store,
    patient: PatientId,
    kind: &AppointmentType,
    by: &Caller<'_>,
) -> clinic_protocol::WaitlistEntryId {
    let r = AddToWaitlist {
        patient_id: patient,
        provider_id: None,
        appointment_type_id: kind.id,
        earliest: "2027-03-01".into(),
        latest: "2027-03-31".into(),
        note: String::new(),
    };
    waitlist::add(s, by, r, now()).unwrap().id
}

#[test]
fn configuration_ops_make_the_same_rows_on_another_device() {
    let (mut a, mut log) = world();
    let (by_admin, by_desk) = (desk(&a.admin), desk(&a.desk));
    let (kind, doctor) = (a.kind.clone(), a.doctor.staff_id);
    let s = &mut a.t.store;
    config::set_settings(s, &by_admin, settings("Europe/Paris", 120)).unwrap();
    let t = SaveAppointmentType {
        id: Some(kind.id),
        expected_version: Some(kind.version),
        name: "Long consultation".into(),
        duration_minutes: 45,
        colour: "#10B981".into(),
        active: true,
    };
    config::save_appointment_type(s, &by_admin, t).unwrap();
    let room = room_on(s);
    let mut periods = schedule_common::week();
    periods[0].room_id = Some(room);
    let h = SetProviderHours {
        provider_id: doctor,
        expected_version: 1,
        periods,
    };
    config::set_hours(s, &by_admin, h).unwrap();
    let leave = exception(
        s,
        Some(doctor),
        "2027-04-01",
        ExceptionKind::Leave,
        &by_admin,
    );
    let closed = exception(s, None, "2027-12-25", ExceptionKind::Holiday, &by_admin);
    config::remove_exception(s, &by_admin, RemoveScheduleException { id: closed }).unwrap();
    let entry = waitlist_entry(s, a.patient, &kind, &by_desk);
    let bob = bob_on(s);
    waitlist_entry(s, bob, &kind, &by_desk);
    waitlist::remove(s, &by_desk, RemoveFromWaitlist { id: entry }).unwrap();
    log.push(s);

    let b = synced(&log);
    let dump = config_dump(&b.store);
    assert_eq!(dump, config_dump(&a.t.store));
    let has = |what: &dyn Fn(&String) -> bool| dump.iter().any(what);
    assert!(has(&|r| r.starts_with("Europe/Paris|120|")));
    assert!(has(&|r| r.contains("|Long consultation|45|#10b981|1|2")));
    assert!(has(&|r| r.contains(&room.to_string()) && r.ends_with("|2")));
    assert!(has(&|r| r.starts_with(&format!(
        "{closed}|-|2027-12-25|2027-12-25|holiday||1|"
    ))));
    assert!(has(
        &|r| r.starts_with(&format!("{leave}|{doctor}|")) && r.contains("|leave||0|")
    ));
    assert!(has(
        &|r| r.starts_with(&entry.to_string()) && r.contains("|removed|")
    ));
    // Created by the member who made them, not by the device.
    assert!(has(
        &|r| r.ends_with(&format!("|waiting|{}", a.desk.staff_id))
    ));
    let (on_a, on_b) = (a.t.store.conn(), b.store.conn());
    assert_eq!(
        config::hours(on_b, doctor).unwrap(),
        config::hours(on_a, doctor).unwrap()
    );
    let exceptions = |c| config::list_exceptions(c, "2027-01-01", "2027-12-31").unwrap();
    assert_eq!(exceptions(on_b), exceptions(on_a));
}

/// A has booked, moved, confirmed, checked in (through to done), cancelled,
/// marked a no-show, booked a series (in a room) and from the waitlist, and
/// reassigned an absent doctor's day (one moved, one needing a new time).
fn busy_day(a: &mut Clinic) {
    let by = desk(&a.desk);
    let (kind, doctor, doctor2) = (a.kind.clone(), a.doctor.staff_id, a.doctor2.staff_id);
    let s = &mut a.t.store;
    let (ada, bob) = (a.patient, bob_on(s));
    let moved = book_on(s, ada, doctor, &kind, "2027-03-02T09:00:00Z", &by);
    move_to(s, moved, "2027-03-02T14:00:00Z", doctor, &by);
    for (at, steps) in [
        ("2027-03-02T09:30:00Z", vec![S::Confirmed]),
        (
            "2027-03-02T10:00:00Z",
            vec![S::CheckedIn, S::InConsultation, S::Done],
        ),
        ("2027-03-02T10:30:00Z", vec![S::NoShow]),
    ] {
        let id = book_on(s, bob, doctor, &kind, at, &by);
        steps.into_iter().for_each(|st| set_status(s, id, st, &by));
    }
    let cancelled = book_on(s, ada, doctor, &kind, "2027-03-02T11:00:00Z", &by);
    cancel(s, cancelled, "Patient phoned", &by);
    let mut series = request(bob, doctor2, &kind, "2027-03-02T11:00:00Z");
    series.room_id = Some(room_on(s));
    series.note = "Bring the X-ray".into();
    series.recurrence = Some(Recurrence {
        unit: RecurrenceUnit::Week,
        interval: 1,
        count: 3,
    });
    assert_eq!(booking::book(s, &by, series, now()).unwrap().len(), 3);
    let entry = waitlist_entry(s, ada, &kind, &by);
    let mut from_list = request(ada, doctor2, &kind, "2027-03-03T15:00:00Z");
    from_list.waitlist_entry_id = Some(entry);
    booking::book(s, &by, from_list, now()).unwrap();
    book_on(s, ada, doctor2, &kind, "2027-03-04T09:00:00Z", &by);
    book_on(s, bob, doctor, &kind, "2027-03-04T10:00:00Z", &by);
    book_on(s, bob, doctor2, &kind, "2027-03-04T10:00:00Z", &by);
    let r = ReassignDay {
        from_provider_id: doctor2,
        date: "2027-03-04".into(),
        to_provider_id: Some(doctor),
        record_leave: true,
        reason: "Ill".into(),
    };
    let outcome = reassign::reassign_day(s, &by, r, now()).unwrap();
    assert_eq!((outcome.moved, outcome.needs_reschedule), (1, 1));
}

#[test]
fn appointments_make_the_same_calendar_on_another_device() {
    let (mut a, mut log) = world();
    busy_day(&mut a);
    log.push(&mut a.t.store);
    let mut b = synced(&log);

    let on_b = appointment_dump(&b.store);
    assert_eq!(on_b.len(), 12);
    // Seen in the server's log: not tentative (A's own rows are until they come back).
    assert!(on_b.iter().all(|r| !r.contains("|1|")));
    let on_a: Vec<String> = appointment_dump(&a.t.store);
    assert!(on_a.iter().all(|r| r.contains("|1|")));
    let untentative: Vec<String> = on_a.iter().map(|r| r.replace("|1|", "|0|")).collect();
    assert_eq!(on_b, untentative);
    for status in [
        "confirmed",
        "done",
        "no_show",
        "cancelled",
        "needs_reschedule",
    ] {
        assert!(
            on_b.iter().any(|r| r.contains(&format!("|{status}|"))),
            "{status}"
        );
    }
    assert!(on_b.iter().any(|r| r.contains("|Bring the X-ray|")));
    assert!(on_b.iter().any(|r| r.contains("|Patient phoned|")));
    let by_desk = format!("|{}|Front Desk|", a.desk.staff_id);
    assert!(on_b.iter().all(|r| r.contains(&by_desk)));
    assert_eq!(config_dump(&b.store), config_dump(&a.t.store));
    // Reminders stay with the device that booked.
    assert!(
        count(
            &a.t.store,
            "SELECT count(*) FROM reminder WHERE status = 'queued'"
        ) > 0
    );
    assert_eq!(count(&b.store, "SELECT count(*) FROM reminder"), 0);

    // A pulls its own ops back: no longer tentative there either.
    log.pull(&mut a.t.store);
    assert_eq!(appointment_dump(&a.t.store), on_b);
    let session = a.desk.clone();
    assert_eq!(
        calendar(&mut b.store, &session),
        calendar(&mut a.t.store, &session)
    );
}

#[test]
fn applying_is_idempotent() {
    let (mut a, mut log) = world();
    busy_day(&mut a);
    log.push(&mut a.t.store);
    let mut b = synced(&log);
    let dumps = |s: &Store| {
        let notes = rows(s, "SELECT id FROM notification ORDER BY id");
        (appointment_dump(s), config_dump(s), notes)
    };
    let before = dumps(&b.store);

    let again = log.pull(&mut b.store);
    assert_eq!(
        (again.applied, again.skipped, again.held),
        (0, log.ops.len(), 0)
    );
    // Even when the appliers run again on every op (the record of applied ops lost).
    b.store
        .conn()
        .execute("DELETE FROM applied_op", [])
        .unwrap();
    let rerun = log.pull(&mut b.store);
    assert_eq!((rerun.applied, rerun.held), (log.ops.len(), 0));
    assert_eq!(dumps(&b.store), before);
}

/// In which order the two offline devices reach the server.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Order {
    AFirst,
    BFirst,
    /// A pushes, B pulls (finding A's booking) and only then pushes its own.
    BPullsBeforePushing,
}

#[test]
fn two_devices_booking_the_same_time_offline_converge_everywhere() {
    for order in [Order::AFirst, Order::BFirst, Order::BPullsBeforePushing] {
        double_booking(order, false);
    }
    // Two doctors, one room.
    double_booking(Order::AFirst, true);
    double_booking(Order::BFirst, true);
}

fn double_booking(order: Order, same_room: bool) {
    let (mut a, mut log) = world();
    let mut b = synced(&log);
    let (by, kind) = (desk(&a.desk), a.kind.clone());
    let (doctor, other) = (a.doctor.staff_id, a.doctor2.staff_id);
    let mut on_b = request(bob_on(&b.store), doctor, &kind, SLOT);
    let mut on_a = request(a.patient, doctor, &kind, SLOT);
    if same_room {
        on_a.room_id = Some(room_on(&b.store));
        on_b.room_id = on_a.room_id;
        on_b.provider_id = other;
    }
    let on_a = booking::book(&mut a.t.store, &by, on_a, now()).unwrap()[0].id;
    let on_b = booking::book(&mut b.store, &by, on_b, now()).unwrap()[0].id;
    assert_eq!(queued(&b.store, on_b), "1");
    let c = match order {
        Order::AFirst => exchange(&mut log, &mut a.t.store, &mut b.store),
        Order::BFirst => exchange(&mut log, &mut b.store, &mut a.t.store),
        Order::BPullsBeforePushing => {
            log.push(&mut a.t.store);
            log.pull(&mut b.store);
            // B's own booking sorts after the log: B demotes it before pushing.
            let status = appointments::get(b.store.conn(), on_b).unwrap().status;
            assert_eq!(status, S::NeedsReschedule);
            exchange(&mut log, &mut b.store, &mut a.t.store)
        }
    };
    let (winner, loser) = if order == Order::BFirst {
        (on_b, on_a)
    } else {
        (on_a, on_b)
    };
    let mut expected = vec![
        format!("{winner}|booked"),
        format!("{loser}|needs_reschedule"),
    ];
    expected.sort();
    let case = format!("{order:?}, same room: {same_room}");
    for (name, store) in [("A", &a.t.store), ("B", &b.store), ("C", &c.store)] {
        assert_no_held(store);
        assert_eq!(statuses(store), expected, "{case} on {name}");
        let tentative = count(
            store,
            "SELECT count(*) FROM appointment WHERE tentative = 1",
        );
        assert_eq!(tentative, 0, "{case} on {name}");
        let notices = notices(store);
        assert_eq!(notices.len(), 1, "{case} on {name}");
        assert!(notices[0].ends_with(&format!("|{}|{loser}", a.desk.staff_id)));
        assert_eq!(notices, self::notices(&c.store), "{case} on {name}");
        assert_eq!(
            appointment_dump(store),
            appointment_dump(&c.store),
            "{case} on {name}"
        );
    }
    // The loser's own device no longer reminds its patient of the lost time.
    let (owner, other_device) = if loser == on_a {
        (&mut a.t.store, &mut b.store)
    } else {
        (&mut b.store, &mut a.t.store)
    };
    assert_eq!(queued(owner, loser), "0");

    // The front desk gives the loser a new time on its device: settled everywhere.
    let provider = appointments::get(owner.conn(), loser).unwrap().provider_id;
    move_to(owner, loser, "2027-03-02T11:00:00Z", provider, &by);
    let mut c = c;
    let _ = exchange(&mut log, owner, other_device);
    log.pull(&mut c.store);
    for store in [&*owner, &*other_device, &c.store] {
        assert_no_held(store);
        assert!(
            statuses(store).iter().all(|s| s.ends_with("|booked")),
            "{case}"
        );
        assert_eq!(
            appointment_dump(store),
            appointment_dump(&c.store),
            "{case}"
        );
    }
}

#[test]
fn an_own_booking_stays_tentative_while_a_later_move_of_it_is_not_ordered() {
    let (mut a, mut log) = world();
    let by = desk(&a.desk);
    let (s, kind) = (&mut a.t.store, a.kind.clone());
    let id = book_on(s, a.patient, a.doctor.staff_id, &kind, SLOT, &by);
    log.push(s);
    move_to(s, id, "2027-03-02T15:00:00Z", a.doctor.staff_id, &by);
    log.pull(s);
    assert!(appointments::get(s.conn(), id).unwrap().tentative);
    log.push(s);
    log.pull(s);
    assert!(!appointments::get(s.conn(), id).unwrap().tentative);
}

fn status_of(store: &Store, id: AppointmentId) -> S {
    appointments::get(store.conn(), id).unwrap().status
}

/// A booking that lost its time to one the log ordered first gets it back when
/// the holder is cancelled — on every device, its own included, whether the
/// cancellation comes from the log or is made on that device (at once, before
/// any sync) — and the front desk's notification is withdrawn with it: it was
/// about a need that no longer is. Its device queues its reminder again.
#[test]
fn a_booking_that_lost_its_time_gets_it_back_when_the_holder_is_cancelled() {
    for cancelled_on_b in [false, true] {
        let (mut a, mut log) = world();
        let mut b = synced(&log);
        let (by, kind, doctor) = (desk(&a.desk), a.kind.clone(), a.doctor.staff_id);
        let x = book_on(&mut a.t.store, a.patient, doctor, &kind, SLOT, &by);
        let bob = bob_on(&b.store);
        let y = book_on(&mut b.store, bob, doctor, &kind, SLOT, &by);
        let mut c = exchange(&mut log, &mut a.t.store, &mut b.store);
        for store in [&a.t.store, &b.store, &c.store] {
            assert_eq!(status_of(store, y), S::NeedsReschedule);
            assert_eq!(notices(store).len(), 1);
        }
        assert_eq!(queued(&b.store, y), "0");
        if cancelled_on_b {
            cancel(&mut b.store, x, "Feeling better", &by);
            assert_eq!(status_of(&b.store, y), S::Booked);
            assert_eq!(notices(&b.store), Vec::<String>::new());
        } else {
            cancel(&mut a.t.store, x, "Feeling better", &by);
        }
        let _ = exchange(&mut log, &mut a.t.store, &mut b.store);
        log.pull(&mut c.store);
        let mut expected = vec![format!("{x}|cancelled"), format!("{y}|booked")];
        expected.sort();
        for store in [&a.t.store, &b.store, &c.store] {
            assert_no_held(store);
            assert_eq!(
                statuses(store),
                expected,
                "cancelled on B: {cancelled_on_b}"
            );
            assert_eq!(notices(store), Vec::<String>::new());
            assert_eq!(appointment_dump(store), appointment_dump(&c.store));
        }
        assert_eq!(queued(&b.store, y), "1");
    }
}

/// A device's own booking, back from the log, keeps its place before bookings
/// ordered after it whenever their time is settled again (here: a confirmation
/// from a third device). Where this device's ops sit in the log is derived from
/// the seqs the other devices' ops hold: device C's booking before A's, B's
/// after.
#[test]
fn an_own_booking_back_from_the_log_keeps_its_place_before_later_ones() {
    let (mut a, mut log) = world();
    let (mut b, mut c) = (synced(&log), synced(&log));
    let (by, kind) = (desk(&a.desk), a.kind.clone());
    let (doctor, other) = (a.doctor.staff_id, a.doctor2.staff_id);
    let bob = bob_on(&c.store);
    book_on(&mut c.store, bob, other, &kind, SLOT, &by);
    log.push(&mut c.store);
    let x = book_on(&mut a.t.store, a.patient, doctor, &kind, SLOT, &by);
    log.push(&mut a.t.store);
    log.pull(&mut a.t.store);
    assert!(!appointments::get(a.t.store.conn(), x).unwrap().tentative);
    let y = book_on(&mut b.store, bob, doctor, &kind, SLOT, &by);
    log.push(&mut b.store);
    log.pull(&mut a.t.store);
    log.pull(&mut c.store);
    set_status(&mut c.store, x, S::Confirmed, &by);
    log.push(&mut c.store);
    for store in [&mut a.t.store, &mut b.store, &mut c.store] {
        log.pull(store);
    }
    let fresh = synced(&log);
    for store in [&a.t.store, &b.store, &c.store] {
        assert_no_held(store);
        assert_eq!(status_of(store, x), S::Confirmed);
        assert_eq!(status_of(store, y), S::NeedsReschedule);
        assert_eq!(appointment_dump(store), appointment_dump(&fresh.store));
        assert_eq!(notices(store), notices(&fresh.store));
    }
}

/// Partly overlapping bookings made offline on three devices, ordered E
/// (09:00), D (09:15), H (09:30): E holds its time, D overlaps E and needs a new
/// time, H overlaps only D, which holds nothing, so H keeps its time. When E is
/// cancelled, D — ordered before H — gets its time back and H now needs a new
/// one: who holds a time is a function of the log order, never of what a
/// device happened to see first.
#[test]
fn a_booking_ordered_first_gets_its_time_back_before_a_later_one() {
    let (mut a, mut log) = world();
    let (mut b, mut c) = (synced(&log), synced(&log));
    let (by, kind, doctor) = (desk(&a.desk), a.kind.clone(), a.doctor.staff_id);
    let bob = bob_on(&b.store);
    let at = |clock: &str| format!("2027-03-02T{clock}:00Z");
    let e = book_on(&mut a.t.store, a.patient, doctor, &kind, &at("09:00"), &by);
    let d = book_on(&mut b.store, bob, doctor, &kind, &at("09:15"), &by);
    let h = book_on(&mut c.store, bob, doctor, &kind, &at("09:30"), &by);
    for store in [&mut a.t.store, &mut b.store, &mut c.store] {
        log.push(store);
    }
    for store in [&mut a.t.store, &mut b.store, &mut c.store] {
        log.pull(store);
    }
    for store in [&a.t.store, &b.store, &c.store] {
        assert_eq!(
            [e, d, h].map(|id| status_of(store, id)),
            [S::Booked, S::NeedsReschedule, S::Booked]
        );
    }
    cancel(&mut c.store, e, "Gone abroad", &by);
    log.push(&mut c.store);
    let fresh = synced(&log);
    for store in [&mut a.t.store, &mut b.store, &mut c.store] {
        log.pull(store);
    }
    let notice_of_h = |s: &Store| {
        let n = notices(s);
        n.len() == 1 && n[0].ends_with(&format!("|{h}"))
    };
    for store in [&a.t.store, &b.store, &c.store, &fresh.store] {
        assert_no_held(store);
        assert_eq!(
            [e, d, h].map(|id| status_of(store, id)),
            [S::Cancelled, S::Booked, S::NeedsReschedule]
        );
        assert!(notice_of_h(store), "{:?}", notices(store));
        assert_eq!(appointment_dump(store), appointment_dump(&fresh.store));
    }
}

/// Device B moves Ada's appointment onto a time device A has just booked,
/// while A checks her in: the arrival stands, but the time it was moved to is
/// A's — it needs a new time everywhere. The front desk on B then cancels it
/// (an arrival beats a cancellation) or moves it to a free time (the arrival
/// stays): B ends as every device ends, at once, not only once it syncs.
#[test]
fn a_change_made_here_to_an_arrival_that_lost_its_time_ends_as_everywhere() {
    for cancel_it in [true, false] {
        let (mut a, mut log) = world();
        let (by, kind, doctor) = (desk(&a.desk), a.kind.clone(), a.doctor.staff_id);
        let x = book_on(
            &mut a.t.store,
            a.patient,
            doctor,
            &kind,
            "2027-03-02T11:00:00Z",
            &by,
        );
        log.push(&mut a.t.store);
        let mut b = synced(&log);
        let bob = bob_on(&a.t.store);
        let y = book_on(&mut a.t.store, bob, doctor, &kind, SLOT, &by);
        move_to(&mut b.store, x, SLOT, doctor, &by);
        set_status(&mut a.t.store, x, S::CheckedIn, &by);
        let mut c = exchange(&mut log, &mut a.t.store, &mut b.store);
        for store in [&a.t.store, &b.store, &c.store] {
            assert_eq!(
                [x, y].map(|id| status_of(store, id)),
                [S::NeedsReschedule, S::Booked]
            );
        }
        let ends = if cancel_it {
            cancel(&mut b.store, x, "Left", &by);
            S::NeedsReschedule
        } else {
            move_to(&mut b.store, x, "2027-03-02T14:00:00Z", doctor, &by);
            S::CheckedIn
        };
        assert_eq!(status_of(&b.store, x), ends, "cancel: {cancel_it}");
        let _ = exchange(&mut log, &mut b.store, &mut a.t.store);
        log.pull(&mut c.store);
        for store in [&a.t.store, &b.store, &c.store] {
            assert_no_held(store);
            assert_eq!(status_of(store, x), ends, "cancel: {cancel_it}");
            assert_eq!(appointment_dump(store), appointment_dump(&c.store));
            assert_eq!(notices(store), notices(&c.store));
        }
    }
}

#[test]
fn configuration_is_last_writer_wins_in_either_push_order() {
    for later_pushes_first in [false, true] {
        let (mut a, mut log) = world();
        let mut b = synced(&log);
        let by = desk(&a.admin);
        let kind = a.kind.clone();
        let rename = |s: &mut Store, name: &str| {
            let r = SaveAppointmentType {
                id: Some(kind.id),
                expected_version: Some(
                    config::appointment_type(s.conn(), kind.id).unwrap().version,
                ),
                name: name.into(),
                duration_minutes: 30,
                colour: "#3b82f6".into(),
                active: true,
            };
            config::save_appointment_type(s, &by, r).unwrap();
        };
        // A renames (twice) first, B later: B's name wins, the version is the highest. B sets the idle time first, A later: A's wins.
        clock_ahead(&mut a.t.store, 60_000);
        rename(&mut a.t.store, "Alfa");
        rename(&mut a.t.store, "Alpha");
        clock_ahead(&mut b.store, 120_000);
        rename(&mut b.store, "Beta");
        config::set_settings(&mut b.store, &by, settings("Europe/London", 300)).unwrap();
        clock_ahead(&mut a.t.store, 180_000);
        config::set_settings(&mut a.t.store, &by, settings("Europe/London", 120)).unwrap();
        let c = if later_pushes_first {
            exchange(&mut log, &mut b.store, &mut a.t.store)
        } else {
            exchange(&mut log, &mut a.t.store, &mut b.store)
        };
        for store in [&a.t.store, &b.store, &c.store] {
            assert_no_held(store);
            let t = config::appointment_type(store.conn(), kind.id).unwrap();
            assert_eq!((t.name.as_str(), t.version), ("Beta", 3));
            assert_eq!(
                config::settings(store.conn()).unwrap().kiosk_idle_seconds,
                120
            );
            assert_eq!(config_dump(store), config_dump(&c.store));
        }
    }
}

#[test]
fn a_cancellation_wins_over_a_concurrent_move_and_a_move_cancels_the_old_reminder() {
    for cancel_later in [false, true] {
        let (mut a, mut log) = world();
        let (by, kind, doctor) = (desk(&a.desk), a.kind.clone(), a.doctor.staff_id);
        let mut b = synced(&log);
        // Booked on B (B queues its reminder), seen by A.
        let id = book_on(&mut b.store, a.patient, doctor, &kind, SLOT, &by);
        log.push(&mut b.store);
        log.pull(&mut a.t.store);
        let (mover, canceller) = if cancel_later {
            (60_000, 120_000)
        } else {
            (120_000, 60_000)
        };
        clock_ahead(&mut a.t.store, mover);
        move_to(&mut a.t.store, id, "2027-03-02T15:00:00Z", doctor, &by);
        assert_eq!(queued(&a.t.store, id), "1");
        clock_ahead(&mut b.store, canceller);
        set_status(&mut b.store, id, S::Confirmed, &by);
        cancel(&mut b.store, id, "Feeling better", &by);
        let c = exchange(&mut log, &mut a.t.store, &mut b.store);
        for store in [&a.t.store, &b.store, &c.store] {
            assert_no_held(store);
            let x = appointments::get(store.conn(), id).unwrap();
            assert_eq!(x.status, S::Cancelled, "cancel later: {cancel_later}");
            assert_eq!((x.cancel_reason.as_str(), x.version), ("Feeling better", 3));
            // The move is kept (a cancelled appointment holds no time).
            assert_eq!(x.starts_at, stored("2027-03-02T15:00:00Z"));
            assert_eq!(queued(store, id), "0");
            assert_eq!(appointment_dump(store), appointment_dump(&c.store));
        }
    }
}

#[test]
fn an_arrival_wins_over_a_concurrent_cancellation() {
    let (mut a, mut log) = world();
    let by = desk(&a.desk);
    let id = book_on(
        &mut a.t.store,
        a.patient,
        a.doctor.staff_id,
        &a.kind,
        SLOT,
        &by,
    );
    log.push(&mut a.t.store);
    let mut b = synced(&log);
    clock_ahead(&mut b.store, 60_000);
    cancel(&mut b.store, id, "Left a message", &by);
    set_status(&mut a.t.store, id, S::CheckedIn, &by);
    let c = exchange(&mut log, &mut b.store, &mut a.t.store);
    for store in [&a.t.store, &b.store, &c.store] {
        assert_no_held(store);
        let x = appointments::get(store.conn(), id).unwrap();
        assert_eq!((x.status, x.version), (S::CheckedIn, 2));
        assert_eq!(x.checked_in_at.as_deref(), Some(stored(NOW).as_str()));
        assert_eq!(appointment_dump(store), appointment_dump(&c.store));
    }
}

#[test]
fn a_waitlist_entry_booked_on_one_device_and_removed_on_another_ends_booked() {
    let (mut a, mut log) = world();
    let (by, kind) = (desk(&a.desk), a.kind.clone());
    let entry = waitlist_entry(&mut a.t.store, a.patient, &kind, &by);
    log.push(&mut a.t.store);
    let mut b = synced(&log);
    let mut r = request(a.patient, a.doctor.staff_id, &kind, SLOT);
    r.waitlist_entry_id = Some(entry);
    booking::book(&mut b.store, &by, r, now()).unwrap();
    waitlist::remove(&mut a.t.store, &by, RemoveFromWaitlist { id: entry }).unwrap();
    let c = exchange(&mut log, &mut b.store, &mut a.t.store);
    let sql = format!("SELECT status FROM waitlist_entry WHERE id = '{entry}'");
    for store in [&a.t.store, &b.store, &c.store] {
        assert_eq!(rows(store, &sql), ["booked"]);
    }
}

fn foreign_op(kind: OpKind, entity_id: &str, payload: serde_json::Value, seq: u64) -> LoggedOp {
    let device = DeviceId::new();
    let millis = chrono::Utc::now().timestamp_millis() as u64;
    let op = Op {
        op_id: OpId::new(),
        device_counter: 1,
        hlc: Hlc {
            millis,
            counter: 0,
            device,
        },
        kind,
        entity: EntityKind::Appointment,
        entity_id: entity_id.into(),
        payload,
        schema_version: SCHEMA_VERSION,
    };
    LoggedOp {
        seq,
        device_id: device,
        op,
    }
}

#[test]
fn a_malformed_or_unappliable_op_is_held_with_nothing_half_applied() {
    let (a, log) = world();
    let mut b = synced(&log);
    let by = desk(&a.desk);
    // B's own booking, not yet ordered by the server: an incoming booking of the
    // same time would demote it — but this one cannot be stored (unknown patient).
    let own = book_on(
        &mut b.store,
        a.patient,
        a.doctor.staff_id,
        &a.kind,
        SLOT,
        &by,
    );
    let booking = |patient: String, starts_at: &str| {
        json!({
            "patient_id": patient, "provider_id": a.doctor.staff_id.to_string(),
            "appointment_type_id": a.kind.id.to_string(), "room_id": null,
            "starts_at": starts_at, "ends_at": "2027-03-02T10:30:00.000Z", "status": "booked",
            "series_id": null, "check_in_code": "ABCDEF", "note": "",
        })
    };
    let (next, fresh, own_id) = (
        log.ops.len() as u64,
        || AppointmentId::new().to_string(),
        own.to_string(),
    );
    let page = [
        (OpKind::BookAppointment, fresh(), booking(PatientId::new().to_string(), SLOT)),
        (OpKind::BookAppointment, fresh(), booking(a.patient.to_string(), "next Tuesday")),
        (OpKind::SetAppointmentStatus, own_id.clone(), json!({ "status": "gone", "version": 2 })),
        (
            OpKind::RescheduleAppointment,
            own_id,
            json!({ "provider_id": a.doctor.staff_id.to_string(), "starts_at": SLOT, "status": "booked", "version": 2 }),
        ),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (kind, id, payload))| foreign_op(kind, &id, payload, next + 1 + i as u64))
    .collect::<Vec<_>>();
    let state = |s: &Store| {
        let notes = rows(s, "SELECT id FROM notification ORDER BY id");
        (appointment_dump(s), notes, queued(s, own))
    };
    let before = state(&b.store);
    let summary = sync::apply_page(&mut b.store, &page, None).unwrap();
    assert_eq!((summary.applied, summary.held), (0, 4));
    assert_eq!(state(&b.store), before);
    assert_eq!(
        appointments::get(b.store.conn(), own).unwrap().status,
        S::Booked
    );
    let reasons: Vec<String> = held(&b.store).into_iter().map(|h| h.1).collect();
    assert!(reasons[1].contains("'starts_at'"), "{reasons:?}");
    assert!(reasons[2].contains("'status'"), "{reasons:?}");
    assert!(reasons[3].contains("'ends_at'"), "{reasons:?}");
    // Reasons name fields, never values.
    assert!(reasons
        .iter()
        .all(|r| !r.contains("next Tuesday") && !r.contains("gone")));
}

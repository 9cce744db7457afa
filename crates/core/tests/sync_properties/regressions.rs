//! Minimal histories the properties shrank to — divergences and bugs they found,
//! all fixed — checked strictly.
use super::*;

// Divergences the properties found, as the minimal histories they shrank to,
// checked without any `KNOWN` leniency (`STRICT`). A new one goes here as an
// `#[ignore]`d test with its `KNOWN` flag set until it is fixed.

pub(crate) const STRICT: Known = Known {
    stamps: false,
    identity_conflicts: false,
    duplicates: false,
    appointment_status: false,
};

pub(crate) fn known_bug(skews: [i64; DEVICES], steps: Vec<Step>) {
    let h = History { skews, steps };
    if let Err(e) = converges(&h, 1, STRICT) {
        panic!("{e}");
    }
}

/// Device 2 edits Bob's sex Female → Unknown, then back to Female; device 0,
/// concurrently, Female → Other (clocks: d2's first edit < d0's < d2's second).
/// Log (final round): d0's edit, d2's two. Devices 0 and 1 recorded two identity
/// conflicts ({Other, Unknown} and {Female, Other}), device 2 none: d0's edit
/// arrived there based on Female while Female was shown again (A-B-A). Pairs are
/// now decided from the edits (their `base_clock`), not the value shown: both
/// pairs on every device.
#[test]
pub(crate) fn identity_conflicts_do_not_depend_on_the_order_edits_arrive_in() {
    let sex = |dev, value| Step::Edit {
        dev,
        patient: 1,
        field: Field::Sex,
        value,
    };
    known_bug([0; DEVICES], vec![sex(2, 2), sex(0, 1), sex(2, 0)]);
}

/// Devices 1 and 0 register Zoe Twin offline (each finds no candidate), then
/// device 0 renames its Zoe "Ada" before pushing. Log: d0's registration, d0's
/// rename, d1's registration. Device 1 flagged the pair as a possible duplicate
/// (d0's Zoe arrived while its own Zoe was there); devices 0 and 2 did not (d1's
/// Zoe arrived after the rename). Registrations are now compared as registered:
/// the pair is flagged on every device.
#[test]
pub(crate) fn duplicate_detection_does_not_depend_on_local_state() {
    let twin = |dev| Step::RegisterTwin {
        dev,
        confirmed: false,
    };
    let rename = Step::Edit {
        dev: 0,
        patient: 3,
        field: Field::GivenName,
        value: 0,
    };
    known_bug([0; DEVICES], vec![twin(1), twin(0), rename]);
}

/// Device 1 registers Zoe Twin twice, staff confirming the second is someone
/// else: device 1 had no conflict, devices 0 and 2 flagged the pair. The
/// registration now lists the same-key patients its device held (`known`):
/// no device flags it.
#[test]
pub(crate) fn a_registration_confirmed_as_new_is_not_flagged_on_other_devices() {
    let twin = |confirmed| Step::RegisterTwin { dev: 1, confirmed };
    known_bug([0; DEVICES], vec![twin(false), twin(true)]);
}

/// Device 1 books Dr Lind at 09:00 and cancels it; device 2, offline, books
/// Dr Lind at 09:00 too. Log: d1's booking, d1's cancellation, d2's booking —
/// so d2's booking is ordered after the time was freed: devices 0 and 1 have it
/// `booked`. Device 2 demoted its own (tentative) booking to `needs_reschedule`
/// when d1's booking arrived and kept it so for good. Who holds a time is now
/// re-derived whenever a claim on it changes: the cancellation gives device 2's
/// booking its time back, `booked` on every device, no notification left.
#[test]
pub(crate) fn an_own_tentative_booking_gets_its_time_back_when_the_log_frees_it() {
    let book = |dev| Step::Book {
        dev,
        patient: 0,
        provider: 1,
        slot: 0,
    };
    known_bug(
        [0; DEVICES],
        vec![book(1), book(2), Step::Cancel { dev: 1, appt: 2 }],
    );
}

/// Device 2 books Dr Lind at 09:00 then moves it to Dr Okafor at 09:00; device
/// 0, offline, books Dr Lind at 09:00. Log: d0's booking, d2's booking, d2's
/// move. Devices 0 and 1 demote d2's booking when it arrives (the time is d0's),
/// then the move gives it a free time: every device ends with both booked.
/// Devices 0 and 1 told the front desk it needed a new time, device 2 — which
/// never saw the transient demotion — did not. The notification now lasts as
/// long as the need: withdrawn by the move, on no device in the end.
#[test]
pub(crate) fn a_transient_demotion_leaves_no_notification_on_any_device() {
    known_bug(
        [0; DEVICES],
        vec![
            Step::Book {
                dev: 2,
                patient: 0,
                provider: 1,
                slot: 0,
            },
            Step::Reschedule {
                dev: 2,
                appt: 2,
                provider: 0,
                slot: 0,
            },
            Step::Book {
                dev: 0,
                patient: 0,
                provider: 1,
                slot: 0,
            },
        ],
    );
}

/// Device 0's clock is 4 s ahead. Device 1 pulls d0's chart entry (its HLC
/// jumps ahead of its own wall clock), then records an entry: device 1 stamped
/// `recorded_at`/`updated_at` with its wall clock (08:00:04), every other device
/// with the op's HLC time (08:00:05). Local writes now stamp with the HLC time
/// when it ran ahead of the wall clock.
#[test]
pub(crate) fn stamps_agree_under_clock_skew() {
    let add = |dev| Step::AddEntry {
        dev,
        patient: 0,
        kind: 0,
    };
    let pull = Step::Pull {
        dev: 1,
        rewind: 0,
        page: 0,
        twice: false,
        lose: None,
    };
    let push = Step::Push {
        dev: 0,
        batch: 0,
        lost_ack: false,
    };
    known_bug([4_000, 0, 0], vec![add(0), push, pull, add(1)]);
}

/// Device 0 books Dr Lind at 09:00 and pushes; device 1 pulls it and cancels it
/// (not pushed yet); device 2, which never pulled, books Dr Lind at 09:00 and
/// pushes; device 1 pulls that. Log: d0's booking, d2's booking, d1's
/// cancellation. Devices 0 and 2 (and a fresh device) demoted d2's booking for
/// good (d0's held the time when it arrived); device 1, whose unpushed
/// cancellation had freed the time, booked it. The cancellation now gives the
/// time back wherever it arrives: `booked` on every device, no notification left.
#[test]
pub(crate) fn a_cancellation_frees_the_time_alike_on_the_device_that_made_it() {
    let book = |dev| Step::Book {
        dev,
        patient: 0,
        provider: 1,
        slot: 0,
    };
    let push = |dev| Step::Push {
        dev,
        batch: 0,
        lost_ack: false,
    };
    let pull = Step::Pull {
        dev: 1,
        rewind: 0,
        page: 0,
        twice: false,
        lose: None,
    };
    known_bug(
        [0; DEVICES],
        vec![
            book(0),
            push(0),
            pull.clone(),
            Step::Cancel { dev: 1, appt: 2 },
            book(2),
            push(2),
            pull,
        ],
    );
}

// ---------------------------------------------------------------------------
// Regressions: minimal histories of bugs the properties found and that are fixed.

/// Shrunk by `schedules_converge_on_every_device_and_no_booking_is_lost`. Device
/// 0 books Dr Okafor at 09:00; device 1 moves Ada's 09:30 appointment (appt#0)
/// to Dr Okafor at 09:00 and then cancels it; device 0 checks Ada in (at 09:30).
/// Log: d0's booking, d0's check-in, d1's move, d1's cancellation. An arrival
/// beats a cancellation, but it was refused its (moved) time: devices 0 and 2
/// ended `cancelled` (the refused arrival was stored as `needs_reschedule`,
/// which the later cancellation beat), device 1 — which had cancelled before
/// the check-in arrived — `needs_reschedule`. The status is now merged over the
/// set of status ops known (the same in any order): `needs_reschedule` on every
/// device (checked in, but the time it was moved to is taken).
#[test]
pub(crate) fn an_arrival_refused_its_time_still_beats_a_cancellation_in_any_order() {
    let h = History {
        skews: [0; DEVICES],
        steps: vec![
            Step::Book {
                dev: 0,
                patient: 0,
                provider: 0,
                slot: 0,
            },
            Step::Reschedule {
                dev: 1,
                appt: 0,
                provider: 0,
                slot: 0,
            },
            Step::Cancel { dev: 1, appt: 0 },
            Step::CheckIn { dev: 0, appt: 0 },
        ],
    };
    if let Err(e) = converges(&h, 1, KNOWN) {
        panic!("{e}");
    }
}

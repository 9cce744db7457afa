//! The properties: random histories converge; replaying an applied prefix changes nothing.
use super::*;

// ---------------------------------------------------------------------------
// Properties

/// `cases`, or `SYNC_PROPERTY_CASES` when set (longer explorations by hand).
pub(crate) fn config(cases: u32) -> Config {
    let cases = std::env::var("SYNC_PROPERTY_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        max_shrink_iters: 400,
        failure_persistence: None,
        ..Config::default()
    }
}

pub(crate) fn fail(h: &History, w: &World, what: String) -> TestCaseError {
    TestCaseError::fail(format!(
        "{what}\n--- {h:?}\n--- what each step did:\n  {}",
        w.trace.join("\n  ")
    ))
}

/// Runs `h`, the final round, and the convergence checks (minus `known`).
pub(crate) fn converges(
    h: &History,
    newcomer_page: u64,
    known: Known,
) -> Result<(), TestCaseError> {
    let mut w = World::new(h.skews);
    for s in &h.steps {
        w.run(s);
    }
    w.final_round();
    check_converged(&w, newcomer_page, known).map_err(|e| fail(h, &w, e))
}

pub(crate) fn check_property(v: Vocabulary, cases: u32, steps: std::ops::Range<usize>) {
    let mut runner = TestRunner::new(config(cases));
    let result = runner.run(&(history(v, steps), 1..5u64), |(h, page)| {
        converges(&h, page, KNOWN)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Demographics and registrations only.
#[test]
pub(crate) fn patients_converge_on_every_device() {
    let v = Vocabulary {
        patients: true,
        chart: false,
        schedule: false,
    };
    check_property(v, 24, 1..28);
}

/// Chart entries and their statuses only.
#[test]
pub(crate) fn charts_converge_on_every_device() {
    let v = Vocabulary {
        patients: false,
        chart: true,
        schedule: false,
    };
    check_property(v, 24, 1..28);
}

/// Bookings, moves, confirmations, check-ins and cancellations only.
#[test]
pub(crate) fn schedules_converge_on_every_device_and_no_booking_is_lost() {
    let v = Vocabulary {
        patients: false,
        chart: false,
        schedule: true,
    };
    check_property(v, 48, 1..28);
}

/// The whole vocabulary at once.
#[test]
pub(crate) fn everything_converges_on_every_device() {
    check_property(EVERYTHING, 24, 1..36);
}

/// Replaying an already-applied prefix of the log on a device — at any point of
/// a history, from any earlier cursor, in any page size — changes nothing on it.
#[test]
pub(crate) fn replaying_an_applied_prefix_changes_nothing() {
    let mut runner = TestRunner::new(config(16));
    let strategy = (history(EVERYTHING, 1..24), 1..4u64);
    let result = runner.run(&strategy, |(h, page)| {
        let mut w = World::new(h.skews);
        for s in &h.steps {
            w.run(s);
            let Step::Pull { dev, .. } = *s else { continue };
            let store = &mut w.devices[dev as usize].store;
            let before = everything(store);
            let applied = cursor(store);
            let mut from = 0;
            while from < applied {
                let to = (from + page).min(applied);
                apply(store, &w.log, from, to);
                from = to;
            }
            if let Some(diff) = difference(&before, &everything(store)) {
                let what = format!("replaying (0,{applied}] on device {dev} changed {diff}");
                return Err(fail(&h, &w, what));
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

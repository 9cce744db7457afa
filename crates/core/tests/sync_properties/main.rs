//! Property tests of sync convergence (DESIGN.md §5): random histories on three
//! devices (real encrypted stores) working through the real core use cases —
//! demographic edits (identity fields included), chart entries and their
//! statuses, bookings, moves, confirmations, check-ins and cancellations of the
//! same provider slots, the same person registered twice — interleaved with
//! pushes and pulls to an in-process ordered log standing in for the server.
//!
//! The log orders ops as the server does (gap-free seqs, a push idempotent by op
//! id); deliveries are imperfect as a real network's are: pushes in batches and
//! with lost acknowledgements (pushed again later), pulls in pages of any size,
//! pages applied twice, pages lost (the device re-pulls from its saved cursor),
//! pulls from an older cursor and replays of old pages (overlapping pages).
//!
//! After a final full push and pull on every device:
//! - every device holds the same domain rows (patients with their field clocks
//!   and search tokens, chart entries, appointments with their statuses, open
//!   conflicts, the "needs a new time" notifications), and so does a fresh device
//!   that pulls the whole log in random pages with replays (`KNOWN` would exempt
//!   a divergence found and not fixed yet: none at present; the minimal
//!   histories of those found and fixed are in `regressions`);
//! - no op is held; every op of the log from another device is applied exactly
//!   once on each device; nothing is left to push, nothing tentative;
//! - no booking is lost (each is on every device, holding its time or needing
//!   a new one, unless an op cancelled it or marked it a no-show), and no two
//!   appointments holding time overlap for one provider.
//!
//! And: replaying any already-applied prefix of the log on a device, at any
//! point of a history, changes nothing on it (local rows included).
//!
//! Case counts are small (every case opens four SQLCipher stores; the whole
//! file runs in well under a minute). For a longer search by hand:
//! `SYNC_PROPERTY_CASES=500 cargo test -p clinic-core --test sync_properties`.
//! A failure prints the shrunk history and what each of its steps did.
#[path = "../common/mod.rs"]
mod common;
#[path = "../identity_common/mod.rs"]
mod identity_common;
#[path = "../schedule_common/mod.rs"]
mod schedule_common;
#[path = "../sync_common/mod.rs"]
mod sync_common;

mod compare;
mod histories;
mod properties;
mod regressions;
use properties::converges;
mod world;
use compare::*;
use histories::*;
use world::*;

use chrono::{DateTime, Utc};
use clinic_core::schedule::{appointments, booking};
use clinic_core::sync::{self, state::Enrollment};
use clinic_core::{chart, registry, Caller, CoreError};
use clinic_protocol::{
    AddChartEntry, AllergyDetails, AllergySeverity, AppointmentId, AppointmentStatus as S,
    AppointmentType, CancelAppointment, ChartEntryDetails, ChartEntryId, ClinicId,
    MedicationDetails, OpKind, PatientDetails, PatientId, ProblemDetails, RegisterOutcome,
    RegisterPatient, RescheduleAppointment, SessionInfo, SetAppointmentStatus, SetChartEntryStatus,
    Sex, UpdateChartEntry, UpdatePatient,
};
use clinic_store::Store;
use common::{TestStore, AUDIT_KEY};
use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use sync_common::{held, rows, Log};

pub(crate) const DEVICES: usize = 3;
/// The business clock of the use cases; appointments are the day after.
pub(crate) const NOW: &str = "2027-03-01T08:00:00Z";
/// Bookable starts (Tuesday morning, both doctors work 09:00–12:30): 30-minute
/// appointments every 15 minutes, so bookings overlap partly as well as exactly.
pub(crate) const SLOTS: [&str; 4] = [
    "2027-03-02T09:00:00Z",
    "2027-03-02T09:15:00Z",
    "2027-03-02T09:30:00Z",
    "2027-03-02T10:00:00Z",
];
/// Simulated time between two steps of a history.
pub(crate) const STEP_MS: u64 = 1_000;

pub(crate) fn now() -> DateTime<Utc> {
    schedule_common::utc(NOW)
}

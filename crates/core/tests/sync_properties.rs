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
//!   that pulls the whole log in random pages with replays — except for the
//!   divergences these properties found that are not fixed yet (`KNOWN`, each
//!   reproduced by an ignored `known_*` test);
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
mod common;
mod identity_common;
mod schedule_common;
mod sync_common;

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

const DEVICES: usize = 3;
/// The business clock of the use cases; appointments are the day after.
const NOW: &str = "2027-03-01T08:00:00Z";
/// Bookable starts (Tuesday morning, both doctors work 09:00–12:30): 30-minute
/// appointments every 15 minutes, so bookings overlap partly as well as exactly.
const SLOTS: [&str; 4] = [
    "2027-03-02T09:00:00Z",
    "2027-03-02T09:15:00Z",
    "2027-03-02T09:30:00Z",
    "2027-03-02T10:00:00Z",
];
/// Simulated time between two steps of a history.
const STEP_MS: u64 = 1_000;

fn now() -> DateTime<Utc> {
    schedule_common::utc(NOW)
}

// ---------------------------------------------------------------------------
// Histories

/// A demographic field an edit changes (the first three are identity fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    GivenName,
    DateOfBirth,
    Sex,
    Phone,
    Email,
}

impl Field {
    const ALL: [Field; 5] = [
        Field::GivenName,
        Field::DateOfBirth,
        Field::Sex,
        Field::Phone,
        Field::Email,
    ];

    /// Sets the field to its `v`-th value (few values, so edits collide).
    fn set(self, d: &mut PatientDetails, v: u8) -> String {
        let v = v as usize % 3;
        match self {
            Field::GivenName => d.given_name = ["Ada", "Adah", "Ava"][v].into(),
            Field::DateOfBirth => {
                d.date_of_birth = ["1990-12-10", "1990-12-01", "1991-10-12"][v].into()
            }
            Field::Sex => d.sex = Some([Sex::Female, Sex::Other, Sex::Unknown][v]),
            Field::Phone => {
                d.phone = ["+44 20 7946 0018", "+44 20 7946 0101", "+44 20 7946 0202"][v].into()
            }
            Field::Email => d.email = ["a@example.org", "b@example.org", "c@example.org"][v].into(),
        }
        match self {
            Field::GivenName => d.given_name.clone(),
            Field::DateOfBirth => d.date_of_birth.clone(),
            Field::Sex => format!("{:?}", d.sex),
            Field::Phone => d.phone.clone(),
            Field::Email => d.email.clone(),
        }
    }
}

/// One step of a history. Entities are named by their index in the order the
/// history created them (taken modulo how many exist); a step naming one its
/// device has not received yet does nothing.
#[derive(Clone, PartialEq, Eq)]
enum Step {
    /// Edits one demographic field of a patient (`update_patient`).
    Edit {
        dev: u8,
        patient: u8,
        field: Field,
        value: u8,
    },
    /// Registers the same person ("Zoe Twin") again. As at the desk the
    /// duplicate check runs first: a candidate found here is picked (nothing
    /// registered) unless `confirmed` (staff confirm it is someone else).
    RegisterTwin {
        dev: u8,
        confirmed: bool,
    },
    /// Records a chart entry (0 medication, 1 allergy, 2 problem).
    AddEntry {
        dev: u8,
        patient: u8,
        kind: u8,
    },
    /// Corrects a medication's dose (other kinds: their text).
    CorrectEntry {
        dev: u8,
        entry: u8,
        value: u8,
    },
    /// Sets an entry's status (the `status`-th its kind allows).
    EntryStatus {
        dev: u8,
        entry: u8,
        status: u8,
    },
    /// Books a slot of a doctor for a patient.
    Book {
        dev: u8,
        patient: u8,
        provider: u8,
        slot: u8,
    },
    /// Moves an appointment to a slot of a doctor.
    Reschedule {
        dev: u8,
        appt: u8,
        provider: u8,
        slot: u8,
    },
    Cancel {
        dev: u8,
        appt: u8,
    },
    Confirm {
        dev: u8,
        appt: u8,
    },
    CheckIn {
        dev: u8,
        appt: u8,
    },
    /// Pushes up to `batch` pending ops (0: all); `lost_ack`: the response is lost.
    Push {
        dev: u8,
        batch: u8,
        lost_ack: bool,
    },
    /// Pulls from the saved cursor moved back by `rewind` (an overlapping pull)
    /// to the head, in pages of `page` ops (0: one page); each page applied twice
    /// when `twice`; page number `lose` (if any) is lost, ending the pull there.
    Pull {
        dev: u8,
        rewind: u8,
        page: u8,
        twice: bool,
        lose: Option<u8>,
    },
    /// A delayed duplicate of an old page arrives: the ops after `start` (a seq)
    /// up to `start + len`, all already applied, with that page's (older) cursor.
    Replay {
        dev: u8,
        start: u8,
        len: u8,
    },
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Step::*;
        match self {
            Edit {
                dev,
                patient,
                field,
                value,
            } => write!(
                f,
                "d{dev}: edit patient#{patient} {field:?} := value#{value}"
            ),
            RegisterTwin { dev, confirmed } => {
                write!(f, "d{dev}: register Zoe Twin (confirmed new: {confirmed})")
            }
            AddEntry { dev, patient, kind } => {
                write!(f, "d{dev}: add entry kind#{kind} to patient#{patient}")
            }
            CorrectEntry { dev, entry, value } => {
                write!(f, "d{dev}: correct entry#{entry} := value#{value}")
            }
            EntryStatus { dev, entry, status } => {
                write!(f, "d{dev}: entry#{entry} status#{status}")
            }
            Book {
                dev,
                patient,
                provider,
                slot,
            } => write!(
                f,
                "d{dev}: book patient#{patient} with doctor#{provider} at slot#{slot}"
            ),
            Reschedule {
                dev,
                appt,
                provider,
                slot,
            } => write!(
                f,
                "d{dev}: move appt#{appt} to doctor#{provider} slot#{slot}"
            ),
            Cancel { dev, appt } => write!(f, "d{dev}: cancel appt#{appt}"),
            Confirm { dev, appt } => write!(f, "d{dev}: confirm appt#{appt}"),
            CheckIn { dev, appt } => write!(f, "d{dev}: check in appt#{appt}"),
            Push {
                dev,
                batch,
                lost_ack,
            } => write!(f, "d{dev}: push batch={batch} lost_ack={lost_ack}"),
            Pull {
                dev,
                rewind,
                page,
                twice,
                lose,
            } => write!(
                f,
                "d{dev}: pull rewind={rewind} page={page} twice={twice} lose={lose:?}"
            ),
            Replay { dev, start, len } => write!(f, "d{dev}: replay start={start} len={len}"),
        }
    }
}

/// A history: per-device clock skews (ms) and the steps.
#[derive(Clone)]
struct History {
    skews: [i64; DEVICES],
    steps: Vec<Step>,
}

impl fmt::Debug for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "History {{ skews(ms): {:?}", self.skews)?;
        for (i, s) in self.steps.iter().enumerate() {
            writeln!(f, "  {i:>2}. {s:?}")?;
        }
        write!(f, "}}")
    }
}

/// Which parts of the vocabulary a property uses.
#[derive(Clone, Copy, Debug)]
struct Vocabulary {
    patients: bool,
    chart: bool,
    schedule: bool,
}

const EVERYTHING: Vocabulary = Vocabulary {
    patients: true,
    chart: true,
    schedule: true,
};

fn step(v: Vocabulary) -> BoxedStrategy<Step> {
    let dev = || 0..DEVICES as u8;
    let idx = || 0..4u8;
    let mut choices: Vec<(u32, BoxedStrategy<Step>)> = vec![
        (
            4,
            (dev(), 0..4u8, any::<bool>())
                .prop_map(|(dev, batch, lost_ack)| Step::Push {
                    dev,
                    batch,
                    lost_ack: lost_ack && batch % 2 == 1,
                })
                .boxed(),
        ),
        (
            4,
            (
                dev(),
                prop_oneof![3 => Just(0u8), 1 => 1..6u8],
                0..4u8,
                prop_oneof![3 => Just(false), 1 => Just(true)],
                prop_oneof![3 => Just(None), 1 => (0..3u8).prop_map(Some)],
            )
                .prop_map(|(dev, rewind, page, twice, lose)| Step::Pull {
                    dev,
                    rewind,
                    page,
                    twice,
                    lose,
                })
                .boxed(),
        ),
        (
            1,
            (dev(), 0..30u8, 1..6u8)
                .prop_map(|(dev, start, len)| Step::Replay { dev, start, len })
                .boxed(),
        ),
    ];
    if v.patients {
        let fields = proptest::sample::select(Field::ALL.to_vec());
        choices.push((
            4,
            (dev(), idx(), fields, 0..3u8)
                .prop_map(|(dev, patient, field, value)| Step::Edit {
                    dev,
                    patient,
                    field,
                    value,
                })
                .boxed(),
        ));
        choices.push((
            1,
            (dev(), prop_oneof![3 => Just(false), 1 => Just(true)])
                .prop_map(|(dev, confirmed)| Step::RegisterTwin { dev, confirmed })
                .boxed(),
        ));
    }
    if v.chart {
        choices.push((
            2,
            (dev(), idx(), 0..3u8)
                .prop_map(|(dev, patient, kind)| Step::AddEntry { dev, patient, kind })
                .boxed(),
        ));
        choices.push((
            2,
            (dev(), idx(), 0..3u8)
                .prop_map(|(dev, entry, value)| Step::CorrectEntry { dev, entry, value })
                .boxed(),
        ));
        choices.push((
            2,
            (dev(), idx(), 0..4u8)
                .prop_map(|(dev, entry, status)| Step::EntryStatus { dev, entry, status })
                .boxed(),
        ));
    }
    if v.schedule {
        choices.push((
            4,
            (dev(), idx(), 0..2u8, 0..SLOTS.len() as u8)
                .prop_map(|(dev, patient, provider, slot)| Step::Book {
                    dev,
                    patient,
                    provider,
                    slot,
                })
                .boxed(),
        ));
        choices.push((
            3,
            (dev(), idx(), 0..2u8, 0..SLOTS.len() as u8)
                .prop_map(|(dev, appt, provider, slot)| Step::Reschedule {
                    dev,
                    appt,
                    provider,
                    slot,
                })
                .boxed(),
        ));
        choices.push((
            2,
            (dev(), idx())
                .prop_map(|(dev, appt)| Step::Cancel { dev, appt })
                .boxed(),
        ));
        choices.push((
            2,
            (dev(), idx())
                .prop_map(|(dev, appt)| Step::Confirm { dev, appt })
                .boxed(),
        ));
        choices.push((
            1,
            (dev(), idx())
                .prop_map(|(dev, appt)| Step::CheckIn { dev, appt })
                .boxed(),
        ));
    }
    Union::new_weighted(choices).boxed()
}

fn history(v: Vocabulary, steps: std::ops::Range<usize>) -> impl Strategy<Value = History> {
    // Half the histories on agreeing clocks (where stamps are compared too),
    // half with devices up to 4 s apart.
    let skew = || prop_oneof![Just(0i64), -4_000i64..4_000];
    let skews = prop_oneof![Just([0; DEVICES]), [skew(), skew(), skew()]];
    (skews, proptest::collection::vec(step(v), steps))
        .prop_map(|(skews, steps)| History { skews, steps })
}

// ---------------------------------------------------------------------------
// The simulated clinic

struct World {
    devices: Vec<TestStore>,
    log: Log,
    /// Simulated wall-clock time (ms); each device reads it with its skew.
    clock: Arc<AtomicU64>,
    doctors: [SessionInfo; 2],
    desk: SessionInfo,
    kind: AppointmentType,
    /// Entities in the order the history created them (any device).
    patients: Vec<PatientId>,
    entries: Vec<ChartEntryId>,
    appointments: Vec<AppointmentId>,
    /// What each step did, for the failure report.
    trace: Vec<String>,
    /// Whether the devices' clocks disagree.
    skewed: bool,
}

fn set_clock(store: &mut Store, clock: &Arc<AtomicU64>, skew: i64) {
    let clock = Arc::clone(clock);
    store.set_wall_clock(Box::new(move || {
        (clock.load(Ordering::SeqCst) as i64 + skew) as u64
    }));
}

fn enroll(store: &mut Store, name: &str) {
    let e = Enrollment {
        server_url: "https://sync.test".into(),
        ca_pem: None,
        clinic_id: ClinicId::new(),
        device_token: "token".into(),
        device_name: name.into(),
    };
    sync::state::save_enrollment(store, &e, NOW).unwrap();
}

/// The saved cursor (a seq: the tests' cursors are `test:{seq}`).
fn cursor(store: &Store) -> u64 {
    sync::state::cursor(store.conn())
        .unwrap()
        .and_then(|c| c.strip_prefix("test:").map(str::to_string))
        .map_or(0, |s| s.parse().unwrap())
}

fn apply(store: &mut Store, log: &Log, from: u64, to: u64) {
    let page = log.page(from, to);
    sync::apply_page(store, &page, Some(&format!("test:{to}"))).unwrap();
}

impl World {
    /// Device 0 sets the clinic up (two doctors working Monday to Friday, a
    /// front desk, a 30-minute type, Ada and Bob, two chart entries and two
    /// appointments); every device then has pulled it.
    fn new(skews: [i64; DEVICES]) -> Self {
        let mut c = schedule_common::clinic();
        let bob = schedule_common::bob(&mut c.t.store);
        let clock = Arc::new(AtomicU64::new(now().timestamp_millis() as u64));
        let mut devices = vec![c.t];
        for _ in 1..DEVICES {
            devices.push(sync_common::device());
        }
        for (i, d) in devices.iter_mut().enumerate() {
            enroll(&mut d.store, &format!("device {i}"));
            set_clock(&mut d.store, &clock, skews[i]);
        }
        let mut w = World {
            devices,
            log: Log::default(),
            clock,
            doctors: [c.doctor, c.doctor2],
            desk: c.desk,
            kind: c.kind,
            patients: vec![c.patient, bob],
            entries: Vec::new(),
            appointments: Vec::new(),
            trace: Vec::new(),
            skewed: skews.iter().any(|s| *s != skews[0]),
        };
        // Shared from the start, so histories change them concurrently at once:
        // entry#0 (Ada's medication), entry#1 (Bob's allergy), appt#0 (Ada with
        // Dr Okafor at 09:30), appt#1 (Bob with Dr Lind at 10:00).
        let setup = [
            Step::AddEntry {
                dev: 0,
                patient: 0,
                kind: 0,
            },
            Step::AddEntry {
                dev: 0,
                patient: 1,
                kind: 1,
            },
            Step::Book {
                dev: 0,
                patient: 0,
                provider: 0,
                slot: 2,
            },
            Step::Book {
                dev: 0,
                patient: 1,
                provider: 1,
                slot: 3,
            },
        ];
        for step in &setup {
            w.step(step);
        }
        assert_eq!((w.entries.len(), w.appointments.len()), (2, 2));
        w.log.push_some(&mut w.devices[0].store, 10_000, true);
        let head = w.head();
        for d in &mut w.devices {
            apply(&mut d.store, &w.log, 0, head);
            assert_eq!(held(&d.store), vec![]);
        }
        w
    }

    fn head(&self) -> u64 {
        self.log.ops.len() as u64
    }

    fn pick<T: Copy>(list: &[T], i: u8) -> Option<T> {
        (!list.is_empty()).then(|| list[i as usize % list.len()])
    }

    fn run(&mut self, step: &Step) {
        self.clock.fetch_add(STEP_MS, Ordering::SeqCst);
        let outcome = self.step(step);
        self.trace.push(format!("{step:?} -> {outcome}"));
    }

    /// Carries a step out; returns what happened, for the trace.
    fn step(&mut self, step: &Step) -> String {
        match *step {
            Step::Edit {
                dev,
                patient,
                field,
                value,
            } => {
                let Some(id) = Self::pick(&self.patients, patient) else {
                    return "no patient".into();
                };
                let store = &mut self.devices[dev as usize].store;
                let Ok(current) = registry::get_patient(store.conn(), id) else {
                    return "not here".into();
                };
                let mut details = current.details.clone();
                let shown = field.set(&mut details, value);
                let request = UpdatePatient {
                    id,
                    expected_version: current.version,
                    details,
                };
                refused(registry::update_patient(store, &common::caller(), request))
                    .unwrap_or_else(|| format!("{id} {shown:?}"))
            }
            Step::RegisterTwin { dev, confirmed } => {
                let store = &mut self.devices[dev as usize].store;
                let zoe = schedule_common::person("Zoe", "Twin", "2001-02-03", "+44 20 7946 0303");
                let request = RegisterPatient {
                    details: zoe,
                    confirm_not_duplicate: confirmed,
                };
                match registry::register_patient(store, &common::caller(), request).unwrap() {
                    RegisterOutcome::Registered { patient } => {
                        self.patients.push(patient.id);
                        format!("patient#{} = {}", self.patients.len() - 1, patient.id)
                    }
                    RegisterOutcome::PossibleDuplicates { .. } => {
                        "already here: the existing record is picked".into()
                    }
                }
            }
            Step::AddEntry { dev, patient, kind } => {
                let Some(pid) = Self::pick(&self.patients, patient) else {
                    return "no patient".into();
                };
                let store = &mut self.devices[dev as usize].store;
                if registry::get_patient(store.conn(), pid).is_err() {
                    return "not here".into();
                }
                let caller = Caller::staff(&AUDIT_KEY, &self.doctors[0]);
                let request = AddChartEntry {
                    patient_id: pid,
                    details: details(kind, 0),
                };
                match chart::add_entry(store, &caller, request) {
                    Ok(e) => {
                        self.entries.push(e.id);
                        format!("entry#{} = {}", self.entries.len() - 1, e.id)
                    }
                    Err(e) => refusal(e),
                }
            }
            Step::CorrectEntry { dev, entry, value } => {
                let Some(id) = Self::pick(&self.entries, entry) else {
                    return "no entry".into();
                };
                let store = &mut self.devices[dev as usize].store;
                let Ok(current) = chart::get_entry(store.conn(), id) else {
                    return "not here".into();
                };
                let kind = match current.details {
                    ChartEntryDetails::Medication(_) => 0,
                    ChartEntryDetails::Allergy(_) => 1,
                    _ => 2,
                };
                let caller = Caller::staff(&AUDIT_KEY, &self.doctors[0]);
                let request = UpdateChartEntry {
                    id,
                    expected_version: current.version,
                    details: details(kind, value),
                };
                refused(chart::update_entry(store, &caller, request))
                    .unwrap_or_else(|| format!("{id} value#{}", value % 3))
            }
            Step::EntryStatus { dev, entry, status } => {
                let Some(id) = Self::pick(&self.entries, entry) else {
                    return "no entry".into();
                };
                let store = &mut self.devices[dev as usize].store;
                let Ok(current) = chart::get_entry(store.conn(), id) else {
                    return "not here".into();
                };
                let allowed = current.details.kind().statuses();
                let status = allowed[status as usize % allowed.len()];
                let caller = Caller::staff(&AUDIT_KEY, &self.doctors[0]);
                let request = SetChartEntryStatus {
                    id,
                    expected_version: current.version,
                    status,
                    reason: format!("why {}", status.as_str()),
                };
                refused(chart::set_status(store, &caller, request))
                    .unwrap_or_else(|| format!("{id} {}", status.as_str()))
            }
            Step::Book {
                dev,
                patient,
                provider,
                slot,
            } => {
                let Some(pid) = Self::pick(&self.patients, patient) else {
                    return "no patient".into();
                };
                let store = &mut self.devices[dev as usize].store;
                if registry::get_patient(store.conn(), pid).is_err() {
                    return "not here".into();
                }
                let doctor = self.doctors[provider as usize % 2].staff_id;
                let at = SLOTS[slot as usize % SLOTS.len()];
                let caller = Caller::staff(&AUDIT_KEY, &self.desk);
                let request = schedule_common::request(pid, doctor, &self.kind, at);
                match booking::book(store, &caller, request, now()) {
                    Ok(a) => {
                        self.appointments.push(a[0].id);
                        format!("appt#{} = {}", self.appointments.len() - 1, a[0].id)
                    }
                    Err(e) => refusal(e),
                }
            }
            Step::Reschedule {
                dev,
                appt,
                provider,
                slot,
            } => {
                let Some(id) = Self::pick(&self.appointments, appt) else {
                    return "no appointment".into();
                };
                let store = &mut self.devices[dev as usize].store;
                let Ok(current) = appointments::get(store.conn(), id) else {
                    return "not here".into();
                };
                let doctor = self.doctors[provider as usize % 2].staff_id;
                let request = RescheduleAppointment {
                    id,
                    expected_version: current.version,
                    starts_at: SLOTS[slot as usize % SLOTS.len()].into(),
                    provider_id: doctor,
                    room_id: None,
                };
                let caller = Caller::staff(&AUDIT_KEY, &self.desk);
                refused(booking::reschedule(store, &caller, request, now()))
                    .unwrap_or_else(|| format!("{id} moved"))
            }
            Step::Cancel { dev, appt } => {
                let Some(id) = Self::pick(&self.appointments, appt) else {
                    return "no appointment".into();
                };
                let store = &mut self.devices[dev as usize].store;
                let Ok(current) = appointments::get(store.conn(), id) else {
                    return "not here".into();
                };
                let request = CancelAppointment {
                    id,
                    expected_version: current.version,
                    reason: format!("cancelled on d{dev}"),
                };
                let caller = Caller::staff(&AUDIT_KEY, &self.desk);
                refused(booking::cancel(store, &caller, request, now()))
                    .unwrap_or_else(|| format!("{id} cancelled"))
            }
            Step::Confirm { dev, appt } | Step::CheckIn { dev, appt } => {
                let Some(id) = Self::pick(&self.appointments, appt) else {
                    return "no appointment".into();
                };
                let store = &mut self.devices[dev as usize].store;
                let Ok(current) = appointments::get(store.conn(), id) else {
                    return "not here".into();
                };
                let status = if matches!(step, Step::Confirm { .. }) {
                    S::Confirmed
                } else {
                    S::CheckedIn
                };
                let request = SetAppointmentStatus {
                    id,
                    expected_version: current.version,
                    status,
                };
                let caller = Caller::staff(&AUDIT_KEY, &self.desk);
                refused(booking::set_status(store, &caller, request, now()))
                    .unwrap_or_else(|| format!("{id} {}", status.as_str()))
            }
            Step::Push {
                dev,
                batch,
                lost_ack,
            } => {
                let limit = if batch == 0 { 10_000 } else { batch as u32 };
                let first = self.head() + 1;
                let added =
                    self.log
                        .push_some(&mut self.devices[dev as usize].store, limit, !lost_ack);
                match added {
                    0 => "nothing new".into(),
                    n => format!("seqs {first}..={}", first + n as u64 - 1),
                }
            }
            Step::Pull {
                dev,
                rewind,
                page,
                twice,
                lose,
            } => {
                let store = &mut self.devices[dev as usize].store;
                let head = self.log.ops.len() as u64;
                let mut from = cursor(store).saturating_sub(rewind as u64);
                let mut pages = Vec::new();
                let mut number = 0;
                while from < head {
                    let to = if page == 0 {
                        head
                    } else {
                        (from + page as u64).min(head)
                    };
                    if lose == Some(number) {
                        pages.push(format!("({from},{to}] lost"));
                        break;
                    }
                    apply(store, &self.log, from, to);
                    if twice {
                        apply(store, &self.log, from, to);
                    }
                    pages.push(format!("({from},{to}]"));
                    from = to;
                    number += 1;
                }
                format!("pages {}", pages.join(" "))
            }
            Step::Replay { dev, start, len } => {
                let store = &mut self.devices[dev as usize].store;
                let applied = cursor(store);
                let start = (start as u64).min(applied);
                let to = (start + len as u64).min(applied);
                if to <= start {
                    return "nothing pulled yet".into();
                }
                apply(store, &self.log, start, to);
                format!("page ({start},{to}], cursor back to {to}")
            }
        }
    }

    /// Every device pushes everything, then pulls everything.
    fn final_round(&mut self) {
        self.clock.fetch_add(STEP_MS, Ordering::SeqCst);
        for d in &mut self.devices {
            self.log.push_some(&mut d.store, 10_000, true);
        }
        let head = self.head();
        for d in &mut self.devices {
            let from = cursor(&d.store);
            apply(&mut d.store, &self.log, from, head);
        }
    }
}

/// A refusal of the use case (validation, a taken slot, a stale version) is
/// part of the history; any other error is a failure.
fn refusal(e: CoreError) -> String {
    match e {
        CoreError::Validation(f) => format!(
            "refused: {}",
            f.iter()
                .map(|f| f.field.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        CoreError::SlotTaken(_) => "refused: slot taken".into(),
        CoreError::EditConflict { .. } => "refused: edit conflict".into(),
        other => panic!("unexpected error: {other:?}"),
    }
}

fn refused<T>(r: Result<T, CoreError>) -> Option<String> {
    r.err().map(refusal)
}

/// Entry details of kind `kind` (0 medication, 1 allergy, 2 problem), `v`-th variant.
fn details(kind: u8, v: u8) -> ChartEntryDetails {
    let v = (v % 3) as usize;
    match kind % 3 {
        0 => ChartEntryDetails::Medication(MedicationDetails {
            name: "Metformin".into(),
            dose: ["500 mg", "850 mg", "1000 mg"][v].into(),
            route: "oral".into(),
            frequency: "twice daily".into(),
            ..Default::default()
        }),
        1 => ChartEntryDetails::Allergy(AllergyDetails {
            substance: "Penicillin".into(),
            reaction: ["Hives", "Rash", "Anaphylaxis"][v].into(),
            severity: Some(AllergySeverity::Moderate),
            onset_date: "2001-04-02".into(),
        }),
        _ => ChartEntryDetails::Problem(ProblemDetails {
            text: ["Type 2 diabetes", "Hypertension", "Asthma"][v].into(),
            icd10_code: String::new(),
            onset_date: "2020-01-01".into(),
        }),
    }
}

// ---------------------------------------------------------------------------
// What is compared

/// Every row of `table` (the columns not in `except`, quoted), in `order`.
fn dump(store: &Store, table: &str, except: &[&str], filter: &str, order: &str) -> Vec<String> {
    let columns: Vec<String> = rows(
        store,
        &format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
    )
    .into_iter()
    .filter(|c| !except.contains(&c.as_str()))
    .collect();
    let row = columns
        .iter()
        .map(|c| format!("'{c}=' || quote({c})"))
        .collect::<Vec<_>>()
        .join(" || ' ' || ");
    rows(
        store,
        &format!("SELECT {row} FROM {table} {filter} ORDER BY {order}"),
    )
}

/// Divergences these properties found that are not fixed yet, each left out of
/// the comparison while it is listed here (and reproduced by an ignored test
/// below, `known_*`). Set one to `false` to see the property find it again.
#[derive(Clone, Copy, Debug)]
struct Known {
    /// Creation/change stamps (`recorded_at`, `created_at`, `updated_at`): the
    /// originating device stamps its wall clock, the others the op's HLC time,
    /// which differ once the HLC ran ahead of a slow clock. Only left out when
    /// the history's clocks are skewed.
    stamps: bool,
    /// Identity-field conflicts are detected against the op's `base` values and
    /// the value shown here when it arrives: which pairs are recorded depends on
    /// the order a device saw the edits in (A-B-A edits, three concurrent edits).
    identity_conflicts: bool,
    /// Possible duplicates are looked for among the patients as they are here
    /// when a registration arrives (own unpushed edits and registrations included).
    duplicates: bool,
    /// An appointment's status (holding its time or needing a new one): a device
    /// decides overlaps against its own unpushed changes (a cancellation or move
    /// that freed the time, a demotion of its own tentative booking), not against
    /// the log order the other devices use.
    appointment_status: bool,
}

const KNOWN: Known = Known {
    stamps: false,
    identity_conflicts: false,
    duplicates: false,
    appointment_status: false,
};

/// The synced domain state of a device: (what, rows). Left out as this device's
/// own, by design: a patient's edit counter and last local change (`version`,
/// `updated_at`: the optimistic lock of this device's edit form), an
/// appointment's local stamps (as in sync_apply_schedule.rs), when a conflict
/// was detected here, reminders.
fn domain(store: &Store, skewed: bool, known: Known) -> Vec<(&'static str, Vec<String>)> {
    let stamps: &[&str] = if skewed && known.stamps {
        &["recorded_at", "created_at", "updated_at"]
    } else {
        &[]
    };
    let without = |columns: &[&'static str]| -> Vec<&'static str> {
        stamps
            .iter()
            .copied()
            .chain(columns.iter().copied())
            .collect()
    };
    let mut appointment = vec!["created_at", "updated_at"];
    if known.appointment_status {
        appointment.push("status");
    }
    let mut conflicts = vec!["'x'"];
    if known.identity_conflicts {
        conflicts.push("'identity_field'");
    }
    if known.duplicates {
        conflicts.push("'possible_duplicate'");
    }
    let conflict_filter = format!(
        "WHERE status = 'open' AND kind NOT IN ({})",
        conflicts.join(", ")
    );
    let mut out = vec![
        (
            "patient",
            dump(
                store,
                "patient",
                &without(&["version", "updated_at"]),
                "",
                "id",
            ),
        ),
        (
            "patient_detail",
            dump(store, "patient_detail", &[], "", "patient_id"),
        ),
        (
            "patient_name_token",
            dump(store, "patient_name_token", &[], "", "patient_id, token"),
        ),
        (
            "chart_entry",
            dump(store, "chart_entry", &without(&[]), "", "id"),
        ),
        (
            "appointment",
            dump(store, "appointment", &appointment, "", "id"),
        ),
        (
            "open sync_conflict",
            dump(
                store,
                "sync_conflict",
                &["detected_at"],
                &conflict_filter,
                "id",
            ),
        ),
    ];
    if !known.appointment_status {
        out.push((
            "needs_reschedule notification",
            rows(
                store,
                "SELECT id || ' ' || staff_id || ' ' || json_extract(detail, '$.appointment_id')
                 FROM notification WHERE json_extract(detail, '$.change') = 'needs_reschedule'
                 ORDER BY id",
            ),
        ));
    }
    out
}

/// Everything on a device, local rows included (for "a replay changes nothing").
fn everything(store: &Store) -> Vec<(String, Vec<String>)> {
    let tables = rows(
        store,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    tables
        .into_iter()
        .map(|t| {
            let mut rows = dump(store, &t, &[], "", "1");
            rows.sort();
            (t, rows)
        })
        .collect()
}

/// The first difference between two dumps, for the report.
fn difference<K: fmt::Display + PartialEq>(
    a: &[(K, Vec<String>)],
    b: &[(K, Vec<String>)],
) -> Option<String> {
    for ((what, x), (_, y)) in a.iter().zip(b) {
        if x != y {
            let only_a: Vec<_> = x.iter().filter(|r| !y.contains(r)).collect();
            let only_b: Vec<_> = y.iter().filter(|r| !x.contains(r)).collect();
            return Some(format!(
                "{what}:\n    only in the first: {only_a:#?}\n    only in the second: {only_b:#?}"
            ));
        }
    }
    None
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A fresh device that pulls the whole log in pages of `page` ops, replaying
/// each page's predecessor after it.
fn newcomer(log: &Log, page: u64) -> TestStore {
    let mut d = sync_common::device();
    enroll(&mut d.store, "newcomer");
    let head = log.ops.len() as u64;
    let mut from = 0;
    while from < head {
        let to = (from + page).min(head);
        apply(&mut d.store, log, from, to);
        let back = from.saturating_sub(page);
        if back < from {
            apply(&mut d.store, log, back, from); // a delayed duplicate
            apply(&mut d.store, log, from, to);
        }
        from = to;
    }
    d
}

/// The convergence checks after the final round.
fn check_converged(w: &World, newcomer_page: u64, known: Known) -> Result<(), String> {
    let log = &w.log;
    let reference = domain(&w.devices[0].store, w.skewed, known);
    for (i, d) in w.devices.iter().enumerate() {
        let s = &d.store;
        let held = held(s);
        if !held.is_empty() {
            return Err(format!("device {i} holds ops: {held:?}"));
        }
        // Every op of another device applied exactly once; none of its own.
        let applied = rows(s, "SELECT op_id FROM applied_op ORDER BY op_id");
        let mut expected: Vec<String> = log
            .ops
            .iter()
            .filter(|o| o.device_id != s.device_id())
            .map(|o| o.op.op_id.to_string())
            .collect();
        expected.sort();
        if applied != expected {
            return Err(format!(
                "device {i} applied {} ops, the log has {} from other devices",
                applied.len(),
                expected.len()
            ));
        }
        let pending = count(s, "SELECT count(*) FROM outbox WHERE pushed_at IS NULL");
        let tentative = count(s, "SELECT count(*) FROM appointment WHERE tentative = 1");
        if (pending, tentative) != (0, 0) {
            return Err(format!(
                "device {i}: {pending} ops to push, {tentative} tentative appointments"
            ));
        }
        if let Some(diff) = difference(&reference, &domain(s, w.skewed, known)) {
            return Err(format!("device 0 and device {i} differ in {diff}"));
        }
        same_statuses(&w.devices[0].store, s, known)
            .map_err(|e| format!("device 0 and device {i}: {e}"))?;
        no_booking_lost(log, s).map_err(|e| format!("device {i}: {e}"))?;
        no_overlap(s).map_err(|e| format!("device {i}: {e}"))?;
    }
    let fresh = newcomer(log, newcomer_page);
    if !held(&fresh.store).is_empty() {
        return Err(format!("a fresh device holds {:?}", held(&fresh.store)));
    }
    if let Some(diff) = difference(&reference, &domain(&fresh.store, w.skewed, known)) {
        return Err(format!(
            "device 0 and a fresh device that pulled the log differ in {diff}"
        ));
    }
    same_statuses(&w.devices[0].store, &fresh.store, known)
        .map_err(|e| format!("device 0 and a fresh device: {e}"))?;
    Ok(())
}

/// Appointment statuses agree — but for the known divergence (`KNOWN.
/// appointment_status`): one device holding the time, another needing a new one.
fn same_statuses(a: &Store, b: &Store, known: Known) -> Result<(), String> {
    let statuses = |s: &Store| rows(s, "SELECT id || ' ' || status FROM appointment ORDER BY id");
    for (x, y) in statuses(a).iter().zip(statuses(b)) {
        let status = |r: &str| S::parse(r.split(' ').nth(1).unwrap()).unwrap();
        let (sx, sy) = (status(x), status(&y));
        let tolerated = known.appointment_status
            && (sx == S::NeedsReschedule && sy.holds_time()
                || sy == S::NeedsReschedule && sx.holds_time());
        if sx != sy && !tolerated {
            return Err(format!("appointment statuses differ: {x} / {y}"));
        }
    }
    Ok(())
}

/// Each booked appointment is here, holding its time or needing a new one —
/// unless an op cancelled it or marked it a no-show.
fn no_booking_lost(log: &Log, s: &Store) -> Result<(), String> {
    for o in log
        .ops
        .iter()
        .filter(|o| o.op.kind == OpKind::BookAppointment)
    {
        let id: AppointmentId = o.op.entity_id.parse().unwrap();
        let a = appointments::get(s.conn(), id).map_err(|e| format!("booking {id} lost: {e}"))?;
        let ended = log.ops.iter().any(|x| {
            x.op.kind == OpKind::SetAppointmentStatus
                && x.op.entity_id == o.op.entity_id
                && matches!(
                    x.op.payload["status"].as_str(),
                    Some("cancelled" | "no_show")
                )
        });
        if !(a.status.holds_time() || a.status == S::NeedsReschedule || ended) {
            return Err(format!("booking {id} ended {:?} by no op", a.status));
        }
    }
    Ok(())
}

/// No two appointments holding time overlap for one provider.
fn no_overlap(s: &Store) -> Result<(), String> {
    let clashes = rows(
        s,
        "SELECT a.id || ' and ' || b.id FROM appointment a JOIN appointment b
            ON a.provider_id = b.provider_id AND a.id < b.id
           AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
         WHERE a.status IN ('booked', 'confirmed', 'checked_in', 'in_consultation', 'done')
           AND b.status IN ('booked', 'confirmed', 'checked_in', 'in_consultation', 'done')",
    );
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "overlapping appointments holding time: {clashes:?}"
        ))
    }
}

// ---------------------------------------------------------------------------
// Properties

/// `cases`, or `SYNC_PROPERTY_CASES` when set (longer explorations by hand).
fn config(cases: u32) -> Config {
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

fn fail(h: &History, w: &World, what: String) -> TestCaseError {
    TestCaseError::fail(format!(
        "{what}\n--- {h:?}\n--- what each step did:\n  {}",
        w.trace.join("\n  ")
    ))
}

/// Runs `h`, the final round, and the convergence checks (minus `known`).
fn converges(h: &History, newcomer_page: u64, known: Known) -> Result<(), TestCaseError> {
    let mut w = World::new(h.skews);
    for s in &h.steps {
        w.run(s);
    }
    w.final_round();
    check_converged(&w, newcomer_page, known).map_err(|e| fail(h, &w, e))
}

fn check_property(v: Vocabulary, cases: u32, steps: std::ops::Range<usize>) {
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
fn patients_converge_on_every_device() {
    let v = Vocabulary {
        patients: true,
        chart: false,
        schedule: false,
    };
    check_property(v, 24, 1..28);
}

/// Chart entries and their statuses only.
#[test]
fn charts_converge_on_every_device() {
    let v = Vocabulary {
        patients: false,
        chart: true,
        schedule: false,
    };
    check_property(v, 24, 1..28);
}

/// Bookings, moves, confirmations, check-ins and cancellations only.
#[test]
fn schedules_converge_on_every_device_and_no_booking_is_lost() {
    let v = Vocabulary {
        patients: false,
        chart: false,
        schedule: true,
    };
    check_property(v, 48, 1..28);
}

/// The whole vocabulary at once.
#[test]
fn everything_converges_on_every_device() {
    check_property(EVERYTHING, 24, 1..36);
}

/// Replaying an already-applied prefix of the log on a device — at any point of
/// a history, from any earlier cursor, in any page size — changes nothing on it.
#[test]
fn replaying_an_applied_prefix_changes_nothing() {
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

// ---------------------------------------------------------------------------
// Known divergences: the minimal histories the properties shrank to, checked
// without the `KNOWN` leniency they need. Each fails today (so it is ignored:
// `cargo test -p clinic-core --test sync_properties -- --ignored` shows them);
// once its bug is fixed it passes: un-ignore it and clear its `KNOWN` flag.

const STRICT: Known = Known {
    stamps: false,
    identity_conflicts: false,
    duplicates: false,
    appointment_status: false,
};

fn known_bug(skews: [i64; DEVICES], steps: Vec<Step>) {
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
fn identity_conflicts_do_not_depend_on_the_order_edits_arrive_in() {
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
fn duplicate_detection_does_not_depend_on_local_state() {
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
fn a_registration_confirmed_as_new_is_not_flagged_on_other_devices() {
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
fn an_own_tentative_booking_gets_its_time_back_when_the_log_frees_it() {
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
fn a_transient_demotion_leaves_no_notification_on_any_device() {
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
fn stamps_agree_under_clock_skew() {
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
fn a_cancellation_frees_the_time_alike_on_the_device_that_made_it() {
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
fn an_arrival_refused_its_time_still_beats_a_cancellation_in_any_order() {
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

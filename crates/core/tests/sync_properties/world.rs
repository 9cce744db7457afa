//! The simulated clinic: three devices with real encrypted stores, an in-process ordered log, and each step carried out through the real use cases.
use super::*;

// ---------------------------------------------------------------------------
// The simulated clinic

pub(crate) struct World {
    pub(crate) devices: Vec<TestStore>,
    pub(crate) log: Log,
    /// Simulated wall-clock time (ms); each device reads it with its skew.
    pub(crate) clock: Arc<AtomicU64>,
    pub(crate) doctors: [SessionInfo; 2],
    pub(crate) desk: SessionInfo,
    pub(crate) kind: AppointmentType,
    /// Entities in the order the history created them (any device).
    pub(crate) patients: Vec<PatientId>,
    pub(crate) entries: Vec<ChartEntryId>,
    pub(crate) appointments: Vec<AppointmentId>,
    /// What each step did, for the failure report.
    pub(crate) trace: Vec<String>,
    /// Whether the devices' clocks disagree.
    pub(crate) skewed: bool,
}

pub(crate) fn set_clock(store: &mut Store, clock: &Arc<AtomicU64>, skew: i64) {
    let clock = Arc::clone(clock);
    store.set_wall_clock(Box::new(move || {
        (clock.load(Ordering::SeqCst) as i64 + skew) as u64
    }));
}

pub(crate) fn enroll(store: &mut Store, name: &str) {
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
pub(crate) fn cursor(store: &Store) -> u64 {
    sync::state::cursor(store.conn())
        .unwrap()
        .and_then(|c| c.strip_prefix("test:").map(str::to_string))
        .map_or(0, |s| s.parse().unwrap())
}

pub(crate) fn apply(store: &mut Store, log: &Log, from: u64, to: u64) {
    let page = log.page(from, to);
    sync::apply_page(store, &page, Some(&format!("test:{to}"))).unwrap();
}

impl World {
    /// Device 0 sets the clinic up (two doctors working Monday to Friday, a
    /// front desk, a 30-minute type, Ada and Bob, two chart entries and two
    /// appointments); every device then has pulled it.
    pub(crate) fn new(skews: [i64; DEVICES]) -> Self {
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

    pub(crate) fn head(&self) -> u64 {
        self.log.ops.len() as u64
    }

    pub(crate) fn pick<T: Copy>(list: &[T], i: u8) -> Option<T> {
        (!list.is_empty()).then(|| list[i as usize % list.len()])
    }

    pub(crate) fn run(&mut self, step: &Step) {
        self.clock.fetch_add(STEP_MS, Ordering::SeqCst);
        let outcome = self.step(step);
        self.trace.push(format!("{step:?} -> {outcome}"));
    }

    /// Carries a step out; returns what happened, for the trace.
    pub(crate) fn step(&mut self, step: &Step) -> String {
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
    pub(crate) fn final_round(&mut self) {
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
pub(crate) fn refusal(e: CoreError) -> String {
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

pub(crate) fn refused<T>(r: Result<T, CoreError>) -> Option<String> {
    r.err().map(refusal)
}

/// Entry details of kind `kind` (0 medication, 1 allergy, 2 problem), `v`-th variant.
pub(crate) fn details(kind: u8, v: u8) -> ChartEntryDetails {
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

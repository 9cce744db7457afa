//! Generated and use-case workloads: what part 1 writes and part 2 pushes.
use super::*;

// ---------------------------------------------------------------------------------
// Use-case workload (part 1) and op templates (part 2)
// ---------------------------------------------------------------------------------

pub(crate) const CODES: [(&str, &str, f64); 4] = [
    ("glucose", "mg/dL", 110.0),
    ("heart_rate", "/min", 72.0),
    ("weight", "kg", 80.0),
    ("systolic_bp", "mm[Hg]", 130.0),
];

pub(crate) fn chart_details(i: usize) -> ChartEntryDetails {
    match i % 3 {
        0 => ChartEntryDetails::Problem(ProblemDetails {
            text: "Type 2 diabetes mellitus".into(),
            icd10_code: "E11.9".into(),
            onset_date: "2015-01-01".into(),
        }),
        1 => ChartEntryDetails::Medication(MedicationDetails {
            name: "Metformin".into(),
            dose: "500 mg".into(),
            route: "oral".into(),
            frequency: "twice daily".into(),
            start_date: "2020-03-01".into(),
            stop_date: String::new(),
            prescriber: "Dr Bench".into(),
        }),
        _ => ChartEntryDetails::Allergy(AllergyDetails {
            substance: "Penicillin".into(),
            reaction: "Hives".into(),
            severity: Some(AllergySeverity::Moderate),
            onset_date: String::new(),
        }),
    }
}

pub(crate) fn observation(i: usize) -> NewObservation {
    let (code, unit, base) = CODES[i % CODES.len()];
    NewObservation {
        code: code.into(),
        value: format!("{:.1}", base * (0.9 + (i % 7) as f64 * 0.05)),
        unit: unit.into(),
        effective_at: "2025-06-01".into(),
        source: "bench".into(),
    }
}

/// Time spent in each kind of use case and how many calls.
#[derive(Default)]
pub(crate) struct Spent {
    pub(crate) total: Duration,
    pub(crate) by_kind: [(Duration, usize); 4],
}

impl Spent {
    pub(crate) fn add<T>(&mut self, kind: usize, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let t = Instant::now();
        let value = f()?;
        let d = t.elapsed();
        self.total += d;
        self.by_kind[kind].0 += d;
        self.by_kind[kind].1 += 1;
        Ok(value)
    }
}

/// Writes `n` changes through the use cases, one transaction each, cycling
/// register, register, edit (phone of an earlier patient), chart entry (problem,
/// medication, allergy), observation.
pub(crate) fn use_case_workload(store: &mut Store, n: usize, seed: u64) -> Result<Spent> {
    let mut generator = PatientGenerator::new(seed);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut patients: Vec<Patient> = Vec::new();
    let mut spent = Spent::default();
    for i in 0..n {
        let slot = i % 5;
        if slot < 2 || patients.is_empty() {
            let request = RegisterPatient {
                details: generator.next_patient(),
                confirm_not_duplicate: true,
            };
            match spent.add(0, || {
                Ok(registry::register_patient(store, &caller(), request)?)
            })? {
                RegisterOutcome::Registered { patient } => patients.push(*patient),
                RegisterOutcome::PossibleDuplicates { .. } => bail!("unexpected duplicate"),
            }
            continue;
        }
        let at = rng.random_range(0..patients.len());
        let patient = patients[at].id;
        match slot {
            2 => {
                let mut details = patients[at].details.clone();
                details.phone = format!("+44 7700 {i:06}");
                let request = UpdatePatient {
                    id: patient,
                    expected_version: patients[at].version,
                    details,
                };
                patients[at] = spent.add(1, || {
                    Ok(registry::update_patient(store, &caller(), request)?)
                })?;
            }
            3 => {
                let request = AddChartEntry {
                    patient_id: patient,
                    details: chart_details(i / 5),
                };
                spent.add(2, || Ok(chart::add_entry(store, &caller(), request)?))?;
            }
            _ => {
                let request = RecordObservations {
                    patient_id: patient,
                    encounter_id: None,
                    observations: vec![observation(i / 5)],
                };
                spent.add(3, || Ok(observations::record(store, &caller(), request)?))?;
            }
        }
    }
    Ok(spent)
}

/// Payloads of real chart-entry and observation ops (written by the use cases on
/// a scratch store), reused with another patient id for generated ops.
pub(crate) struct Templates {
    pub(crate) chart: Vec<Value>,
    pub(crate) observation: Vec<Value>,
}

pub(crate) fn templates() -> Result<Templates> {
    let device = Device::new()?;
    let mut store = device.s();
    use_case_workload(&mut store, 60, 1)?;
    let ops = store.pending_ops(u32::MAX)?;
    let of = |kind: OpKind| -> Vec<Value> {
        ops.iter()
            .filter(|o| o.kind == kind)
            .map(|o| o.payload.clone())
            .collect()
    };
    let t = Templates {
        chart: of(OpKind::AddChartEntry),
        observation: of(OpKind::RecordObservation),
    };
    ensure!(
        t.chart.len() >= 3 && t.observation.len() >= 4,
        "the template workload wrote too few chart ops"
    );
    Ok(t)
}

/// Ops of one device built directly (no store), shaped like the use cases' ops so
/// the applier accepts them: with `mixed`, 70% registrations (valid details from
/// the testkit generator), 10% phone edits of an earlier patient (with `base`),
/// 10% chart entries, 10% observations; otherwise registrations only.
pub(crate) struct OpFactory<'t> {
    pub(crate) device: DeviceId,
    pub(crate) counter: u64,
    pub(crate) base_millis: u64,
    pub(crate) mrn_code: String,
    pub(crate) generator: PatientGenerator,
    pub(crate) rng: ChaCha8Rng,
    /// Registered so far: id and current phone.
    pub(crate) patients: Vec<(PatientId, String)>,
    pub(crate) templates: Option<&'t Templates>,
    pub(crate) registrations: usize,
}

impl<'t> OpFactory<'t> {
    pub(crate) fn new(device: DeviceId, seed: u64, templates: Option<&'t Templates>) -> Self {
        Self {
            device,
            counter: 0,
            base_millis: now_millis(),
            mrn_code: registry::device_code(&device),
            generator: PatientGenerator::new(seed),
            rng: ChaCha8Rng::seed_from_u64(seed),
            patients: Vec::new(),
            templates,
            registrations: 0,
        }
    }

    pub(crate) fn stamp(
        &mut self,
        kind: OpKind,
        entity: EntityKind,
        id: String,
        payload: Value,
    ) -> Op {
        self.counter += 1;
        let i = self.counter;
        Op {
            op_id: OpId::new(),
            device_counter: i,
            hlc: Hlc {
                millis: self.base_millis + i / 50_000,
                counter: (i % 50_000) as u16,
                device: self.device,
            },
            kind,
            entity,
            entity_id: id,
            payload,
            schema_version: SCHEMA_VERSION,
        }
    }

    pub(crate) fn registration(&mut self) -> Op {
        let id = PatientId::new();
        let details = self.generator.next_patient();
        self.registrations += 1;
        let mrn = format!("{}-{:06}", self.mrn_code, self.registrations);
        self.patients.push((id, details.phone.clone()));
        self.stamp(
            OpKind::RegisterPatient,
            EntityKind::Patient,
            id.to_string(),
            json!({ "mrn": mrn, "details": details }),
        )
    }

    pub(crate) fn next_op(&mut self) -> Op {
        let slot = (self.counter + 1) % 10;
        let templates = self
            .templates
            .filter(|_| slot >= 7 && !self.patients.is_empty());
        let Some(templates) = templates else {
            return self.registration();
        };
        let at = self.rng.random_range(0..self.patients.len());
        let patient = self.patients[at].0.to_string();
        match slot {
            7 => {
                let phone = format!("+44 7700 {:07}", self.counter + 1);
                let old = std::mem::replace(&mut self.patients[at].1, phone.clone());
                self.stamp(
                    OpKind::SetFields,
                    EntityKind::Patient,
                    patient,
                    json!({ "fields": { "phone": phone }, "base": { "phone": old } }),
                )
            }
            8 => {
                let mut payload = templates.chart[at % templates.chart.len()].clone();
                payload["patient_id"] = json!(patient);
                self.stamp(
                    OpKind::AddChartEntry,
                    EntityKind::ChartEntry,
                    ChartEntryId::new().to_string(),
                    payload,
                )
            }
            _ => {
                let mut payload = templates.observation[at % templates.observation.len()].clone();
                payload["patient_id"] = json!(patient);
                self.stamp(
                    OpKind::RecordObservation,
                    EntityKind::Observation,
                    ObservationId::new().to_string(),
                    payload,
                )
            }
        }
    }

    pub(crate) fn take(&mut self, n: usize) -> Vec<Op> {
        (0..n).map(|_| self.next_op()).collect()
    }
}

//! The demo clinic: on first start with `CLINIC_DEMO_PATIENTS=N` and an empty
//! registry, registers N seeded synthetic patients through the normal core path.
use clinic_core::{Caller, CoreError};
use clinic_store::Store;
use clinic_testkit::PatientGenerator;

/// The fixed seed of the demo clinic: every demo shows the same patients.
pub const DEMO_SEED: u64 = 20_261_123;

pub fn seed_if_empty(
    store: &mut Store,
    caller: &Caller<'_>,
    patients: usize,
) -> Result<usize, CoreError> {
    if patients == 0 || clinic_core::registry::patient_count(store.conn())? > 0 {
        return Ok(0);
    }
    let mut generator = PatientGenerator::new(DEMO_SEED);
    let mut done = 0;
    while done < patients {
        let batch = (patients - done).min(1_000);
        clinic_core::registry::register_many(store, caller, generator.by_ref().take(batch))?;
        done += batch;
    }
    tracing::info!(patients = done, "seeded the demo clinic");
    Ok(done)
}

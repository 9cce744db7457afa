//! The demo clinic. On first start with `CLINIC_DEMO_STAFF=1`, creates "Demo
//! Clinic" with one account per role (documented, NOT secret passwords, and the
//! administrator's authenticator secret, listed in the README); with
//! `CLINIC_DEMO_PATIENTS=N` and an empty registry, registers N seeded synthetic
//! patients. Everything goes through the normal core use cases.
use clinic_core::{admin, identity, Caller, CoreError};
use clinic_protocol::{CreateClinic, CreateStaff, Role};
use clinic_store::Store;
use clinic_testkit::PatientGenerator;

/// The fixed seed of the demo clinic: every demo shows the same patients.
pub const DEMO_SEED: u64 = 20_261_123;

/// The demo administrator's TOTP secret (base32), for an authenticator app or
/// `oathtool --totp -b`. Demo only: a real clinic enrolls a random secret.
pub const DEMO_ADMIN_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// Demo accounts: username, display name, role, password (documented in the README).
pub const DEMO_STAFF: [(&str, &str, Role, &str); 5] = [
    ("admin", "Ada Admin", Role::Administrator, "demo-admin-pass"),
    (
        "frontdesk",
        "Fran Desk",
        Role::FrontDesk,
        "demo-frontdesk-pass",
    ),
    ("doctor", "Dr Dana Doe", Role::Doctor, "demo-doctor-pass"),
    ("nurse", "Nico Nurse", Role::Nurse, "demo-nurse-pass"),
    ("billing", "Bea Billing", Role::Billing, "demo-billing-pass"),
];

/// What the demo seeds (from the environment; see `Config`).
#[derive(Clone, Debug, Default)]
pub struct Demo {
    pub staff: bool,
    pub patients: usize,
    /// The demo's local test gateway: seed billing and card payments against it
    /// (`demo_billing`; only on the insecure test key).
    pub gateway: Option<String>,
}

pub fn seed_if_empty(store: &mut Store, caller: &Caller<'_>, demo: &Demo) -> Result<(), CoreError> {
    if demo.staff && identity::needs_first_run(store.conn())? {
        seed_staff(store, caller)?;
    }
    seed_patients(store, caller, demo.patients)?;
    if demo.staff {
        crate::demo_schedule::seed_schedule(store, caller)?;
    }
    Ok(())
}

fn seed_staff(store: &mut Store, caller: &Caller<'_>) -> Result<(), CoreError> {
    let [(admin_user, admin_name, _, admin_password), others @ ..] = DEMO_STAFF;
    let created = identity::create_clinic(
        store,
        CreateClinic {
            clinic_name: "Demo Clinic".into(),
            admin_username: admin_user.into(),
            admin_display_name: admin_name.into(),
            admin_password: admin_password.into(),
        },
    )?;
    identity::enroll_known_totp_secret(
        store,
        &created.session,
        DEMO_ADMIN_TOTP_SECRET,
        chrono::Utc::now(),
    )?;
    for (username, display_name, role, password) in others {
        admin::create_staff(
            store,
            caller,
            CreateStaff {
                username: username.into(),
                display_name: display_name.into(),
                role,
                password: password.into(),
            },
        )?;
    }
    tracing::info!(
        accounts = DEMO_STAFF.len(),
        "seeded the demo clinic's staff"
    );
    Ok(())
}

fn seed_patients(store: &mut Store, caller: &Caller<'_>, patients: usize) -> Result<(), CoreError> {
    if patients == 0 || clinic_core::registry::patient_count(store.conn())? > 0 {
        return Ok(());
    }
    let mut generator = PatientGenerator::new(DEMO_SEED);
    let mut done = 0;
    while done < patients {
        let batch = (patients - done).min(1_000);
        clinic_core::registry::register_many(store, caller, generator.by_ref().take(batch))?;
        done += batch;
    }
    tracing::info!(patients = done, "seeded the demo patients");
    seed_charts(store, caller)?;
    Ok(())
}

/// Gives the first ten demo patients a chart: an allergy, type 2 diabetes with
/// metformin, three visits with signed notes, and two years of glucose, HbA1c and
/// blood pressure — so trends have something to show.
fn seed_charts(store: &mut Store, caller: &Caller<'_>) -> Result<(), CoreError> {
    use clinic_core::{chart, notes, observations};
    use clinic_protocol::{
        AddChartEntry, AllergyDetails, AllergySeverity, ChartEntryDetails, CreateEncounter,
        CreateNote, EncounterType, MedicationDetails, NewObservation, NoteContent, PatientSearch,
        ProblemDetails, RecordObservations, SignNote,
    };
    let page = clinic_core::search::search_patients(
        store.conn(),
        &PatientSearch {
            text: "a".into(),
            page: 0,
            page_size: 10,
        },
    )?;
    for (n, p) in page.items.iter().enumerate() {
        let id = p.id;
        let add = |details| AddChartEntry {
            patient_id: id,
            details,
        };
        chart::add_entry(
            store,
            caller,
            add(ChartEntryDetails::Allergy(AllergyDetails {
                substance: ["Penicillin", "Sulfonamides", "Peanuts"][n % 3].into(),
                reaction: "Hives".into(),
                severity: Some(AllergySeverity::Moderate),
                onset_date: String::new(),
            })),
        )?;
        chart::add_entry(
            store,
            caller,
            add(ChartEntryDetails::Problem(ProblemDetails {
                text: "Type 2 diabetes mellitus".into(),
                icd10_code: "E11.9".into(),
                onset_date: "2021-03-01".into(),
            })),
        )?;
        chart::add_entry(
            store,
            caller,
            add(ChartEntryDetails::Medication(MedicationDetails {
                name: "Metformin".into(),
                dose: "500 mg".into(),
                route: "oral".into(),
                frequency: "twice daily".into(),
                start_date: "2021-03-01".into(),
                stop_date: String::new(),
                prescriber: "Dr Dana Doe".into(),
            })),
        )?;
        for (i, date) in ["2024-01-15", "2024-07-15", "2025-01-15"]
            .iter()
            .enumerate()
        {
            let visit = notes::create_encounter(
                store,
                caller,
                CreateEncounter {
                    patient_id: id,
                    encounter_type: EncounterType::OfficeVisit,
                    reason: "Diabetes review".into(),
                    started_at: format!("{date}T09:30:00Z"),
                },
            )?;
            let note = notes::create_note(
                store,
                caller,
                CreateNote {
                    patient_id: id,
                    encounter_id: Some(visit.id),
                    amends: None,
                    title: "Diabetes review".into(),
                    content: NoteContent::Soap {
                        subjective: "No hypoglycaemia. Diet mostly kept.".into(),
                        objective: format!("BP {}/{}.", 128 + i * 4, 80 + i * 2),
                        assessment: "Type 2 diabetes, improving control.".into(),
                        plan: "Continue metformin. HbA1c in 6 months.".into(),
                    },
                },
            )?;
            notes::sign_note(
                store,
                caller,
                SignNote {
                    id: note.id,
                    expected_version: 1,
                },
            )?;
        }
        let mut values = Vec::new();
        for month in 0..24 {
            let date = format!("{}-{:02}-10", 2023 + month / 12, month % 12 + 1);
            let glucose = 160.0 - month as f64 * 2.5 + ((month * 7 + n) % 5) as f64 * 6.0;
            let obs = |code: &str, value: f64, unit: &str| NewObservation {
                code: code.into(),
                value: format!("{value:.1}"),
                unit: unit.into(),
                effective_at: date.clone(),
                source: "Demo lab".into(),
            };
            values.push(obs("glucose", glucose, "mg/dL"));
            if month % 3 == 0 {
                values.push(obs("hba1c", 8.4 - month as f64 * 0.08, "%"));
                values.push(obs("systolic_bp", 142.0 - month as f64, "mm[Hg]"));
                values.push(obs("diastolic_bp", 88.0 - month as f64 * 0.4, "mm[Hg]"));
            }
        }
        for batch in values.chunks(observations::MAX_BATCH) {
            observations::record(
                store,
                caller,
                RecordObservations {
                    patient_id: id,
                    encounter_id: None,
                    observations: batch.to_vec(),
                },
            )?;
        }
    }
    tracing::info!(charts = page.items.len(), "seeded demo charts");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_seeds_patients_and_charts_through_the_core() {
        let dir = tempfile::tempdir().unwrap();
        let key = clinic_store::Encryption::Key(clinic_store::DbKey::generate().unwrap());
        let mut store = clinic_store::open(&dir.path().join("demo.db"), &key).unwrap();
        let audit_key = [3u8; 32];
        let caller = Caller::device(&audit_key);
        let demo = Demo {
            staff: false,
            patients: 40,
            gateway: None,
        };
        seed_if_empty(&mut store, &caller, &demo).unwrap();
        let count = |store: &Store, sql: &str| -> i64 {
            store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
        };
        assert_eq!(count(&store, "SELECT count(*) FROM patient"), 40);
        assert_eq!(
            count(&store, "SELECT count(DISTINCT patient_id) FROM chart_entry"),
            10
        );
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM clinical_note WHERE status = 'signed'"
            ),
            30
        );
        assert!(
            count(
                &store,
                "SELECT count(*) FROM observation WHERE code = 'glucose'"
            ) >= 240
        );
        // A second start seeds nothing more.
        seed_if_empty(&mut store, &caller, &demo).unwrap();
        assert_eq!(count(&store, "SELECT count(*) FROM patient"), 40);
    }
}

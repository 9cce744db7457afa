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
}

pub fn seed_if_empty(store: &mut Store, caller: &Caller<'_>, demo: &Demo) -> Result<(), CoreError> {
    if demo.staff && identity::needs_first_run(store.conn())? {
        seed_staff(store, caller)?;
    }
    seed_patients(store, caller, demo.patients)?;
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
    Ok(())
}

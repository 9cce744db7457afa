//! Shared fixtures: a fresh encrypted store in a temp dir and a valid patient.
#![allow(dead_code)]
use clinic_protocol::{Address, EmergencyContact, Insurance, PatientDetails, Preferences, Sex};
use clinic_store::{DbKey, Encryption, Store};

pub struct TestStore {
    pub store: Store,
    pub dir: tempfile::TempDir,
}

/// The audit key of test stores.
pub const AUDIT_KEY: [u8; 32] = [9; 32];

/// The device acting on its own behalf, auditing with `AUDIT_KEY`.
pub fn caller() -> clinic_core::Caller<'static> {
    clinic_core::Caller::device(&AUDIT_KEY)
}

pub fn key() -> Encryption {
    Encryption::Key(DbKey::from_bytes([7; 32]))
}

pub fn store() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let store = clinic_store::open(&dir.path().join("clinic.db"), &key()).unwrap();
    TestStore { store, dir }
}

pub fn ada() -> PatientDetails {
    PatientDetails {
        given_name: "Ada".into(),
        middle_name: "".into(),
        family_name: "Lovelace".into(),
        date_of_birth: "1990-12-10".into(),
        sex: Some(Sex::Female),
        phone: "+44 20 7946 0018".into(),
        email: "ada@example.org".into(),
        address: Address {
            line1: "12 St James's Square".into(),
            city: "London".into(),
            country: "GB".into(),
            ..Default::default()
        },
        emergency_contacts: vec![EmergencyContact {
            name: "Annabella Byron".into(),
            relationship: "mother".into(),
            phone: "+44 20 7946 0999".into(),
        }],
        insurance: Some(Insurance {
            payer: "Acme Mutual Health".into(),
            member_id: "M123".into(),
            group_number: "".into(),
        }),
        preferences: Preferences::default(),
    }
}

/// Registers `ada()` as the device (no duplicate check) and returns the id.
pub fn register_ada(store: &mut Store) -> clinic_protocol::PatientId {
    match clinic_core::registry::register_patient(
        store,
        &caller(),
        clinic_protocol::RegisterPatient {
            details: ada(),
            confirm_not_duplicate: true,
        },
    )
    .unwrap()
    {
        clinic_protocol::RegisterOutcome::Registered { patient } => patient.id,
        other => panic!("{other:?}"),
    }
}

/// Rows in the outbox.
pub fn outbox_len(store: &Store) -> i64 {
    store
        .conn()
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap()
}

/// Runs `f` with every tracing event, down to trace level, captured; returns what
/// `f` returned and the captured log text (for "no secret in the logs" tests).
pub fn capture_trace_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let value = tracing::subscriber::with_default(subscriber, f);
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    (value, logs)
}

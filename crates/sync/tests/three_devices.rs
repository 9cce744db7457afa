//! Three devices (real encrypted stores) and the real `clinic-server` over TLS on
//! 127.0.0.1: the clinic set up on one device reaches the others; then all three
//! edit while apart (different fields, the same identity field, a duplicate
//! registration), reconnect in different orders, and converge to the same rows
//! with every conflict of the policy surfaced on every device and nothing lost.
mod common;

use clinic_core::registry;
use clinic_core::sync::{conflicts, state};
use clinic_core::{identity, Caller};
use clinic_protocol::{
    ConflictResolution, ConnectSyncServer, CreateClinic, PatientDetails, PatientId,
    RegisterOutcome, RegisterPatient, ResolveSyncConflict, Sex, SyncConflictKind, UpdatePatient,
};
use clinic_store::{DbKey, Encryption, Store};
use clinic_sync::engine::{self, StoreAccess};
use common::{Certs, Options, Scratch, Server};
use std::sync::Mutex;

const AUDIT_KEY: [u8; 32] = [9; 32];

struct Device {
    store: Mutex<Store>,
    _dir: tempfile::TempDir,
}

impl StoreAccess for Device {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> Option<T> {
        Some(f(&mut self.store.lock().unwrap()))
    }
}

impl Device {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = clinic_store::open(
            &dir.path().join("clinic.db"),
            &Encryption::Key(DbKey::from_bytes([7; 32])),
        )
        .unwrap();
        Self {
            store: Mutex::new(store),
            _dir: dir,
        }
    }

    fn s(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap()
    }

    async fn enroll(
        &self,
        scratch: &Scratch,
        server: &Server,
        certs: &Certs,
        clinic: &str,
        name: &str,
    ) {
        let code = scratch.issue_code(clinic, "Riverside").unwrap();
        engine::enroll(
            self,
            &ConnectSyncServer {
                server_url: format!("https://localhost:{}", server.port()),
                enrollment_code: code,
                device_name: name.into(),
                ca_pem: Some(certs.ca_pem().unwrap()),
            },
        )
        .await
        .expect("enroll");
    }

    async fn sync(&self) -> engine::RoundSummary {
        engine::sync_round(self, |_| {}).await.expect("sync round")
    }

    fn patients(&self) -> Vec<String> {
        dump(
            &self.s(),
            "SELECT p.id || '|' || p.mrn || '|' || p.version || '|' || p.given_name || '|' || p.family_name
                || '|' || p.date_of_birth || '|' || p.phone || '|' || p.email || '|' || d.field_clock
             FROM patient p JOIN patient_detail d ON d.patient_id = p.id ORDER BY p.id",
        )
    }

    fn open_conflicts(&self) -> Vec<String> {
        dump(
            &self.s(),
            "SELECT id || '|' || kind || '|' || coalesce(local_value, '') || '|' || coalesce(remote_value, '')
             FROM sync_conflict WHERE status = 'open' ORDER BY id",
        )
    }

    fn held(&self) -> i64 {
        self.s()
            .conn()
            .query_row("SELECT count(*) FROM held_op", [], |r| r.get(0))
            .unwrap()
    }
}

/// The clinic and its first administrator, set up on `a`; the clinic's id.
fn set_up_clinic(a: &Device) -> String {
    identity::create_clinic(
        &mut a.s(),
        CreateClinic {
            clinic_name: "Riverside".into(),
            admin_username: "grace".into(),
            admin_display_name: "Grace Hopper".into(),
            admin_password: "tarragon-Lantern-41".into(),
        },
    )
    .unwrap()
    .clinic
    .id
    .to_string()
}

fn dump(store: &Store, sql: &str) -> Vec<String> {
    let mut stmt = store.conn().prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn ada() -> PatientDetails {
    PatientDetails {
        given_name: "Ada".into(),
        family_name: "Lovelace".into(),
        date_of_birth: "1990-12-10".into(),
        sex: Some(Sex::Female),
        phone: "+44 20 7946 0018".into(),
        ..Default::default()
    }
}

fn bob() -> PatientDetails {
    PatientDetails {
        given_name: "Bob".into(),
        family_name: "Marley".into(),
        date_of_birth: "1945-02-06".into(),
        phone: "+1 876 555 0100".into(),
        ..Default::default()
    }
}

fn register(store: &mut Store, details: PatientDetails) -> PatientId {
    let caller = Caller::device(&AUDIT_KEY);
    match registry::register_patient(
        store,
        &caller,
        RegisterPatient {
            details,
            confirm_not_duplicate: true,
        },
    )
    .unwrap()
    {
        RegisterOutcome::Registered { patient } => patient.id,
        other => panic!("{other:?}"),
    }
}

fn edit(store: &mut Store, id: PatientId, change: impl FnOnce(&mut PatientDetails)) {
    let current = registry::get_patient(store.conn(), id).unwrap();
    let mut details = current.details.clone();
    change(&mut details);
    registry::update_patient(
        store,
        &Caller::device(&AUDIT_KEY),
        UpdatePatient {
            id,
            expected_version: current.version,
            details,
        },
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_devices_editing_apart_converge_and_surface_every_conflict() {
    let scratch = Scratch::new().unwrap();
    let certs = scratch.gen_cert("tls", &[]).unwrap();
    let server = Server::start(&scratch, Options::tls(&certs)).unwrap();
    let (a, b, c) = (Device::new(), Device::new(), Device::new());

    // The clinic is set up on A and reaches B and C with its staff and patient.
    let clinic = set_up_clinic(&a);
    let ada_id = register(&mut a.s(), ada());
    a.enroll(&scratch, &server, &certs, &clinic, "Front desk")
        .await;
    b.enroll(&scratch, &server, &certs, &clinic, "Doctor laptop")
        .await;
    c.enroll(&scratch, &server, &certs, &clinic, "Nurse station")
        .await;
    let first = a.sync().await;
    assert!(first.pushed >= 3, "{first:?}");
    assert_eq!(b.sync().await.applied, first.pushed);
    c.sync().await;
    for d in [&b, &c] {
        assert_eq!(d.patients(), a.patients());
        assert!(identity::clinic_info(d.s().conn()).unwrap().is_some());
        assert!(!identity::needs_first_run(d.s().conn()).unwrap());
    }

    // Apart: A changes the phone and the date of birth; B the email and the date
    // of birth (another value) and registers Bob, who walks into C's clinic room
    // too and is registered there again (a duplicate).
    edit(&mut a.s(), ada_id, |d| {
        d.phone = "+44 20 7946 0999".into();
        d.date_of_birth = "1990-12-11".into();
    });
    edit(&mut b.s(), ada_id, |d| {
        d.email = "ada@example.org".into();
        d.date_of_birth = "1991-12-10".into();
    });
    let bob_id = register(&mut b.s(), bob());
    let duplicate = register(&mut c.s(), bob());

    // Reconnect in another order than they edited, then once more each.
    c.sync().await;
    b.sync().await;
    a.sync().await;
    c.sync().await;
    b.sync().await;

    let rows = a.patients();
    assert_eq!(rows.len(), 3);
    assert_eq!(b.patients(), rows, "B differs from A");
    assert_eq!(c.patients(), rows, "C differs from A");
    let ada_now = registry::get_patient(a.s().conn(), ada_id).unwrap().details;
    assert_eq!(ada_now.phone, "+44 20 7946 0999", "A's phone kept");
    assert_eq!(ada_now.email, "ada@example.org", "B's email kept");
    // B edited after A (its clock is later): B's date of birth is shown.
    assert_eq!(ada_now.date_of_birth, "1991-12-10");

    let conflicts = a.open_conflicts();
    assert_eq!(b.open_conflicts(), conflicts);
    assert_eq!(c.open_conflicts(), conflicts);
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    let listed = conflicts::list(&a.s(), &Caller::device(&AUDIT_KEY)).unwrap();
    let identity = listed
        .iter()
        .find(|c| c.kind == SyncConflictKind::IdentityField)
        .expect("identity conflict");
    assert_eq!(identity.field.as_deref(), Some("date_of_birth"));
    assert_eq!(identity.current_value.as_deref(), Some("1991-12-10"));
    assert_eq!(identity.other_value.as_deref(), Some("1990-12-11"));
    let dup = listed
        .iter()
        .find(|c| c.kind == SyncConflictKind::PossibleDuplicate)
        .expect("duplicate conflict");
    let pair = [Some(dup.patient_id), dup.other_patient_id];
    assert!(pair.contains(&Some(bob_id)) && pair.contains(&Some(duplicate)));

    // Nothing held, nothing pending, every op of every device in the server's log.
    for d in [&a, &b, &c] {
        assert_eq!(d.held(), 0);
        assert_eq!(d.s().pending_count().unwrap(), 0);
    }

    // C's front desk resolves the identity conflict with the other value; the
    // choice reaches A and B and closes the same conflict there.
    conflicts::resolve(
        &mut c.s(),
        &Caller::device(&AUDIT_KEY),
        ResolveSyncConflict {
            id: identity.id.clone(),
            resolution: ConflictResolution::UseOther,
        },
    )
    .unwrap();
    c.sync().await;
    a.sync().await;
    b.sync().await;
    for d in [&a, &b, &c] {
        let dob = registry::get_patient(d.s().conn(), ada_id)
            .unwrap()
            .details
            .date_of_birth;
        assert_eq!(dob, "1990-12-11");
        assert_eq!(d.open_conflicts().len(), 1, "only the duplicate is left");
    }
    assert_eq!(b.patients(), a.patients());
    assert_eq!(c.patients(), a.patients());
    let status = state::status(a.s().conn(), None).unwrap();
    assert!(status.first_sync_done && status.last_sync_at.is_some());
    assert_eq!(status.pending_changes, 0);
    assert!(
        status.received > 0 && status.received == status.total,
        "{status:?}"
    );
    drop(server);
}

fn audit_head(store: &Store) -> (u64, String) {
    let a = clinic_core::audit::head(store.conn()).unwrap();
    (a.seq, a.hash)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_anchors_each_devices_audit_chain_and_notices_tampering() {
    let scratch = Scratch::new().unwrap();
    let certs = scratch.gen_cert("tls", &[]).unwrap();
    let server = Server::start(&scratch, Options::tls(&certs)).unwrap();
    let a = Device::new();
    let clinic = set_up_clinic(&a);
    for _ in 0..3 {
        register(&mut a.s(), bob());
    }
    a.enroll(&scratch, &server, &certs, &clinic, "Front desk")
        .await;
    a.sync().await;
    // The server's anchor is the device's head; the local trail verifies against it.
    let (seq, hash) = audit_head(&a.s());
    assert!(seq >= 3, "three registrations are audited");
    let anchor = clinic_core::sync::anchor::server_anchor(a.s().conn())
        .unwrap()
        .expect("anchored");
    assert_eq!((anchor.seq, anchor.hash.clone()), (seq, hash));
    let ok = clinic_core::audit::verify_against_anchor(a.s().conn(), &AUDIT_KEY, &anchor).unwrap();
    assert!(ok.ok, "{ok:?}");
    assert!(
        scratch.log_text().contains("audit entries anchored"),
        "the server logged the upload"
    );

    // Someone with the database key drops the guard trigger and cuts the last
    // entries off (the chain still links): the anchored entry is gone, which the
    // verification reports.
    a.s()
        .conn()
        .execute_batch("DROP TRIGGER audit_event_no_delete")
        .unwrap();
    a.s()
        .conn()
        .execute("DELETE FROM audit_event WHERE seq > ?1", [seq as i64 - 2])
        .unwrap();
    let cut = clinic_core::audit::verify_against_anchor(a.s().conn(), &AUDIT_KEY, &anchor).unwrap();
    assert!(!cut.ok, "a trail cut below the anchor must not verify");
    // The next round notices before uploading and fails with a message staff see.
    register(&mut a.s(), ada());
    let err = engine::sync_round(&a, |_| {}).await.expect_err("refused");
    assert!(err.to_string().contains("audit trail"), "{err}");
    engine::record_failure(&a, &err);
    let status = state::status(a.s().conn(), None).unwrap();
    assert!(status.last_error.is_some_and(|e| e.contains("audit trail")));
    // Hiding it by moving the saved anchor back does not help: the rewritten
    // entries do not match what the server holds, and it refuses them.
    a.s()
        .conn()
        .execute(
            "UPDATE sync_state SET audit_anchor_seq = ?1, audit_anchor_hash = NULL",
            [seq as i64 - 2],
        )
        .unwrap();
    let err = engine::sync_round(&a, |_| {})
        .await
        .expect_err("refused by the server");
    assert!(err.to_string().contains("audit trail"), "{err}");
    assert!(
        scratch
            .log_text()
            .contains("does not continue the anchored chain"),
        "the server logged the refusal"
    );
    // The server kept its copy: the anchor did not move back.
    let transport = clinic_sync::transport::Transport::new(
        clinic_sync::transport::TransportConfig::new(format!(
            "https://localhost:{}",
            server.port()
        ))
        .with_ca_pem(certs.ca_pem().unwrap().into_bytes()),
    )
    .unwrap();
    let token = state::enrollment(a.s().conn())
        .unwrap()
        .unwrap()
        .device_token;
    let held = transport.audit_anchor(&token).await.unwrap();
    assert_eq!(held.seq, seq);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_document_travels_in_its_own_batch_and_small_pages() {
    use base64::Engine;
    let scratch = Scratch::new().unwrap();
    let certs = scratch.gen_cert("tls", &[]).unwrap();
    let server = Server::start(&scratch, Options::tls(&certs)).unwrap();
    let (a, b) = (Device::new(), Device::new());
    let clinic = set_up_clinic(&a);
    let patient = register(&mut a.s(), ada());
    // A 5 MiB letter (text here; 6.7 MiB in base64): more than a push batch, a pull
    // page and the earlier 4 MiB request limit.
    let line = "Referral letter: please see this patient for a follow-up. ";
    let text: String = line.repeat(5 * 1024 * 1024 / line.len());
    let upload = |title: &str| clinic_protocol::UploadDocument {
        patient_id: patient,
        document_type: clinic_protocol::DocumentType::Letter,
        title: title.into(),
        document_date: "2026-11-30".into(),
        author: "Dr Lab".into(),
        source: "City Hospital".into(),
        file_name: "letter.txt".into(),
        content_base64: base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
    };
    let caller = Caller::device(&AUDIT_KEY);
    let first = clinic_core::documents::upload(&mut a.s(), &caller, upload("Referral")).unwrap();
    let second = clinic_core::documents::upload(&mut a.s(), &caller, upload("Copy")).unwrap();
    for _ in 0..3 {
        register(&mut a.s(), bob());
    }
    a.enroll(&scratch, &server, &certs, &clinic, "Front desk")
        .await;
    b.enroll(&scratch, &server, &certs, &clinic, "Doctor laptop")
        .await;
    let pushed = a.sync().await.pushed;
    assert_eq!(a.s().pending_count().unwrap(), 0, "every op pushed");
    assert!(pushed >= 7);
    b.sync().await;
    let sha = |s: &Store, id: &clinic_protocol::DocumentId| -> String {
        s.conn()
            .query_row(
                "SELECT sha256 FROM document WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(sha(&b.s(), &first.id), sha(&a.s(), &first.id));
    assert_eq!(sha(&b.s(), &second.id), sha(&a.s(), &second.id));
    assert_eq!(b.patients(), a.patients());
    assert_eq!(b.held(), 0);
}

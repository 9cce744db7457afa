//! Disk full during writes (DESIGN §7): simulated with `PRAGMA max_page_count`,
//! which makes SQLite answer SQLITE_FULL exactly as a full disk does. A write that
//! does not fit fails with a clear storage error and leaves nothing half-saved
//! (patient rows, outbox ops and audit entries stay in step); once space is back,
//! writing works again and the database is sound.
mod common;

use clinic_core::registry::{patient_count, register_patient};
use clinic_protocol::{ErrorCode, RegisterOutcome, RegisterPatient, UiError};
use common::{caller, outbox_len, store};

fn audit_len(s: &clinic_store::Store) -> i64 {
    s.conn()
        .query_row("SELECT count(*) FROM audit_event", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_full_disk_refuses_the_write_whole_and_recovers() {
    let mut t = store();
    let pages: i64 = t
        .store
        .conn()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    // Room for a few registrations, then the "disk" is full.
    t.store
        .conn()
        .execute_batch(&format!("PRAGMA max_page_count = {}", pages + 12))
        .unwrap();

    let mut generator = clinic_testkit::PatientGenerator::new(77);
    let mut registered = 0;
    let error = loop {
        let request = RegisterPatient {
            details: generator.next_patient(),
            confirm_not_duplicate: true,
        };
        match register_patient(&mut t.store, &caller(), request) {
            Ok(RegisterOutcome::Registered { .. }) => registered += 1,
            Ok(other) => panic!("unexpected {other:?}"),
            Err(e) => break UiError::from(e),
        }
        assert!(registered < 10_000, "the page limit never bit");
    };
    assert!(
        registered > 0,
        "nothing fitted at all: the test proves nothing"
    );
    println!("{registered} registrations fitted; then: {}", error.message);
    assert_eq!(error.code, ErrorCode::Storage);
    assert!(
        error.message.contains("disk is full") && error.message.contains("nothing was saved"),
        "the message should say the disk is full and nothing was saved: {}",
        error.message
    );

    // Nothing half-saved: every patient has its op and its audit entry.
    let conn_counts = |t: &common::TestStore| {
        (
            patient_count(t.store.conn()).unwrap(),
            outbox_len(&t.store),
            audit_len(&t.store),
        )
    };
    let n = registered as i64;
    assert_eq!(conn_counts(&t), (n, n, n));

    // Space comes back: the same store writes again and stays sound.
    t.store
        .conn()
        .execute_batch("PRAGMA max_page_count = 1073741823")
        .unwrap();
    let request = RegisterPatient {
        details: generator.next_patient(),
        confirm_not_duplicate: true,
    };
    register_patient(&mut t.store, &caller(), request).expect("writes after space is freed");
    assert_eq!(conn_counts(&t), (n + 1, n + 1, n + 1));
    let check: String = t
        .store
        .conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    assert!(
        clinic_core::audit::verify(t.store.conn(), &common::AUDIT_KEY)
            .unwrap()
            .ok
    );
}

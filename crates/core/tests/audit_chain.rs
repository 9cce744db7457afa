//! The audit hash chain on the real SQLCipher store: appends verify; tampering
//! done with direct SQL (triggers dropped first, as an attacker with the database
//! key would) is detected at the right entry — edits of every column, deletions,
//! forged insertions, reordering, a wrong key — and a cut-off tail is detected
//! against an anchor.
mod common;

use clinic_core::audit::{
    self, append, append_standalone, head, verify, verify_against_anchor, verify_audited,
    AuditActor, NewAuditEvent,
};
use clinic_core::CoreError;
use clinic_protocol::{
    AuditAction, AuditAnchor, AuditCategory, AuditProblemKind, AuditVerification, PatientId,
};
use clinic_store::Store;
use common::store;
use serde_json::json;

const KEY: [u8; 32] = [42; 32];
const N: u64 = 300;

fn actor(i: u64) -> Option<AuditActor> {
    (!i.is_multiple_of(7)).then(|| AuditActor {
        id: format!("staff-{}", i % 3),
        name: format!("Staff Member {}", i % 3),
        role: "front_desk".into(),
    })
}

/// Appends `n` varied entries, a few per transaction.
fn fill(store: &mut Store, n: u64) {
    let device = store.device_id();
    let mut i = 0;
    while i < n {
        let batch = (n - i).min(5);
        store
            .write(|tx| {
                for j in i..i + batch {
                    let event = if j % 3 == 0 {
                        NewAuditEvent::patient_viewed(actor(j), PatientId::new())
                    } else if j % 3 == 1 {
                        NewAuditEvent::patient_updated(actor(j), PatientId::new(), &["phone"], 2)
                    } else {
                        NewAuditEvent::new(AuditAction::Login, AuditCategory::Security).by(actor(j))
                    };
                    append(tx.conn(), &KEY, device, &event)?;
                }
                Ok::<_, CoreError>(())
            })
            .unwrap();
        i += batch;
    }
}

fn filled() -> common::TestStore {
    let mut s = store();
    fill(&mut s.store, N);
    s
}

/// Runs `tamper` (with the triggers dropped), verifies, and undoes everything.
fn tampered(
    store: &Store,
    key: &[u8; 32],
    anchor: Option<&AuditAnchor>,
    tamper: &str,
) -> AuditVerification {
    let conn = store.conn();
    conn.execute_batch("SAVEPOINT attack").unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_event_no_update;
         DROP TRIGGER audit_event_no_delete;
         DROP TRIGGER audit_event_append_only;",
    )
    .unwrap();
    conn.execute_batch(tamper).unwrap();
    let result = match anchor {
        Some(a) => verify_against_anchor(conn, key, a),
        None => verify(conn, key),
    }
    .unwrap();
    conn.execute_batch("ROLLBACK TO attack; RELEASE attack")
        .unwrap();
    result
}

fn kinds(v: &AuditVerification) -> Vec<(u64, AuditProblemKind)> {
    v.problems.iter().map(|p| (p.seq, p.kind)).collect()
}

fn assert_intact(store: &Store) {
    let v = verify(store.conn(), &KEY).unwrap();
    assert!(v.ok, "{:?}", v.problems);
    assert_eq!(v.checked, N);
}

#[test]
fn hundreds_of_entries_verify_and_the_head_is_the_last_entry() {
    let mut s = store();
    assert_eq!(
        head(s.store.conn()).unwrap(),
        AuditAnchor {
            seq: 0,
            hash: "0".repeat(64)
        }
    );
    let empty = verify(s.store.conn(), &KEY).unwrap();
    assert!(empty.ok && empty.checked == 0);
    fill(&mut s.store, N);
    assert_intact(&s.store);
    let last = append_standalone(
        &mut s.store,
        &KEY,
        &NewAuditEvent::new(AuditAction::Logout, AuditCategory::Security),
    )
    .unwrap();
    assert_eq!(last.seq, N + 1);
    assert_eq!(
        head(s.store.conn()).unwrap(),
        AuditAnchor {
            seq: N + 1,
            hash: last.hash.clone()
        }
    );
    let v = verify_against_anchor(s.store.conn(), &KEY, &head(s.store.conn()).unwrap()).unwrap();
    assert!(v.ok, "{:?}", v.problems);
    // Audit entries are not outbox ops.
    assert_eq!(common::outbox_len(&s.store), 0);
}

#[test]
fn triggers_refuse_updates_deletes_and_out_of_sequence_inserts() {
    let s = filled();
    let conn = s.store.conn();
    for sql in [
        "UPDATE audit_event SET action = 'login' WHERE seq = 5",
        "DELETE FROM audit_event WHERE seq = 5",
        "DELETE FROM audit_event",
        "INSERT INTO audit_event (seq, event_id, device_time, device_id, action, category, detail, prev_hash, hash)
         SELECT 1000, 'x', device_time, device_id, action, category, detail, prev_hash, hash FROM audit_event WHERE seq = 1",
    ] {
        let err = conn.execute_batch(sql).unwrap_err().to_string();
        assert!(err.contains("audit entries"), "{sql}: {err}");
    }
    assert_intact(&s.store);
}

#[test]
fn an_edit_of_any_column_is_detected_at_that_entry() {
    let s = filled();
    let k = 151; // a view of a patient by a signed-in actor
    let edits = [
        "event_id = 'aaaaaaaa-0000-7000-8000-000000000000'",
        "device_time = '2020-01-01T00:00:00.000Z'",
        "device_id = 'aaaaaaaa-0000-7000-8000-000000000000'",
        "actor_id = 'someone-else'",
        "actor_name = 'Someone Else'",
        "actor_role = 'administrator'",
        "action = 'logout'",
        "category = 'billing'",
        "patient_id = NULL",
        "detail = '{\"fields\":[]}'",
        "prev_hash = zeroblob(32)",
        "hash = randomblob(32)",
        "hash = 'not a hash'",
        "device_time = 12345",
    ];
    for edit in edits {
        let v = tampered(
            &s.store,
            &KEY,
            None,
            &format!("UPDATE audit_event SET {edit} WHERE seq = {k}"),
        );
        assert!(!v.ok, "{edit}");
        assert_eq!(v.problems[0].seq, k, "{edit}: {:?}", v.problems);
        assert_eq!(v.problems[0].kind, AuditProblemKind::Edited, "{edit}");
        // A changed hash also unlinks the next entry; nothing else is reported.
        assert!(
            kinds(&v)
                .iter()
                .skip(1)
                .all(|p| *p == (k + 1, AuditProblemKind::BrokenLink)),
            "{edit}: {:?}",
            v.problems
        );
        // The messages never carry entry contents.
        assert!(v.problems.iter().all(|p| !p.message.contains("Someone")));
    }
    assert_intact(&s.store);
}

#[test]
fn a_deleted_middle_entry_is_detected() {
    let s = filled();
    let v = tampered(
        &s.store,
        &KEY,
        None,
        "DELETE FROM audit_event WHERE seq = 100",
    );
    assert_eq!(kinds(&v), vec![(100, AuditProblemKind::Missing)]);
    let v = tampered(
        &s.store,
        &KEY,
        None,
        "DELETE FROM audit_event WHERE seq BETWEEN 10 AND 19",
    );
    assert_eq!(kinds(&v), vec![(10, AuditProblemKind::Missing)]);
    assert!(v.problems[0].message.contains("10 to 19"));
    let v = tampered(
        &s.store,
        &KEY,
        None,
        "DELETE FROM audit_event WHERE seq = 1",
    );
    assert_eq!(kinds(&v), vec![(1, AuditProblemKind::Missing)]);
}

#[test]
fn a_deleted_middle_entry_hidden_by_renumbering_is_detected() {
    let s = filled();
    let v = tampered(
        &s.store,
        &KEY,
        None,
        "DELETE FROM audit_event WHERE seq = 100;
         UPDATE audit_event SET seq = -(seq - 1) WHERE seq > 100;
         UPDATE audit_event SET seq = -seq WHERE seq < 0;",
    );
    assert!(!v.ok);
    assert_eq!(v.problem_count, N - 100);
    // Every renumbered entry is genuine but moved down by one.
    assert!(v.problems.iter().zip(100..).all(|(p, seq)| p.seq == seq
        && p.kind == AuditProblemKind::Reordered
        && p.message.contains(&format!("written as entry {}", seq + 1))));
}

#[test]
fn a_cut_off_tail_is_detected_only_against_an_anchor() {
    let s = filled();
    let anchor = head(s.store.conn()).unwrap();
    let cut = format!("DELETE FROM audit_event WHERE seq > {}", N - 3);
    // Without an anchor a shorter chain is a valid chain.
    let v = tampered(&s.store, &KEY, None, &cut);
    assert!(v.ok);
    assert_eq!(v.checked, N - 3);
    let v = tampered(&s.store, &KEY, Some(&anchor), &cut);
    assert_eq!(kinds(&v), vec![(N - 2, AuditProblemKind::Missing)]);
    // Emptied entirely.
    let v = tampered(&s.store, &KEY, Some(&anchor), "DELETE FROM audit_event");
    assert_eq!(kinds(&v), vec![(1, AuditProblemKind::Missing)]);
    // An anchor that does not match what is stored: the chain was rewritten.
    let wrong = AuditAnchor {
        seq: 200,
        hash: "ab".repeat(32),
    };
    let v = verify_against_anchor(s.store.conn(), &KEY, &wrong).unwrap();
    assert_eq!(kinds(&v), vec![(200, AuditProblemKind::Edited)]);
    let malformed = AuditAnchor {
        seq: 1,
        hash: "xyz".into(),
    };
    assert!(matches!(
        verify_against_anchor(s.store.conn(), &KEY, &malformed),
        Err(CoreError::Validation(_))
    ));
}

const FORGE: &str = "INSERT INTO audit_event (seq, event_id, device_time, device_id, actor_id, actor_name,
        actor_role, action, category, patient_id, detail, prev_hash, hash)
    SELECT {seq}, 'aaaaaaaa-0000-7000-8000-000000000000', device_time, device_id, 'staff-9', 'Mallory', 'doctor',
        'view', 'chart', NULL, '{}', {prev}, randomblob(32)
    FROM audit_event WHERE seq = 1";

#[test]
fn a_forged_entry_is_detected() {
    let s = filled();
    // Appended after the last entry, claiming to follow it.
    let tail = FORGE.replace("{seq}", &(N + 1).to_string()).replace(
        "{prev}",
        &format!("(SELECT hash FROM audit_event WHERE seq = {N})"),
    );
    let v = tampered(&s.store, &KEY, None, &tail);
    assert_eq!(v.problems.len(), 1);
    assert_eq!(v.problems[0].seq, N + 1);
    // Appended with a made-up link.
    let unlinked = FORGE
        .replace("{seq}", &(N + 1).to_string())
        .replace("{prev}", "randomblob(32)");
    let v = tampered(&s.store, &KEY, None, &unlinked);
    assert_eq!(kinds(&v), vec![(N + 1, AuditProblemKind::Inserted)]);
    // Inserted in the middle, shifting the genuine entries up to make room.
    let middle = format!(
        "UPDATE audit_event SET seq = -(seq + 1) WHERE seq >= 120;
         UPDATE audit_event SET seq = -seq WHERE seq < 0;
         {}",
        FORGE
            .replace("{seq}", "120")
            .replace("{prev}", "(SELECT hash FROM audit_event WHERE seq = 119)")
    );
    let v = tampered(&s.store, &KEY, None, &middle);
    assert_eq!(v.problems[0].seq, 120);
    assert_eq!(v.problems[0].kind, AuditProblemKind::Inserted);
    assert!(v.problems[1..]
        .iter()
        .all(|p| p.kind == AuditProblemKind::Reordered && p.seq > 120));
    assert_eq!(v.problem_count, N - 119 + 1);
}

#[test]
fn swapped_entries_are_detected() {
    let s = filled();
    // Swap the positions (seq) of two entries: contents and hashes move together.
    let v = tampered(
        &s.store,
        &KEY,
        None,
        "UPDATE audit_event SET seq = -1 WHERE seq = 50;
         UPDATE audit_event SET seq = 50 WHERE seq = 200;
         UPDATE audit_event SET seq = 200 WHERE seq = -1;",
    );
    assert_eq!(
        kinds(&v),
        vec![
            (50, AuditProblemKind::Reordered),
            (51, AuditProblemKind::BrokenLink),
            (200, AuditProblemKind::Reordered),
            (201, AuditProblemKind::BrokenLink),
        ]
    );
    assert!(v.problems[0].message.contains("written as entry 200"));
    // Adjacent entries.
    let v = tampered(
        &s.store,
        &KEY,
        None,
        "UPDATE audit_event SET seq = -1 WHERE seq = 70;
         UPDATE audit_event SET seq = 70 WHERE seq = 71;
         UPDATE audit_event SET seq = 71 WHERE seq = -1;",
    );
    assert!(!v.ok);
    assert!(kinds(&v).contains(&(70, AuditProblemKind::Reordered)));
    assert!(kinds(&v).contains(&(71, AuditProblemKind::Reordered)));
    // Swap only the event columns, leaving each row's hashes in place.
    let v = tampered(
        &s.store,
        &KEY,
        None,
        "CREATE TEMP TABLE a AS SELECT * FROM audit_event WHERE seq IN (30, 31);
         UPDATE audit_event SET (device_time, actor_id, actor_name, action, category, patient_id, detail) =
             (SELECT device_time, actor_id, actor_name, action, category, patient_id, detail
              FROM temp.a WHERE temp.a.seq = 61 - audit_event.seq)
         WHERE seq IN (30, 31);
         DROP TABLE temp.a;",
    );
    assert_eq!(
        kinds(&v),
        vec![
            (30, AuditProblemKind::Edited),
            (31, AuditProblemKind::Edited)
        ]
    );
}

#[test]
fn with_the_wrong_key_every_entry_fails() {
    let s = filled();
    let v = verify(s.store.conn(), &[43; 32]).unwrap();
    assert!(!v.ok);
    assert_eq!(v.checked, N);
    assert_eq!(v.problem_count, N);
    let seqs: Vec<u64> = v.problems.iter().map(|p| p.seq).collect();
    assert_eq!(seqs, (1..=N).collect::<Vec<_>>());
}

#[test]
fn append_runs_inside_the_callers_transaction_only() {
    let mut s = store();
    let device = s.store.device_id();
    let event = NewAuditEvent::new(AuditAction::Lock, AuditCategory::Security);
    assert!(matches!(
        append(s.store.conn(), &KEY, device, &event),
        Err(CoreError::Audit(_))
    ));
    // Rolled back with the caller's work.
    let r: Result<(), CoreError> = s.store.write(|tx| {
        append(tx.conn(), &KEY, device, &event)?;
        Err(CoreError::NotFound("patient"))
    });
    assert!(r.is_err());
    assert_eq!(head(s.store.conn()).unwrap().seq, 0);
    // The detail is a small object.
    for detail in [
        json!("text"),
        json!({ "big": "x".repeat(audit::MAX_DETAIL_BYTES) }),
    ] {
        let e = event.clone().detail(detail);
        assert!(matches!(
            append_standalone(&mut s.store, &KEY, &e),
            Err(CoreError::Audit(_))
        ));
    }
    let e = append_standalone(&mut s.store, &KEY, &event).unwrap();
    assert_eq!(e.seq, 1);
    assert_eq!(e.action, "lock");
    assert_eq!(e.device_id, device.to_string());
    assert!(e.device_time.ends_with('Z'));
}

#[test]
fn appending_after_a_damaged_tail_keeps_working_and_stays_detected() {
    let mut s = store();
    fill(&mut s.store, 10);
    s.store
        .conn()
        .execute_batch(
            "DROP TRIGGER audit_event_no_update;
             UPDATE audit_event SET hash = x'00' WHERE seq = 10;",
        )
        .unwrap();
    let e = append_standalone(
        &mut s.store,
        &KEY,
        &NewAuditEvent::new(AuditAction::Logout, AuditCategory::Security),
    )
    .unwrap();
    assert_eq!(e.seq, 11);
    let v = verify(s.store.conn(), &KEY).unwrap();
    assert_eq!(
        kinds(&v),
        vec![
            (10, AuditProblemKind::Edited),
            (11, AuditProblemKind::BrokenLink)
        ]
    );
}

#[test]
fn verification_is_itself_audited() {
    let mut s = store();
    fill(&mut s.store, 20);
    let actor = AuditActor {
        id: "admin-1".into(),
        name: "Admin".into(),
        role: "administrator".into(),
    };
    let anchor = head(s.store.conn()).unwrap();
    let v = verify_audited(&mut s.store, &KEY, Some(actor), Some(&anchor)).unwrap();
    assert!(v.ok && v.checked == 20);
    let (action, detail): (String, String) = s
        .store
        .conn()
        .query_row(
            "SELECT action, detail FROM audit_event WHERE seq = 21",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(action, "audit_verify");
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["checked"], 20);
    assert_eq!(detail["anchor_seq"], 20);
    assert!(verify(s.store.conn(), &KEY).unwrap().ok);
}

//! Restricted patients, care teams and break-glass access on the real (SQLCipher)
//! store: who gets which access and when, who may break the glass, what each write
//! leaves behind (exactly one op and one audit entry), and that the break-glass
//! reason reaches neither the audit trail nor the logs.
mod common;
mod identity_common;

use chrono::{Duration, Utc};
use clinic_core::audit::AuditActor;
use clinic_core::authz::Command;
use clinic_core::registry::register_patient;
use clinic_core::restricted::{self, BREAK_GLASS_MINUTES, VISIBLE_TO_STAFF_SQL};
use clinic_core::{identity, Caller, CoreError};
use clinic_protocol::{
    CreateStaff, ErrorCode, PatientAccess, PatientId, RegisterOutcome, RegisterPatient,
    RestrictionCategory, Role, SessionScope, SetStaffDisabled, StaffMember,
};
use clinic_store::Store;
use common::AUDIT_KEY;

const REASON: &str = "Canary: collapsed in waiting room, needs allergy list";

struct Clinic {
    t: common::TestStore,
    admin: StaffMember,
    doctor: StaffMember,
    nurse: StaffMember,
    front_desk: StaffMember,
    billing: StaffMember,
    patient: PatientId,
}

fn staff(store: &mut Store, username: &str, role: Role) -> StaffMember {
    identity::create_staff(
        store,
        CreateStaff {
            username: username.into(),
            display_name: format!("{username} person"),
            role,
            password: identity_common::STAFF_PASSWORD.into(),
        },
    )
    .unwrap()
}

fn clinic() -> Clinic {
    let mut t = common::store();
    let admin = identity_common::clinic(&mut t.store).admin;
    let doctor = staff(&mut t.store, "doc", Role::Doctor);
    let nurse = staff(&mut t.store, "nurse", Role::Nurse);
    let front_desk = staff(&mut t.store, "desk", Role::FrontDesk);
    let billing = staff(&mut t.store, "billing", Role::Billing);
    let patient = common::register_ada(&mut t.store);
    Clinic {
        t,
        admin,
        doctor,
        nurse,
        front_desk,
        billing,
        patient,
    }
}

fn caller(s: &StaffMember) -> Caller<'static> {
    Caller {
        audit_key: &AUDIT_KEY,
        actor: Some(AuditActor {
            id: s.id.to_string(),
            name: s.display_name.clone(),
            role: s.role.as_str().into(),
        }),
        staff_id: Some(s.id),
    }
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// (outbox rows, audit entries, grants, alerts).
fn counts(store: &Store) -> (i64, i64, i64, i64) {
    (
        count(store, "SELECT count(*) FROM outbox"),
        count(store, "SELECT count(*) FROM audit_event"),
        count(store, "SELECT count(*) FROM break_glass_grant"),
        count(store, "SELECT count(*) FROM break_glass_alert"),
    )
}

/// The last outbox op's kind and the last audit entry's action.
fn last_op_and_audit(store: &Store) -> (String, String) {
    (
        store
            .conn()
            .query_row(
                "SELECT kind FROM outbox ORDER BY device_counter DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap(),
        store
            .conn()
            .query_row(
                "SELECT action FROM audit_event ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap(),
    )
}

fn restrict(c: &mut Clinic) {
    let admin = caller(&c.admin);
    restricted::set_restricted(
        &mut c.t.store,
        &admin,
        c.patient,
        true,
        Some(RestrictionCategory::StaffMember),
    )
    .unwrap();
}

#[test]
fn an_unrestricted_patient_is_open_to_everyone() {
    let c = clinic();
    let now = Utc::now();
    for s in [&c.admin, &c.doctor, &c.nurse, &c.front_desk, &c.billing] {
        assert_eq!(
            restricted::access(c.t.store.conn(), s.id, c.patient, now).unwrap(),
            PatientAccess::Open
        );
    }
    let r = restricted::restriction(c.t.store.conn(), c.patient).unwrap();
    assert!(!r.restricted);
    assert_eq!(r.category, None);
}

#[test]
fn a_restricted_patient_opens_only_for_the_care_team() {
    let mut c = clinic();
    restrict(&mut c);
    let admin = caller(&c.admin);
    let now = Utc::now();
    let r = restricted::restriction(c.t.store.conn(), c.patient).unwrap();
    assert!(r.restricted);
    assert_eq!(r.category, Some(RestrictionCategory::StaffMember));
    // Nobody is on the team yet: administrators are not implicitly on it.
    for s in [&c.admin, &c.doctor, &c.nurse, &c.front_desk, &c.billing] {
        assert_eq!(
            restricted::access(c.t.store.conn(), s.id, c.patient, now).unwrap(),
            PatientAccess::Denied,
            "{:?}",
            s.role
        );
    }
    restricted::add_to_care_team(&mut c.t.store, &admin, c.patient, c.doctor.id).unwrap();
    restricted::add_to_care_team(&mut c.t.store, &admin, c.patient, c.front_desk.id).unwrap();
    assert_eq!(
        restricted::care_team(c.t.store.conn(), c.patient)
            .unwrap()
            .len(),
        2
    );
    let access = |c: &Clinic, s: &StaffMember| {
        restricted::access(c.t.store.conn(), s.id, c.patient, now).unwrap()
    };
    assert_eq!(access(&c, &c.doctor), PatientAccess::CareTeam);
    assert_eq!(access(&c, &c.front_desk), PatientAccess::CareTeam);
    assert_eq!(access(&c, &c.nurse), PatientAccess::Denied);
    assert_eq!(access(&c, &c.admin), PatientAccess::Denied);

    // Removal is a status; the member loses access.
    restricted::remove_from_care_team(&mut c.t.store, &admin, c.patient, c.front_desk.id).unwrap();
    assert_eq!(access(&c, &c.front_desk), PatientAccess::Denied);
    assert_eq!(
        restricted::care_team(c.t.store.conn(), c.patient).unwrap(),
        vec![c.doctor.id]
    );

    // A disabled member is denied.
    identity::set_disabled(
        &mut c.t.store,
        SetStaffDisabled {
            staff_id: c.doctor.id,
            disabled: true,
        },
    )
    .unwrap();
    assert_eq!(access(&c, &c.doctor), PatientAccess::Denied);

    // Lifting the restriction opens the chart again.
    restricted::set_restricted(&mut c.t.store, &admin, c.patient, false, None).unwrap();
    assert_eq!(access(&c, &c.nurse), PatientAccess::Open);

    // The audited check refuses with its own code and audits access_denied.
    restrict(&mut c);
    let before = count(&c.t.store, "SELECT count(*) FROM audit_event");
    let err = restricted::ensure_access(
        &mut c.t.store,
        &caller(&c.nurse),
        c.nurse.id,
        c.patient,
        Command::GetPatient,
        now,
    )
    .unwrap_err();
    assert!(matches!(err, CoreError::RestrictedPatient), "{err:?}");
    assert_eq!(err.code(), ErrorCode::RestrictedPatient);
    assert_eq!(
        count(&c.t.store, "SELECT count(*) FROM audit_event"),
        before + 1
    );
    assert_eq!(last_op_and_audit(&c.t.store).1, "access_denied");
}

#[test]
fn restricting_needs_a_category_and_unknown_ids_are_not_found() {
    let mut c = clinic();
    let admin = caller(&c.admin);
    let before = counts(&c.t.store);
    let err =
        restricted::set_restricted(&mut c.t.store, &admin, c.patient, true, None).unwrap_err();
    match err {
        CoreError::Validation(fields) => assert_eq!(fields[0].field, "category"),
        other => panic!("{other:?}"),
    }
    let err = restricted::set_restricted(
        &mut c.t.store,
        &admin,
        PatientId::new(),
        true,
        Some(RestrictionCategory::PublicFigure),
    )
    .unwrap_err();
    assert!(matches!(err, CoreError::NotFound("patient")), "{err:?}");
    let err = restricted::add_to_care_team(
        &mut c.t.store,
        &admin,
        c.patient,
        clinic_protocol::StaffId::new(),
    )
    .unwrap_err();
    assert!(
        matches!(err, CoreError::NotFound("staff member")),
        "{err:?}"
    );
    assert_eq!(counts(&c.t.store), before, "nothing written");
}

#[test]
fn a_nurse_breaks_the_glass_until_it_expires() {
    let mut c = clinic();
    restrict(&mut c);
    let now = Utc::now();
    let grant = restricted::break_glass(
        &mut c.t.store,
        &caller(&c.nurse),
        &identity_common::session_of(&c.nurse),
        c.patient,
        &format!("  {REASON}  "),
        now,
    )
    .unwrap();
    assert_eq!(grant.reason, REASON, "stored trimmed");
    assert_eq!(grant.staff_id, c.nurse.id);
    assert_eq!(
        grant.expires_at,
        restricted::stored_time(now + Duration::minutes(BREAK_GLASS_MINUTES))
    );
    let access = |c: &Clinic, s: &StaffMember, at| {
        restricted::access(c.t.store.conn(), s.id, c.patient, at).unwrap()
    };
    let open = PatientAccess::BreakGlass {
        expires_at: grant.expires_at.clone(),
    };
    assert_eq!(access(&c, &c.nurse, now), open);
    assert_eq!(access(&c, &c.nurse, now + Duration::minutes(59)), open);
    assert_eq!(
        access(&c, &c.nurse, now + Duration::minutes(BREAK_GLASS_MINUTES)),
        PatientAccess::Denied,
        "expired at expires_at"
    );
    assert_eq!(
        access(&c, &c.nurse, now + Duration::hours(5)),
        PatientAccess::Denied
    );
    // The grant is the nurse's only.
    assert_eq!(access(&c, &c.doctor, now), PatientAccess::Denied);

    let active = restricted::active_grants(c.t.store.conn(), now).unwrap();
    assert_eq!(active, vec![grant.clone()]);
    assert!(
        restricted::active_grants(c.t.store.conn(), now + Duration::minutes(61))
            .unwrap()
            .is_empty()
    );

    // One alert for the administrators, with the grant (and its reason) to review.
    let alerts = restricted::pending_admin_alerts(c.t.store.conn()).unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].grant, grant);
    assert_eq!(alerts[0].acknowledged_at, None);
    let acked =
        restricted::acknowledge_alert(&mut c.t.store, &caller(&c.admin), alerts[0].id).unwrap();
    assert!(acked.acknowledged_at.is_some());
    assert_eq!(acked.acknowledged_by, Some(c.admin.id));
    assert!(restricted::pending_admin_alerts(c.t.store.conn())
        .unwrap()
        .is_empty());

    // A second grant gives a second alert; revoking ends access at once.
    let second = restricted::break_glass(
        &mut c.t.store,
        &caller(&c.doctor),
        &identity_common::session_of(&c.doctor),
        c.patient,
        REASON,
        now,
    )
    .unwrap();
    assert_eq!(
        restricted::pending_admin_alerts(c.t.store.conn())
            .unwrap()
            .len(),
        1
    );
    let revoked =
        restricted::revoke_grant(&mut c.t.store, &caller(&c.admin), second.id, now).unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(access(&c, &c.doctor, now), PatientAccess::Denied);
    assert_eq!(access(&c, &c.nurse, now), open, "other grants stand");
}

#[test]
fn front_desk_billing_and_administrators_cannot_break_the_glass() {
    let mut c = clinic();
    restrict(&mut c);
    let now = Utc::now();
    let mut enrolling = identity_common::session_of(&c.doctor);
    enrolling.scope = SessionScope::TotpEnrollment;
    let callers = [
        (
            caller(&c.front_desk),
            identity_common::session_of(&c.front_desk),
        ),
        (caller(&c.billing), identity_common::session_of(&c.billing)),
        (caller(&c.admin), identity_common::session_of(&c.admin)),
        (caller(&c.doctor), enrolling),
    ];
    for (who, s) in callers {
        let (ops, audits, grants, alerts) = counts(&c.t.store);
        let err =
            restricted::break_glass(&mut c.t.store, &who, &s, c.patient, REASON, now).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{:?}", s.role);
        assert_eq!(
            counts(&c.t.store),
            (ops, audits + 1, grants, alerts),
            "only the refusal is written"
        );
        let (action, actor, patient, detail): (String, String, String, String) = c
            .t
            .store
            .conn()
            .query_row(
                "SELECT action, actor_id, patient_id, detail FROM audit_event ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(action, "access_denied");
        assert_eq!(actor, s.staff_id.to_string());
        assert_eq!(patient, c.patient.to_string());
        assert!(detail.contains("break_glass"), "{detail}");
        assert_eq!(
            restricted::access(c.t.store.conn(), s.staff_id, c.patient, now).unwrap(),
            PatientAccess::Denied
        );
    }
}

#[test]
fn a_short_reason_or_an_open_chart_is_refused_and_nothing_is_written() {
    let mut c = clinic();
    let now = Utc::now();
    // Not restricted: nothing to break.
    let before = counts(&c.t.store);
    let err = restricted::break_glass(
        &mut c.t.store,
        &caller(&c.nurse),
        &identity_common::session_of(&c.nurse),
        c.patient,
        REASON,
        now,
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert_eq!(counts(&c.t.store), before);

    restrict(&mut c);
    let before = counts(&c.t.store);
    for reason in ["", "   ", "urgent", "  too short  "] {
        let err = restricted::break_glass(
            &mut c.t.store,
            &caller(&c.nurse),
            &identity_common::session_of(&c.nurse),
            c.patient,
            reason,
            now,
        )
        .unwrap_err();
        match err {
            CoreError::Validation(fields) => {
                assert_eq!(fields.len(), 1);
                assert_eq!(fields[0].field, "reason");
            }
            other => panic!("{other:?}"),
        }
    }
    // On the care team: open the chart normally.
    restricted::add_to_care_team(&mut c.t.store, &caller(&c.admin), c.patient, c.nurse.id).unwrap();
    let before_team = counts(&c.t.store);
    assert_eq!(before_team.0, before.0 + 1);
    let err = restricted::break_glass(
        &mut c.t.store,
        &caller(&c.nurse),
        &identity_common::session_of(&c.nurse),
        c.patient,
        REASON,
        now,
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert_eq!(counts(&c.t.store), before_team);
    assert!(restricted::pending_admin_alerts(c.t.store.conn())
        .unwrap()
        .is_empty());
}

#[test]
fn every_write_records_exactly_one_op_and_one_audit_entry() {
    let mut c = clinic();
    let admin = caller(&c.admin);
    let now = Utc::now();
    let p = c.patient;
    let doctor = c.doctor.id;
    let nurse = (caller(&c.nurse), identity_common::session_of(&c.nurse));
    type Step<'a> = Box<dyn FnMut(&mut Store) + 'a>;
    let grant_id = std::cell::Cell::new(None);
    let alert_id = std::cell::Cell::new(None);
    let mut steps: Vec<(&str, &str, Step)> = vec![
        (
            "set_patient_restriction",
            "update",
            Box::new(|s| {
                restricted::set_restricted(
                    s,
                    &admin,
                    p,
                    true,
                    Some(RestrictionCategory::PublicFigure),
                )
                .map(drop)
                .unwrap()
            }),
        ),
        (
            "set_patient_restriction",
            "update",
            Box::new(|s| {
                restricted::set_restricted(
                    s,
                    &admin,
                    p,
                    true,
                    Some(RestrictionCategory::StaffRelative),
                )
                .map(drop)
                .unwrap()
            }),
        ),
        (
            "add_care_team_member",
            "update",
            Box::new(|s| restricted::add_to_care_team(s, &admin, p, doctor).unwrap()),
        ),
        (
            "remove_care_team_member",
            "update",
            Box::new(|s| restricted::remove_from_care_team(s, &admin, p, doctor).unwrap()),
        ),
        (
            "break_glass",
            "break_glass",
            Box::new(|s| {
                let g = restricted::break_glass(s, &nurse.0, &nurse.1, p, REASON, now).unwrap();
                grant_id.set(Some(g.id));
            }),
        ),
        (
            "acknowledge_alert",
            "update",
            Box::new(|s| {
                let a = restricted::pending_admin_alerts(s.conn()).unwrap()[0].id;
                alert_id.set(Some(a));
                restricted::acknowledge_alert(s, &admin, a)
                    .map(drop)
                    .unwrap()
            }),
        ),
        (
            "revoke_break_glass",
            "update",
            Box::new(|s| {
                restricted::revoke_grant(s, &admin, grant_id.get().unwrap(), now)
                    .map(drop)
                    .unwrap()
            }),
        ),
    ];
    for (kind, action, step) in steps.iter_mut() {
        let (ops, audits, _, _) = counts(&c.t.store);
        step(&mut c.t.store);
        let (ops2, audits2, _, _) = counts(&c.t.store);
        assert_eq!((ops2 - ops, audits2 - audits), (1, 1), "{kind}");
        assert_eq!(
            last_op_and_audit(&c.t.store),
            (kind.to_string(), action.to_string())
        );
    }
    drop(steps);
    // Writes that change nothing write nothing.
    let before = counts(&c.t.store);
    restricted::set_restricted(
        &mut c.t.store,
        &admin,
        p,
        true,
        Some(RestrictionCategory::StaffRelative),
    )
    .unwrap();
    restricted::remove_from_care_team(&mut c.t.store, &admin, p, doctor).unwrap();
    restricted::acknowledge_alert(&mut c.t.store, &admin, alert_id.get().unwrap()).unwrap();
    restricted::revoke_grant(&mut c.t.store, &admin, grant_id.get().unwrap(), now).unwrap();
    assert_eq!(counts(&c.t.store), before);
    // The trail still verifies.
    let report = clinic_core::audit::verify(c.t.store.conn(), &AUDIT_KEY).unwrap();
    assert!(report.ok, "{report:?}");
}

#[test]
fn the_reason_is_in_the_grant_and_its_op_but_never_in_the_audit_trail_or_logs() {
    let mut c = clinic();
    restrict(&mut c);
    let now = Utc::now();
    let (grant, logs) = common::capture_trace_logs(|| {
        let grant = restricted::break_glass(
            &mut c.t.store,
            &caller(&c.nurse),
            &identity_common::session_of(&c.nurse),
            c.patient,
            REASON,
            now,
        )
        .unwrap();
        // Refusals and reviews do not log it either.
        let _ = restricted::break_glass(
            &mut c.t.store,
            &caller(&c.billing),
            &identity_common::session_of(&c.billing),
            c.patient,
            REASON,
            now,
        );
        let alert = restricted::pending_admin_alerts(c.t.store.conn()).unwrap()[0].id;
        restricted::acknowledge_alert(&mut c.t.store, &caller(&c.admin), alert).unwrap();
        restricted::revoke_grant(&mut c.t.store, &caller(&c.admin), grant.id, now).unwrap();
        grant
    });
    assert!(logs.contains("break-glass"), "the capture works: {logs}");
    assert!(!logs.contains("Canary"), "{logs}");

    // The audit trail: no column of any entry holds any part of the reason.
    let in_audit = count(
        &c.t.store,
        "SELECT count(*) FROM audit_event WHERE
            instr(detail, 'Canary') OR instr(coalesce(actor_name, ''), 'Canary')
            OR instr(action, 'Canary') OR instr(category, 'Canary')",
    );
    assert_eq!(in_audit, 0);
    let (detail, patient): (String, String) =
        c.t.store
            .conn()
            .query_row(
                "SELECT detail, patient_id FROM audit_event WHERE action = 'break_glass'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
    assert_eq!(patient, c.patient.to_string());
    assert!(detail.contains(&grant.id.to_string()), "{detail}");
    assert!(!detail.contains("reason"), "{detail}");

    // The outbox: only the grant's own op carries it (for review on every device).
    let mut stmt =
        c.t.store
            .conn()
            .prepare("SELECT kind, entity, entity_id FROM outbox WHERE instr(payload, 'Canary')")
            .unwrap();
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows,
        vec![(
            "break_glass".to_string(),
            "break_glass_grant".to_string(),
            grant.id.to_string()
        )]
    );
}

#[test]
fn the_visibility_condition_agrees_with_access() {
    let mut c = clinic();
    let admin = caller(&c.admin);
    // A second patient, left unrestricted.
    let other = match register_patient(
        &mut c.t.store,
        &common::caller(),
        RegisterPatient {
            details: clinic_protocol::PatientDetails {
                given_name: "Charles".into(),
                family_name: "Babbage".into(),
                date_of_birth: "1971-12-26".into(),
                phone: "+44 20 7946 0123".into(),
                email: "".into(),
                ..common::ada()
            },
            confirm_not_duplicate: true,
        },
    )
    .unwrap()
    {
        RegisterOutcome::Registered { patient } => patient.id,
        other => panic!("{other:?}"),
    };
    restrict(&mut c);
    restricted::add_to_care_team(&mut c.t.store, &admin, c.patient, c.doctor.id).unwrap();
    let now = Utc::now();
    restricted::break_glass(
        &mut c.t.store,
        &caller(&c.nurse),
        &identity_common::session_of(&c.nurse),
        c.patient,
        REASON,
        now,
    )
    .unwrap();
    let sql = format!("SELECT p.id FROM patient p WHERE {VISIBLE_TO_STAFF_SQL} ORDER BY p.id");
    for at in [now, now + Duration::hours(2)] {
        for s in [&c.admin, &c.doctor, &c.nurse, &c.front_desk, &c.billing] {
            let mut stmt = c.t.store.conn().prepare(&sql).unwrap();
            let visible: Vec<String> = stmt
                .query_map(
                    rusqlite::named_params! {
                        ":staff_id": s.id.to_string(),
                        ":now": restricted::stored_time(at),
                    },
                    |r| r.get(0),
                )
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for p in [c.patient, other] {
                let allowed = restricted::access(c.t.store.conn(), s.id, p, at)
                    .unwrap()
                    .allows();
                assert_eq!(
                    visible.contains(&p.to_string()),
                    allowed,
                    "{:?} at +{}",
                    s.role,
                    (at - now).num_minutes()
                );
            }
        }
    }
}

#[test]
fn a_disabled_account_cannot_break_the_glass() {
    let mut c = clinic();
    restrict(&mut c);
    identity::set_disabled(
        &mut c.t.store,
        SetStaffDisabled {
            staff_id: c.nurse.id,
            disabled: true,
        },
    )
    .unwrap();
    let before = counts(&c.t.store);
    let err = restricted::break_glass(
        &mut c.t.store,
        &caller(&c.nurse),
        &identity_common::session_of(&c.nurse),
        c.patient,
        REASON,
        Utc::now(),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::SessionEnded);
    assert_eq!(counts(&c.t.store), before);
}

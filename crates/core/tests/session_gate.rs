//! The session gate on the real (SQLCipher) store, as the shell uses it: every
//! forbidden role × command cell is refused AND leaves an `access_denied` entry;
//! no session, a disabled account, a changed role and inactivity are enforced in
//! the core; sign-in, failures, lock and unlock are audited without the typed
//! username or password; restricted patients are masked in search and refused
//! on view for staff off the care team.
mod common;
mod identity_common;

use chrono::{DateTime, Duration, Utc};
use clinic_core::authz::{self, Command};
use clinic_core::session::SessionGate;
use clinic_core::{admin, identity, registry, restricted, search, CoreError};
use clinic_protocol::{
    ChangePassword, CreateStaff, ErrorCode, LockReason, Login, LoginOutcome, PatientSearch,
    ResetStaffPassword, ResetStaffTotp, RestrictionCategory, Role, SessionScope, SetStaffDisabled,
    SetStaffRole, StaffMember, UiError, Unlock,
};
use clinic_store::Store;
use common::AUDIT_KEY;
use identity_common::{ADMIN_PASSWORD, STAFF_PASSWORD};

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

struct Clinic {
    t: common::TestStore,
    admin: StaffMember,
}

fn clinic() -> Clinic {
    let mut t = common::store();
    let created = identity_common::clinic(&mut t.store);
    identity::enroll_known_totp_secret(&mut t.store, &created.session, SECRET, Utc::now()).unwrap();
    for (name, role) in [
        ("desk", Role::FrontDesk),
        ("doc", Role::Doctor),
        ("nurse", Role::Nurse),
        ("billing", Role::Billing),
    ] {
        admin::create_staff(
            &mut t.store,
            &common::caller(),
            CreateStaff {
                username: name.into(),
                display_name: format!("{name} person"),
                role,
                password: STAFF_PASSWORD.into(),
            },
        )
        .unwrap();
    }
    Clinic {
        t,
        admin: created.admin,
    }
}

fn username(role: Role) -> &'static str {
    match role {
        Role::Administrator => "grace.admin",
        Role::FrontDesk => "desk",
        Role::Doctor => "doc",
        Role::Nurse => "nurse",
        Role::Billing => "billing",
    }
}

fn sign_in(store: &mut Store, role: Role, now: DateTime<Utc>) -> SessionGate {
    let mut gate = SessionGate::new();
    let (password, code) = if role == Role::Administrator {
        (
            ADMIN_PASSWORD,
            Some(identity_common::totp_code(SECRET, now)),
        )
    } else {
        (STAFF_PASSWORD, None)
    };
    let outcome = gate
        .login(
            store,
            &AUDIT_KEY,
            Login {
                username: username(role).into(),
                password: password.into(),
                totp_code: code,
            },
            now,
        )
        .unwrap();
    assert!(
        matches!(outcome, LoginOutcome::SignedIn { .. }),
        "{outcome:?}"
    );
    gate
}

/// `(action, actor_id, detail)` of the newest audit entry.
fn last_entry(store: &Store) -> (String, Option<String>, serde_json::Value) {
    store
        .conn()
        .query_row(
            "SELECT action, actor_id, detail FROM audit_event ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                let detail: String = r.get(2)?;
                Ok((r.get(0)?, r.get(1)?, serde_json::from_str(&detail).unwrap()))
            },
        )
        .unwrap()
}

fn count(store: &Store, action: &str) -> i64 {
    store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_event WHERE action = ?1",
            [action],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn every_forbidden_cell_is_refused_and_audited_every_allowed_cell_passes() {
    let mut c = clinic();
    let now = Utc::now();
    let mut refused = 0;
    for role in Role::ALL {
        let mut gate = sign_in(&mut c.t.store, role, now);
        let staff_id = gate.current().unwrap().0.staff_id;
        for &command in Command::ALL {
            let before = count(&c.t.store, "access_denied");
            let result = gate.admit(&mut c.t.store, &AUDIT_KEY, command, now);
            if authz::permits(role, command) {
                let caller = result.unwrap_or_else(|e| panic!("{role:?} × {command}: {e}"));
                assert_eq!(caller.staff_id, Some(staff_id));
                assert_eq!(count(&c.t.store, "access_denied"), before);
            } else {
                let e = result
                    .err()
                    .unwrap_or_else(|| panic!("{role:?} × {command}"));
                assert_eq!(UiError::from(e).code, ErrorCode::Forbidden);
                assert_eq!(count(&c.t.store, "access_denied"), before + 1);
                let (_, actor, detail) = last_entry(&c.t.store);
                assert_eq!(actor, Some(staff_id.to_string()));
                assert_eq!(detail["command"], command.as_str());
                assert_eq!(detail["refusal"], "role_not_permitted");
                refused += 1;
            }
        }
    }
    // The matrix has forbidden cells, and each one went through the gate.
    let forbidden = Role::ALL
        .iter()
        .flat_map(|r| Command::ALL.iter().map(move |c| (*r, *c)))
        .filter(|(r, c)| !authz::permits(*r, *c))
        .count();
    assert!(refused > 40, "{refused}");
    assert_eq!(refused, forbidden);
}

#[test]
fn without_a_session_only_public_commands_pass_and_refusals_are_audited() {
    let mut c = clinic();
    let mut gate = SessionGate::new();
    let now = Utc::now();
    for &command in Command::ALL {
        let r = gate.admit(&mut c.t.store, &AUDIT_KEY, command, now);
        if command.is_public() {
            assert!(r.unwrap().staff_id.is_none());
        } else {
            let e = r.err().unwrap();
            assert_eq!(UiError::from(e).code, ErrorCode::SessionEnded, "{command}");
            let (action, actor, detail) = last_entry(&c.t.store);
            assert_eq!((action.as_str(), actor), ("access_denied", None));
            assert_eq!(detail["refusal"], "not_signed_in");
        }
    }
}

#[test]
fn a_disabled_account_and_a_changed_role_end_the_open_session_at_once() {
    let mut c = clinic();
    let now = Utc::now();
    let mut desk = sign_in(&mut c.t.store, Role::FrontDesk, now);
    let mut doc = sign_in(&mut c.t.store, Role::Doctor, now);
    let desk_id = desk.current().unwrap().0.staff_id;
    let doc_id = doc.current().unwrap().0.staff_id;
    let admin_caller = clinic_core::Caller::staff(&AUDIT_KEY, &{
        let gate = sign_in(&mut c.t.store, Role::Administrator, now);
        gate.current().unwrap().0.clone()
    });
    admin::set_disabled(
        &mut c.t.store,
        &admin_caller,
        SetStaffDisabled {
            staff_id: desk_id,
            disabled: true,
        },
    )
    .unwrap();
    assert_eq!(
        last_entry(&c.t.store).2["change"],
        "disabled",
        "account change audited"
    );
    let e = desk
        .admit(&mut c.t.store, &AUDIT_KEY, Command::SearchPatients, now)
        .err()
        .unwrap();
    assert!(matches!(e, CoreError::AccountDisabled));
    assert!(desk.current().is_none(), "the session is gone");
    let (action, actor, detail) = last_entry(&c.t.store);
    assert_eq!(action, "logout");
    assert_eq!(actor, Some(desk_id.to_string()));
    assert_eq!(detail["ended"], "account_disabled");

    admin::set_role(
        &mut c.t.store,
        &admin_caller,
        SetStaffRole {
            staff_id: doc_id,
            role: Role::Nurse,
        },
    )
    .unwrap();
    let (action, _, detail) = last_entry(&c.t.store);
    assert_eq!(action, "role_change");
    assert_eq!(
        (detail["from"].as_str(), detail["to"].as_str()),
        (Some("doctor"), Some("nurse"))
    );
    let e = doc
        .admit(&mut c.t.store, &AUDIT_KEY, Command::GetPatient, now)
        .err()
        .unwrap();
    assert!(matches!(e, CoreError::SessionEnded));
    assert!(doc.current().is_none());
    assert_eq!(c.admin.role, Role::Administrator);
}

#[test]
fn inactivity_locks_in_the_core_and_only_the_password_unlocks() {
    let mut c = clinic();
    let t0 = Utc::now();
    let mut gate = sign_in(&mut c.t.store, Role::Nurse, t0);
    let minutes = gate.current().unwrap().0.auto_lock_minutes;
    assert_eq!(minutes, identity::DEFAULT_AUTO_LOCK_MINUTES);
    // Polling the status does not count as activity; a search does.
    let t1 = t0 + Duration::minutes(i64::from(minutes) - 1);
    gate.admit(&mut c.t.store, &AUDIT_KEY, Command::SearchPatients, t1)
        .unwrap();
    let t2 = t1 + Duration::minutes(i64::from(minutes) - 1);
    gate.admit(&mut c.t.store, &AUDIT_KEY, Command::AppStatus, t2)
        .unwrap();
    assert!(!gate.current().unwrap().1, "not locked yet");
    let t3 = t1 + Duration::minutes(i64::from(minutes));
    let e = gate
        .admit(&mut c.t.store, &AUDIT_KEY, Command::GetPatient, t3)
        .err()
        .unwrap();
    assert_eq!(UiError::from(e).code, ErrorCode::Locked);
    assert!(gate.current().unwrap().1, "locked");
    assert_eq!(count(&c.t.store, "lock"), 1);
    let failed = count(&c.t.store, "login_failed");
    let e = gate
        .unlock(
            &mut c.t.store,
            &AUDIT_KEY,
            Unlock {
                password: "not the password".into(),
            },
            t3,
        )
        .err()
        .unwrap();
    assert!(matches!(e, CoreError::InvalidCredentials));
    assert_eq!(count(&c.t.store, "login_failed"), failed + 1);
    assert_eq!(last_entry(&c.t.store).2["during"], "unlock");
    assert!(gate.current().unwrap().1, "still locked");
    gate.unlock(
        &mut c.t.store,
        &AUDIT_KEY,
        Unlock {
            password: STAFF_PASSWORD.into(),
        },
        t3,
    )
    .unwrap();
    assert_eq!(last_entry(&c.t.store).0, "unlock");
    gate.admit(&mut c.t.store, &AUDIT_KEY, Command::GetPatient, t3)
        .unwrap();
    gate.lock(&mut c.t.store, &AUDIT_KEY, LockReason::Manual)
        .unwrap();
    assert_eq!(last_entry(&c.t.store).2["reason"], "manual");
    gate.logout(&mut c.t.store, &AUDIT_KEY).unwrap();
    assert_eq!(last_entry(&c.t.store).0, "logout");
    assert!(gate.current().is_none());
}

#[test]
fn sign_in_and_failures_are_audited_without_what_was_typed() {
    let mut c = clinic();
    let mut gate = SessionGate::new();
    let now = Utc::now();
    let typed_user = "Canary.Username";
    let typed_password = "Canary-Password-123";
    let e = gate
        .login(
            &mut c.t.store,
            &AUDIT_KEY,
            Login {
                username: typed_user.into(),
                password: typed_password.into(),
                totp_code: None,
            },
            now,
        )
        .err()
        .unwrap();
    assert!(matches!(e, CoreError::InvalidCredentials));
    let (action, actor, detail) = last_entry(&c.t.store);
    assert_eq!((action.as_str(), actor), ("login_failed", None));
    assert_eq!(detail["reason"], "invalid_credentials");
    let all: String =
        c.t.store
            .conn()
            .query_row(
                "SELECT group_concat(detail, ' ') FROM audit_event",
                [],
                |r| r.get(0),
            )
            .unwrap();
    assert!(!all.contains("Canary"), "{all}");

    // An administrator: password first, then the code; a session only then.
    let login = |code: Option<String>| Login {
        username: "GRACE.ADMIN".into(),
        password: ADMIN_PASSWORD.into(),
        totp_code: code,
    };
    let outcome = gate
        .login(&mut c.t.store, &AUDIT_KEY, login(None), now)
        .unwrap();
    assert_eq!(outcome, LoginOutcome::TotpRequired);
    assert!(gate.current().is_none());
    let code = identity_common::totp_code(SECRET, now);
    let outcome = gate
        .login(&mut c.t.store, &AUDIT_KEY, login(Some(code)), now)
        .unwrap();
    let LoginOutcome::SignedIn { session } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(session.scope, SessionScope::Full);
    let (action, actor, detail) = last_entry(&c.t.store);
    assert_eq!(action, "login");
    assert_eq!(actor, Some(c.admin.id.to_string()));
    assert_eq!(detail["scope"], "full");
    // Signed in: signing in again is refused (log out first).
    let e = gate
        .admit(&mut c.t.store, &AUDIT_KEY, Command::Login, now)
        .err()
        .unwrap();
    assert!(matches!(e, CoreError::Forbidden(_)));
}

#[test]
fn restricted_patients_are_masked_in_search_and_refused_on_view_off_the_care_team() {
    let mut c = clinic();
    let now = Utc::now();
    let patient = common::register_ada(&mut c.t.store);
    let mut admin_gate = sign_in(&mut c.t.store, Role::Administrator, now);
    let admin_caller = admin_gate
        .admit(
            &mut c.t.store,
            &AUDIT_KEY,
            Command::SetPatientRestriction,
            now,
        )
        .unwrap();
    restricted::set_restricted(
        &mut c.t.store,
        &admin_caller,
        patient,
        true,
        Some(RestrictionCategory::PublicFigure),
    )
    .unwrap();
    let mut doc = sign_in(&mut c.t.store, Role::Doctor, now);
    let doc_id = doc.current().unwrap().0.staff_id;
    let query = PatientSearch {
        text: "lovelace".into(),
        page: 0,
        page_size: 25,
    };
    let caller = doc
        .admit(&mut c.t.store, &AUDIT_KEY, Command::SearchPatients, now)
        .unwrap();
    let page = search::search_patients_audited(&mut c.t.store, &caller, &query).unwrap();
    assert_eq!(page.items.len(), 1);
    let row = &page.items[0];
    assert!(row.restricted);
    assert_eq!(row.id, patient);
    assert!(!row.mrn.is_empty());
    assert_eq!(
        (
            row.given_name.as_str(),
            row.family_name.as_str(),
            row.date_of_birth.as_str(),
            row.phone.as_str()
        ),
        ("", "", "", "")
    );
    let e = registry::view_patient(&mut c.t.store, &caller, patient)
        .err()
        .unwrap();
    assert!(matches!(e, CoreError::RestrictedPatient));
    assert_eq!(last_entry(&c.t.store).0, "access_denied");

    // On the care team: the full row and the chart.
    restricted::add_to_care_team(&mut c.t.store, &admin_caller, patient, doc_id).unwrap();
    let page = search::search_patients_audited(&mut c.t.store, &caller, &query).unwrap();
    assert!(!page.items[0].restricted);
    assert_eq!(page.items[0].family_name, "Lovelace");
    registry::view_patient(&mut c.t.store, &caller, patient).unwrap();
    // The device itself (no staff member) is not restricted.
    let page = search::search_patients_audited(&mut c.t.store, &common::caller(), &query).unwrap();
    assert!(!page.items[0].restricted);
}

#[test]
fn members_change_their_password_and_administrators_reset_passwords_and_authenticators() {
    let mut c = clinic();
    let now = Utc::now();
    let mut nurse = sign_in(&mut c.t.store, Role::Nurse, now);
    let change = |current: &str, new: &str| ChangePassword {
        current_password: current.into(),
        new_password: new.into(),
    };
    // A wrong current password: refused and audited as a failed sign-in.
    let e = nurse
        .change_password(
            &mut c.t.store,
            &AUDIT_KEY,
            change("wrong password", "Brand new orchard 7"),
            now,
        )
        .err()
        .unwrap();
    assert!(matches!(e, CoreError::InvalidCredentials));
    assert_eq!(last_entry(&c.t.store).2["during"], "change_password");
    // A common password: a field error, nothing changed.
    let e = nurse
        .change_password(
            &mut c.t.store,
            &AUDIT_KEY,
            change(STAFF_PASSWORD, "password123"),
            now,
        )
        .err()
        .unwrap();
    let CoreError::Validation(fields) = e else {
        panic!("{e:?}")
    };
    assert_eq!(fields[0].field, "new_password");
    nurse
        .change_password(
            &mut c.t.store,
            &AUDIT_KEY,
            change(STAFF_PASSWORD, "Brand new orchard 7"),
            now,
        )
        .unwrap();
    assert_eq!(last_entry(&c.t.store).2["change"], "password_changed");
    let login = |password: &str| Login {
        username: "nurse".into(),
        password: password.into(),
        totp_code: None,
    };
    let mut other = SessionGate::new();
    assert!(other
        .login(&mut c.t.store, &AUDIT_KEY, login(STAFF_PASSWORD), now)
        .is_err());
    other
        .login(
            &mut c.t.store,
            &AUDIT_KEY,
            login("Brand new orchard 7"),
            now,
        )
        .unwrap();

    // The administrator resets it (forgotten password) ...
    let mut admin_gate = sign_in(&mut c.t.store, Role::Administrator, now);
    let nurse_id = nurse.current().unwrap().0.staff_id;
    let admin_caller = admin_gate
        .admit(&mut c.t.store, &AUDIT_KEY, Command::ResetStaffPassword, now)
        .unwrap();
    admin::reset_password(
        &mut c.t.store,
        &admin_caller,
        ResetStaffPassword {
            staff_id: nurse_id,
            new_password: "Handed over in person 9".into(),
        },
    )
    .unwrap();
    assert_eq!(last_entry(&c.t.store).2["change"], "password_reset");
    SessionGate::new()
        .login(
            &mut c.t.store,
            &AUDIT_KEY,
            login("Handed over in person 9"),
            now,
        )
        .unwrap();

    // ... and removes its own authenticator: the full session ends, and the next
    // sign-in is limited to enrolling a new one.
    admin::reset_totp(
        &mut c.t.store,
        &admin_caller,
        ResetStaffTotp {
            staff_id: c.admin.id,
        },
    )
    .unwrap();
    assert_eq!(last_entry(&c.t.store).2["change"], "totp_reset");
    let e = admin_gate
        .admit(&mut c.t.store, &AUDIT_KEY, Command::ListStaff, now)
        .err()
        .unwrap();
    assert!(matches!(e, CoreError::SessionEnded));
    let outcome = SessionGate::new()
        .login(
            &mut c.t.store,
            &AUDIT_KEY,
            Login {
                username: "grace.admin".into(),
                password: ADMIN_PASSWORD.into(),
                totp_code: None,
            },
            now,
        )
        .unwrap();
    assert!(
        matches!(outcome, LoginOutcome::TotpEnrollmentRequired { .. }),
        "{outcome:?}"
    );
}

#[test]
fn a_password_reset_by_an_administrator_ends_the_members_open_session() {
    let mut c = clinic();
    let now = Utc::now();
    let mut desk = sign_in(&mut c.t.store, Role::FrontDesk, now);
    let desk_id = desk.current().unwrap().0.staff_id;
    // Changing one's own password keeps one's session.
    desk.change_password(
        &mut c.t.store,
        &AUDIT_KEY,
        ChangePassword {
            current_password: STAFF_PASSWORD.into(),
            new_password: "Lighthouse mango 314".into(),
        },
        now,
    )
    .unwrap();
    desk.admit(&mut c.t.store, &AUDIT_KEY, Command::SearchPatients, now)
        .unwrap();
    let admin = sign_in(&mut c.t.store, Role::Administrator, now);
    let admin_caller = clinic_core::Caller::staff(&AUDIT_KEY, admin.current().unwrap().0);
    admin::reset_password(
        &mut c.t.store,
        &admin_caller,
        ResetStaffPassword {
            staff_id: desk_id,
            new_password: "Handed over in person 9".into(),
        },
    )
    .unwrap();
    let e = desk
        .admit(&mut c.t.store, &AUDIT_KEY, Command::SearchPatients, now)
        .err()
        .unwrap();
    assert!(matches!(e, CoreError::SessionEnded));
    assert!(desk.current().is_none());
    assert_eq!(last_entry(&c.t.store).2["ended"], "session_ended");
}

//! Staff identity on the real encrypted store: first run, password policy, staff
//! administration, and change capture (one op per write, never a password).
mod common;
mod identity_common;

use clinic_core::identity::{self, MAX_PASSWORD_CHARS};
use clinic_core::CoreError;
use clinic_protocol::{
    CreateClinic, CreateStaff, ErrorCode, Login, LoginOutcome, Role, SessionScope,
    SetStaffDisabled, SetStaffRole, UiError,
};
use identity_common::*;

fn staff_request(username: &str, password: &str) -> CreateStaff {
    CreateStaff {
        username: username.into(),
        display_name: "Someone".into(),
        role: Role::Nurse,
        password: password.into(),
    }
}

fn field_errors(e: CoreError) -> Vec<(String, String)> {
    match e {
        CoreError::Validation(f) => f.into_iter().map(|f| (f.field, f.message)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn first_run_creates_the_clinic_and_an_administrator_who_must_enroll_totp() {
    let mut t = common::store();
    assert!(identity::needs_first_run(t.store.conn()).unwrap());
    let created = clinic(&mut t.store);
    assert!(!identity::needs_first_run(t.store.conn()).unwrap());
    assert_eq!(created.clinic.name, "Riverside Family Practice");
    assert_eq!(created.clinic.auto_lock_minutes, 10);
    assert_eq!(created.admin.role, Role::Administrator);
    assert_eq!(created.admin.username, "Grace.Admin");
    assert!(!created.admin.totp_enabled && !created.admin.disabled);
    assert_eq!(created.session.scope, SessionScope::TotpEnrollment);
    assert_eq!(created.session.staff_id, created.admin.id);
    assert!(created
        .totp_enrollment
        .otpauth_uri
        .starts_with("otpauth://totp/Riverside%20Family%20Practice:Grace.Admin?secret="));
    assert_eq!(created.totp_enrollment.secret_base32.len(), 32);

    let ops = outbox(&t.store);
    let kinds: Vec<(&str, &str)> = ops
        .iter()
        .map(|(k, e, _, _)| (k.as_str(), e.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [("create_clinic", "clinic"), ("create_staff", "staff")]
    );
    assert_eq!(ops[1].2, created.admin.id.to_string());
    assert!(ops[1].3.contains("$argon2id$v=19$m=19456,t=2,p=1$"));

    // The enrollment secret is pending on this device, not synced.
    assert!(!ops
        .iter()
        .any(|(_, _, _, p)| p.contains(&created.totp_enrollment.secret_base32)));

    let again = identity::create_clinic(
        &mut t.store,
        CreateClinic {
            clinic_name: "Another".into(),
            admin_username: "other".into(),
            admin_display_name: "Other".into(),
            admin_password: ADMIN_PASSWORD.into(),
        },
    )
    .unwrap_err();
    assert_eq!(again.code(), ErrorCode::ClinicExists);
    assert_eq!(outbox(&t.store).len(), 2);
}

#[test]
fn first_run_reports_every_bad_field_and_writes_nothing() {
    let mut t = common::store();
    let e = identity::create_clinic(
        &mut t.store,
        CreateClinic {
            clinic_name: " ".into(),
            admin_username: "a b".into(),
            admin_display_name: "".into(),
            admin_password: "short".into(),
        },
    )
    .unwrap_err();
    let fields: Vec<String> = field_errors(e).into_iter().map(|f| f.0).collect();
    assert_eq!(
        fields,
        [
            "clinic_name",
            "admin_username",
            "admin_display_name",
            "admin_password"
        ]
    );
    assert!(identity::needs_first_run(t.store.conn()).unwrap());
    assert_eq!(common::outbox_len(&t.store), 0);
}

#[test]
fn password_policy_length_common_list_and_username() {
    let mut t = common::store();
    clinic(&mut t.store);
    let refused = |store: &mut clinic_store::Store, user: &str, pw: &str| {
        field_errors(identity::create_staff(store, staff_request(user, pw)).unwrap_err())
    };
    let e = refused(&mut t.store, "nina", "abcdef7");
    assert_eq!(e[0].0, "password");
    assert!(e[0].1.contains("at least 8"));
    for common in ["password123", "PassWord123", "QWERTY123", "iloveyou"] {
        let e = refused(&mut t.store, "nina", common);
        assert!(e[0].1.contains("too common"), "{common}: {e:?}");
    }
    let e = refused(&mut t.store, "Nina.Nurse", "nina.nurse");
    assert!(e[0].1.contains("username"), "{e:?}");
    let e = refused(&mut t.store, "nina", &"x".repeat(MAX_PASSWORD_CHARS + 1));
    assert!(e[0].1.contains("at most"), "{e:?}");
    assert_eq!(common::outbox_len(&t.store), 2, "refusals write nothing");

    // Exactly 8 characters is enough.
    identity::create_staff(&mut t.store, staff_request("nina", "k9#Lm2vQ")).unwrap();
}

#[test]
fn long_passwords_are_accepted_and_never_truncated() {
    let mut t = common::store();
    clinic(&mut t.store);
    let long: String = (0..200)
        .map(|i| (b'a' + (i * 7 % 26) as u8) as char)
        .collect();
    identity::create_staff(&mut t.store, staff_request("longpass", &long)).unwrap();

    let mut altered = long.clone().into_bytes();
    altered[150] = if altered[150] == b'z' { b'y' } else { b'z' };
    let altered = String::from_utf8(altered).unwrap();
    let e = identity::login(
        &mut t.store,
        Login {
            username: "longpass".into(),
            password: altered,
            totp_code: None,
        },
        at(0),
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidCredentials);

    let ok = identity::login(
        &mut t.store,
        Login {
            username: "LONGPASS".into(),
            password: long,
            totp_code: None,
        },
        at(1),
    )
    .unwrap();
    assert!(matches!(ok, LoginOutcome::SignedIn { .. }));
}

#[test]
fn usernames_are_unique_ignoring_case_and_accents() {
    let mut t = common::store();
    clinic(&mut t.store);
    front_desk(&mut t.store, "Zoe");
    for taken in ["zoe", "ZOË", " Zoe "] {
        let e = identity::create_staff(&mut t.store, staff_request(taken, STAFF_PASSWORD));
        assert_eq!(
            field_errors(e.unwrap_err()),
            [(
                "username".to_string(),
                "This username is taken.".to_string()
            )],
            "{taken}"
        );
    }
    let e = identity::create_staff(&mut t.store, staff_request("grace.admin", STAFF_PASSWORD));
    assert!(e.is_err(), "the administrator's name is taken too");
    let names: Vec<String> = identity::list_staff(t.store.conn())
        .unwrap()
        .into_iter()
        .map(|s| s.username)
        .collect();
    assert_eq!(names, ["Grace.Admin", "Zoe"]);
}

#[test]
fn every_staff_write_records_exactly_one_op_and_no_password() {
    let mut t = common::store();
    let created = clinic(&mut t.store);
    let mut expected = 2;
    assert_eq!(common::outbox_len(&t.store), expected);

    let zoe = front_desk(&mut t.store, "zoe");
    expected += 1;
    assert_eq!(common::outbox_len(&t.store), expected);

    let zoe2 = identity::set_role(
        &mut t.store,
        SetStaffRole {
            staff_id: zoe.id,
            role: Role::Billing,
        },
    )
    .unwrap();
    assert_eq!(zoe2.role, Role::Billing);
    expected += 1;
    assert_eq!(common::outbox_len(&t.store), expected);

    // Unchanged role: nothing written.
    identity::set_role(
        &mut t.store,
        SetStaffRole {
            staff_id: zoe.id,
            role: Role::Billing,
        },
    )
    .unwrap();
    assert_eq!(common::outbox_len(&t.store), expected);

    let disabled = identity::set_disabled(
        &mut t.store,
        SetStaffDisabled {
            staff_id: zoe.id,
            disabled: true,
        },
    )
    .unwrap();
    assert!(disabled.disabled);
    expected += 1;
    assert_eq!(common::outbox_len(&t.store), expected);

    // Confirming TOTP is one op (the secret is synced, encrypted).
    let code = totp_code(&created.totp_enrollment.secret_base32, at(0));
    identity::confirm_totp(
        &mut t.store,
        &created.session,
        clinic_protocol::ConfirmTotp { code },
        at(0),
    )
    .unwrap();
    expected += 1;
    assert_eq!(common::outbox_len(&t.store), expected);

    // Sign-ins (successful or not) write no ops.
    let _ = identity::login(
        &mut t.store,
        Login {
            username: "zoe".into(),
            password: "wrong password".into(),
            totp_code: None,
        },
        at(5),
    );
    assert_eq!(common::outbox_len(&t.store), expected);

    let ops = outbox(&t.store);
    let kinds: Vec<&str> = ops.iter().map(|o| o.0.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "create_clinic",
            "create_staff",
            "create_staff",
            "set_fields",
            "set_fields",
            "set_fields"
        ]
    );
    for (_, _, _, payload) in &ops {
        for secret in [ADMIN_PASSWORD, STAFF_PASSWORD] {
            assert!(!payload.contains(secret), "an op holds a password");
        }
    }
    assert!(ops[3].3.contains("\"role\":\"billing\""));
    assert!(ops[4].3.contains("\"disabled\":true"));
}

#[test]
fn the_last_active_administrator_cannot_be_demoted_or_disabled() {
    let mut t = common::store();
    let created = clinic(&mut t.store);
    let admin = created.admin.id;
    let e = identity::set_role(
        &mut t.store,
        SetStaffRole {
            staff_id: admin,
            role: Role::Doctor,
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::LastAdministrator);
    let e = identity::set_disabled(
        &mut t.store,
        SetStaffDisabled {
            staff_id: admin,
            disabled: true,
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::LastAdministrator);
    assert_eq!(common::outbox_len(&t.store), 2);

    // With a second administrator, the first can step down.
    let second = front_desk(&mut t.store, "second");
    identity::set_role(
        &mut t.store,
        SetStaffRole {
            staff_id: second.id,
            role: Role::Administrator,
        },
    )
    .unwrap();
    identity::set_role(
        &mut t.store,
        SetStaffRole {
            staff_id: admin,
            role: Role::Doctor,
        },
    )
    .unwrap();
}

#[test]
fn auto_lock_is_a_clinic_setting_with_bounds() {
    let mut t = common::store();
    clinic(&mut t.store);
    let c =
        identity::set_auto_lock(&mut t.store, clinic_protocol::SetAutoLock { minutes: 5 }).unwrap();
    assert_eq!(c.auto_lock_minutes, 5);
    assert_eq!(common::outbox_len(&t.store), 3);
    for bad in [0, 241] {
        let e =
            identity::set_auto_lock(&mut t.store, clinic_protocol::SetAutoLock { minutes: bad })
                .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Validation);
    }
}

#[test]
fn requests_with_passwords_never_show_them_in_debug_output() {
    let login = Login {
        username: "zoe".into(),
        password: STAFF_PASSWORD.into(),
        totp_code: Some("123456".into()),
    };
    let create = staff_request("zoe", STAFF_PASSWORD);
    for shown in [format!("{login:?}"), format!("{create:?}")] {
        assert!(
            !shown.contains(STAFF_PASSWORD) && !shown.contains("123456"),
            "{shown}"
        );
    }
    let ui: UiError = CoreError::Throttled {
        retry_after_secs: 8,
    }
    .into();
    assert_eq!(ui.code, ErrorCode::Throttled);
    assert_eq!(ui.retry_after_secs, Some(8));
}

//! Sign-in on the real encrypted store: one answer for unknown users and wrong
//! passwords, brute-force throttling, disabled accounts (including open sessions),
//! and TOTP (required for administrators).
mod common;
mod identity_common;

use clinic_core::authz::{self, Command, RefusalReason};
use clinic_core::identity::{self, FREE_FAILURES};
use clinic_core::CoreError;
use clinic_protocol::{
    ConfirmTotp, ErrorCode, Login, LoginOutcome, Role, SessionInfo, SessionScope, SetStaffDisabled,
    SetStaffRole, UiError,
};
use clinic_store::Store;
use identity_common::*;

fn login(
    store: &mut Store,
    user: &str,
    password: &str,
    code: Option<String>,
    secs: i64,
) -> Result<LoginOutcome, CoreError> {
    identity::login(
        store,
        Login {
            username: user.into(),
            password: password.into(),
            totp_code: code,
        },
        at(secs),
    )
}

fn signed_in(outcome: LoginOutcome) -> SessionInfo {
    match outcome {
        LoginOutcome::SignedIn { session } => session,
        other => panic!("expected signed_in, got {other:?}"),
    }
}

#[test]
fn correct_password_signs_in_and_wrong_one_is_refused() {
    let mut t = common::store();
    clinic(&mut t.store);
    let zoe = front_desk(&mut t.store, "Zoe");
    let session = signed_in(login(&mut t.store, "zoe", STAFF_PASSWORD, None, 0).unwrap());
    assert_eq!(session.staff_id, zoe.id);
    assert_eq!(session.role, Role::FrontDesk);
    assert_eq!(session.scope, SessionScope::Full);
    assert_eq!(session.auto_lock_minutes, 10);
    let e = login(&mut t.store, "zoe", "Fjord pebble orcharD", None, 1).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidCredentials);
}

#[test]
fn unknown_user_and_wrong_password_get_the_identical_answer() {
    let mut t = common::store();
    clinic(&mut t.store);
    front_desk(&mut t.store, "zoe");
    let wrong: UiError = login(&mut t.store, "zoe", "not her password", None, 0)
        .unwrap_err()
        .into();
    let unknown: UiError = login(&mut t.store, "nobody", "not her password", None, 0)
        .unwrap_err()
        .into();
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.code, ErrorCode::InvalidCredentials);
    // The same holds once throttled: the answer does not depend on existence.
    for i in 1..FREE_FAILURES as i64 {
        let _ = login(&mut t.store, "zoe", "x-wrong-x", None, i);
        let _ = login(&mut t.store, "nobody", "x-wrong-x", None, i);
    }
    let a: UiError = login(&mut t.store, "zoe", "x-wrong-x", None, 4)
        .unwrap_err()
        .into();
    let b: UiError = login(&mut t.store, "nobody", "x-wrong-x", None, 4)
        .unwrap_err()
        .into();
    assert_eq!(a, b);
    assert_eq!(a.code, ErrorCode::Throttled);
}

#[test]
fn throttling_starts_by_the_sixth_consecutive_failure_and_refuses_even_the_right_password() {
    let mut t = common::store();
    clinic(&mut t.store);
    front_desk(&mut t.store, "zoe");
    for _ in 0..FREE_FAILURES {
        let e = login(&mut t.store, "zoe", "wrong guess", None, 0).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidCredentials);
    }
    let e = login(&mut t.store, "ZOE", STAFF_PASSWORD, None, 0).unwrap_err();
    assert!(
        matches!(
            e,
            CoreError::Throttled {
                retry_after_secs: 1
            }
        ),
        "{e:?}"
    );
    // After the wait one more guess is considered; failing doubles the wait.
    let e = login(&mut t.store, "zoe", "wrong guess", None, 1).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidCredentials);
    let e = login(&mut t.store, "zoe", "wrong guess", None, 2).unwrap_err();
    assert!(
        matches!(
            e,
            CoreError::Throttled {
                retry_after_secs: 1
            }
        ),
        "{e:?}"
    );
    let e = login(&mut t.store, "zoe", "wrong guess", None, 1).unwrap_err();
    assert!(
        matches!(
            e,
            CoreError::Throttled {
                retry_after_secs: 2
            }
        ),
        "{e:?}"
    );
    // Success after waiting resets the counter: five free failures again.
    signed_in(login(&mut t.store, "zoe", STAFF_PASSWORD, None, 3).unwrap());
    for i in 0..FREE_FAILURES as i64 {
        let e = login(&mut t.store, "zoe", "wrong guess", None, 10 + i).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidCredentials);
    }
    let e = login(&mut t.store, "zoe", "wrong guess", None, 14).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Throttled);
}

#[test]
fn a_hundred_consecutive_failures_never_pass_without_refusals_and_delays_grow() {
    let mut t = common::store();
    clinic(&mut t.store);
    // One attempt per second, for 100 attempts: most are refused unverified.
    let (mut verified, mut refused) = (0, 0);
    for i in 0..100 {
        match login(&mut t.store, "zoe", "guess", None, i).unwrap_err() {
            CoreError::InvalidCredentials => verified += 1,
            CoreError::Throttled { .. } => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(refused > 0);
    assert!(
        verified <= 12,
        "{verified} guesses were checked in 100 seconds"
    );

    // An attacker who waits exactly as told, on another username: the waits never
    // shrink, and 100 failures cost most of a day.
    let mut now = 0i64;
    let mut failures = 0;
    let mut last_wait = 0;
    while failures < 100 {
        match login(&mut t.store, "grace.admin", "guess", None, now).unwrap_err() {
            CoreError::InvalidCredentials => failures += 1,
            CoreError::Throttled { retry_after_secs } => {
                assert!(retry_after_secs >= last_wait);
                assert!(u64::from(retry_after_secs) <= identity::MAX_DELAY_SECS);
                last_wait = retry_after_secs;
                now += i64::from(retry_after_secs);
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(now > 20 * 3600, "100 failures took only {now} s");
}

#[test]
fn a_disabled_account_is_refused_including_its_open_session() {
    let mut t = common::store();
    clinic(&mut t.store);
    let zoe = front_desk(&mut t.store, "zoe");
    let session = signed_in(login(&mut t.store, "zoe", STAFF_PASSWORD, None, 0).unwrap());
    identity::verify_session_still_valid(t.store.conn(), &session).unwrap();

    identity::set_disabled(
        &mut t.store,
        SetStaffDisabled {
            staff_id: zoe.id,
            disabled: true,
        },
    )
    .unwrap();
    let e = identity::verify_session_still_valid(t.store.conn(), &session).unwrap_err();
    assert_eq!(e.code(), ErrorCode::AccountDisabled);
    // Wrong password: the usual answer (disabled status is not revealed).
    let e = login(&mut t.store, "zoe", "wrong guess", None, 1).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidCredentials);
    let e = login(&mut t.store, "zoe", STAFF_PASSWORD, None, 2).unwrap_err();
    assert_eq!(e.code(), ErrorCode::AccountDisabled);
    let e = identity::unlock(&mut t.store, &session, STAFF_PASSWORD, at(3)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::AccountDisabled);

    identity::set_disabled(
        &mut t.store,
        SetStaffDisabled {
            staff_id: zoe.id,
            disabled: false,
        },
    )
    .unwrap();
    signed_in(login(&mut t.store, "zoe", STAFF_PASSWORD, None, 4).unwrap());
}

#[test]
fn a_role_change_ends_open_sessions_and_unlock_needs_the_password() {
    let mut t = common::store();
    clinic(&mut t.store);
    let zoe = front_desk(&mut t.store, "zoe");
    let session = signed_in(login(&mut t.store, "zoe", STAFF_PASSWORD, None, 0).unwrap());
    let e = identity::unlock(&mut t.store, &session, "wrong guess", at(1)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidCredentials);
    identity::unlock(&mut t.store, &session, STAFF_PASSWORD, at(2)).unwrap();

    identity::set_role(
        &mut t.store,
        SetStaffRole {
            staff_id: zoe.id,
            role: Role::Billing,
        },
    )
    .unwrap();
    let e = identity::verify_session_still_valid(t.store.conn(), &session).unwrap_err();
    assert_eq!(e.code(), ErrorCode::SessionEnded);
    let fresh = signed_in(login(&mut t.store, "zoe", STAFF_PASSWORD, None, 3).unwrap());
    assert_eq!(fresh.role, Role::Billing);
}

#[test]
fn administrators_must_enroll_totp_then_sign_in_with_a_code() {
    let mut t = common::store();
    let created = clinic(&mut t.store);

    // Password only: a session limited to enrollment.
    let outcome = login(&mut t.store, "grace.admin", ADMIN_PASSWORD, None, 0).unwrap();
    let LoginOutcome::TotpEnrollmentRequired { session } = outcome else {
        panic!("expected totp_enrollment_required, got {outcome:?}");
    };
    assert_eq!(session.scope, SessionScope::TotpEnrollment);
    let e = authz::authorize(&session, Command::ListStaff).unwrap_err();
    let CoreError::Forbidden(refusal) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(refusal.reason, RefusalReason::EnrollmentOnly);
    authz::authorize(&session, Command::BeginTotpEnrollment).unwrap();
    authz::authorize(&session, Command::ConfirmTotp).unwrap();
    // verify_session_still_valid accepts an enrollment session of an admin
    // without TOTP, but not a full one.
    identity::verify_session_still_valid(t.store.conn(), &session).unwrap();

    // A restarted enrollment replaces the first-run secret.
    let enrollment = identity::begin_totp_enrollment(&mut t.store, &session).unwrap();
    assert_ne!(
        enrollment.secret_base32,
        created.totp_enrollment.secret_base32
    );
    let stale = totp_code(&created.totp_enrollment.secret_base32, at(0));
    let fresh = totp_code(&enrollment.secret_base32, at(0));
    if stale != fresh {
        let e = identity::confirm_totp(&mut t.store, &session, ConfirmTotp { code: stale }, at(0))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidTotpCode);
    }
    let wrong = format!("{:06}", (fresh.parse::<u32>().unwrap() + 1) % 1_000_000);
    let e = identity::confirm_totp(&mut t.store, &session, ConfirmTotp { code: wrong }, at(0))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidTotpCode);
    let full =
        identity::confirm_totp(&mut t.store, &session, ConfirmTotp { code: fresh }, at(0)).unwrap();
    assert_eq!(full.scope, SessionScope::Full);
    authz::authorize(&full, Command::ListStaff).unwrap();
    identity::verify_session_still_valid(t.store.conn(), &full).unwrap();
    let admin = identity::get_staff(t.store.conn(), created.admin.id).unwrap();
    assert!(admin.totp_enabled);
    // The synced op carries the confirmed secret (encrypted outbox), not the password.
    let last = outbox(&t.store).pop().unwrap();
    assert!(last.3.contains(&enrollment.secret_base32));

    // Now the password alone is not enough.
    let outcome = login(&mut t.store, "grace.admin", ADMIN_PASSWORD, None, 60).unwrap();
    assert_eq!(outcome, LoginOutcome::TotpRequired);
    // A wrong code is refused and counts as a failure.
    let code = totp_code(&enrollment.secret_base32, at(60));
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 7) % 1_000_000);
    let e = login(&mut t.store, "grace.admin", ADMIN_PASSWORD, Some(wrong), 60).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidTotpCode);
    // A code one step old is still accepted (clock drift)...
    let session = signed_in(
        login(
            &mut t.store,
            "grace.admin",
            ADMIN_PASSWORD,
            Some(code.clone()),
            61 + 30,
        )
        .unwrap(),
    );
    assert_eq!(session.role, Role::Administrator);
    assert_eq!(session.scope, SessionScope::Full);
    // ...but never twice.
    let e = login(&mut t.store, "grace.admin", ADMIN_PASSWORD, Some(code), 92).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidTotpCode);
    // A wrong password with a right code is still just invalid credentials.
    let next = totp_code(&enrollment.secret_base32, at(150));
    let e = login(
        &mut t.store,
        "grace.admin",
        "not the password",
        Some(next),
        150,
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidCredentials);
}

#[test]
fn totp_is_optional_for_other_roles() {
    let mut t = common::store();
    clinic(&mut t.store);
    front_desk(&mut t.store, "zoe");
    let session = signed_in(login(&mut t.store, "zoe", STAFF_PASSWORD, None, 0).unwrap());
    let enrollment = identity::begin_totp_enrollment(&mut t.store, &session).unwrap();
    // Until confirmed, the password alone still works.
    signed_in(login(&mut t.store, "zoe", STAFF_PASSWORD, None, 1).unwrap());
    let code = totp_code(&enrollment.secret_base32, at(30));
    identity::confirm_totp(&mut t.store, &session, ConfirmTotp { code }, at(30)).unwrap();
    assert_eq!(
        login(&mut t.store, "zoe", STAFF_PASSWORD, None, 60).unwrap(),
        LoginOutcome::TotpRequired
    );
    let code = totp_code(&enrollment.secret_base32, at(60));
    signed_in(login(&mut t.store, "zoe", STAFF_PASSWORD, Some(code), 60).unwrap());
}

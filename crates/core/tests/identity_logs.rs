//! Passwords, TOTP secrets and codes, usernames and display names never reach the
//! logs, even at trace level: every identity use case runs under a subscriber that
//! captures everything, and the capture is searched for canaries.
mod common;
mod identity_common;

use clinic_core::identity;
use clinic_protocol::{
    ConfirmTotp, CreateClinic, CreateStaff, Login, LoginOutcome, Role, SetStaffDisabled,
    SetStaffRole,
};
use identity_common::{at, totp_code};

#[test]
fn trace_logs_hold_no_password_secret_code_or_name() {
    let admin_password = "Canary-admin-pass-7731";
    let staff_password = "Canary-staff-pass-8842";
    let mut secrets: Vec<String> = vec![
        admin_password.into(),
        staff_password.into(),
        "Canaryadmin".into(),
        "Canarystaff".into(),
        "Canary Person".into(),
        "Canary Clinic".into(),
    ];
    let ((), logs) = common::capture_trace_logs(|| {
        let mut t = common::store();
        let created = identity::create_clinic(
            &mut t.store,
            CreateClinic {
                clinic_name: "Canary Clinic".into(),
                admin_username: "Canaryadmin".into(),
                admin_display_name: "Canary Person".into(),
                admin_password: admin_password.into(),
            },
        )
        .unwrap();
        let secret = created.totp_enrollment.secret_base32.clone();
        secrets.push(secret.clone());
        let code = totp_code(&secret, at(0));
        secrets.push(code.clone());
        identity::confirm_totp(&mut t.store, &created.session, ConfirmTotp { code }, at(0))
            .unwrap();
        let staff = identity::create_staff(
            &mut t.store,
            CreateStaff {
                username: "Canarystaff".into(),
                display_name: "Canary Person".into(),
                role: Role::Nurse,
                password: staff_password.into(),
            },
        )
        .unwrap();
        identity::set_role(
            &mut t.store,
            SetStaffRole {
                staff_id: staff.id,
                role: Role::Doctor,
            },
        )
        .unwrap();
        for i in 0..7 {
            let _ = identity::login(
                &mut t.store,
                Login {
                    username: "Canarystaff".into(),
                    password: format!("{staff_password}-wrong"),
                    totp_code: None,
                },
                at(i),
            );
        }
        let code = totp_code(&secret, at(60));
        secrets.push(code.clone());
        let outcome = identity::login(
            &mut t.store,
            Login {
                username: "Canaryadmin".into(),
                password: admin_password.into(),
                totp_code: Some(code),
            },
            at(60),
        )
        .unwrap();
        assert!(matches!(outcome, LoginOutcome::SignedIn { .. }));
        identity::set_disabled(
            &mut t.store,
            SetStaffDisabled {
                staff_id: staff.id,
                disabled: true,
            },
        )
        .unwrap();
    });
    assert!(logs.contains("signed in"), "the capture works: {logs}");
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a log line holds a secret or name"
        );
    }
    assert!(!logs.to_lowercase().contains("canary"));
}

//! The role × command matrix, cell by cell, against a table written here
//! independently of `authz::permits`: changing a permission means changing both,
//! on purpose. Every refused cell must come back as a `Forbidden` refusal naming
//! the command and role (what the shell audits).
use clinic_core::authz::{self, Command, RefusalReason};
use clinic_core::CoreError;
use clinic_protocol::{ErrorCode, Role, SessionInfo, SessionScope, StaffId, UiError};

/// Columns: administrator, front_desk, doctor, nurse, billing.
const EXPECTED: &[(&str, [u8; 5])] = &[
    ("app_status", [1, 1, 1, 1, 1]),
    ("create_clinic", [0, 0, 0, 0, 0]),
    ("login", [0, 0, 0, 0, 0]),
    ("register_patient", [0, 1, 1, 1, 0]),
    ("update_patient", [0, 1, 1, 1, 0]),
    ("get_patient", [1, 1, 1, 1, 1]),
    ("search_patients", [1, 1, 1, 1, 1]),
    ("merge_patients", [0, 1, 1, 1, 0]),
    ("list_staff", [1, 0, 0, 0, 0]),
    ("create_staff", [1, 0, 0, 0, 0]),
    ("set_staff_role", [1, 0, 0, 0, 0]),
    ("set_staff_disabled", [1, 0, 0, 0, 0]),
    ("begin_totp_enrollment", [1, 1, 1, 1, 1]),
    ("confirm_totp", [1, 1, 1, 1, 1]),
    ("change_password", [1, 1, 1, 1, 1]),
    ("reset_staff_password", [1, 0, 0, 0, 0]),
    ("reset_staff_totp", [1, 0, 0, 0, 0]),
    ("view_audit", [1, 0, 0, 0, 0]),
    ("export_audit", [1, 0, 0, 0, 0]),
    ("verify_audit", [1, 0, 0, 0, 0]),
    ("rekey_database", [1, 0, 0, 0, 0]),
    ("set_auto_lock", [1, 0, 0, 0, 0]),
    ("break_glass", [0, 0, 1, 1, 0]),
    ("get_chart_summary", [0, 0, 1, 1, 0]),
    ("list_chart_entries", [0, 0, 1, 1, 0]),
    ("get_chart_entry_history", [0, 0, 1, 1, 0]),
    ("add_chart_entry", [0, 0, 1, 1, 0]),
    ("update_chart_entry", [0, 0, 1, 1, 0]),
    ("set_chart_entry_status", [0, 0, 1, 1, 0]),
    ("set_no_known_allergies", [0, 0, 1, 1, 0]),
    ("get_timeline", [0, 0, 1, 1, 0]),
    ("get_note", [0, 0, 1, 1, 0]),
    ("create_encounter", [0, 0, 1, 1, 0]),
    ("set_encounter_status", [0, 0, 1, 1, 0]),
    ("create_note", [0, 0, 1, 1, 0]),
    ("update_note", [0, 0, 1, 1, 0]),
    ("sign_note", [0, 0, 1, 1, 0]),
    ("record_observations", [0, 0, 1, 1, 0]),
    ("list_observations", [0, 0, 1, 1, 0]),
    ("get_observation_trend", [0, 0, 1, 1, 0]),
    ("get_observation_summary", [0, 0, 1, 1, 0]),
    ("set_observation_entered_in_error", [0, 0, 1, 1, 0]),
    ("list_observation_codes", [0, 0, 1, 1, 0]),
    ("upload_document", [0, 0, 1, 1, 0]),
    ("list_documents", [0, 0, 1, 1, 0]),
    ("get_document", [0, 0, 1, 1, 0]),
    ("save_document_copy", [0, 0, 1, 1, 0]),
    ("share_document", [0, 0, 1, 1, 0]),
    ("list_shared_documents", [0, 0, 1, 1, 0]),
    ("set_document_entered_in_error", [0, 0, 1, 1, 0]),
    ("list_colleagues", [0, 0, 1, 1, 0]),
    ("list_notifications", [1, 1, 1, 1, 1]),
    ("mark_notification_read", [1, 1, 1, 1, 1]),
    ("get_patient_restriction", [1, 0, 0, 0, 0]),
    ("set_patient_restriction", [1, 0, 0, 0, 0]),
    ("set_care_team_member", [1, 0, 0, 0, 0]),
    ("list_break_glass_alerts", [1, 0, 0, 0, 0]),
    ("acknowledge_break_glass_alert", [1, 0, 0, 0, 0]),
    ("get_schedule_settings", [1, 1, 1, 1, 1]),
    ("set_schedule_settings", [1, 0, 0, 0, 0]),
    ("list_time_zones", [1, 1, 1, 1, 1]),
    ("list_appointment_types", [1, 1, 1, 1, 1]),
    ("save_appointment_type", [1, 0, 0, 0, 0]),
    ("list_rooms", [1, 1, 1, 1, 1]),
    ("save_room", [1, 0, 0, 0, 0]),
    ("list_providers", [1, 1, 1, 1, 1]),
    ("get_provider_hours", [1, 1, 1, 1, 1]),
    ("set_provider_hours", [1, 1, 0, 0, 0]),
    ("list_schedule_exceptions", [1, 1, 1, 1, 1]),
    ("add_schedule_exception", [1, 1, 0, 0, 0]),
    ("remove_schedule_exception", [1, 1, 0, 0, 0]),
    ("find_slots", [0, 1, 1, 1, 0]),
    ("book_appointment", [0, 1, 1, 1, 0]),
    ("reschedule_appointment", [0, 1, 1, 1, 0]),
    ("cancel_appointment", [0, 1, 1, 1, 0]),
    ("set_appointment_status", [0, 1, 1, 1, 0]),
    ("get_calendar", [1, 1, 1, 1, 1]),
    ("get_patient_appointments", [0, 1, 1, 1, 1]),
    ("list_waitlist", [0, 1, 1, 1, 0]),
    ("add_to_waitlist", [0, 1, 1, 1, 0]),
    ("remove_from_waitlist", [0, 1, 1, 1, 0]),
    ("reassign_day", [1, 1, 0, 0, 0]),
    ("list_reminders", [1, 1, 0, 0, 0]),
    ("open_kiosk", [1, 1, 0, 0, 0]),
    ("close_kiosk", [1, 1, 0, 0, 0]),
    // The kiosk window's commands: no staff role (the shell admits them from
    // the kiosk window only).
    ("kiosk_status", [0, 0, 0, 0, 0]),
    ("kiosk_identify", [0, 0, 0, 0, 0]),
    ("kiosk_update_details", [0, 0, 0, 0, 0]),
    ("kiosk_check_in", [0, 0, 0, 0, 0]),
    ("kiosk_end", [0, 0, 0, 0, 0]),
    // Sync: status and retry for everyone; connecting a device is an
    // administrator's; conflicts are listed for all but billing and resolved by
    // the front desk and administrators; joining a clinic is first run only.
    ("get_sync_status", [1, 1, 1, 1, 1]),
    ("sync_now", [1, 1, 1, 1, 1]),
    ("connect_sync_server", [1, 0, 0, 0, 0]),
    ("join_clinic", [0, 0, 0, 0, 0]),
    ("list_sync_conflicts", [1, 1, 1, 1, 0]),
    ("resolve_sync_conflict", [1, 1, 0, 0, 0]),
    ("import_fhir", [1, 0, 1, 0, 0]),
    ("export_fhir_patient", [1, 0, 1, 1, 0]),
    ("export_fhir_patients", [1, 0, 0, 0, 0]),
    // The primary provider: endpoints configured by administrators, listed for
    // everyone who links patients; linking, pulling now, the history and
    // retries for all but billing; the pulled records for clinicians; requests
    // for documents by clinicians and administrators.
    ("list_provider_endpoints", [1, 1, 1, 1, 0]),
    ("save_provider_endpoint", [1, 0, 0, 0, 0]),
    ("link_patient_provider", [1, 1, 1, 1, 0]),
    ("get_patient_provider_records", [0, 0, 1, 1, 0]),
    ("sync_patient_provider", [1, 1, 1, 1, 0]),
    ("request_provider_documents", [1, 0, 1, 1, 0]),
    ("list_provider_jobs", [1, 1, 1, 1, 0]),
    ("retry_provider_job", [1, 1, 1, 1, 0]),
    // Practice dashboards: the schedule's for administrators and doctors (their
    // own, narrowed by core), the money's for administrators and billing; the
    // export for each of them (core checks which dashboard).
    ("get_appointments_dashboard", [1, 0, 1, 0, 0]),
    ("get_attendance_dashboard", [1, 0, 1, 0, 0]),
    ("get_utilisation_dashboard", [1, 0, 1, 0, 0]),
    ("get_patient_mix_dashboard", [1, 0, 1, 0, 0]),
    ("get_revenue_dashboard", [1, 0, 0, 0, 1]),
    ("get_receivables_dashboard", [1, 0, 0, 0, 1]),
    ("export_dashboard_csv", [1, 0, 1, 0, 1]),
    // Billing: administrators and billing staff run it (core narrows prices and
    // taxes to administrators); the front desk invoices appointments, takes
    // cash and card (core narrows the method), sees balances and closes its
    // day; clinicians see a balance; the kiosk window alone pays its balance.
    ("get_billing_settings", [1, 1, 1, 1, 1]),
    ("save_billing_settings", [1, 0, 0, 0, 0]),
    ("get_payment_gateway", [1, 0, 0, 0, 0]),
    ("save_payment_gateway", [1, 0, 0, 0, 0]),
    ("list_services", [1, 1, 0, 0, 1]),
    ("save_service", [1, 0, 0, 0, 1]),
    ("list_invoices", [1, 1, 0, 0, 1]),
    ("get_invoice", [1, 1, 0, 0, 1]),
    ("save_invoice_draft", [1, 0, 0, 0, 1]),
    ("invoice_for_appointment", [1, 1, 0, 0, 1]),
    ("issue_invoice", [1, 1, 0, 0, 1]),
    ("void_invoice", [1, 0, 0, 0, 1]),
    ("record_payment", [1, 1, 0, 0, 1]),
    ("start_card_payment", [1, 1, 0, 0, 1]),
    ("get_receipt", [1, 1, 0, 0, 1]),
    ("record_refund", [1, 0, 0, 0, 1]),
    ("record_credit_note", [1, 0, 0, 0, 1]),
    ("get_patient_balance", [1, 1, 1, 1, 1]),
    ("get_patient_statement", [1, 1, 0, 0, 1]),
    ("get_day_summary", [1, 1, 0, 0, 1]),
    ("close_day", [1, 1, 0, 0, 1]),
    ("list_day_closes", [1, 1, 0, 0, 1]),
    ("save_invoice_pdf", [1, 1, 0, 0, 1]),
    ("save_receipt_pdf", [1, 1, 0, 0, 1]),
    ("save_statement_pdf", [1, 1, 0, 0, 1]),
    ("save_day_close_pdf", [1, 1, 0, 0, 1]),
    ("save_day_close_csv", [1, 1, 0, 0, 1]),
    ("kiosk_balance", [0, 0, 0, 0, 0]),
    ("kiosk_pay_invoice", [0, 0, 0, 0, 0]),
    ("kiosk_payment_status", [0, 0, 0, 0, 0]),
    ("lock", [1, 1, 1, 1, 1]),
    ("unlock", [1, 1, 1, 1, 1]),
    ("logout", [1, 1, 1, 1, 1]),
];

const ROLES: [Role; 5] = [
    Role::Administrator,
    Role::FrontDesk,
    Role::Doctor,
    Role::Nurse,
    Role::Billing,
];

fn session(role: Role, scope: SessionScope) -> SessionInfo {
    SessionInfo {
        staff_id: StaffId::new(),
        username: "someone".into(),
        display_name: "Someone".into(),
        role,
        scope,
        signed_in_at: "2026-11-23T10:00:00.000Z".into(),
        auto_lock_minutes: 10,
    }
}

fn expected(command: Command, role: Role) -> bool {
    let row = EXPECTED
        .iter()
        .find(|(name, _)| *name == command.as_str())
        .unwrap_or_else(|| panic!("{command} is missing from the expected table"));
    let col = ROLES.iter().position(|r| *r == role).unwrap();
    row.1[col] == 1
}

#[test]
fn the_table_lists_every_command_exactly_once() {
    assert_eq!(EXPECTED.len(), Command::ALL.len());
    for c in Command::ALL {
        assert_eq!(
            EXPECTED.iter().filter(|(n, _)| *n == c.as_str()).count(),
            1,
            "{c}"
        );
    }
    assert_eq!(ROLES, Role::ALL);
}

#[test]
fn every_cell_matches_the_expected_table() {
    let mut checked = 0;
    for &command in Command::ALL {
        for role in ROLES {
            let want = expected(command, role);
            assert_eq!(
                authz::permits(role, command),
                want,
                "{} × {command}",
                role.as_str()
            );
            let result = authz::authorize(&session(role, SessionScope::Full), command);
            if want {
                assert!(result.is_ok(), "{} × {command}", role.as_str());
            } else {
                let e = result.unwrap_err();
                let CoreError::Forbidden(refusal) = &e else {
                    panic!("{} × {command}: {e:?}", role.as_str())
                };
                assert_eq!(refusal.command, command);
                assert_eq!(refusal.role, Some(role));
                assert_eq!(refusal.reason, RefusalReason::RoleNotPermitted);
                let ui: UiError = e.into();
                assert_eq!(ui.code, ErrorCode::Forbidden);
                assert!(ui.message.contains(command.as_str()), "{}", ui.message);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, EXPECTED.len() * 5);
}

#[test]
fn an_enrollment_session_may_only_enroll_lock_and_leave() {
    let allowed = [
        "app_status",
        "get_sync_status",
        "begin_totp_enrollment",
        "confirm_totp",
        "lock",
        "unlock",
        "logout",
    ];
    for &command in Command::ALL {
        let r = authz::authorize(
            &session(Role::Administrator, SessionScope::TotpEnrollment),
            command,
        );
        assert_eq!(r.is_ok(), allowed.contains(&command.as_str()), "{command}");
        if let Err(CoreError::Forbidden(refusal)) = r {
            assert!(matches!(
                refusal.reason,
                RefusalReason::EnrollmentOnly | RefusalReason::RoleNotPermitted
            ));
        }
    }
}

#[test]
fn a_locked_session_may_only_unlock_or_leave() {
    let allowed = ["app_status", "get_sync_status", "lock", "unlock", "logout"];
    for role in ROLES {
        for &command in Command::ALL {
            let r = authz::authorize_locked(&session(role, SessionScope::Full), command);
            assert_eq!(r.is_ok(), allowed.contains(&command.as_str()), "{command}");
        }
    }
}

#[test]
fn without_a_session_only_status_first_run_and_login() {
    for &command in Command::ALL {
        let r = authz::authorize_anonymous(command);
        let public = [
            "app_status",
            "create_clinic",
            "login",
            "get_sync_status",
            "join_clinic",
        ]
        .contains(&command.as_str());
        assert_eq!(r.is_ok(), public, "{command}");
        if let Err(e) = r {
            assert_eq!(e.code(), ErrorCode::SessionEnded);
            let CoreError::Forbidden(refusal) = e else {
                panic!()
            };
            assert_eq!(refusal.reason, RefusalReason::NotSignedIn);
        }
    }
}

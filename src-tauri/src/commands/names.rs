// The app commands the UI may call: the single list read by build.rs (which
// generates an `allow-<command>` permission for each; no command is reachable
// without one) and by the shell's tests. Keep it in step with
// `generate_handler!` in lib.rs and the capabilities in src-tauri/capabilities.
&[
    "app_status",
    "create_clinic",
    "login",
    "logout",
    "lock",
    "unlock",
    "register_patient",
    "update_patient",
    "get_patient",
    "search_patients",
    "list_staff",
    "create_staff",
    "set_staff_role",
    "set_staff_disabled",
    "begin_totp_enrollment",
    "confirm_totp",
    "view_audit",
    "export_audit",
    "verify_audit",
    "rekey_database",
    "set_auto_lock",
    "break_glass",
    "get_patient_restriction",
    "set_patient_restriction",
    "set_care_team_member",
    "list_break_glass_alerts",
    "acknowledge_break_glass_alert",
]

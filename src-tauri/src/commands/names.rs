// The app commands the UI may call: the single list read by build.rs (which
// generates an `allow-<command>` permission for each; no command is reachable
// without one) and by the shell's tests. Keep it in step with
// `generate_handler!` in lib.rs and the capabilities in src-tauri/capabilities.
&[
    "app_status",
    "register_patient",
    "update_patient",
    "get_patient",
    "search_patients",
]

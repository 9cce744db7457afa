//! Tauri commands, one module per feature. Each command is a few lines: take the
//! request, call core through `AppState::run` (which admits the command for the
//! signed-in session first), return the result or a `UiError`.
pub mod audit;
pub mod billing;
pub mod billing_print;
pub mod chart;
pub mod dashboards;
pub mod documents;
pub mod interop;
pub mod kiosk;
pub mod notes;
pub mod observations;
pub mod patients;
pub mod provider;
pub mod restricted;
pub mod schedule;
pub mod session;
pub mod staff;
pub mod status;
pub mod sync;

/// Test hook for the end-to-end tests, which cannot drive a native dialog: a
/// directory every save goes to (as `<dir>/<file_name>`, with no dialog).
/// Honoured only when the store runs on the insecure test key (tests and demo;
/// release builds refuse it).
const E2E_SAVE_DIR: &str = "CLINIC_E2E_SAVE_DIR";

/// Asks where to save `file_name` in a native save dialog (offering `filter`:
/// a label and extensions); `None` when the user cancels.
///
/// Test hook: when the store runs on the insecure test key
/// (`AppState::startup()` is `Ok(true)`) and `CLINIC_E2E_SAVE_DIR` is set, no
/// dialog opens and the answer is `CLINIC_E2E_SAVE_DIR/<file_name>` (the
/// end-to-end tests cannot drive the native dialog). Otherwise the variable is
/// ignored.
pub(crate) fn choose_save_path<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    file_name: &str,
    filter: Option<(&str, &[&str])>,
) -> Result<Option<std::path::PathBuf>, clinic_protocol::UiError> {
    use tauri::Manager;
    use tauri_plugin_dialog::DialogExt;
    if let Some(state) = app.try_state::<crate::AppState>() {
        if matches!(state.startup(), Ok(true)) {
            if let Some(dir) = std::env::var_os(E2E_SAVE_DIR) {
                return Ok(Some(std::path::PathBuf::from(dir).join(file_name)));
            }
        }
    }
    let mut dialog = app.dialog().file().set_file_name(file_name);
    if let Some((label, extensions)) = filter {
        dialog = dialog.add_filter(label, extensions);
    }
    let Some(chosen) = dialog.blocking_save_file() else {
        return Ok(None);
    };
    chosen.into_path().map(Some).map_err(|_| {
        clinic_protocol::UiError::new(
            clinic_protocol::ErrorCode::Config,
            "choose a file on this computer",
        )
    })
}

/// Writes an exported file the user chose; a clear error when it cannot.
pub(crate) fn write_export(
    path: &std::path::Path,
    bytes: &[u8],
) -> Result<(), clinic_protocol::UiError> {
    std::fs::write(path, bytes).map_err(|e| {
        clinic_protocol::UiError::new(
            clinic_protocol::ErrorCode::Storage,
            format!("the file could not be written: {e}"),
        )
    })
}

/// Every app command (see `names.rs`).
#[cfg(test)]
const ALL: &[&str] = include!("names.rs");

#[cfg(test)]
mod tests {
    fn granted(json: &str) -> Vec<String> {
        let capability: serde_json::Value =
            serde_json::from_str(json).expect("a capability is JSON");
        let mut granted: Vec<String> = capability["permissions"]
            .as_array()
            .expect("a permissions array")
            .iter()
            .filter_map(|p| p.as_str())
            .filter_map(|p| p.strip_prefix("allow-"))
            .map(|c| c.replace('-', "_"))
            .collect();
        granted.sort();
        granted
    }

    fn commands(kiosk: bool) -> Vec<String> {
        let mut all: Vec<String> = super::ALL
            .iter()
            .filter(|c| {
                clinic_core::authz::Command::ALL
                    .iter()
                    .any(|k| k.as_str() == **c && k.is_kiosk() == kiosk)
            })
            .map(|c| c.to_string())
            .collect();
        all.sort();
        all
    }

    /// The staff window's capability grants exactly the staff commands: a command
    /// added to the shell without a permission (or a stray permission, or a kiosk
    /// command) fails here.
    #[test]
    fn main_window_capability_lists_every_staff_command_and_nothing_else() {
        assert_eq!(
            granted(include_str!("../../capabilities/main.json")),
            commands(false)
        );
    }

    /// The kiosk window's capability grants the kiosk commands and nothing else:
    /// no core plugin permission either.
    #[test]
    fn kiosk_window_capability_lists_only_kiosk_commands() {
        let json = include_str!("../../capabilities/kiosk.json");
        assert_eq!(granted(json), commands(true));
        let capability: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(capability["windows"], serde_json::json!(["kiosk"]));
        let all = capability["permissions"].as_array().unwrap();
        assert!(
            all.iter()
                .all(|p| p.as_str().unwrap().starts_with("allow-kiosk-")),
            "{all:?}"
        );
        assert_eq!(commands(true).len(), 8);
    }

    /// Every command the shell exposes has a row in the core's permission matrix.
    #[test]
    fn every_command_is_in_the_permission_matrix() {
        let matrix: Vec<&str> = clinic_core::authz::Command::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        for command in super::ALL {
            assert!(
                matrix.contains(command),
                "{command} has no row in authz::Command"
            );
        }
    }
}

//! Tauri commands, one module per feature. Each command is a few lines: take the
//! request, call core through `AppState::run` (which admits the command for the
//! signed-in session first), return the result or a `UiError`.
pub mod audit;
pub mod chart;
pub mod documents;
pub mod notes;
pub mod observations;
pub mod patients;
pub mod restricted;
pub mod session;
pub mod staff;
pub mod status;

/// Every app command (see `names.rs`).
#[cfg(test)]
const ALL: &[&str] = include!("names.rs");

#[cfg(test)]
mod tests {
    /// The staff window's capability grants exactly the listed commands: a command
    /// added to the shell without a permission (or a stray permission) fails here.
    #[test]
    fn main_window_capability_lists_every_command_and_nothing_else() {
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../../capabilities/main.json"))
                .expect("capabilities/main.json is JSON");
        let mut granted: Vec<String> = capability["permissions"]
            .as_array()
            .expect("a permissions array")
            .iter()
            .filter_map(|p| p.as_str())
            .filter_map(|p| p.strip_prefix("allow-"))
            .map(|c| c.replace('-', "_"))
            .collect();
        granted.sort();
        let mut all: Vec<String> = super::ALL.iter().map(|c| c.to_string()).collect();
        all.sort();
        assert_eq!(granted, all);
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

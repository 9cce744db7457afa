//! The desktop shell: a thin Tauri layer. It finds the data directory, opens the
//! encrypted store once at start-up (keeping a start-up error for the UI to show),
//! sets up logging, and exposes commands grouped by feature. Commands deserialize,
//! call `clinic_core`, and map errors to `UiError`; no domain logic lives here.
#![forbid(unsafe_code)]

mod commands;
mod config;
mod demo;
mod logging;
mod state;

pub use config::Config;
pub use state::AppState;

use tauri::{Manager, Runtime};

/// Adds the clinic's commands and start-up to a builder (a real one from `run`,
/// or `tauri::test::mock_builder()` in tests).
pub fn run_app<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(tauri::generate_handler![
            commands::status::app_status,
            commands::session::create_clinic,
            commands::session::login,
            commands::session::logout,
            commands::session::lock,
            commands::session::unlock,
            commands::patients::register_patient,
            commands::patients::update_patient,
            commands::patients::get_patient,
            commands::patients::search_patients,
            commands::patients::merge_patients,
            commands::staff::list_staff,
            commands::staff::create_staff,
            commands::staff::set_staff_role,
            commands::staff::set_staff_disabled,
            commands::session::begin_totp_enrollment,
            commands::session::confirm_totp,
            commands::session::change_password,
            commands::staff::reset_staff_password,
            commands::staff::reset_staff_totp,
            commands::audit::view_audit,
            commands::audit::export_audit,
            commands::audit::verify_audit,
            commands::staff::rekey_database,
            commands::staff::set_auto_lock,
            commands::restricted::break_glass,
            commands::chart::get_chart_summary,
            commands::chart::list_chart_entries,
            commands::chart::get_chart_entry_history,
            commands::chart::add_chart_entry,
            commands::chart::update_chart_entry,
            commands::chart::set_chart_entry_status,
            commands::chart::set_no_known_allergies,
            commands::notes::get_timeline,
            commands::notes::get_note,
            commands::notes::create_encounter,
            commands::notes::set_encounter_status,
            commands::notes::create_note,
            commands::notes::update_note,
            commands::notes::sign_note,
            commands::observations::record_observations,
            commands::observations::list_observations,
            commands::observations::get_observation_trend,
            commands::observations::get_observation_summary,
            commands::observations::set_observation_entered_in_error,
            commands::observations::list_observation_codes,
            commands::documents::upload_document,
            commands::documents::list_documents,
            commands::documents::get_document,
            commands::documents::save_document_copy,
            commands::documents::share_document,
            commands::documents::list_shared_documents,
            commands::documents::set_document_entered_in_error,
            commands::documents::list_colleagues,
            commands::observations::list_notifications,
            commands::observations::mark_notification_read,
            commands::restricted::get_patient_restriction,
            commands::restricted::set_patient_restriction,
            commands::restricted::set_care_team_member,
            commands::restricted::list_break_glass_alerts,
            commands::restricted::acknowledge_break_glass_alert,
        ])
        .setup(|app| {
            let config = Config::from_env(app.path().app_data_dir().ok());
            let state = AppState::start(config);
            app.manage(state);
            Ok(())
        })
}

/// Runs the desktop app.
pub fn run() {
    if let Err(e) = run_app(tauri::Builder::default()).run(tauri::generate_context!()) {
        eprintln!("the clinic app could not start: {e}");
        std::process::exit(1);
    }
}

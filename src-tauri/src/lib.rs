//! The desktop shell: a thin Tauri layer. It finds the data directory, opens the
//! encrypted store once at start-up (keeping a start-up error for the UI to show),
//! sets up logging, and exposes commands grouped by feature. Commands deserialize,
//! call `clinic_core`, and map errors to `UiError`; no domain logic lives here.
#![forbid(unsafe_code)]

mod commands;
mod config;
mod demo;
mod demo_billing;
mod demo_schedule;
mod logging;
mod payment_loop;
mod provider_loop;
mod state;
mod sync_loop;

pub use config::Config;
pub use state::AppState;

use tauri::{Manager, Runtime};

/// Adds the clinic's commands and start-up to a builder (a real one from `run`,
/// or `tauri::test::mock_builder()` in tests).
pub fn run_app<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(window_filter(tauri::generate_handler![
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
            commands::schedule::get_schedule_settings,
            commands::schedule::set_schedule_settings,
            commands::schedule::list_time_zones,
            commands::schedule::list_appointment_types,
            commands::schedule::save_appointment_type,
            commands::schedule::list_rooms,
            commands::schedule::save_room,
            commands::schedule::list_providers,
            commands::schedule::get_provider_hours,
            commands::schedule::set_provider_hours,
            commands::schedule::list_schedule_exceptions,
            commands::schedule::add_schedule_exception,
            commands::schedule::remove_schedule_exception,
            commands::schedule::find_slots,
            commands::schedule::book_appointment,
            commands::schedule::reschedule_appointment,
            commands::schedule::cancel_appointment,
            commands::schedule::set_appointment_status,
            commands::schedule::get_calendar,
            commands::schedule::get_patient_appointments,
            commands::schedule::list_waitlist,
            commands::schedule::add_to_waitlist,
            commands::schedule::remove_from_waitlist,
            commands::schedule::reassign_day,
            commands::schedule::list_reminders,
            commands::kiosk::open_kiosk,
            commands::kiosk::close_kiosk,
            commands::kiosk::kiosk_status,
            commands::kiosk::kiosk_identify,
            commands::kiosk::kiosk_update_details,
            commands::kiosk::kiosk_check_in,
            commands::kiosk::kiosk_end,
            commands::sync::get_sync_status,
            commands::sync::sync_now,
            commands::sync::connect_sync_server,
            commands::sync::join_clinic,
            commands::sync::list_sync_conflicts,
            commands::sync::resolve_sync_conflict,
            commands::interop::import_fhir,
            commands::interop::export_fhir_patient,
            commands::interop::export_fhir_patients,
            commands::provider::list_provider_endpoints,
            commands::provider::save_provider_endpoint,
            commands::provider::link_patient_provider,
            commands::provider::get_patient_provider_records,
            commands::provider::sync_patient_provider,
            commands::provider::request_provider_documents,
            commands::provider::list_provider_jobs,
            commands::provider::retry_provider_job,
            commands::billing::get_billing_settings,
            commands::billing::save_billing_settings,
            commands::billing::get_payment_gateway,
            commands::billing::save_payment_gateway,
            commands::billing::list_services,
            commands::billing::save_service,
            commands::billing::list_invoices,
            commands::billing::get_invoice,
            commands::billing::invoice_for_appointment,
            commands::billing::save_invoice_draft,
            commands::billing::issue_invoice,
            commands::billing::void_invoice,
            commands::billing::record_payment,
            commands::billing::start_card_payment,
            commands::billing::get_receipt,
            commands::billing::record_refund,
            commands::billing::record_credit_note,
            commands::billing::get_patient_balance,
            commands::billing::get_patient_statement,
            commands::billing::get_day_summary,
            commands::billing::close_day,
            commands::billing::list_day_closes,
            commands::billing_print::save_invoice_pdf,
            commands::billing_print::save_receipt_pdf,
            commands::billing_print::save_statement_pdf,
            commands::billing_print::save_day_close_pdf,
            commands::billing_print::save_day_close_csv,
            commands::billing::kiosk_balance,
            commands::billing::kiosk_pay_invoice,
            commands::billing::kiosk_payment_status,
            commands::dashboards::get_appointments_dashboard,
            commands::dashboards::get_attendance_dashboard,
            commands::dashboards::get_utilisation_dashboard,
            commands::dashboards::get_patient_mix_dashboard,
            commands::dashboards::get_revenue_dashboard,
            commands::dashboards::get_receivables_dashboard,
            commands::dashboards::export_dashboard_csv,
        ]))
        .setup(|app| {
            let config = Config::from_env(app.path().app_data_dir().ok());
            let state = AppState::start(config);
            app.manage(state);
            sync_loop::spawn(app.handle().clone());
            provider_loop::spawn(app.handle().clone());
            payment_loop::spawn(app.handle().clone());
            Ok(())
        })
}

/// Wraps the command handler so that the kiosk window reaches only the kiosk
/// commands and no staff window reaches them — enforced here for app commands
/// whatever the capabilities say (they say the same: capabilities/kiosk.json).
/// A refusal is audited and answered with `forbidden`.
fn window_filter<R: Runtime>(
    handler: impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static,
) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    move |invoke| {
        let command = invoke.message.command().to_string();
        let label = invoke.message.webview_ref().label().to_string();
        let kiosk_window = label == clinic_core::kiosk::KIOSK_WINDOW;
        // Plugin commands are not app commands: their capabilities decide.
        let app_command = clinic_core::authz::Command::ALL
            .iter()
            .find(|c| c.as_str() == command);
        if app_command.is_some_and(|c| c.is_kiosk() != kiosk_window) {
            if let Some(state) = invoke.message.webview_ref().try_state::<AppState>() {
                state.audit_window_refusal(&label, &command);
            }
            invoke.resolver.reject(clinic_protocol::UiError::new(
                clinic_protocol::ErrorCode::Forbidden,
                format!("{command} may not be called from this window"),
            ));
            return true;
        }
        handler(invoke)
    }
}

/// Runs the desktop app.
pub fn run() {
    if let Err(e) = run_app(tauri::Builder::default()).run(tauri::generate_context!()) {
        eprintln!("the clinic app could not start: {e}");
        std::process::exit(1);
    }
}

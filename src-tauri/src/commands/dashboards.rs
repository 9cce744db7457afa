//! Practice dashboards (appointments, attendance, provider utilisation, new
//! versus returning patients, revenue, receivables) over a range of clinic
//! dates, and their CSV export through a native save dialog. Queries, the
//! role rules (a doctor's own numbers; money for administrators and billing)
//! and audit are in `clinic_core::dashboards`.
use crate::AppState;
use clinic_core::authz::Command;
use clinic_core::dashboards;
use clinic_protocol::{
    AppointmentsDashboard, AttendanceDashboard, DashboardQuery, ExportDashboard,
    PatientMixDashboard, ReceivablesDashboard, RevenueDashboard, UiError, UtilisationDashboard,
};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

#[tauri::command]
pub async fn get_appointments_dashboard(
    state: State<'_, AppState>,
    query: DashboardQuery,
) -> Result<AppointmentsDashboard, UiError> {
    state.run(Command::GetAppointmentsDashboard, |s, caller| {
        dashboards::appointments(s, caller, &query)
    })
}

#[tauri::command]
pub async fn get_attendance_dashboard(
    state: State<'_, AppState>,
    query: DashboardQuery,
) -> Result<AttendanceDashboard, UiError> {
    state.run(Command::GetAttendanceDashboard, |s, caller| {
        dashboards::attendance(s, caller, &query)
    })
}

#[tauri::command]
pub async fn get_utilisation_dashboard(
    state: State<'_, AppState>,
    query: DashboardQuery,
) -> Result<UtilisationDashboard, UiError> {
    state.run(Command::GetUtilisationDashboard, |s, caller| {
        dashboards::utilisation(s, caller, &query)
    })
}

#[tauri::command]
pub async fn get_patient_mix_dashboard(
    state: State<'_, AppState>,
    query: DashboardQuery,
) -> Result<PatientMixDashboard, UiError> {
    state.run(Command::GetPatientMixDashboard, |s, caller| {
        dashboards::patient_mix(s, caller, &query)
    })
}

#[tauri::command]
pub async fn get_revenue_dashboard(
    state: State<'_, AppState>,
    query: DashboardQuery,
) -> Result<RevenueDashboard, UiError> {
    state.run(Command::GetRevenueDashboard, |s, caller| {
        dashboards::revenue(s, caller, &query)
    })
}

#[tauri::command]
pub async fn get_receivables_dashboard(
    state: State<'_, AppState>,
    query: DashboardQuery,
) -> Result<ReceivablesDashboard, UiError> {
    state.run(Command::GetReceivablesDashboard, |s, caller| {
        dashboards::receivables(s, caller, &query)
    })
}

/// Where an export went.
#[derive(Serialize)]
pub struct Saved {
    path: String,
}

/// `None` when the user cancels the save dialog.
#[tauri::command]
pub async fn export_dashboard_csv<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: ExportDashboard,
) -> Result<Option<Saved>, UiError> {
    // Admit (and check the query) first, so no one gets a dialog for nothing.
    state.run(Command::ExportDashboardCsv, |_, _| Ok(()))?;
    let name = format!(
        "{}-{}-{}.csv",
        request.kind.as_str(),
        request.query.from,
        request.query.to
    );
    let Some(path) = super::choose_save_path(&app, &name, Some(("CSV", &["csv"])))? else {
        return Ok(None);
    };
    let csv = state.run(Command::ExportDashboardCsv, |s, caller| {
        dashboards::dashboard_csv(s, caller, request.kind, &request.query)
    })?;
    super::write_export(&path, csv.as_bytes())?;
    Ok(Some(Saved {
        path: path.display().to_string(),
    }))
}

//! The clinical chart for doctors and nurses: summary, lists, history, recording
//! and correcting entries, status changes, "no known allergies". Rules, access
//! checks and audit entries are in `clinic_core::chart`.
use crate::AppState;
use clinic_core::authz::Command;
use clinic_core::chart;
use clinic_protocol::{
    AddChartEntry, AllergyStatus, ChartEntry, ChartEntryId, ChartEntryVersion, ChartSummary,
    ListChartEntries, PatientId, SetChartEntryStatus, SetNoKnownAllergies, UiError,
    UpdateChartEntry,
};
use tauri::State;

#[tauri::command]
pub async fn get_chart_summary(
    state: State<'_, AppState>,
    id: PatientId,
) -> Result<ChartSummary, UiError> {
    state.run(Command::GetChartSummary, |s, caller| {
        chart::summary(s, caller, id)
    })
}

#[tauri::command]
pub async fn list_chart_entries(
    state: State<'_, AppState>,
    request: ListChartEntries,
) -> Result<Vec<ChartEntry>, UiError> {
    state.run(Command::ListChartEntries, |s, caller| {
        chart::list(s, caller, request)
    })
}

#[tauri::command]
pub async fn get_chart_entry_history(
    state: State<'_, AppState>,
    id: ChartEntryId,
) -> Result<Vec<ChartEntryVersion>, UiError> {
    state.run(Command::GetChartEntryHistory, |s, caller| {
        chart::history(s, caller, id)
    })
}

#[tauri::command]
pub async fn add_chart_entry(
    state: State<'_, AppState>,
    request: AddChartEntry,
) -> Result<ChartEntry, UiError> {
    state.run(Command::AddChartEntry, |s, caller| {
        chart::add_entry(s, caller, request)
    })
}

#[tauri::command]
pub async fn update_chart_entry(
    state: State<'_, AppState>,
    request: UpdateChartEntry,
) -> Result<ChartEntry, UiError> {
    state.run(Command::UpdateChartEntry, |s, caller| {
        chart::update_entry(s, caller, request)
    })
}

#[tauri::command]
pub async fn set_chart_entry_status(
    state: State<'_, AppState>,
    request: SetChartEntryStatus,
) -> Result<ChartEntry, UiError> {
    state.run(Command::SetChartEntryStatus, |s, caller| {
        chart::set_status(s, caller, request)
    })
}

#[tauri::command]
pub async fn set_no_known_allergies(
    state: State<'_, AppState>,
    request: SetNoKnownAllergies,
) -> Result<AllergyStatus, UiError> {
    state.run(Command::SetNoKnownAllergies, |s, caller| {
        chart::set_no_known_allergies(s, caller, request)
    })
}

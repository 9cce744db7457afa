//! Patient registry commands used by the front desk.
use crate::AppState;
use clinic_core::authz::Command;
use clinic_core::{merge, registry, search};
use clinic_protocol::{
    MergeOutcome, MergePatients, Patient, PatientId, PatientSearch, PatientSearchPage,
    RegisterOutcome, RegisterPatient, UiError, UpdatePatient,
};
use tauri::State;

#[tauri::command]
pub async fn register_patient(
    state: State<'_, AppState>,
    request: RegisterPatient,
) -> Result<RegisterOutcome, UiError> {
    state.run(Command::RegisterPatient, |s, caller| {
        registry::register_patient(s, caller, request)
    })
}

#[tauri::command]
pub async fn update_patient(
    state: State<'_, AppState>,
    request: UpdatePatient,
) -> Result<Patient, UiError> {
    state.run(Command::UpdatePatient, |s, caller| {
        registry::update_patient(s, caller, request)
    })
}

#[tauri::command]
pub async fn get_patient(state: State<'_, AppState>, id: PatientId) -> Result<Patient, UiError> {
    state.run(Command::GetPatient, |s, caller| {
        registry::view_patient(s, caller, id)
    })
}

#[tauri::command]
pub async fn search_patients(
    state: State<'_, AppState>,
    request: PatientSearch,
) -> Result<PatientSearchPage, UiError> {
    state.run(Command::SearchPatients, |s, caller| {
        search::search_patients_audited(s, caller, &request)
    })
}

#[tauri::command]
pub async fn merge_patients(
    state: State<'_, AppState>,
    request: MergePatients,
) -> Result<MergeOutcome, UiError> {
    state.run(Command::MergePatients, |s, caller| {
        merge::merge(s, caller, request)
    })
}

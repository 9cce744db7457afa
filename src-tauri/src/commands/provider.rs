//! The patient's primary provider as a FHIR endpoint: endpoints (administrators
//! configure them; credentials go in only), a patient's link and provider
//! records, "Sync now", requests for documents, the history of exchanges and
//! retry. Commands only queue jobs: the provider loop (`provider_loop`) runs
//! them, so they wait while the device is offline. Rules, checks and audit are
//! in `clinic_core::provider`.
use crate::AppState;
use clinic_core::authz::Command;
use clinic_core::provider;
use clinic_protocol::{
    DocumentRequest, LinkPatientProvider, PatientId, PatientProviderLink, PatientProviderRecords,
    ProviderEndpoint, ProviderJob, ProviderJobQuery, RequestProviderDocuments,
    SaveProviderEndpoint, UiError,
};
use tauri::State;

#[tauri::command]
pub async fn list_provider_endpoints(
    state: State<'_, AppState>,
) -> Result<Vec<ProviderEndpoint>, UiError> {
    state.run(Command::ListProviderEndpoints, |s, caller| {
        provider::list_endpoints(s, caller)
    })
}

#[tauri::command]
pub async fn save_provider_endpoint(
    state: State<'_, AppState>,
    input: SaveProviderEndpoint,
) -> Result<ProviderEndpoint, UiError> {
    let saved = state.run(Command::SaveProviderEndpoint, |s, caller| {
        provider::save_endpoint(s, caller, input)
    })?;
    state.provider.wake();
    Ok(saved)
}

#[tauri::command]
pub async fn link_patient_provider(
    state: State<'_, AppState>,
    input: LinkPatientProvider,
) -> Result<PatientProviderLink, UiError> {
    state.run(Command::LinkPatientProvider, |s, caller| {
        provider::link_patient(s, caller, input)
    })
}

#[tauri::command]
pub async fn get_patient_provider_records(
    state: State<'_, AppState>,
    patient_id: PatientId,
) -> Result<PatientProviderRecords, UiError> {
    state.run(Command::GetPatientProviderRecords, |s, caller| {
        provider::patient_records(s, caller, patient_id)
    })
}

#[tauri::command]
pub async fn sync_patient_provider(
    state: State<'_, AppState>,
    patient_id: PatientId,
) -> Result<ProviderJob, UiError> {
    let job = state.run(Command::SyncPatientProvider, |s, caller| {
        provider::sync_patient_now(s, caller, patient_id)
    })?;
    state.provider.wake();
    Ok(job)
}

#[tauri::command]
pub async fn request_provider_documents(
    state: State<'_, AppState>,
    input: RequestProviderDocuments,
) -> Result<DocumentRequest, UiError> {
    let request = state.run(Command::RequestProviderDocuments, |s, caller| {
        provider::request_documents(s, caller, input)
    })?;
    state.provider.wake();
    Ok(request)
}

#[tauri::command]
pub async fn list_provider_jobs(
    state: State<'_, AppState>,
    query: ProviderJobQuery,
) -> Result<Vec<ProviderJob>, UiError> {
    state.run(Command::ListProviderJobs, |s, caller| {
        provider::list_jobs(s, caller, &query)
    })
}

#[tauri::command]
pub async fn retry_provider_job(
    state: State<'_, AppState>,
    job_id: uuid::Uuid,
) -> Result<ProviderJob, UiError> {
    let job = state.run(Command::RetryProviderJob, |s, caller| {
        provider::retry_job(s, caller, job_id)
    })?;
    state.provider.wake();
    Ok(job)
}

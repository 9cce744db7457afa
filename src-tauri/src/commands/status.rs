//! Start-up status: did the encrypted store open, and if not, why.
use crate::AppState;
use clinic_protocol::AppStatus;
use tauri::State;

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Result<AppStatus, ()> {
    Ok(match state.startup() {
        Err(error) => AppStatus::Failed { error },
        Ok(test_key) => match state.with_store(|s, _| {
            Ok((
                s.device_id(),
                clinic_core::registry::patient_count(s.conn())?,
            ))
        }) {
            Ok((device_id, patient_count)) => AppStatus::Ready {
                device_id,
                test_key,
                patient_count,
            },
            Err(error) => AppStatus::Failed { error },
        },
    })
}

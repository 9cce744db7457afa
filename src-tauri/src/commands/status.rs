//! Start-up status: did the encrypted store open (and if not, why), is the clinic
//! set up, and who is signed in on this app.
use crate::AppState;
use clinic_core::authz::Command;
use clinic_core::identity;
use clinic_protocol::{AppStatus, ErrorCode, UiError};
use tauri::State;

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Result<AppStatus, ()> {
    Ok(match state.startup() {
        Err(error) => AppStatus::Failed { error },
        // An ended session (account disabled, role changed) is not a failure: the
        // gate has signed it out, so the second try answers "no session".
        Ok(test_key) => match ready(&state, test_key).or_else(|e| match e.code {
            ErrorCode::AccountDisabled | ErrorCode::SessionEnded => ready(&state, test_key),
            _ => Err(e),
        }) {
            Ok(status) => status,
            Err(error) => AppStatus::Failed { error },
        },
    })
}

fn ready(state: &AppState, test_key: bool) -> Result<AppStatus, UiError> {
    state.run_gate(Command::AppStatus, |s, _, gate, _| {
        let clinic = identity::clinic_info(s.conn())?;
        let current = gate.current();
        Ok(AppStatus::Ready {
            device_id: s.device_id(),
            test_key,
            clinic,
            session: current.map(|(info, _)| info.clone()),
            locked: current.is_some_and(|(_, locked)| locked),
        })
    })
}

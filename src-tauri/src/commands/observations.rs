//! Vital signs and test results for doctors and nurses (record, list, trend,
//! summary, entered in error, the code catalogue), and every staff member's own
//! notification inbox. Rules, access checks and audit are in
//! `clinic_core::observations`.
use crate::AppState;
use clinic_core::authz::Command;
use clinic_core::observations;
use clinic_core::CoreError;
use clinic_protocol::{
    ListObservations, MarkNotificationRead, Notification, Observation, ObservationCode,
    ObservationPage, ObservationSummary, ObservationTrend, PatientId, RecordObservations,
    SetObservationEnteredInError, TrendQuery, UiError,
};
use tauri::State;

#[tauri::command]
pub async fn record_observations(
    state: State<'_, AppState>,
    request: RecordObservations,
) -> Result<Vec<Observation>, UiError> {
    state.run(Command::RecordObservations, |s, caller| {
        observations::record(s, caller, request)
    })
}

#[tauri::command]
pub async fn list_observations(
    state: State<'_, AppState>,
    query: ListObservations,
) -> Result<ObservationPage, UiError> {
    state.run(Command::ListObservations, |s, caller| {
        observations::list(s, caller, query)
    })
}

#[tauri::command]
pub async fn get_observation_trend(
    state: State<'_, AppState>,
    query: TrendQuery,
) -> Result<ObservationTrend, UiError> {
    state.run(Command::GetObservationTrend, |s, caller| {
        observations::trend(s, caller, query)
    })
}

#[tauri::command]
pub async fn get_observation_summary(
    state: State<'_, AppState>,
    id: PatientId,
) -> Result<ObservationSummary, UiError> {
    state.run(Command::GetObservationSummary, |s, caller| {
        observations::summary(s, caller, id)
    })
}

#[tauri::command]
pub async fn set_observation_entered_in_error(
    state: State<'_, AppState>,
    request: SetObservationEnteredInError,
) -> Result<Observation, UiError> {
    state.run(Command::SetObservationEnteredInError, |s, caller| {
        observations::mark_entered_in_error(s, caller, request)
    })
}

#[tauri::command]
pub async fn list_observation_codes(
    state: State<'_, AppState>,
) -> Result<Vec<ObservationCode>, UiError> {
    state.run(Command::ListObservationCodes, |_, _| {
        Ok(observations::codes())
    })
}

#[tauri::command]
pub async fn list_notifications(
    state: State<'_, AppState>,
    unread_only: bool,
) -> Result<Vec<Notification>, UiError> {
    state.run(Command::ListNotifications, |s, caller| {
        let staff = caller.staff_id.ok_or(CoreError::SessionEnded)?;
        observations::notifications(s.conn(), staff, unread_only)
    })
}

#[tauri::command]
pub async fn mark_notification_read(
    state: State<'_, AppState>,
    request: MarkNotificationRead,
) -> Result<(), UiError> {
    state.run(Command::MarkNotificationRead, |s, caller| {
        let staff = caller.staff_id.ok_or(CoreError::SessionEnded)?;
        observations::mark_read(s, staff, request.id)
    })
}

//! Sign-in and the session: first run, login (with TOTP), logout, lock/unlock and
//! enrolling one's own authenticator. The core's `SessionGate` does the work and
//! the auditing; these commands only pass the request through.
use crate::AppState;
use chrono::Utc;
use clinic_core::authz::Command;
use clinic_core::identity;
use clinic_protocol::{
    ChangePassword, ClinicCreated, ConfirmTotp, CreateClinic, LockReason, Login, LoginOutcome,
    SessionInfo, TotpEnrollment, UiError, Unlock,
};
use tauri::State;

#[tauri::command]
pub async fn create_clinic(
    state: State<'_, AppState>,
    request: CreateClinic,
) -> Result<ClinicCreated, UiError> {
    state.run_gate(Command::CreateClinic, |s, _, gate, key| {
        gate.create_clinic(s, key, request, Utc::now())
    })
}

#[tauri::command]
pub async fn login(state: State<'_, AppState>, request: Login) -> Result<LoginOutcome, UiError> {
    state.run_gate(Command::Login, |s, _, gate, key| {
        gate.login(s, key, request, Utc::now())
    })
}

#[tauri::command]
pub async fn logout(state: State<'_, AppState>) -> Result<(), UiError> {
    state.run_gate(Command::Logout, |s, _, gate, key| gate.logout(s, key))
}

#[tauri::command]
pub async fn lock(state: State<'_, AppState>, reason: LockReason) -> Result<(), UiError> {
    state.run_gate(Command::Lock, |s, _, gate, key| gate.lock(s, key, reason))
}

#[tauri::command]
pub async fn unlock(state: State<'_, AppState>, request: Unlock) -> Result<(), UiError> {
    state.run_gate(Command::Unlock, |s, _, gate, key| {
        gate.unlock(s, key, request, Utc::now())
    })
}

#[tauri::command]
pub async fn begin_totp_enrollment(state: State<'_, AppState>) -> Result<TotpEnrollment, UiError> {
    state.run_gate(Command::BeginTotpEnrollment, |s, _, gate, _| {
        let session = gate
            .current()
            .map(|(info, _)| info.clone())
            .ok_or(clinic_core::CoreError::SessionEnded)?;
        identity::begin_totp_enrollment(s, &session)
    })
}

#[tauri::command]
pub async fn confirm_totp(
    state: State<'_, AppState>,
    request: ConfirmTotp,
) -> Result<SessionInfo, UiError> {
    state.run_gate(Command::ConfirmTotp, |s, _, gate, key| {
        gate.confirm_totp(s, key, request, Utc::now())
    })
}

#[tauri::command]
pub async fn change_password(
    state: State<'_, AppState>,
    request: ChangePassword,
) -> Result<(), UiError> {
    state.run_gate(Command::ChangePassword, |s, _, gate, key| {
        gate.change_password(s, key, request, Utc::now())
    })
}

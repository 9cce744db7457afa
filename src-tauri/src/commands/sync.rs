//! Sync: the indicator's status, "Retry now", connecting this device to a sync
//! server (administrators), joining an existing clinic at first run, and the
//! conflicts staff resolve. The loop itself is `sync_loop`; rounds, enrollment
//! and conflicts are `clinic_sync::engine` and `clinic_core::sync`.
use crate::AppState;
use clinic_core::audit::{self, NewAuditEvent};
use clinic_core::authz::{self, Command};
use clinic_core::sync::{conflicts, state as sync_state};
use clinic_core::{identity, CoreError};
use clinic_protocol::{
    AuditAction, AuditCategory, ConnectSyncServer, ErrorCode, FieldError, ResolveSyncConflict,
    SyncConflict, SyncStatus, UiError,
};
use clinic_sync::engine::{self, StoreAccess, SyncError};
use serde_json::json;
use tauri::State;

/// The indicator's data. Needs no session (it carries no patient data): the
/// first-run download shows it before anyone can sign in.
#[tauri::command]
pub async fn get_sync_status(state: State<'_, AppState>) -> Result<SyncStatus, UiError> {
    authz::authorize_anonymous(Command::GetSyncStatus).map_err(UiError::from)?;
    status(&state)
}

fn status(state: &AppState) -> Result<SyncStatus, UiError> {
    let phase = state.sync.phase();
    state
        .with_store(|s| sync_state::status(s.conn(), phase))
        .ok_or_else(|| UiError::new(ErrorCode::NotReady, "the store is not open"))?
        .map_err(UiError::from)
}

/// Runs a sync round now.
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<SyncStatus, UiError> {
    state.run(Command::SyncNow, |_, _| Ok(()))?;
    state.sync.wake();
    status(&state)
}

fn check_request(request: &ConnectSyncServer) -> Result<(), UiError> {
    let mut errors = Vec::new();
    let url = request.server_url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() < 10 {
        errors.push(FieldError {
            field: "server_url".into(),
            message: "Enter the server's address, e.g. https://sync.example-clinic.org:8443".into(),
        });
    }
    if request.enrollment_code.trim().is_empty() {
        errors.push(FieldError {
            field: "enrollment_code".into(),
            message: "Enter the enrollment code.".into(),
        });
    }
    let name = request.device_name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        errors.push(FieldError {
            field: "device_name".into(),
            message: "Name this device (1 to 80 characters).".into(),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(UiError::from(CoreError::Validation(errors)))
    }
}

fn enroll_error(e: SyncError) -> UiError {
    let message = match &e {
        SyncError::Offline(_) => "The sync server cannot be reached. Check the address, that the server is running and that this computer is on the clinic's network, then try again.".to_string(),
        SyncError::Server(m) if m.contains("certificate") || m.contains("TLS") || m.contains("tls") => format!(
            "The server's certificate is not trusted ({m}). Paste the clinic's CA certificate, or check the address."
        ),
        SyncError::Server(m) => format!("The sync server refused: {m}. An enrollment code works once; ask an administrator for a new one."),
        other => other.to_string(),
    };
    UiError::new(ErrorCode::SyncFailed, message)
}

/// An administrator connects this (already set-up) device to a sync server.
#[tauri::command]
pub async fn connect_sync_server(
    state: State<'_, AppState>,
    request: ConnectSyncServer,
) -> Result<SyncStatus, UiError> {
    state.run(Command::ConnectSyncServer, |_, _| Ok(()))?;
    check_request(&request)?;
    engine::enroll(&*state, &request)
        .await
        .map_err(enroll_error)?;
    let url = request.server_url.trim().to_string();
    state.run(Command::ConnectSyncServer, |s, caller| {
        let event = NewAuditEvent::new(AuditAction::Update, AuditCategory::Security)
            .by(caller.actor.clone())
            .detail(json!({ "sync_server": url }));
        audit::append_standalone(s, caller.audit_key, &event)?;
        Ok(())
    })?;
    state.sync.wake();
    status(&state)
}

/// First run on a new device: join an existing clinic (then everything downloads;
/// sign-in appears once the clinic has arrived).
#[tauri::command]
pub async fn join_clinic(
    state: State<'_, AppState>,
    request: ConnectSyncServer,
) -> Result<SyncStatus, UiError> {
    authz::authorize_anonymous(Command::JoinClinic).map_err(UiError::from)?;
    let first_run = state
        .with_store(|s| identity::needs_first_run(s.conn()))
        .ok_or_else(|| UiError::new(ErrorCode::NotReady, "the store is not open"))?
        .map_err(UiError::from)?;
    if !first_run {
        return Err(UiError::from(CoreError::ClinicExists));
    }
    check_request(&request)?;
    engine::enroll(&*state, &request)
        .await
        .map_err(enroll_error)?;
    state.sync.wake();
    status(&state)
}

#[tauri::command]
pub async fn list_sync_conflicts(state: State<'_, AppState>) -> Result<Vec<SyncConflict>, UiError> {
    state.run(Command::ListSyncConflicts, |s, caller| {
        conflicts::list(s, caller)
    })
}

#[tauri::command]
pub async fn resolve_sync_conflict(
    state: State<'_, AppState>,
    request: ResolveSyncConflict,
) -> Result<(), UiError> {
    state.run(Command::ResolveSyncConflict, |s, caller| {
        conflicts::resolve(s, caller, request)
    })?;
    state.sync.wake();
    Ok(())
}

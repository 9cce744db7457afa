//! The check-in kiosk: staff open and close its full-screen window (label
//! `kiosk`, with its own capability listing only the kiosk commands), and the
//! kiosk window's own commands, run as the kiosk by `AppState::run_kiosk`.
//! Identification, updates and check-in rules are in `clinic_core::kiosk`.
use crate::AppState;
use chrono::Utc;
use clinic_core::authz::Command;
use clinic_core::kiosk::KIOSK_WINDOW;
use clinic_protocol::{
    ErrorCode, KioskIdentify, KioskStatus, KioskToken, KioskUpdateDetails, KioskVisit, UiError,
};
use tauri::{AppHandle, Manager, Runtime, State, WebviewUrl, WebviewWindowBuilder};

/// Opens (or brings forward) the kiosk window.
#[tauri::command]
pub async fn open_kiosk<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<(), UiError> {
    state.run_desk(Command::OpenKiosk, |_, _, desk| {
        desk.open();
        Ok(())
    })?;
    if let Some(window) = app.get_webview_window(KIOSK_WINDOW) {
        let _ = window.set_focus();
        return Ok(());
    }
    WebviewWindowBuilder::new(&app, KIOSK_WINDOW, WebviewUrl::App("index.html".into()))
        .title("Patient check-in")
        .fullscreen(!cfg!(debug_assertions) || std::env::var_os("CLINIC_KIOSK_WINDOWED").is_none())
        .closable(false)
        .build()
        .map_err(|e| {
            tracing::error!(error = %e, "the kiosk window could not be opened");
            UiError::new(ErrorCode::Internal, "The kiosk window could not be opened.")
        })?;
    tracing::info!("kiosk opened");
    Ok(())
}

/// Closes the kiosk window; every kiosk visit ends.
#[tauri::command]
pub async fn close_kiosk<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<(), UiError> {
    state.run_desk(Command::CloseKiosk, |_, _, desk| {
        desk.close();
        Ok(())
    })?;
    if let Some(window) = app.get_webview_window(KIOSK_WINDOW) {
        let _ = window.destroy();
    }
    tracing::info!("kiosk closed");
    Ok(())
}

#[tauri::command]
pub async fn kiosk_status(state: State<'_, AppState>) -> Result<KioskStatus, UiError> {
    state.run_kiosk(Command::KioskStatus, |s, _, desk| desk.status(s.conn()))
}

#[tauri::command]
pub async fn kiosk_identify(
    state: State<'_, AppState>,
    request: KioskIdentify,
) -> Result<KioskVisit, UiError> {
    state.run_kiosk(Command::KioskIdentify, |s, caller, desk| {
        desk.identify(s, caller, request, Utc::now())
    })
}

#[tauri::command]
pub async fn kiosk_update_details(
    state: State<'_, AppState>,
    request: KioskUpdateDetails,
) -> Result<KioskVisit, UiError> {
    state.run_kiosk(Command::KioskUpdateDetails, |s, caller, desk| {
        desk.update_details(s, caller, request, Utc::now())
    })
}

#[tauri::command]
pub async fn kiosk_check_in(
    state: State<'_, AppState>,
    request: KioskToken,
) -> Result<KioskVisit, UiError> {
    state.run_kiosk(Command::KioskCheckIn, |s, caller, desk| {
        desk.check_in(s, caller, request.token, Utc::now())
    })
}

#[tauri::command]
pub async fn kiosk_end(state: State<'_, AppState>, request: KioskToken) -> Result<(), UiError> {
    state.run_kiosk(Command::KioskEnd, |_, _, desk| {
        desk.end(&request.token);
        Ok(())
    })
}

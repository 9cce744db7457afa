//! Administrators' commands: staff accounts, the auto-lock setting and re-keying
//! the local database. Rules and audit entries are in `clinic_core::admin`.
use crate::AppState;
use clinic_core::authz::Command;
use clinic_core::{admin, identity};
use clinic_protocol::{
    ClinicInfo, CreateStaff, ErrorCode, ResetStaffPassword, ResetStaffTotp, SetAutoLock,
    SetStaffDisabled, SetStaffRole, StaffMember, UiError,
};
use tauri::State;

#[tauri::command]
pub async fn list_staff(state: State<'_, AppState>) -> Result<Vec<StaffMember>, UiError> {
    state.run(Command::ListStaff, |s, _| identity::list_staff(s.conn()))
}

#[tauri::command]
pub async fn create_staff(
    state: State<'_, AppState>,
    request: CreateStaff,
) -> Result<StaffMember, UiError> {
    state.run(Command::CreateStaff, |s, caller| {
        admin::create_staff(s, caller, request)
    })
}

#[tauri::command]
pub async fn set_staff_role(
    state: State<'_, AppState>,
    request: SetStaffRole,
) -> Result<StaffMember, UiError> {
    state.run(Command::SetStaffRole, |s, caller| {
        admin::set_role(s, caller, request)
    })
}

#[tauri::command]
pub async fn set_staff_disabled(
    state: State<'_, AppState>,
    request: SetStaffDisabled,
) -> Result<StaffMember, UiError> {
    state.run(Command::SetStaffDisabled, |s, caller| {
        admin::set_disabled(s, caller, request)
    })
}

#[tauri::command]
pub async fn reset_staff_password(
    state: State<'_, AppState>,
    request: ResetStaffPassword,
) -> Result<StaffMember, UiError> {
    state.run(Command::ResetStaffPassword, |s, caller| {
        admin::reset_password(s, caller, request)
    })
}

#[tauri::command]
pub async fn reset_staff_totp(
    state: State<'_, AppState>,
    request: ResetStaffTotp,
) -> Result<StaffMember, UiError> {
    state.run(Command::ResetStaffTotp, |s, caller| {
        admin::reset_totp(s, caller, request)
    })
}

#[tauri::command]
pub async fn set_auto_lock(
    state: State<'_, AppState>,
    request: SetAutoLock,
) -> Result<ClinicInfo, UiError> {
    state.run(Command::SetAutoLock, |s, caller| {
        admin::set_auto_lock(s, caller, request)
    })
}

/// Re-keys the database: the store is closed, re-keyed and reopened while the
/// state's lock is held, so no other command sees it half-way.
#[tauri::command]
pub async fn rekey_database(state: State<'_, AppState>) -> Result<(), UiError> {
    state.run(Command::RekeyDatabase, |_, _| Ok(()))?;
    state.with_open(|slot| {
        let mut open = slot.take().expect("with_open checks the store is open");
        let session = open.gate.current().map(|(info, _)| info.clone());
        let caller = match &session {
            Some(info) => clinic_core::Caller::staff(open.audit_key.as_bytes(), info),
            None => clinic_core::Caller::device(open.audit_key.as_bytes()),
        };
        let (reopened, outcome) = admin::rekey_database(open.store, &open.source, &caller);
        match reopened {
            Ok(store) => {
                open.store = store;
                *slot = Some(open);
                outcome.map_err(UiError::from)
            }
            Err(e) => {
                tracing::error!(code = ?e.code(), "the store could not be reopened after re-keying");
                Err(UiError::new(
                    ErrorCode::Storage,
                    format!("The database could not be reopened after re-keying; restart the app. ({e})"),
                ))
            }
        }
    })
}

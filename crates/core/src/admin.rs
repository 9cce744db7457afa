//! Administrators' use cases with their audit entries: staff accounts (create,
//! role change, disable / re-enable), clinic settings (auto-lock) and re-keying
//! the local database. The rules live in `identity` and `clinic_store::rekey`;
//! this module records who did what (`account_change`, `role_change`,
//! `settings_change`, `rekey`), by staff id and never with a password.
//!
//! `authz` has already admitted the caller (the shell's `SessionGate::admit`).
use crate::audit::{self, NewAuditEvent};
use crate::{identity, Caller, CoreError};
use clinic_protocol::{
    AuditAction, AuditCategory, ClinicInfo, CreateStaff, ResetStaffPassword, ResetStaffTotp,
    SetAutoLock, SetStaffDisabled, SetStaffRole, StaffMember,
};
use clinic_store::{KeySource, Store, StoreError};
use serde_json::{json, Value};

fn record(
    store: &mut Store,
    caller: &Caller<'_>,
    action: AuditAction,
    detail: Value,
) -> Result<(), CoreError> {
    let category = match action {
        AuditAction::SettingsChange => AuditCategory::System,
        _ => AuditCategory::Security,
    };
    let event = NewAuditEvent::new(action, category)
        .by(caller.actor.clone())
        .detail(detail);
    audit::append_standalone(store, caller.audit_key, &event)?;
    Ok(())
}

/// Creates a staff account with an initial password.
pub fn create_staff(
    store: &mut Store,
    caller: &Caller<'_>,
    request: CreateStaff,
) -> Result<StaffMember, CoreError> {
    let member = identity::create_staff(store, request)?;
    record(
        store,
        caller,
        AuditAction::AccountChange,
        json!({ "staff_id": member.id.to_string(), "change": "created", "role": member.role.as_str() }),
    )?;
    Ok(member)
}

/// Changes a staff member's role (audited only when it changed).
pub fn set_role(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SetStaffRole,
) -> Result<StaffMember, CoreError> {
    let before = identity::get_staff(store.conn(), request.staff_id)?;
    let member = identity::set_role(store, request)?;
    if before.role != member.role {
        record(
            store,
            caller,
            AuditAction::RoleChange,
            json!({
                "staff_id": member.id.to_string(),
                "from": before.role.as_str(),
                "to": member.role.as_str(),
            }),
        )?;
    }
    Ok(member)
}

/// Disables or re-enables an account (audited only when it changed).
pub fn set_disabled(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SetStaffDisabled,
) -> Result<StaffMember, CoreError> {
    let before = identity::get_staff(store.conn(), request.staff_id)?;
    let member = identity::set_disabled(store, request)?;
    if before.disabled != member.disabled {
        let change = if member.disabled {
            "disabled"
        } else {
            "enabled"
        };
        record(
            store,
            caller,
            AuditAction::AccountChange,
            json!({ "staff_id": member.id.to_string(), "change": change }),
        )?;
    }
    Ok(member)
}

/// Sets a new password for a member who forgot theirs.
pub fn reset_password(
    store: &mut Store,
    caller: &Caller<'_>,
    request: ResetStaffPassword,
) -> Result<StaffMember, CoreError> {
    let member = identity::reset_password(store, request)?;
    record(
        store,
        caller,
        AuditAction::AccountChange,
        json!({ "staff_id": member.id.to_string(), "change": "password_reset" }),
    )?;
    Ok(member)
}

/// Removes a member's authenticator (audited only when there was one).
pub fn reset_totp(
    store: &mut Store,
    caller: &Caller<'_>,
    request: ResetStaffTotp,
) -> Result<StaffMember, CoreError> {
    let before = identity::get_staff(store.conn(), request.staff_id)?;
    let member = identity::reset_totp(store, request)?;
    if before.totp_enabled {
        record(
            store,
            caller,
            AuditAction::AccountChange,
            json!({ "staff_id": member.id.to_string(), "change": "totp_reset" }),
        )?;
    }
    Ok(member)
}

/// Changes the inactivity lock (audited only when it changed). It applies to
/// sessions started afterwards.
pub fn set_auto_lock(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SetAutoLock,
) -> Result<ClinicInfo, CoreError> {
    let before = identity::clinic_info(store.conn())?.map(|c| c.auto_lock_minutes);
    let clinic = identity::set_auto_lock(store, request)?;
    if before != Some(clinic.auto_lock_minutes) {
        record(
            store,
            caller,
            AuditAction::SettingsChange,
            json!({ "setting": "auto_lock_minutes", "from": before, "to": clinic.auto_lock_minutes }),
        )?;
    }
    Ok(clinic)
}

/// Re-keys the local database with a new random key (crash-safe: see
/// `clinic_store::rekey`). `store` is consumed; the store to carry on with is
/// returned with the result: re-keyed on success, reopened with whichever key
/// the file has on failure (`Err` inside when even that fails). Audited as
/// `rekey` with the outcome.
pub fn rekey_database(
    store: Store,
    source: &KeySource,
    caller: &Caller<'_>,
) -> (Result<Store, StoreError>, Result<(), CoreError>) {
    let path = store.path().to_path_buf();
    // clinic_store::rekey logs a success itself; a failure is logged here with its code.
    let (reopened, outcome) = match clinic_store::rekey(store, source) {
        Ok(store) => (Ok(store), Ok(())),
        Err(e) => {
            tracing::warn!(code = ?e.code(), "re-keying failed");
            (source.open_store(&path), Err(CoreError::Store(e)))
        }
    };
    match reopened {
        Ok(mut store) => {
            let result = if outcome.is_ok() { "ok" } else { "failed" };
            let logged = record(
                &mut store,
                caller,
                AuditAction::Rekey,
                json!({ "result": result }),
            );
            (Ok(store), outcome.and(logged))
        }
        Err(e) => (Err(e), outcome),
    }
}

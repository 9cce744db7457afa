//! Changing credentials after an account exists: a member changes their own
//! password (the current one is checked and throttled like sign-in); an
//! administrator resets a member's password or authenticator. Each change is one
//! `set_fields` op on the staff member (so other devices learn it through sync).
//! Nothing here logs a password or a secret.
use super::{get_staff, login, password, set_staff_field, username_key, Check};
use crate::CoreError;
use chrono::{DateTime, Utc};
use clinic_protocol::{
    ChangePassword, ResetStaffPassword, ResetStaffTotp, SessionInfo, StaffMember,
};
use clinic_store::Store;
use serde_json::json;

/// The signed-in member changes their own password. A wrong current password is
/// `invalid_credentials` and counts towards throttling; a weak new one is a field
/// error on `new_password`.
pub fn change_password(
    store: &mut Store,
    session: &SessionInfo,
    request: ChangePassword,
    now: DateTime<Utc>,
) -> Result<(), CoreError> {
    let staff = get_staff(store.conn(), session.staff_id)?;
    let key = username_key(&staff.username);
    let mut c = Check(Vec::new());
    c.password("new_password", &request.new_password, &key);
    c.finish()?;
    login::check_password(
        store,
        &key,
        &request.current_password,
        now.timestamp_millis(),
    )?;
    login::reset_failures(store, &key)?;
    let hash = password::hash_password(&request.new_password)?;
    store.write(|tx| set_staff_field(tx, staff.id, "password_hash", json!(hash), &hash))?;
    tracing::info!(staff = %staff.id, "changed own password");
    Ok(())
}

/// An administrator sets a new password for `staff_id` (to be handed over in
/// person; the member should change it after signing in).
pub fn reset_password(
    store: &mut Store,
    request: ResetStaffPassword,
) -> Result<StaffMember, CoreError> {
    let staff = get_staff(store.conn(), request.staff_id)?;
    let mut c = Check(Vec::new());
    c.password(
        "new_password",
        &request.new_password,
        &username_key(&staff.username),
    );
    c.finish()?;
    let hash = password::hash_password(&request.new_password)?;
    store.write(|tx| set_staff_field(tx, staff.id, "password_hash", json!(hash), &hash))?;
    tracing::info!(staff = %staff.id, "reset a staff password");
    get_staff(store.conn(), staff.id)
}

/// An administrator removes `staff_id`'s authenticator. An administrator's open
/// full session ends at its next command (it needs a second factor).
pub fn reset_totp(store: &mut Store, request: ResetStaffTotp) -> Result<StaffMember, CoreError> {
    let staff = get_staff(store.conn(), request.staff_id)?;
    if staff.totp_enabled {
        store.write(|tx| {
            set_staff_field(tx, staff.id, "totp_enabled", json!(false), &false)?;
            set_staff_field(
                tx,
                staff.id,
                "totp_secret",
                serde_json::Value::Null,
                &rusqlite::types::Null,
            )
        })?;
        tracing::info!(staff = %staff.id, "reset a staff authenticator");
    }
    get_staff(store.conn(), staff.id)
}

/// A digest of `staff_id`'s current password hash: the session gate keeps it at
/// sign-in and ends the session when it changes under it (an administrator reset
/// the password). `None` for an unknown account.
pub fn password_fingerprint(
    conn: &rusqlite::Connection,
    staff_id: clinic_protocol::StaffId,
) -> Result<Option<[u8; 32]>, CoreError> {
    use rusqlite::OptionalExtension;
    use sha2::Digest;
    let hash: Option<String> = conn
        .query_row(
            "SELECT password_hash FROM staff WHERE id = ?1",
            [staff_id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(hash.map(|h| sha2::Sha256::digest(h.as_bytes()).into()))
}

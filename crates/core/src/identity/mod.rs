//! Staff identity: the clinic (first run), staff accounts and roles, passwords,
//! TOTP second factor, sign-in with throttling, and session re-validation.
//!
//! Who may call what is decided by `authz`, not here: these functions assume the
//! shell has authorized the command for the session.
//!
//! Invariants:
//! - clinic and staff rows are synced data: every change goes through
//!   `Store::write` with exactly one op per changed entity (`create_clinic`,
//!   `create_staff`, `set_fields`). Payloads never contain a password; the
//!   argon2id hash and a confirmed TOTP secret do travel in ops — acceptable
//!   because the outbox lives in the SQLCipher-encrypted store and the sync
//!   channel is TLS, and every device needs them to sign its staff in offline.
//! - device-local state (`login_throttle`, `totp_device_state`: pending enrollment
//!   secrets and the last used TOTP step) is written through `Store::write`
//!   without an op and never leaves the device.
//! - usernames are unique by their folded key (case and accents), which is what
//!   sign-in looks up.
//! - the clinic always keeps at least one enabled administrator.
//! - nothing here logs usernames, passwords, codes or secrets: staff ids only.
mod credentials;
mod login;
pub mod password;
pub mod totp;

pub use credentials::{change_password, password_fingerprint, reset_password, reset_totp};
pub use login::{login, unlock, verify_session_still_valid, FREE_FAILURES, MAX_DELAY_SECS};
pub use password::{password_problem, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};

use crate::text::fold;
use crate::CoreError;
use clinic_protocol::{
    ClinicCreated, ClinicId, ClinicInfo, ConfirmTotp, CreateClinic, CreateStaff, EntityKind,
    FieldError, OpKind, Role, SessionInfo, SessionScope, SetAutoLock, SetStaffDisabled,
    SetStaffRole, StaffId, StaffMember, TotpEnrollment,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::json;

pub const MIN_USERNAME_CHARS: usize = 2;
pub const MAX_USERNAME_CHARS: usize = 64;
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
pub const MAX_CLINIC_NAME_CHARS: usize = 200;
pub const DEFAULT_AUTO_LOCK_MINUTES: u32 = 10;
pub const MAX_AUTO_LOCK_MINUTES: u32 = 240;

/// The folded key a username is unique by and looked up with.
pub fn username_key(username: &str) -> String {
    fold(username.trim())
}

/// True until a clinic has been created on this device.
pub fn needs_first_run(conn: &Connection) -> Result<bool, CoreError> {
    Ok(clinic_info(conn)?.is_none())
}

/// The clinic and its settings, once first run is done.
pub fn clinic_info(conn: &Connection) -> Result<Option<ClinicInfo>, CoreError> {
    conn.query_row(
        "SELECT id, name, auto_lock_minutes, created_at FROM clinic WHERE singleton = 1",
        [],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, String>(3)?,
            ))
        },
    )
    .optional()?
    .map(|(id, name, auto_lock_minutes, created_at)| {
        Ok::<_, CoreError>(ClinicInfo {
            id: id
                .parse()
                .map_err(|_| CoreError::Corrupt("clinic id".into()))?,
            name,
            auto_lock_minutes,
            created_at,
        })
    })
    .transpose()
}

/// Field checks shared by first run and staff creation.
struct Check(Vec<FieldError>);

impl Check {
    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim().to_string();
        if v.is_empty() {
            self.fail(field, "This field is required.");
        } else if v.chars().count() > max {
            self.fail(field, format!("Use at most {max} characters."));
        } else if v.chars().any(char::is_control) {
            self.fail(field, "Remove line breaks and other control characters.");
        }
        v
    }

    fn username(&mut self, field: &str, value: &str) -> String {
        let v = value.trim().to_string();
        let n = v.chars().count();
        if !(MIN_USERNAME_CHARS..=MAX_USERNAME_CHARS).contains(&n) {
            self.fail(
                field,
                format!("Use {MIN_USERNAME_CHARS} to {MAX_USERNAME_CHARS} characters."),
            );
        } else if !v.chars().all(|c| c.is_alphanumeric() || "._-@".contains(c)) {
            self.fail(field, "Use letters, digits and . _ - @ only.");
        }
        v
    }

    fn password(&mut self, field: &str, password: &str, username_key: &str) {
        if let Some(problem) = password::password_problem(password, username_key) {
            self.fail(field, problem);
        }
    }

    fn finish(self) -> Result<(), CoreError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Validation(self.0))
        }
    }
}

/// First run: creates the clinic and its first administrator (records one
/// `create_clinic` and one `create_staff` op) and starts the administrator's TOTP
/// enrollment. The returned session is limited to enrollment until
/// [`confirm_totp`] succeeds.
pub fn create_clinic(store: &mut Store, request: CreateClinic) -> Result<ClinicCreated, CoreError> {
    if !needs_first_run(store.conn())? {
        return Err(CoreError::ClinicExists);
    }
    let mut c = Check(Vec::new());
    let name = c.text("clinic_name", &request.clinic_name, MAX_CLINIC_NAME_CHARS);
    let username = c.username("admin_username", &request.admin_username);
    let display_name = c.text(
        "admin_display_name",
        &request.admin_display_name,
        MAX_DISPLAY_NAME_CHARS,
    );
    let key = username_key(&username);
    c.password("admin_password", &request.admin_password, &key);
    c.finish()?;
    // Hash outside the transaction: it takes tens of milliseconds.
    let password_hash = password::hash_password(&request.admin_password)?;
    let clinic_id = ClinicId::new();
    let (staff_id, secret) = store.write(|tx| {
        if tx
            .conn()
            .query_row("SELECT count(*) FROM clinic", [], |r| r.get::<_, i64>(0))?
            > 0
        {
            return Err(CoreError::ClinicExists);
        }
        let now = tx.now_rfc3339();
        tx.record(
            OpKind::CreateClinic,
            EntityKind::Clinic,
            &clinic_id.to_string(),
            json!({ "name": name, "auto_lock_minutes": DEFAULT_AUTO_LOCK_MINUTES }),
        )?;
        tx.conn().execute(
            "INSERT INTO clinic (singleton, id, name, auto_lock_minutes, created_at, updated_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?4)",
            params![clinic_id.to_string(), name, DEFAULT_AUTO_LOCK_MINUTES, now],
        )?;
        let staff_id = insert_staff(
            tx,
            &username,
            &display_name,
            Role::Administrator,
            &password_hash,
        )?;
        let secret = store_pending_secret(tx, staff_id, totp::new_secret()?)?;
        Ok::<_, CoreError>((staff_id, secret))
    })?;
    tracing::info!(clinic = %clinic_id, staff = %staff_id, "created the clinic and its first administrator");
    let admin = get_staff(store.conn(), staff_id)?;
    let clinic = clinic_info(store.conn())?.ok_or(CoreError::NotFound("clinic"))?;
    let session = session_for(
        &admin,
        SessionScope::TotpEnrollment,
        &clinic,
        &clinic.created_at,
    );
    let totp_enrollment = enrollment(&clinic.name, &admin.username, &secret);
    Ok(ClinicCreated {
        clinic,
        admin,
        session,
        totp_enrollment,
    })
}

/// Inserts a staff row and its `create_staff` op.
fn insert_staff(
    tx: &mut WriteTx<'_>,
    username: &str,
    display_name: &str,
    role: Role,
    password_hash: &str,
) -> Result<StaffId, CoreError> {
    let key = username_key(username);
    let taken: bool = tx.conn().query_row(
        "SELECT EXISTS (SELECT 1 FROM staff WHERE username_key = ?1)",
        [&key],
        |r| r.get(0),
    )?;
    if taken {
        return Err(CoreError::field("username", "This username is taken."));
    }
    let id = StaffId::new();
    // The hash (never the password) is synced: see the module header.
    tx.record(
        OpKind::CreateStaff,
        EntityKind::Staff,
        &id.to_string(),
        json!({
            "username": username,
            "display_name": display_name,
            "role": role,
            "password_hash": password_hash,
            "disabled": false,
            "totp_enabled": false,
        }),
    )?;
    let now = tx.now_rfc3339();
    tx.conn().execute(
        "INSERT INTO staff (id, username, username_key, display_name, role, password_hash,
            totp_secret, totp_enabled, disabled, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, 0, 0, ?7, ?7)",
        params![
            id.to_string(),
            username,
            key,
            display_name,
            role.as_str(),
            password_hash,
            now
        ],
    )?;
    Ok(id)
}

/// Creates a staff account with an initial password (administrators only: see
/// `authz`). Records one `create_staff` op.
pub fn create_staff(store: &mut Store, request: CreateStaff) -> Result<StaffMember, CoreError> {
    let mut c = Check(Vec::new());
    let username = c.username("username", &request.username);
    let display_name = c.text(
        "display_name",
        &request.display_name,
        MAX_DISPLAY_NAME_CHARS,
    );
    c.password("password", &request.password, &username_key(&username));
    c.finish()?;
    let password_hash = password::hash_password(&request.password)?;
    let id = store
        .write(|tx| insert_staff(tx, &username, &display_name, request.role, &password_hash))?;
    tracing::info!(staff = %id, role = request.role.as_str(), "created a staff account");
    get_staff(store.conn(), id)
}

const STAFF_COLUMNS: &str =
    "id, username, display_name, role, disabled, totp_enabled, created_at, updated_at";

fn staff_from_row(r: &Row<'_>) -> rusqlite::Result<Result<StaffMember, CoreError>> {
    let id: String = r.get(0)?;
    let role: String = r.get(3)?;
    let (Ok(id), Some(role)) = (id.parse(), Role::parse(&role)) else {
        return Ok(Err(CoreError::Corrupt("staff row".into())));
    };
    Ok(Ok(StaffMember {
        id,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role,
        disabled: r.get(4)?,
        totp_enabled: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    }))
}

/// One staff account.
pub fn get_staff(conn: &Connection, id: StaffId) -> Result<StaffMember, CoreError> {
    conn.query_row(
        &format!("SELECT {STAFF_COLUMNS} FROM staff WHERE id = ?1"),
        [id.to_string()],
        staff_from_row,
    )
    .optional()?
    .ok_or(CoreError::NotFound("staff member"))?
}

/// Every staff account, by username.
pub fn list_staff(conn: &Connection) -> Result<Vec<StaffMember>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {STAFF_COLUMNS} FROM staff ORDER BY username_key"
    ))?;
    let rows = stmt.query_map([], staff_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// Enabled doctors and nurses, for clinicians choosing a colleague (e.g. to share
/// a document with).
pub fn list_colleagues(conn: &Connection) -> Result<Vec<StaffMember>, CoreError> {
    Ok(list_staff(conn)?
        .into_iter()
        .filter(|s| !s.disabled && matches!(s.role, Role::Doctor | Role::Nurse))
        .collect())
}

/// Enabled administrators other than `except`.
fn other_active_admins(conn: &Connection, except: StaffId) -> Result<i64, CoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM staff WHERE role = 'administrator' AND disabled = 0 AND id != ?1",
        [except.to_string()],
        |r| r.get(0),
    )?)
}

/// Applies one `set_fields` change to a staff row (and records it), unless it
/// changes nothing. `column` and `value` must be a staff column and its new value.
fn set_staff_field(
    tx: &mut WriteTx<'_>,
    id: StaffId,
    field: &str,
    value: serde_json::Value,
    sql_value: &dyn rusqlite::ToSql,
) -> Result<(), CoreError> {
    tx.record(
        OpKind::SetFields,
        EntityKind::Staff,
        &id.to_string(),
        json!({ "fields": { (field): value } }),
    )?;
    let now = tx.now_rfc3339();
    tx.conn().execute(
        &format!("UPDATE staff SET {field} = ?2, updated_at = ?3 WHERE id = ?1"),
        params![id.to_string(), sql_value, now],
    )?;
    Ok(())
}

/// Changes a staff member's role (one `set_fields` op; none if unchanged). Open
/// sessions of that member end at their next command (`verify_session_still_valid`).
pub fn set_role(store: &mut Store, request: SetStaffRole) -> Result<StaffMember, CoreError> {
    let id = request.staff_id;
    store.write(|tx| {
        let current = get_staff(tx.conn(), id)?;
        if current.role == request.role {
            return Ok(());
        }
        if current.role == Role::Administrator
            && !current.disabled
            && other_active_admins(tx.conn(), id)? == 0
        {
            return Err(CoreError::LastAdministrator);
        }
        set_staff_field(tx, id, "role", json!(request.role), &request.role.as_str())
    })?;
    tracing::info!(staff = %id, role = request.role.as_str(), "set a staff role");
    get_staff(store.conn(), id)
}

/// Disables or re-enables an account (one `set_fields` op; none if unchanged). A
/// disabled account cannot sign in, and its open sessions are refused at their
/// next command.
pub fn set_disabled(
    store: &mut Store,
    request: SetStaffDisabled,
) -> Result<StaffMember, CoreError> {
    let id = request.staff_id;
    store.write(|tx| {
        let current = get_staff(tx.conn(), id)?;
        if current.disabled == request.disabled {
            return Ok(());
        }
        if request.disabled
            && current.role == Role::Administrator
            && other_active_admins(tx.conn(), id)? == 0
        {
            return Err(CoreError::LastAdministrator);
        }
        set_staff_field(
            tx,
            id,
            "disabled",
            json!(request.disabled),
            &request.disabled,
        )
    })?;
    tracing::info!(staff = %id, disabled = request.disabled, "set a staff account's status");
    get_staff(store.conn(), id)
}

/// Changes the inactivity lock (one `set_fields` op on the clinic).
pub fn set_auto_lock(store: &mut Store, request: SetAutoLock) -> Result<ClinicInfo, CoreError> {
    if !(1..=MAX_AUTO_LOCK_MINUTES).contains(&request.minutes) {
        return Err(CoreError::field(
            "minutes",
            format!("Use 1 to {MAX_AUTO_LOCK_MINUTES} minutes."),
        ));
    }
    let clinic = clinic_info(store.conn())?.ok_or(CoreError::NotFound("clinic"))?;
    if clinic.auto_lock_minutes != request.minutes {
        store.write(|tx| {
            tx.record(
                OpKind::SetFields,
                EntityKind::Clinic,
                &clinic.id.to_string(),
                json!({ "fields": { "auto_lock_minutes": request.minutes } }),
            )?;
            let now = tx.now_rfc3339();
            tx.conn().execute(
                "UPDATE clinic SET auto_lock_minutes = ?1, updated_at = ?2 WHERE singleton = 1",
                params![request.minutes, now],
            )?;
            Ok::<_, CoreError>(())
        })?;
        tracing::info!(minutes = request.minutes, "set the auto-lock delay");
    }
    clinic_info(store.conn())?.ok_or(CoreError::NotFound("clinic"))
}

/// Saves a new pending TOTP secret for `staff` on this device (no op: it is not
/// synced until confirmed) and returns it.
fn store_pending_secret(
    tx: &mut WriteTx<'_>,
    staff: StaffId,
    secret: zeroize::Zeroizing<String>,
) -> Result<zeroize::Zeroizing<String>, CoreError> {
    let now = tx.now_rfc3339();
    tx.conn().execute(
        "INSERT INTO totp_device_state (staff_id, pending_secret, pending_created_at)
         VALUES (?1, ?2, ?3)
         ON CONFLICT (staff_id) DO UPDATE SET pending_secret = ?2, pending_created_at = ?3",
        params![staff.to_string(), secret.as_str(), now],
    )?;
    Ok(secret)
}

fn enrollment(issuer: &str, username: &str, secret: &str) -> TotpEnrollment {
    TotpEnrollment {
        secret_base32: secret.to_string(),
        otpauth_uri: totp::otpauth_uri(issuer, username, secret),
        digits: totp::DIGITS,
        period_secs: totp::PERIOD_SECS,
    }
}

/// Starts (or restarts) enrolling an authenticator for the session's own account.
/// The secret is shown once; it takes effect only after [`confirm_totp`].
pub fn begin_totp_enrollment(
    store: &mut Store,
    session: &SessionInfo,
) -> Result<TotpEnrollment, CoreError> {
    let staff = get_staff(store.conn(), session.staff_id)?;
    let issuer = clinic_info(store.conn())?
        .map(|c| c.name)
        .unwrap_or_else(|| "Clinic".into());
    let secret = totp::new_secret()?;
    let secret = store.write(|tx| store_pending_secret(tx, staff.id, secret))?;
    tracing::info!(staff = %staff.id, "began TOTP enrollment");
    Ok(enrollment(&issuer, &staff.username, &secret))
}

/// Confirms the pending enrollment with a current code from the authenticator app:
/// the secret becomes the account's (one `set_fields` op, synced) and the session
/// is returned with full scope.
pub fn confirm_totp(
    store: &mut Store,
    session: &SessionInfo,
    request: ConfirmTotp,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<SessionInfo, CoreError> {
    let id = session.staff_id;
    let pending: Option<(Option<String>, Option<i64>)> = store
        .conn()
        .query_row(
            "SELECT pending_secret, last_used_step FROM totp_device_state WHERE staff_id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((Some(secret), last_used)) = pending else {
        return Err(CoreError::InvalidTotpCode);
    };
    let secret = zeroize::Zeroizing::new(secret);
    let step = totp::verify(&secret, &request.code, now.timestamp(), last_used)
        .ok_or(CoreError::InvalidTotpCode)?;
    store.write(|tx| {
        // The secret travels in the encrypted outbox: see the module header.
        tx.record(
            OpKind::SetFields,
            EntityKind::Staff,
            &id.to_string(),
            json!({ "fields": { "totp_secret": secret.as_str(), "totp_enabled": true } }),
        )?;
        let now = tx.now_rfc3339();
        tx.conn().execute(
            "UPDATE staff SET totp_secret = ?2, totp_enabled = 1, updated_at = ?3 WHERE id = ?1",
            params![id.to_string(), secret.as_str(), now],
        )?;
        tx.conn().execute(
            "UPDATE totp_device_state SET pending_secret = NULL, pending_created_at = NULL,
                last_used_step = ?2 WHERE staff_id = ?1",
            params![id.to_string(), step],
        )?;
        Ok::<_, CoreError>(())
    })?;
    tracing::info!(staff = %id, "confirmed TOTP enrollment");
    let staff = get_staff(store.conn(), id)?;
    let clinic = clinic_info(store.conn())?.ok_or(CoreError::NotFound("clinic"))?;
    Ok(session_for(
        &staff,
        SessionScope::Full,
        &clinic,
        &session.signed_in_at,
    ))
}

/// Demo clinics only: enrolls a known (documented, not secret) base32 secret for
/// the session's account, as if its owner had added it to an authenticator app
/// and typed the code of the previous 30-second step (so the current code is
/// still unused for the first sign-in).
#[doc(hidden)]
pub fn enroll_known_totp_secret(
    store: &mut Store,
    session: &SessionInfo,
    secret_base32: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<SessionInfo, CoreError> {
    let bytes = totp::base32_decode(secret_base32)
        .filter(|b| b.len() >= 10)
        .ok_or_else(|| CoreError::field("totp_secret", "Use a base32 secret of 16+ characters."))?;
    let secret = zeroize::Zeroizing::new(secret_base32.to_string());
    store.write(|tx| store_pending_secret(tx, session.staff_id, secret))?;
    let previous = chrono::Duration::seconds(i64::from(totp::PERIOD_SECS));
    let step = totp::step_at((now - previous).timestamp());
    let code = format!("{:06}", totp::code_at(&bytes, step as u64));
    confirm_totp(store, session, ConfirmTotp { code }, now)
}

pub(crate) fn session_for(
    staff: &StaffMember,
    scope: SessionScope,
    clinic: &ClinicInfo,
    signed_in_at: &str,
) -> SessionInfo {
    SessionInfo {
        staff_id: staff.id,
        username: staff.username.clone(),
        display_name: staff.display_name.clone(),
        role: staff.role,
        scope,
        signed_in_at: signed_in_at.to_string(),
        auto_lock_minutes: clinic.auto_lock_minutes,
    }
}

//! Staff identity wire types: roles, staff accounts, first-run set-up, sign-in and
//! its outcomes, the session the shell holds, and TOTP enrollment.
//!
//! Invariants: no type here ever carries a password hash or a TOTP secret back to
//! the UI, except `TotpEnrollment`, which shows a new secret exactly once so the
//! user can add it to an authenticator app. Requests that carry a password
//! (`CreateClinic`, `CreateStaff`, `Login`) have a `Debug` that redacts it, so a
//! stray `{:?}` in a log cannot leak it.
use crate::ids::{ClinicId, StaffId};
use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// What a staff member does at the clinic; decides which commands they may use
/// (the matrix lives in `clinic_core::authz`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Role {
    Administrator,
    FrontDesk,
    Doctor,
    Nurse,
    Billing,
}

impl Role {
    /// Every role, in a fixed order (tests iterate it).
    pub const ALL: [Role; 5] = [
        Role::Administrator,
        Role::FrontDesk,
        Role::Doctor,
        Role::Nurse,
        Role::Billing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::FrontDesk => "front_desk",
            Role::Doctor => "doctor",
            Role::Nurse => "nurse",
            Role::Billing => "billing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A staff account as the UI sees it (no password hash, no TOTP secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StaffMember {
    pub id: StaffId,
    /// As typed at creation (display form); sign-in compares case-insensitively.
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    /// A confirmed authenticator (TOTP) is required at sign-in.
    pub totp_enabled: bool,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
}

/// The clinic this device serves, and its settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ClinicInfo {
    pub id: ClinicId,
    pub name: String,
    /// Minutes of inactivity before staff sessions lock.
    pub auto_lock_minutes: u32,
    /// RFC 3339 UTC.
    pub created_at: String,
}

/// First run: create the clinic and its first administrator.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CreateClinic {
    pub clinic_name: String,
    pub admin_username: String,
    pub admin_display_name: String,
    pub admin_password: String,
}

impl fmt::Debug for CreateClinic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateClinic")
            .field("admin_password", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Result of first run. The administrator must confirm an authenticator before
/// doing anything else, so the result carries a session limited to TOTP
/// enrollment (scope `totp_enrollment`) and the enrollment to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ClinicCreated {
    pub clinic: ClinicInfo,
    pub admin: StaffMember,
    pub session: SessionInfo,
    pub totp_enrollment: TotpEnrollment,
}

/// An administrator creates a staff account with an initial password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CreateStaff {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

impl fmt::Debug for CreateStaff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateStaff")
            .field("role", &self.role)
            .field("password", &"<redacted>")
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SetStaffRole {
    pub staff_id: StaffId,
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SetStaffDisabled {
    pub staff_id: StaffId,
    pub disabled: bool,
}

/// A sign-in attempt. `totp_code` is sent on the second step, after the outcome
/// `totp_required` (the password is sent again with it: nothing is remembered
/// between the two steps).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Login {
    pub username: String,
    pub password: String,
    #[serde(default)]
    #[ts(optional)]
    pub totp_code: Option<String>,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("password", &"<redacted>")
            .field("totp_code", &self.totp_code.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// What a session may do. `totp_enrollment` is the session of an administrator
/// who has no confirmed authenticator yet: it permits only enrolling one (and
/// logging out).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SessionScope {
    Full,
    TotpEnrollment,
}

/// Who is signed in. The shell keeps it in its state (the UI's copy is for
/// display only; commands never trust a session sent by the UI).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SessionInfo {
    pub staff_id: StaffId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: SessionScope,
    /// RFC 3339 UTC.
    pub signed_in_at: String,
    /// The clinic's inactivity lock, in minutes, at sign-in.
    pub auto_lock_minutes: u32,
}

/// The answer to a sign-in with a correct password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
#[ts(export)]
pub enum LoginOutcome {
    /// Signed in with a full session.
    SignedIn { session: SessionInfo },
    /// The account has an authenticator: send the login again with `totp_code`.
    TotpRequired,
    /// An administrator without a confirmed authenticator: the session permits only
    /// `begin_totp_enrollment` / `confirm_totp` (then it becomes a full session).
    TotpEnrollmentRequired { session: SessionInfo },
}

/// A new TOTP secret to add to an authenticator app. Shown once: the secret is
/// never returned again.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TotpEnrollment {
    /// RFC 4648 base32, no padding (what authenticator apps accept for manual entry).
    pub secret_base32: String,
    /// `otpauth://totp/...` for a QR code.
    pub otpauth_uri: String,
    pub digits: u32,
    pub period_secs: u32,
}

impl fmt::Debug for TotpEnrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpEnrollment")
            .field("secret_base32", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Proves the authenticator app holds the enrolled secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ConfirmTotp {
    pub code: String,
}

/// An administrator changes the inactivity lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SetAutoLock {
    pub minutes: u32,
}

/// Unlock a locked session with the signed-in account's password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Unlock {
    pub password: String,
}

impl fmt::Debug for Unlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Unlock { password: <redacted> }")
    }
}

/// Why the session is being locked (recorded in the audit trail).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LockReason {
    /// The user chose "Lock".
    Manual,
    /// The inactivity timer ran out.
    Inactivity,
}

/// The audit report saved as CSV where the administrator chose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AuditExported {
    /// The file written.
    pub path: String,
    #[ts(type = "number")]
    pub rows: u64,
}

/// The signed-in member changes their own password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

impl fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChangePassword { <redacted> }")
    }
}

/// An administrator sets a new password for a member who forgot theirs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ResetStaffPassword {
    pub staff_id: StaffId,
    pub new_password: String,
}

impl fmt::Debug for ResetStaffPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResetStaffPassword")
            .field("staff_id", &self.staff_id)
            .field("new_password", &"<redacted>")
            .finish()
    }
}

/// An administrator removes a member's authenticator (e.g. a lost phone); the
/// member enrolls a new one (administrators must, at their next sign-in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ResetStaffTotp {
    pub staff_id: StaffId,
}

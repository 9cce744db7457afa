//! The error shape the UI receives: a stable machine `code` (mirrored in TypeScript)
//! and a human `message`. The UI never matches on message text.
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Stable error codes. Adding a variant is fine; renaming one breaks the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// Input failed validation; see `fields`.
    Validation,
    /// The record does not exist (or is not visible to the caller).
    NotFound,
    /// Someone else changed the record since it was loaded; reload and re-apply.
    EditConflict,
    /// The OS keychain is unavailable or locked.
    KeychainUnavailable,
    /// The database exists but its key is missing from the keychain.
    KeyMissing,
    /// The database could not be decrypted with the key (wrong key or damaged file).
    WrongKeyOrCorrupt,
    /// The database was written by a newer version of the app.
    SchemaTooNew,
    /// The local store could not be opened or written for another reason.
    Storage,
    /// The configuration (environment, settings) is invalid.
    Config,
    /// The store is not open (start-up failed); see the start-up error.
    NotReady,
    /// Anything else; the message says what happened, never with patient data.
    Internal,
    /// Wrong username or password (one answer for both, and for unknown users).
    InvalidCredentials,
    /// Too many failed sign-ins for this username; wait `retry_after_secs`
    /// (carried in the message and in `UiError::retry_after_secs`).
    Throttled,
    /// The account is disabled by an administrator (said only after a correct password).
    AccountDisabled,
    /// The authenticator code is wrong, expired or already used.
    InvalidTotpCode,
    /// The signed-in role may not use this command.
    Forbidden,
    /// No one is signed in, or the session no longer matches the account (role
    /// changed, account removed): sign in again.
    SessionEnded,
    /// The clinic is already set up on this device.
    ClinicExists,
    /// The change would leave the clinic without an active administrator.
    LastAdministrator,
    /// The patient's chart is restricted to their care team and the caller is not
    /// on it (nor holds an unexpired break-glass grant). Clinicians allowed to may
    /// request emergency (break-glass) access with a reason.
    RestrictedPatient,
    /// The session is locked (by hand or after inactivity): unlock with the password.
    Locked,
    /// The time asked for is taken for that provider or room: pick another slot.
    SlotTaken,
    /// The kiosk found no appointment today for these details (the same answer
    /// whatever the reason, so nothing is revealed).
    KioskNoMatch,
    /// The kiosk visit ended (idle reset or finished): start again.
    KioskVisitEnded,
    /// The sync server could not be reached or refused the request (the message
    /// says which, with what to check).
    SyncFailed,
}

/// A problem with one input field, shown next to that field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FieldError {
    /// Dotted path of the field in the submitted draft, e.g. `name.family` or
    /// `emergency_contacts.1.phone`.
    pub field: String,
    pub message: String,
}

/// What every failing command returns to the UI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<FieldError>>")]
    pub fields: Vec<FieldError>,
    /// With `throttled`: seconds until the next sign-in attempt is considered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub retry_after_secs: Option<u32>,
}

impl UiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
            retry_after_secs: None,
        }
    }
}

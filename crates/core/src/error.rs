//! Errors of the use cases, and their mapping to the UI's `{code, message}`.
//! Messages never include patient data.
use clinic_protocol::{ErrorCode, FieldError, UiError};
use clinic_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("Some fields need attention")]
    Validation(Vec<FieldError>),
    #[error("The {0} was not found")]
    NotFound(&'static str),
    #[error("This record was changed by someone else since you opened it (now version {current}, you edited version {expected}). Reload it and re-apply your changes.")]
    EditConflict { expected: i64, current: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("A stored record is malformed: {0}")]
    Corrupt(String),
    /// The audit trail refused an entry (a programming error: not in a transaction,
    /// or a detail that is not a small JSON object). The action is not carried out.
    #[error("The audit trail could not record this action: {0}")]
    Audit(&'static str),
    /// One answer for unknown user, wrong password and malformed input alike.
    #[error("The username or password is not right.")]
    InvalidCredentials,
    #[error("Too many failed sign-ins. Try again in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: u32 },
    /// Only ever returned after the password was verified (so it leaks nothing).
    #[error("This account is disabled. Ask an administrator to re-enable it.")]
    AccountDisabled,
    #[error("The authenticator code is not right, has expired or was already used. Enter the current code.")]
    InvalidTotpCode,
    /// The caller audits the refusal (see `authz::Refusal`).
    #[error("{}", .0.message())]
    Forbidden(Box<crate::authz::Refusal>),
    #[error("Your session has ended. Sign in again.")]
    SessionEnded,
    #[error("The clinic is already set up on this device.")]
    ClinicExists,
    #[error("The clinic needs at least one active administrator; this change would leave none.")]
    LastAdministrator,
    /// The chart is restricted to the patient's care team (the caller audits the
    /// denial; `restricted::ensure_access` does).
    #[error("This patient's chart is restricted to their care team. In an emergency, request break-glass access: a reason is required, administrators are alerted and access expires.")]
    RestrictedPatient,
    /// The provider or room already has an appointment at that time (checked by
    /// the core; a store trigger is the backstop).
    #[error("That time is no longer free: {0}. Pick another slot.")]
    SlotTaken(String),
    #[error("We could not find an appointment today with these details. Check them, or ask at the front desk.")]
    KioskNoMatch,
    #[error("This check-in has timed out. Please start again.")]
    KioskVisitEnded,
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::Store(StoreError::from(e))
    }
}

impl CoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::Validation(_) => ErrorCode::Validation,
            CoreError::NotFound(_) => ErrorCode::NotFound,
            CoreError::EditConflict { .. } => ErrorCode::EditConflict,
            CoreError::Store(e) => e.code(),
            CoreError::Corrupt(_) => ErrorCode::Storage,
            CoreError::Audit(_) => ErrorCode::Internal,
            CoreError::InvalidCredentials => ErrorCode::InvalidCredentials,
            CoreError::Throttled { .. } => ErrorCode::Throttled,
            CoreError::AccountDisabled => ErrorCode::AccountDisabled,
            CoreError::InvalidTotpCode => ErrorCode::InvalidTotpCode,
            CoreError::Forbidden(r) if r.reason == crate::authz::RefusalReason::NotSignedIn => {
                ErrorCode::SessionEnded
            }
            CoreError::Forbidden(r) if r.reason == crate::authz::RefusalReason::Locked => {
                ErrorCode::Locked
            }
            CoreError::Forbidden(_) => ErrorCode::Forbidden,
            CoreError::SessionEnded => ErrorCode::SessionEnded,
            CoreError::ClinicExists => ErrorCode::ClinicExists,
            CoreError::LastAdministrator => ErrorCode::LastAdministrator,
            CoreError::RestrictedPatient => ErrorCode::RestrictedPatient,
            CoreError::SlotTaken(_) => ErrorCode::SlotTaken,
            CoreError::KioskNoMatch => ErrorCode::KioskNoMatch,
            CoreError::KioskVisitEnded => ErrorCode::KioskVisitEnded,
        }
    }

    /// Shorthand for a single-field validation error.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        CoreError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }
}

impl From<CoreError> for UiError {
    fn from(e: CoreError) -> Self {
        let code = e.code();
        let message = e.to_string();
        let retry_after_secs = match e {
            CoreError::Throttled { retry_after_secs } => Some(retry_after_secs),
            _ => None,
        };
        let fields = match e {
            CoreError::Validation(fields) => fields,
            _ => Vec::new(),
        };
        UiError {
            code,
            message,
            fields,
            retry_after_secs,
        }
    }
}

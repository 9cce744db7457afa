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
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::Store(StoreError::Sqlite(e))
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
        let fields = match e {
            CoreError::Validation(fields) => fields,
            _ => Vec::new(),
        };
        UiError {
            code,
            message,
            fields,
        }
    }
}

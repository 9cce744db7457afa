//! Shared app state: the one open store (or why it could not be opened).
use crate::config::Config;
use clinic_core::{Caller, CoreError};
use clinic_protocol::{ErrorCode, UiError};
use clinic_store::{AuditKey, KeySource, Store, StoreError};
use std::sync::Mutex;

/// The open store and the key of its audit trail.
struct OpenStore {
    store: Store,
    audit_key: AuditKey,
}

pub struct AppState {
    store: Mutex<Option<OpenStore>>,
    startup: Result<bool, UiError>,
}

impl AppState {
    /// Opens the store described by `config`. Never panics: a failure is kept and
    /// shown by the UI's start-up error screen.
    pub fn start(config: Config) -> Self {
        match open_store(&config) {
            Ok((open, test_key)) => Self {
                store: Mutex::new(Some(open)),
                startup: Ok(test_key),
            },
            Err(error) => {
                tracing::error!(code = ?error.code, "the local store could not be opened");
                Self {
                    store: Mutex::new(None),
                    startup: Err(error),
                }
            }
        }
    }

    /// `Ok(uses_test_key)` or the start-up error.
    pub fn startup(&self) -> Result<bool, UiError> {
        self.startup.clone()
    }

    /// Runs `f` with the open store and the caller (until sign-in is wired: the
    /// device itself, audited as such), or explains why there is no store.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store, &Caller<'_>) -> Result<T, CoreError>,
    ) -> Result<T, UiError> {
        let mut guard = self.store.lock().map_err(|_| {
            UiError::new(
                ErrorCode::Internal,
                "the store lock was poisoned; restart the app",
            )
        })?;
        match guard.as_mut() {
            Some(open) => {
                f(&mut open.store, &Caller::device(open.audit_key.as_bytes())).map_err(|e| {
                    if !matches!(e, CoreError::Validation(_)) {
                        tracing::warn!(code = ?e.code(), "command failed");
                    }
                    UiError::from(e)
                })
            }
            None => Err(match &self.startup {
                Err(e) => UiError::new(ErrorCode::NotReady, e.message.clone()),
                Ok(_) => UiError::new(ErrorCode::NotReady, "the store is not open"),
            }),
        }
    }
}

fn open_store(config: &Config) -> Result<(OpenStore, bool), UiError> {
    let data_dir = config
        .data_dir
        .clone()
        .ok_or_else(|| UiError::new(ErrorCode::Config, "no data directory: set CLINIC_DATA_DIR"))?;
    create_private_dir(&data_dir).map_err(|e| {
        UiError::new(
            ErrorCode::Config,
            format!(
                "the data directory {} cannot be created: {e}",
                data_dir.display()
            ),
        )
    })?;
    crate::logging::init(&data_dir);
    let demo_patients = config
        .demo_patients
        .clone()
        .map_err(|m| UiError::new(ErrorCode::Config, m))?;
    let db_path = data_dir.join("clinic.db");
    let store_error = |e: StoreError| UiError::new(e.code(), e.to_string());
    let source = KeySource::from_env(&db_path).map_err(store_error)?;
    // Resolves the key (including one left pending by an interrupted re-key) and
    // creates the database and audit keys on first run.
    let mut store = source.open_store(&db_path).map_err(store_error)?;
    let audit_key = source
        .load_or_create_audit_key(&db_path)
        .map_err(store_error)?;
    tracing::info!(device = %store.device_id(), test_key = source.is_test_key(), "opened the local store");
    let caller = Caller::device(audit_key.as_bytes());
    crate::demo::seed_if_empty(&mut store, &caller, demo_patients).map_err(UiError::from)?;
    Ok((OpenStore { store, audit_key }, source.is_test_key()))
}

/// Creates the data directory readable by the current user only.
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

//! Shared app state: the one open store (or why it could not be opened).
use crate::config::Config;
use clinic_core::CoreError;
use clinic_protocol::{ErrorCode, UiError};
use clinic_store::{Encryption, KeySource, Store, StoreError};
use std::sync::Mutex;

pub struct AppState {
    store: Mutex<Option<Store>>,
    startup: Result<bool, UiError>,
}

impl AppState {
    /// Opens the store described by `config`. Never panics: a failure is kept and
    /// shown by the UI's start-up error screen.
    pub fn start(config: Config) -> Self {
        match open_store(&config) {
            Ok((store, test_key)) => Self {
                store: Mutex::new(Some(store)),
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

    /// Runs `f` with the open store, or explains why there is none.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, CoreError>,
    ) -> Result<T, UiError> {
        let mut guard = self.store.lock().map_err(|_| {
            UiError::new(
                ErrorCode::Internal,
                "the store lock was poisoned; restart the app",
            )
        })?;
        match guard.as_mut() {
            Some(store) => f(store).map_err(|e| {
                if !matches!(e, CoreError::Validation(_)) {
                    tracing::warn!(code = ?e.code(), "command failed");
                }
                UiError::from(e)
            }),
            None => Err(match &self.startup {
                Err(e) => UiError::new(ErrorCode::NotReady, e.message.clone()),
                Ok(_) => UiError::new(ErrorCode::NotReady, "the store is not open"),
            }),
        }
    }
}

fn open_store(config: &Config) -> Result<(Store, bool), UiError> {
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
    let key = source.load_or_create(&db_path).map_err(store_error)?;
    let mut store = clinic_store::open(&db_path, &Encryption::Key(key)).map_err(store_error)?;
    tracing::info!(device = %store.device_id(), test_key = source.is_test_key(), "opened the local store");
    crate::demo::seed_if_empty(&mut store, demo_patients).map_err(UiError::from)?;
    Ok((store, source.is_test_key()))
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

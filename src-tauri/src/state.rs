//! Shared app state: the one open store (or why it could not be opened), its key
//! source and audit key, and the sign-in session gate. Every command goes through
//! [`AppState::run`] (or [`AppState::run_gate`] for commands that change the
//! session), which asks the core's `SessionGate` to admit the command first.
use crate::config::Config;
use chrono::Utc;
use clinic_core::authz::Command;
use clinic_core::kiosk::KioskDesk;
use clinic_core::session::SessionGate;
use clinic_core::{Caller, CoreError};
use clinic_protocol::{ErrorCode, UiError};
use clinic_store::{AuditKey, KeySource, Store, StoreError};
use std::sync::{Mutex, MutexGuard};

/// The open store, how its key is found, the key of its audit trail, and who is
/// signed in.
pub(crate) struct OpenStore {
    pub store: Store,
    pub source: KeySource,
    pub audit_key: AuditKey,
    pub gate: SessionGate,
    /// The check-in kiosk: whether staff opened it, its visits and throttle.
    pub kiosk: KioskDesk,
}

pub struct AppState {
    open: Mutex<Option<OpenStore>>,
    startup: Result<bool, UiError>,
    /// The background sync loop's live state (`sync_loop`).
    pub sync: crate::sync_loop::SyncRuntime,
    /// The provider loop's wake-up (`provider_loop`).
    pub provider: crate::provider_loop::ProviderRuntime,
    /// The card payment loop's wake-up (`payment_loop`).
    pub payments: crate::payment_loop::PaymentRuntime,
}

/// Maps a core error for the UI, logging unexpected ones (codes only, no data).
fn to_ui(e: CoreError) -> UiError {
    if !matches!(
        e,
        CoreError::Validation(_)
            | CoreError::Forbidden(_)
            | CoreError::InvalidCredentials
            | CoreError::InvalidTotpCode
            | CoreError::Throttled { .. }
    ) {
        tracing::warn!(code = ?e.code(), "command failed");
    }
    UiError::from(e)
}

impl AppState {
    /// Opens the store described by `config`. Never panics: a failure is kept and
    /// shown by the UI's start-up error screen.
    pub fn start(config: Config) -> Self {
        match open_store(&config) {
            Ok((open, test_key)) => {
                let sync = crate::sync_loop::SyncRuntime::default();
                *sync.auto_enroll.lock().unwrap_or_else(|p| p.into_inner()) =
                    config.sync_enroll.clone();
                Self {
                    open: Mutex::new(Some(open)),
                    startup: Ok(test_key),
                    sync,
                    provider: Default::default(),
                    payments: Default::default(),
                }
            }
            Err(error) => {
                tracing::error!(code = ?error.code, "the local store could not be opened");
                Self {
                    open: Mutex::new(None),
                    startup: Err(error),
                    sync: crate::sync_loop::SyncRuntime::default(),
                    provider: Default::default(),
                    payments: Default::default(),
                }
            }
        }
    }

    /// `Ok(uses_test_key)` or the start-up error.
    pub fn startup(&self) -> Result<bool, UiError> {
        self.startup.clone()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Option<OpenStore>>, UiError> {
        self.open.lock().map_err(|_| {
            UiError::new(
                ErrorCode::Internal,
                "the store lock was poisoned; restart the app",
            )
        })
    }

    fn not_ready(&self) -> UiError {
        match &self.startup {
            Err(e) => UiError::new(ErrorCode::NotReady, e.message.clone()),
            Ok(_) => UiError::new(ErrorCode::NotReady, "the store is not open"),
        }
    }

    /// Runs `f` with the whole open state (store, key source, audit key, session
    /// gate) without admitting a command: only for `run`/`run_gate` and re-keying.
    pub(crate) fn with_open<T>(
        &self,
        f: impl FnOnce(&mut Option<OpenStore>) -> Result<T, UiError>,
    ) -> Result<T, UiError> {
        let mut guard = self.lock()?;
        if guard.is_none() {
            return Err(self.not_ready());
        }
        f(&mut guard)
    }

    /// [`with_open`](Self::with_open) for use cases that keep the store open: `f`
    /// gets the open state itself.
    fn with_store<T>(
        &self,
        f: impl FnOnce(&mut OpenStore) -> Result<T, UiError>,
    ) -> Result<T, UiError> {
        self.with_open(|open| f(open.as_mut().ok_or_else(|| self.not_ready())?))
    }

    /// THE admission step: the session gate admits `command` for the signed-in
    /// session (refusals audited by the core), then `f` runs with the store, the
    /// admitted caller, the gate, the kiosk desk and the audit key.
    fn admitted<T>(
        &self,
        command: Command,
        f: impl FnOnce(
            &mut Store,
            &Caller<'_>,
            &mut SessionGate,
            &mut KioskDesk,
            &[u8; 32],
        ) -> Result<T, CoreError>,
    ) -> Result<T, UiError> {
        self.with_store(|open| {
            let OpenStore {
                store,
                audit_key,
                gate,
                kiosk,
                ..
            } = open;
            let key = audit_key.as_bytes();
            let caller = gate.admit(store, key, command, Utc::now()).map_err(to_ui)?;
            f(store, &caller, gate, kiosk, key).map_err(to_ui)
        })
    }

    /// Admits `command` for the signed-in session, then runs `f` with the store
    /// and the caller it admitted.
    pub fn run<T>(
        &self,
        command: Command,
        f: impl FnOnce(&mut Store, &Caller<'_>) -> Result<T, CoreError>,
    ) -> Result<T, UiError> {
        self.admitted(command, |store, caller, _, _, _| f(store, caller))
    }

    /// Like [`run`](Self::run), also handing over the session gate and the audit
    /// key, for the commands that change the session (sign-in, lock, …).
    pub fn run_gate<T>(
        &self,
        command: Command,
        f: impl FnOnce(&mut Store, &Caller<'_>, &mut SessionGate, &[u8; 32]) -> Result<T, CoreError>,
    ) -> Result<T, UiError> {
        self.admitted(command, |store, caller, gate, _, key| {
            f(store, caller, gate, key)
        })
    }

    /// Like [`run`](Self::run) for the staff commands that open or close the
    /// kiosk: also hands over the kiosk desk.
    pub fn run_desk<T>(
        &self,
        command: Command,
        f: impl FnOnce(&mut Store, &Caller<'_>, &mut KioskDesk) -> Result<T, CoreError>,
    ) -> Result<T, UiError> {
        self.admitted(command, |store, caller, _, kiosk, _| {
            f(store, caller, kiosk)
        })
    }

    /// Runs one of the kiosk window's commands as the kiosk (no staff session:
    /// staff may be signed out or locked while patients check in). Only kiosk
    /// commands get here (the invoke filter in lib.rs sees to it), and only
    /// while staff have the kiosk open.
    pub fn run_kiosk<T>(
        &self,
        command: Command,
        f: impl FnOnce(&mut Store, &Caller<'_>, &mut KioskDesk) -> Result<T, CoreError>,
    ) -> Result<T, UiError> {
        self.with_store(|open| {
            if !command.is_kiosk() || !open.kiosk.is_open() {
                return Err(to_ui(CoreError::KioskVisitEnded));
            }
            let caller = Caller::kiosk(open.audit_key.as_bytes());
            f(&mut open.store, &caller, &mut open.kiosk).map_err(to_ui)
        })
    }

    /// Closes the store and deletes this device's clinic data (database files
    /// and keys): the sync server said the device was removed from the clinic.
    /// Every later command answers "not ready".
    pub fn wipe(&self) -> Result<(), UiError> {
        let mut guard = self.lock()?;
        let Some(open) = guard.take() else {
            return Ok(());
        };
        let path = open.store.path().to_path_buf();
        let source = open.source.clone();
        drop(open); // closes the database before its files go
        source
            .wipe(&path)
            .map_err(|e| UiError::new(e.code(), e.to_string()))?;
        tracing::warn!("wiped this device's local clinic data");
        Ok(())
    }

    /// Audits a command the kiosk window tried to call outside its own (or a
    /// kiosk command from a staff window), which the invoke filter refused.
    pub fn audit_window_refusal(&self, window: &str, command: &str) {
        let _ = self.with_store(|open| {
            clinic_core::kiosk::audit_refusal(
                &mut open.store,
                open.audit_key.as_bytes(),
                window,
                command,
            )
            .map_err(to_ui)
        });
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
    let demo = config
        .demo
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
    crate::demo::seed_if_empty(&mut store, &caller, &demo).map_err(UiError::from)?;
    if let (true, Some(gateway)) = (source.is_test_key(), demo.gateway.as_deref()) {
        crate::demo_billing::seed_billing(&mut store, &caller, gateway).map_err(UiError::from)?;
    }
    let test_key = source.is_test_key();
    Ok((
        OpenStore {
            store,
            source,
            audit_key,
            gate: SessionGate::new(),
            kiosk: KioskDesk::new(),
        },
        test_key,
    ))
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

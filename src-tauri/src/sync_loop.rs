//! The background sync loop (one tokio task for the app's life): runs a sync round
//! every ~0.7 s while the server answers (so another device's change shows here
//! within about two seconds), backs off 2 s … 60 s while it does not, wakes at
//! once on "Retry now" or a new enrollment, tells the UI (`sync-applied`) when
//! other devices' changes were applied, and wipes the device when the server says
//! it was removed from the clinic. The rounds themselves are `clinic_sync::engine`.
use crate::AppState;
use clinic_protocol::{ConnectSyncServer, SyncPhase};
use clinic_store::Store;
use clinic_sync::engine::{self, StoreAccess, SyncError};
use serde::Serialize;
use std::sync::Mutex;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::Notify;

/// What the loop knows that is not in the store: the live phase, and its wake-up.
#[derive(Default)]
pub struct SyncRuntime {
    phase: Mutex<Option<SyncPhase>>,
    wake: Notify,
    /// Enroll with this at start when not enrolled yet (the demo, managed installs).
    pub auto_enroll: Mutex<Option<ConnectSyncServer>>,
}

impl SyncRuntime {
    pub fn phase(&self) -> Option<SyncPhase> {
        *self.phase.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_phase(&self, phase: Option<SyncPhase>) {
        *self.phase.lock().unwrap_or_else(|p| p.into_inner()) = phase;
    }

    /// Runs a round now (after "Retry now", an enrollment, a conflict resolved).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

impl StoreAccess for AppState {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> Option<T> {
        self.with_open(|open| Ok(open.as_mut().map(|o| f(&mut o.store))))
            .ok()
            .flatten()
    }
}

#[derive(Clone, Serialize)]
struct Applied {
    applied: usize,
}

/// Starts the loop.
pub fn spawn<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut failures = 0u32;
        loop {
            let state = app.state::<AppState>();
            let wait = engine::backoff(failures);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = state.sync.wake.notified() => {}
            }
            if state.startup().is_err() {
                continue;
            }
            let enrolled = state
                .with_store(|s| clinic_core::sync::state::enrollment(s.conn()).map(|e| e.is_some()))
                .and_then(Result::ok);
            match enrolled {
                None => continue,
                Some(false) => {
                    let pending = state
                        .sync
                        .auto_enroll
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .clone();
                    let Some(request) = pending else {
                        state.sync.set_phase(None);
                        failures = failures.max(3); // nothing to do: look again now and then
                        continue;
                    };
                    match engine::enroll(&*state, &request).await {
                        Ok(()) => {
                            *state
                                .sync
                                .auto_enroll
                                .lock()
                                .unwrap_or_else(|p| p.into_inner()) = None
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "automatic enrollment failed");
                            failures += 1;
                            continue;
                        }
                    }
                }
                Some(true) => {}
            }
            let downloading = state
                .with_store(|s| {
                    clinic_core::sync::state::status(s.conn(), None).map(|st| !st.first_sync_done)
                })
                .and_then(Result::ok)
                .unwrap_or(false);
            if downloading {
                state.sync.set_phase(Some(SyncPhase::Syncing));
            }
            let emitter = app.clone();
            let result = engine::sync_round(&*state, |progress| {
                if progress.applied > 0 {
                    let _ = emitter.emit(
                        "sync-applied",
                        Applied {
                            applied: progress.applied,
                        },
                    );
                }
            })
            .await;
            match result {
                Ok(summary) => {
                    failures = 0;
                    state.sync.set_phase(None);
                    if summary.pushed > 0 || summary.applied > 0 {
                        tracing::debug!(
                            pushed = summary.pushed,
                            applied = summary.applied,
                            held = summary.held,
                            "sync round"
                        );
                    }
                }
                Err(SyncError::Revoked) => {
                    tracing::warn!(
                        "this device was removed from the clinic: wiping its local data"
                    );
                    state.sync.set_phase(Some(SyncPhase::Revoked));
                    if let Err(e) = state.wipe() {
                        tracing::error!(error = %e.message, "wiping the local data failed");
                    }
                    let _ = app.emit("sync-applied", Applied { applied: 0 });
                    return;
                }
                Err(e) => {
                    failures += 1;
                    if failures == 1 || failures.is_multiple_of(10) {
                        tracing::info!(error = %e, failures, "sync round failed");
                    }
                    engine::record_failure(&*state, &e);
                    state.sync.set_phase(Some(e.phase()));
                }
            }
        }
    });
}

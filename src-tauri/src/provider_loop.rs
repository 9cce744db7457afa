//! The provider loop (one tokio task for the app's life): puts jobs left
//! running by a crash back in the queue at start, then every
//! [`ROUND_EVERY`] — or at once when a command queued a job — queues the
//! scheduled refreshes that are due and runs every due job with
//! `clinic_provider::runner`. It tells the UI how a pull goes
//! (`provider-sync-progress`) and when a job ends (`provider-job-finished`).
//! While the device is offline jobs fail as unreachable and the core retries
//! them with backoff: queued work runs once the provider answers again.
use crate::AppState;
use clinic_protocol::{ProviderJob, ProviderSyncProgress};
use clinic_provider::runner::{JobEvents, JobStore, Runner};
use clinic_provider::Timeouts;
use clinic_store::Store;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::Notify;

/// The event carrying [`ProviderSyncProgress`].
pub const PROGRESS_EVENT: &str = "provider-sync-progress";
/// The event carrying the [`ProviderJob`] that ended.
pub const FINISHED_EVENT: &str = "provider-job-finished";
/// How often the loop looks for due work without being woken.
pub const ROUND_EVERY: Duration = Duration::from_secs(15);

/// The loop's wake-up.
#[derive(Default)]
pub struct ProviderRuntime {
    wake: Notify,
}

impl ProviderRuntime {
    /// Runs a round now (a job was queued or retried, an endpoint changed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

impl JobStore for AppState {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store, &[u8; 32]) -> T) -> Option<T> {
        self.with_open(|open| {
            Ok(open
                .as_mut()
                .map(|o| f(&mut o.store, o.audit_key.as_bytes())))
        })
        .ok()
        .flatten()
    }
}

struct Events<R: Runtime>(AppHandle<R>);

impl<R: Runtime> JobEvents for Events<R> {
    fn progress(&self, progress: ProviderSyncProgress) {
        let _ = self.0.emit(PROGRESS_EVENT, progress);
    }

    fn finished(&self, job: &ProviderJob) {
        let _ = self.0.emit(FINISHED_EVENT, job.clone());
    }
}

/// Starts the loop.
pub fn spawn<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let runner = Runner::new(Timeouts::default());
        let events = Events(app.clone());
        let mut recovered = false;
        loop {
            let state = app.state::<AppState>();
            if state.startup().is_ok() {
                if !recovered {
                    recovered = JobStore::with_store(&*state, |s, _| {
                        clinic_core::provider::recover_jobs(s)
                    })
                    .is_some_and(|r| r.is_ok());
                }
                let queued = JobStore::with_store(&*state, |s, _| {
                    clinic_core::provider::queue_due_pulls(s, chrono::Utc::now())
                });
                if let Some(Err(e)) = queued {
                    tracing::warn!(code = ?e.code(), "queuing scheduled provider pulls failed");
                }
                if let Err(e) = runner.run_due(&*state, &events, chrono::Utc::now()).await {
                    tracing::warn!(code = ?e.code(), "running provider jobs failed");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(ROUND_EVERY) => {}
                _ = state.provider.wake.notified() => {}
            }
        }
    });
}

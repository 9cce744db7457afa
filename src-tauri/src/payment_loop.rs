//! The card payment loop (one tokio task for the app's life): while this
//! device has card payments pending, every [`ROUND_EVERY`] — or at once when a
//! command started one — runs a round of `clinic_payments::runner` (create the
//! gateway's checkout, poll its status, confirm or fail the payment), and tells
//! the UI when a payment changed (`card-payments-changed`). With nothing
//! pending it only looks every [`IDLE_EVERY`]. Offline, the gateway is
//! unreachable and the payment stays pending: it resolves once online, with
//! its fixed idempotency key, so it is never charged twice.
use crate::AppState;
use clinic_payments::runner::{PaymentRunner, PaymentStore};
use clinic_payments::{RetryPolicy, Timeouts};
use clinic_store::Store;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::Notify;

/// The event sent when a round changed a payment (the UI refreshes).
pub const CHANGED_EVENT: &str = "card-payments-changed";
/// How often the loop asks the gateway while payments are pending.
pub const ROUND_EVERY: Duration = Duration::from_secs(2);
/// How often it looks for pending payments otherwise (others may be woken).
pub const IDLE_EVERY: Duration = Duration::from_secs(30);

/// The loop's wake-up.
#[derive(Default)]
pub struct PaymentRuntime {
    wake: Notify,
}

impl PaymentRuntime {
    /// Runs a round now (a card payment was started, the gateway changed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

impl PaymentStore for AppState {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store, &[u8; 32]) -> T) -> Option<T> {
        clinic_provider::runner::JobStore::with_store(self, f)
    }
}

/// Starts the loop.
pub fn spawn<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let runner = PaymentRunner::new(Timeouts::default(), RetryPolicy::default());
        loop {
            let state = app.state::<AppState>();
            let mut busy = false;
            if state.startup().is_ok() {
                match runner.run_round(&*state).await {
                    Ok(report) => {
                        busy = report.waiting + report.errors + report.checkouts_created > 0;
                        if report.changed() {
                            let _ = app.emit(CHANGED_EVENT, ());
                        }
                    }
                    Err(e) => tracing::warn!(code = ?e.code(), "card payment round failed"),
                }
            }
            let pause = if busy { ROUND_EVERY } else { IDLE_EVERY };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = state.payments.wake.notified() => {}
            }
        }
    });
}

//! The central sync server (first slice): device enrollment, the per-clinic
//! append-only op log with push (idempotent by `op_id`, gap-free `seq`) and pull
//! (opaque cursors), and the quarantine for ops it cannot apply. DESIGN.md §5.
//!
//! HTTPS with rustls (TLS 1.2/1.3) via [`tls::serve_tls`]; plain HTTP ([`serve`])
//! only for loopback tests and behind a TLS terminator.
//!
//! Layout: [`api`] (routes and handlers) over [`auth`], [`body`], [`validate`] and
//! [`cursor`]; audit anchoring in [`audit`]; payment gateways' webhooks in [`gateway`]; storage behind the [`store::OpLogStore`] trait: [`store::sqlite`]
//! (embedded) or [`store::postgres`] (shared by several servers). Wire types live
//! in `clinic_protocol::sync`.
#![forbid(unsafe_code)]

pub mod api;
pub mod audit;
pub mod auth;
pub mod body;
pub mod cursor;
pub mod error;
pub mod gateway;
pub mod secret;
pub mod store;
pub mod tls;
pub mod validate;

pub use error::ApiError;

use std::future::Future;
use std::sync::Arc;
use store::OpLogStore;
use tokio::net::TcpListener;

/// Serves the API on `listener` until `shutdown` completes, then finishes the
/// requests in flight and returns.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn OpLogStore>,
    webhooks: Arc<gateway::GatewayWebhooks>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, api::router(store, webhooks))
        .with_graceful_shutdown(shutdown)
        .await
}

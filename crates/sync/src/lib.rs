//! The device's sync client.
//!
//! - [`transport`]: HTTPS to the sync server (rustls, TLS 1.2+, the clinic's CA),
//!   gzip request bodies, typed errors from the server's [`ApiError`] bodies;
//! - [`engine`]: enrollment and the push/pull round (pages applied in one local
//!   transaction with their cursor), backoff.
//!
//! [`ApiError`]: clinic_protocol::ApiError
pub mod engine;
pub mod transport;

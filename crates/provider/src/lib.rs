//! The patient's primary healthcare provider as a FHIR R4 REST endpoint (base URL
//! plus a bearer token or SMART Backend Services credentials), as the clinic's
//! provider jobs use it: pulling a patient's documents and results, requesting
//! documents with a Task and following it, and sending demographics back.
//!
//! - [`client`]: [`FhirClient`], the async REST client (capabilities, find the
//!   patient, read, search across pages, Binary download, create, update);
//! - [`auth`]: [`ProviderAuth`] and SMART client assertions and access tokens;
//! - [`error`]: [`ProviderFailure`], every failure sorted into a
//!   [`clinic_protocol::ProviderErrorKind`].
//!
//! - [`runner`]: the device's runner of the core's provider jobs (a pull, a
//!   request, a look at a request, a demographics update) with this client.
//!
//! Resources stay `serde_json::Value`s here; mapping them into the clinic's
//! records is done elsewhere. Nothing here logs URLs with queries, bodies,
//! identifiers or secrets.
mod answer;
pub mod auth;
pub mod client;
pub mod error;
pub mod runner;
mod transport;

pub use auth::ProviderAuth;
pub use client::{FhirClient, Timeouts};
pub use error::{ProviderFailure, ProviderResult};

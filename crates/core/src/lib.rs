//! Clinic domain and use cases. The shell calls these functions; they validate
//! input, enforce the domain's rules and write through `clinic_store::Store::write`
//! so that every change is captured as an outbox op in the same transaction.
//!
//! Modules:
//! - `text`: normalization for search and duplicate detection (case/accent folding);
//! - `validation`: field-level validation of what the front desk types;
//! - `registry`: registering, editing and loading patients, duplicate checks, MRNs;
//! - `search`: as-you-type patient search;
//! - `identity`: the clinic, staff accounts, passwords, TOTP, login throttling;
//! - `authz`: the role × command permission matrix, enforced for every command;
//! - `audit`: the tamper-evident (keyed hash chain) audit trail;
//! - `billing`: the currency and fee schedule, invoices, payments (card payments
//!   pending until the gateway confirms them), refunds, credit notes, balances,
//!   statements, the end-of-day close and the kiosk's balance;
//! - `restricted`: restricted patients, care teams and break-glass access;
//! - `session`: the signed-in session and the gate every command passes (authz,
//!   inactivity lock, audited refusals, sign-in/out, lock/unlock);
//! - `chart`: the clinical chart's allergies, medications, problems and plans;
//! - `dashboards`: practice dashboards (appointments, attendance, utilisation, new
//!   vs returning patients, revenue, receivables) computed locally, and their CSV;
//! - `notes`: encounters and clinical notes (drafts, signing, amendments), timeline;
//! - `observations`: vital signs and results, trends, the notification inbox;
//! - `documents`: patient documents (upload, search, view, share);
//! - `merge`: merging duplicate patient records (with a redirect);
//! - `interop`: FHIR R4 import (one patient per transaction, re-imports
//!   matched) and export (a patient's Bundle, the clinic's patients as NDJSON);
//! - `provider`: the patient's primary provider as a FHIR R4 endpoint
//!   (endpoints, links, queued jobs and their history, pulls applied in one
//!   transaction, requests for documents, demographics sent back);
//! - `schedule`: the clinic's time zone, appointment types, rooms, providers' hours
//!   and exceptions, free slots, appointments, waitlist, reassignment, reminders;
//! - `kiosk`: patient self check-in at the kiosk window;
//! - `inbox`: creating staff notifications;
//! - `admin`: administrators' audited use cases (staff, settings, re-key);
//! - `sync`: applying other devices' ops with each kind's conflict policy, the
//!   sync cursor and enrollment, conflicts for staff to resolve.
#![forbid(unsafe_code)]

pub mod admin;
pub mod audit;
pub mod authz;
pub mod billing;
mod caller;
pub mod chart;
pub mod dashboards;
pub mod documents;
mod error;
pub mod identity;
mod inbox;
pub mod interop;
pub mod kiosk;
pub mod merge;
pub mod notes;
pub mod observations;
pub mod provider;
pub mod registry;
pub mod restricted;
pub mod schedule;
pub mod search;
pub mod session;
pub mod sync;
pub mod text;
pub mod validation;

pub use caller::Caller;
pub use error::CoreError;

//! Shared by the clinic-sync integration tests: the real `clinic-server` process
//! (crates/server-harness: its binary, scratch directory, certificates, log and CLI)
//! and, below, simulated devices ([`device`]) and a fault-injecting proxy ([`proxy`]).
#![allow(dead_code)]
pub mod device;
pub mod proxy;

pub use clinic_server_harness::{Certs, Options, Scratch, Server};

/// The clinic name every test clinic's enrollment code is issued for.
pub const CLINIC_NAME: &str = "Test Clinic";

//! FHIR R4 JSON import and export for the clinic: the pure part (no database).
//!
//! Import turns FHIR JSON — single resources, Bundles of any type (collection,
//! transaction, batch, searchset, document…), bulk-export NDJSON — into an
//! [`ImportPlan`]: per patient, domain values from `clinic-protocol` with the
//! FHIR identity they came from (so a re-import matches by id/identifier and
//! updates), resources the domain has no home for kept as JSON, and one
//! outcome per resource (mapped, kept, skipped, error with its JSON path).
//! Nothing is applied here: the importer in core applies each
//! [`PatientRecord`] in one transaction, and skips a record whose resources
//! had errors ([`ImportPlan::has_errors`]).
//!
//! Export turns a [`PatientRecord`] back into a FHIR Bundle ([`export`]).
//! Import → export → import gives the same domain values.
//!
//! Modules: [`input`] (reading and splitting), `json` (R4 checks and typed
//! access), `refs` (references), `mapping` (per resource type, both
//! directions; the mapping table is there), `plan` (grouping per patient),
//! [`export`], [`model`] (the plan's types).
#![forbid(unsafe_code)]

pub mod export;
pub mod input;
mod json;
mod mapping;
pub mod model;
mod plan;
mod refs;

pub use export::{patient_bundle, patients_ndjson};
pub use input::{Origin, MAX_BUNDLE_DEPTH, MAX_INPUT_BYTES};
pub use mapping::document::{MAX_DOCUMENT_BYTES, STORABLE_MEDIA_TYPES};
pub use mapping::{LOCAL_DOCUMENT_TYPE, LOCAL_ENCOUNTER_TYPE};
pub use model::*;

use clinic_protocol::ObservationCode;
use std::path::{Path, PathBuf};

/// Reads several inputs (name, bytes) as one: references may cross inputs
/// (a bulk export's `Condition.ndjson` refers to patients in `Patient.ndjson`).
///
/// `codes` is the clinic's observation catalogue (core's
/// `observations::codes()`): Observations map only to its codes.
pub fn import<'a>(
    inputs: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    codes: &[ObservationCode],
) -> ImportPlan {
    let mut split = input::Split::default();
    for (name, bytes) in inputs {
        input::split(name, bytes, &mut split);
    }
    plan::build(split, codes)
}

/// [`import`] of one input.
pub fn import_bytes(name: &str, bytes: &[u8], codes: &[ObservationCode]) -> ImportPlan {
    import([(name, bytes)], codes)
}

/// The `.json` and `.ndjson` files under `dir` (recursively), sorted.
pub fn fhir_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("json" | "ndjson")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Reads and plans every `.json`/`.ndjson` file under `dir` as one input set
/// (for timing an import: `plan.resource_count()` resources). File names in
/// outcomes are relative to `dir`.
pub fn import_dir(dir: &Path, codes: &[ObservationCode]) -> std::io::Result<ImportPlan> {
    let mut inputs = Vec::new();
    for path in fhir_files(dir)? {
        let name = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        inputs.push((name, std::fs::read(&path)?));
    }
    Ok(import(
        inputs.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
        codes,
    ))
}

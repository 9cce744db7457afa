//! Shared by the integration tests: where the shared test data is (it must be
//! there: a missing folder fails the tests), an observation catalogue like
//! core's, counting resource types independently of the crate, and comparing
//! the domain values of two plans.
#![allow(dead_code)]

use clinic_fhir::{ImportPlan, PatientRecord};
use clinic_protocol::{ObservationCategory, ObservationCode};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The shared test data (HL7 examples, Synthea bundles and bulk NDJSON; see its
/// README.md): `CLINIC_SHARED_DATA` (scripts/test.sh sets it, also for a clone
/// made elsewhere), else `../shared/data` next to the repository.
pub fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("CLINIC_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        dir.join("fhir-r4-examples").is_dir()
            && dir.join("synthea-r4-bundles").is_dir()
            && dir.join("synthea-bulk-10").is_dir(),
        "the shared FHIR test data is missing: expected {} with fhir-r4-examples/, \
         synthea-r4-bundles/ and synthea-bulk-10/",
        dir.display()
    );
    dir
}

/// The catalogue core ships (`clinic_core::observations::codes()`), as data:
/// this crate must not depend on core.
pub fn catalogue() -> Vec<ObservationCode> {
    use ObservationCategory::{Laboratory as Lab, VitalSigns as Vital};
    /// code, display, LOINC, category, unit, other accepted units.
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        ObservationCategory,
        &'static str,
        &'static [&'static str],
    );
    let rows: &[Row] = &[
        (
            "systolic_bp",
            "Systolic blood pressure",
            "8480-6",
            Vital,
            "mm[Hg]",
            &[],
        ),
        (
            "diastolic_bp",
            "Diastolic blood pressure",
            "8462-4",
            Vital,
            "mm[Hg]",
            &[],
        ),
        ("heart_rate", "Heart rate", "8867-4", Vital, "/min", &[]),
        (
            "respiratory_rate",
            "Respiratory rate",
            "9279-1",
            Vital,
            "/min",
            &[],
        ),
        (
            "temperature",
            "Body temperature",
            "8310-5",
            Vital,
            "Cel",
            &["[degF]"],
        ),
        ("spo2", "Oxygen saturation", "59408-5", Vital, "%", &[]),
        (
            "weight",
            "Body weight",
            "29463-7",
            Vital,
            "kg",
            &["[lb_av]", "g"],
        ),
        (
            "height",
            "Body height",
            "8302-2",
            Vital,
            "cm",
            &["m", "[in_i]"],
        ),
        ("bmi", "Body mass index", "39156-5", Vital, "kg/m2", &[]),
        ("glucose", "Glucose", "2345-7", Lab, "mg/dL", &["mmol/L"]),
        ("hba1c", "HbA1c", "4548-4", Lab, "%", &[]),
        (
            "cholesterol_total",
            "Total cholesterol",
            "2093-3",
            Lab,
            "mg/dL",
            &["mmol/L"],
        ),
        (
            "ldl",
            "LDL cholesterol",
            "18262-6",
            Lab,
            "mg/dL",
            &["mmol/L"],
        ),
        (
            "hdl",
            "HDL cholesterol",
            "2085-9",
            Lab,
            "mg/dL",
            &["mmol/L"],
        ),
        (
            "triglycerides",
            "Triglycerides",
            "2571-8",
            Lab,
            "mg/dL",
            &["mmol/L"],
        ),
        (
            "creatinine",
            "Creatinine",
            "2160-0",
            Lab,
            "mg/dL",
            &["umol/L"],
        ),
        ("egfr", "eGFR", "33914-3", Lab, "mL/min/{1.73_m2}", &[]),
        ("hemoglobin", "Hemoglobin", "718-7", Lab, "g/dL", &["g/L"]),
        (
            "potassium",
            "Potassium",
            "2823-3",
            Lab,
            "mmol/L",
            &["meq/L"],
        ),
        ("sodium", "Sodium", "2951-2", Lab, "mmol/L", &["meq/L"]),
        ("tsh", "TSH", "3016-3", Lab, "m[IU]/L", &["u[IU]/mL"]),
    ];
    rows.iter()
        .map(
            |(code, display, loinc, category, unit, other)| ObservationCode {
                code: code.to_string(),
                display: display.to_string(),
                loinc: loinc.to_string(),
                category: *category,
                unit: unit.to_string(),
                accepted_units: std::iter::once(*unit)
                    .chain(other.iter().copied())
                    .map(String::from)
                    .collect(),
                ref_low: None,
                ref_high: None,
            },
        )
        .collect()
}

/// Resources per type in a file, counted with plain serde_json: bundle
/// entries' resources (nested bundles too, the bundles themselves not), NDJSON
/// lines. Lines that are not resources are counted under "(no resourceType)".
pub fn count_types(path: &Path, counts: &mut BTreeMap<String, usize>) {
    fn add(v: &Value, counts: &mut BTreeMap<String, usize>) {
        match v.get("resourceType").and_then(Value::as_str) {
            Some("Bundle") => {
                for e in v
                    .get("entry")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(r) = e.get("resource") {
                        add(r, counts);
                    }
                }
            }
            Some(t) => *counts.entry(t.to_string()).or_default() += 1,
            None => *counts.entry("(no resourceType)".into()).or_default() += 1,
        }
    }
    let text = std::fs::read_to_string(path).unwrap();
    if path.extension().is_some_and(|e| e == "ndjson") {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            add(&serde_json::from_str(line).unwrap(), counts);
        }
    } else {
        add(&serde_json::from_str(&text).unwrap(), counts);
    }
}

/// A record without its originals: what the clinic would hold for values it
/// created itself.
pub fn without_originals(r: &PatientRecord) -> PatientRecord {
    let mut r = r.clone();
    if let Some(p) = &mut r.patient {
        p.original = None;
    }
    if let Some(i) = &mut r.insurance {
        i.original = None;
    }
    if let Some(n) = &mut r.no_known_allergies {
        n.original = None;
    }
    r.chart.iter_mut().for_each(|i| i.original = None);
    r.observations.iter_mut().for_each(|i| i.original = None);
    r.encounters.iter_mut().for_each(|i| i.original = None);
    r.documents.iter_mut().for_each(|i| i.original = None);
    r
}

/// Asserts two records hold the same domain values under the same keys.
pub fn assert_same_values(a: &PatientRecord, b: &PatientRecord, what: &str) {
    fn vals<T: Clone>(items: &[clinic_fhir::Item<T>]) -> Vec<(String, T)> {
        items
            .iter()
            .map(|i| (i.fhir.key.clone(), i.value.clone()))
            .collect()
    }
    assert_eq!(a.key, b.key, "{what}");
    assert_eq!(
        a.patient.as_ref().map(|p| &p.value),
        b.patient.as_ref().map(|p| &p.value),
        "{what}: patient"
    );
    assert_eq!(
        a.insurance.as_ref().map(|p| &p.value),
        b.insurance.as_ref().map(|p| &p.value),
        "{what}: insurance"
    );
    assert_eq!(
        a.no_known_allergies.as_ref().map(|p| &p.value),
        b.no_known_allergies.as_ref().map(|p| &p.value),
        "{what}: no known allergies"
    );
    assert_eq!(vals(&a.chart), vals(&b.chart), "{what}: chart");
    assert_eq!(
        vals(&a.observations),
        vals(&b.observations),
        "{what}: observations"
    );
    assert_eq!(
        vals(&a.encounters),
        vals(&b.encounters),
        "{what}: encounters"
    );
    assert_eq!(vals(&a.documents), vals(&b.documents), "{what}: documents");
    let kept = |r: &PatientRecord| {
        r.kept
            .iter()
            .map(|k| k.fhir.key.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(kept(a), kept(b), "{what}: kept");
}

/// Exports every record of `plan` as a Bundle (with the plan's clinic
/// resources), imports it again and compares the domain values.
pub fn assert_round_trip(plan: &ImportPlan, what: &str, strip_originals: bool) {
    let codes = catalogue();
    for record in &plan.patients {
        let record = if strip_originals {
            without_originals(record)
        } else {
            record.clone()
        };
        let bundle = clinic_fhir::patient_bundle(&record, &plan.clinic, &codes);
        let text = serde_json::to_vec(&bundle).unwrap();
        let again = clinic_fhir::import_bytes("export.json", &text, &codes);
        let errors: Vec<String> = again.errors().map(|e| e.to_string()).collect();
        assert!(
            errors.is_empty(),
            "{what}: errors on re-import: {errors:#?}"
        );
        let back = again
            .patient(&record.key)
            .unwrap_or_else(|| panic!("{what}: record {} lost", record.key));
        assert_same_values(&record, back, &format!("{what} ({})", record.key));
    }
}

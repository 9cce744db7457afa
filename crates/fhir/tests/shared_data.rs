//! Imports every file of the shared test data (../shared/data: HL7 R4
//! examples, Synthea transaction bundles, Synthea bulk NDJSON) and checks the
//! outcomes per resource type against counts made independently (plain
//! serde_json over the same files) and against hand-checked figures.
mod common;

use clinic_fhir::{
    fhir_files, import_bytes, import_dir, ImportPlan, Outcome, NO_RESOURCE, UNREADABLE,
};
use common::{catalogue, count_types, data_dir};
use std::collections::BTreeMap;
use std::path::Path;

const FOLDERS: [&str; 3] = ["fhir-r4-examples", "synthea-r4-bundles", "synthea-bulk-10"];

/// Outcomes per resource type, pieces that are not resources aside.
fn totals(plan: &ImportPlan) -> BTreeMap<String, usize> {
    plan.counts()
        .into_iter()
        .filter(|(t, _)| t != NO_RESOURCE && t != UNREADABLE)
        .map(|(t, c)| (t, c.total()))
        .collect()
}

fn expected(files: &[impl AsRef<Path>]) -> (BTreeMap<String, usize>, usize) {
    let mut counts = BTreeMap::new();
    for f in files {
        count_types(f.as_ref(), &mut counts);
    }
    let not_resources = counts.remove("(no resourceType)").unwrap_or(0);
    (counts, not_resources)
}

fn mapped(plan: &ImportPlan, t: &str) -> usize {
    plan.counts().get(t).map_or(0, |c| c.mapped)
}

fn kept(plan: &ImportPlan, t: &str) -> usize {
    plan.counts().get(t).map_or(0, |c| c.kept)
}

#[test]
fn every_file_is_read_with_one_outcome_per_resource() {
    let codes = catalogue();
    let mut files_read = 0;
    for folder in FOLDERS {
        for file in fhir_files(&data_dir().join(folder)).unwrap() {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let plan = import_bytes(&name, &std::fs::read(&file).unwrap(), &codes);
            let (want, not_resources) = expected(&[&file]);
            assert_eq!(totals(&plan), want, "{name}");
            let errors: Vec<String> = plan.errors().map(|e| e.to_string()).collect();
            match name.as_str() {
                "DiagnosticReport-gingival-mass.json" => assert_eq!(errors.len(), 1, "{errors:?}"),
                // The bulk export's log: four events, no resources.
                "log.ndjson" => {
                    assert_eq!(not_resources, 4);
                    assert_eq!(errors.len(), 4, "{errors:?}");
                    assert!(errors.iter().all(|e| e.contains("no resourceType")));
                }
                _ => assert!(errors.is_empty(), "{name}: {errors:#?}"),
            }
            files_read += 1;
        }
    }
    // 301 examples, 20 Synthea bundles, 14 bulk files (13 types and the log).
    assert_eq!(files_read, 301 + 20 + 14);
}

#[test]
fn gingival_mass_is_reported_not_fatal() {
    let file = data_dir().join("fhir-r4-examples/DiagnosticReport-gingival-mass.json");
    let plan = import_bytes("gingival.json", &std::fs::read(file).unwrap(), &catalogue());
    assert_eq!(plan.outcomes.len(), 1);
    let o = &plan.outcomes[0];
    assert_eq!(o.resource_type, "DiagnosticReport");
    assert_eq!(o.id.as_deref(), Some("gingival-mass"));
    let Outcome::Error { path, reason } = &o.outcome else {
        panic!("not an error: {o}");
    };
    // A no-break space in the interpreter's name: the R4 schema's string pattern refuses it.
    assert_eq!(path, "resultsInterpreter[0].display");
    assert!(reason.contains("U+00A0"), "{reason}");
    let message = o.to_string();
    assert!(
        message.starts_with("DiagnosticReport/gingival-mass (gingival.json)"),
        "{message}"
    );
    assert!(plan.patients.is_empty() && plan.clinic.is_empty());
}

#[test]
fn official_examples_match_the_readme() {
    let dir = data_dir().join("fhir-r4-examples");
    let plan = import_dir(&dir, &catalogue()).unwrap();
    let (want, _) = expected(&fhir_files(&dir).unwrap());
    assert_eq!(totals(&plan), want);

    // The README counts example files per resource type (bundles hold more).
    let mut files: BTreeMap<&str, usize> = BTreeMap::new();
    for o in plan.outcomes.iter().filter(|o| o.origin.entry.is_none()) {
        *files.entry(o.resource_type.as_str()).or_default() += 1;
    }
    for (t, n) in [
        ("Patient", 22),
        ("Practitioner", 14),
        ("Organization", 13),
        ("Appointment", 3),
        ("AppointmentResponse", 2),
        ("Schedule", 3),
        ("Slot", 4),
        ("AllergyIntolerance", 6),
        ("MedicationStatement", 7),
        ("MedicationRequest", 40),
        ("Medication", 23),
        ("Condition", 12),
        ("Observation", 64),
        ("DiagnosticReport", 6),
        ("DocumentReference", 1),
        ("Binary", 2),
        ("Encounter", 10),
        ("Procedure", 16),
        ("Immunization", 5),
        ("Claim", 17),
        ("Invoice", 1),
        ("ChargeItem", 1),
        ("Coverage", 4),
        ("Account", 2),
    ] {
        assert_eq!(files.get(t).copied().unwrap_or(0), n, "{t} example files");
    }
    let bundle_files = fhir_files(&dir)
        .unwrap()
        .iter()
        .filter(|f| {
            f.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("Bundle-")
        })
        .count();
    assert_eq!(bundle_files, 7);

    // Hand-checked outcomes.
    let c = plan.counts();
    // 22 files + 8 in bundles; Patient/example appears twice: the later copy is used.
    assert_eq!((c["Patient"].mapped, c["Patient"].skipped), (29, 1));
    assert_eq!(c["DiagnosticReport"].error, 1);
    assert_eq!(plan.errors().count(), 1);
    // nka maps to "no known allergies"; nkda and nkla are narrower: kept.
    assert_eq!(
        (c["AllergyIntolerance"].mapped, c["AllergyIntolerance"].kept),
        (5, 2)
    );
    assert!(plan
        .patient("Patient/mom")
        .unwrap()
        .no_known_allergies
        .is_some());
    // Two Coverages of Patient/5: one is the insurance, the other kept.
    assert_eq!((c["Coverage"].mapped, c["Coverage"].kept), (2, 2));
    // 4 DELETE/GET requests of the transaction example, 7 responses without resource.
    assert_eq!(c[NO_RESOURCE].skipped, 11);
    for t in [
        "Practitioner",
        "Organization",
        "Medication",
        "Schedule",
        "Slot",
        "Procedure",
        "Immunization",
    ] {
        assert_eq!(c[t].mapped, 0, "{t}");
        assert_eq!(c[t].error, 0, "{t}");
    }
}

#[test]
fn synthea_bundles() {
    let dir = data_dir().join("synthea-r4-bundles");
    let plan = import_dir(&dir, &catalogue()).unwrap();
    let (want, _) = expected(&fhir_files(&dir).unwrap());
    assert_eq!(totals(&plan), want);
    assert_eq!(plan.errors().count(), 0);
    // One patient per bundle; transaction references (urn:uuid:…) resolved.
    assert_eq!(plan.patients.len(), 20);
    assert!(plan.patients.iter().all(|p| p.patient.is_some()));
    for t in [
        "Patient",
        "Encounter",
        "Condition",
        "MedicationRequest",
        "CarePlan",
        "AllergyIntolerance",
    ] {
        assert_eq!(mapped(&plan, t), want[t], "{t}: all mapped");
    }
    assert_eq!(mapped(&plan, "Encounter"), 853);
    assert_eq!(mapped(&plan, "CarePlan"), 72);
    // Observations with catalogue LOINC quantities (blood pressure panels hold
    // two values), counted separately with a script over the same files.
    assert_eq!(mapped(&plan, "Observation"), 999);
    let values: usize = plan
        .patients
        .iter()
        .flat_map(|p| &p.observations)
        .map(|o| o.value.values.len())
        .sum();
    assert_eq!(values, 1161);
    // Practitioners and organisations repeat across bundles: one copy each is kept.
    let c = plan.counts();
    assert_eq!((c["Practitioner"].kept, c["Practitioner"].skipped), (24, 9));
    assert_eq!(kept(&plan, "Procedure"), 631);
}

#[test]
fn synthea_bulk_export() {
    let dir = data_dir().join("synthea-bulk-10");
    let plan = import_dir(&dir, &catalogue()).unwrap();
    let (want, not_resources) = expected(&fhir_files(&dir).unwrap());
    assert_eq!(totals(&plan), want);
    assert_eq!(not_resources, 4);
    // README: 1,215 Encounters, 1,215 DocumentReferences, 1,745
    // MedicationRequests, 555 Conditions, 11 AllergyIntolerances.
    for (t, n) in [
        ("Encounter", 1215),
        ("DocumentReference", 1215),
        ("MedicationRequest", 1745),
        ("Condition", 555),
        ("AllergyIntolerance", 11),
        ("Patient", 13),
    ] {
        assert_eq!(want[t], n, "{t}");
        assert_eq!(mapped(&plan, t), n, "{t}: all mapped");
    }
    assert_eq!(kept(&plan, "Immunization"), 161);
    assert_eq!(kept(&plan, "Procedure"), 2056);
    // Files hold one type each; references cross files.
    assert_eq!(plan.patients.len(), 13);
    let documents: usize = plan.patients.iter().map(|p| p.documents.len()).sum();
    assert_eq!(documents, 1215);
    let note = &plan.patients[0].documents[0].value;
    assert_eq!(note.media_type, "text/plain");
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD
        .decode(&note.content_base64)
        .unwrap();
    assert!(!text.is_empty());
    // Prescribers come from conditional references with a display.
    assert!(plan
        .patients
        .iter()
        .flat_map(|p| &p.chart)
        .all(|c| match &c.value.details {
            clinic_protocol::ChartEntryDetails::Medication(m) => !m.prescriber.is_empty(),
            _ => true,
        }));
}

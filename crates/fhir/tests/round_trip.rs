//! Import → export → import changes nothing: for every official example, the
//! Synthea bundles and the bulk set, each patient's record exported as a
//! Bundle and imported again gives the same domain values under the same keys
//! — both when export starts from the original resources and when it writes
//! from the domain values alone.
mod common;

use clinic_fhir::{fhir_files, import_bytes, import_dir, patients_ndjson};
use common::{assert_round_trip, catalogue, data_dir};

#[test]
fn every_official_example() {
    let codes = catalogue();
    let mut records = 0;
    for file in fhir_files(&data_dir().join("fhir-r4-examples")).unwrap() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let plan = import_bytes(&name, &std::fs::read(&file).unwrap(), &codes);
        assert_round_trip(&plan, &name, false);
        assert_round_trip(&plan, &format!("{name} from domain values"), true);
        records += plan.patients.len();
    }
    assert!(records > 150, "{records}");
}

#[test]
fn synthea_bundles() {
    let codes = catalogue();
    for file in fhir_files(&data_dir().join("synthea-r4-bundles")).unwrap() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let plan = import_bytes(&name, &std::fs::read(&file).unwrap(), &codes);
        assert_eq!(plan.patients.len(), 1);
        assert_round_trip(&plan, &name, false);
        assert_round_trip(&plan, &format!("{name} from domain values"), true);
    }
}

#[test]
fn bulk_export() {
    let plan = import_dir(&data_dir().join("synthea-bulk-10"), &catalogue()).unwrap();
    assert_eq!(plan.patients.len(), 13);
    assert_round_trip(&plan, "bulk", false);
    assert_round_trip(&plan, "bulk from domain values", true);
}

#[test]
fn patients_as_ndjson() {
    let codes = catalogue();
    let plan = import_dir(&data_dir().join("synthea-bulk-10"), &codes).unwrap();
    let ndjson = patients_ndjson(&plan.patients);
    assert_eq!(ndjson.lines().count(), 13);
    let again = import_bytes("Patient.ndjson", ndjson.as_bytes(), &codes);
    assert_eq!(again.patients.len(), 13);
    for (a, b) in plan.patients.iter().zip(&again.patients) {
        assert_eq!(a.key, b.key);
        assert_eq!(
            a.patient.as_ref().map(|p| &p.value),
            b.patient.as_ref().map(|p| &p.value)
        );
    }
}

#[test]
fn edited_values_are_written_over_the_original() {
    let codes = catalogue();
    let dir = data_dir().join("fhir-r4-examples");
    let files: Vec<(String, Vec<u8>)> = [
        "Patient-example.json",
        "Condition-example.json",
        "AllergyIntolerance-example.json",
    ]
    .iter()
    .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap()))
    .collect();
    let plan = clinic_fhir::import(
        files.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
        &codes,
    );
    let mut record = plan.patient("Patient/example").unwrap().clone();
    let original_patient = record.patient.as_ref().unwrap().original.clone().unwrap();
    record.patient.as_mut().unwrap().value.phone = "+61 3 9999 0000".into();
    for c in &mut record.chart {
        c.value.status = match c.fhir.resource_type.as_str() {
            "AllergyIntolerance" => clinic_protocol::EntryStatus::EnteredInError,
            _ => clinic_protocol::EntryStatus::Resolved,
        };
    }

    let bundle = clinic_fhir::patient_bundle(&record, &[], &codes);
    assert_eq!(bundle["type"], "collection");
    let patient = &bundle["entry"][0]["resource"];
    assert_eq!(patient["resourceType"], "Patient");
    // Untouched elements come back as they were, codings and all.
    for k in [
        "identifier",
        "name",
        "address",
        "contact",
        "managingOrganization",
        "active",
    ] {
        assert_eq!(patient[k], original_patient[k], "{k}");
    }
    assert_eq!(patient["telecom"][0]["value"], "+61 3 9999 0000");
    let of_type = |t: &str| {
        bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"])
            .find(|r| r["resourceType"] == t)
            .unwrap()
    };
    let allergy = of_type("AllergyIntolerance");
    assert_eq!(
        allergy["verificationStatus"]["coding"][0]["code"],
        "entered-in-error"
    );
    assert!(allergy.get("clinicalStatus").is_none(), "R4 ait-1");
    assert_eq!(
        allergy["criticality"], "high",
        "elements the domain does not hold are kept"
    );
    let condition = of_type("Condition");
    assert_eq!(condition["clinicalStatus"]["coding"][0]["code"], "resolved");
    assert_eq!(
        condition["code"]["coding"][0]["system"],
        "http://snomed.info/sct"
    );

    let again = clinic_fhir::import_bytes("edited.json", bundle.to_string().as_bytes(), &codes);
    common::assert_same_values(&record, again.patient("Patient/example").unwrap(), "edited");
}

#[test]
fn a_record_moved_to_another_patient_exports_under_it() {
    let codes = catalogue();
    let file = data_dir().join("fhir-r4-examples/Condition-example.json");
    let plan = import_bytes("c.json", &std::fs::read(file).unwrap(), &codes);
    let mut record = plan.patient("Patient/example").unwrap().clone();
    record.key = "Patient/survivor".into();
    let bundle = clinic_fhir::patient_bundle(&record, &[], &codes);
    assert_eq!(
        bundle["entry"][0]["resource"]["subject"]["reference"],
        "Patient/survivor"
    );
    let again = import_bytes("moved.json", bundle.to_string().as_bytes(), &codes);
    assert_eq!(again.patient("Patient/survivor").unwrap().chart.len(), 1);
}

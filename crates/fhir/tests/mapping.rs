//! What official examples map to, field by field (values read off the example
//! files by hand).
mod common;

use clinic_fhir::{import, import_bytes, ImportPlan, Outcome};
use clinic_protocol::{
    AllergySeverity, ChartEntryDetails, DocumentType, EncounterStatus, EncounterType, EntryStatus,
    Sex,
};
use common::{catalogue, data_dir};

fn example(names: &[&str]) -> ImportPlan {
    let dir = data_dir().join("fhir-r4-examples");
    let files: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap()))
        .collect();
    import(
        files.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
        &catalogue(),
    )
}

#[test]
fn patient() {
    let plan = example(&["Patient-example.json"]);
    let p = plan
        .patient("Patient/example")
        .unwrap()
        .patient
        .as_ref()
        .unwrap();
    let d = &p.value;
    assert_eq!(
        (d.given_name.as_str(), d.middle_name.as_str()),
        ("Peter", "James")
    );
    assert_eq!(d.family_name, "Chalmers");
    assert_eq!(d.date_of_birth, "1974-12-25");
    assert_eq!(d.sex, Some(Sex::Male));
    assert_eq!(d.phone, "(03) 5555 6473");
    assert_eq!(d.address.line1, "534 Erewhon St");
    assert_eq!(
        (d.address.city.as_str(), d.address.region.as_str()),
        ("PleasantVille", "Vic")
    );
    assert_eq!(d.address.postal_code, "3999");
    assert_eq!(d.emergency_contacts.len(), 1);
    assert_eq!(d.emergency_contacts[0].name, "Bénédicte du Marché");
    assert_eq!(d.emergency_contacts[0].relationship, "Next-of-Kin");
    assert_eq!(d.emergency_contacts[0].phone, "+33 (237) 998327");
    // Identity for matching on re-import.
    assert_eq!(p.fhir.key, "Patient/example");
    assert_eq!(
        p.fhir.identifiers[0].system,
        "urn:oid:1.2.36.146.595.217.0.1"
    );
    assert_eq!(p.fhir.identifiers[0].value, "12345");
}

#[test]
fn insurance_payer_is_resolved_through_the_input() {
    let plan = example(&["Coverage-9876B1.json", "Organization-2.json"]);
    let record = plan.patient("Patient/4").unwrap();
    let ins = &record.insurance.as_ref().unwrap().value;
    assert_eq!(ins.group_number, "CB135");
    assert_eq!(ins.payer, "XYZ Insurance");
}

#[test]
fn chart_entries() {
    let plan = example(&[
        "AllergyIntolerance-example.json",
        "AllergyIntolerance-nka.json",
        "Condition-example.json",
        "MedicationRequest-medrx0302.json",
        "MedicationStatement-example005.json",
    ]);
    let example = plan.patient("Patient/example").unwrap();
    let [allergy, problem] = &example.chart[..] else {
        panic!("{:?}", example.chart);
    };
    let ChartEntryDetails::Allergy(a) = &allergy.value.details else {
        panic!()
    };
    assert_eq!(a.substance, "Cashew nuts");
    assert_eq!(a.reaction, "Anaphylactic reaction, Urticaria");
    assert_eq!(a.severity, Some(AllergySeverity::Severe));
    assert_eq!(a.onset_date, "2004");
    assert_eq!(allergy.value.recorded_at, "2014-10-09T14:58:00+11:00");
    let ChartEntryDetails::Problem(p) = &problem.value.details else {
        panic!()
    };
    assert_eq!(
        (p.text.as_str(), p.onset_date.as_str()),
        ("Burnt Ear", "2012-05-24")
    );

    let nka = plan
        .patient("Patient/mom")
        .unwrap()
        .no_known_allergies
        .as_ref()
        .unwrap();
    assert_eq!(nka.value.asserted_at, "2015-08-06T15:37:31-06:00");

    let pat1 = plan.patient("Patient/pat1").unwrap();
    let [rx, stmt] = &pat1.chart[..] else {
        panic!("{:?}", pat1.chart)
    };
    let ChartEntryDetails::Medication(m) = &rx.value.details else {
        panic!()
    };
    // Named by the contained Medication; dose, route and timing from dosageInstruction.
    assert_eq!(m.name, "Azithromycin 250mg capsule (product)");
    assert_eq!((m.dose.as_str(), m.route.as_str()), ("2 TAB", "Oral Route"));
    assert_eq!(m.frequency, "1 per day");
    assert_eq!(
        (m.start_date.as_str(), m.stop_date.as_str()),
        ("2015-01-15", "2016-01-15")
    );
    assert_eq!(m.prescriber, "Patrick Pump");
    assert_eq!(rx.value.status, EntryStatus::Active);
    assert_eq!(stmt.value.status, EntryStatus::EnteredInError);
}

#[test]
fn blood_pressure_panel_maps_to_two_values() {
    let plan = example(&["Observation-blood-pressure.json"]);
    let o = &plan.patient("Patient/example").unwrap().observations[0].value;
    assert_eq!(o.panel.as_ref().unwrap().code, "85354-9");
    let values: Vec<(&str, &str, &str)> = o
        .values
        .iter()
        .map(|v| (v.code.as_str(), v.value.as_str(), v.unit.as_str()))
        .collect();
    assert_eq!(
        values,
        [
            ("systolic_bp", "107", "mm[Hg]"),
            ("diastolic_bp", "60", "mm[Hg]")
        ]
    );
    assert_eq!(o.values[0].effective_at, "2012-09-17");
}

#[test]
fn observations_outside_the_catalogue_are_kept_with_the_reason() {
    let plan = example(&["Observation-eye-color.json", "Observation-bmi.json"]);
    let record = plan.patient("Patient/example").unwrap();
    assert_eq!(record.observations.len(), 1);
    assert_eq!(record.observations[0].value.values[0].code, "bmi");
    assert_eq!(record.kept.len(), 1);
    assert!(
        record.kept[0].reason.contains("no LOINC code"),
        "{}",
        record.kept[0].reason
    );
}

#[test]
fn encounters_and_documents() {
    let plan = example(&["Encounter-home.json", "DiagnosticReport-example-pgx.json"]);
    let e = &plan.patient("Patient/example").unwrap().encounters[0].value;
    assert_eq!(e.encounter_type, EncounterType::HomeVisit);
    assert_eq!(e.status, EncounterStatus::Finished);
    assert_eq!(e.started_at, "2015-01-17T16:00:00+10:00");
    let d = &plan.patient("Patient/899962").unwrap().documents[0].value;
    assert_eq!(d.document_type, DocumentType::LabReport);
    assert_eq!(d.title, "Pharmacogenetics Report");
    assert_eq!(d.document_date, "2016-10-15");
    assert_eq!(d.media_type, "application/pdf");
    assert_eq!(d.content_base64, "cGRmSW5CYXNlNjRCaW5hcnk=");
}

#[test]
fn document_content_comes_from_a_binary_in_the_same_bundle() {
    let binary =
        std::fs::read_to_string(data_dir().join("fhir-r4-examples/Binary-f006.json")).unwrap();
    let bundle = format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[
        {{"fullUrl":"urn:uuid:b1","resource":{binary}}},
        {{"resource":{{"resourceType":"DocumentReference","id":"d1","status":"current",
          "subject":{{"reference":"Patient/p1"}},"description":"Photo",
          "content":[{{"attachment":{{"url":"Binary/f006"}}}}]}}}}]}}"#
    );
    let plan = import_bytes("b.json", bundle.as_bytes(), &catalogue());
    assert_eq!(plan.errors().count(), 0);
    let d = &plan.patient("Patient/p1").unwrap().documents[0].value;
    assert_eq!(d.media_type, "image/jpeg");
    assert_eq!(d.file_name, "d1.jpg");
    assert!(d.content_base64.starts_with("/9j/"));
    // The Binary was used: not kept on its own.
    assert!(plan.clinic.is_empty());
    assert!(plan.outcomes.iter().all(|o| o.outcome == Outcome::Mapped));
}

//! Malformed and hostile input: never a panic; errors name the resource (type
//! and id), where it was (file, line, bundle entry) and the JSON path.
mod common;

use clinic_fhir::{import, import_bytes, ImportPlan, Outcome, UNREADABLE};
use common::{catalogue, data_dir};

fn run(text: &str) -> ImportPlan {
    import_bytes("input.json", text.as_bytes(), &catalogue())
}

/// The only outcome, an error: (path, message).
fn error(text: &str) -> (String, String) {
    let plan = run(text);
    let errors: Vec<_> = plan.errors().collect();
    assert_eq!(errors.len(), 1, "{:#?}", plan.outcomes);
    let Outcome::Error { path, .. } = &errors[0].outcome else {
        unreachable!()
    };
    (path.clone(), errors[0].to_string())
}

#[test]
fn errors_name_the_resource_and_the_path() {
    let cases = [
        (
            r#"{"resourceType":"Condition","id":"c1","subject":"Patient/1"}"#,
            "subject",
            "Condition/c1",
            "expected an object",
        ),
        (
            r#"{"resourceType":"Observation","id":"o1","status":"done","code":{"text":"x"},"subject":{"reference":"Patient/1"}}"#,
            "status",
            "Observation/o1",
            "'done' is not one of",
        ),
        (
            r#"{"resourceType":"Patient","id":"p1","birthDate":"1990-13-01"}"#,
            "birthDate",
            "Patient/p1",
            "not an R4 date",
        ),
        (
            r#"{"resourceType":"Patient","id":"bad id"}"#,
            "id",
            "Patient/bad id",
            "not an R4 id",
        ),
        (
            r#"{"resourceType":"Patient","id":"p2","gender":"M"}"#,
            "gender",
            "Patient/p2",
            "'M' is not one of",
        ),
        (
            r#"{"resourceType":"Patient","id":"p3","name":[{"given":"Ann"}]}"#,
            "name[0].given",
            "Patient/p3",
            "expected an array",
        ),
        (
            r#"{"resourceType":"AllergyIntolerance","id":"a1","patient":{"reference":"Patient/1"},"code":{"text":"Nuts"},"reaction":[{"manifestation":[{"text":"Hives"}],"severity":3}]}"#,
            "reaction[0].severity",
            "AllergyIntolerance/a1",
            "expected a string",
        ),
        (
            r#"{"resourceType":"MedicationRequest","id":"m1","status":"active","medicationCodeableConcept":{"text":"X"},"subject":{"reference":"Patient/1"}}"#,
            "intent",
            "MedicationRequest/m1",
            "required",
        ),
        (
            r#"{"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"AMB"},"subject":{"reference":"Patient/1"},"period":{"start":"yesterday"}}"#,
            "period.start",
            "Encounter/e1",
            "not an R4 date",
        ),
        (
            r#"{"resourceType":"DocumentReference","id":"d1","status":"current","subject":{"reference":"Patient/1"},"content":[{"attachment":{"contentType":"text/plain","data":"%%%"}}]}"#,
            "content[0].attachment.data",
            "DocumentReference/d1",
            "not valid base64",
        ),
        (
            r#"{"resourceType":"Observation","id":"o2","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/1"},"effectiveDateTime":"2020-01-01","valueQuantity":{"value":"72","unit":"/min"}}"#,
            "valueQuantity.value",
            "Observation/o2",
            "expected a number",
        ),
        (
            r#"{"resourceType":"Condition","id":"c2","subject":{"reference":"Patient/1"},"code":{"text":""}}"#,
            "code.text",
            "Condition/c2",
            "empty string",
        ),
        (
            r#"{"resourceType":"Slot","id":"s1","status":"free"}"#,
            "schedule",
            "Slot/s1",
            "required",
        ),
    ];
    for (text, want_path, who, what) in cases {
        let (path, message) = error(text);
        assert_eq!(path, want_path, "{message}");
        assert!(
            message.starts_with(&format!("{who} (input.json)")),
            "{message}"
        );
        assert!(message.contains(what), "{message}");
    }
}

#[test]
fn ndjson_errors_carry_the_line() {
    let text = concat!(
        r#"{"resourceType":"Patient","id":"a"}"#,
        "\n",
        r#"{"resourceType":"Patient","id":"b","gender":"x"}"#,
        "\n",
        "\n",
        r#"{"resourceType": "Patient", "id": "#,
        "\n",
        r#"{"not":"fhir"}"#,
        "\n",
    );
    let plan = import_bytes("Patient.ndjson", text.as_bytes(), &catalogue());
    let errors: Vec<String> = plan.errors().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].starts_with("Patient/b (Patient.ndjson:2)"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].contains("Patient.ndjson:4") && errors[1].contains("invalid JSON"),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].contains("Patient.ndjson:5") && errors[2].contains("no resourceType"),
        "{}",
        errors[2]
    );
    assert_eq!(plan.patients.len(), 2);
}

#[test]
fn a_patient_with_a_bad_resource_is_flagged_whole() {
    let text = r#"{"resourceType":"Bundle","type":"transaction","entry":[
        {"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","name":[{"family":"Doe"}]},"request":{"method":"POST","url":"Patient"}},
        {"resource":{"resourceType":"Condition","subject":{"reference":"urn:uuid:p"},"code":{"text":"Asthma"}},"request":{"method":"POST","url":"Condition"}},
        {"resource":{"resourceType":"Condition","subject":{"reference":"urn:uuid:p"},"code":{"text":"Gout"},"onsetDateTime":"soon"},"request":{"method":"POST","url":"Condition"}}]}"#;
    let plan = run(text);
    let record = plan.patient("urn:uuid:p").unwrap();
    assert!(record.patient.is_some());
    assert_eq!(record.chart.len(), 1);
    assert!(plan.has_errors("urn:uuid:p"));
    let e = plan.errors().next().unwrap().to_string();
    assert!(e.starts_with("Condition (input.json entry[2])"), "{e}");
    assert!(e.contains("onsetDateTime"), "{e}");
}

#[test]
fn references_by_identifier_and_repeated_resources() {
    let patient = r#"{"resourceType":"Patient","id":"p1","identifier":[{"system":"urn:mrn","value":"42"}],"name":[{"family":"Roe"}]}"#;
    let condition = r#"{"resourceType":"Condition","id":"c1","subject":{"identifier":{"system":"urn:mrn","value":"42"}},"code":{"text":"Asthma"}}"#;
    let inputs = [
        ("a.ndjson", patient),
        ("b.json", condition),
        ("c.json", patient),
    ];
    let plan = import(inputs.map(|(n, t)| (n, t.as_bytes())), &catalogue());
    assert_eq!(plan.errors().count(), 0);
    // The same patient twice: one record, the later copy used.
    assert_eq!(plan.patients.len(), 1);
    let record = &plan.patients[0];
    assert_eq!(record.key, "Patient/p1");
    assert_eq!(record.chart.len(), 1);
    assert!(matches!(plan.outcomes[0].outcome, Outcome::Skipped { .. }));
}

#[test]
fn unlinked_and_unsupported_resources() {
    let plan = run(r#"{"resourceType":"Bundle","type":"collection","entry":[
        {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"display":"Rex"}}},
        {"resource":{"resourceType":"Claim","id":"x"}},
        {"resource":{"resourceType":"Practitioner","id":"dr"}}]}"#);
    let o: Vec<_> = plan.outcomes.iter().map(|o| &o.outcome).collect();
    assert!(matches!(o[0], Outcome::Kept { reason } if reason.contains("only a display ('Rex')")));
    assert!(matches!(o[1], Outcome::Skipped { reason } if reason.contains("Claim")));
    assert!(matches!(o[2], Outcome::Kept { .. }));
    assert_eq!(plan.clinic.len(), 2);
    assert!(plan.patients.is_empty());
}

/// A small deterministic generator (no extra dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn truncated_and_garbage_input_never_panics() {
    let codes = catalogue();
    let mut samples: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"   \n".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"123".to_vec(),
        b"\"Patient\"".to_vec(),
        b"{}".to_vec(),
        b"{\"resourceType\": 5}".to_vec(),
        b"{\"resourceType\":\"Bundle\"}".to_vec(),
        b"{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":{}}".to_vec(),
        b"{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[1,{\"resource\":[]}]}"
            .to_vec(),
        vec![0xff, 0xfe, 0x00, 0x7b],
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        format!(
            "{{\"resourceType\":\"Patient\",\"name\":{}1{}}}",
            "[".repeat(5000),
            "]".repeat(5000)
        )
        .into_bytes(),
    ];
    // Every prefix length class of real files: a resource, a bundle, NDJSON.
    let dir = data_dir();
    for f in [
        "fhir-r4-examples/Patient-example.json",
        "fhir-r4-examples/Bundle-bundle-transaction.json",
        "fhir-r4-examples/MedicationRequest-medrx0302.json",
        "synthea-bulk-10/AllergyIntolerance.000.ndjson",
    ] {
        let bytes = std::fs::read(dir.join(f)).unwrap();
        for cut in (0..bytes.len()).step_by(bytes.len() / 97 + 1) {
            samples.push(bytes[..cut].to_vec());
        }
        // Random byte changes.
        let mut rng = Lcg(bytes.len() as u64);
        for _ in 0..60 {
            let mut b = bytes.clone();
            let noise = b"{}[]\",:0aZ \n\\\xc3";
            for _ in 0..4 {
                let at = (rng.next() as usize) % b.len();
                b[at] = noise[(rng.next() as usize) % noise.len()];
            }
            samples.push(b);
        }
    }
    for s in &samples {
        let plan = import_bytes("fuzz", s, &codes);
        // Every resource or piece of input has an outcome; unreadable input is an error.
        for o in &plan.outcomes {
            if o.resource_type == UNREADABLE {
                assert!(matches!(o.outcome, Outcome::Error { .. }));
            }
        }
        // Export what was read, and read it again.
        for record in &plan.patients {
            let bundle = clinic_fhir::patient_bundle(record, &plan.clinic, &codes);
            let again = import_bytes("again", bundle.to_string().as_bytes(), &codes);
            assert!(again.patient(&record.key).is_some() || record.is_empty());
        }
    }
    assert!(samples.len() > 600);
}

/// Replaces values deep inside real resources with odd ones (wrong types,
/// empty or odd text, references to nothing) and imports the result.
#[test]
fn odd_values_inside_real_resources_never_panic() {
    use serde_json::{json, Value};
    fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => m
                .iter()
                .for_each(|(k, x)| pointers(x, format!("{at}/{k}"), out)),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out)),
            _ => {}
        }
        out.push(at);
    }
    let odd = [
        json!(""),
        json!("\u{e9}"),
        json!("2020-01-01T10:00:00+0\u{e9}0:"),
        json!("x\u{a0}y"),
        json!("#"),
        json!("Patient/"),
        json!("urn:uuid:"),
        json!("Binary/f006"),
        json!(-1e300),
        json!(0),
        json!(true),
        json!(null),
        json!([]),
        json!({}),
        json!([{"reference": "#x"}]),
        json!({"reference": "Patient?identifier=|"}),
    ];
    let codes = catalogue();
    let dir = data_dir().join("fhir-r4-examples");
    let mut runs = 0;
    for f in [
        "Patient-example.json",
        "MedicationRequest-medrx0302.json",
        "MedicationStatement-example001.json",
        "Observation-blood-pressure.json",
        "AllergyIntolerance-example.json",
        "Coverage-9876B1.json",
        "Encounter-home.json",
        "DiagnosticReport-example-pgx.json",
        "DocumentReference-example.json",
        "Condition-example.json",
    ] {
        let original: Value = serde_json::from_slice(&std::fs::read(dir.join(f)).unwrap()).unwrap();
        let mut all = Vec::new();
        pointers(&original, String::new(), &mut all);
        all.retain(|p| !p.is_empty() && p != "/resourceType");
        let mut rng = Lcg(all.len() as u64);
        for _ in 0..150 {
            let mut v = original.clone();
            for _ in 0..3 {
                let at = &all[(rng.next() as usize) % all.len()];
                if let Some(slot) = v.pointer_mut(at) {
                    *slot = odd[(rng.next() as usize) % odd.len()].clone();
                }
            }
            let bytes = serde_json::to_vec(&v).unwrap();
            let plan = import_bytes(f, &bytes, &codes);
            assert_eq!(plan.outcomes.len(), 1, "{f}: one outcome per resource");
            for record in &plan.patients {
                let bundle = clinic_fhir::patient_bundle(record, &plan.clinic, &codes);
                import_bytes("again", bundle.to_string().as_bytes(), &codes);
            }
            runs += 1;
        }
    }
    assert_eq!(runs, 1500);
}

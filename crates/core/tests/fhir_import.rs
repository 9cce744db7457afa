//! FHIR import and export on the real encrypted store: every file of the
//! shared test data (../shared/data) lands with counts per resource type; the
//! same files again change nothing; import → export → import gives the same
//! domain rows; a broken patient leaves no trace while the others import; a
//! patient who looks like a registered one goes to the duplicate review;
//! changes at the source update what the chart holds (and keep local edits);
//! the import syncs to another device; refusals and exports are audited.
mod common;
mod sync_common;

use clinic_core::authz::Command;
use clinic_core::session::SessionGate;
use clinic_core::{identity, interop, registry, restricted, Caller, CoreError};
use clinic_protocol::{
    CreateStaff, FhirImportSummary, FhirProblemKind, FhirTypeCounts, RestrictionCategory, Role,
    SessionInfo, SessionScope, StaffMember,
};
use clinic_store::Store;
use common::{caller, AUDIT_KEY};
use rusqlite::types::Value as Sql;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The shared test data (see its README.md): `CLINIC_SHARED_DATA`, else
/// `../shared/data` next to the repository. Missing data fails the tests.
fn data_dir() -> PathBuf {
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

type Files = Vec<(String, Vec<u8>)>;

/// The files of a folder of the shared data (sorted), or the first `n`.
fn folder(name: &str, n: Option<usize>) -> Files {
    let all = clinic_fhir::fhir_files(&data_dir().join(name)).unwrap();
    all.iter()
        .take(n.unwrap_or(usize::MAX))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(p).unwrap())
        })
        .collect()
}

/// The bulk export cut down to its first `n` patients (their lines in every
/// file, and every practitioner and organisation).
fn bulk_patients(n: usize) -> Files {
    let files = folder("synthea-bulk-10", None);
    let patients = &files
        .iter()
        .find(|(name, _)| name.starts_with("Patient"))
        .unwrap()
        .1;
    let ids: Vec<String> = String::from_utf8_lossy(patients)
        .lines()
        .take(n)
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    files
        .into_iter()
        .filter(|(name, _)| name != "log.ndjson")
        .map(|(name, bytes)| {
            let text = String::from_utf8(bytes).unwrap();
            let kept: Vec<&str> = text
                .lines()
                .filter(|l| {
                    name.starts_with("Practitioner")
                        || name.starts_with("Organization")
                        || ids.iter().any(|id| l.contains(id.as_str()))
                })
                .collect();
            (name, (kept.join("\n") + "\n").into_bytes())
        })
        .collect()
}

fn import_as(store: &mut Store, who: &Caller<'_>, files: &Files) -> FhirImportSummary {
    let plan = interop::plan(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    interop::import(store, who, plan, files.len(), |_, _| {}).unwrap()
}

fn import(store: &mut Store, files: &Files) -> FhirImportSummary {
    import_as(store, &caller(), files)
}

fn of_type(s: &FhirImportSummary, t: &str) -> FhirTypeCounts {
    s.by_type
        .iter()
        .find(|c| c.resource_type == t)
        .cloned()
        .unwrap_or_else(|| FhirTypeCounts {
            resource_type: t.into(),
            ..Default::default()
        })
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Row counts of the tables an import writes.
fn counts(store: &Store) -> BTreeMap<&'static str, i64> {
    let q = |sql| count(store, sql);
    BTreeMap::from([
        ("patients", q("SELECT count(*) FROM patient")),
        ("chart_entries", q("SELECT count(*) FROM chart_entry")),
        (
            "chart_versions",
            q("SELECT count(*) FROM chart_entry_version"),
        ),
        ("encounters", q("SELECT count(*) FROM encounter")),
        ("observations", q("SELECT count(*) FROM observation")),
        ("documents", q("SELECT count(*) FROM document")),
        (
            "allergy_statements",
            q("SELECT count(*) FROM allergy_statement"),
        ),
        ("links", q("SELECT count(*) FROM fhir_link")),
        (
            "kept",
            q("SELECT count(*) FROM fhir_link WHERE entity IS NULL"),
        ),
        ("ops", q("SELECT count(*) FROM outbox")),
        ("conflicts", q("SELECT count(*) FROM sync_conflict")),
    ])
}

/// Every row of the tables an import writes, every column, as text.
fn snapshot(store: &Store) -> BTreeMap<&'static str, Vec<String>> {
    let tables = [
        ("patient", "id"),
        ("patient_detail", "patient_id"),
        ("chart_entry", "id"),
        ("chart_entry_version", "entry_id, version"),
        ("encounter", "id"),
        ("observation", "id"),
        ("document", "id"),
        ("allergy_statement", "patient_id"),
        ("fhir_link", "id"),
        ("fhir_link_key", "match_key, link_id"),
        ("fhir_link_entity", "entity, entity_id, link_id"),
        ("outbox", "device_counter"),
    ];
    tables
        .into_iter()
        .map(|(t, order)| {
            let mut stmt = store
                .conn()
                .prepare(&format!("SELECT * FROM {t} ORDER BY {order}"))
                .unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    let cells: Vec<String> = (0..n)
                        .map(|i| match r.get::<_, Sql>(i).unwrap() {
                            Sql::Blob(b) => format!("blob:{}", b.len()),
                            other => format!("{other:?}"),
                        })
                        .collect();
                    Ok(cells.join("|"))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            (t, rows)
        })
        .collect()
}

/// The domain content of a store, independent of ids, times and devices: per
/// patient (in name order) the details, chart entries, visits, results,
/// documents, allergy statement and kept resources, each sorted.
fn domain(store: &Store) -> Vec<String> {
    let conn = store.conn();
    let rows = |sql: &str, p: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        let mut v: Vec<String> = stmt
            .query_map([p], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        v.sort();
        v
    };
    let mut patients: Vec<(String, String)> = {
        let mut stmt = conn
            .prepare("SELECT id, sort_name || '|' || date_of_birth FROM patient WHERE merged_into IS NULL")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    patients.sort_by(|a, b| a.1.cmp(&b.1));
    let mut out = Vec::new();
    for (id, _) in patients {
        let p = registry::get_patient(conn, id.parse().unwrap()).unwrap();
        out.push(serde_json::to_string(&p.details).unwrap());
        out.extend(rows(
            "SELECT kind || status || status_reason || details FROM chart_entry WHERE patient_id = ?1",
            &id,
        ));
        out.extend(rows(
            "SELECT type || reason || started_at || status FROM encounter WHERE patient_id = ?1",
            &id,
        ));
        out.extend(rows(
            "SELECT o.code || o.value || o.unit || o.entered_value || o.entered_unit || o.effective_at
                || o.source || o.status || o.flag || coalesce(e.started_at, '-')
             FROM observation o LEFT JOIN encounter e ON e.id = o.encounter_id WHERE o.patient_id = ?1",
            &id,
        ));
        out.extend(rows(
            "SELECT type || title || document_date || author || source || file_name || media_type
                || sha256 || status || size FROM document WHERE patient_id = ?1",
            &id,
        ));
        out.extend(rows(
            "SELECT 'nka' || no_known_allergies FROM allergy_statement WHERE patient_id = ?1",
            &id,
        ));
        out.extend(rows(
            "SELECT resource_type || resource FROM fhir_link WHERE patient_id = ?1 AND entity IS NULL",
            &id,
        ));
    }
    out
}

/// A staff member of `role` (created in the store) as a signed-in caller.
fn staff(store: &mut Store, role: Role, username: &str) -> (StaffMember, SessionInfo) {
    if identity::clinic_info(store.conn()).unwrap().is_none() {
        identity::create_clinic(
            store,
            clinic_protocol::CreateClinic {
                clinic_name: "Riverside Family Practice".into(),
                admin_username: "grace.admin".into(),
                admin_display_name: "Grace Hopper".into(),
                admin_password: "tarragon-Lantern-41".into(),
            },
        )
        .unwrap();
    }
    let member = identity::create_staff(
        store,
        CreateStaff {
            username: username.into(),
            display_name: format!("{username} person"),
            role,
            password: "Fjord pebble orchard".into(),
        },
    )
    .unwrap();
    let session = SessionInfo {
        staff_id: member.id,
        username: username.into(),
        display_name: member.display_name.clone(),
        role,
        scope: SessionScope::Full,
        signed_in_at: "2026-01-05T09:00:00.000Z".into(),
        auto_lock_minutes: 10,
    };
    (member, session)
}

/// What landed in the tables matches the summary of an import into an empty store.
fn assert_rows_match(store: &Store, s: &FhirImportSummary, values: Option<i64>) {
    let c = counts(store);
    assert_eq!(c["patients"], s.patients_imported as i64);
    let entries: i64 = [
        "Condition",
        "AllergyIntolerance",
        "MedicationRequest",
        "MedicationStatement",
        "CarePlan",
    ]
    .iter()
    .map(|t| of_type(s, t).imported as i64)
    .sum();
    // "No known allergies" is a statement, not an entry.
    assert_eq!(c["chart_entries"] + c["allergy_statements"], entries);
    assert_eq!(c["encounters"], of_type(s, "Encounter").imported as i64);
    assert_eq!(
        c["documents"],
        (of_type(s, "DocumentReference").imported + of_type(s, "DiagnosticReport").imported) as i64
    );
    assert_eq!(
        count(store, "SELECT count(*) FROM fhir_link WHERE resource_type = 'Observation' AND entity IS NOT NULL"),
        of_type(s, "Observation").imported as i64
    );
    if let Some(values) = values {
        assert_eq!(c["observations"], values);
    }
    assert_eq!(
        c["kept"],
        s.by_type.iter().map(|c| c.kept as i64).sum::<i64>()
    );
    // Every mapped resource is linked, so a re-import finds it.
    let linked = count(
        store,
        "SELECT count(*) FROM fhir_link WHERE entity IS NOT NULL",
    );
    let mapped: i64 = s
        .by_type
        .iter()
        .filter(|c| c.resource_type != "Binary")
        .map(|c| c.imported as i64)
        .sum();
    assert_eq!(linked, mapped);
    // Every resource is counted once, under its type.
    let total: u32 = s
        .by_type
        .iter()
        .filter(|c| !c.resource_type.starts_with('('))
        .map(|c| c.imported + c.updated + c.unchanged + c.kept + c.skipped + c.errors)
        .sum();
    assert_eq!(total, s.resources);
}

#[test]
fn the_official_examples_land_with_counts_per_type() {
    let mut t = common::store();
    let s = import(&mut t.store, &folder("fhir-r4-examples", None));
    assert_eq!(s.files, 301);
    assert_rows_match(&t.store, &s, None);
    // The one malformed file is reported, not fatal.
    let gingival = s
        .problems
        .iter()
        .find(|p| p.id.as_deref() == Some("gingival-mass"))
        .expect("gingival-mass reported");
    assert_eq!(gingival.kind, FhirProblemKind::Error);
    assert_eq!(gingival.path, "resultsInterpreter[0].display");
    assert!(gingival.reason.contains("U+00A0"), "{}", gingival.reason);
    assert_eq!(of_type(&s, "DiagnosticReport").errors, 1);
    // Patients the registry cannot hold (no given name: an animal, newborns,
    // DICOM; no date of birth) are errors naming the field; the others import
    // (Patient/example appears twice: the later copy is used).
    let patient = of_type(&s, "Patient");
    assert_eq!(
        (patient.imported, patient.errors, patient.skipped),
        (20, 9, 1)
    );
    for p in s
        .problems
        .iter()
        .filter(|p| p.kind == FhirProblemKind::Error && p.resource_type == "Patient")
    {
        assert!(
            ["given_name", "family_name", "date_of_birth"].contains(&p.path.as_str()),
            "{p:?}"
        );
    }
    // Their data is skipped with them, and says why.
    assert!(s
        .problems
        .iter()
        .any(|p| p.resource_type == "MedicationRequest" && p.reason.contains("Patient/pat1")));
    for (t, imported) in [
        ("Condition", 12),
        ("AllergyIntolerance", 4),
        ("Encounter", 4),
        ("Observation", 11),
    ] {
        assert_eq!(of_type(&s, t).imported, imported, "{t}");
    }
    for (t, kept) in [
        ("Practitioner", 14),
        ("Organization", 13),
        ("Medication", 23),
        ("Schedule", 3),
        ("Slot", 4),
        ("Appointment", 3),
        ("Procedure", 16),
        ("Immunization", 5),
    ] {
        assert_eq!(of_type(&s, t).kept, kept, "{t}");
    }
    assert_eq!(of_type(&s, "Claim").skipped, 17);
    // Several example Patients are the same person (Peter Chalmers…): review.
    assert!(s.possible_duplicates > 0);
    assert_eq!(
        count(&t.store, "SELECT count(*) FROM sync_conflict"),
        s.possible_duplicates as i64
    );
}

#[test]
fn the_synthea_bundles_land_with_counts_per_type() {
    let mut t = common::store();
    let s = import(&mut t.store, &folder("synthea-r4-bundles", None));
    assert_eq!((s.files, s.patients_imported), (20, 20));
    // Blood pressure panels hold two values: 999 Observations, 1,161 values.
    assert_rows_match(&t.store, &s, Some(1161));
    for (t, n) in [
        ("Patient", 20),
        ("Encounter", 853),
        ("Condition", 174),
        ("MedicationRequest", 193),
        ("CarePlan", 72),
        ("AllergyIntolerance", 9),
        ("Observation", 999),
    ] {
        assert_eq!(of_type(&s, t).imported, n, "{t}");
    }
    assert_eq!(of_type(&s, "Procedure").kept, 631);
    assert_eq!(of_type(&s, "Immunization").kept, 207);
    assert!(s.problems.iter().all(|p| p.kind != FhirProblemKind::Error));
    // One problem line for all the Claims skipped, with the count.
    let claims: Vec<_> = s
        .problems
        .iter()
        .filter(|p| p.resource_type == "Claim")
        .collect();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].count, of_type(&s, "Claim").skipped);
    assert!(claims[0].count > 1000);
}

#[test]
fn the_bulk_export_lands_with_counts_per_type() {
    let mut t = common::store();
    let s = import(&mut t.store, &folder("synthea-bulk-10", None));
    assert_eq!((s.files, s.patients_imported), (14, 13));
    assert_rows_match(&t.store, &s, Some(0));
    for (t, n) in [
        ("Patient", 13),
        ("Encounter", 1215),
        ("DocumentReference", 1215),
        ("MedicationRequest", 1745),
        ("Condition", 555),
        ("AllergyIntolerance", 11),
    ] {
        assert_eq!(of_type(&s, t).imported, n, "{t}");
    }
    assert_eq!(of_type(&s, "Procedure").kept, 2056);
    assert_eq!(of_type(&s, "Immunization").kept, 161);
    // The export's log has four lines that are no resources.
    let log = s
        .problems
        .iter()
        .find(|p| p.source == "log.ndjson")
        .unwrap();
    assert_eq!((log.kind, log.count), (FhirProblemKind::Error, 4));
    // The notes are searchable documents.
    assert_eq!(
        count(
            &t.store,
            "SELECT count(*) FROM document WHERE media_type = 'text/plain' AND length(text) > 0"
        ),
        1215
    );
}

#[test]
fn the_same_files_again_change_nothing() {
    let mut t = common::store();
    let files: Files = folder("fhir-r4-examples", None)
        .into_iter()
        .chain(folder("synthea-r4-bundles", Some(2)))
        .chain(bulk_patients(2))
        .collect();
    let first = import(&mut t.store, &files);
    assert!(first.patients_imported > 20);
    let before = snapshot(&t.store);
    let audit_before = count(&t.store, "SELECT count(*) FROM audit_event");

    let again = import(&mut t.store, &files);
    assert_eq!(snapshot(&t.store), before, "rows or ops changed");
    assert_eq!((again.patients_imported, again.patients_updated), (0, 0));
    assert_eq!(
        again.patients_unchanged,
        first.patients_imported + first.patients_updated
    );
    for c in &again.by_type {
        assert_eq!((c.imported, c.updated), (0, 0), "{c:?}");
    }
    let first_ok: u32 = first.by_type.iter().map(|c| c.imported + c.kept).sum();
    let unchanged: u32 = again.by_type.iter().map(|c| c.unchanged).sum();
    assert_eq!(unchanged, first_ok);
    // Only the import itself is audited (nothing was written to any record).
    assert_eq!(
        count(&t.store, "SELECT count(*) FROM audit_event"),
        audit_before + 1
    );
}

/// Exports every patient of `store` as a Bundle (as the app's export does).
fn export_all(store: &mut Store) -> Files {
    let ids: Vec<String> = sync_common::rows(
        store,
        "SELECT id FROM patient WHERE merged_into IS NULL ORDER BY id",
    );
    ids.iter()
        .map(|id| {
            let b = interop::export_patient(store, &caller(), id.parse().unwrap()).unwrap();
            (format!("{id}.json"), b.json.into_bytes())
        })
        .collect()
}

#[test]
fn import_export_import_gives_the_same_records() {
    // A subset keeps this quick in debug builds: every official example, three
    // Synthea bundles and three patients of the bulk export (with notes).
    let files: Files = folder("fhir-r4-examples", None)
        .into_iter()
        .chain(folder("synthea-r4-bundles", Some(3)))
        .chain(bulk_patients(3))
        .collect();
    let mut a = common::store();
    import(&mut a.store, &files);
    // A patient registered here (no FHIR origin) goes out and back too.
    let ada = common::register_ada(&mut a.store);
    let exported = export_all(&mut a.store);

    let mut b = common::store();
    let summary = import(&mut b.store, &exported);
    assert!(
        summary
            .problems
            .iter()
            .all(|p| p.kind != FhirProblemKind::Error),
        "{:#?}",
        summary.problems
    );
    assert_eq!(summary.patients_skipped, 0);
    let records = domain(&a.store);
    assert!(records.len() > 2000, "{}", records.len());
    assert_eq!(domain(&b.store), records);
    assert_eq!(counts(&b.store)["documents"], counts(&a.store)["documents"]);
    assert!(counts(&b.store)["documents"] > 0);

    // The export imported back where it came from changes nothing either.
    let before = snapshot(&a.store);
    let back = import(&mut a.store, &exported);
    assert_eq!(snapshot(&a.store), before);
    assert_eq!((back.patients_imported, back.patients_updated), (0, 0));

    // Every Patient carries the clinic's MRN; the export was audited.
    let bundle: serde_json::Value = serde_json::from_slice(
        &exported
            .iter()
            .find(|(n, _)| n.starts_with(&ada.to_string()))
            .unwrap()
            .1,
    )
    .unwrap();
    let mrn = registry::get_patient(a.store.conn(), ada).unwrap().mrn;
    assert!(bundle["entry"][0]["resource"]["identifier"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["value"] == mrn.as_str()));
    assert_eq!(
        count(
            &a.store,
            "SELECT count(*) FROM audit_event WHERE action = 'export' AND category = 'chart'"
        ),
        exported.len() as i64
    );
}

fn bundle(entries: &[serde_json::Value]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": entries.iter().map(|r| serde_json::json!({"resource": r})).collect::<Vec<_>>(),
    }))
    .unwrap()
}

fn patient(id: &str, given: &str, family: &str, dob: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Patient", "id": id,
        "identifier": [{"system": "urn:example:mrn", "value": id}],
        "name": [{"family": family, "given": [given]}],
        "gender": "female", "birthDate": dob,
        "telecom": [{"system": "phone", "value": "+1 555 0100"}],
    })
}

fn condition(id: &str, patient: &str, status: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Condition", "id": id,
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]},
        "code": {"text": "Essential hypertension"},
        "subject": {"reference": format!("Patient/{patient}")},
        "recordedDate": "2020-04-01",
    })
}

fn encounter(id: &str, patient: &str, reason: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Encounter", "id": id, "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "reasonCode": [{"text": reason}],
        "subject": {"reference": format!("Patient/{patient}")},
        "period": {"start": "2021-03-04T09:30:00Z"},
    })
}

#[test]
fn a_broken_patient_leaves_no_trace_and_the_others_import() {
    let mut t = common::store();
    let mut bad_observation = serde_json::json!({
        "resourceType": "Observation", "id": "bp-1", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": "Patient/broken"},
        "effectiveDateTime": "2021-03-04T09:30:00Z",
        "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
    });
    bad_observation["status"] = serde_json::json!("finished-ish");
    let file = bundle(&[
        patient("good", "Mary", "Seacole", "1985-11-23"),
        condition("c-good", "good", "active"),
        patient("broken", "Florence", "Nightingale", "1980-05-12"),
        condition("c-broken", "broken", "active"),
        encounter("e-broken", "broken", "Follow-up"),
        bad_observation,
    ]);
    let s = import(&mut t.store, &vec![("two.json".into(), file)]);
    assert_eq!((s.patients_imported, s.patients_skipped), (1, 1));
    let error = s
        .problems
        .iter()
        .find(|p| p.kind == FhirProblemKind::Error)
        .unwrap();
    assert_eq!(
        (error.resource_type.as_str(), error.id.as_deref()),
        ("Observation", Some("bp-1"))
    );
    assert_eq!(error.path, "status");
    assert!(s.problems.iter().any(|p| p.kind == FhirProblemKind::Skipped
        && p.resource_type == "Patient"
        && p.reason.contains("errors")));
    assert_eq!(of_type(&s, "Condition").imported, 1);
    assert_eq!(of_type(&s, "Condition").skipped, 1);
    // Nothing of Florence: no row, no op, no link.
    assert_eq!(
        count(
            &t.store,
            "SELECT count(*) FROM patient WHERE family_name = 'Nightingale'"
        ),
        0
    );
    assert_eq!(count(&t.store, "SELECT count(*) FROM outbox WHERE payload LIKE '%Nightingale%' OR payload LIKE '%Follow-up%'"), 0);
    assert_eq!(count(&t.store, "SELECT count(*) FROM encounter"), 0);
    assert_eq!(
        count(
            &t.store,
            "SELECT count(*) FROM fhir_link WHERE fhir LIKE '%broken%'"
        ),
        0
    );
    assert_eq!(count(&t.store, "SELECT count(*) FROM chart_entry"), 1);
}

#[test]
fn a_failure_while_writing_a_patient_rolls_the_whole_patient_back() {
    let mut t = common::store();
    // The store refuses the second patient's visit half-way through its transaction.
    t.store
        .conn()
        .execute_batch(
            "CREATE TEMP TRIGGER refuse_visit BEFORE INSERT ON encounter
             WHEN NEW.reason = 'explode' BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;",
        )
        .unwrap();
    let first = bundle(&[
        patient("one", "Mary", "Seacole", "1985-11-23"),
        encounter("e1", "one", "Check-up"),
    ]);
    let second = bundle(&[
        patient("two", "Florence", "Nightingale", "1980-05-12"),
        condition("c2", "two", "active"),
        encounter("e2", "two", "explode"),
    ]);
    let files: Files = vec![("1.json".into(), first), ("2.json".into(), second)];
    let plan = interop::plan(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    let e = interop::import(&mut t.store, &caller(), plan, 2, |_, _| {}).unwrap_err();
    assert!(matches!(e, CoreError::Store(_)), "{e:?}");
    // The first patient is whole; of the second nothing remains.
    assert_eq!(count(&t.store, "SELECT count(*) FROM patient"), 1);
    assert_eq!(count(&t.store, "SELECT count(*) FROM encounter"), 1);
    assert_eq!(count(&t.store, "SELECT count(*) FROM chart_entry"), 0);
    assert_eq!(
        count(
            &t.store,
            "SELECT count(*) FROM outbox WHERE payload LIKE '%Nightingale%'"
        ),
        0
    );
}

#[test]
fn a_patient_who_looks_like_a_registered_one_goes_to_duplicate_review() {
    let mut t = common::store();
    let ada = common::register_ada(&mut t.store);
    let file = bundle(&[patient("ext-77", "Ada", "Lovelace", "1990-12-10")]);
    let s = import(&mut t.store, &vec![("ada.json".into(), file)]);
    assert_eq!((s.patients_imported, s.possible_duplicates), (1, 1));
    let conflicts = clinic_core::sync::conflicts::list(&t.store, &caller()).unwrap();
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!(c.kind, clinic_protocol::SyncConflictKind::PossibleDuplicate);
    assert!([Some(c.patient_id), c.other_patient_id].contains(&Some(ada)));
    // Every device sends the pair to review: the registration knew no one.
    let known: String = t
        .store
        .conn()
        .query_row(
            "SELECT json_extract(payload, '$.known') FROM outbox WHERE kind = 'register_patient' ORDER BY device_counter DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(known, "[]");
}

#[test]
fn changes_at_the_source_update_the_chart_and_local_edits_stay() {
    let mut t = common::store();
    let v1 = bundle(&[
        patient("p1", "Mary", "Seacole", "1985-11-23"),
        condition("c1", "p1", "active"),
        encounter("e1", "p1", "Check-up"),
    ]);
    import(&mut t.store, &vec![("v1.json".into(), v1)]);
    let id: clinic_protocol::PatientId = sync_common::rows(&t.store, "SELECT id FROM patient")[0]
        .parse()
        .unwrap();
    // A local edit of the email, which the source does not change.
    let mut current = registry::get_patient(t.store.conn(), id).unwrap();
    current.details.email = "mary@example.org".into();
    registry::update_patient(
        &mut t.store,
        &caller(),
        clinic_protocol::UpdatePatient {
            id,
            expected_version: current.version,
            details: current.details.clone(),
        },
    )
    .unwrap();

    let mut p = patient("p1", "Mary", "Seacole", "1985-11-23");
    p["telecom"][0]["value"] = serde_json::json!("+1 555 0199");
    let mut e = encounter("e1", "p1", "Check-up");
    e["status"] = serde_json::json!("entered-in-error");
    let v2 = bundle(&[p, condition("c1", "p1", "resolved"), e]);
    let s = import(&mut t.store, &vec![("v2.json".into(), v2)]);
    assert_eq!(s.patients_updated, 1);
    assert_eq!(of_type(&s, "Condition").updated, 1);
    assert_eq!(of_type(&s, "Encounter").updated, 1);
    let now = registry::get_patient(t.store.conn(), id).unwrap();
    assert_eq!(now.details.phone, "+1 555 0199");
    assert_eq!(
        now.details.email, "mary@example.org",
        "the local edit stays"
    );
    assert_eq!(
        sync_common::rows(&t.store, "SELECT status FROM chart_entry"),
        ["resolved"]
    );
    assert_eq!(
        sync_common::rows(&t.store, "SELECT status FROM encounter"),
        ["entered_in_error"]
    );
    assert_eq!(
        count(&t.store, "SELECT count(*) FROM chart_entry_version"),
        2
    );
    // Still one of each: updated, not duplicated.
    assert_eq!(count(&t.store, "SELECT count(*) FROM patient"), 1);
}

#[test]
fn an_import_syncs_to_another_device() {
    let mut a = sync_common::device();
    let mut b = sync_common::device();
    let files: Files = folder("synthea-r4-bundles", Some(1))
        .into_iter()
        .chain(bulk_patients(1))
        .collect();
    import(&mut a.store, &files);
    let mut log = sync_common::Log::default();
    log.push(&mut a.store);
    let page = log.pull(&mut b.store);
    assert_eq!(page.held, 0, "{:?}", sync_common::held(&b.store));
    assert_eq!(domain(&b.store), domain(&a.store));
    let links = "SELECT id || resource_type || coalesce(patient_id, '') || coalesce(entity, '') || coalesce(value, '') || resource FROM fhir_link ORDER BY id";
    assert_eq!(
        sync_common::rows(&b.store, links),
        sync_common::rows(&a.store, links)
    );
    // The other device matches a re-import to the same records.
    let again = import(&mut b.store, &files);
    assert_eq!((again.patients_imported, again.patients_updated), (0, 0));
    assert_eq!(domain(&b.store), domain(&a.store));
}

#[test]
fn refusals_restricted_records_and_exports_are_audited() {
    let mut t = common::store();
    let file = bundle(&[
        patient("p1", "Mary", "Seacole", "1985-11-23"),
        condition("c1", "p1", "active"),
    ]);
    let files: Files = vec![("p.json".into(), file)];
    import(&mut t.store, &files);
    let id: clinic_protocol::PatientId = sync_common::rows(&t.store, "SELECT id FROM patient")[0]
        .parse()
        .unwrap();

    // The gate refuses and audits a role without the command.
    let (_, desk) = staff(&mut t.store, Role::FrontDesk, "desk");
    let (_, doc) = staff(&mut t.store, Role::Doctor, "doc");
    for (session, command) in [
        (&desk, Command::ImportFhir),
        (&desk, Command::ExportFhirPatient),
        (&doc, Command::ExportFhirPatients),
    ] {
        let mut gate = SessionGate::new();
        gate.login(
            &mut t.store,
            &AUDIT_KEY,
            clinic_protocol::Login {
                username: session.username.clone(),
                password: "Fjord pebble orchard".into(),
                totp_code: None,
            },
            chrono::Utc::now(),
        )
        .unwrap();
        let e = gate
            .admit(&mut t.store, &AUDIT_KEY, command, chrono::Utc::now())
            .unwrap_err();
        assert!(matches!(e, CoreError::Forbidden(_)));
        let detail: String = t
            .store
            .conn()
            .query_row("SELECT detail FROM audit_event WHERE action = 'access_denied' ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))
            .unwrap();
        assert!(detail.contains(command.as_str()), "{detail}");
    }

    // A restricted record: a doctor off the care team neither re-imports into
    // it nor exports it; both refusals are audited; the bulk export withholds it.
    restricted::set_restricted(
        &mut t.store,
        &caller(),
        id,
        true,
        Some(RestrictionCategory::PublicFigure),
    )
    .unwrap();
    let doctor = Caller::staff(&AUDIT_KEY, &doc);
    let denied = |s: &Store| {
        count(s, "SELECT count(*) FROM audit_event WHERE action = 'access_denied' AND detail LIKE '%restricted_patient%'")
    };
    let before = denied(&t.store);
    let s = import_as(&mut t.store, &doctor, &files);
    assert_eq!(s.patients_skipped, 1);
    assert!(s.problems.iter().any(|p| p.reason.contains("restricted")));
    assert!(matches!(
        interop::export_patient(&mut t.store, &doctor, id).unwrap_err(),
        CoreError::RestrictedPatient
    ));
    assert_eq!(denied(&t.store), before + 2);
    let (_, admin) = staff(&mut t.store, Role::Administrator, "second.admin");
    let all = interop::export_patients(&mut t.store, &Caller::staff(&AUDIT_KEY, &admin)).unwrap();
    assert_eq!((all.patients, all.withheld), (0, 1));
    let all = interop::export_patients(&mut t.store, &caller()).unwrap();
    assert_eq!((all.patients, all.ndjson.lines().count()), (1, 1));
    assert_eq!(count(&t.store, "SELECT count(*) FROM audit_event WHERE action = 'export' AND category = 'demographics'"), 2);
}

#[test]
fn the_import_logs_no_patient_data() {
    let file = bundle(&[
        patient("p1", "Zebulon", "Quixotefield", "1985-11-23"),
        condition("c1", "p1", "active"),
    ]);
    let ((), logs) = common::capture_trace_logs(|| {
        let mut t = common::store();
        import(&mut t.store, &vec![("zq.json".into(), file)]);
        interop::export_patients(&mut t.store, &caller()).unwrap();
    });
    assert!(logs.contains("FHIR import finished"), "{logs}");
    for secret in [
        "Zebulon",
        "Quixotefield",
        "1985-11-23",
        "hypertension",
        "555 0100",
    ] {
        assert!(!logs.contains(secret), "{secret} in the logs");
    }
}

fn heart_rate(id: &str, patient: &str, value: f64) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Observation", "id": id, "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": "2021-03-04T09:30:00Z",
        "valueQuantity": {"value": value, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
    })
}

fn note(id: &str, patient: &str, text: &str) -> serde_json::Value {
    use base64::Engine;
    serde_json::json!({
        "resourceType": "DocumentReference", "id": id, "status": "current",
        "subject": {"reference": format!("Patient/{patient}")},
        "date": "2021-03-04T09:30:00Z",
        "description": "Visit note",
        "content": [{"attachment": {"contentType": "text/plain",
            "data": base64::engine::general_purpose::STANDARD.encode(text)}}],
    })
}

#[test]
fn corrected_results_and_documents_replace_the_old_ones_which_stay_in_error() {
    let mut t = common::store();
    let v1 = bundle(&[
        patient("p1", "Mary", "Seacole", "1985-11-23"),
        heart_rate("hr", "p1", 72.0),
        note("n1", "p1", "Feels well."),
    ]);
    import(&mut t.store, &vec![("v1.json".into(), v1)]);
    let v2 = bundle(&[
        patient("p1", "Mary", "Seacole", "1985-11-23"),
        heart_rate("hr", "p1", 76.0),
        note("n1", "p1", "Feels well. Corrected: mild cough."),
    ]);
    let s = import(&mut t.store, &vec![("v2.json".into(), v2.clone())]);
    assert_eq!(of_type(&s, "Observation").updated, 1);
    assert_eq!(of_type(&s, "DocumentReference").updated, 1);
    let rows = |s: &Store, sql| sync_common::rows(s, sql);
    assert_eq!(
        rows(
            &t.store,
            "SELECT entered_value || ' ' || status FROM observation ORDER BY 1"
        ),
        ["72.0 entered_in_error", "76.0 final"]
    );
    assert_eq!(
        rows(
            &t.store,
            "SELECT status FROM document ORDER BY recorded_at, id"
        ),
        ["entered_in_error", "current"]
    );
    // The links follow the new rows: the same file again changes nothing.
    let before = snapshot(&t.store);
    let again = import(&mut t.store, &vec![("v2.json".into(), v2)]);
    assert_eq!(snapshot(&t.store), before);
    assert_eq!(of_type(&again, "Observation").unchanged, 1);
    // The export gives the current values under the source's ids.
    let id = rows(&t.store, "SELECT id FROM patient")[0].parse().unwrap();
    let b = interop::export_patient(&mut t.store, &caller(), id).unwrap();
    let bundle: serde_json::Value = serde_json::from_str(&b.json).unwrap();
    let hr = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["id"] == "hr")
        .unwrap();
    assert_eq!(hr["valueQuantity"]["value"], 76.0);
}

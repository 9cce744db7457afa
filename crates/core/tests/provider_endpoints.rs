//! Provider endpoints and patient links on the real encrypted store: saved and
//! listed without their secrets (which stay out of the outbox, the audit trail
//! and the logs), every validation error, the clinic default, the session
//! gate's refusals, linking a patient (checks, unchanged links write nothing,
//! restricted records refused).
mod common;
mod provider_common;

use clinic_core::authz::{self, Command};
use clinic_core::{provider, restricted, CoreError};
use clinic_protocol::{
    LinkPatientProvider, ProviderAuthKind, RestrictionCategory, Role, SaveProviderEndpoint,
};
use common::{caller, outbox_len};
use provider_common::{admit, as_staff, endpoint, save_request, staff, TOKEN};

const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----";

fn fields(e: CoreError) -> Vec<String> {
    match e {
        CoreError::Validation(f) => f.into_iter().map(|f| f.field).collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn endpoints_are_saved_and_listed_without_their_secrets() {
    let mut t = common::store();
    let admin = staff(&mut t.store, Role::Administrator, "ada.admin");
    let who = as_staff(&admin);
    let (saved, logs) = common::capture_trace_logs(|| {
        provider::save_endpoint(
            &mut t.store,
            &who,
            save_request(
                "Riverside Family Practice",
                ProviderAuthKind::Bearer,
                Some(TOKEN),
            ),
        )
        .unwrap()
    });
    assert_eq!(saved.base_url, "https://fhir.riverside.example.org/r4");
    assert!(saved.has_credentials);
    assert!(provider::can_run_here(&saved));
    let listed = provider::list_endpoints(&t.store, &who).unwrap();
    assert_eq!(listed, vec![saved.clone()]);
    // The token is in the local credential table only.
    let everywhere = |sql: &str| -> String {
        let mut stmt = t.store.conn().prepare(sql).unwrap();
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.join("\n")
    };
    assert!(!everywhere("SELECT payload FROM outbox").contains(TOKEN));
    assert!(!everywhere("SELECT detail FROM audit_event").contains(TOKEN));
    assert!(!logs.contains(TOKEN), "{logs}");
    assert!(!format!(
        "{:?}",
        save_request("x", ProviderAuthKind::Bearer, Some(TOKEN))
    )
    .contains(TOKEN));
    assert_eq!(provider_common::count(&t.store, "provider_credential"), 1);
    let op: String = t
        .store
        .conn()
        .query_row(
            "SELECT kind FROM outbox ORDER BY device_counter DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(op, "save_provider_endpoint");
    let detail: String = t
        .store
        .conn()
        .query_row(
            "SELECT detail FROM audit_event WHERE action = 'settings_change' ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(detail.contains("\"credentials\":\"set\""), "{detail}");

    // Saving again with `None` keeps the token; an empty secret forgets it.
    let mut again = save_request("Riverside Family Practice", ProviderAuthKind::Bearer, None);
    again.id = Some(saved.id);
    let ops = outbox_len(&t.store);
    let kept = provider::save_endpoint(&mut t.store, &who, again.clone()).unwrap();
    assert!(kept.has_credentials);
    assert_eq!(
        outbox_len(&t.store),
        ops,
        "an unchanged endpoint writes no op"
    );
    again.secret = Some(String::new());
    let forgotten = provider::save_endpoint(&mut t.store, &who, again.clone()).unwrap();
    assert!(!forgotten.has_credentials && !provider::can_run_here(&forgotten));
    assert_eq!(provider_common::count(&t.store, "provider_credential"), 0);

    // Switching to SMART drops a token of the old kind; the key is kept.
    again.secret = Some(TOKEN.into());
    provider::save_endpoint(&mut t.store, &who, again.clone()).unwrap();
    again.auth = ProviderAuthKind::SmartBackend;
    again.secret = None;
    again.client_id = Some("clinic-desktop".into());
    again.token_url = Some("https://auth.riverside.example.org/token".into());
    again.scope = Some("system/*.read system/Patient.write".into());
    let smart = provider::save_endpoint(&mut t.store, &who, again.clone()).unwrap();
    assert!(!smart.has_credentials);
    assert_eq!(smart.client_id.as_deref(), Some("clinic-desktop"));
    again.secret = Some(PEM.into());
    assert!(
        provider::save_endpoint(&mut t.store, &who, again)
            .unwrap()
            .has_credentials
    );
}

#[test]
fn invalid_endpoints_are_refused_with_every_field_named() {
    let mut t = common::store();
    let mut bad = SaveProviderEndpoint {
        name: "  ".into(),
        base_url: "ftp://files.example.org".into(),
        client_id: None,
        token_url: Some("http://auth.example.org/token".into()),
        refresh_minutes: 2,
        ..save_request("x", ProviderAuthKind::SmartBackend, Some("not a key"))
    };
    let e = provider::save_endpoint(&mut t.store, &caller(), bad.clone()).unwrap_err();
    let mut f = fields(e);
    f.sort();
    assert_eq!(
        f,
        [
            "base_url",
            "client_id",
            "name",
            "refresh_minutes",
            "secret",
            "token_url"
        ]
    );

    for (url, ok) in [
        ("https://fhir.example.org", true),
        ("https://fhir.example.org:8443/r4/", true),
        ("http://localhost:8080/fhir", true),
        ("http://127.0.0.1:9/fhir", true),
        ("http://[::1]:8080/fhir", true),
        ("http://fhir.example.org/r4", false),
        ("https://user:pw@fhir.example.org", false),
        ("https:///r4", false),
        ("https://fhir.example.org/r4?x=1", false),
        ("https://fhir.example.org:port/r4", false),
        ("fhir.example.org", false),
    ] {
        bad = save_request("Riverside", ProviderAuthKind::Open, None);
        bad.base_url = url.into();
        let r = provider::save_endpoint(&mut t.store, &caller(), bad);
        assert_eq!(r.is_ok(), ok, "{url}: {r:?}");
        if let Err(e) = r {
            assert_eq!(fields(e), ["base_url"], "{url}");
        }
    }
    let mut token = save_request("Riverside", ProviderAuthKind::Bearer, Some("two words"));
    assert_eq!(
        fields(provider::save_endpoint(&mut t.store, &caller(), token.clone()).unwrap_err()),
        ["secret"]
    );
    token.auth = ProviderAuthKind::Open;
    token.secret = Some(TOKEN.into());
    assert_eq!(
        fields(provider::save_endpoint(&mut t.store, &caller(), token).unwrap_err()),
        ["secret"]
    );
    let mut unknown = save_request("Riverside", ProviderAuthKind::Open, None);
    unknown.id = Some(uuid::Uuid::now_v7());
    assert!(matches!(
        provider::save_endpoint(&mut t.store, &caller(), unknown).unwrap_err(),
        CoreError::NotFound(_)
    ));
}

#[test]
fn one_endpoint_is_the_clinic_default_and_links_without_a_provider_use_it() {
    let mut t = common::store();
    let patient = common::register_ada(&mut t.store);
    let link = |store: &mut clinic_store::Store| {
        provider::link_patient(
            store,
            &caller(),
            LinkPatientProvider {
                patient_id: patient,
                provider_id: None,
                remote_patient_id: None,
                identifier: Some("http://riverside.example.org/mrn|R-1042".into()),
            },
        )
    };
    assert_eq!(fields(link(&mut t.store).unwrap_err()), ["provider_id"]);
    let mut first = save_request("Riverside", ProviderAuthKind::Open, None);
    first.clinic_default = true;
    let first = provider::save_endpoint(&mut t.store, &caller(), first).unwrap();
    let mut second = save_request("Lakeside", ProviderAuthKind::Open, None);
    second.clinic_default = true;
    let second = provider::save_endpoint(&mut t.store, &caller(), second).unwrap();
    let all = provider::list_endpoints(&t.store, &caller()).unwrap();
    let defaults: Vec<_> = all
        .iter()
        .filter(|e| e.clinic_default)
        .map(|e| e.id)
        .collect();
    assert_eq!(defaults, vec![second.id]);
    assert!(all.iter().any(|e| e.id == first.id && !e.clinic_default));
    let linked = link(&mut t.store).unwrap();
    assert_eq!(
        (linked.provider_id, linked.provider_name.as_str()),
        (second.id, "Lakeside")
    );
    assert_eq!(
        linked.identifier.as_deref(),
        Some("http://riverside.example.org/mrn|R-1042")
    );
}

#[test]
fn linking_checks_the_ids_writes_once_and_follows_restrictions() {
    let mut t = common::store();
    let ep = endpoint(&mut t.store);
    let patient = common::register_ada(&mut t.store);
    let request = |remote: Option<&str>, identifier: Option<&str>| LinkPatientProvider {
        patient_id: patient,
        provider_id: Some(ep.id),
        remote_patient_id: remote.map(str::to_string),
        identifier: identifier.map(str::to_string),
    };
    for (remote, identifier, field) in [
        (None, None, "remote_patient_id"),
        (Some("has space"), None, "remote_patient_id"),
        (Some(&"x".repeat(65)[..]), None, "remote_patient_id"),
        (None, Some("no-bar"), "identifier"),
        (None, Some("|value"), "identifier"),
        (None, Some("system|"), "identifier"),
    ] {
        let e = provider::link_patient(&mut t.store, &caller(), request(remote, identifier))
            .unwrap_err();
        assert_eq!(fields(e), [field], "{remote:?} {identifier:?}");
    }
    let ops = outbox_len(&t.store);
    let link = provider::link_patient(
        &mut t.store,
        &caller(),
        request(Some("Patient/rv-77"), None),
    )
    .unwrap();
    assert_eq!(link.remote_patient_id.as_deref(), Some("rv-77"));
    assert_eq!(link.last_synced_at, None);
    assert_eq!(outbox_len(&t.store), ops + 1);
    provider::link_patient(&mut t.store, &caller(), request(Some("rv-77"), None)).unwrap();
    assert_eq!(
        outbox_len(&t.store),
        ops + 1,
        "the same link again writes nothing"
    );
    let audited: i64 = t
        .store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_event WHERE detail LIKE '%provider_link%' AND patient_id = ?1",
            [patient.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1);

    // A restricted record: a doctor off the care team may not link it (audited).
    let doc = staff(&mut t.store, Role::Doctor, "dr.who");
    restricted::set_restricted(
        &mut t.store,
        &caller(),
        patient,
        true,
        Some(RestrictionCategory::PublicFigure),
    )
    .unwrap();
    let e = provider::link_patient(&mut t.store, &as_staff(&doc), request(Some("rv-78"), None))
        .unwrap_err();
    assert!(matches!(e, CoreError::RestrictedPatient));
    let e = provider::sync_patient_now(&mut t.store, &as_staff(&doc), patient).unwrap_err();
    assert!(matches!(e, CoreError::RestrictedPatient));
}

#[test]
fn the_gate_refuses_roles_without_the_provider_commands() {
    let mut t = common::store();
    let billing = staff(&mut t.store, Role::Billing, "bill");
    let desk = staff(&mut t.store, Role::FrontDesk, "desk");
    let nurse = staff(&mut t.store, Role::Nurse, "nurse");
    let doctor = staff(&mut t.store, Role::Doctor, "doctor");
    for (session, command) in [
        (&desk, Command::SaveProviderEndpoint),
        (&nurse, Command::SaveProviderEndpoint),
        (&billing, Command::ListProviderEndpoints),
        (&billing, Command::SyncPatientProvider),
        (&desk, Command::GetPatientProviderRecords),
        (&desk, Command::RequestProviderDocuments),
        (&billing, Command::ListProviderJobs),
        (&billing, Command::RetryProviderJob),
    ] {
        let e = admit(&mut t.store, session, command).unwrap_err();
        assert!(matches!(e, CoreError::Forbidden(_)), "{command}");
        let detail: String = t
            .store
            .conn()
            .query_row(
                "SELECT detail FROM audit_event WHERE action = 'access_denied' ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(detail.contains(command.as_str()), "{detail}");
    }
    for (session, command) in [
        (&desk, Command::SyncPatientProvider),
        (&desk, Command::LinkPatientProvider),
        (&desk, Command::ListProviderEndpoints),
        (&nurse, Command::GetPatientProviderRecords),
        (&nurse, Command::RequestProviderDocuments),
        (&doctor, Command::RetryProviderJob),
    ] {
        admit(&mut t.store, session, command).unwrap();
    }
    // Administrators (who must enrol a second factor first) save endpoints but
    // do not read the records pulled.
    assert!(authz::permits(
        Role::Administrator,
        Command::SaveProviderEndpoint
    ));
    assert!(!authz::permits(
        Role::Administrator,
        Command::GetPatientProviderRecords
    ));
}

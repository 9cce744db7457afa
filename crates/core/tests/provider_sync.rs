//! The primary provider's ops between devices (real encrypted stores and an
//! in-process log standing in for the server): a pull, a link, a request and
//! an endpoint made on one device arrive whole on another — without the
//! credentials, so jobs there fail `not_configured` — and concurrent changes
//! of an endpoint, a link or a request converge in either delivery order.
mod common;
mod provider_common;
mod sync_common;

use chrono::Utc;
use clinic_core::provider;
use clinic_protocol::{
    DocumentRequestStatus, LinkPatientProvider, ProviderAuthKind, ProviderErrorKind,
    RequestProviderDocuments,
};
use clinic_store::Store;
use common::{caller, AUDIT_KEY};
use provider_common::{endpoint, linked_patient, save_request, synthea_answer, TOKEN};
use std::collections::BTreeMap;

const ENDPOINTS: &str = "SELECT id || '|' || name || '|' || base_url || '|' || auth || '|' || coalesce(client_id, '')
    || '|' || refresh_minutes || '|' || send_demographics || '|' || clinic_default FROM provider_endpoint ORDER BY id";
const LINKS: &str =
    "SELECT patient_id || '|' || provider_id || '|' || coalesce(remote_patient_id, '') || '|'
    || coalesce(identifier, '') FROM patient_provider_link ORDER BY patient_id";
const REQUESTS: &str =
    "SELECT id || '|' || patient_id || '|' || status || '|' || coalesce(remote_task_id, '')
    || '|' || description || '|' || requested_by_name FROM document_request ORDER BY id";
const PULLED: &str =
    "SELECT document_id || '|' || patient_id || '|' || provider_id || '|' || pulled_at
    FROM provider_document ORDER BY document_id";
const DOCUMENTS: &str =
    "SELECT id || '|' || patient_id || '|' || sha256 || '|' || status FROM document ORDER BY id";
const LINKED: &str = "SELECT id || resource_type || coalesce(patient_id, '') || coalesce(entity, '') FROM fhir_link ORDER BY id";

fn same(a: &Store, b: &Store, sql: &str) {
    let (x, y) = (sync_common::rows(a, sql), sync_common::rows(b, sql));
    assert!(!x.is_empty(), "{sql}");
    assert_eq!(x, y, "{sql}");
}

#[test]
fn a_pull_and_the_configuration_arrive_on_another_device_without_the_credentials() {
    let mut a = sync_common::device();
    let mut b = sync_common::device();
    let ep = endpoint(&mut a.store);
    let patient = linked_patient(&mut a.store, &ep, "rv-8");
    provider::sync_patient_now(&mut a.store, &caller(), patient).unwrap();
    let claimed = provider::next_job(&mut a.store, Utc::now())
        .unwrap()
        .unwrap();
    let job = provider::apply_pull(
        &mut a.store,
        &AUDIT_KEY,
        claimed.job.id,
        synthea_answer("rv-8", 2),
        &BTreeMap::new(),
    )
    .unwrap();
    assert_eq!(job.error, None, "{}", job.details);
    provider::request_documents(
        &mut a.store,
        &caller(),
        RequestProviderDocuments {
            patient_id: patient,
            description: "Imaging reports".into(),
            document_type: None,
        },
    )
    .unwrap();

    let mut log = sync_common::Log::default();
    log.push(&mut a.store);
    let page = log.pull(&mut b.store);
    assert_eq!(page.held, 0, "{:?}", sync_common::held(&b.store));
    for sql in [ENDPOINTS, LINKS, REQUESTS, PULLED, DOCUMENTS, LINKED] {
        same(&a.store, &b.store, sql);
    }
    let there = provider::list_endpoints(&b.store, &caller()).unwrap();
    assert!(!there[0].has_credentials && !provider::can_run_here(&there[0]));
    assert_eq!(provider_common::count(&b.store, "provider_credential"), 0);
    assert_eq!(
        provider_common::count(&b.store, "provider_job"),
        0,
        "jobs are this device's own"
    );
    let everything = sync_common::rows(&b.store, "SELECT payload FROM applied_op").join("\n");
    assert!(!everything.contains(TOKEN));

    // The other device's panel shows the pulled documents; its own pull fails
    // for want of credentials.
    let records = provider::patient_records(&mut b.store, &caller(), patient).unwrap();
    assert_eq!(records.documents.len(), 2);
    assert!(!records.can_sync_here);
    let job = provider::sync_patient_now(&mut b.store, &caller(), patient).unwrap();
    assert!(provider::next_job(&mut b.store, Utc::now())
        .unwrap()
        .is_none());
    assert_eq!(
        provider::get_job(b.store.conn(), job.id).unwrap().error,
        Some(ProviderErrorKind::NotConfigured)
    );
}

#[test]
fn concurrent_changes_converge_in_either_order() {
    for a_first in [true, false] {
        let mut a = sync_common::device();
        let mut b = sync_common::device();
        let ep = endpoint(&mut a.store);
        let patient = linked_patient(&mut a.store, &ep, "rv-9");
        let request = provider::request_documents(
            &mut a.store,
            &caller(),
            RequestProviderDocuments {
                patient_id: patient,
                description: "Letters".into(),
                document_type: None,
            },
        )
        .unwrap();
        let mut log = sync_common::Log::default();
        log.push(&mut a.store);
        log.pull(&mut b.store);

        // Both devices change the endpoint and the link while apart; A sends
        // the request and hears back.
        let mut on_a = save_request("Riverside (north)", ProviderAuthKind::Bearer, None);
        on_a.id = Some(ep.id);
        on_a.refresh_minutes = 30;
        provider::save_endpoint(&mut a.store, &caller(), on_a).unwrap();
        let mut on_b = save_request("Riverside (south)", ProviderAuthKind::Bearer, None);
        on_b.id = Some(ep.id);
        on_b.send_demographics = false;
        provider::save_endpoint(&mut b.store, &caller(), on_b).unwrap();
        let link = |remote: Option<&str>, identifier: Option<&str>| LinkPatientProvider {
            patient_id: patient,
            provider_id: Some(ep.id),
            remote_patient_id: remote.map(str::to_string),
            identifier: identifier.map(str::to_string),
        };
        provider::link_patient(&mut a.store, &caller(), link(Some("rv-10"), None)).unwrap();
        provider::link_patient(
            &mut b.store,
            &caller(),
            link(None, Some("urn:oid:1.2.3|77")),
        )
        .unwrap();
        let claimed = provider::next_job(&mut a.store, Utc::now())
            .unwrap()
            .unwrap();
        assert_eq!(claimed.request.as_ref().map(|r| r.id), Some(request.id));
        provider::request_sent(&mut a.store, claimed.job.id, "task-1").unwrap();

        if a_first {
            log.push(&mut a.store);
            log.push(&mut b.store);
        } else {
            log.push(&mut b.store);
            log.push(&mut a.store);
        }
        for device in [&mut a.store, &mut b.store] {
            let page = log.pull(device);
            assert_eq!(page.held, 0);
        }
        for sql in [ENDPOINTS, LINKS, REQUESTS] {
            same(&a.store, &b.store, sql);
        }
        let r = provider::get_request(b.store.conn(), request.id).unwrap();
        assert_eq!(
            (r.status, r.remote_task_id.as_deref()),
            (DocumentRequestStatus::Requested, Some("task-1"))
        );
        // A's credentials stayed with A through B's save of the endpoint.
        assert!(
            provider::get_endpoint(a.store.conn(), ep.id)
                .unwrap()
                .has_credentials
        );
    }
}

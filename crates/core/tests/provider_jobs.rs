//! Provider jobs on the real encrypted store: claimed oldest first; temporary
//! failures come back after a growing pause, others wait for a staff retry
//! (audited); a device without the credentials fails its jobs
//! `not_configured`; jobs left running by a crash are queued again when the
//! store is opened anew; the history is filtered and searched.
mod common;
mod provider_common;

use chrono::{DateTime, Duration, Utc};
use clinic_core::provider;
use clinic_protocol::{
    ProviderAuthKind, ProviderErrorKind, ProviderJob, ProviderJobKind, ProviderJobQuery,
    ProviderJobStatus, Role,
};
use common::caller;
use provider_common::{as_staff, endpoint, linked_patient, save_request, staff};

fn at(s: &Option<String>) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s.as_deref().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// The pause a failed job waits before its automatic retry.
fn pause(job: &ProviderJob) -> Duration {
    at(&job.next_attempt_at) - at(&job.finished_at)
}

#[test]
fn temporary_failures_back_off_and_others_wait_for_a_retry() {
    let mut t = common::store();
    let desk = staff(&mut t.store, Role::FrontDesk, "desk");
    let ep = endpoint(&mut t.store);
    let patient = linked_patient(&mut t.store, &ep, "rv-1");
    let queued = provider::sync_patient_now(&mut t.store, &as_staff(&desk), patient).unwrap();
    let now = Utc::now();
    let mut expected = Vec::new();
    for (attempt, (kind, status)) in [
        (ProviderErrorKind::Unreachable, None),
        (ProviderErrorKind::ServerError, Some(503)),
        (ProviderErrorKind::Timeout, None),
    ]
    .into_iter()
    .enumerate()
    {
        let claimed = provider::next_job(&mut t.store, now + Duration::hours(attempt as i64))
            .unwrap()
            .expect("due");
        assert_eq!(claimed.job.id, queued.id);
        assert_eq!(claimed.job.attempts, attempt as u32 + 1);
        let job = provider::finish_job_failed(
            &mut t.store,
            queued.id,
            kind,
            status,
            "Observation search",
        )
        .unwrap();
        assert_eq!(
            (job.status, job.error),
            (ProviderJobStatus::Failed, Some(kind))
        );
        assert!(provider::is_temporary(kind));
        expected.push(Duration::seconds(provider::BACKOFF_SECS[attempt]));
        assert_eq!(pause(&job), *expected.last().unwrap());
        assert!(
            job.details.contains(&format!("attempt {}", attempt + 1)),
            "{}",
            job.details
        );
        if let Some(s) = status {
            assert!(
                job.details.contains(&format!("HTTP {s}")),
                "{}",
                job.details
            );
        }
        // Not due before its time.
        assert!(provider::next_job(&mut t.store, at(&job.finished_at))
            .unwrap()
            .is_none());
    }
    assert_eq!(
        expected,
        [
            Duration::seconds(30),
            Duration::seconds(60),
            Duration::seconds(120)
        ]
    );
    assert_eq!(provider::backoff(40), Duration::minutes(30), "capped");

    // A refusal is not retried by itself.
    let later = now + Duration::days(1);
    provider::next_job(&mut t.store, later)
        .unwrap()
        .expect("due again");
    let job = provider::finish_job_failed(
        &mut t.store,
        queued.id,
        ProviderErrorKind::Unauthorized,
        Some(401),
        "token refused",
    )
    .unwrap();
    assert_eq!(job.next_attempt_at, None);
    assert!(provider::next_job(&mut t.store, later + Duration::days(30))
        .unwrap()
        .is_none());

    // A staff member retries it (audited); it runs again.
    let audited = |s: &clinic_store::Store| -> i64 {
        s.conn()
            .query_row(
                "SELECT count(*) FROM audit_event WHERE detail LIKE '%\"retry\":true%'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(audited(&t.store), 0);
    let retried = provider::retry_job(&mut t.store, &as_staff(&desk), queued.id).unwrap();
    assert_eq!(
        (retried.status, retried.error),
        (ProviderJobStatus::Queued, None)
    );
    assert_eq!(audited(&t.store), 1);
    assert!(
        provider::retry_job(&mut t.store, &as_staff(&desk), queued.id).is_err(),
        "only failed jobs"
    );
    let claimed = provider::next_job(&mut t.store, later).unwrap().unwrap();
    assert_eq!((claimed.job.id, claimed.job.attempts), (queued.id, 5));

    // A new pull replaces a failed one that was waiting for its retry.
    provider::finish_job_failed(
        &mut t.store,
        queued.id,
        ProviderErrorKind::Unreachable,
        None,
        "",
    )
    .unwrap();
    let fresh = provider::sync_patient_now(&mut t.store, &as_staff(&desk), patient).unwrap();
    assert_ne!(fresh.id, queued.id);
    assert_eq!(
        provider::get_job(t.store.conn(), queued.id)
            .unwrap()
            .next_attempt_at,
        None
    );
}

#[test]
fn a_device_without_the_credentials_fails_its_jobs_not_configured() {
    let mut t = common::store();
    let ep = provider::save_endpoint(
        &mut t.store,
        &caller(),
        save_request("Riverside", ProviderAuthKind::Bearer, None),
    )
    .unwrap();
    assert!(!ep.has_credentials);
    let patient = linked_patient(&mut t.store, &ep, "rv-2");
    // Scheduled pulls are only queued where they can run.
    assert_eq!(
        provider::queue_due_pulls(&mut t.store, Utc::now()).unwrap(),
        0
    );
    let job = provider::sync_patient_now(&mut t.store, &caller(), patient).unwrap();
    assert!(provider::next_job(&mut t.store, Utc::now())
        .unwrap()
        .is_none());
    let job = provider::get_job(t.store.conn(), job.id).unwrap();
    assert_eq!(job.error, Some(ProviderErrorKind::NotConfigured));
    assert_eq!(job.next_attempt_at, None);
    assert!(job.details.contains("credentials"), "{}", job.details);

    // An open endpoint needs none.
    let mut open = save_request("Riverside", ProviderAuthKind::Open, None);
    open.id = Some(ep.id);
    provider::save_endpoint(&mut t.store, &caller(), open).unwrap();
    provider::retry_job(&mut t.store, &caller(), job.id).unwrap();
    let claimed = provider::next_job(&mut t.store, Utc::now())
        .unwrap()
        .unwrap();
    assert!(claimed.secret.is_none());
    assert_eq!(claimed.job.id, job.id);
}

#[test]
fn jobs_left_running_by_a_crash_are_queued_again() {
    let mut t = common::store();
    let ep = endpoint(&mut t.store);
    let patient = linked_patient(&mut t.store, &ep, "rv-3");
    let job = provider::sync_patient_now(&mut t.store, &caller(), patient).unwrap();
    provider::next_job(&mut t.store, Utc::now())
        .unwrap()
        .unwrap();
    assert!(
        provider::next_job(&mut t.store, Utc::now())
            .unwrap()
            .is_none(),
        "running: not claimed twice"
    );
    let path = t.dir.path().join("clinic.db");
    drop(t.store);
    let mut store = clinic_store::open(&path, &common::key()).unwrap();
    let running = provider::get_job(store.conn(), job.id).unwrap();
    assert_eq!(running.status, ProviderJobStatus::Running);
    assert_eq!(provider::recover_jobs(&mut store).unwrap(), 1);
    assert_eq!(provider::recover_jobs(&mut store).unwrap(), 0);
    let claimed = provider::next_job(&mut store, Utc::now()).unwrap().unwrap();
    assert_eq!((claimed.job.id, claimed.job.attempts), (job.id, 2));
}

#[test]
fn the_history_is_filtered_and_searched() {
    let mut t = common::store();
    let ep = endpoint(&mut t.store);
    let ada = linked_patient(&mut t.store, &ep, "rv-4");
    let mut other = common::ada();
    other.given_name = "Grace".into();
    other.email = "grace@example.org".into();
    other.phone = "+44 20 7946 0777".into();
    let grace = match clinic_core::registry::register_patient(
        &mut t.store,
        &caller(),
        clinic_protocol::RegisterPatient {
            details: other,
            confirm_not_duplicate: true,
        },
    )
    .unwrap()
    {
        clinic_protocol::RegisterOutcome::Registered { patient } => patient,
        o => panic!("{o:?}"),
    };
    provider::link_patient(
        &mut t.store,
        &caller(),
        clinic_protocol::LinkPatientProvider {
            patient_id: grace.id,
            provider_id: Some(ep.id),
            remote_patient_id: None,
            identifier: Some("http://riverside.example.org/mrn|R-9".into()),
        },
    )
    .unwrap();
    let a = provider::sync_patient_now(&mut t.store, &caller(), ada).unwrap();
    provider::next_job(&mut t.store, Utc::now())
        .unwrap()
        .unwrap();
    provider::finish_job_failed(
        &mut t.store,
        a.id,
        ProviderErrorKind::ServerError,
        Some(502),
        "Observation search",
    )
    .unwrap();
    let g = provider::sync_patient_now(&mut t.store, &caller(), grace.id).unwrap();
    let list = |q: ProviderJobQuery| -> Vec<uuid::Uuid> {
        provider::list_jobs(&t.store, &caller(), &q)
            .unwrap()
            .into_iter()
            .map(|j| j.id)
            .collect()
    };
    assert_eq!(
        list(ProviderJobQuery::default()),
        [g.id, a.id],
        "newest first"
    );
    assert_eq!(
        list(ProviderJobQuery {
            patient_id: Some(ada),
            ..Default::default()
        }),
        [a.id]
    );
    assert_eq!(
        list(ProviderJobQuery {
            status: Some(ProviderJobStatus::Failed),
            ..Default::default()
        }),
        [a.id]
    );
    assert_eq!(
        list(ProviderJobQuery {
            kind: Some(ProviderJobKind::SendDemographics),
            ..Default::default()
        }),
        Vec::<uuid::Uuid>::new()
    );
    assert_eq!(
        list(ProviderJobQuery {
            text: Some(grace.mrn.clone()),
            ..Default::default()
        }),
        [g.id]
    );
    assert_eq!(
        list(ProviderJobQuery {
            text: Some("HTTP 502".into()),
            ..Default::default()
        }),
        [a.id]
    );
    assert_eq!(
        list(ProviderJobQuery {
            text: Some("riverside".into()),
            ..Default::default()
        })
        .len(),
        2
    );
    assert_eq!(
        list(ProviderJobQuery {
            text: Some("100%_".into()),
            ..Default::default()
        }),
        Vec::<uuid::Uuid>::new()
    );
    assert_eq!(
        list(ProviderJobQuery {
            limit: Some(1),
            ..Default::default()
        }),
        [g.id]
    );
    let claimed = provider::next_job(&mut t.store, Utc::now())
        .unwrap()
        .unwrap();
    assert_eq!(
        claimed.identifier.as_deref(),
        Some("http://riverside.example.org/mrn|R-9")
    );
    assert_eq!(claimed.remote_patient_id, None);
}

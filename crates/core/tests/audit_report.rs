//! The audit report on the real store: date-range, staff, patient, action and
//! category filters; every sortable column both ways; paging; the CSV export
//! (RFC 4180 quoting, formula-injection defusing) and its own audit entry.
mod common;

use chrono::{TimeZone, Utc};
use clinic_core::audit::{
    append_at, export_csv_audited, export_csv_in_zone, query_in_zone, verify, AuditActor,
    NewAuditEvent,
};
use clinic_core::CoreError;
use clinic_protocol::{
    AuditAction, AuditCategory, AuditEvent, AuditQuery, AuditSort, AuditSortColumn,
    AuditSortDirection, PatientId,
};
use clinic_store::Store;
use common::store;

const KEY: [u8; 32] = [5; 32];

struct Fixture {
    s: common::TestStore,
    patients: Vec<PatientId>,
}

fn staff(i: usize) -> AuditActor {
    let names = [
        "alice Adams",
        "Bob Brown",
        "=cmd|' /C calc'!A0",
        "Dee, \"D\" Day",
    ];
    AuditActor {
        id: format!("staff-{i}"),
        name: names[i].into(),
        role: if i == 0 { "administrator" } else { "doctor" }.into(),
    }
}

/// 120 entries over 10 days (2026-03-01 .. 03-10, 12 a day, UTC), 4 staff members
/// in turn, 3 patients, actions view/update/search/login in turn. Seq order is
/// time order except that each day's entries are written latest first.
fn fixture() -> Fixture {
    let mut s = store();
    let patients: Vec<PatientId> = (0..3).map(|_| PatientId::new()).collect();
    let device = s.store.device_id();
    s.store
        .write(|tx| {
            for i in 0..120usize {
                let day = (i / 12) as u32 + 1;
                let hour = 23 - (i % 12) as u32;
                let at = Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap();
                let actor = Some(staff(i % 4));
                let patient = patients[i % 3];
                let event = match i % 4 {
                    0 => NewAuditEvent::patient_viewed(actor, patient),
                    1 => NewAuditEvent::patient_updated(actor, patient, &["email"], 3),
                    2 => NewAuditEvent::patient_search(actor, 2, 0, &[patient]),
                    _ => NewAuditEvent::new(AuditAction::Login, AuditCategory::Security).by(actor),
                };
                append_at(tx.conn(), &KEY, device, at, &event)?;
            }
            Ok::<_, CoreError>(())
        })
        .unwrap();
    Fixture { s, patients }
}

fn q(page_size: u32) -> AuditQuery {
    AuditQuery {
        page_size,
        ..Default::default()
    }
}

fn run(store: &Store, query: &AuditQuery) -> clinic_protocol::AuditPage {
    query_in_zone(store.conn(), query, &Utc).unwrap()
}

fn all(store: &Store, mut query: AuditQuery) -> Vec<AuditEvent> {
    query.page_size = 500;
    query.page = 0;
    run(store, &query).items
}

#[test]
fn filters_match_and_combine() {
    let f = fixture();
    let st = &f.s.store;
    assert_eq!(run(st, &q(10)).total, 120);
    // Inclusive calendar days.
    let days = AuditQuery {
        from: Some("2026-03-02".into()),
        to: Some("2026-03-03".into()),
        ..q(500)
    };
    let page = run(st, &days);
    assert_eq!(page.total, 24);
    assert!(page.items.iter().all(
        |e| e.device_time.starts_with("2026-03-02") || e.device_time.starts_with("2026-03-03")
    ));
    let one_day = AuditQuery {
        from: Some("2026-03-10".into()),
        to: Some("2026-03-10".into()),
        ..q(500)
    };
    assert_eq!(run(st, &one_day).total, 12);
    let open_ended = AuditQuery {
        from: Some("2026-03-09".into()),
        ..q(500)
    };
    assert_eq!(run(st, &open_ended).total, 24);
    // The same days in a zone three hours east start and end three hours earlier.
    let east = chrono::FixedOffset::east_opt(3 * 3600).unwrap();
    let shifted = query_in_zone(st.conn(), &one_day, &east).unwrap();
    assert_eq!(shifted.total, 12);
    assert!(shifted
        .items
        .iter()
        .any(|e| e.device_time.starts_with("2026-03-09T21")));

    let by_actor = AuditQuery {
        actor_id: Some("staff-1".into()),
        ..q(500)
    };
    let items = all(st, by_actor);
    assert_eq!(items.len(), 30);
    assert!(items
        .iter()
        .all(|e| e.actor_id.as_deref() == Some("staff-1")));

    let patient = f.patients[0].to_string();
    let by_patient = AuditQuery {
        patient_id: Some(patient.clone()),
        ..q(500)
    };
    // Views and updates name the patient; searches list it in the detail only.
    let items = all(st, by_patient);
    assert_eq!(items.len(), 20);
    assert!(items
        .iter()
        .all(|e| e.patient_id.as_deref() == Some(&*patient)));

    let by_action = AuditQuery {
        action: Some(AuditAction::Search),
        ..q(500)
    };
    assert!(all(st, by_action.clone())
        .iter()
        .all(|e| e.action == "search"));
    assert_eq!(run(st, &by_action).total, 30);
    let by_category = AuditQuery {
        category: Some(AuditCategory::Security),
        ..q(500)
    };
    assert_eq!(run(st, &by_category).total, 30);

    let combined = AuditQuery {
        from: Some("2026-03-01".into()),
        to: Some("2026-03-05".into()),
        actor_id: Some("staff-0".into()),
        patient_id: Some(patient.clone()),
        action: Some(AuditAction::View),
        ..q(500)
    };
    let items = all(st, combined);
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|e| e.actor_id.as_deref() == Some("staff-0")
            && e.patient_id.as_deref() == Some(&*patient)
            && e.action == "view"
            && e.device_time.as_str() < "2026-03-06"));
    // Nothing matches an unknown id, including one that looks like SQL.
    let nothing = AuditQuery {
        actor_id: Some("x' OR '1'='1".into()),
        ..q(10)
    };
    assert_eq!(run(st, &nothing).total, 0);
}

#[test]
fn bad_queries_are_refused_with_the_field_named() {
    let f = fixture();
    let st = f.s.store.conn();
    let field_of = |query: &AuditQuery| match query_in_zone(st, query, &Utc) {
        Err(CoreError::Validation(fields)) => fields[0].field.clone(),
        other => panic!("expected a validation error, got {other:?}"),
    };
    assert_eq!(field_of(&q(0)), "page_size");
    assert_eq!(field_of(&q(501)), "page_size");
    let bad_date = AuditQuery {
        from: Some("03/01/2026".into()),
        ..q(10)
    };
    assert_eq!(field_of(&bad_date), "from");
    let reversed = AuditQuery {
        from: Some("2026-03-05".into()),
        to: Some("2026-03-01".into()),
        ..q(10)
    };
    assert_eq!(field_of(&reversed), "to");
    assert_eq!(run(&f.s.store, &q(500)).items.len(), 120);
}

#[test]
fn every_column_sorts_both_ways_with_ties_in_sequence_order() {
    let f = fixture();
    let st = &f.s.store;
    for column in [
        AuditSortColumn::Time,
        AuditSortColumn::Seq,
        AuditSortColumn::Actor,
        AuditSortColumn::Patient,
        AuditSortColumn::Action,
        AuditSortColumn::Category,
    ] {
        for direction in [AuditSortDirection::Asc, AuditSortDirection::Desc] {
            let items = all(
                st,
                AuditQuery {
                    sort: AuditSort { column, direction },
                    ..q(500)
                },
            );
            let key = |e: &AuditEvent| -> (String, u64) {
                let k = match column {
                    AuditSortColumn::Time => e.device_time.clone(),
                    AuditSortColumn::Seq => String::new(),
                    AuditSortColumn::Actor => {
                        e.actor_name.clone().unwrap_or_default().to_lowercase()
                    }
                    AuditSortColumn::Patient => e.patient_id.clone().unwrap_or_default(),
                    AuditSortColumn::Action => e.action.clone(),
                    AuditSortColumn::Category => e.category.clone(),
                };
                (k, e.seq)
            };
            let mut expected = items.clone();
            expected.sort_by_key(key);
            if direction == AuditSortDirection::Desc {
                expected.reverse();
            }
            let got: Vec<u64> = items.iter().map(|e| e.seq).collect();
            let want: Vec<u64> = expected.iter().map(|e| e.seq).collect();
            assert_eq!(got, want, "{column:?} {direction:?}");
        }
    }
    // Time order differs from sequence order in this fixture.
    let by_time = all(
        st,
        AuditQuery {
            sort: AuditSort {
                column: AuditSortColumn::Time,
                direction: AuditSortDirection::Asc,
            },
            ..q(500)
        },
    );
    assert_eq!(by_time[0].seq, 12);
    assert_eq!(by_time[0].device_time, "2026-03-01T12:00:00.000Z");
}

#[test]
fn pages_cover_every_entry_once() {
    let f = fixture();
    let st = &f.s.store;
    let mut seen = Vec::new();
    for page in 0..13 {
        let p = run(st, &AuditQuery { page, ..q(10) });
        assert_eq!(p.total, 120);
        assert_eq!(p.page, page);
        assert_eq!(p.items.len(), if page < 12 { 10 } else { 0 });
        seen.extend(p.items.iter().map(|e| e.seq));
    }
    let whole: Vec<u64> = all(st, q(500)).iter().map(|e| e.seq).collect();
    assert_eq!(seen, whole);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 120);
    // A filtered last page is short.
    let p = run(
        st,
        &AuditQuery {
            action: Some(AuditAction::View),
            page: 2,
            ..q(12)
        },
    );
    assert_eq!((p.total, p.items.len()), (30, 6));
}

/// A minimal RFC 4180 reader: records of cells, quotes and CRLF respected.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "records end in CRLF");
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, '\n') => panic!("bare LF outside quotes"),
            (false, c) => cell.push(c),
        }
    }
    assert!(
        cell.is_empty() && record.is_empty(),
        "the last record ends in CRLF"
    );
    records
}

#[test]
fn csv_export_is_quoted_defused_and_complete() {
    let f = fixture();
    let st = &f.s.store;
    let query = AuditQuery {
        actor_id: Some("staff-3".into()),
        sort: AuditSort {
            column: AuditSortColumn::Seq,
            direction: AuditSortDirection::Asc,
        },
        page_size: 1, // ignored by the export
        ..Default::default()
    };
    let (csv, rows) = export_csv_in_zone(st.conn(), &query, &Utc).unwrap();
    assert_eq!(rows, 30);
    let body = csv.strip_prefix('\u{feff}').expect("UTF-8 byte-order mark");
    let records = parse_csv(body);
    assert_eq!(records.len(), 31);
    assert_eq!(
        records[0],
        [
            "seq",
            "event_id",
            "device_time",
            "device_id",
            "actor_id",
            "actor_name",
            "actor_role",
            "action",
            "category",
            "patient_id",
            "detail",
            "hash"
        ]
    );
    let first = &records[1];
    assert_eq!(first[0], "4");
    assert_eq!(first[5], "Dee, \"D\" Day"); // comma and quotes survive quoting
    assert!(body.contains("\"Dee, \"\"D\"\" Day\""));
    assert_eq!(first[7], "login");
    assert_eq!(first[11].len(), 64);
    assert!(records[1..].iter().all(|r| r.len() == 12));

    let formula = AuditQuery {
        actor_id: Some("staff-2".into()),
        ..query.clone()
    };
    let (csv, _) = export_csv_in_zone(st.conn(), &formula, &Utc).unwrap();
    let records = parse_csv(csv.trim_start_matches('\u{feff}'));
    // The formula-looking name is defused with a leading quote mark.
    assert_eq!(records[1][5], "'=cmd|' /C calc'!A0");
    assert!(!csv.contains(",=cmd"));
    // The JSON detail is one quoted cell.
    let detail: serde_json::Value = serde_json::from_str(&records[1][10]).unwrap();
    assert_eq!(detail["words"], 2);
}

#[test]
fn an_audited_export_records_itself_after_reading() {
    let mut f = fixture();
    let admin = AuditActor {
        id: "admin-9".into(),
        name: "Admin".into(),
        role: "administrator".into(),
    };
    let patient = f.patients[1].to_string();
    let query = AuditQuery {
        patient_id: Some(patient.clone()),
        ..q(50)
    };
    let csv = export_csv_audited(&mut f.s.store, &KEY, Some(admin), &query).unwrap();
    assert!(
        !csv.contains("\"format\""),
        "the export does not list itself"
    );
    let page = query_in_zone(
        f.s.store.conn(),
        &AuditQuery {
            action: Some(AuditAction::Export),
            ..q(10)
        },
        &Utc,
    )
    .unwrap();
    assert_eq!(page.total, 1);
    let e = &page.items[0];
    assert_eq!(e.seq, 121);
    assert_eq!(e.category, "audit");
    assert_eq!(e.actor_id.as_deref(), Some("admin-9"));
    assert_eq!(e.patient_id.as_deref(), Some(&*patient));
    assert_eq!(e.detail["rows"], 20);
    assert_eq!(e.detail["format"], "csv");
    assert!(verify(f.s.store.conn(), &KEY).unwrap().ok);
}

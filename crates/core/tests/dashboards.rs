//! Practice dashboards on the real (SQLCipher) store, on a small hand-made
//! schedule with known answers: appointments by outcome, no-show and
//! cancellation rates, utilisation minutes (breaks, leave, an extra early
//! period), new versus returning patients, periods cut in the clinic's time
//! zone across the spring-forward change, who may see what (a doctor only
//! their own numbers, the front desk nothing), bad queries refused with field
//! errors, the CSV export, the audit entries of views and exports, and revenue
//! and receivables (aged, as they stood at the end of each day and month)
//! against a join of every invoice to its payments.
mod common;
mod identity_common;
mod schedule_common;

use chrono::NaiveDate;
use clinic_core::schedule::{self, booking, config};
use clinic_core::{billing, dashboards};
use clinic_core::{Caller, CoreError};
use clinic_protocol::{
    AddScheduleException, AppointmentCounts, AppointmentStatus, AttendanceRates, CancelAppointment,
    CreditLineInput, DashboardKind, DashboardQuery, ErrorCode, ExceptionKind, Granularity, Invoice,
    InvoiceLineInput, IssueInvoice, PatientId, PatientMix, Payment, PaymentMethod, PeriodKind,
    RecordCreditNote, RecordPayment, RecordRefund, RevenueAmounts, Role, SaveBillingSettings,
    SaveInvoiceDraft, SessionInfo, SetAppointmentStatus, SetProviderHours, StaffId, TaxMode,
    TaxRule, Utilisation, VoidInvoice,
};
use common::AUDIT_KEY;
use schedule_common::*;

/// The clinic of `schedule_common` (Europe/London; Dr Okafor and Dr Lind,
/// Mon–Fri 09:00–17:00 with a 12:30–13:30 break; 30-minute consultations) with
/// Dr Lind also working Mondays 00:00–01:00 and on leave Friday 2026-04-03,
/// a billing clerk, and eleven appointments:
///
/// | # | patient | provider | clinic time           | status      |
/// |---|---------|----------|-----------------------|-------------|
/// | 0 | Cy      | Okafor   | Mon 16 Mar 10:00 GMT  | done        |
/// | 1 | Ada     | Okafor   | Mon 23 Mar 09:00 GMT  | done        |
/// | 2 | Bob     | Okafor   | Mon 23 Mar 09:30 GMT  | no show     |
/// | 3 | Cy      | Okafor   | Tue 24 Mar 10:00 GMT  | cancelled   |
/// | 4 | Ada     | Lind     | Wed 25 Mar 11:00 GMT  | done        |
/// | 5 | Di      | Lind     | Thu 26 Mar 14:00 GMT  | booked      |
/// | 6 | Cy      | Lind     | Fri 27 Mar 15:00 GMT  | done        |
/// | 7 | Ada     | Okafor   | Mon 30 Mar 09:00 BST  | done        |
/// | 8 | Bob     | Okafor   | Mon 30 Mar 09:30 BST  | checked in  |
/// | 9 | Cy      | Lind     | Tue 31 Mar 10:00 BST  | confirmed   |
/// | 10| Di      | Lind     | Mon 30 Mar 00:30 BST  | done        |
///
/// #10 is Sunday 29 March 23:30 in UTC: by the clinic's clock it is Monday,
/// in the second week.
struct Practice {
    c: Clinic,
    billing: SessionInfo,
}

fn practice() -> Practice {
    let mut c = clinic();
    let billing =
        identity_common::member_session(&mut c.t.store, "bills", "Billing Clerk", Role::Billing);
    let admin = Caller::staff(&AUDIT_KEY, &c.admin);
    let mut lind_week = week();
    lind_week.push(period(1, "00:00", "01:00", PeriodKind::Work));
    config::set_hours(
        &mut c.t.store,
        &admin,
        SetProviderHours {
            provider_id: c.doctor2.staff_id,
            expected_version: 1,
            periods: lind_week,
        },
    )
    .unwrap();
    let (ada, bob, cy, di) = (
        c.patient,
        bob(&mut c.t.store),
        cy(&mut c.t.store),
        di(&mut c.t.store),
    );
    let (okafor, lind) = (c.doctor.staff_id, c.doctor2.staff_id);
    let desk = Caller::staff(&AUDIT_KEY, &c.desk);
    let now = utc("2026-03-01T08:00:00Z");
    let plan: [(PatientId, StaffId, &str, AppointmentStatus); 11] = [
        (cy, okafor, "2026-03-16T10:00:00Z", AppointmentStatus::Done),
        (ada, okafor, "2026-03-23T09:00:00Z", AppointmentStatus::Done),
        (
            bob,
            okafor,
            "2026-03-23T09:30:00Z",
            AppointmentStatus::NoShow,
        ),
        (
            cy,
            okafor,
            "2026-03-24T10:00:00Z",
            AppointmentStatus::Cancelled,
        ),
        (ada, lind, "2026-03-25T11:00:00Z", AppointmentStatus::Done),
        (di, lind, "2026-03-26T14:00:00Z", AppointmentStatus::Booked),
        (cy, lind, "2026-03-27T15:00:00Z", AppointmentStatus::Done),
        (ada, okafor, "2026-03-30T08:00:00Z", AppointmentStatus::Done),
        (
            bob,
            okafor,
            "2026-03-30T08:30:00Z",
            AppointmentStatus::CheckedIn,
        ),
        (
            cy,
            lind,
            "2026-03-31T09:00:00Z",
            AppointmentStatus::Confirmed,
        ),
        (di, lind, "2026-03-29T23:30:00Z", AppointmentStatus::Done),
    ];
    for (patient, provider, at, status) in plan {
        let a = book(&mut c, &desk, patient, provider, at, now);
        let steps = match status {
            AppointmentStatus::Done => vec![AppointmentStatus::CheckedIn, AppointmentStatus::Done],
            AppointmentStatus::Booked | AppointmentStatus::Cancelled => vec![],
            other => vec![other],
        };
        let mut version = a.version;
        for step in &steps {
            version = booking::set_status(
                &mut c.t.store,
                &desk,
                SetAppointmentStatus {
                    id: a.id,
                    expected_version: version,
                    status: *step,
                },
                now,
            )
            .unwrap()
            .version;
        }
        if status == AppointmentStatus::Cancelled {
            booking::cancel(
                &mut c.t.store,
                &desk,
                CancelAppointment {
                    id: a.id,
                    expected_version: version,
                    reason: "Patient asked".into(),
                },
                now,
            )
            .unwrap();
        }
    }
    config::add_exception(
        &mut c.t.store,
        &admin,
        AddScheduleException {
            provider_id: Some(lind),
            starts_on: "2026-04-03".into(),
            ends_on: "2026-04-03".into(),
            kind: ExceptionKind::Leave,
            note: String::new(),
        },
    )
    .unwrap();
    Practice { c, billing }
}

fn query(from: &str, to: &str, granularity: Granularity) -> DashboardQuery {
    DashboardQuery {
        from: from.into(),
        to: to.into(),
        granularity,
        provider_id: None,
    }
}

/// The two weeks around the change to summer time.
fn two_weeks() -> DashboardQuery {
    query("2026-03-23", "2026-04-05", Granularity::Week)
}

#[allow(clippy::too_many_arguments)]
fn counts(
    total: u32,
    booked: u32,
    in_progress: u32,
    done: u32,
    no_show: u32,
    cancelled: u32,
) -> AppointmentCounts {
    AppointmentCounts {
        total,
        booked,
        in_progress,
        done,
        no_show,
        cancelled,
        needs_reschedule: 0,
    }
}

fn refused(e: CoreError) {
    assert!(matches!(e, CoreError::Forbidden(_)), "{e:?}");
    assert_eq!(e.code(), ErrorCode::Forbidden);
}

#[test]
fn appointments_and_attendance_per_week_in_clinic_time() {
    let mut p = practice();
    let admin = Caller::staff(&AUDIT_KEY, &p.c.admin);
    let d = dashboards::appointments(&mut p.c.t.store, &admin, &two_weeks()).unwrap();
    assert_eq!(d.time_zone, "Europe/London");
    let spans: Vec<_> = d
        .rows
        .iter()
        .map(|r| (r.period.starts_on.as_str(), r.period.ends_on.as_str()))
        .collect();
    assert_eq!(
        spans,
        [("2026-03-23", "2026-03-29"), ("2026-03-30", "2026-04-05")]
    );
    // #0 is before the range; #10 (Sunday in UTC) is Monday of week two.
    assert_eq!(d.rows[0].counts, counts(6, 1, 0, 3, 1, 1));
    assert_eq!(d.rows[1].counts, counts(4, 1, 1, 2, 0, 0));
    assert_eq!(d.totals, counts(10, 2, 1, 5, 1, 1));

    let a = dashboards::attendance(&mut p.c.t.store, &admin, &two_weeks()).unwrap();
    assert_eq!(
        a.rows[0].rates,
        AttendanceRates {
            scheduled: 6,
            attended: 3,
            no_show: 1,
            cancelled: 1,
            no_show_rate_bp: Some(2500), // 1 of 4 with a known outcome
            cancellation_rate_bp: Some(1667), // 1 of 6
        }
    );
    assert_eq!(a.rows[1].rates.no_show_rate_bp, Some(0));
    assert_eq!(a.rows[1].rates.attended, 3);
    assert_eq!(a.totals.no_show_rate_bp, Some(1429)); // 1 of 7
    assert_eq!(a.totals.cancellation_rate_bp, Some(1000)); // 1 of 10

    // An empty period has counts of zero and no rates.
    let empty = query("2026-05-04", "2026-05-10", Granularity::Week);
    let a = dashboards::attendance(&mut p.c.t.store, &admin, &empty).unwrap();
    assert_eq!(a.rows.len(), 1);
    assert_eq!(a.rows[0].rates.scheduled, 0);
    assert_eq!(a.rows[0].rates.no_show_rate_bp, None);
    assert_eq!(a.rows[0].rates.cancellation_rate_bp, None);
}

#[test]
fn day_boundaries_follow_the_clinic_zone() {
    let mut p = practice();
    let admin = Caller::staff(&AUDIT_KEY, &p.c.admin);
    let mut q = query("2026-03-29", "2026-03-31", Granularity::Day);
    q.provider_id = Some(p.c.doctor2.staff_id);
    let d = dashboards::appointments(&mut p.c.t.store, &admin, &q).unwrap();
    let per_day: Vec<_> = d
        .rows
        .iter()
        .map(|r| (r.period.starts_on.as_str(), r.counts.total))
        .collect();
    // 23:30 UTC on Sunday the 29th is 00:30 on Monday the 30th in London.
    assert_eq!(
        per_day,
        [("2026-03-29", 0), ("2026-03-30", 1), ("2026-03-31", 1)]
    );
    // By month: all eleven appointments are in March.
    let m = dashboards::appointments(
        &mut p.c.t.store,
        &admin,
        &query("2026-03-01", "2026-04-30", Granularity::Month),
    )
    .unwrap();
    let totals: Vec<_> = m.rows.iter().map(|r| r.counts.total).collect();
    assert_eq!(totals, [11, 0]);
}

#[test]
fn new_and_returning_patients() {
    let mut p = practice();
    let admin = Caller::staff(&AUDIT_KEY, &p.c.admin);
    let d = dashboards::patient_mix(&mut p.c.t.store, &admin, &two_weeks()).unwrap();
    let mix = |seen, new, returning| PatientMix {
        seen,
        new,
        returning,
    };
    // Week one: Ada's first visit (#1, new) and Cy, seen on 16 March (returning).
    assert_eq!(d.rows[0].mix, mix(2, 1, 1));
    // Week two: Ada again (returning), Bob's first attended visit (#8; his
    // no-show does not count) and Di's first (#10): both new.
    assert_eq!(d.rows[1].mix, mix(3, 2, 1));
    assert_eq!(d.totals, mix(4, 3, 1));
}

#[test]
fn utilisation_counts_booked_against_working_minutes() {
    let mut p = practice();
    let admin = Caller::staff(&AUDIT_KEY, &p.c.admin);
    let d = dashboards::utilisation(&mut p.c.t.store, &admin, &two_weeks()).unwrap();
    let names: Vec<_> = d
        .providers
        .iter()
        .map(|x| x.provider_name.as_str())
        .collect();
    assert_eq!(names, ["Dr Lind", "Dr Okafor"]);
    let u = |booked, available, bp| Utilisation {
        booked_minutes: booked,
        available_minutes: available,
        utilisation_bp: Some(bp),
    };
    let (lind, okafor) = (&d.providers[0], &d.providers[1]);
    // 5 days × 7 h = 2,100 minutes; Dr Lind also has Mondays 00:00–01:00.
    // Booked: time-holding appointments only (not the no-show, not the cancelled).
    assert_eq!(okafor.rows[0].utilisation, u(30, 2100, 143));
    assert_eq!(okafor.rows[1].utilisation, u(60, 2100, 286));
    assert_eq!(lind.rows[0].utilisation, u(90, 2160, 417));
    // Week two: on leave on Friday (−420 minutes).
    assert_eq!(lind.rows[1].utilisation, u(60, 1740, 345));
    assert_eq!(lind.totals, u(150, 3900, 385));
}

#[test]
fn a_doctor_sees_only_their_own_numbers_and_no_money() {
    let mut p = practice();
    let okafor = Caller::staff(&AUDIT_KEY, &p.c.doctor);
    let mine = dashboards::appointments(&mut p.c.t.store, &okafor, &two_weeks()).unwrap();
    assert_eq!(mine.query.provider_id, Some(p.c.doctor.staff_id));
    assert_eq!(mine.rows[0].counts, counts(3, 0, 0, 1, 1, 1));
    assert_eq!(mine.rows[1].counts, counts(2, 0, 1, 1, 0, 0));
    // The same numbers as an administrator asking for Dr Okafor.
    let admin = Caller::staff(&AUDIT_KEY, &p.c.admin);
    let mut q = two_weeks();
    q.provider_id = Some(p.c.doctor.staff_id);
    let theirs = dashboards::appointments(&mut p.c.t.store, &admin, &q).unwrap();
    assert_eq!(theirs.rows, mine.rows);
    // New to the clinic in the period and seen by him then: Ada, then Bob.
    let mix = dashboards::patient_mix(&mut p.c.t.store, &okafor, &two_weeks()).unwrap();
    let mix: Vec<_> = mix.rows.iter().map(|r| (r.mix.seen, r.mix.new)).collect();
    assert_eq!(mix, [(1, 1), (2, 1)]);
    let u = dashboards::utilisation(&mut p.c.t.store, &okafor, &two_weeks()).unwrap();
    assert_eq!(u.providers.len(), 1);
    assert_eq!(u.providers[0].provider_id, p.c.doctor.staff_id);

    // Another doctor's numbers, money and other roles: refused, and audited.
    let before = last_audit_seq(&p.c.t.store);
    let mut other = two_weeks();
    other.provider_id = Some(p.c.doctor2.staff_id);
    refused(dashboards::patient_mix(&mut p.c.t.store, &okafor, &other).unwrap_err());
    refused(dashboards::revenue(&mut p.c.t.store, &okafor, &two_weeks()).unwrap_err());
    refused(
        dashboards::dashboard_csv(
            &mut p.c.t.store,
            &okafor,
            DashboardKind::Receivables,
            &two_weeks(),
        )
        .unwrap_err(),
    );
    let desk = Caller::staff(&AUDIT_KEY, &p.c.desk);
    refused(dashboards::appointments(&mut p.c.t.store, &desk, &two_weeks()).unwrap_err());
    refused(dashboards::revenue(&mut p.c.t.store, &desk, &two_weeks()).unwrap_err());
    let billing = Caller::staff(&AUDIT_KEY, &p.billing);
    refused(dashboards::utilisation(&mut p.c.t.store, &billing, &two_weeks()).unwrap_err());
    let device = common::caller();
    let e = dashboards::appointments(&mut p.c.t.store, &device, &two_weeks()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::SessionEnded);
    let kiosk = Caller::kiosk(&AUDIT_KEY);
    assert!(dashboards::appointments(&mut p.c.t.store, &kiosk, &two_weeks()).is_err());
    let denied = count(
        &p.c.t.store,
        &format!(
            "SELECT count(*) FROM audit_event WHERE seq > {before} AND action = 'access_denied'
             AND detail LIKE '%\"dashboard\"%'"
        ),
    );
    assert_eq!(denied, 8);
    // Billing sees the money's dashboards.
    assert!(dashboards::revenue(&mut p.c.t.store, &billing, &two_weeks()).is_ok());
    assert!(dashboards::receivables(&mut p.c.t.store, &billing, &two_weeks()).is_ok());
}

#[test]
fn bad_queries_are_refused_field_by_field() {
    let mut p = practice();
    let admin = Caller::staff(&AUDIT_KEY, &p.c.admin);
    let before = written(&p.c.t.store);
    let mut check = |q: DashboardQuery| {
        fields(dashboards::appointments(&mut p.c.t.store, &admin, &q).unwrap_err())
    };
    assert_eq!(
        check(query("2026-13-01", "2026-02-30", Granularity::Day)),
        ["from", "to"]
    );
    assert_eq!(
        check(query("2026-03-10", "2026-03-09", Granularity::Day)),
        ["to"]
    );
    assert_eq!(
        check(query("2016-01-01", "2026-01-01", Granularity::Month)),
        ["to"]
    );
    assert_eq!(
        check(query("2025-01-01", "2026-01-02", Granularity::Day)),
        ["granularity"]
    );
    let mut q = two_weeks();
    q.provider_id = Some(p.c.desk.staff_id);
    assert_eq!(check(q.clone()), ["provider_id"]);
    q.provider_id = Some(StaffId::new());
    assert_eq!(check(q), ["provider_id"]);
    let mut q = two_weeks();
    q.provider_id = Some(p.c.doctor.staff_id);
    assert_eq!(
        fields(dashboards::revenue(&mut p.c.t.store, &admin, &q).unwrap_err()),
        ["provider_id"]
    );
    // Nothing was written for a refused query (not even an audit entry).
    assert_eq!(written(&p.c.t.store), before);
    // Ten years (3,653 days) is the limit: 2016-01-01..=2026-01-01 was refused above.
    let ten = query("2016-01-01", "2025-12-31", Granularity::Month);
    assert_eq!(
        dashboards::appointments(&mut p.c.t.store, &admin, &ten)
            .unwrap()
            .rows
            .len(),
        120
    );
}

#[test]
fn csv_has_a_header_and_one_row_per_period_and_is_audited_as_an_export() {
    let mut p = practice();
    let admin = Caller::staff(&AUDIT_KEY, &p.c.admin);
    let before = last_audit_seq(&p.c.t.store);
    let csv = dashboards::dashboard_csv(
        &mut p.c.t.store,
        &admin,
        DashboardKind::Appointments,
        &two_weeks(),
    )
    .unwrap();
    let lines: Vec<_> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        lines,
        [
            "period_start,period_end,total,booked,in_progress,done,no_show,cancelled,needs_reschedule",
            "2026-03-23,2026-03-29,6,1,0,3,1,1,0",
            "2026-03-30,2026-04-05,4,1,1,2,0,0,0",
            "",
        ]
    );
    let csv = dashboards::dashboard_csv(
        &mut p.c.t.store,
        &admin,
        DashboardKind::Attendance,
        &two_weeks(),
    )
    .unwrap();
    assert!(
        csv.contains("\r\n2026-03-23,2026-03-29,6,3,1,1,25.00,16.67\r\n"),
        "{csv}"
    );
    let days = query("2026-03-23", "2026-03-29", Granularity::Day);
    for kind in [DashboardKind::PatientMix, DashboardKind::Attendance] {
        let csv = dashboards::dashboard_csv(&mut p.c.t.store, &admin, kind, &days).unwrap();
        assert_eq!(csv.split("\r\n").filter(|l| !l.is_empty()).count(), 1 + 7);
    }
    let okafor = Caller::staff(&AUDIT_KEY, &p.c.doctor);
    let csv = dashboards::dashboard_csv(
        &mut p.c.t.store,
        &okafor,
        DashboardKind::Utilisation,
        &two_weeks(),
    )
    .unwrap();
    let rows: Vec<_> = csv
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), 2);
    assert!(rows[0].ends_with(",Dr Okafor,30,2100,1.43"), "{}", rows[0]);
    // Each export is one audit entry: ids and ranges, no patient.
    let audit = audit_after(&p.c.t.store, before);
    assert_eq!(audit.len(), 5);
    for (patient, detail) in &audit {
        assert!(patient.is_none());
        assert!(detail.contains("\"format\":\"csv\""), "{detail}");
        assert!(!detail.contains(&p.c.patient.to_string()));
    }
    let exports = count(
        &p.c.t.store,
        &format!(
            "SELECT count(*) FROM audit_event WHERE seq > {before} AND action = 'export'
             AND category = 'schedule'"
        ),
    );
    assert_eq!(exports, 5);
}

#[test]
fn every_view_is_audited_with_the_range_only() {
    let mut p = practice();
    let admin = Caller::staff(&AUDIT_KEY, &p.c.admin);
    let before = last_audit_seq(&p.c.t.store);
    dashboards::appointments(&mut p.c.t.store, &admin, &two_weeks()).unwrap();
    dashboards::utilisation(&mut p.c.t.store, &admin, &two_weeks()).unwrap();
    let audit = audit_after(&p.c.t.store, before);
    assert_eq!(audit.len(), 2);
    let (patient, detail) = &audit[0];
    assert!(patient.is_none());
    let detail: serde_json::Value = serde_json::from_str(detail).unwrap();
    assert_eq!(detail["dashboard"], "appointments");
    assert_eq!(detail["from"], "2026-03-23");
    assert_eq!(detail["to"], "2026-04-05");
    assert_eq!(detail["granularity"], "week");
    assert_eq!(detail["periods"], 2);
}

// ---------------------------------------------------------------------------
// Revenue and receivables (billing's use cases; history made by moving issue
// and payment instants back, which the store's movement triggers follow).

/// Issues a one-line invoice of `amount` pence to `patient`.
fn invoice(p: &mut Practice, patient: PatientId, amount: i64) -> Invoice {
    let admin = Caller::staff(&AUDIT_KEY, &p.c.admin);
    let draft = billing::save_draft(
        &mut p.c.t.store,
        &admin,
        SaveInvoiceDraft {
            id: None,
            expected_version: None,
            patient_id: patient,
            appointment_id: None,
            encounter_id: None,
            lines: vec![InvoiceLineInput {
                id: None,
                service_id: None,
                description: "Consultation".into(),
                quantity: 1,
                unit_price_minor: Some(amount),
                tax: Some(TaxRule {
                    name: String::new(),
                    rate_bp: 0,
                    mode: TaxMode::Exclusive,
                }),
                discount: None,
                insurance: None,
            }],
            discount: None,
            note: String::new(),
        },
    )
    .unwrap();
    billing::issue_invoice(
        &mut p.c.t.store,
        &admin,
        IssueInvoice {
            id: draft.id,
            expected_version: draft.version,
        },
    )
    .unwrap()
}

fn pay(p: &mut Practice, invoice: &Invoice, amount: i64, method: PaymentMethod) -> Payment {
    let admin = Caller::staff(&AUDIT_KEY, &p.c.admin);
    billing::record_payment(
        &mut p.c.t.store,
        &admin,
        RecordPayment {
            invoice_id: invoice.id,
            method,
            amount_minor: amount,
            currency: "GBP".into(),
            reference: String::new(),
        },
    )
    .unwrap()
}

/// 10:00 UTC `days` before `today` (the same clinic date in London).
fn days_ago(today: NaiveDate, days: i64) -> String {
    format!("{}T10:00:00.000Z", today - chrono::Duration::days(days))
}

fn move_to(p: &Practice, table: &str, column: &str, id: String, at: &str) {
    let sql = format!("UPDATE {table} SET {column} = ?1 WHERE id = ?2");
    let n = p.c.t.store.conn().execute(&sql, [at, &id]).unwrap();
    assert_eq!(n, 1);
}

/// Each invoice's balance at the end of `day`, summed by age bucket, straight
/// from the billing tables (a join per invoice: the dashboard's oracle).
fn naive_receivables(p: &Practice, day: NaiveDate) -> [i64; 4] {
    let zone: chrono_tz::Tz = "Europe/London".parse().unwrap();
    let end = schedule::time::stored(schedule::time::day_start(
        zone,
        day + chrono::Duration::days(1),
    ));
    let mut stmt =
        p.c.t
            .store
            .conn()
            .prepare(
                "SELECT i.issued_at, i.total_minor
           - coalesce((SELECT sum(amount_minor) FROM payment x WHERE x.invoice_id = i.id
                       AND x.status = 'succeeded' AND x.received_at < ?1), 0)
           + coalesce((SELECT sum(amount_minor) FROM refund x WHERE x.invoice_id = i.id
                       AND x.refunded_at < ?1), 0)
           - coalesce((SELECT sum(total_minor) FROM credit_note x WHERE x.invoice_id = i.id
                       AND x.created_at < ?1), 0)
           - CASE WHEN i.voided_at < ?1 THEN i.total_minor ELSE 0 END
         FROM invoice i WHERE i.issued_at < ?1",
            )
            .unwrap();
    let mut out = [0; 4];
    for row in stmt
        .query_map([&end], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .unwrap()
    {
        let (issued, balance) = row.unwrap();
        let issued =
            schedule::time::local_date(zone, schedule::time::parse_instant(&issued).unwrap());
        let age = (day - issued).num_days();
        out[match age {
            ..=30 => 0,
            31..=60 => 1,
            61..=90 => 2,
            _ => 3,
        }] += balance;
    }
    out
}

#[test]
fn revenue_and_receivables_as_they_stood_each_day() {
    let mut p = practice();
    let admin = Caller::staff(&AUDIT_KEY, &p.c.admin);
    billing::save_settings(
        &mut p.c.t.store,
        &admin,
        SaveBillingSettings {
            currency: "GBP".into(),
            invoice_footer: String::new(),
        },
    )
    .unwrap();
    let ada = p.c.patient;
    let (bob, cy) = (bob(&mut p.c.t.store), cy(&mut p.c.t.store));
    let a = invoice(&mut p, ada, 10_000);
    let b = invoice(&mut p, bob, 6_000);
    let c = invoice(&mut p, cy, 4_000);
    let d = invoice(&mut p, ada, 2_500);
    let a1 = pay(&mut p, &a, 4_000, PaymentMethod::Cash);
    let a2 = pay(&mut p, &a, 6_000, PaymentMethod::BankTransfer);
    let b1 = pay(&mut p, &b, 6_000, PaymentMethod::Card);
    let refund = billing::record_refund(
        &mut p.c.t.store,
        &admin,
        RecordRefund {
            payment_id: b1.id,
            amount_minor: 1_000,
            currency: "GBP".into(),
            reason: "Overcharged".into(),
        },
    )
    .unwrap();
    billing::record_credit_note(
        &mut p.c.t.store,
        &admin,
        RecordCreditNote {
            invoice_id: c.id,
            lines: vec![CreditLineInput {
                invoice_line_id: c.lines[0].id,
                amount_minor: 1_000,
            }],
            reason: "Goodwill".into(),
        },
    )
    .unwrap();
    billing::void_invoice(
        &mut p.c.t.store,
        &admin,
        VoidInvoice {
            id: d.id,
            expected_version: d.version,
            reason: "Duplicate".into(),
        },
    )
    .unwrap();
    // The refund and the credit note stay today; the rest moves back in time.
    let today = schedule::time::parse_instant(&refund.refunded_at)
        .unwrap()
        .date_naive();
    for (id, days) in [(a.id, 100), (b.id, 50), (c.id, 20), (d.id, 70)] {
        move_to(
            &p,
            "invoice",
            "issued_at",
            id.to_string(),
            &days_ago(today, days),
        );
    }
    move_to(
        &p,
        "invoice",
        "voided_at",
        d.id.to_string(),
        &days_ago(today, 65),
    );
    for (id, days) in [(a1.id, 100), (a2.id, 40), (b1.id, 50)] {
        move_to(
            &p,
            "payment",
            "received_at",
            id.to_string(),
            &days_ago(today, days),
        );
    }

    let billing_clerk = Caller::staff(&AUDIT_KEY, &p.billing);
    let q = query(
        &(today - chrono::Duration::days(101)).to_string(),
        &today.to_string(),
        Granularity::Day,
    );
    let r = dashboards::revenue(&mut p.c.t.store, &billing_clerk, &q).unwrap();
    assert_eq!(r.series.len(), 1);
    let gbp = &r.series[0];
    assert_eq!(gbp.currency, "GBP");
    assert_eq!(gbp.rows.len(), 102);
    let day = |n: i64| &gbp.rows[(101 - n) as usize].amounts;
    let money = |invoiced, collected, refunded, credited| RevenueAmounts {
        invoiced,
        collected,
        refunded,
        credited,
    };
    assert_eq!(*day(100), money(10_000, 4_000, 0, 0));
    assert_eq!(*day(70), money(0, 0, 0, 0)); // the void invoice is left out
    assert_eq!(*day(50), money(6_000, 6_000, 0, 0));
    assert_eq!(*day(40), money(0, 6_000, 0, 0));
    assert_eq!(*day(20), money(4_000, 0, 0, 0));
    assert_eq!(*day(0), money(0, 0, 1_000, 1_000));
    assert_eq!(gbp.totals, money(20_000, 16_000, 1_000, 1_000));

    let rec = dashboards::receivables(&mut p.c.t.store, &billing_clerk, &q).unwrap();
    let rows = &rec.series[0].rows;
    let at = |n: i64| {
        let x = &rows[(101 - n) as usize].receivables;
        [x.days_0_30, x.days_31_60, x.days_61_90, x.days_over_90]
    };
    assert_eq!(at(101), [0, 0, 0, 0]);
    assert_eq!(at(100), [6_000, 0, 0, 0]); // A, 4,000 of 10,000 paid
    assert_eq!(at(70), [8_500, 0, 0, 0]); // and D, issued that day
    assert_eq!(at(69), [2_500, 6_000, 0, 0]); // A is 31 days old
    assert_eq!(at(65), [0, 6_000, 0, 0]); // D void
    assert_eq!(at(41), [0, 6_000, 0, 0]);
    assert_eq!(at(40), [0, 0, 0, 0]); // A paid in full by bank transfer
    assert_eq!(at(1), [4_000, 0, 0, 0]); // C
    assert_eq!(at(0), [3_000, 1_000, 0, 0]); // C credited, B's refund owed back
    for (k, row) in rows.iter().enumerate() {
        let x = &row.receivables;
        assert_eq!(
            x.outstanding,
            x.days_0_30 + x.days_31_60 + x.days_61_90 + x.days_over_90
        );
        let d = schedule::time::parse_date(&row.period.ends_on).unwrap();
        assert_eq!(at(101 - k as i64), naive_receivables(&p, d), "{d}");
    }
    // By month, the end of each month as it stood.
    let months = query("2026-08-01", &today.to_string(), Granularity::Month);
    let m = dashboards::receivables(&mut p.c.t.store, &admin, &months).unwrap();
    for row in &m.series[0].rows {
        let x = &row.receivables;
        let d = schedule::time::parse_date(&row.period.ends_on).unwrap();
        assert_eq!(
            [x.days_0_30, x.days_31_60, x.days_61_90, x.days_over_90],
            naive_receivables(&p, d),
            "{d}"
        );
    }
    let csv =
        dashboards::dashboard_csv(&mut p.c.t.store, &billing_clerk, DashboardKind::Revenue, &q)
            .unwrap();
    assert_eq!(csv.split("\r\n").filter(|l| !l.is_empty()).count(), 1 + 102);
    assert!(
        csv.contains(&format!("\r\n{t},{t},GBP,0,0,1000,1000\r\n", t = today)),
        "{csv}"
    );
}

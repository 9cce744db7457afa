//! `dashboard-bench`: practice dashboards over five years of a busy clinic. A
//! SQLCipher store in Europe/London with 10 providers (7 doctors Mon–Fri
//! 08:00–18:00, 3 nurses Mon–Sat 08:00–14:00, a lunch break, clinic holidays and
//! two weeks of leave a year each), `--patients` (default 20,000) patients
//! arriving over the years, and about `--per-day` (default 17) 15-minute
//! appointments per provider and working day over `--years` (default 5) plus
//! four weeks ahead — 200,000+ appointments with realistic outcomes (done, no
//! show, cancelled, never marked, waiting for a new time). When the billing
//! tables exist, an invoice for every appointment done (150,000+) with lines,
//! payments, refunds and credit notes is seeded too (`billing`), and the
//! receivables are checked against a join of every invoice to its facts;
//! otherwise the money's dashboards are skipped and the run says so.
//!
//! Each dashboard runs through its use case (access check, validation, audit
//! entry) for a week by day, a quarter by week, a year by month and five years
//! by month (`--runs` times each, default 50, after warm-up), alternating with
//! a baseline measured in the same run: a plain `COUNT(*)` of the appointments
//! (or invoices) in the same range. Prints p50/p99 of each and the ratio.
//! `--smoke`: one year, small sizes, few runs (CI).
//!
//! Seeding writes rows directly with SQL in one transaction (as `schedule-bench`
//! does): booking 200,000 appointments through the use case would take an hour;
//! starts come from each provider's real working time (`slots::working_on`,
//! daylight-saving changes, leave and holidays included), so the store's
//! overlap triggers accept every row.
//!
//! Usage: `cargo run --release -p clinic-bench --bin dashboard-bench -- [--smoke]
//! [--years N] [--per-day N] [--patients N] [--runs N]`
use anyhow::{bail, ensure, Context, Result};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc};
use clinic_core::schedule::{config, slots, time};
use clinic_core::{admin, dashboards, identity, registry, Caller};
use clinic_protocol::{
    AddScheduleException, CreateClinic, CreateStaff, DashboardQuery, ExceptionKind, Granularity,
    PeriodKind, Role, SaveAppointmentType, ScheduleException, ScheduleSettings, SetProviderHours,
    StaffId, WeeklyPeriod,
};
use clinic_store::rusqlite::params;
use clinic_store::{DbKey, Encryption, Store};
use clinic_testkit::PatientGenerator;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

mod billing;

const AUDIT_KEY: [u8; 32] = [8; 32];
const PASSWORD: &str = "Fjord pebble orchard";
const DOCTORS: usize = 7;
const NURSES: usize = 3;
/// Days booked ahead of "now".
const AHEAD_DAYS: i64 = 28;

struct Args {
    years: i32,
    per_day: usize,
    patients: usize,
    runs: usize,
    smoke: bool,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        years: 5,
        per_day: 17,
        patients: 20_000,
        runs: 50,
        smoke: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--smoke" {
            a = Args {
                years: 1,
                per_day: 6,
                patients: 1_000,
                runs: 5,
                smoke: true,
            };
            continue;
        }
        let v: usize = it
            .next()
            .with_context(|| format!("{flag} needs a number"))?
            .parse()
            .with_context(|| format!("{flag} takes a number"))?;
        match flag.as_str() {
            "--years" => a.years = i32::try_from(v)?,
            "--per-day" => a.per_day = v,
            "--patients" => a.patients = v,
            "--runs" => a.runs = v,
            _ => bail!("unknown flag {flag}; use --smoke, --years, --per-day, --patients, --runs"),
        }
    }
    ensure!(
        (1..=9).contains(&a.years),
        "--years must be between 1 and 9"
    );
    ensure!(
        (1..=36).contains(&a.per_day),
        "--per-day must be between 1 and 36 (15-minute slots in a nurse's day)"
    );
    ensure!(
        a.patients >= 10 && a.runs >= 1,
        "--patients ≥ 10, --runs ≥ 1"
    );
    Ok(a)
}

/// The fixed "now": Monday 2027-01-04, 07:00 UTC, so results do not depend on
/// when the bench runs.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 4, 7, 0, 0).unwrap()
}

fn today() -> NaiveDate {
    now().date_naive()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

struct Clinic {
    store: Store,
    _dir: tempfile::TempDir,
    admin: Caller<'static>,
    doctor: Caller<'static>,
    doctor_id: StaffId,
    providers: Vec<StaffId>,
    patients: Vec<String>,
    kind: String,
}

fn week(days: std::ops::RangeInclusive<u8>, start: &str, end: &str) -> Vec<WeeklyPeriod> {
    let p = |weekday, start: &str, end: &str, kind| WeeklyPeriod {
        weekday,
        start: start.into(),
        end: end.into(),
        kind,
        room_id: None,
    };
    days.flat_map(|d| {
        [
            p(d, start, end, PeriodKind::Work),
            p(d, "12:30", "13:00", PeriodKind::Break),
        ]
    })
    .collect()
}

/// Clinic, settings, type, providers with hours, holidays, leave and patients,
/// through the core's use cases.
fn clinic(args: &Args) -> Result<Clinic> {
    let dir = tempfile::tempdir()?;
    let mut store = clinic_store::open(
        &dir.path().join("dashboards.db"),
        &Encryption::Key(DbKey::generate()?),
    )?;
    let created = identity::create_clinic(
        &mut store,
        CreateClinic {
            clinic_name: "Bench Practice".into(),
            admin_username: "bench.admin".into(),
            admin_display_name: "Bench Admin".into(),
            admin_password: PASSWORD.into(),
        },
    )?;
    let admin = Caller::staff(&AUDIT_KEY, &created.session);
    config::set_settings(
        &mut store,
        &admin,
        ScheduleSettings {
            time_zone: "Europe/London".into(),
            kiosk_idle_seconds: 90,
            reminder_hours_before: 24,
        },
    )?;
    let kind = config::save_appointment_type(
        &mut store,
        &admin,
        SaveAppointmentType {
            id: None,
            expected_version: None,
            name: "Consultation".into(),
            duration_minutes: 15,
            colour: "#3b82f6".into(),
            active: true,
        },
    )?;
    let mut providers = Vec::new();
    let mut doctor = None;
    for i in 0..DOCTORS + NURSES {
        let (role, title, periods) = if i < DOCTORS {
            (Role::Doctor, "Dr", week(1..=5, "08:00", "18:00"))
        } else {
            (Role::Nurse, "Nurse", week(1..=6, "08:00", "14:00"))
        };
        let member = admin::create_staff(
            &mut store,
            &admin,
            CreateStaff {
                username: format!("provider{i:02}"),
                display_name: format!("{title} Provider {i:02}"),
                role,
                password: PASSWORD.into(),
            },
        )?;
        config::set_hours(
            &mut store,
            &admin,
            SetProviderHours {
                provider_id: member.id,
                expected_version: 0,
                periods,
            },
        )?;
        if i == 0 {
            doctor = Some(clinic_protocol::SessionInfo {
                staff_id: member.id,
                username: member.username.clone(),
                display_name: member.display_name.clone(),
                role,
                scope: clinic_protocol::SessionScope::Full,
                signed_in_at: time::stored(now()),
                auto_lock_minutes: 10,
            });
        }
        providers.push(member.id);
    }
    let first = today().year() - args.years;
    for year in first..=today().year() {
        for (m, d) in [(1, 1), (12, 25), (12, 26)] {
            exception(&mut store, &admin, None, date(year, m, d), 0)?;
        }
        for (i, p) in providers.iter().enumerate() {
            // Two weeks of leave, staggered through the summer.
            let start = date(year, 6, 1) + TimeDelta::days(7 * i as i64);
            exception(&mut store, &admin, Some(*p), start, 13)?;
        }
    }
    let patients = registry::register_many(
        &mut store,
        &Caller::device(&AUDIT_KEY),
        PatientGenerator::new(2022).take(args.patients),
    )?
    .into_iter()
    .map(|p| p.to_string())
    .collect();
    let doctor = doctor.context("no doctor")?;
    Ok(Clinic {
        store,
        _dir: dir,
        admin,
        doctor: Caller::staff(&AUDIT_KEY, &doctor),
        doctor_id: doctor.staff_id,
        providers,
        patients,
        kind: kind.id.to_string(),
    })
}

fn exception(
    store: &mut Store,
    caller: &Caller<'_>,
    provider: Option<StaffId>,
    first: NaiveDate,
    extra_days: i64,
) -> Result<()> {
    config::add_exception(
        store,
        caller,
        AddScheduleException {
            provider_id: provider,
            starts_on: first.to_string(),
            ends_on: (first + TimeDelta::days(extra_days)).to_string(),
            kind: if provider.is_some() {
                ExceptionKind::Leave
            } else {
                ExceptionKind::Holiday
            },
            note: String::new(),
        },
    )?;
    Ok(())
}

/// A past appointment's outcome: mostly done, some no-shows and cancellations,
/// a few never marked or waiting for a new time.
fn past_status(rng: &mut impl Rng) -> &'static str {
    match rng.random_range(0..100) {
        0..78 => "done",
        78..84 => "no_show",
        84..96 => "cancelled",
        96..99 => "booked",
        _ => "needs_reschedule",
    }
}

fn future_status(rng: &mut impl Rng) -> &'static str {
    match rng.random_range(0..100) {
        0..70 => "booked",
        70..95 => "confirmed",
        _ => "cancelled",
    }
}

/// Inserts the appointments (one transaction); returns how many.
fn seed_appointments(c: &mut Clinic, args: &Args) -> Result<usize> {
    let zone = time::clinic_zone(c.store.conn())?;
    let first = date(today().year() - args.years, today().month(), today().day());
    let last = today() + TimeDelta::days(AHEAD_DAYS - 1);
    let exceptions: Vec<ScheduleException> =
        config::exceptions(c.store.conn(), &first.to_string(), &last.to_string())?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2027);
    // (start, provider index) of every appointment, in time order per day.
    let mut chosen = Vec::new();
    let mut day = first;
    while day <= last {
        for (p, provider) in c.providers.iter().enumerate() {
            let hours = config::hours(c.store.conn(), *provider)?;
            let mut grid = Vec::new();
            for w in slots::working_on(zone, &hours, &exceptions, day) {
                let mut t = w.start;
                while t + TimeDelta::minutes(15) <= w.end {
                    grid.push(t);
                    t += TimeDelta::minutes(15);
                }
            }
            if grid.is_empty() {
                continue;
            }
            let want = (args.per_day + rng.random_range(0..3)).saturating_sub(1);
            let want = want.min(grid.len());
            // A random subset of the day's grid, kept in time order.
            let mut picked = rand::seq::index::sample(&mut rng, grid.len(), want).into_vec();
            picked.sort_unstable();
            chosen.extend(picked.into_iter().map(|i| (grid[i], p)));
        }
        day += TimeDelta::days(1);
    }
    chosen.sort_by_key(|(t, p)| (*t, *p));
    let n = chosen.len();
    let stamp = time::stored(now());
    let (providers, patients, kind) = (&c.providers, &c.patients, &c.kind);
    c.store.write(|tx| -> Result<()> {
        let mut stmt = tx.conn().prepare(
            "INSERT INTO appointment (id, patient_id, provider_id, appointment_type_id,
                starts_at, ends_at, status, tentative, check_in_code, created_at, updated_at, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9, ?9, 1)",
        )?;
        for (i, (t, p)) in chosen.iter().enumerate() {
            // Patients join over the years: the pool grows with time, and most
            // visits are by someone already seen.
            let pool = ((i + 1) * patients.len()).div_ceil(n).max(1);
            let patient = &patients[rng.random_range(0..pool)];
            let status = if *t < now() {
                past_status(&mut rng)
            } else {
                future_status(&mut rng)
            };
            stmt.execute(params![
                clinic_protocol::AppointmentId::new().to_string(),
                patient,
                providers[*p].to_string(),
                kind,
                time::stored(*t),
                time::stored(*t + TimeDelta::minutes(15)),
                status,
                format!("D{:06}", i % 1_000_000),
                stamp,
            ])?;
        }
        Ok(())
    })?;
    Ok(n)
}

/// An audit entry like the one each dashboard view appends, timed alone.
fn measure_audit(c: &mut Clinic, runs: usize) -> Result<(f64, f64)> {
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs + runs.min(5) {
        let event = c
            .admin
            .event(
                clinic_protocol::AuditAction::View,
                clinic_protocol::AuditCategory::Schedule,
            )
            .detail(serde_json::json!({ "bench": "audit entry alone" }));
        let t = Instant::now();
        clinic_core::audit::append_standalone(&mut c.store, c.admin.audit_key, &event)?;
        if i >= runs.min(5) {
            times.push(t.elapsed()); // after a few warm-up entries
        }
    }
    Ok(stats(times))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn stats(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99))
}

/// Runs `dashboard` and `baseline` alternately `runs` times (after warm-up)
/// and prints both and their ratio. Returns the dashboard's p99 (ms).
fn compare(
    label: &str,
    runs: usize,
    c: &mut Clinic,
    mut dashboard: impl FnMut(&mut Clinic) -> Result<String>,
    mut baseline: impl FnMut(&Clinic) -> Result<i64>,
) -> Result<f64> {
    let summary = dashboard(c)?;
    let base_rows = baseline(c)?;
    for _ in 0..runs.min(5) {
        dashboard(c)?;
        baseline(c)?;
    }
    let (mut d, mut b) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        let t = Instant::now();
        dashboard(c)?;
        d.push(t.elapsed());
        let t = Instant::now();
        baseline(c)?;
        b.push(t.elapsed());
    }
    let ((d50, d99), (b50, b99)) = (stats(d), stats(b));
    println!(
        "{label}: p50 {d50:.2} ms  p99 {d99:.2} ms ({summary}) | COUNT(*) baseline ({base_rows} rows) \
         p50 {b50:.2} ms  p99 {b99:.2} ms | ratio p50 {:.1}, p99 {:.1}",
        d50 / b50.max(1e-6),
        d99 / b99.max(1e-6),
    );
    Ok(d99)
}

/// `COUNT(*)` of appointments starting in the query's range (clinic time).
fn count_appointments(c: &Clinic, q: &DashboardQuery) -> Result<i64> {
    count_range(c, "appointment", "starts_at", q)
}

fn count_range(c: &Clinic, table: &str, column: &str, q: &DashboardQuery) -> Result<i64> {
    let zone = time::clinic_zone(c.store.conn())?;
    let (from, to) = (
        time::parse_date(&q.from).context("from")?,
        time::parse_date(&q.to).context("to")?,
    );
    let (start, end) = (
        time::stored(time::day_start(zone, from)),
        time::stored(time::day_start(zone, to + TimeDelta::days(1))),
    );
    Ok(c.store.conn().query_row(
        &format!("SELECT count(*) FROM {table} WHERE {column} >= ?1 AND {column} < ?2"),
        params![start, end],
        |r| r.get(0),
    )?)
}

fn ranges(years: i32) -> Vec<(String, DashboardQuery)> {
    let q = |from: NaiveDate, to: NaiveDate, granularity| DashboardQuery {
        from: from.to_string(),
        to: to.to_string(),
        granularity,
        provider_id: None,
    };
    let y = today().year() - 1;
    let mut out = vec![
        (
            "a week by day".to_string(),
            q(date(y, 11, 30), date(y, 12, 6), Granularity::Day),
        ),
        (
            "a quarter by week".to_string(),
            q(date(y, 7, 1), date(y, 9, 30), Granularity::Week),
        ),
        (
            "a year by month".to_string(),
            q(date(y, 1, 1), date(y, 12, 31), Granularity::Month),
        ),
    ];
    if years > 1 {
        out.push((
            format!("{years} years by month"),
            q(
                date(y - years + 1, 1, 1),
                date(y, 12, 31),
                Granularity::Month,
            ),
        ));
    }
    out
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let t = Instant::now();
    let mut c = clinic(&args)?;
    let appointments = seed_appointments(&mut c, &args)?;
    let billing = dashboards::billing_present(c.store.conn())?;
    let money_seeded = if billing {
        clinic_core::billing::save_settings(
            &mut c.store,
            &c.admin,
            clinic_protocol::SaveBillingSettings {
                currency: "GBP".into(),
                invoice_footer: String::new(),
            },
        )?;
        Some(billing::seed(&mut c.store, now())?)
    } else {
        None
    };
    c.store.conn().execute_batch("PRAGMA optimize;")?;
    println!(
        "dashboard-bench: SQLCipher store, Europe/London, {appointments} appointments ({} years back \
         from {} and {AHEAD_DAYS} days ahead), {} providers, {} patients; seeded in {:.1} s; {} runs \
         per measurement{}",
        args.years,
        today(),
        DOCTORS + NURSES,
        args.patients,
        t.elapsed().as_secs_f64(),
        args.runs,
        if args.smoke { " (smoke)" } else { "" }
    );
    if let Some(m) = &money_seeded {
        println!(
            "billing: {} invoices with lines, {} payments, {} refunds, {} credit notes (GBP)",
            m.invoices, m.payments, m.refunds, m.credit_notes
        );
    }
    if !args.smoke && args.years >= 5 && args.per_day >= 17 {
        ensure!(
            appointments >= 200_000,
            "only {appointments} appointments: the run is not a busy clinic"
        );
        if let Some(m) = &money_seeded {
            ensure!(m.invoices >= 150_000, "only {} invoices", m.invoices);
        }
    }
    let audit_only = measure_audit(&mut c, args.runs)?;
    println!(
        "one audit entry alone (each view writes one; a fixed part of every figure below): \
         p50 {:.2} ms  p99 {:.2} ms",
        audit_only.0, audit_only.1
    );
    if billing {
        check_receivables(&mut c, args.years)?;
    }
    let runs = args.runs;
    let mut worst: f64 = 0.0;
    for (label, q) in ranges(args.years) {
        let expected = count_appointments(&c, &q)?;
        let qq = q.clone();
        worst = worst.max(compare(
            &format!("appointments, {label}"),
            runs,
            &mut c,
            |c| {
                let d = dashboards::appointments(&mut c.store, &c.admin, &qq)?;
                ensure!(
                    i64::from(d.totals.total) == expected,
                    "the dashboard counted {} appointments, COUNT(*) {expected}",
                    d.totals.total
                );
                Ok(format!("{} periods", d.rows.len()))
            },
            |c| count_appointments(c, &qq),
        )?);
        let qq = q.clone();
        worst = worst.max(compare(
            &format!("attendance, {label}"),
            runs,
            &mut c,
            |c| {
                let d = dashboards::attendance(&mut c.store, &c.admin, &qq)?;
                Ok(format!(
                    "no-show {} bp, cancelled {} bp",
                    d.totals.no_show_rate_bp.unwrap_or(0),
                    d.totals.cancellation_rate_bp.unwrap_or(0)
                ))
            },
            |c| count_appointments(c, &qq),
        )?);
        let qq = q.clone();
        worst = worst.max(compare(
            &format!("utilisation, {label}"),
            runs,
            &mut c,
            |c| {
                let d = dashboards::utilisation(&mut c.store, &c.admin, &qq)?;
                ensure!(d.providers.len() == DOCTORS + NURSES, "providers missing");
                let bp = d.providers[0].totals.utilisation_bp.unwrap_or(0);
                Ok(format!("{} providers, first at {bp} bp", d.providers.len()))
            },
            |c| count_appointments(c, &qq),
        )?);
        let qq = q.clone();
        worst = worst.max(compare(
            &format!("new vs returning, {label}"),
            runs,
            &mut c,
            |c| {
                let d = dashboards::patient_mix(&mut c.store, &c.admin, &qq)?;
                ensure!(d.totals.seen > 0, "no patients seen");
                Ok(format!("seen {}, new {}", d.totals.seen, d.totals.new))
            },
            |c| count_appointments(c, &qq),
        )?);
        let qq = q.clone();
        let doctor = c.doctor_id;
        worst = worst.max(compare(
            &format!("a doctor's own appointments, {label}"),
            runs,
            &mut c,
            |c| {
                let d = dashboards::appointments(&mut c.store, &c.doctor, &qq)?;
                ensure!(d.query.provider_id == Some(doctor), "not scoped");
                Ok(format!("{} appointments", d.totals.total))
            },
            |c| count_appointments(c, &qq),
        )?);
        if billing {
            worst = worst.max(money(&mut c, &label, &q, runs)?);
        }
    }
    if !billing {
        println!(
            "revenue and receivables: SKIPPED — the billing tables (migration 0016) are not in this build"
        );
    }
    println!("worst p99 of any dashboard: {worst:.2} ms");
    Ok(())
}

/// Revenue and receivables for one range (only when billing exists).
fn money(c: &mut Clinic, label: &str, q: &DashboardQuery, runs: usize) -> Result<f64> {
    let count = |c: &Clinic, q: &DashboardQuery| count_range(c, "invoice", "issued_at", q);
    let qq = q.clone();
    let revenue = compare(
        &format!("revenue, {label}"),
        runs,
        c,
        |c| {
            let d = dashboards::revenue(&mut c.store, &c.admin, &qq)?;
            let gbp = d.series.first().context("no GBP series")?;
            ensure!(gbp.totals.invoiced > 0, "nothing invoiced");
            Ok(format!(
                "invoiced {} collected {}",
                gbp.totals.invoiced, gbp.totals.collected
            ))
        },
        |c| count(c, &qq),
    )?;
    let qq = q.clone();
    let receivables = compare(
        &format!("receivables, {label}"),
        runs,
        c,
        |c| {
            let d = dashboards::receivables(&mut c.store, &c.admin, &qq)?;
            let last = &d.series.first().context("no GBP series")?.rows;
            let last = &last.last().context("no period")?.receivables;
            Ok(format!("owed at the end {}", last.outstanding))
        },
        |c| count(c, &qq),
    )?;
    Ok(revenue.max(receivables))
}

/// Receivables at the end of `day` by joining every invoice to its facts (what
/// the dashboard avoids): `[0–30, 31–60, 61–90, over 90]`.
fn naive_receivables(c: &Clinic, day: NaiveDate) -> Result<[i64; 4]> {
    let zone = time::clinic_zone(c.store.conn())?;
    let end = time::stored(time::day_start(zone, day + TimeDelta::days(1)));
    let limits =
        [30, 60, 90].map(|d| time::stored(time::day_start(zone, day - TimeDelta::days(d))));
    let mut stmt = c.store.conn().prepare(
        "SELECT i.issued_at, i.total_minor
           - coalesce((SELECT sum(amount_minor) FROM payment x WHERE x.invoice_id = i.id
                       AND x.status = 'succeeded' AND x.received_at < ?1), 0)
           + coalesce((SELECT sum(amount_minor) FROM refund x WHERE x.invoice_id = i.id
                       AND x.refunded_at < ?1), 0)
           - coalesce((SELECT sum(total_minor) FROM credit_note x WHERE x.invoice_id = i.id
                       AND x.created_at < ?1), 0)
           - CASE WHEN i.voided_at < ?1 THEN i.total_minor ELSE 0 END
         FROM invoice i WHERE i.issued_at < ?1",
    )?;
    let mut out = [0; 4];
    let mut rows = stmt.query([&end])?;
    while let Some(row) = rows.next()? {
        let (issued, balance): (String, i64) = (row.get(0)?, row.get(1)?);
        let bucket = limits.iter().position(|l| issued >= *l).unwrap_or(3);
        out[bucket] += balance;
    }
    Ok(out)
}

/// Checks the dashboard against the naive join at a few month ends, and times
/// the join once (the cost the movement table saves).
fn check_receivables(c: &mut Clinic, years: i32) -> Result<()> {
    let y = today().year() - 1;
    let q = DashboardQuery {
        from: date(y - years + 1, 1, 1).to_string(),
        to: date(y, 12, 31).to_string(),
        granularity: Granularity::Month,
        provider_id: None,
    };
    let d = dashboards::receivables(&mut c.store, &c.admin, &q)?;
    let rows = &d.series.first().context("no GBP series")?.rows;
    let mut slowest = Duration::ZERO;
    for row in rows.iter().step_by(7) {
        let day = time::parse_date(&row.period.ends_on).context("date")?;
        let t = Instant::now();
        let naive = naive_receivables(c, day)?;
        slowest = slowest.max(t.elapsed());
        let x = &row.receivables;
        ensure!(
            naive == [x.days_0_30, x.days_31_60, x.days_61_90, x.days_over_90],
            "receivables at the end of {day}: dashboard {x:?}, join {naive:?}"
        );
    }
    println!(
        "receivables checked against a join of every invoice to its facts at {} month ends: equal; \
         that join takes up to {:.1} ms for ONE date",
        rows.len().div_ceil(7),
        slowest.as_secs_f64() * 1000.0
    );
    Ok(())
}

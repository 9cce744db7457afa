//! `schedule-bench`: scheduling on a busy clinic. A SQLCipher store in Europe/London,
//! 10 providers (Mon–Sat 08:00–18:00, break 12:30–13:30, a room each), a 15-minute
//! "Consultation", 2,000 patients and `--appointments` (default 20,000) over the next
//! 120 days, one provider fully booked for 59 days (the 60th free). Measures p50/p99
//! (`--runs`, default 200) of the next free slots over 90 days for one provider (ratio
//! against the same query on an EMPTY store of the same configuration in the same run),
//! any provider and the fully booked one; the day view of all providers and a week view
//! (audited, as the app loads them); and booking through the use case (100 bookings).
//!
//! Usage: `cargo run --release -p clinic-bench --bin schedule-bench -- [--appointments N] [--runs N]`
use anyhow::{bail, ensure, Context, Result};
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use clinic_core::schedule::{appointments, booking, config, slots, time};
use clinic_core::{admin, identity, registry, Caller};
use clinic_protocol::{
    AppointmentType, BookAppointment, CalendarQuery, CreateClinic, CreateStaff, FindSlots,
    PatientId, PeriodKind, Role, RoomId, SaveAppointmentType, SaveRoom, ScheduleSettings,
    SetProviderHours, Slot, StaffId, WeeklyPeriod,
};
use clinic_store::rusqlite::params;
use clinic_store::{DbKey, Encryption, Store};
use clinic_testkit::PatientGenerator;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

const AUDIT_KEY: [u8; 32] = [8; 32];
const PROVIDERS: usize = 10;
const PATIENTS: usize = 2_000;
/// Appointments are spread over this many clinic days from today.
const SPREAD_DAYS: i64 = 120;
/// The last provider's days `0..FULL_DAYS - 1` are fully booked; day `FULL_DAYS - 1` is free.
const FULL_DAYS: i64 = 60;
const BOOKINGS: usize = 100;
const PASSWORD: &str = "Fjord pebble orchard";

/// The fixed "now" of every query: Monday 2027-01-04, 07:00 UTC (07:00 in London),
/// before the first working hour, so results do not depend on when the bench runs.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 4, 7, 0, 0).unwrap()
}

fn today() -> NaiveDate {
    now().date_naive()
}

/// One store with the clinic's configuration (no appointments yet).
struct Clinic {
    store: Store,
    _dir: tempfile::TempDir,
    caller: Caller<'static>,
    kind: AppointmentType,
    providers: Vec<StaffId>,
    patients: Vec<PatientId>,
}

impl Clinic {
    /// Clinic, settings, type, rooms, providers with hours and patients, all
    /// through the core's use cases (audited, with their ops).
    fn new(name: &str) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut store = clinic_store::open(
            &dir.path().join(format!("{name}.db")),
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
        // The administrator's session: calendar reads check restricted access per
        // patient and bookings notify the provider, as for any staff member.
        let caller = Caller::staff(&AUDIT_KEY, &created.session);
        config::set_settings(
            &mut store,
            &caller,
            ScheduleSettings {
                time_zone: "Europe/London".into(),
                kiosk_idle_seconds: 90,
                reminder_hours_before: 24,
            },
        )?;
        let kind = config::save_appointment_type(
            &mut store,
            &caller,
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
        for i in 0..PROVIDERS {
            let room = config::save_room(
                &mut store,
                &caller,
                SaveRoom {
                    id: None,
                    expected_version: None,
                    name: format!("Room {}", i + 1),
                    active: true,
                },
            )?;
            let (role, title) = if i < 7 {
                (Role::Doctor, "Dr")
            } else {
                (Role::Nurse, "Nurse")
            };
            let member = admin::create_staff(
                &mut store,
                &caller,
                CreateStaff {
                    username: format!("provider{i:02}"),
                    display_name: format!("{title} Provider {i:02}"),
                    role,
                    password: PASSWORD.into(),
                },
            )?;
            config::set_hours(
                &mut store,
                &caller,
                SetProviderHours {
                    provider_id: member.id,
                    expected_version: 0,
                    periods: week(room.id),
                },
            )?;
            providers.push(member.id);
        }
        let patients = registry::register_many(
            &mut store,
            &Caller::device(&AUDIT_KEY),
            PatientGenerator::new(2027).take(PATIENTS),
        )?;
        Ok(Self {
            store,
            _dir: dir,
            caller,
            kind,
            providers,
            patients,
        })
    }

    /// The next free slots (the app's find_slots is a read without audit entry).
    fn slots(&self, provider: Option<StaffId>) -> Result<Vec<Slot>> {
        let request = FindSlots {
            provider_id: provider,
            appointment_type_id: self.kind.id,
            from: String::new(),
            days: 90,
            limit: 20,
        };
        Ok(slots::find_slots(self.store.conn(), now(), &request)?)
    }
}

/// Monday to Saturday 08:00–18:00 in `room`, with a 12:30–13:30 break.
fn week(room: RoomId) -> Vec<WeeklyPeriod> {
    let period = |weekday, start: &str, end: &str, kind, room_id| WeeklyPeriod {
        weekday,
        start: start.into(),
        end: end.into(),
        kind,
        room_id,
    };
    (1..=6)
        .flat_map(|d| {
            [
                period(d, "08:00", "18:00", PeriodKind::Work, Some(room)),
                period(d, "12:30", "13:30", PeriodKind::Break, None),
            ]
        })
        .collect()
}

/// Where the seeded appointments went.
struct Seeded {
    far_filled: usize,
    busiest_day: NaiveDate,
    busiest_count: usize,
    /// Free (provider index, start) slots left for the booking measurement.
    spare: Vec<(usize, DateTime<Utc>)>,
}

/// Inserts `n` appointments in one transaction, directly into `appointment`.
/// Booking 20,000 through the use case one by one would take minutes; booking
/// through `booking::book` is measured separately below on a smaller sample.
/// Starts come from the providers' free 15-minute grid (their real working time
/// from `slots::working_on`, daylight-saving change included), so the store's
/// overlap triggers accept every row. The last provider's first 59 days are
/// filled completely and its 60th day left free; the rest are shuffled over all
/// other free slots of the 120 days.
fn seed(c: &mut Clinic, n: usize) -> Result<Seeded> {
    let zone = time::clinic_zone(c.store.conn())?;
    let far = PROVIDERS - 1;
    let (mut fill, mut candidates) = (Vec::new(), Vec::new());
    for (p, provider) in c.providers.iter().enumerate() {
        let hours = config::hours(c.store.conn(), *provider)?;
        for d in 0..SPREAD_DAYS {
            let date = today() + TimeDelta::days(d);
            let mut grid = Vec::new();
            for w in slots::working_on(zone, &hours, &[], date) {
                let mut t = w.start;
                while t + TimeDelta::minutes(15) <= w.end {
                    grid.push((p, t, w.room));
                    t += TimeDelta::minutes(15);
                }
            }
            if p != far || d >= FULL_DAYS {
                candidates.extend(grid);
            } else if d < FULL_DAYS - 1 {
                fill.extend(grid); // and day FULL_DAYS - 1 stays free
            }
        }
    }
    ensure!(
        n >= fill.len(),
        "--appointments must be at least {} (the fully booked provider's days)",
        fill.len()
    );
    let random = n - fill.len();
    ensure!(
        random + BOOKINGS <= candidates.len(),
        "--appointments must be at most {} (free slots in {SPREAD_DAYS} days, {BOOKINGS} kept for booking)",
        fill.len() + candidates.len() - BOOKINGS
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2027);
    candidates.shuffle(&mut rng);
    let spare = candidates[random..random + BOOKINGS]
        .iter()
        .map(|(p, t, _)| (*p, *t))
        .collect();
    let chosen: Vec<_> = fill.iter().chain(&candidates[..random]).copied().collect();
    let mut per_day = std::collections::HashMap::<NaiveDate, usize>::new();
    for (_, t, _) in &chosen {
        *per_day.entry(time::local_date(zone, *t)).or_default() += 1;
    }
    let (busiest_day, busiest_count) = per_day
        .into_iter()
        .max_by_key(|(d, n)| (*n, std::cmp::Reverse(*d)))
        .context("no appointments to spread")?;
    let stamp = time::stored(now());
    let (providers, patients, kind) = (&c.providers, &c.patients, c.kind.id.to_string());
    c.store.write(|tx| -> Result<()> {
        let mut stmt = tx.conn().prepare(
            "INSERT INTO appointment (id, patient_id, provider_id, appointment_type_id, room_id,
                starts_at, ends_at, status, tentative, check_in_code, created_at, updated_at, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'booked', 1, ?8, ?9, ?9, 1)",
        )?;
        for (i, (p, t, room)) in chosen.iter().enumerate() {
            let patient = patients[rng.random_range(0..patients.len())];
            stmt.execute(params![
                clinic_protocol::AppointmentId::new().to_string(),
                patient.to_string(),
                providers[*p].to_string(),
                kind,
                room.map(|r| r.to_string()),
                time::stored(*t),
                time::stored(*t + TimeDelta::minutes(15)),
                format!("B{:05}", i % 100_000),
                stamp,
            ])?;
        }
        Ok(())
    })?;
    Ok(Seeded {
        far_filled: fill.len(),
        busiest_day,
        busiest_count,
        spare,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Sorted timings and `(p50, p99)` in ms.
fn stats(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99))
}

/// Runs `f` `runs` times (after a few warm-up runs) and returns the timings.
fn measure<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<Vec<Duration>> {
    for _ in 0..runs.min(10) {
        f()?;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed());
    }
    Ok(times)
}

/// The same slot search on the busy and the empty store, alternately; prints
/// both and their ratio.
fn compare(
    label: &str,
    runs: usize,
    busy: &Clinic,
    empty: &Clinic,
    provider: Option<usize>,
) -> Result<Vec<Slot>> {
    let pick = |c: &Clinic| provider.map(|p| c.providers[p]);
    let found = busy.slots(pick(busy))?;
    let (mut b, mut e) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs.min(10) {
        busy.slots(pick(busy))?;
        empty.slots(pick(empty))?;
    }
    for _ in 0..runs {
        let t = Instant::now();
        busy.slots(pick(busy))?;
        b.push(t.elapsed());
        let t = Instant::now();
        empty.slots(pick(empty))?;
        e.push(t.elapsed());
    }
    let ((b50, b99), (e50, e99)) = (stats(b), stats(e));
    let first = found
        .first()
        .map(|s| format!("{} {}", s.local_date, s.local_time))
        .unwrap_or_default();
    println!(
        "{label}: p50 {b50:.2} ms  p99 {b99:.2} ms ({} slots, first {first}) | empty store p50 {e50:.2} ms  p99 {e99:.2} ms | ratio p50 {:.2}, p99 {:.2}",
        found.len(),
        b50 / e50.max(1e-9),
        b99 / e99.max(1e-9),
    );
    Ok(found)
}

fn main() -> Result<()> {
    let mut n = 20_000usize;
    let mut runs = 200usize;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v: usize = it.next().context("a number")?.parse().context("a number")?;
        match flag.as_str() {
            "--appointments" => n = v,
            "--runs" => runs = v,
            _ => bail!("unknown flag {flag}; use --appointments, --runs"),
        }
    }
    ensure!(runs > 0, "--runs must be at least 1");
    let t = Instant::now();
    let mut busy = Clinic::new("busy")?;
    let seeded = seed(&mut busy, n)?;
    let empty = Clinic::new("empty")?;
    println!(
        "schedule-bench: SQLCipher store, Europe/London, {n} appointments over {SPREAD_DAYS} days from {} \
         ({} of them filling provider {} for {} days), {PROVIDERS} providers (Mon-Sat 08:00-18:00, break, \
         one room each), {PATIENTS} patients, 15-minute consultations; baseline: the same clinic with no \
         appointments; built in {:.1} s; {runs} runs per measurement",
        today(),
        seeded.far_filled,
        PROVIDERS - 1,
        FULL_DAYS - 1,
        t.elapsed().as_secs_f64()
    );

    // 1-3: slot searches, busy versus empty store.
    let one = compare(
        "find_slots, one provider, 90 days, limit 20",
        runs,
        &busy,
        &empty,
        Some(0),
    )?;
    assert!(
        !one.is_empty(),
        "find_slots found no slot for provider 0: the run is broken"
    );
    let any = compare(
        "find_slots, any provider, 90 days, limit 20",
        runs,
        &busy,
        &empty,
        None,
    )?;
    assert!(
        !any.is_empty(),
        "find_slots for any provider found no slot: the run is broken"
    );
    let far = compare(
        "find_slots, provider booked for 59 days, 90 days, limit 20",
        runs,
        &busy,
        &empty,
        Some(PROVIDERS - 1),
    )?;
    let free_day = (today() + TimeDelta::days(FULL_DAYS - 1)).to_string();
    assert!(
        far.first().is_some_and(|s| s.local_date == free_day),
        "the fully booked provider's first slot should be on {free_day}, got {:?}",
        far.first().map(|s| &s.local_date)
    );

    // 4: calendar views as the app loads them (each an audit entry).
    let day = CalendarQuery {
        from: seeded.busiest_day.to_string(),
        days: 1,
        provider_ids: Vec::new(),
    };
    let calendar = appointments::calendar(&mut busy.store, &busy.caller, day.clone(), now())?;
    let shown: usize = calendar
        .providers
        .iter()
        .map(|p| p.appointments.len())
        .sum();
    assert!(
        calendar.providers.len() == PROVIDERS && shown == seeded.busiest_count,
        "the day view returned {} of {PROVIDERS} providers and {shown} of {} appointments: the run is broken",
        calendar.providers.len(),
        seeded.busiest_count
    );
    let times = measure(runs, || {
        Ok(appointments::calendar(
            &mut busy.store,
            &busy.caller,
            day.clone(),
            now(),
        )?)
    })?;
    let (p50, p99) = stats(times);
    println!(
        "day view, all {PROVIDERS} providers, {} (the busiest day: {shown} appointments): p50 {p50:.2} ms  p99 {p99:.2} ms",
        seeded.busiest_day
    );
    let week = CalendarQuery {
        from: today().to_string(),
        days: 7,
        provider_ids: vec![busy.providers[0]],
    };
    let calendar = appointments::calendar(&mut busy.store, &busy.caller, week.clone(), now())?;
    let shown: usize = calendar
        .providers
        .iter()
        .map(|p| p.appointments.len())
        .sum();
    assert!(
        calendar.providers.len() == 1 && shown > 0,
        "the week view returned no appointments for provider 0: the run is broken"
    );
    let times = measure(runs, || {
        Ok(appointments::calendar(
            &mut busy.store,
            &busy.caller,
            week.clone(),
            now(),
        )?)
    })?;
    let (p50, p99) = stats(times);
    println!(
        "week view, one provider, from {} ({shown} appointments): p50 {p50:.2} ms  p99 {p99:.2} ms",
        today()
    );

    // 5: booking through the use case (checks, op, audit entry, reminder, notification).
    let mut times = Vec::with_capacity(BOOKINGS);
    for (i, (p, start)) in seeded.spare.iter().enumerate() {
        let request = BookAppointment {
            patient_id: busy.patients[i * 7 % busy.patients.len()],
            provider_id: busy.providers[*p],
            appointment_type_id: busy.kind.id,
            room_id: None,
            starts_at: time::stored(*start),
            note: String::new(),
            recurrence: None,
            waitlist_entry_id: None,
        };
        let t = Instant::now();
        let booked = booking::book(&mut busy.store, &busy.caller, request, now())?;
        times.push(t.elapsed());
        ensure!(
            booked.len() == 1,
            "a booking returned {} appointments",
            booked.len()
        );
    }
    let (p50, p99) = stats(times);
    println!(
        "book one appointment (booking::book, {BOOKINGS} bookings into free slots): p50 {p50:.2} ms  p99 {p99:.2} ms"
    );
    Ok(())
}

//! `clinic-bench`: the patient registry benchmark. Builds the same registry twice
//! in one run — on the SQLCipher store and on plain SQLite with the same schema,
//! statements and pragmas — and prints, for each, bulk-load time, single
//! registration throughput and as-you-type search latency (p50/p99), then the
//! encrypted/plain ratios against the targets.
//!
//! Usage: `cargo run --release -p clinic-bench -- [--patients N] [--registrations N] [--searches N]`
use anyhow::{bail, Context, Result};
use clinic_core::registry::{register_many, register_patient};
use clinic_core::search::search_patients;
use clinic_protocol::{PatientSearch, PatientSummary, RegisterPatient};
use clinic_store::{DbKey, Encryption, Store};
use clinic_testkit::PatientGenerator;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

struct Args {
    patients: usize,
    registrations: usize,
    searches: usize,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        patients: 100_000,
        registrations: 500,
        searches: 2_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        let n: usize = value
            .parse()
            .with_context(|| format!("{flag} takes a number"))?;
        match flag.as_str() {
            "--patients" => args.patients = n,
            "--registrations" => args.registrations = n,
            "--searches" => args.searches = n,
            _ => bail!("unknown flag {flag}; use --patients, --registrations, --searches"),
        }
    }
    if args.patients < 100 {
        bail!("--patients must be at least 100");
    }
    Ok(args)
}

struct Figures {
    label: &'static str,
    bulk_load: Duration,
    registrations_per_s: f64,
    search_p50: Duration,
    search_p99: Duration,
    search_max: Duration,
    /// The slowest queries (synthetic data), for finding bad plans.
    slowest: Vec<(Duration, String)>,
    /// (query kind, p50, p99)
    by_kind: Vec<(&'static str, Duration, Duration)>,
    db_bytes: u64,
}

fn main() -> Result<()> {
    let args = parse_args()?;
    println!(
        "clinic-bench: {} patients, {} single registrations, {} as-you-type searches per store",
        args.patients, args.registrations, args.searches
    );
    let encrypted = run(&args, "sqlcipher", Encryption::Key(DbKey::generate()?))?;
    let plain = run(&args, "plain", Encryption::PlainForBenchmark)?;
    for f in [&encrypted, &plain] {
        println!(
            "{:>9}: bulk load {:>7.2} s | register {:>7.1}/s | search p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms | file {:.1} MiB",
            f.label,
            f.bulk_load.as_secs_f64(),
            f.registrations_per_s,
            ms(f.search_p50),
            ms(f.search_p99),
            ms(f.search_max),
            f.db_bytes as f64 / 1_048_576.0
        );
        let kinds: Vec<String> = f
            .by_kind
            .iter()
            .map(|(k, p50, p99)| format!("{k} {:.2}/{:.2}", ms(*p50), ms(*p99)))
            .collect();
        println!("           search p50/p99 ms by kind: {}", kinds.join(", "));
        let slow: Vec<String> = f
            .slowest
            .iter()
            .map(|(d, q)| format!("{q:?} {:.1}", ms(*d)))
            .collect();
        println!("           slowest: {}", slow.join(", "));
    }
    let ratio = |e: f64, p: f64| if p > 0.0 { e / p } else { f64::NAN };
    let search_ratio = ratio(ms(encrypted.search_p99), ms(plain.search_p99));
    let search50_ratio = ratio(ms(encrypted.search_p50), ms(plain.search_p50));
    let register_ratio = ratio(plain.registrations_per_s, encrypted.registrations_per_s);
    println!("ratio encrypted/plain: search p50 {search50_ratio:.2}, search p99 {search_ratio:.2}, registration time {register_ratio:.2} (target <= 1.15)");
    println!(
        "target search p99 <= 20 ms: {} ({:.2} ms)",
        if ms(encrypted.search_p99) <= 20.0 {
            "met"
        } else {
            "MISSED"
        },
        ms(encrypted.search_p99)
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn run(args: &Args, label: &'static str, encryption: Encryption) -> Result<Figures> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let mut store = clinic_store::open(&path, &encryption)?;

    let started = Instant::now();
    let mut generator = PatientGenerator::new(42);
    let mut loaded = 0;
    while loaded < args.patients {
        let batch = (args.patients - loaded).min(5_000);
        register_many(&mut store, generator.by_ref().take(batch))?;
        loaded += batch;
    }
    store.conn().execute_batch("PRAGMA optimize")?;
    let bulk_load = started.elapsed();

    let started = Instant::now();
    for details in generator.by_ref().take(args.registrations) {
        register_patient(
            &mut store,
            RegisterPatient {
                details,
                confirm_not_duplicate: false,
            },
        )?;
    }
    let registrations_per_s = args.registrations as f64 / started.elapsed().as_secs_f64();

    let queries = typing_queries(&store, args.searches)?;
    // Warm the page cache the way a front desk that has been searching would.
    for (_, q) in queries.iter().take(200) {
        search(&store, q)?;
    }
    let mut latencies = Vec::with_capacity(queries.len());
    let mut by_kind: Vec<(&'static str, Vec<Duration>)> = Vec::new();
    let mut slowest: Vec<(Duration, String)> = Vec::new();
    for (kind, q) in &queries {
        let t = Instant::now();
        search(&store, q)?;
        let took = t.elapsed();
        latencies.push(took);
        slowest.push((took, q.clone()));
        match by_kind.iter_mut().find(|(k, _)| k == kind) {
            Some((_, v)) => v.push(took),
            None => by_kind.push((kind, vec![took])),
        }
    }
    let by_kind = by_kind
        .into_iter()
        .map(|(k, mut v)| {
            v.sort();
            (k, percentile(&v, 0.5), percentile(&v, 0.99))
        })
        .collect();
    latencies.sort();
    slowest.sort_by(|a, b| b.0.cmp(&a.0));
    slowest.truncate(8);
    let pct = |p: f64| percentile(&latencies, p);
    drop(store);
    let db_bytes = std::fs::metadata(&path)?.len();
    Ok(Figures {
        label,
        bulk_load,
        registrations_per_s,
        search_p50: pct(0.50),
        search_p99: pct(0.99),
        search_max: pct(1.0),
        by_kind,
        slowest,
        db_bytes,
    })
}

/// The `p` quantile of sorted durations (nearest rank).
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn search(store: &Store, text: &str) -> Result<usize> {
    let page = search_patients(
        store.conn(),
        &PatientSearch {
            text: text.into(),
            page: 0,
            page_size: 25,
        },
    )?;
    Ok(page.items.len())
}

/// What a front desk types, keystroke by keystroke: growing prefixes of family and
/// given names (from 1 letter), "given family" pairs, last phone digits, DOBs and
/// MRN prefixes of real patients in the store. Deterministic.
fn typing_queries(store: &Store, n: usize) -> Result<Vec<(&'static str, String)>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let sample: Vec<PatientSummary> = {
        let mut stmt = store.conn().prepare(
            "SELECT id, mrn, given_name, middle_name, family_name, date_of_birth, sex, phone
             FROM patient ORDER BY id LIMIT 5000",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(PatientSummary {
                id: r.get::<_, String>(0)?.parse().unwrap_or_default(),
                mrn: r.get(1)?,
                given_name: r.get(2)?,
                middle_name: r.get(3)?,
                family_name: r.get(4)?,
                date_of_birth: r.get(5)?,
                sex: None,
                phone: r.get(7)?,
            })
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let mut queries = Vec::with_capacity(n);
    while queries.len() < n {
        let Some(p) = sample.choose(&mut rng) else {
            break;
        };
        match rng.random_range(0..10) {
            0..=4 => {
                let name: Vec<char> = p.family_name.chars().collect();
                for len in 1..=name.len().min(6) {
                    let kind = if len == 1 { "name-1" } else { "name" };
                    queries.push((kind, name[..len].iter().collect()));
                }
            }
            5 | 6 => {
                let family: String = p.family_name.chars().take(3).collect();
                for len in 1..=p.given_name.chars().count().min(4) {
                    let given: String = p.given_name.chars().take(len).collect();
                    queries.push(("given+family", format!("{given} {family}")));
                }
            }
            7 => {
                let last4: Vec<char> = p.phone.chars().rev().take(4).collect();
                queries.push(("phone-last4", last4.into_iter().rev().collect()));
            }
            8 => queries.push(("dob", p.date_of_birth.clone())),
            _ => queries.push(("mrn", p.mrn.chars().take(7).collect())),
        }
    }
    queries.truncate(n);
    Ok(queries)
}

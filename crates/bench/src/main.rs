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

/// One store under test and what was measured on it.
struct Subject {
    label: &'static str,
    store: Store,
    path: std::path::PathBuf,
    _dir: tempfile::TempDir,
    bulk_load: Duration,
    registrations: Vec<Duration>,
    queries: Vec<(&'static str, String)>,
    searches: Vec<Duration>,
}

impl Subject {
    /// Creates the store and bulk-loads the seeded registry into it.
    fn load(args: &Args, label: &'static str, encryption: Encryption) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("bench.db");
        let mut store = clinic_store::open(&path, &encryption)?;
        let started = Instant::now();
        let mut generator = PatientGenerator::new(42);
        let mut loaded = 0;
        while loaded < args.patients {
            let batch = (args.patients - loaded).min(5_000);
            register_many(&mut store, &caller(), generator.by_ref().take(batch))?;
            loaded += batch;
        }
        store.conn().execute_batch("PRAGMA optimize")?;
        Ok(Self {
            label,
            store,
            path,
            _dir: dir,
            bulk_load: started.elapsed(),
            registrations: Vec::new(),
            queries: Vec::new(),
            searches: Vec::new(),
        })
    }

    fn report(&self) -> Result<()> {
        let mut searches = self.searches.clone();
        searches.sort();
        let total: Duration = self.registrations.iter().sum();
        let per_s = self.registrations.len() as f64 / total.as_secs_f64().max(1e-9);
        println!(
            "{:>9}: bulk load {:>6.2} s | register {:>6.1}/s | search p50 {:>5.2} ms  p99 {:>6.2} ms  max {:>6.2} ms | file {:.1} MiB",
            self.label,
            self.bulk_load.as_secs_f64(),
            per_s,
            ms(percentile(&searches, 0.5)),
            ms(percentile(&searches, 0.99)),
            ms(percentile(&searches, 1.0)),
            std::fs::metadata(&self.path)?.len() as f64 / 1_048_576.0
        );
        let mut kinds: Vec<&str> = self.queries.iter().map(|(k, _)| *k).collect();
        kinds.dedup();
        kinds.sort();
        kinds.dedup();
        let by_kind: Vec<String> = kinds
            .iter()
            .map(|kind| {
                let mut v: Vec<Duration> = self
                    .queries
                    .iter()
                    .zip(&self.searches)
                    .filter(|((k, _), _)| k == kind)
                    .map(|(_, d)| *d)
                    .collect();
                v.sort();
                format!(
                    "{kind} {:.2}/{:.2}",
                    ms(percentile(&v, 0.5)),
                    ms(percentile(&v, 0.99))
                )
            })
            .collect();
        println!(
            "           search p50/p99 ms by kind: {}",
            by_kind.join(", ")
        );
        let mut slow: Vec<(Duration, &str)> = self
            .searches
            .iter()
            .zip(&self.queries)
            .map(|(d, (_, q))| (*d, q.as_str()))
            .collect();
        slow.sort_by_key(|(d, _)| std::cmp::Reverse(*d));
        let slow: Vec<String> = slow
            .iter()
            .take(6)
            .map(|(d, q)| format!("{q:?} {:.1}", ms(*d)))
            .collect();
        println!("           slowest: {}", slow.join(", "));
        Ok(())
    }

    fn p(&self, which: &[Duration], q: f64) -> Duration {
        let mut v = which.to_vec();
        v.sort();
        percentile(&v, q)
    }
}

fn main() -> Result<()> {
    let args = parse_args()?;
    println!(
        "clinic-bench: {} patients, {} single registrations, {} as-you-type searches per store \
         (stores measured alternately, operation by operation)",
        args.patients, args.registrations, args.searches
    );
    let mut subjects = [
        Subject::load(&args, "sqlcipher", Encryption::Key(DbKey::generate()?))?,
        Subject::load(&args, "plain", Encryption::PlainForBenchmark)?,
    ];
    for details in PatientGenerator::new(4242).take(args.registrations) {
        for s in subjects.iter_mut() {
            let request = RegisterPatient {
                details: details.clone(),
                confirm_not_duplicate: false,
            };
            let t = Instant::now();
            register_patient(&mut s.store, &caller(), request)?;
            s.registrations.push(t.elapsed());
        }
    }
    for s in subjects.iter_mut() {
        s.queries = typing_queries(&s.store, args.searches)?;
        // Warm the page cache the way a front desk that has been searching would.
        for (_, q) in s.queries.iter().take(200) {
            search(&s.store, q)?;
        }
    }
    for i in 0..args.searches {
        for s in subjects.iter_mut() {
            let t = Instant::now();
            search(&s.store, &s.queries[i].1)?;
            s.searches.push(t.elapsed());
        }
    }
    // As the app runs a search: with its audit entry (a small write transaction).
    let audited_n = args.searches.min(500);
    let mut audited: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    for i in 0..audited_n {
        for (j, s) in subjects.iter_mut().enumerate() {
            let query = PatientSearch {
                text: s.queries[i].1.clone(),
                page: 0,
                page_size: 25,
            };
            let t = Instant::now();
            clinic_core::search::search_patients_audited(&mut s.store, &caller(), &query)?;
            audited[j].push(t.elapsed());
        }
    }
    for s in &subjects {
        s.report()?;
    }
    for (j, s) in subjects.iter().enumerate() {
        let mut v = audited[j].clone();
        v.sort();
        println!(
            "{:>9}: search + audit entry (as the app does), {audited_n} queries: p50 {:.2} ms  p99 {:.2} ms",
            s.label,
            ms(percentile(&v, 0.5)),
            ms(percentile(&v, 0.99))
        );
    }
    let [enc, plain] = &subjects;
    let ratio = |e: Duration, p: Duration| e.as_secs_f64() / p.as_secs_f64().max(1e-9);
    let reg_e: Duration = enc.registrations.iter().sum();
    let reg_p: Duration = plain.registrations.iter().sum();
    println!(
        "ratio encrypted/plain (target <= 1.15): search p50 {:.2}, search p99 {:.2}, registration time {:.2}, bulk load {:.2}",
        ratio(enc.p(&enc.searches, 0.5), plain.p(&plain.searches, 0.5)),
        ratio(enc.p(&enc.searches, 0.99), plain.p(&plain.searches, 0.99)),
        ratio(reg_e, reg_p),
        ratio(enc.bulk_load, plain.bulk_load),
    );
    let p99 = enc.p(&enc.searches, 0.99);
    println!(
        "target search p99 <= 20 ms on the encrypted store: {} ({:.2} ms)",
        if ms(p99) <= 20.0 { "met" } else { "MISSED" },
        ms(p99)
    );
    Ok(())
}

/// The bench audits as the device, like the demo clinic.
fn caller() -> clinic_core::Caller<'static> {
    const AUDIT_KEY: [u8; 32] = [5; 32];
    clinic_core::Caller::device(&AUDIT_KEY)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
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
                restricted: false,
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

//! `fhir-bench`: FHIR R4 import rate, in resources per second, for the 20
//! Synthea transaction bundles of the shared test data, into a fresh encrypted
//! (SQLCipher) store — one patient per transaction, every change with its
//! outbox op, link and audit entry, as the app imports. Measured in the same
//! run for comparison: reading and mapping alone (no store), the same import
//! into plain SQLite (same schema, statements and pragmas), and importing the
//! same files again into the encrypted store (everything matched, unchanged).
//! Prints figures; asserts nothing about time.
//!
//! The data: `--data DIR`, else `CLINIC_SHARED_DATA`, else `../shared/data`
//! next to the repository (its `synthea-r4-bundles/` folder).
//!
//! Usage: `cargo run --release -p clinic-bench --bin fhir-bench -- [--runs N] [--data DIR]`
use anyhow::{bail, Context, Result};
use clinic_core::{interop, Caller};
use clinic_protocol::FhirImportSummary;
use clinic_store::{DbKey, Encryption, Store};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const AUDIT_KEY: [u8; 32] = [5; 32];

type Files = Vec<(String, Vec<u8>)>;

fn data_dir(flag: Option<PathBuf>) -> Result<PathBuf> {
    let dir = match (flag, std::env::var_os("CLINIC_SHARED_DATA")) {
        (Some(d), _) => d,
        (None, Some(d)) => PathBuf::from(d),
        (None, None) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let bundles = dir.join("synthea-r4-bundles");
    if !bundles.is_dir() {
        bail!(
            "the shared test data is missing: expected {} (use --data DIR or CLINIC_SHARED_DATA)",
            bundles.display()
        );
    }
    Ok(bundles)
}

fn read(dir: &Path) -> Result<Files> {
    clinic_fhir::fhir_files(dir)?
        .iter()
        .map(|p| {
            let name = p
                .file_name()
                .context("a file name")?
                .to_string_lossy()
                .into_owned();
            Ok((name, std::fs::read(p)?))
        })
        .collect()
}

fn plan(files: &Files) -> clinic_fhir::ImportPlan {
    interop::plan(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())))
}

fn import(store: &mut Store, files: &Files) -> Result<(Duration, FhirImportSummary)> {
    let t = Instant::now();
    let summary = interop::import(
        store,
        &Caller::device(&AUDIT_KEY),
        plan(files),
        files.len(),
        |_, _| {},
    )?;
    Ok((t.elapsed(), summary))
}

fn fresh(encryption: Encryption) -> Result<(tempfile::TempDir, Store)> {
    let dir = tempfile::tempdir()?;
    let store = clinic_store::open(&dir.path().join("fhir.db"), &encryption)?;
    Ok((dir, store))
}

fn rate(resources: usize, d: Duration) -> f64 {
    resources as f64 / d.as_secs_f64()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> Result<()> {
    let mut runs = 3usize;
    let mut data = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--runs" => runs = value.parse().context("--runs takes a number")?,
            "--data" => data = Some(PathBuf::from(value)),
            _ => bail!("unknown flag {flag}; use --runs N, --data DIR"),
        }
    }
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    let files = read(&data_dir(data)?)?;
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let resources = plan(&files).resource_count();
    println!(
        "fhir-bench: {} Synthea bundles ({:.1} MB, {resources} resources), median of {runs} run(s)",
        files.len(),
        bytes as f64 / 1e6
    );

    let mut parse = Vec::new();
    let mut plain = Vec::new();
    let mut encrypted = Vec::new();
    let mut again = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let p = plan(&files);
        parse.push(t.elapsed());
        drop(p);

        let (_dir, mut store) = fresh(Encryption::PlainForBenchmark)?;
        plain.push(import(&mut store, &files)?.0);

        let (_dir, mut store) = fresh(Encryption::Key(DbKey::generate()?))?;
        let (d, summary) = import(&mut store, &files)?;
        encrypted.push(d);
        let (d, re) = import(&mut store, &files)?;
        if re.patients_imported + re.patients_updated != 0 {
            bail!("the re-import changed records: {re:?}");
        }
        again.push(d);
        let rows: i64 = store.conn().query_row(
            "SELECT (SELECT count(*) FROM chart_entry) + (SELECT count(*) FROM encounter)
                  + (SELECT count(*) FROM observation) + (SELECT count(*) FROM fhir_link)",
            [],
            |r| r.get(0),
        )?;
        let ops: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
        last = Some((summary, rows, ops));
    }
    let (summary, rows, ops) = last.context("a run")?;
    let (parse, plain, encrypted, again) = (
        median(parse),
        median(plain),
        median(encrypted),
        median(again),
    );
    println!(
        "  imported {} patients; rows written (entries, visits, results, links) {rows}; outbox ops {ops}",
        summary.patients_imported
    );
    println!(
        "  read + map only (no store):      {:>8.0} resources/s  ({:.2} s)",
        rate(resources, parse),
        parse.as_secs_f64()
    );
    println!(
        "  import into plain SQLite:        {:>8.0} resources/s  ({:.2} s)",
        rate(resources, plain),
        plain.as_secs_f64()
    );
    println!(
        "  import into SQLCipher (the app): {:>8.0} resources/s  ({:.2} s)",
        rate(resources, encrypted),
        encrypted.as_secs_f64()
    );
    println!(
        "  same files again (unchanged):    {:>8.0} resources/s  ({:.2} s)",
        rate(resources, again),
        again.as_secs_f64()
    );
    println!(
        "  encrypted/plain time ratio {:.2}; the store's share of an import {:.0}%",
        encrypted.as_secs_f64() / plain.as_secs_f64(),
        100.0 * (encrypted.as_secs_f64() - parse.as_secs_f64()) / encrypted.as_secs_f64()
    );
    Ok(())
}

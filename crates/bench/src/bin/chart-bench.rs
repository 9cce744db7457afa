//! `chart-bench`: opening a chart (chart summary + vitals/results summary + first
//! timeline page, each audited, as the app does) for a patient with a long history
//! — 1,000 encounters with a signed note each and 5,000 observations — versus a
//! patient with 10 of each, on the same SQLCipher store among background patients.
//! Prints p50/p99 for both and the large/small ratio (target: within 3×), plus a
//! year of glucose trend for the large chart, and keyword search over the
//! documents of a clinic (`--documents`, default 10,000 text documents spread
//! over the background patients, one patient searching its own and the whole
//! index exercised).
//!
//! Usage: `cargo run --release -p clinic-bench --bin chart-bench -- [--opens N] [--background N] [--documents N]`
use anyhow::{bail, Context, Result};
use clinic_core::{chart, notes, observations, registry, Caller};
use clinic_protocol::{
    AddChartEntry, ChartEntryDetails, CreateEncounter, CreateNote, EncounterType, NewObservation,
    NoteContent, PatientId, ProblemDetails, RecordObservations, RegisterOutcome, RegisterPatient,
    SignNote, TimelineQuery, TrendQuery,
};
use clinic_store::{DbKey, Encryption, Store};
use clinic_testkit::PatientGenerator;
use std::time::{Duration, Instant};

const AUDIT_KEY: [u8; 32] = [6; 32];
const CODES: [(&str, &str, f64); 8] = [
    ("glucose", "mg/dL", 110.0),
    ("systolic_bp", "mm[Hg]", 130.0),
    ("diastolic_bp", "mm[Hg]", 82.0),
    ("heart_rate", "/min", 72.0),
    ("weight", "kg", 80.0),
    ("hba1c", "%", 6.4),
    ("ldl", "mg/dL", 120.0),
    ("creatinine", "mg/dL", 1.0),
];

fn caller() -> Caller<'static> {
    Caller::device(&AUDIT_KEY)
}

fn register(store: &mut Store, generator: &mut PatientGenerator) -> Result<PatientId> {
    let details = generator.next().context("generator")?;
    match registry::register_patient(
        store,
        &caller(),
        RegisterPatient {
            details,
            confirm_not_duplicate: true,
        },
    )? {
        RegisterOutcome::Registered { patient } => Ok(patient.id),
        RegisterOutcome::PossibleDuplicates { .. } => bail!("unexpected duplicate"),
    }
}

/// Gives `patient` `encounters` visits over the past years (one signed SOAP note
/// each), `observations` values cycling through `CODES`, and a few problems.
fn history(
    store: &mut Store,
    patient: PatientId,
    encounters: usize,
    observations: usize,
) -> Result<()> {
    let day = |i: usize| {
        let start = chrono::NaiveDate::from_ymd_opt(2016, 1, 1).unwrap();
        start + chrono::Duration::days((i * 3) as i64 % 3600)
    };
    for i in 0..encounters {
        let e = notes::create_encounter(
            store,
            &caller(),
            CreateEncounter {
                patient_id: patient,
                encounter_type: EncounterType::OfficeVisit,
                reason: format!("Follow-up {i}"),
                started_at: format!("{}T09:00:00Z", day(i)),
            },
        )?;
        let n = notes::create_note(
            store,
            &caller(),
            CreateNote {
                patient_id: patient,
                encounter_id: Some(e.id),
                amends: None,
                title: "Review".into(),
                content: NoteContent::Soap {
                    subjective: "Feels well.".into(),
                    objective: "Exam unremarkable.".into(),
                    assessment: "Stable.".into(),
                    plan: "Continue.".into(),
                },
            },
        )?;
        notes::sign_note(
            store,
            &caller(),
            SignNote {
                id: n.id,
                expected_version: 1,
            },
        )?;
    }
    let mut batch = Vec::new();
    for i in 0..observations {
        let (code, unit, base) = CODES[i % CODES.len()];
        batch.push(NewObservation {
            code: code.into(),
            value: format!("{:.1}", base * (0.9 + (i % 7) as f64 * 0.05)),
            unit: unit.into(),
            effective_at: day(i / CODES.len()).to_string(),
            source: "bench".into(),
        });
        if batch.len() == observations::MAX_BATCH || i + 1 == observations {
            observations::record(
                store,
                &caller(),
                RecordObservations {
                    patient_id: patient,
                    encounter_id: None,
                    observations: std::mem::take(&mut batch),
                },
            )?;
        }
    }
    for i in 0..5 {
        chart::add_entry(
            store,
            &caller(),
            AddChartEntry {
                patient_id: patient,
                details: ChartEntryDetails::Problem(ProblemDetails {
                    text: format!("Problem {i}"),
                    icd10_code: "E11.9".into(),
                    onset_date: "2015-01-01".into(),
                }),
            },
        )?;
    }
    Ok(())
}

/// What the chart screen loads on opening, as the app does (each read audited).
fn open_chart(store: &mut Store, patient: PatientId) -> Result<usize> {
    let summary = chart::summary(store, &caller(), patient)?;
    let obs = observations::summary(store, &caller(), patient)?;
    let page = notes::timeline(
        store,
        &caller(),
        TimelineQuery {
            patient_id: patient,
            page: 0,
            page_size: 20,
        },
    )?;
    Ok(summary.problems.len() + obs.latest_vitals.len() + page.encounters.len())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() -> Result<()> {
    let mut opens = 300usize;
    let mut background = 200usize;
    let mut documents = 10_000usize;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let n: usize = it.next().context("a number")?.parse().context("a number")?;
        match flag.as_str() {
            "--opens" => opens = n,
            "--background" => background = n,
            "--documents" => documents = n,
            _ => bail!("unknown flag {flag}; use --opens, --background, --documents"),
        }
    }
    let dir = tempfile::tempdir()?;
    let mut store = clinic_store::open(
        &dir.path().join("chart.db"),
        &Encryption::Key(DbKey::generate()?),
    )?;
    let mut generator = PatientGenerator::new(77);
    let t = Instant::now();
    for _ in 0..background {
        let p = register(&mut store, &mut generator)?;
        history(&mut store, p, 5, 25)?;
    }
    let large = register(&mut store, &mut generator)?;
    history(&mut store, large, 1_000, 5_000)?;
    let small = register(&mut store, &mut generator)?;
    history(&mut store, small, 10, 10)?;
    println!(
        "chart-bench: SQLCipher store with {background} background patients (5 visits, 25 values each), \
         a large chart (1,000 encounters with signed notes, 5,000 observations) and a small one \
         (10 and 10); built in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (mut big, mut little) = (Vec::with_capacity(opens), Vec::with_capacity(opens));
    for _ in 0..20 {
        open_chart(&mut store, large)?;
        open_chart(&mut store, small)?;
    }
    for (label, p) in [("large", large), ("small", small)] {
        let mut parts = [Duration::ZERO; 3];
        for _ in 0..50 {
            let t = Instant::now();
            chart::summary(&mut store, &caller(), p)?;
            parts[0] += t.elapsed();
            let t = Instant::now();
            observations::summary(&mut store, &caller(), p)?;
            parts[1] += t.elapsed();
            let t = Instant::now();
            notes::timeline(
                &mut store,
                &caller(),
                TimelineQuery {
                    patient_id: p,
                    page: 0,
                    page_size: 20,
                },
            )?;
            parts[2] += t.elapsed();
        }
        println!(
            "  {label}: mean chart summary {:.2} ms, vitals/results summary {:.2} ms, timeline page {:.2} ms",
            parts[0].as_secs_f64() * 20.0, parts[1].as_secs_f64() * 20.0, parts[2].as_secs_f64() * 20.0
        );
    }
    for _ in 0..opens {
        let t = Instant::now();
        open_chart(&mut store, large)?;
        big.push(t.elapsed());
        let t = Instant::now();
        open_chart(&mut store, small)?;
        little.push(t.elapsed());
    }
    big.sort();
    little.sort();
    let (b50, b99, s50, s99) = (
        percentile(&big, 0.5),
        percentile(&big, 0.99),
        percentile(&little, 0.5),
        percentile(&little, 0.99),
    );
    println!("open chart, large: p50 {b50:.2} ms  p99 {b99:.2} ms ({opens} opens)");
    println!("open chart, small: p50 {s50:.2} ms  p99 {s99:.2} ms ({opens} opens)");
    let ratio = b50 / s50.max(1e-9);
    println!(
        "ratio large/small p50 {ratio:.2}, p99 {:.2} (target <= 3.0): {}",
        b99 / s99.max(1e-9),
        if ratio <= 3.0 { "met" } else { "MISSED" }
    );
    let mut trend_times = Vec::new();
    let mut points = 0;
    for _ in 0..50 {
        let t = Instant::now();
        let trend = observations::trend(
            &mut store,
            &caller(),
            TrendQuery {
                patient_id: large,
                code: "glucose".into(),
                from: None,
                to: None,
            },
        )?;
        trend_times.push(t.elapsed());
        points = trend.points.len();
    }
    trend_times.sort();
    println!(
        "glucose trend of the large chart ({points} points): p50 {:.2} ms  p99 {:.2} ms",
        percentile(&trend_times, 0.5),
        percentile(&trend_times, 0.99)
    );
    document_search(&mut store, large, documents)?;
    Ok(())
}

const WORDS: [&str; 16] = [
    "potassium",
    "referral",
    "cardiology",
    "echocardiogram",
    "hemoglobin",
    "consent",
    "fracture",
    "radiology",
    "insulin",
    "asthma",
    "spirometry",
    "dermatology",
    "biopsy",
    "thyroid",
    "ultrasound",
    "vaccination",
];

/// Stores `n` text documents (a fifth of them for `patient`, the rest spread over
/// other records), then measures keyword searches for `patient` as the app runs them.
fn document_search(store: &mut Store, patient: PatientId, n: usize) -> Result<()> {
    use base64::Engine;
    use clinic_protocol::{DocumentQuery, DocumentType, UploadDocument};
    if n == 0 {
        return Ok(());
    }
    let others: Vec<PatientId> = {
        let mut stmt = store.conn().prepare("SELECT id FROM patient LIMIT 50")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.filter_map(|r| r.ok()?.parse().ok()).collect()
    };
    let t = Instant::now();
    for i in 0..n {
        let owner = if i % 5 == 0 {
            patient
        } else {
            others[i % others.len()]
        };
        let text = format!(
            "Report {i}. Findings: {} and {} within limits; follow-up {}.",
            WORDS[i % 16],
            WORDS[(i / 16) % 16],
            WORDS[(i * 7) % 16]
        );
        clinic_core::documents::upload(
            store,
            &caller(),
            UploadDocument {
                patient_id: owner,
                document_type: DocumentType::LabReport,
                title: format!("Report {i}"),
                document_date: "2024-01-01".into(),
                author: String::new(),
                source: "Bench lab".into(),
                file_name: format!("report-{i}.txt"),
                content_base64: base64::engine::general_purpose::STANDARD.encode(text),
            },
        )?;
    }
    println!(
        "documents: stored {n} text documents in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut times = Vec::new();
    let mut hits = 0;
    for i in 0..300 {
        let q = DocumentQuery {
            patient_id: patient,
            document_type: None,
            from: None,
            to: None,
            keywords: format!("{} {}", &WORDS[i % 16][..5], WORDS[(i / 3) % 16]),
            include_entered_in_error: false,
            page: 0,
            page_size: 25,
        };
        let t = Instant::now();
        hits += clinic_core::documents::list(store, &caller(), q)?
            .items
            .len();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "document keyword search ({n} documents, 300 two-word searches, {hits} rows shown): p50 {:.2} ms  p99 {:.2} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    Ok(())
}

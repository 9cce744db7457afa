//! Part 2: a fresh device's first sync of a large clinic.
use super::*;

// ---------------------------------------------------------------------------------
// Part 2: first sync
// ---------------------------------------------------------------------------------

/// Part 2's clinic, reused by part 3: device A (set the clinic up, registered
/// `patient`), device B (joined by a first sync).
pub(crate) struct Clinic {
    pub(crate) a: Device,
    pub(crate) b: Device,
    pub(crate) patient: Patient,
    pub(crate) rows: usize,
}

pub(crate) async fn part2_first_sync(server: &Server, rows: usize) -> Result<Clinic> {
    // Device A sets the clinic up (first run), registers a patient and syncs.
    let a = Device::new()?;
    let created = identity::create_clinic(
        &mut a.s(),
        CreateClinic {
            clinic_name: "Bench Clinic".into(),
            admin_username: "bench.admin".into(),
            admin_display_name: "Bench Admin".into(),
            admin_password: "Fjord pebble orchard".into(),
        },
    )?;
    let clinic = created.clinic.id;
    let patient = match registry::register_patient(
        &mut a.s(),
        &caller(),
        RegisterPatient {
            details: PatientGenerator::new(5).next_patient(),
            confirm_not_duplicate: true,
        },
    )? {
        RegisterOutcome::Registered { patient } => *patient,
        RegisterOutcome::PossibleDuplicates { .. } => bail!("unexpected duplicate"),
    };
    server.enroll_device(&a, clinic, "Front desk").await?;
    let from_a = engine::sync_round(&a, |_| {}).await?.pushed;

    // A second source device pushes `rows` generated ops (MRNs must not collide with A's).
    let templates = templates()?;
    let a_code = registry::device_code(&a.s().device_id());
    let device = loop {
        let d = DeviceId::new();
        if registry::device_code(&d) != a_code {
            break d;
        }
    };
    let transport = server.transport()?;
    let token = server
        .enroll_bare(&transport, server.issue_code(clinic)?, device)
        .await?;
    let mut factory = OpFactory::new(device, 2029, Some(&templates));
    let (mut generating, mut pushing) = (Duration::ZERO, Duration::ZERO);
    let mut pushed = 0;
    while pushed < rows {
        let t = Instant::now();
        let ops = factory.take((rows - pushed).min(MAX_PUSH_OPS));
        let sent = ops.len();
        generating += t.elapsed();
        let t = Instant::now();
        let answer = transport
            .push(
                &token,
                &PushRequest {
                    device_id: device,
                    ops,
                },
            )
            .await?;
        pushing += t.elapsed();
        let accepted = answer
            .results
            .iter()
            .filter(|r| matches!(r.outcome, PushOutcome::Accepted { .. }))
            .count();
        ensure!(
            accepted == sent,
            "the server accepted {accepted} of {sent} generated ops"
        );
        pushed += sent;
    }
    println!(
        "[2] first sync: clinic set up on device A ({from_a} ops: clinic, administrator, one patient); \
         a second source device pushed {rows} generated ops ({} registrations, the rest phone edits, \
         chart entries and observations) in batches of {MAX_PUSH_OPS}: generating {:.1} s, pushing {:.1} s \
         ({:.0} ops/s into the server's log, {:.0} MiB)",
        factory.registrations,
        generating.as_secs_f64(),
        pushing.as_secs_f64(),
        rate(rows, pushing),
        server.db_mib()
    );

    // Device B joins: enroll, then rounds until caught up.
    let b = Device::new()?;
    let expected = from_a + rows;
    let t = Instant::now();
    server.enroll_device(&b, clinic, "Doctor laptop").await?;
    let enrolled = t.elapsed();
    b.take_store_time();
    let cpu = thread_cpu();
    let written = written_bytes();
    let rss_before = rss_mib(false);
    reset_peak_rss();
    let (mut applied, mut held, mut rounds, mut pages) = (0, 0, 0, 0usize);
    let mut next_report = 100_000;
    while applied + held < expected {
        let r = engine::sync_round(&b, |s| {
            pages += 1;
            if applied + s.applied >= next_report {
                eprintln!(
                    "    ... {} of {expected} ops applied after {:.0} s",
                    applied + s.applied,
                    t.elapsed().as_secs_f64()
                );
                next_report += 100_000;
            }
        })
        .await?;
        rounds += 1;
        applied += r.applied;
        held += r.held;
        ensure!(
            r.applied + r.held > 0,
            "a round pulled nothing with {} of {expected} ops applied",
            applied + held
        );
    }
    let took = t.elapsed();
    let cpu = cpu_since(cpu);
    let written = written_bytes()
        .zip(written)
        .map(|(after, before)| after.saturating_sub(before));
    let (in_store, longest) = b.take_store_time();
    let rss = rss_mib(true);
    ensure!(
        applied == expected && held == 0,
        "device B applied {applied} and held {held} of {expected} ops"
    );
    let patients = b.count("SELECT count(*) FROM patient")?;
    // A catch-up defers the search indexes: all of them are back once it is done.
    let deferred = b.s().deferred_indexes()?;
    ensure!(
        deferred.is_empty(),
        "device B still has deferred indexes: {deferred:?}"
    );
    for index in clinic_store::SEARCH_ONLY_INDEXES {
        let sql: String = b.s().conn().query_row(
            "SELECT coalesce((SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1), '')",
            [index],
            |r| r.get(0),
        )?;
        ensure!(
            sql.contains(&format!("{index} ON patient")) && !sql.ends_with("(merged_into)"),
            "index {index} is missing or not its own definition after the first sync"
        );
    }
    ensure!(
        patients == factory.registrations as i64 + 1,
        "device B holds {patients} patients, expected {}",
        factory.registrations + 1
    );
    // What the catch-up's last step costs on its own: the deferred indexes built
    // again over the full store (dropped here once more to measure it).
    let rebuild = {
        let mut store = b.s();
        store.defer_search_indexes()?;
        let t = Instant::now();
        store.rebuild_deferred_indexes()?;
        t.elapsed()
    };
    // The same log pulled again by B's token through the transport alone (server,
    // TLS, JSON; no apply): how much of the first sync is not the local apply.
    let token = state::enrollment(b.s().conn())?
        .context("B is not enrolled")?
        .device_token;
    let transport = server.transport()?;
    let t = Instant::now();
    let (mut cursor, mut pulled) = (None::<String>, 0);
    loop {
        let page = transport
            .pull(&token, cursor.as_deref(), MAX_PULL_LIMIT)
            .await?;
        pulled += page.ops.len();
        cursor = Some(page.next_cursor);
        if !page.more {
            break;
        }
    }
    let pull_only = t.elapsed();
    ensure!(
        pulled == expected,
        "pulled {pulled} of {expected} ops again"
    );
    let r = rate(expected, took);
    println!(
        "    fresh device B: enroll + {rounds} round(s), {pages} applied groups (pages of {MAX_PULL_LIMIT}): {expected} ops applied in \
         {:.2} s ({:.2} s enrolling) = {r:.0} rows/s; store {:.0} MiB, {patients} patients",
        took.as_secs_f64(),
        enrolled.as_secs_f64(),
        mib(&b.path)
    );
    println!(
        "    of which inside the store (applying, committing, rebuilding indexes): {:.2} s, longest call {:.2} s; \
         the rest waiting for pages; this thread's CPU time {}; {} written to disk by this process; \
         peak memory of this process {} ({} before the first sync)",
        in_store.as_secs_f64(),
        longest.as_secs_f64(),
        cpu.map_or("n/a".to_string(), |c| format!("{:.1} s", c.as_secs_f64())),
        written.map_or("n/a".to_string(), |w| format!("{:.0} MiB", w as f64 / 1_048_576.0)),
        rss.map_or("n/a".to_string(), |m| format!("{m:.0} MiB")),
        rss_before.map_or("n/a".to_string(), |m| format!("{m:.0} MiB"))
    );
    println!(
        "    rebuilding the {} deferred search indexes over this store alone: {:.2} s",
        clinic_store::SEARCH_ONLY_INDEXES.len(),
        rebuild.as_secs_f64()
    );
    println!(
        "    the same log pulled again without applying (transport only, pages of {MAX_PULL_LIMIT}): {:.2} s = {:.0} rows/s \
         ({:.0}% of the first sync; the sync overlaps it with the local apply)",
        pull_only.as_secs_f64(),
        rate(expected, pull_only),
        100.0 * pull_only.as_secs_f64() / took.as_secs_f64()
    );
    if rows >= 1_000_000 {
        println!(
            "    target 1,000,000 rows <= 120 s: {} ({:.1} s for {expected} rows)",
            met(took.as_secs_f64() <= 120.0 * expected as f64 / 1_000_000.0),
            took.as_secs_f64()
        );
    } else {
        println!(
            "    target 1,000,000 rows <= 120 s: not measured at this size (linear projection {:.0} s; \
             measure with --rows 1000000)",
            1_000_000.0 / r
        );
    }
    Ok(Clinic {
        a,
        b,
        patient,
        rows: expected,
    })
}

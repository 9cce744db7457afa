//! Part 4: many simulated devices pushing at once.
use super::*;

// ---------------------------------------------------------------------------------
// Part 4: many devices at once
// ---------------------------------------------------------------------------------

/// Errors under load: how many, and the first one's text.
#[derive(Default)]
pub(crate) struct Errors {
    pub(crate) count: usize,
    pub(crate) first: Option<String>,
}

impl Errors {
    pub(crate) fn note(&mut self, e: String) {
        self.count += 1;
        self.first.get_or_insert(e);
    }
}

/// One simulated device: its transport, token and the batches it will push.
pub(crate) struct Simulated {
    pub(crate) device: DeviceId,
    pub(crate) transport: Transport,
    pub(crate) token: String,
    pub(crate) batches: Vec<Vec<Op>>,
}

/// Returns the number of errors (pushes failed or not wholly accepted, failed
/// enrollments, ops missing from the log).
pub(crate) async fn part4_devices(
    server: &Arc<Server>,
    devices: usize,
    pushes: usize,
    batch: usize,
) -> Result<usize> {
    let clinic = ClinicId::new();
    let t = Instant::now();
    // Enrollment codes through the CLI, a few processes at a time.
    let codes: Vec<Result<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..SETUP_PARALLELISM)
            .map(|w| {
                let server = &server;
                scope.spawn(move || {
                    (w..devices)
                        .step_by(SETUP_PARALLELISM)
                        .map(|_| server.issue_code(clinic))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let codes_took = t.elapsed();
    let mut errors = Errors::default();
    if codes.len() < devices {
        errors.note(format!(
            "{} enrollment codes missing",
            devices - codes.len()
        ));
    }

    // Enroll every device (a transport each, as separate machines would have).
    let t = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(SETUP_PARALLELISM * 4));
    let mut tasks = Vec::new();
    for (i, code) in codes.into_iter().enumerate() {
        let code = match code {
            Ok(code) => code,
            Err(e) => {
                errors.note(format!("issue-code: {e:#}"));
                continue;
            }
        };
        let (server, gate) = (server.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await?;
            let device = DeviceId::new();
            let transport = server.transport()?;
            let started = Instant::now();
            let token = server.enroll_bare(&transport, code, device).await?;
            let took = started.elapsed();
            let mut factory = OpFactory::new(device, 10_000 + i as u64, None);
            let batches = (0..pushes).map(|_| factory.take(batch)).collect();
            Ok::<_, anyhow::Error>((
                Simulated {
                    device,
                    transport,
                    token,
                    batches,
                },
                took,
            ))
        }));
    }
    let mut ready = Vec::new();
    let mut enroll_times = Vec::new();
    for task in tasks {
        match task.await? {
            Ok((sim, took)) => {
                ready.push(sim);
                enroll_times.push(took);
            }
            Err(e) => errors.note(format!("enroll: {e:#}")),
        }
    }
    let enroll_took = t.elapsed();
    ensure!(
        !ready.is_empty(),
        "no device could enroll: {:?}",
        errors.first
    );

    // Every device pushes its batches one after another, all devices at once.
    let k = ready.len();
    let barrier = Arc::new(tokio::sync::Barrier::new(k + 1));
    let mut tasks = Vec::new();
    for sim in ready {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut times = Vec::with_capacity(sim.batches.len());
            let mut failures = Vec::new();
            let token = sim.token.clone();
            for ops in sim.batches {
                let sent = ops.len();
                let request = PushRequest {
                    device_id: sim.device,
                    ops,
                };
                let started = Instant::now();
                let answer = sim.transport.push(&token, &request).await;
                times.push(started.elapsed());
                match answer {
                    Ok(a) => {
                        let accepted = a
                            .results
                            .iter()
                            .filter(|r| matches!(r.outcome, PushOutcome::Accepted { .. }))
                            .count();
                        if accepted != sent {
                            failures.push(format!("push: {accepted} of {sent} ops accepted"));
                        }
                    }
                    Err(e) => failures.push(format!("push: {e}")),
                }
            }
            (sim.transport, token, times, failures)
        }));
    }
    barrier.wait().await;
    let t = Instant::now();
    let mut times = Vec::new();
    let mut reader = None;
    for task in tasks {
        let (transport, token, mut t, failures) = task.await?;
        times.append(&mut t);
        for f in failures {
            errors.note(f);
        }
        reader.get_or_insert((transport, token));
    }
    let wall = t.elapsed();

    // Correctness: the clinic's log holds every op pushed, once.
    let expected = k * pushes * batch;
    let mut in_log = 0;
    if let Some((transport, token)) = reader {
        let mut cursor: Option<String> = None;
        loop {
            let page = transport.pull(&token, cursor.as_deref(), 1_000).await?;
            in_log += page.ops.len();
            cursor = Some(page.next_cursor);
            if !page.more {
                break;
            }
        }
    }
    if in_log != expected {
        errors.note(format!(
            "the clinic's log holds {in_log} ops, {expected} were pushed"
        ));
    }
    println!(
        "[4] {k} simulated devices ({devices} asked) in one clinic, each with its own transport: enrollment codes \
         {:.1} s, enrolling {:.1} s (enroll p50 {:.1} ms p99 {:.1} ms)",
        codes_took.as_secs_f64(),
        enroll_took.as_secs_f64(),
        pct(&enroll_times, 0.5),
        pct(&enroll_times, 0.99)
    );
    println!(
        "    all pushing at once, {pushes} batches of {batch} ops each ({} pushes, {expected} ops) in {:.2} s: \
         push p50 {:.1} ms p99 {:.1} ms max {:.1} ms | {:.0} ops/s | log holds {in_log} of {expected} ops | errors = {}",
        times.len(),
        wall.as_secs_f64(),
        pct(&times, 0.5),
        pct(&times, 0.99),
        pct(&times, 1.0),
        rate(expected, wall),
        errors.count
    );
    if let Some(e) = &errors.first {
        println!("    first error: {e}");
    }
    Ok(errors.count)
}

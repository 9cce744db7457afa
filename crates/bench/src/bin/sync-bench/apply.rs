//! Part 1: the apply rate of `apply_page` on a fresh store, against the use cases.
use super::*;

// ---------------------------------------------------------------------------------
// Part 1: apply rate
// ---------------------------------------------------------------------------------

pub(crate) fn part1_apply(n: usize) -> Result<()> {
    let source = Device::new()?;
    let spent = use_case_workload(&mut source.s(), n, 2028)?;
    let (device_id, ops) = {
        let s = source.s();
        (s.device_id(), s.pending_ops(u32::MAX)?)
    };
    ensure!(
        ops.len() == n,
        "the use cases wrote {} ops for {n} calls",
        ops.len()
    );
    let logged: Vec<LoggedOp> = ops
        .into_iter()
        .enumerate()
        .map(|(i, op)| LoggedOp {
            seq: i as u64 + 1,
            device_id,
            op,
        })
        .collect();
    let kinds = [
        "register_patient",
        "set_fields",
        "chart entry",
        "observation",
    ];
    let mix: Vec<String> = spent
        .by_kind
        .iter()
        .zip(kinds)
        .map(|((_, calls), kind)| format!("{calls} {kind}"))
        .collect();
    println!(
        "[1] apply rate: {n} ops written on a source device by the real use cases ({}), shipped \
         as LoggedOps and applied with clinic_core::sync::apply_page on fresh SQLCipher stores",
        mix.join(", ")
    );

    // In groups of APPLY_GROUP_OPS, each one transaction, as sync_round applies a
    // first sync's pages.
    let paged = Device::new()?;
    let t = Instant::now();
    let cpu = thread_cpu();
    let mut applied = 0;
    let mut held = 0;
    for page in logged.chunks(APPLY_GROUP_OPS) {
        let s = apply_page(&mut paged.s(), page, None)?;
        applied += s.applied;
        held += s.held;
    }
    let paged_time = t.elapsed();
    let paged_cpu = cpu_since(cpu);
    ensure!(
        applied == n && held == 0,
        "pages: applied {applied} and held {held} of {n} ops"
    );

    // All in one transaction.
    let single = Device::new()?;
    let t = Instant::now();
    let cpu = thread_cpu();
    let s = apply_page(&mut single.s(), &logged, None)?;
    let single_time = t.elapsed();
    let single_cpu = cpu_since(cpu);
    ensure!(
        s.applied == n && s.held == 0,
        "one transaction: applied {} and held {} of {n} ops",
        s.applied,
        s.held
    );
    // By kind, on another store: every registration first, then each other kind, in
    // pages of BATCH (seq order kept within a kind), to show which kind costs what.
    let by_kind = Device::new()?;
    let mut kind_rates = Vec::new();
    for (kind, label) in [
        (OpKind::RegisterPatient, "register_patient"),
        (OpKind::SetFields, "set_fields"),
        (OpKind::AddChartEntry, "chart entry"),
        (OpKind::RecordObservation, "observation"),
    ] {
        let ops: Vec<LoggedOp> = logged
            .iter()
            .filter(|o| o.op.kind == kind)
            .cloned()
            .collect();
        let t = Instant::now();
        let mut applied = 0;
        for page in ops.chunks(APPLY_GROUP_OPS) {
            applied += apply_page(&mut by_kind.s(), page, None)?.applied;
        }
        let took = t.elapsed();
        ensure!(
            applied == ops.len(),
            "{label}: applied {applied} of {} ops",
            ops.len()
        );
        kind_rates.push(format!("{label} {:.0}", rate(ops.len(), took)));
    }
    let patients = paged.count("SELECT count(*) FROM patient")?;
    ensure!(
        patients == source.count("SELECT count(*) FROM patient")?,
        "the applied store has {patients} patients, the source another number"
    );

    let (paged_rate, single_rate, base_rate) = (
        rate(n, paged_time),
        rate(n, single_time),
        rate(n, spent.total),
    );
    println!(
        "    apply_page, groups of {APPLY_GROUP_OPS} (one transaction each, as sync applies): {:.2} s, {paged_rate:.0} rows/s \
         | all {n} in one transaction: {:.2} s, {single_rate:.0} rows/s",
        paged_time.as_secs_f64(),
        single_time.as_secs_f64()
    );
    if let (Some(p), Some(o)) = (paged_cpu, single_cpu) {
        println!(
            "    the same on this thread's CPU time (less sensitive to other load): groups {:.2} s, {:.0} rows/s \
             | one transaction {:.2} s, {:.0} rows/s",
            p.as_secs_f64(),
            rate(n, p),
            o.as_secs_f64(),
            rate(n, o)
        );
    }
    println!(
        "    apply_page by kind, rows/s (groups of {APPLY_GROUP_OPS}, registrations first): {}",
        kind_rates.join(", ")
    );
    let per_kind: Vec<String> = spent
        .by_kind
        .iter()
        .zip(kinds)
        .filter(|((_, calls), _)| *calls > 0)
        .map(|((d, calls), kind)| format!("{kind} {:.2} ms", ms(*d) / *calls as f64))
        .collect();
    println!(
        "    baseline: the same {n} writes through the use cases (one transaction each, as staff make them): \
         {:.2} s, {base_rate:.0} rows/s (mean per call: {})",
        spent.total.as_secs_f64(),
        per_kind.join(", ")
    );
    println!(
        "    ratio apply/use cases: groups {:.1}x, one transaction {:.1}x | target >= 20,000 rows/s applied \
         in one local transaction: {} ({single_rate:.0} rows/s; groups of {APPLY_GROUP_OPS}: {paged_rate:.0} rows/s)",
        paged_rate / base_rate,
        single_rate / base_rate,
        met(single_rate >= 20_000.0)
    );
    Ok(())
}

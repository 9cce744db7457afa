//! Checking the chain. One pass in `seq` order checks, for every row, that its
//! sequence number follows the previous one (else: entries missing), that its hash
//! is the seal of its stored columns (else: a suspect), and that its `prev_hash` is
//! the previous row's hash (else: a broken link). Suspects (at most
//! `MAX_SUSPECTS`, kept in memory) are then diagnosed with one more pass:
//! - a genuine entry at the wrong place (its seal verifies at the position after
//!   the row its `prev_hash` names, or one position up or down) is `reordered`;
//! - an entry the next row still names as its predecessor was `edited`;
//! - an entry nothing links to and that links to nothing, or that made room for
//!   itself by shifting genuine entries, was `inserted`.
//!
//! A tail cut off (the last entries deleted) leaves a valid shorter chain: only a
//! known anchor (`verify_against_anchor`) reveals it. Same for an emptied table.
use super::chain::{self, ChainFields, GENESIS, HASH_LEN};
use super::{hash_of, AuditActor, NewAuditEvent};
use crate::CoreError;
use clinic_protocol::{
    AuditAction, AuditAnchor, AuditCategory, AuditProblem, AuditProblemKind, AuditVerification,
};
use clinic_store::Store;
use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// Most problems listed in an `AuditVerification` (all are counted).
pub const MAX_LISTED_PROBLEMS: usize = 1000;
/// Most failing rows diagnosed in detail; beyond, rows are reported as edited.
const MAX_SUSPECTS: usize = 1000;

/// Checks the whole chain with `key`.
pub fn verify(conn: &Connection, key: &[u8; 32]) -> Result<AuditVerification, CoreError> {
    let (mut problems, checked) = check_chain(conn, key)?;
    Ok(finish(&mut problems, checked))
}

/// [`verify`], and that the chain still holds the anchored entry (`anchor.seq`
/// with `anchor.hash`): detects a tail cut off or a chain rewritten after the
/// anchor was taken.
pub fn verify_against_anchor(
    conn: &Connection,
    key: &[u8; 32],
    anchor: &AuditAnchor,
) -> Result<AuditVerification, CoreError> {
    let anchored: [u8; HASH_LEN] = hex::decode(&anchor.hash)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| CoreError::field("hash", "An anchor hash is 64 hexadecimal digits."))?;
    let (mut problems, checked) = check_chain(conn, key)?;
    if anchor.seq > 0 {
        let at: Option<SqlValue> = rusqlite::OptionalExtension::optional(conn.query_row(
            "SELECT hash FROM audit_event WHERE seq = ?1",
            [i64::try_from(anchor.seq).unwrap_or(i64::MAX)],
            |r| r.get(0),
        ))?;
        match at {
            None => {
                let last: i64 =
                    conn.query_row("SELECT coalesce(max(seq), 0) FROM audit_event", [], |r| {
                        r.get(0)
                    })?;
                let last = u64::try_from(last).unwrap_or(0);
                let (seq, message) = if last < anchor.seq {
                    (
                        last + 1,
                        format!(
                            "The trail ends at entry {last} but entry {} was anchored: entries {} to {} were removed.",
                            anchor.seq,
                            last + 1,
                            anchor.seq
                        ),
                    )
                } else {
                    (
                        anchor.seq,
                        format!("The anchored entry {} is missing.", anchor.seq),
                    )
                };
                problems.push(problem(seq, AuditProblemKind::Missing, message));
            }
            Some(hash) if hash_of(&hash) != Some(anchored) => problems.push(problem(
                anchor.seq,
                AuditProblemKind::Edited,
                format!(
                    "Entry {} differs from its anchored copy: the trail was rewritten after it was anchored.",
                    anchor.seq
                ),
            )),
            Some(_) => {}
        }
    }
    Ok(finish(&mut problems, checked))
}

/// Verifies (against `anchor` if given), then records an `audit_verify` entry with
/// the outcome (counts only). The check reads outside a write transaction, so a
/// long verification does not hold the write lock.
pub fn verify_audited(
    store: &mut Store,
    key: &[u8; 32],
    actor: Option<AuditActor>,
    anchor: Option<&AuditAnchor>,
) -> Result<AuditVerification, CoreError> {
    let device_id = store.device_id();
    let result = match anchor {
        Some(a) => verify_against_anchor(store.conn(), key, a)?,
        None => verify(store.conn(), key)?,
    };
    store.write(|tx| {
        let event = NewAuditEvent::new(AuditAction::AuditVerify, AuditCategory::Audit)
            .by(actor)
            .detail(json!({
                "ok": result.ok,
                "checked": result.checked,
                "problems": result.problem_count,
                "anchor_seq": anchor.map(|a| a.seq),
            }));
        super::append_in(tx, key, device_id, &event)?;
        Ok(result)
    })
}

fn problem(seq: u64, kind: AuditProblemKind, message: String) -> AuditProblem {
    AuditProblem { seq, kind, message }
}

fn finish(problems: &mut Vec<AuditProblem>, checked: u64) -> AuditVerification {
    problems.sort_by_key(|p| p.seq); // stable: keeps detection order within a seq
    let problem_count = problems.len() as u64;
    problems.truncate(MAX_LISTED_PROBLEMS);
    tracing::info!(checked, problems = problem_count, "audit trail verified");
    AuditVerification {
        ok: problem_count == 0,
        checked,
        problems: std::mem::take(problems),
        problem_count,
    }
}

/// A row whose hash does not verify at its position.
struct Suspect {
    seq: u64,
    fields: ChainFields,
    prev: [u8; HASH_LEN],
    hash: [u8; HASH_LEN],
    /// Its `prev_hash` is the previous row's hash.
    links_back: bool,
    /// The next row's `prev_hash` is its hash.
    linked_next: bool,
}

/// The stored columns of one row, as the chain sees them.
struct StoredRow {
    seq: u64,
    /// `None` when a column has a type the chain never writes.
    fields: Option<ChainFields>,
    prev: Option<[u8; HASH_LEN]>,
    hash: Option<[u8; HASH_LEN]>,
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, StoredRow)> {
    let seq: i64 = r.get(0)?;
    let mut values = Vec::with_capacity(10);
    for i in 1..=10 {
        values.push(r.get::<_, SqlValue>(i)?);
    }
    let prev = hash_of(&r.get(11)?);
    let hash = hash_of(&r.get(12)?);
    let text = |v: &SqlValue| match v {
        SqlValue::Text(s) => Some(s.clone()),
        _ => None,
    };
    let opt = |v: &SqlValue| match v {
        SqlValue::Null => Some(None),
        SqlValue::Text(s) => Some(Some(s.clone())),
        _ => None,
    };
    let fields = (|| {
        Some(ChainFields {
            seq: u64::try_from(seq).ok()?,
            event_id: text(&values[0])?,
            device_time: text(&values[1])?,
            device_id: text(&values[2])?,
            actor_id: opt(&values[3])?,
            actor_name: opt(&values[4])?,
            actor_role: opt(&values[5])?,
            action: text(&values[6])?,
            category: text(&values[7])?,
            patient_id: opt(&values[8])?,
            detail: text(&values[9])?,
        })
    })();
    Ok((
        seq,
        StoredRow {
            seq: u64::try_from(seq).unwrap_or(0),
            fields,
            prev,
            hash,
        },
    ))
}

/// The problems found and the number of rows checked.
fn check_chain(conn: &Connection, key: &[u8; 32]) -> Result<(Vec<AuditProblem>, u64), CoreError> {
    let mut problems = Vec::new();
    let mut suspects: Vec<Suspect> = Vec::new();
    let mut checked = 0u64;
    let mut last_seq = 0u64;
    // The previous row's stored hash (`None`: malformed, links to nothing).
    let mut last_hash: Option<[u8; HASH_LEN]> = Some(GENESIS);
    let mut last_was_suspect = false;
    let mut stmt = conn.prepare(
        "SELECT seq, event_id, device_time, device_id, actor_id, actor_name, actor_role, action, category,
                patient_id, detail, prev_hash, hash
         FROM audit_event ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (raw_seq, row) = read_row(r)?;
        checked += 1;
        if raw_seq < 1 {
            problems.push(problem(
                0,
                AuditProblemKind::Inserted,
                format!("An entry has the impossible sequence number {raw_seq}."),
            ));
            continue;
        }
        let seq = row.seq;
        let gap = seq > last_seq + 1;
        if gap {
            let first = last_seq + 1;
            let message = if first == seq - 1 {
                format!("Entry {first} is missing.")
            } else {
                format!("Entries {first} to {} are missing.", seq - 1)
            };
            problems.push(problem(first, AuditProblemKind::Missing, message));
        }
        let links_back = row.prev.is_some() && row.prev == last_hash;
        if last_was_suspect {
            if let Some(s) = suspects.last_mut() {
                if s.seq == last_seq {
                    s.linked_next = row.prev == Some(s.hash);
                }
            }
        }
        last_was_suspect = false;
        let sealed = match (&row.fields, &row.prev, &row.hash) {
            (Some(f), Some(p), Some(h)) => chain::is_seal_at(key, p, f, seq, h),
            _ => false,
        };
        if sealed {
            if !links_back && !gap {
                problems.push(problem(
                    seq,
                    AuditProblemKind::BrokenLink,
                    format!(
                        "Entry {seq} is genuine but does not follow entry {}: that entry was changed, removed or moved.",
                        seq - 1
                    ),
                ));
            }
        } else {
            match (row.fields, row.prev, row.hash) {
                (Some(fields), Some(prev), Some(hash)) if suspects.len() < MAX_SUSPECTS => {
                    suspects.push(Suspect {
                        seq,
                        fields,
                        prev,
                        hash,
                        links_back,
                        linked_next: false,
                    });
                    last_was_suspect = true;
                }
                _ => problems.push(edited(seq)),
            }
        }
        last_seq = seq;
        last_hash = row.hash;
    }
    drop(rows);
    drop(stmt);
    if !suspects.is_empty() {
        diagnose(conn, key, &suspects, &mut problems)?;
    }
    Ok((problems, checked))
}

fn edited(seq: u64) -> AuditProblem {
    problem(
        seq,
        AuditProblemKind::Edited,
        format!("Entry {seq} was changed after it was written."),
    )
}

/// Classifies the suspects (see the module docs).
fn diagnose(
    conn: &Connection,
    key: &[u8; 32],
    suspects: &[Suspect],
    problems: &mut Vec<AuditProblem>,
) -> Result<(), CoreError> {
    // Where each suspect's named predecessor is now: one pass over (seq, hash).
    let wanted: HashSet<[u8; HASH_LEN]> = suspects.iter().map(|s| s.prev).collect();
    let mut position: HashMap<[u8; HASH_LEN], u64> = HashMap::new();
    position.insert(GENESIS, 0);
    let mut stmt = conn.prepare("SELECT seq, hash FROM audit_event ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if let Some(h) = hash_of(&r.get(1)?) {
            if wanted.contains(&h) {
                let seq = u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0);
                position.entry(h).or_insert(seq);
            }
        }
    }
    drop(rows);
    drop(stmt);

    let by_seq: HashMap<u64, usize> = suspects
        .iter()
        .enumerate()
        .map(|(i, s)| (s.seq, i))
        .collect();
    // The position each suspect was written at, if its seal proves one.
    let mut written_at: HashMap<u64, Option<u64>> = HashMap::new();
    for s in suspects {
        original_position(key, suspects, &by_seq, &position, s.seq, &mut written_at);
    }
    for (i, s) in suspects.iter().enumerate() {
        let original = written_at.get(&s.seq).copied().flatten();
        let p = match original {
            Some(o) if o != s.seq => problem(
                s.seq,
                AuditProblemKind::Reordered,
                format!(
                    "Entry {} is genuine but was written as entry {o}: entries were moved.",
                    s.seq
                ),
            ),
            _ => {
                // Did the next row shift up by one to make room for this one?
                let next_shifted = suspects.get(i + 1).is_some_and(|n| {
                    n.seq == s.seq + 1 && written_at.get(&n.seq).copied().flatten() == Some(s.seq)
                });
                let inserted = if s.linked_next {
                    false
                } else if !s.links_back {
                    true
                } else {
                    next_shifted
                };
                if inserted {
                    problem(
                        s.seq,
                        AuditProblemKind::Inserted,
                        format!(
                            "Entry {} was not written by this device's audit trail: it was forged or inserted.",
                            s.seq
                        ),
                    )
                } else {
                    // Includes the last entry: edited, or forged and appended after it
                    // (they look alike; either way it is not what was sealed).
                    edited(s.seq)
                }
            }
        };
        problems.push(p);
    }
    Ok(())
}

/// The position the suspect at `seq` was written at: one after the position its
/// predecessor was written at, if its seal verifies there. Memoized; cycles of
/// forged links resolve to `None`.
fn original_position(
    key: &[u8; 32],
    suspects: &[Suspect],
    by_seq: &HashMap<u64, usize>,
    position: &HashMap<[u8; HASH_LEN], u64>,
    seq: u64,
    memo: &mut HashMap<u64, Option<u64>>,
) -> Option<u64> {
    let Some(&i) = by_seq.get(&seq) else {
        return Some(seq); // not a suspect: its seal verified where it is
    };
    if let Some(known) = memo.get(&seq) {
        return *known;
    }
    memo.insert(seq, None); // in progress: a cycle resolves to None
    let s = &suspects[i];
    let result = position.get(&s.prev).and_then(|&pred| {
        let pred_written = if pred == 0 {
            Some(0)
        } else {
            original_position(key, suspects, by_seq, position, pred, memo)
        }?;
        let candidate = pred_written + 1;
        (candidate != seq && chain::is_seal_at(key, &s.prev, &s.fields, candidate, &s.hash))
            .then_some(candidate)
    });
    // Its predecessor is gone or unproven: try a shift by one (entries renumbered
    // to close a gap or to make room).
    let result = result.or_else(|| {
        [seq.checked_sub(1), seq.checked_add(1)]
            .into_iter()
            .flatten()
            .find(|&c| c >= 1 && chain::is_seal_at(key, &s.prev, &s.fields, c, &s.hash))
    });
    memo.insert(seq, result);
    result
}

//! How a search runs. SQLite's planner cannot know how many names share a prefix
//! typed at run time, so we count the matches of each name word (cheaply, capped),
//! estimate both ways of answering, and pick one:
//! - walk the covering name-order index and probe each patient's name words,
//!   stopping after the page: cheap when matches are dense (common prefixes);
//! - take the matches of the rarest word from the token index (which carries the
//!   sort key), probe the other words, sort them there, and read only the page's
//!   patients: cheap when matches are few.
//!
//! Searches with a DOB, phone or MRN are selective and start from those indexes.
use super::Filter;
use crate::registry::SUMMARY_COLUMNS;
use crate::text::prefix_end;
use crate::CoreError;
use rusqlite::types::Value;
use rusqlite::Connection;

/// Matches of one word are counted up to this many.
const COUNT_CAP: i64 = 5_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Plan {
    /// Walk patients in name order (covering index) and keep those that match.
    NameOrderWalk,
    /// Start from the matches of name word `i`, sorted in the token index.
    RarestName(usize),
    /// Start from the DOB, phone or MRN indexes.
    Selective,
}

pub(super) fn choose(
    conn: &Connection,
    filters: &[Filter],
    rows_needed: i64,
) -> Result<Plan, CoreError> {
    if filters.iter().any(|f| !matches!(f, Filter::NamePrefix(_))) {
        return Ok(Plan::Selective);
    }
    // Patients are never hard-deleted, so the largest rowid is their number.
    let total: i64 = conn.query_row("SELECT coalesce(max(rowid), 0) FROM patient", [], |r| {
        r.get(0)
    })?;
    let mut counting = conn.prepare_cached(
        "SELECT count(*), coalesce(sum(1 - family_only), 0) FROM (SELECT family_only FROM patient_name_token
         WHERE token >= ?1 AND token < ?2 LIMIT ?3)",
    )?;
    let mut rarest = (0, i64::MAX);
    let mut density = 1.0_f64;
    for (i, filter) in filters.iter().enumerate() {
        let Filter::NamePrefix(p) = filter else {
            continue;
        };
        let (n, spread): (i64, i64) = counting
            .query_row(rusqlite::params![p, prefix_end(p), COUNT_CAP], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        if n < rarest.1 {
            rarest = (i, n);
        }
        // Matches in given or middle names are spread evenly along the family-name
        // order; family-name matches cluster in one place, so a walk may meet them
        // only at its end. Only the spread ones make a walk short.
        density *= (spread as f64 / total.max(1) as f64).min(1.0);
    }
    // Rows a walk reads before the page is full, if the words match independently.
    let walk_rows = if density > 0.0 {
        rows_needed as f64 / density
    } else {
        f64::INFINITY
    };
    Ok(if walk_rows < rarest.1 as f64 {
        Plan::NameOrderWalk
    } else {
        Plan::RarestName(rarest.0)
    })
}

/// The statement for `filters` under `plan`, returning `limit` rows after `offset`.
pub(super) fn build_sql(
    filters: &[Filter],
    plan: Plan,
    limit: i64,
    offset: i64,
) -> (String, Vec<Value>) {
    let mut args: Vec<Value> = Vec::new();
    let text = |s: &str| Value::Text(s.to_string());
    if let Plan::RarestName(driver) = plan {
        let Filter::NamePrefix(p) = &filters[driver] else {
            unreachable!("the driver of a name plan is a name filter")
        };
        let mut sql = String::from(
            "WITH hits AS (SELECT t.patient_id AS id, t.sort_name AS sort_name FROM patient_name_token t
             WHERE t.token >= ? AND t.token < ?",
        );
        args.extend([text(p), text(&prefix_end(p))]);
        for (i, f) in filters.iter().enumerate() {
            if let (true, Filter::NamePrefix(other)) = (i != driver, f) {
                sql.push_str(
                    " AND EXISTS (SELECT 1 FROM patient_name_token o
                      WHERE o.patient_id = t.patient_id AND o.token >= ? AND o.token < ?)",
                );
                args.extend([text(other), text(&prefix_end(other))]);
            }
        }
        sql.push_str(&format!(
            " GROUP BY t.patient_id ORDER BY t.sort_name, t.patient_id LIMIT ? OFFSET ?)
             SELECT {SUMMARY_COLUMNS} FROM hits JOIN patient p ON p.id = hits.id
             ORDER BY hits.sort_name, hits.id"
        ));
        args.extend([Value::Integer(limit), Value::Integer(offset)]);
        return (sql, args);
    }
    let from = if plan == Plan::NameOrderWalk {
        "patient p INDEXED BY patient_sort"
    } else {
        "patient p"
    };
    // Merged records are left out (their name tokens are removed at the merge, so
    // the name-driven plan above never finds them).
    let mut sql = format!("SELECT {SUMMARY_COLUMNS} FROM {from} WHERE p.merged_into IS NULL");
    for filter in filters {
        match filter {
            Filter::NamePrefix(p) => {
                sql.push_str(
                    " AND EXISTS (SELECT 1 FROM patient_name_token t
                      WHERE t.patient_id = p.id AND t.token >= ? AND t.token < ?)",
                );
                args.extend([text(p), text(&prefix_end(p))]);
            }
            Filter::DateOfBirth(d) => {
                sql.push_str(" AND p.date_of_birth = ?");
                args.push(text(d));
            }
            Filter::Phone(d) => {
                let reversed: String = d.chars().rev().collect();
                sql.push_str(
                    " AND ((p.phone_digits >= ? AND p.phone_digits < ?)
                      OR (p.phone_reversed >= ? AND p.phone_reversed < ?))",
                );
                args.extend([
                    text(d),
                    text(&prefix_end(d)),
                    text(&reversed),
                    text(&prefix_end(&reversed)),
                ]);
            }
            Filter::MrnPrefix(m) => {
                sql.push_str(" AND p.mrn >= ? AND p.mrn < ?");
                args.extend([text(m), text(&prefix_end(m))]);
            }
        }
    }
    sql.push_str(" ORDER BY p.sort_name, p.id LIMIT ? OFFSET ?");
    args.extend([Value::Integer(limit), Value::Integer(offset)]);
    (sql, args)
}

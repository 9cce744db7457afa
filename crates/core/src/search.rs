//! As-you-type patient search. The text is split into words; each word becomes one
//! filter and every filter must match:
//! - `YYYY-MM-DD`: date of birth;
//! - letters and digits mixed (`KQX-0042`, `kqx42`): MRN prefix;
//! - 3+ digits only (spaces, `+ - ( )` ignored): phone number prefix or last digits;
//! - anything else: a name prefix (case- and accent-insensitive) of a given,
//!   middle or family name.
//!
//! Results are ordered by family then given name, paginated by page number.
use crate::registry::{summary_from_row, SUMMARY_COLUMNS};
use crate::text::{compact, digits, prefix_end};
use crate::CoreError;
use clinic_protocol::{PatientSearch, PatientSearchPage};
use rusqlite::types::Value;
use rusqlite::Connection;

pub const MAX_PAGE_SIZE: u32 = 100;
/// Longest search text considered (characters); the rest is ignored.
const MAX_QUERY_CHARS: usize = 200;
const MAX_WORDS: usize = 6;

#[derive(Debug, PartialEq, Eq)]
enum Filter {
    NamePrefix(String),
    DateOfBirth(String),
    Phone(String),
    MrnPrefix(String),
}

fn classify(word: &str) -> Option<Filter> {
    if is_date(word) {
        return Some(Filter::DateOfBirth(word.to_string()));
    }
    let d = digits(word);
    if is_phone_part(word) && d.len() >= 3 {
        return Some(Filter::Phone(d));
    }
    let compacted = compact(word);
    if compacted.is_empty() {
        return None;
    }
    let letters = compacted
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    let rest = &compacted[letters..];
    if letters == 3 && !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()) {
        return Some(Filter::MrnPrefix(format!(
            "{}-{rest}",
            compacted[..3].to_uppercase()
        )));
    }
    Some(Filter::NamePrefix(compacted))
}

fn is_date(word: &str) -> bool {
    word.len() == 10 && chrono::NaiveDate::parse_from_str(word, "%Y-%m-%d").is_ok()
}

fn is_phone_part(word: &str) -> bool {
    !is_date(word)
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || "+-().".contains(c))
}

/// Splits into words, joining runs of phone-number parts (`+34 600 111`) into one.
fn parse(text: &str) -> Vec<Filter> {
    let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
    let mut words: Vec<String> = Vec::new();
    let mut previous_was_phone = false;
    for word in text.split_whitespace() {
        let phone = is_phone_part(word);
        match words.last_mut() {
            Some(last) if phone && previous_was_phone => last.push_str(word),
            _ => words.push(word.to_string()),
        }
        previous_was_phone = phone;
    }
    words
        .iter()
        .filter_map(|w| classify(w))
        .take(MAX_WORDS)
        .collect()
}

/// How to run a search. SQLite's planner cannot know how many names share a
/// prefix typed at run time, so we count (cheaply, capped) and choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    /// Walk patients in name order (covering index) and keep those that match:
    /// best when a page fills early (only common name prefixes were typed).
    NameOrderWalk,
    /// Start from the matches of the most selective filter and sort them: best
    /// when they are few. `Some(i)`: filter `i` is the name prefix to start from.
    Lookup(Option<usize>),
}

/// A name prefix matching at least this many index entries counts as common.
const COMMON_PREFIX: i64 = 2_000;

fn choose_plan(conn: &Connection, filters: &[Filter]) -> Result<Plan, CoreError> {
    if filters.iter().any(|f| !matches!(f, Filter::NamePrefix(_))) {
        return Ok(Plan::Lookup(None)); // DOB, phone and MRN filters are selective
    }
    let mut fewest: Option<(usize, i64)> = None;
    for (i, filter) in filters.iter().enumerate() {
        let Filter::NamePrefix(p) = filter else {
            continue;
        };
        let n: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM patient_name_token WHERE token >= ?1 AND token < ?2 LIMIT ?3)",
            )?
            .query_row(rusqlite::params![p, prefix_end(p), COMMON_PREFIX], |r| r.get(0))?;
        if fewest.is_none_or(|(_, m)| n < m) {
            fewest = Some((i, n));
        }
    }
    Ok(match fewest {
        Some((i, n)) if n < COMMON_PREFIX => Plan::Lookup(Some(i)),
        _ => Plan::NameOrderWalk,
    })
}

/// The statement for `filters`, fetching one row more than a page to learn `has_more`.
fn build_sql(filters: &[Filter], plan: Plan, page_size: u32, page: u32) -> (String, Vec<Value>) {
    let from = match plan {
        Plan::NameOrderWalk => "patient p INDEXED BY patient_sort",
        Plan::Lookup(_) => "patient p",
    };
    let mut sql = format!("SELECT {SUMMARY_COLUMNS} FROM {from} WHERE 1");
    let mut args: Vec<Value> = Vec::new();
    for (i, filter) in filters.iter().enumerate() {
        match filter {
            Filter::NamePrefix(p) => {
                // The driving filter is a list of candidates; the others are probed
                // per candidate on the (patient_id, token) index.
                sql.push_str(if plan == Plan::Lookup(Some(i)) {
                    " AND p.id IN (SELECT patient_id FROM patient_name_token WHERE token >= ? AND token < ?)"
                } else {
                    " AND EXISTS (SELECT 1 FROM patient_name_token t WHERE t.patient_id = p.id AND t.token >= ? AND t.token < ?)"
                });
                args.push(Value::Text(p.clone()));
                args.push(Value::Text(prefix_end(p)));
            }
            Filter::DateOfBirth(d) => {
                sql.push_str(" AND p.date_of_birth = ?");
                args.push(Value::Text(d.clone()));
            }
            Filter::Phone(d) => {
                let reversed: String = d.chars().rev().collect();
                sql.push_str(
                    " AND ((p.phone_digits >= ? AND p.phone_digits < ?) OR (p.phone_reversed >= ? AND p.phone_reversed < ?))",
                );
                args.push(Value::Text(d.clone()));
                args.push(Value::Text(prefix_end(d)));
                let reversed_end = prefix_end(&reversed);
                args.push(Value::Text(reversed));
                args.push(Value::Text(reversed_end));
            }
            Filter::MrnPrefix(m) => {
                sql.push_str(" AND p.mrn >= ? AND p.mrn < ?");
                args.push(Value::Text(m.clone()));
                args.push(Value::Text(prefix_end(m)));
            }
        }
    }
    sql.push_str(" ORDER BY p.sort_name, p.id LIMIT ? OFFSET ?");
    args.push(Value::Integer(i64::from(page_size) + 1));
    args.push(Value::Integer(i64::from(page) * i64::from(page_size)));
    (sql, args)
}

/// Runs one page of a search. Empty text returns an empty page.
pub fn search_patients(
    conn: &Connection,
    query: &PatientSearch,
) -> Result<PatientSearchPage, CoreError> {
    if query.page_size == 0 || query.page_size > MAX_PAGE_SIZE {
        return Err(CoreError::field(
            "page_size",
            format!("Ask for 1 to {MAX_PAGE_SIZE} results per page."),
        ));
    }
    let filters = parse(&query.text);
    let mut page = PatientSearchPage {
        items: Vec::new(),
        page: query.page,
        page_size: query.page_size,
        has_more: false,
    };
    if filters.is_empty() {
        return Ok(page);
    }
    let plan = choose_plan(conn, &filters)?;
    let (sql, args) = build_sql(&filters, plan, query.page_size, query.page);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), summary_from_row)?;
    for row in rows {
        page.items.push(row?);
    }
    if page.items.len() > query.page_size as usize {
        page.items.truncate(query.page_size as usize);
        page.has_more = true;
    }
    Ok(page)
}

/// The SQL and arguments `search_patients` runs for `text` (for query-plan tests).
#[doc(hidden)]
pub fn explain(conn: &Connection, text: &str) -> Result<Vec<String>, CoreError> {
    let filters = parse(text);
    let (sql, args) = build_sql(&filters, choose_plan(conn, &filters)?, 25, 0);
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_classified() {
        assert_eq!(
            parse("  Ál  1984-03-15 0412 kqx-00 (555) o'br"),
            vec![
                Filter::NamePrefix("al".into()),
                Filter::DateOfBirth("1984-03-15".into()),
                Filter::Phone("0412".into()),
                Filter::MrnPrefix("KQX-00".into()),
                Filter::Phone("555".into()),
                Filter::NamePrefix("obr".into()),
            ]
        );
    }

    #[test]
    fn punctuation_only_words_are_ignored() {
        assert!(parse(" - ' ").is_empty());
    }

    #[test]
    fn spaced_phone_numbers_are_one_word() {
        assert_eq!(
            parse("+34 600 111 ana 1980-05-01 12 34"),
            vec![
                Filter::Phone("34600111".into()),
                Filter::NamePrefix("ana".into()),
                Filter::DateOfBirth("1980-05-01".into()),
                Filter::Phone("1234".into()),
            ]
        );
    }
}

//! As-you-type patient search. The text is split into words; each word becomes one
//! filter and every filter must match:
//! - `YYYY-MM-DD`: date of birth;
//! - letters and digits mixed (`KQX-0042`, `kqx42`): MRN prefix;
//! - 3+ digits only (spaces, `+ - ( )` ignored): phone number prefix or last digits;
//! - anything else: a name prefix (case- and accent-insensitive) of a given,
//!   middle or family name.
//!
//! Results are ordered by family then given name, paginated by page number.
use crate::registry::summary_from_row;
use crate::text::{compact, digits};
use crate::CoreError;
use clinic_protocol::{PatientSearch, PatientSearchPage};
use rusqlite::Connection;

mod plan;

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

/// Runs a search for the caller and audits it: the number of words typed (never
/// the text), the page and the ids shown. An empty search shows nothing and is
/// not audited.
pub fn search_patients_audited(
    store: &mut clinic_store::Store,
    caller: &crate::Caller<'_>,
    query: &PatientSearch,
) -> Result<PatientSearchPage, CoreError> {
    let filters = parse(&query.text);
    let mut page = run(store.conn(), query, &filters)?;
    if let Some(staff) = caller.staff_id {
        let now = chrono::Utc::now();
        for item in &mut page.items {
            crate::restricted::mask_if_hidden(store.conn(), staff, now, item)?;
        }
    }
    let words = filters.len();
    if words > 0 {
        let ids: Vec<_> = page.items.iter().map(|p| p.id).collect();
        let event = crate::audit::NewAuditEvent::patient_search(
            caller.actor.clone(),
            words,
            query.page,
            &ids,
        );
        crate::audit::append_standalone(store, caller.audit_key, &event)?;
    }
    Ok(page)
}

/// Runs one page of a search without auditing (benchmarks, the core's own use).
/// Empty text returns an empty page.
pub fn search_patients(
    conn: &Connection,
    query: &PatientSearch,
) -> Result<PatientSearchPage, CoreError> {
    run(conn, query, &parse(&query.text))
}

/// One page of `query`, whose text was parsed into `filters`.
fn run(
    conn: &Connection,
    query: &PatientSearch,
    filters: &[Filter],
) -> Result<PatientSearchPage, CoreError> {
    if query.page_size == 0 || query.page_size > MAX_PAGE_SIZE {
        return Err(CoreError::field(
            "page_size",
            format!("Ask for 1 to {MAX_PAGE_SIZE} results per page."),
        ));
    }
    let mut page = PatientSearchPage {
        items: Vec::new(),
        page: query.page,
        page_size: query.page_size,
        has_more: false,
    };
    if filters.is_empty() {
        return Ok(page);
    }
    let limit = i64::from(query.page_size) + 1; // one more, to learn has_more
    let offset = i64::from(query.page) * i64::from(query.page_size);
    let started = std::time::Instant::now();
    let plan = plan::choose(conn, filters, limit + offset)?;
    let (sql, args) = plan::build_sql(filters, plan, limit, offset);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), summary_from_row)?;
    for row in rows {
        page.items.push(row?);
    }
    // The words typed may be names: log their number and kinds, never the text.
    tracing::debug!(
        words = filters.len(),
        ?plan,
        rows = page.items.len(),
        page = query.page,
        micros = started.elapsed().as_micros() as u64,
        "patient search"
    );
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
    let (sql, args) = plan::build_sql(&filters, plan::choose(conn, &filters, 26)?, 26, 0);
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

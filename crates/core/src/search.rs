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
    if word.len() == 10 && chrono::NaiveDate::parse_from_str(word, "%Y-%m-%d").is_ok() {
        return Some(Filter::DateOfBirth(word.to_string()));
    }
    let phone_like = word.chars().all(|c| c.is_ascii_digit() || "+-().".contains(c));
    let d = digits(word);
    if phone_like && d.len() >= 3 {
        return Some(Filter::Phone(d));
    }
    let compacted = compact(word);
    if compacted.is_empty() {
        return None;
    }
    let letters = compacted.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    let rest = &compacted[letters..];
    if letters == 3 && !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()) {
        return Some(Filter::MrnPrefix(format!("{}-{rest}", compacted[..3].to_uppercase())));
    }
    Some(Filter::NamePrefix(compacted))
}

fn parse(text: &str) -> Vec<Filter> {
    let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
    text.split_whitespace()
        .filter_map(classify)
        .take(MAX_WORDS)
        .collect()
}

/// Runs one page of a search. Empty text returns an empty page.
pub fn search_patients(conn: &Connection, query: &PatientSearch) -> Result<PatientSearchPage, CoreError> {
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
    let mut sql = format!("SELECT {SUMMARY_COLUMNS} FROM patient p WHERE 1");
    let mut args: Vec<Value> = Vec::new();
    for filter in &filters {
        match filter {
            Filter::NamePrefix(p) => {
                sql.push_str(
                    " AND p.id IN (SELECT patient_id FROM patient_name_token WHERE token >= ? AND token < ?)",
                );
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
    args.push(Value::Integer(i64::from(query.page_size) + 1));
    args.push(Value::Integer(i64::from(query.page) * i64::from(query.page_size)));
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
}

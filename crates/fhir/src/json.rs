//! Reading FHIR JSON with paths: typed accessors that turn a wrong shape into an
//! error naming the JSON path (`reaction[0].severity`), the checks R4 puts on
//! every primitive (ids, strings, dates), and readers for the common data types
//! (CodeableConcept, HumanName, Reference). Also the `Problem` a mapping returns.
use crate::model::Coding;
use serde_json::{Number, Value};

/// Why a resource is not mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// Valid, but the domain has no home for it: stored as JSON.
    Keep(String),
    /// Malformed: `path` inside the resource.
    Error { path: String, reason: String },
}

impl Problem {
    pub fn error(path: &str, reason: impl Into<String>) -> Self {
        Problem::Error {
            path: path.to_string(),
            reason: reason.into(),
        }
    }

    pub fn keep(reason: impl Into<String>) -> Self {
        Problem::Keep(reason.into())
    }
}

pub(crate) type Res<T> = Result<T, Problem>;

/// A JSON value and its path from the resource root.
#[derive(Clone, Debug)]
pub(crate) struct Node<'a> {
    pub value: &'a Value,
    pub path: String,
}

impl<'a> Node<'a> {
    pub fn root(value: &'a Value) -> Self {
        Node {
            value,
            path: String::new(),
        }
    }

    pub fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn child(&self, key: &str) -> Res<Option<Node<'a>>> {
        match self.value {
            Value::Object(map) => Ok(map.get(key).map(|value| Node {
                value,
                path: self.at(key),
            })),
            _ => Err(Problem::error(&self.path, "expected an object")),
        }
    }

    pub fn str(&self, key: &str) -> Res<Option<&'a str>> {
        match self.child(key)? {
            None => Ok(None),
            Some(Node {
                value: Value::String(s),
                ..
            }) => Ok(Some(s.as_str())),
            Some(n) => Err(Problem::error(&n.path, "expected a string")),
        }
    }

    /// The string, or "" when absent.
    pub fn text(&self, key: &str) -> Res<String> {
        Ok(self.str(key)?.unwrap_or_default().to_string())
    }

    pub fn obj(&self, key: &str) -> Res<Option<Node<'a>>> {
        match self.child(key)? {
            None => Ok(None),
            Some(n) if n.value.is_object() => Ok(Some(n)),
            Some(n) => Err(Problem::error(&n.path, "expected an object")),
        }
    }

    /// Elements of an array of objects (empty when absent).
    pub fn arr(&self, key: &str) -> Res<Vec<Node<'a>>> {
        let Some(n) = self.child(key)? else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = n.value else {
            return Err(Problem::error(&n.path, "expected an array"));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, value)| {
                let path = format!("{}[{i}]", n.path);
                if value.is_object() {
                    Ok(Node { value, path })
                } else {
                    Err(Problem::error(&path, "expected an object"))
                }
            })
            .collect()
    }

    pub fn first(&self, key: &str) -> Res<Option<Node<'a>>> {
        Ok(self.arr(key)?.into_iter().next())
    }

    /// Elements of an array of strings (empty when absent).
    pub fn strs(&self, key: &str) -> Res<Vec<&'a str>> {
        let Some(n) = self.child(key)? else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = n.value else {
            return Err(Problem::error(&n.path, "expected an array"));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .ok_or_else(|| Problem::error(&format!("{}[{i}]", n.path), "expected a string"))
            })
            .collect()
    }

    pub fn number(&self, key: &str) -> Res<Option<&'a Number>> {
        match self.child(key)? {
            None => Ok(None),
            Some(Node {
                value: Value::Number(x),
                ..
            }) => Ok(Some(x)),
            Some(n) => Err(Problem::error(&n.path, "expected a number")),
        }
    }

    /// A code from a required R4 value set: anything else is an error.
    pub fn code_in(&self, key: &str, allowed: &[&str]) -> Res<Option<&'a str>> {
        match self.str(key)? {
            Some(c) if !allowed.contains(&c) => Err(Problem::error(
                &self.at(key),
                format!("'{c}' is not one of: {}", allowed.join(", ")),
            )),
            other => Ok(other),
        }
    }

    /// A `date` or `dateTime`, checked, as found ("" when absent).
    pub fn date_time(&self, key: &str) -> Res<String> {
        match self.str(key)? {
            None => Ok(String::new()),
            Some(s) if valid_date_time(s) => Ok(s.to_string()),
            Some(s) => Err(Problem::error(
                &self.at(key),
                format!("'{s}' is not an R4 date or dateTime"),
            )),
        }
    }

    /// The date part (`YYYY-MM-DD`, or `YYYY`/`YYYY-MM` when that is all there
    /// is) of a `date`/`dateTime`/`instant` ("" when absent).
    pub fn date(&self, key: &str) -> Res<String> {
        Ok(date_part(&self.date_time(key)?))
    }

    // --- Data types -------------------------------------------------------

    /// A CodeableConcept's words: `text`, else the first coding's display, else
    /// its code.
    pub fn concept_text(&self) -> Res<String> {
        if let Some(t) = self.str("text")? {
            return Ok(t.to_string());
        }
        for c in self.arr("coding")? {
            if let Some(d) = c.str("display")? {
                return Ok(d.to_string());
            }
        }
        for c in self.arr("coding")? {
            if let Some(d) = c.str("code")? {
                return Ok(d.to_string());
            }
        }
        Ok(String::new())
    }

    /// `concept_text` of the CodeableConcept at `key` ("" when absent).
    pub fn concept_text_at(&self, key: &str) -> Res<String> {
        match self.obj(key)? {
            Some(c) => c.concept_text(),
            None => Ok(String::new()),
        }
    }

    pub fn codings(&self) -> Res<Vec<Coding>> {
        self.arr("coding")?
            .iter()
            .map(|c| {
                Ok(Coding {
                    system: c.text("system")?,
                    code: c.text("code")?,
                    display: c.text("display")?,
                })
            })
            .collect()
    }

    /// The code of the first coding of `system` in the CodeableConcept at `key`.
    pub fn code_of(&self, key: &str, systems: &[&str]) -> Res<Option<String>> {
        let Some(cc) = self.obj(key)? else {
            return Ok(None);
        };
        Ok(cc
            .codings()?
            .into_iter()
            .find(|c| systems.contains(&c.system.as_str()) && !c.code.is_empty())
            .map(|c| c.code))
    }

    /// A HumanName as one line: `text`, else given names and family.
    pub fn human_name(&self) -> Res<String> {
        if let Some(t) = self.str("text")? {
            return Ok(t.to_string());
        }
        let mut parts: Vec<&str> = self.strs("prefix")?;
        parts.extend(self.strs("given")?);
        parts.extend(self.str("family")?);
        Ok(parts.join(" "))
    }

    /// `reference` of the Reference at `key`.
    pub fn reference(&self, key: &str) -> Res<Option<&'a str>> {
        match self.obj(key)? {
            Some(r) => r.str("reference"),
            None => Ok(None),
        }
    }
}

/// `Value::Number` from decimal text ("120", "37.5"), if it is one.
pub(crate) fn number_from_text(text: &str) -> Option<Value> {
    let t = text.trim();
    let ok = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    if !ok {
        return None;
    }
    serde_json::from_str::<Number>(t).ok().map(Value::Number)
}

/// The date part of a `date`/`dateTime`.
pub(crate) fn date_part(s: &str) -> String {
    s.get(..10)
        .filter(|d| d.len() == 10 && d.as_bytes()[4] == b'-')
        .unwrap_or(s)
        .to_string()
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn in_range(s: &str, lo: u32, hi: u32) -> bool {
    s.parse::<u32>().is_ok_and(|v| (lo..=hi).contains(&v))
}

/// R4 `date`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
pub(crate) fn valid_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2) && in_range(m, 1, 12),
        [y, m, d] => {
            digits(y, 4) && digits(m, 2) && in_range(m, 1, 12) && digits(d, 2) && in_range(d, 1, 31)
        }
        _ => false,
    }
}

/// R4 `dateTime`/`instant`: a date, or a full date with `Thh:mm:ss[.f]` and a
/// zone (`Z` or `±hh:mm`).
pub(crate) fn valid_date_time(s: &str) -> bool {
    let Some((date, time)) = s.split_once('T') else {
        return valid_date(s);
    };
    if date.len() != 10 || !valid_date(date) {
        return false;
    }
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => return false,
    };
    // Bytes, not string slices: the text may hold any character.
    let z = zone.as_bytes();
    let zone_ok = zone == "Z"
        || (z.len() == 6
            && z[1..3].iter().all(u8::is_ascii_digit)
            && z[3] == b':'
            && z[4..6].iter().all(u8::is_ascii_digit));
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, "0"));
    let hms: Vec<&str> = hms.split(':').collect();
    zone_ok
        && !frac.is_empty()
        && frac.bytes().all(|b| b.is_ascii_digit())
        && hms.len() == 3
        && digits(hms[0], 2)
        && in_range(hms[0], 0, 23)
        && digits(hms[1], 2)
        && in_range(hms[1], 0, 59)
        && digits(hms[2], 2)
        && in_range(hms[2], 0, 60)
}

/// R4 `id`: 1–64 of `A-Z a-z 0-9 - .`.
pub(crate) fn valid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// Whitespace R4 strings may not hold: the R4 JSON schema gives every string
/// the pattern `[ \r\n\t\S]+`, and `\s` (ECMAScript) is wider than those four.
fn forbidden_space(c: char) -> bool {
    matches!(
        c,
        '\u{000b}' | '\u{000c}' | '\u{00a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// Checks every primitive of a resource the way the R4 JSON schema does:
/// strings are non-empty and hold no whitespace but space, tab, CR and LF;
/// no `null` outside primitive arrays; `id` is an R4 id. The narrative
/// (`div`, XHTML rather than a FHIR string) is not checked.
pub(crate) fn check_primitives(resource: &Value) -> Res<()> {
    if let Some(id) = resource.get("id") {
        match id.as_str() {
            Some(s) if valid_id(s) => {}
            Some(s) => {
                return Err(Problem::error(
                    "id",
                    format!("'{s}' is not an R4 id (1-64 of A-Z a-z 0-9 - .)"),
                ))
            }
            None => return Err(Problem::error("id", "expected a string")),
        }
    }
    let mut path = String::new();
    walk(resource, &mut path, false)
}

fn walk(v: &Value, path: &mut String, in_array: bool) -> Res<()> {
    match v {
        Value::String(s) => {
            if s.is_empty() {
                return Err(Problem::error(
                    path,
                    "empty string (R4 strings hold at least one character)",
                ));
            }
            if let Some(c) = s.chars().find(|&c| forbidden_space(c)) {
                return Err(Problem::error(
                    path,
                    format!(
                        "contains U+{:04X}, which R4 strings may not hold (only space, tab, CR and LF)",
                        c as u32
                    ),
                ));
            }
            Ok(())
        }
        Value::Null if !in_array => Err(Problem::error(path, "null is not allowed here")),
        Value::Array(items) => {
            let len = path.len();
            for (i, item) in items.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                walk(item, path, true)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            let len = path.len();
            for (k, item) in map {
                if k == "div" {
                    continue;
                }
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                walk(item, path, false)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates() {
        for ok in [
            "2020",
            "2020-02",
            "2020-02-29",
            "2020-02-29T10:00:00Z",
            "2013-04-02T09:30:10.5+01:00",
        ] {
            assert!(valid_date_time(ok), "{ok}");
        }
        for bad in [
            "2020-01-01T10:00:00+0\u{e9}0:",
            "2020-01-01T10:00:00+\u{e9}:00",
            "20",
            "2020-13",
            "2020-02-29T10:00",
            "2020-02-29T10:00:00",
            "2020-1-01",
            "x",
        ] {
            assert!(!valid_date_time(bad), "{bad}");
        }
        assert_eq!(date_part("2012-05-24T00:00:00+00:00"), "2012-05-24");
        assert_eq!(date_part("2012"), "2012");
    }

    #[test]
    fn primitives_are_checked_with_their_path() {
        let r = json!({"resourceType": "X", "a": [{"b": "x\u{00a0}y"}]});
        let Err(Problem::Error { path, reason }) = check_primitives(&r) else {
            panic!("accepted");
        };
        assert_eq!(path, "a[0].b");
        assert!(reason.contains("U+00A0"), "{reason}");
        assert!(check_primitives(&json!({"id": "bad id"})).is_err());
        assert!(check_primitives(&json!({"a": ""})).is_err());
        assert!(check_primitives(&json!({"a": null})).is_err());
        assert!(check_primitives(&json!({"a": [null, "x"], "text": {"div": "\u{00a0}"}})).is_ok());
    }

    #[test]
    fn wrong_shapes_name_their_path() {
        let r = json!({"reaction": [{"severity": 3}], "code": "x"});
        let n = Node::root(&r);
        let reaction = n.first("reaction").unwrap().unwrap();
        assert_eq!(
            reaction.str("severity"),
            Err(Problem::error("reaction[0].severity", "expected a string"))
        );
        assert!(n.obj("code").is_err());
        assert_eq!(number_from_text("37.5"), Some(json!(37.5)));
        assert_eq!(number_from_text("1-2"), None);
    }
}

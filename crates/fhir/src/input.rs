//! Reading input: decides whether bytes are one resource, a Bundle (of any
//! type, nested bundles flattened) or bulk-export NDJSON (one resource per
//! line), and splits them into resources that remember where they came from.
//! Guards: input size, bundle nesting (serde_json itself stops JSON nesting at
//! 128 levels). Never panics: anything unreadable becomes an error outcome.
use crate::model::{Outcome, ResourceOutcome, NO_RESOURCE, UNREADABLE};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// Larger inputs are refused (split bulk exports into several files).
pub const MAX_INPUT_BYTES: usize = 256 * 1024 * 1024;
/// Bundles nested deeper than this (a Bundle inside a Bundle…) are refused.
pub const MAX_BUNDLE_DEPTH: usize = 4;

const BUNDLE_TYPES: &[&str] = &[
    "document",
    "message",
    "transaction",
    "transaction-response",
    "batch",
    "batch-response",
    "history",
    "searchset",
    "collection",
];

/// Where a resource came from: the input's name, the NDJSON line, the bundle
/// entry (`entry[3]`, or `entry[1].resource.entry[0]` for nested bundles).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub source: String,
    /// 1-based.
    pub line: Option<usize>,
    pub entry: Option<String>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(entry) = &self.entry {
            write!(f, " {entry}")?;
        }
        Ok(())
    }
}

/// One resource read from the input.
#[derive(Clone, Debug)]
pub(crate) struct RawResource {
    pub origin: Origin,
    pub resource: Value,
    /// The bundle entry's `fullUrl`.
    pub full_url: Option<String>,
}

/// What one input held.
#[derive(Debug, Default)]
pub(crate) struct Split {
    pub resources: Vec<RawResource>,
    /// Unreadable input, bundle entries not applied.
    pub outcomes: Vec<ResourceOutcome>,
}

impl Split {
    fn problem(&mut self, origin: Origin, resource_type: &str, outcome: Outcome) {
        self.outcomes.push(ResourceOutcome {
            origin,
            resource_type: resource_type.to_string(),
            id: None,
            key: None,
            patient: None,
            outcome,
        });
    }

    fn unreadable(&mut self, origin: Origin, reason: String) {
        self.problem(
            origin,
            UNREADABLE,
            Outcome::Error {
                path: String::new(),
                reason,
            },
        );
    }
}

/// Splits one input (a file's bytes) into resources.
pub(crate) fn split(source: &str, bytes: &[u8], out: &mut Split) {
    let origin = Origin {
        source: source.to_string(),
        ..Origin::default()
    };
    if bytes.len() > MAX_INPUT_BYTES {
        let reason = format!(
            "input is {} bytes; at most {MAX_INPUT_BYTES} are read at once",
            bytes.len()
        );
        return out.unreadable(origin, reason);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let reason = format!("not UTF-8 text (byte {})", e.valid_up_to());
            return out.unreadable(origin, reason);
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return out.unreadable(origin, "empty input".into());
    }
    if looks_like_ndjson(text) {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let origin = Origin {
                line: Some(i + 1),
                ..origin.clone()
            };
            match serde_json::from_str::<Value>(line) {
                Ok(v) => take(v, origin, None, 0, out),
                Err(e) => out.unreadable(origin, format!("invalid JSON: {e}")),
            }
        }
    } else {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => take(v, origin, None, 0, out),
            Err(e) => out.unreadable(origin, format!("invalid JSON: {e}")),
        }
    }
}

/// NDJSON: the first non-blank line is a whole JSON object by itself and
/// another non-blank line follows. (A pretty-printed resource starts with a
/// line holding only `{`; a minified one has a single line.)
fn looks_like_ndjson(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first_is_object = lines
        .next()
        .is_some_and(|l| matches!(serde_json::from_str::<Value>(l), Ok(Value::Object(_))));
    first_is_object && lines.next().is_some()
}

/// One JSON value: a resource, or a Bundle to flatten.
fn take(v: Value, origin: Origin, full_url: Option<String>, depth: usize, out: &mut Split) {
    let Value::Object(obj) = v else {
        return out.unreadable(origin, "expected a JSON object (a FHIR resource)".into());
    };
    let resource_type = match obj.get("resourceType") {
        Some(Value::String(t)) if !t.is_empty() => t.clone(),
        Some(_) => {
            return out.unreadable(origin, "resourceType is not a non-empty string".into());
        }
        None => {
            return out.unreadable(origin, "not a FHIR resource: no resourceType".into());
        }
    };
    if resource_type == "Bundle" {
        bundle(obj, origin, depth, out);
    } else {
        out.resources.push(RawResource {
            origin,
            resource: Value::Object(obj),
            full_url,
        });
    }
}

fn bundle_error(out: &mut Split, origin: Origin, id: Option<String>, path: &str, reason: String) {
    out.outcomes.push(ResourceOutcome {
        origin,
        resource_type: "Bundle".into(),
        id,
        key: None,
        patient: None,
        outcome: Outcome::Error {
            path: path.into(),
            reason,
        },
    });
}

fn bundle(mut obj: Map<String, Value>, origin: Origin, depth: usize, out: &mut Split) {
    let id = obj.get("id").and_then(Value::as_str).map(String::from);
    if depth >= MAX_BUNDLE_DEPTH {
        let reason = format!("bundles nested more than {MAX_BUNDLE_DEPTH} deep are not read");
        return bundle_error(out, origin, id, "", reason);
    }
    match obj.get("type") {
        Some(Value::String(t)) if BUNDLE_TYPES.contains(&t.as_str()) => {}
        Some(Value::String(t)) => {
            let reason = format!("'{t}' is not an R4 bundle type");
            return bundle_error(out, origin, id, "type", reason);
        }
        Some(_) => return bundle_error(out, origin, id, "type", "expected a string".into()),
        None => return bundle_error(out, origin, id, "type", "required".into()),
    }
    let entries = match obj.remove("entry") {
        None => return,
        Some(Value::Array(entries)) => entries,
        Some(_) => return bundle_error(out, origin, id, "entry", "expected an array".into()),
    };
    let prefix = match &origin.entry {
        Some(p) => format!("{p}.resource."),
        None => String::new(),
    };
    for (i, entry) in entries.into_iter().enumerate() {
        let here = Origin {
            entry: Some(format!("{prefix}entry[{i}]")),
            ..origin.clone()
        };
        let Value::Object(mut entry) = entry else {
            bundle_error(
                out,
                origin.clone(),
                id.clone(),
                &format!("entry[{i}]"),
                "expected an object".into(),
            );
            continue;
        };
        let full_url = entry
            .get("fullUrl")
            .and_then(Value::as_str)
            .map(String::from);
        let request = entry.get("request").map(|r| {
            let text = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            (text("method"), text("url"))
        });
        let resource = entry.remove("resource");
        if let Some((method, url)) = &request {
            if method != "POST" && method != "PUT" {
                let resource_type = resource
                    .as_ref()
                    .and_then(|r| r.get("resourceType"))
                    .and_then(Value::as_str)
                    .unwrap_or(NO_RESOURCE);
                let reason = format!(
                    "{method} {url}: only POST and PUT entries are applied (an import never deletes)"
                );
                out.problem(here, resource_type, Outcome::Skipped { reason });
                continue;
            }
        }
        match resource {
            Some(r) => take(r, here, full_url, depth + 1, out),
            None => {
                let reason = "bundle entry has no resource".to_string();
                out.problem(here, NO_RESOURCE, Outcome::Skipped { reason });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Split {
        let mut s = Split::default();
        split("t", text.as_bytes(), &mut s);
        s
    }

    #[test]
    fn single_resource_bundle_and_ndjson_are_told_apart() {
        assert_eq!(
            run(r#"{"resourceType":"Patient","id":"a"}"#)
                .resources
                .len(),
            1
        );
        let pretty = "{\n  \"resourceType\": \"Patient\",\n  \"id\": \"a\"\n}\n";
        assert_eq!(run(pretty).resources.len(), 1);
        let nd = "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n\n{\"resourceType\":\"Patient\",\"id\":\"b\"}\n";
        let s = run(nd);
        assert_eq!(s.resources.len(), 2);
        assert_eq!(s.resources[1].origin.line, Some(3));
        let b = r#"{"resourceType":"Bundle","type":"transaction","entry":[
            {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}},
            {"request":{"method":"DELETE","url":"Patient/2"}},
            {"resource":{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"n"}}]}}]}"#;
        let s = run(b);
        assert_eq!(s.resources.len(), 2);
        assert_eq!(s.resources[0].full_url.as_deref(), Some("urn:uuid:1"));
        assert_eq!(
            s.resources[1].origin.entry.as_deref(),
            Some("entry[2].resource.entry[0]")
        );
        assert_eq!(s.outcomes.len(), 1);
        assert!(matches!(s.outcomes[0].outcome, Outcome::Skipped { .. }));
    }

    #[test]
    fn bad_lines_are_errors_with_their_line_number() {
        let s = run("{\"resourceType\":\"Patient\"}\n{\"resourceType\":\n[1]\n");
        assert_eq!(s.resources.len(), 1);
        assert_eq!(s.outcomes.len(), 2);
        assert_eq!(s.outcomes[0].origin.line, Some(2));
        assert_eq!(s.outcomes[1].origin.line, Some(3));
    }

    #[test]
    fn deep_bundles_stop() {
        let mut text = r#"{"resourceType":"Patient"}"#.to_string();
        for _ in 0..6 {
            text = format!(
                r#"{{"resourceType":"Bundle","type":"collection","entry":[{{"resource":{text}}}]}}"#
            );
        }
        let s = run(&text);
        assert!(s.resources.is_empty());
        assert_eq!(s.outcomes.len(), 1);
    }
}

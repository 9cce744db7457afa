//! What the provider's answers must be for the client to use them: FHIR JSON of
//! the resourceType asked for, searchset pages of the searched type (included
//! resources and OperationOutcomes left out) and their `next` links, and the
//! resource type names and logical ids the client puts in URLs.
use crate::error::{ProviderFailure, ProviderResult};
use crate::transport::{self, Answer};
use clinic_protocol::ProviderErrorKind;
use serde_json::Value;

/// One page of a searchset.
pub struct Page {
    pub entries: Vec<Value>,
    pub next: Option<String>,
}

/// The matched resources of a searchset page and its `next` link. Included
/// resources and OperationOutcome entries are skipped; any other resource of
/// another type than searched, or without an id, makes the page Malformed.
pub fn read_page(what: &str, bundle: &Value, resource_type: &str) -> ProviderResult<Page> {
    if let Some(kind) = bundle.get("type").and_then(Value::as_str) {
        if kind != "searchset" {
            return Err(ProviderFailure::malformed(format!(
                "{what}: the Bundle is not a searchset"
            )));
        }
    }
    let mut entries = Vec::new();
    let empty = Vec::new();
    let list = match bundle.get("entry") {
        None | Some(Value::Null) => &empty,
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(ProviderFailure::malformed(format!(
                "{what}: Bundle.entry is not a list"
            )))
        }
    };
    for entry in list {
        let mode = entry.pointer("/search/mode").and_then(Value::as_str);
        if matches!(mode, Some("include" | "outcome")) {
            continue;
        }
        let Some(resource) = entry.get("resource") else {
            return Err(ProviderFailure::malformed(format!(
                "{what}: an entry has no resource"
            )));
        };
        match resource.get("resourceType").and_then(Value::as_str) {
            Some("OperationOutcome") => continue,
            Some(t) if t == resource_type => {}
            _ => {
                return Err(ProviderFailure::malformed(format!(
                    "{what}: an entry is not a {resource_type}"
                )))
            }
        }
        if resource
            .get("id")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(ProviderFailure::malformed(format!(
                "{what}: a {resource_type} has no id"
            )));
        }
        entries.push(resource.clone());
    }
    let next = bundle
        .get("link")
        .and_then(Value::as_array)
        .and_then(|links| {
            links
                .iter()
                .find(|l| l.get("relation").and_then(Value::as_str) == Some("next"))
        })
        .and_then(|l| l.get("url").and_then(Value::as_str))
        .map(str::to_string);
    Ok(Page { entries, next })
}

/// The answer as JSON of `resource_type`, else Malformed.
pub fn json_resource(what: &str, answer: &Answer, resource_type: &str) -> ProviderResult<Value> {
    let malformed = |why: String| {
        ProviderFailure::new(
            ProviderErrorKind::Malformed,
            Some(answer.status),
            format!("{what}: {why}"),
        )
    };
    let value: Value = serde_json::from_slice(&answer.body).map_err(|e| {
        malformed(format!(
            "the answer is not JSON ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    match value.get("resourceType").and_then(Value::as_str) {
        Some(t) if t == resource_type => Ok(value),
        Some(t) if transport::safe_code(t).is_some() => {
            Err(malformed(format!("expected a {resource_type}, got a {t}")))
        }
        _ => Err(malformed(format!("expected a {resource_type}"))),
    }
}

pub fn type_of(resource: &Value) -> ProviderResult<&str> {
    let t = resource
        .get("resourceType")
        .and_then(Value::as_str)
        .ok_or_else(|| ProviderFailure::malformed("the resource to send has no resourceType"))?;
    check_type(t)?;
    Ok(t)
}

pub fn version_of(resource: &Value) -> Option<String> {
    resource
        .pointer("/meta/versionId")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A FHIR resource type name (`Observation`).
pub fn check_type(resource_type: &str) -> ProviderResult<()> {
    let ok = (2..=64).contains(&resource_type.len())
        && resource_type.starts_with(|c: char| c.is_ascii_uppercase())
        && resource_type.bytes().all(|b| b.is_ascii_alphabetic());
    if ok {
        Ok(())
    } else {
        Err(ProviderFailure::new(
            ProviderErrorKind::Rejected,
            None,
            "not a FHIR resource type name",
        ))
    }
}

/// A FHIR logical id: 1–64 of `A–Z a–z 0–9 - .`.
pub fn check_id(id: &str) -> ProviderResult<()> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(ProviderFailure::new(
            ProviderErrorKind::Rejected,
            None,
            "not a valid FHIR id",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_keep_matches_and_skip_includes_and_outcomes() {
        let bundle = json!({
            "resourceType": "Bundle", "type": "searchset",
            "entry": [
                {"resource": {"resourceType": "Observation", "id": "a"}, "search": {"mode": "match"}},
                {"resource": {"resourceType": "Patient", "id": "p"}, "search": {"mode": "include"}},
                {"resource": {"resourceType": "OperationOutcome"}, "search": {"mode": "outcome"}},
                {"resource": {"resourceType": "Observation", "id": "b"}}
            ],
            "link": [{"relation": "self", "url": "x"}, {"relation": "next", "url": "http://h/fhir/Observation?p=2"}]
        });
        let page = read_page("t", &bundle, "Observation").unwrap();
        assert_eq!(page.entries.len(), 2);
        assert_eq!(page.next.as_deref(), Some("http://h/fhir/Observation?p=2"));
    }

    #[test]
    fn pages_of_another_type_are_malformed() {
        let bundle = json!({"resourceType": "Bundle", "type": "searchset",
            "entry": [{"resource": {"resourceType": "Condition", "id": "c"}}]});
        let failure = read_page("t", &bundle, "Observation").err().unwrap();
        assert_eq!(failure.kind, ProviderErrorKind::Malformed);
        let history = json!({"resourceType": "Bundle", "type": "history"});
        assert!(read_page("t", &history, "Observation").is_err());
    }

    #[test]
    fn ids_and_types_are_checked() {
        assert!(check_id("a1-B.2").is_ok());
        for bad in ["", "a/b", "a?b", "../x", &"x".repeat(65)] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
        assert!(check_type("DocumentReference").is_ok());
        for bad in ["observation", "Obs/1", "O"] {
            assert!(check_type(bad).is_err(), "{bad}");
        }
    }
}

//! References between resources: each resource's key, the names it can be
//! referred to by (`Patient/123`, its bundle `fullUrl` such as `urn:uuid:…` or
//! `https://server/fhir/Patient/123`, `Patient?identifier=system|value`), and
//! resolving a reference to the resource it names — or, when that resource is
//! not in the input, to a normalised form the importer can match on.
use crate::model::Identifier;
use serde_json::Value;
use std::collections::HashMap;

/// The key of a resource: `Type/id`, else its fullUrl, else `Type/#<n>`.
pub(crate) fn resource_key(
    resource_type: &str,
    id: Option<&str>,
    full_url: Option<&str>,
    ordinal: usize,
) -> String {
    match (id, full_url) {
        (Some(id), _) => format!("{resource_type}/{id}"),
        (None, Some(url)) => url.to_string(),
        (None, None) => format!("{resource_type}/#{ordinal}"),
    }
}

/// `Type?identifier=system|value`: how a reference by identifier is written.
pub(crate) fn identifier_key(resource_type: &str, id: &Identifier) -> String {
    format!("{resource_type}?identifier={}|{}", id.system, id.value)
}

/// A reference without server base or version: `https://x/fhir/Patient/1/_history/2`
/// becomes `Patient/1`. `urn:` references and conditional ones stay as written.
pub(crate) fn normalize(reference: &str) -> String {
    if reference.starts_with("urn:") || reference.contains('?') {
        return reference.to_string();
    }
    let r = match reference.find("/_history/") {
        Some(i) => &reference[..i],
        None => reference,
    };
    let segments: Vec<&str> = r.trim_end_matches('/').split('/').collect();
    match segments.as_slice() {
        [.., t, id] if t.starts_with(|c: char| c.is_ascii_uppercase()) && !id.is_empty() => {
            format!("{t}/{id}")
        }
        _ => r.to_string(),
    }
}

/// The resource type a (normalised) reference names, if it says.
pub(crate) fn reference_type(reference: &str) -> Option<&str> {
    let t = reference.split(['/', '?']).next()?;
    (t.starts_with(|c: char| c.is_ascii_uppercase()) && t.len() < reference.len()).then_some(t)
}

/// The identifiers of a resource (those with both system and value).
pub(crate) fn identifiers(resource: &Value) -> Vec<Identifier> {
    let Some(list) = resource.get("identifier").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|i| {
            Some(Identifier {
                system: i.get("system")?.as_str()?.to_string(),
                value: i.get("value")?.as_str()?.to_string(),
            })
        })
        .collect()
}

/// The resources of one input (or one export) by every name they answer to.
#[derive(Default)]
pub(crate) struct Index<'a> {
    resources: Vec<&'a Value>,
    keys: Vec<String>,
    alias: HashMap<String, usize>,
}

impl<'a> Index<'a> {
    /// Adds a resource under its key and aliases; returns its position.
    pub fn add(&mut self, resource: &'a Value, key: String, full_url: Option<&str>) -> usize {
        let i = self.resources.len();
        let rt = resource
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut names = vec![key.clone()];
        if let Some(url) = full_url {
            names.push(url.to_string());
            names.push(normalize(url));
        }
        for id in identifiers(resource) {
            names.push(identifier_key(rt, &id));
        }
        for name in names {
            self.alias.entry(name).or_insert(i);
        }
        self.resources.push(resource);
        self.keys.push(key);
        i
    }

    pub fn resolve(&self, reference: &str) -> Option<usize> {
        self.alias
            .get(reference)
            .or_else(|| self.alias.get(&normalize(reference)))
            .copied()
    }

    pub fn get(&self, i: usize) -> &'a Value {
        self.resources[i]
    }

    /// What a reference points at: the key of the resource in the input, else
    /// the normalised reference.
    pub fn target(&self, reference: &str) -> String {
        match self.resolve(reference) {
            Some(i) => self.keys[i].clone(),
            None => normalize(reference),
        }
    }

    /// The type of what a reference points at.
    pub fn target_type(&self, reference: &str) -> Option<String> {
        match self.resolve(reference) {
            Some(i) => self.resources[i]
                .get("resourceType")
                .and_then(Value::as_str)
                .map(String::from),
            None => reference_type(&normalize(reference)).map(String::from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_normalise_and_resolve() {
        assert_eq!(
            normalize("http://x.org/fhir/Patient/1/_history/2"),
            "Patient/1"
        );
        assert_eq!(normalize("Patient/1"), "Patient/1");
        assert_eq!(normalize("urn:uuid:abc"), "urn:uuid:abc");
        assert_eq!(reference_type("Patient?identifier=a|b"), Some("Patient"));
        assert_eq!(reference_type("urn:uuid:abc"), None);

        let p = json!({"resourceType": "Patient", "id": "d1",
            "identifier": [{"system": "s", "value": "v"}]});
        let q = json!({"resourceType": "Practitioner"});
        let mut index = Index::default();
        index.add(
            &p,
            "Patient/d1".into(),
            Some("http://h.org/open/Patient/d1"),
        );
        index.add(&q, "urn:uuid:q".into(), Some("urn:uuid:q"));
        assert_eq!(index.resolve("http://h.org/open/Patient/d1"), Some(0));
        assert_eq!(index.resolve("https://elsewhere/Patient/d1"), Some(0));
        assert_eq!(index.resolve("Patient?identifier=s|v"), Some(0));
        assert_eq!(index.target("urn:uuid:q"), "urn:uuid:q");
        assert_eq!(
            index.target_type("urn:uuid:q").as_deref(),
            Some("Practitioner")
        );
        assert_eq!(index.target("Patient/zz"), "Patient/zz");
    }
}

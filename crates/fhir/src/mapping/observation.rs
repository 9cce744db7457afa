//! Observation ⇄ `ObservationItem` (values of the clinic's catalogue), both
//! directions side by side.
//!
//! An Observation maps when every value it holds is a `valueQuantity` whose
//! LOINC code is in the catalogue (given by the caller: core owns it) and whose
//! unit the catalogue accepts: either its own value, or — for a panel such as
//! blood pressure — all its components. Everything else (coded or text values,
//! codes outside the catalogue, no effective time, preliminary results…) is kept
//! as JSON with the reason.
use super::Ctx;
use crate::json::{number_from_text, Node, Problem, Res};
use crate::model::{Coding, ObservationItem};
use clinic_protocol::{NewObservation, ObservationCategory, ObservationCode, ObservationStatus};
use serde_json::{json, Map, Value};

pub(crate) const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
const CATEGORY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/observation-category";

pub(crate) const OBSERVATION_WRITES: &[&str] = &[
    "status",
    "category",
    "code",
    "valueQuantity",
    "component",
    "effectiveDateTime",
    "effectivePeriod",
    "effectiveInstant",
    "performer",
    "encounter",
];

const STATUSES: &[&str] = &[
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
];

fn has_value(n: &Node) -> bool {
    n.value.as_object().is_some_and(|m| {
        m.keys().any(|k| {
            k.strip_prefix("value")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
        })
    })
}

/// The catalogue entry for a CodeableConcept's LOINC coding.
fn catalogue_entry<'c>(
    code: &Node,
    codes: &'c [ObservationCode],
) -> Res<Result<&'c ObservationCode, String>> {
    let codings = code.codings()?;
    let loinc: Vec<&Coding> = codings.iter().filter(|c| c.system == LOINC).collect();
    for c in &loinc {
        if let Some(entry) = codes.iter().find(|e| e.loinc == c.code) {
            return Ok(Ok(entry));
        }
    }
    Ok(Err(match loinc.first() {
        Some(c) => format!(
            "LOINC {} ({}) is not in the clinic's observation catalogue",
            c.code, c.display
        ),
        None => format!("no LOINC code ({})", code.concept_text()?),
    }))
}

/// One quantity of a catalogue code: value text and unit, checked.
fn value_of(
    holder: &Node,
    entry: &ObservationCode,
    effective_at: &str,
    source: &str,
) -> Res<Result<NewObservation, String>> {
    let Some(q) = holder.obj("valueQuantity")? else {
        return Ok(Err(format!(
            "{}: the value is not a quantity",
            entry.display
        )));
    };
    let Some(value) = q.number("value")? else {
        return Ok(Err(format!("{}: the quantity has no value", entry.display)));
    };
    let unit = match (q.str("system")?, q.str("code")?) {
        (Some(UCUM), Some(code)) => code.to_string(),
        _ => match q.str("unit")? {
            Some(u) => u.to_string(),
            None => q.text("code")?,
        },
    };
    if !entry
        .accepted_units
        .iter()
        .any(|u| u.eq_ignore_ascii_case(&unit))
    {
        return Ok(Err(format!(
            "{}: unit '{unit}' is not one the catalogue accepts ({})",
            entry.display,
            entry.accepted_units.join(", ")
        )));
    }
    Ok(Ok(NewObservation {
        code: entry.code.clone(),
        value: value.to_string(),
        unit,
        effective_at: effective_at.to_string(),
        source: source.to_string(),
    }))
}

pub(crate) fn map_observation(n: &Node, ctx: &Ctx) -> Res<ObservationItem> {
    let status = match n.code_in("status", STATUSES)? {
        Some("final" | "amended" | "corrected") => ObservationStatus::Final,
        Some("entered-in-error") => ObservationStatus::EnteredInError,
        Some(other) => {
            return Err(Problem::keep(format!(
                "status {other}: only final (amended, corrected) and entered-in-error results are charted"
            )))
        }
        None => return Err(Problem::error("status", "required")),
    };
    let code = n
        .obj("code")?
        .ok_or_else(|| Problem::error("code", "required"))?;
    let mut effective_at = n.date_time("effectiveDateTime")?;
    if effective_at.is_empty() {
        if let Some(p) = n.obj("effectivePeriod")? {
            effective_at = p.date_time("start")?;
        }
    }
    if effective_at.is_empty() {
        effective_at = n.date_time("effectiveInstant")?;
    }
    if effective_at.is_empty() {
        return Err(Problem::keep(
            "no effective time (the chart would date it today)",
        ));
    }
    let source = ctx.name_of(n.first("performer")?.as_ref(), n.value)?;
    let encounter = match n.reference("encounter")? {
        Some(r) if !r.starts_with('#') => Some(ctx.index.target(r)),
        _ => None,
    };

    let mut values = Vec::new();
    let mut category = None;
    let mut panel = None;
    if has_value(n) {
        let entry = catalogue_entry(&code, ctx.codes)?.map_err(Problem::Keep)?;
        values.push(value_of(n, entry, &effective_at, &source)?.map_err(Problem::Keep)?);
        category = Some(entry.category);
    } else {
        let components = n.arr("component")?;
        if components.is_empty() {
            return Err(Problem::keep("no value (data absent)"));
        }
        for c in &components {
            let c_code = c
                .obj("code")?
                .ok_or_else(|| Problem::error(&c.at("code"), "required"))?;
            let entry = catalogue_entry(&c_code, ctx.codes)?
                .map_err(|e| Problem::keep(format!("component {}", e)))?;
            values.push(value_of(c, entry, &effective_at, &source)?.map_err(Problem::Keep)?);
            category.get_or_insert(entry.category);
        }
        panel = code.codings()?.into_iter().next();
        if panel.is_none() {
            panel = Some(Coding {
                display: code.concept_text()?,
                ..Coding::default()
            });
        }
    }
    Ok(ObservationItem {
        category: category.unwrap_or(ObservationCategory::Laboratory),
        status,
        panel,
        values,
        encounter,
    })
}

fn coding_json(c: &Coding) -> Value {
    let mut o = Map::new();
    for (k, v) in [
        ("system", &c.system),
        ("code", &c.code),
        ("display", &c.display),
    ] {
        if !v.is_empty() {
            o.insert(k.into(), json!(v));
        }
    }
    Value::Object(o)
}

/// The code of one value: its catalogue entry's LOINC coding.
fn value_code(value: &NewObservation, codes: &[ObservationCode]) -> Value {
    match codes.iter().find(|e| e.code == value.code) {
        Some(e) => json!({"coding": [{"system": LOINC, "code": e.loinc, "display": e.display}],
                          "text": e.display}),
        None => json!({"text": value.code}),
    }
}

fn quantity(value: &NewObservation) -> Value {
    let mut q = Map::new();
    if let Some(v) = number_from_text(&value.value.replace(',', ".")) {
        q.insert("value".into(), v);
    }
    if !value.unit.is_empty() {
        q.insert("unit".into(), json!(value.unit));
        q.insert("system".into(), json!(UCUM));
        q.insert("code".into(), json!(value.unit));
    }
    Value::Object(q)
}

pub(crate) fn observation_to_fhir(
    o: &ObservationItem,
    codes: &[ObservationCode],
) -> Map<String, Value> {
    let mut out = Map::new();
    let status = match o.status {
        ObservationStatus::Final => "final",
        ObservationStatus::EnteredInError => "entered-in-error",
    };
    out.insert("status".into(), json!(status));
    let category = match o.category {
        ObservationCategory::VitalSigns => "vital-signs",
        ObservationCategory::Laboratory => "laboratory",
    };
    out.insert(
        "category".into(),
        json!([{"coding": [{"system": CATEGORY_SYSTEM, "code": category}]}]),
    );
    let first = o.values.first();
    match (&o.panel, first) {
        (Some(panel), _) => {
            let mut code = json!({"coding": [coding_json(panel)]});
            if panel.system.is_empty() && panel.code.is_empty() {
                code = json!({"text": panel.display});
            }
            out.insert("code".into(), code);
            let components: Vec<Value> = o
                .values
                .iter()
                .map(|v| json!({"code": value_code(v, codes), "valueQuantity": quantity(v)}))
                .collect();
            out.insert("component".into(), Value::Array(components));
        }
        (None, Some(v)) => {
            out.insert("code".into(), value_code(v, codes));
            out.insert("valueQuantity".into(), quantity(v));
        }
        (None, None) => {}
    }
    if let Some(v) = first {
        if !v.effective_at.is_empty() {
            out.insert("effectiveDateTime".into(), json!(v.effective_at));
        }
        if !v.source.is_empty() {
            out.insert("performer".into(), json!([{"display": v.source}]));
        }
    }
    if let Some(e) = &o.encounter {
        out.insert("encounter".into(), json!({"reference": e}));
    }
    out
}

//! Encounter ⇄ `EncounterItem`, both directions side by side.
//!
//! `class` AMB → office visit, VR → video, HH → home visit, the clinic's own
//! code system for telephone/other, anything else (EMER, IMP…) → other.
//! Status in-progress, finished, entered-in-error (planned, arrived, cancelled…
//! are kept as JSON). Reason: `reasonCode`, else `reasonReference`, else `type`.
//! Start: `period.start` (without it the encounter is kept as JSON: the domain
//! would date it now).
use super::{Ctx, LOCAL_ENCOUNTER_TYPE};
use crate::json::{Node, Problem, Res};
use crate::model::EncounterItem;
use clinic_protocol::{EncounterStatus, EncounterType};
use serde_json::{json, Map, Value};

const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

pub(crate) const ENCOUNTER_WRITES: &[&str] = &[
    "status",
    "class",
    "reasonCode",
    "reasonReference",
    "type",
    "period",
];

const STATUSES: &[&str] = &[
    "planned",
    "arrived",
    "triaged",
    "in-progress",
    "onleave",
    "finished",
    "cancelled",
    "entered-in-error",
    "unknown",
];

pub(crate) fn map_encounter(n: &Node, ctx: &Ctx) -> Res<EncounterItem> {
    let status = match n.code_in("status", STATUSES)? {
        Some("in-progress") => EncounterStatus::InProgress,
        Some("finished") => EncounterStatus::Finished,
        Some("entered-in-error") => EncounterStatus::EnteredInError,
        Some(other) => {
            return Err(Problem::keep(format!(
            "status {other}: the chart holds in-progress, finished and entered-in-error encounters"
        )))
        }
        None => return Err(Problem::error("status", "required")),
    };
    let class = n
        .obj("class")?
        .ok_or_else(|| Problem::error("class", "required"))?;
    let system = class.text("system")?;
    let code = class.text("code")?;
    let encounter_type = if system == LOCAL_ENCOUNTER_TYPE {
        EncounterType::parse(&code).unwrap_or(EncounterType::Other)
    } else {
        match code.as_str() {
            "AMB" => EncounterType::OfficeVisit,
            "VR" => EncounterType::Video,
            "HH" => EncounterType::HomeVisit,
            _ => EncounterType::Other,
        }
    };
    let mut reason = match n.first("reasonCode")? {
        Some(r) => r.concept_text()?,
        None => String::new(),
    };
    if reason.is_empty() {
        reason = ctx.name_of(n.first("reasonReference")?.as_ref(), n.value)?;
    }
    if reason.is_empty() {
        if let Some(t) = n.first("type")? {
            reason = t.concept_text()?;
        }
    }
    let started_at = match n.obj("period")? {
        Some(p) => p.date_time("start")?,
        None => String::new(),
    };
    if started_at.is_empty() {
        return Err(Problem::keep(
            "no period.start (the chart would date it now)",
        ));
    }
    Ok(EncounterItem {
        encounter_type,
        reason,
        started_at,
        status,
    })
}

pub(crate) fn encounter_to_fhir(e: &EncounterItem) -> Map<String, Value> {
    let mut out = Map::new();
    let status = match e.status {
        EncounterStatus::InProgress => "in-progress",
        EncounterStatus::Finished => "finished",
        EncounterStatus::EnteredInError => "entered-in-error",
    };
    out.insert("status".into(), json!(status));
    let class = match e.encounter_type {
        EncounterType::OfficeVisit => {
            json!({"system": ACT_CODE, "code": "AMB", "display": "ambulatory"})
        }
        EncounterType::Video => json!({"system": ACT_CODE, "code": "VR", "display": "virtual"}),
        EncounterType::HomeVisit => {
            json!({"system": ACT_CODE, "code": "HH", "display": "home health"})
        }
        other => json!({"system": LOCAL_ENCOUNTER_TYPE, "code": other.as_str()}),
    };
    out.insert("class".into(), class);
    if !e.reason.is_empty() {
        out.insert("reasonCode".into(), json!([{"text": e.reason}]));
    }
    if !e.started_at.is_empty() {
        out.insert("period".into(), json!({"start": e.started_at}));
    }
    out
}

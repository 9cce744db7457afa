//! Chart entries ⇄ FHIR: AllergyIntolerance (and the "no known allergies"
//! statement), MedicationStatement and MedicationRequest, Condition, CarePlan.
//! Both directions side by side.
//!
//! Statuses: allergy/problem `clinicalStatus` active (recurrence, relapse),
//! inactive (remission), resolved; `verificationStatus` entered-in-error wins,
//! refuted is kept as JSON (the patient does not have it). Medication and plan
//! `status` active, completed, stopped (plan: revoked), entered-in-error; the
//! rest (on-hold, draft, intended, cancelled, unknown…) is kept as JSON.
use super::Ctx;
use crate::json::{number_from_text, Node, Problem, Res};
use crate::model::{ChartItem, NoKnownAllergies};
use clinic_protocol::{
    AllergyDetails, AllergySeverity, ChartEntryDetails, EntryStatus, MedicationDetails,
    PlanDetails, ProblemDetails,
};
use serde_json::{json, Map, Value};

pub(crate) const SNOMED: &str = "http://snomed.info/sct";
/// SNOMED "No known allergy (situation)".
pub(crate) const NO_KNOWN_ALLERGY: &str = "716186003";
/// Narrower "no known … allergy" statements (drug, food, environmental, latex):
/// the domain only has the general one.
const NO_KNOWN_NARROWER: &[&str] = &[
    "409137002",
    "429625007",
    "428607008",
    "716184000",
    "1003774007",
];
const ALLERGY_CLINICAL_SYSTEM: &str =
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
const ALLERGY_VERIFICATION_SYSTEM: &str =
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";
const CONDITION_CLINICAL_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
const CONDITION_VERIFICATION_SYSTEM: &str =
    "http://terminology.hl7.org/CodeSystem/condition-ver-status";
const CONDITION_CATEGORY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
pub(crate) const ICD10_SYSTEMS: &[&str] = &[
    "http://hl7.org/fhir/sid/icd-10",
    "http://hl7.org/fhir/sid/icd-10-cm",
];

pub(crate) const ALLERGY_WRITES: &[&str] = &[
    "clinicalStatus",
    "verificationStatus",
    "code",
    "reaction",
    "onsetDateTime",
    "onsetPeriod",
    "recordedDate",
    "recorder",
    "asserter",
];
pub(crate) const CONDITION_WRITES: &[&str] = &[
    "clinicalStatus",
    "verificationStatus",
    "code",
    "onsetDateTime",
    "onsetPeriod",
    "recordedDate",
];
pub(crate) const MEDICATION_STATEMENT_WRITES: &[&str] = &[
    "status",
    "statusReason",
    "medicationCodeableConcept",
    "medicationReference",
    "effectiveDateTime",
    "effectivePeriod",
    "dateAsserted",
    "dosage",
];
pub(crate) const MEDICATION_REQUEST_WRITES: &[&str] = &[
    "status",
    "statusReason",
    "intent",
    "medicationCodeableConcept",
    "medicationReference",
    "authoredOn",
    "requester",
    "dosageInstruction",
    "dispenseRequest",
];
pub(crate) const CARE_PLAN_WRITES: &[&str] = &[
    "status",
    "intent",
    "title",
    "description",
    "category",
    "activity",
    "created",
];

/// A status CodeableConcept's code, checked against its required value set.
fn status_code<'a>(n: &Node<'a>, key: &str, allowed: &[&str]) -> Res<Option<String>> {
    let Some(cc) = n.obj(key)? else {
        return Ok(None);
    };
    let Some(c) = cc.codings()?.into_iter().find(|c| !c.code.is_empty()) else {
        return Ok(None);
    };
    if !allowed.contains(&c.code.as_str()) {
        return Err(Problem::error(
            &cc.at("coding"),
            format!("'{}' is not one of: {}", c.code, allowed.join(", ")),
        ));
    }
    Ok(Some(c.code))
}

/// The chart status from clinical and verification status (allergies, problems).
fn clinical_status(n: &Node, clinical: &[&str], verification: &[&str]) -> Res<EntryStatus> {
    let clinical = status_code(n, "clinicalStatus", clinical)?;
    match status_code(n, "verificationStatus", verification)?.as_deref() {
        Some("entered-in-error") => return Ok(EntryStatus::EnteredInError),
        Some("refuted") => {
            return Err(Problem::keep(
                "verification status is refuted: the patient does not have it",
            ))
        }
        _ => {}
    }
    Ok(match clinical.as_deref() {
        Some("inactive" | "remission") => EntryStatus::Inactive,
        Some("resolved") => EntryStatus::Resolved,
        // active, recurrence, relapse; an entry recorded without a status is
        // treated as current (the safe reading for an allergy).
        _ => EntryStatus::Active,
    })
}

fn onset(n: &Node) -> Res<String> {
    let d = n.date("onsetDateTime")?;
    if !d.is_empty() {
        return Ok(d);
    }
    match n.obj("onsetPeriod")? {
        Some(p) => p.date("start"),
        None => Ok(String::new()),
    }
}

/// An allergy, or the "no known allergies" statement.
pub(crate) enum AllergyMapping {
    Entry(ChartItem),
    NoKnownAllergies(NoKnownAllergies),
}

pub(crate) fn map_allergy(n: &Node, ctx: &Ctx) -> Res<AllergyMapping> {
    let status = clinical_status(
        n,
        &["active", "inactive", "resolved"],
        &["unconfirmed", "confirmed", "refuted", "entered-in-error"],
    )?;
    let codings = match n.obj("code")? {
        Some(c) => c.codings()?,
        None => Vec::new(),
    };
    let snomed = |codes: &[&str]| {
        codings
            .iter()
            .any(|c| c.system == SNOMED && codes.contains(&c.code.as_str()))
    };
    if snomed(&[NO_KNOWN_ALLERGY]) {
        if status != EntryStatus::Active {
            return Err(Problem::keep(
                "a 'no known allergy' statement that is not active",
            ));
        }
        let by = match n.obj("recorder")? {
            Some(r) => Some(r),
            None => n.obj("asserter")?,
        };
        return Ok(AllergyMapping::NoKnownAllergies(NoKnownAllergies {
            asserted_at: n.date_time("recordedDate")?,
            asserted_by: ctx.name_of(by.as_ref(), n.value)?,
        }));
    }
    if snomed(NO_KNOWN_NARROWER) {
        return Err(Problem::keep(
            "a narrower 'no known … allergy' statement: the chart only holds 'no known allergies'",
        ));
    }
    let reactions = n.arr("reaction")?;
    let mut substance = n.concept_text_at("code")?;
    if substance.is_empty() {
        if let Some(r) = reactions.first() {
            substance = r.concept_text_at("substance")?;
        }
    }
    if substance.is_empty() {
        return Err(Problem::keep("no substance named"));
    }
    let mut manifestations = Vec::new();
    let mut severity = None;
    for r in &reactions {
        for m in r.arr("manifestation")? {
            let t = m.concept_text()?;
            if !t.is_empty() {
                manifestations.push(t);
            }
        }
        // The worst severity of all reactions.
        let (rank, s) = match r.code_in("severity", &["mild", "moderate", "severe"])? {
            Some("mild") => (1, AllergySeverity::Mild),
            Some("moderate") => (2, AllergySeverity::Moderate),
            Some("severe") => (3, AllergySeverity::Severe),
            _ => continue,
        };
        if severity.is_none_or(|(best, _)| rank > best) {
            severity = Some((rank, s));
        }
    }
    Ok(AllergyMapping::Entry(ChartItem {
        details: ChartEntryDetails::Allergy(AllergyDetails {
            substance,
            reaction: manifestations.join(", "),
            severity: severity.map(|(_, s)| s),
            onset_date: onset(n)?,
        }),
        status,
        status_reason: String::new(),
        recorded_at: n.date_time("recordedDate")?,
    }))
}

fn status_concept(system: &str, code: &str) -> Value {
    json!({"coding": [{"system": system, "code": code}]})
}

fn clinical_to_fhir(
    out: &mut Map<String, Value>,
    status: EntryStatus,
    clinical: &str,
    verification: &str,
) {
    let code = match status {
        EntryStatus::EnteredInError => {
            out.insert(
                "verificationStatus".into(),
                status_concept(verification, "entered-in-error"),
            );
            return;
        }
        EntryStatus::Inactive => "inactive",
        EntryStatus::Resolved => "resolved",
        _ => "active",
    };
    out.insert("clinicalStatus".into(), status_concept(clinical, code));
}

fn put(obj: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        obj.insert(key.into(), Value::String(value.into()));
    }
}

pub(crate) fn allergy_to_fhir(item: &ChartItem, a: &AllergyDetails) -> Map<String, Value> {
    let mut out = Map::new();
    clinical_to_fhir(
        &mut out,
        item.status,
        ALLERGY_CLINICAL_SYSTEM,
        ALLERGY_VERIFICATION_SYSTEM,
    );
    out.insert("code".into(), json!({"text": a.substance}));
    put(&mut out, "onsetDateTime", &a.onset_date);
    put(&mut out, "recordedDate", &item.recorded_at);
    if !a.reaction.is_empty() || a.severity.is_some() {
        let manifestation = if a.reaction.is_empty() {
            json!({"extension": [{"url": super::DATA_ABSENT, "valueCode": "unknown"}]})
        } else {
            json!({"text": a.reaction})
        };
        let mut reaction = json!({"manifestation": [manifestation]});
        match a.severity {
            Some(AllergySeverity::Mild) => reaction["severity"] = json!("mild"),
            Some(AllergySeverity::Moderate) => reaction["severity"] = json!("moderate"),
            Some(AllergySeverity::Severe) => reaction["severity"] = json!("severe"),
            Some(AllergySeverity::Unknown) | None => {}
        }
        out.insert("reaction".into(), json!([reaction]));
    }
    out
}

pub(crate) fn no_known_allergies_to_fhir(n: &NoKnownAllergies) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert(
        "clinicalStatus".into(),
        status_concept(ALLERGY_CLINICAL_SYSTEM, "active"),
    );
    out.insert(
        "verificationStatus".into(),
        status_concept(ALLERGY_VERIFICATION_SYSTEM, "confirmed"),
    );
    out.insert(
        "code".into(),
        json!({"coding": [{"system": SNOMED, "code": NO_KNOWN_ALLERGY,
                           "display": "No known allergy (situation)"}],
               "text": "No known allergies"}),
    );
    put(&mut out, "recordedDate", &n.asserted_at);
    if !n.asserted_by.is_empty() {
        out.insert("recorder".into(), json!({"display": n.asserted_by}));
    }
    out
}

pub(crate) fn map_condition(n: &Node) -> Res<ChartItem> {
    let status = clinical_status(
        n,
        &[
            "active",
            "recurrence",
            "relapse",
            "inactive",
            "remission",
            "resolved",
        ],
        &[
            "unconfirmed",
            "provisional",
            "differential",
            "confirmed",
            "refuted",
            "entered-in-error",
        ],
    )?;
    let text = n.concept_text_at("code")?;
    if text.is_empty() {
        return Err(Problem::keep(
            "no problem named (code has no text, display or code)",
        ));
    }
    Ok(ChartItem {
        details: ChartEntryDetails::Problem(ProblemDetails {
            text,
            icd10_code: n.code_of("code", ICD10_SYSTEMS)?.unwrap_or_default(),
            onset_date: onset(n)?,
        }),
        status,
        status_reason: String::new(),
        recorded_at: n.date_time("recordedDate")?,
    })
}

pub(crate) fn condition_to_fhir(item: &ChartItem, p: &ProblemDetails) -> Map<String, Value> {
    let mut out = Map::new();
    clinical_to_fhir(
        &mut out,
        item.status,
        CONDITION_CLINICAL_SYSTEM,
        CONDITION_VERIFICATION_SYSTEM,
    );
    out.insert(
        "category".into(),
        json!([{"coding": [{"system": CONDITION_CATEGORY_SYSTEM, "code": "problem-list-item"}]}]),
    );
    let mut code = json!({"text": p.text});
    if !p.icd10_code.is_empty() {
        code["coding"] = json!([{"system": ICD10_SYSTEMS[0], "code": p.icd10_code}]);
    }
    out.insert("code".into(), code);
    put(&mut out, "onsetDateTime", &p.onset_date);
    put(&mut out, "recordedDate", &item.recorded_at);
    out
}

const ORDER_INTENTS: &[&str] = &[
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
];

/// MedicationStatement or MedicationRequest (`request` says which).
pub(crate) fn map_medication(n: &Node, ctx: &Ctx, request: bool) -> Res<ChartItem> {
    let statuses: &[&str] = if request {
        &[
            "active",
            "on-hold",
            "cancelled",
            "completed",
            "entered-in-error",
            "stopped",
            "draft",
            "unknown",
        ]
    } else {
        &[
            "active",
            "completed",
            "entered-in-error",
            "intended",
            "stopped",
            "on-hold",
            "unknown",
            "not-taken",
        ]
    };
    let code = n
        .code_in("status", statuses)?
        .ok_or_else(|| Problem::error("status", "required"))?;
    let status = match code {
        "active" => EntryStatus::Active,
        "completed" => EntryStatus::Completed,
        "stopped" => EntryStatus::Stopped,
        "entered-in-error" => EntryStatus::EnteredInError,
        other => {
            return Err(Problem::keep(format!(
            "status {other} has no chart equivalent (active, completed, stopped, entered-in-error)"
        )))
        }
    };
    if request {
        let intent = n
            .str("intent")?
            .ok_or_else(|| Problem::error("intent", "required"))?;
        if !ORDER_INTENTS.contains(&intent) {
            return Err(Problem::keep(format!(
                "intent {intent}: only orders are medications the patient takes"
            )));
        }
    }
    let name = match n.obj("medicationCodeableConcept")? {
        Some(cc) => cc.concept_text()?,
        None => ctx.name_of(n.obj("medicationReference")?.as_ref(), n.value)?,
    };
    if name.is_empty() {
        return Err(Problem::keep(
            "the medication has no name (code, display or Medication resource)",
        ));
    }
    let status_reason = if request {
        n.concept_text_at("statusReason")?
    } else {
        match n.first("statusReason")? {
            Some(r) => r.concept_text()?,
            None => String::new(),
        }
    };
    let dosage = n.first(if request {
        "dosageInstruction"
    } else {
        "dosage"
    })?;
    let mut m = MedicationDetails {
        name,
        ..MedicationDetails::default()
    };
    if let Some(d) = &dosage {
        m.dose = dose(d)?;
        m.route = d.concept_text_at("route")?;
        m.frequency = frequency(d)?;
    }
    let recorded_at;
    if request {
        let period = match n.obj("dispenseRequest")? {
            Some(dr) => dr.obj("validityPeriod")?,
            None => None,
        };
        if let Some(p) = &period {
            m.start_date = p.date("start")?;
            m.stop_date = p.date("end")?;
        }
        if m.start_date.is_empty() {
            m.start_date = n.date("authoredOn")?;
        }
        m.prescriber = ctx.name_of(n.obj("requester")?.as_ref(), n.value)?;
        recorded_at = n.date_time("authoredOn")?;
    } else {
        if let Some(p) = n.obj("effectivePeriod")? {
            m.start_date = p.date("start")?;
            m.stop_date = p.date("end")?;
        } else {
            m.start_date = n.date("effectiveDateTime")?;
        }
        recorded_at = n.date_time("dateAsserted")?;
    }
    Ok(ChartItem {
        details: ChartEntryDetails::Medication(m),
        status,
        status_reason,
        recorded_at,
    })
}

fn quantity_text(q: &Node) -> Res<String> {
    let unit = match q.str("unit")? {
        Some(u) => u.to_string(),
        None => q.text("code")?,
    };
    let value = q
        .number("value")?
        .map(|v| v.to_string())
        .unwrap_or_default();
    Ok([value, unit]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" "))
}

fn dose(d: &Node) -> Res<String> {
    let Some(dr) = d.first("doseAndRate")? else {
        return Ok(String::new());
    };
    if let Some(q) = dr.obj("doseQuantity")? {
        return quantity_text(&q);
    }
    if let Some(r) = dr.obj("doseRange")? {
        let low = match r.obj("low")? {
            Some(q) => q
                .number("value")?
                .map(|v| v.to_string())
                .unwrap_or_default(),
            None => String::new(),
        };
        let high = match r.obj("high")? {
            Some(q) => quantity_text(&q)?,
            None => String::new(),
        };
        return Ok(format!("{low}-{high}"));
    }
    Ok(String::new())
}

fn unit_word(code: &str) -> &str {
    match code {
        "s" => "second",
        "min" => "minute",
        "h" => "hour",
        "d" => "day",
        "wk" => "week",
        "mo" => "month",
        "a" => "year",
        other => other,
    }
}

/// `timing.code`, else `timing.repeat` in words ("2 per day", "1 per 4-6
/// hours"), else the dosage's free text.
fn frequency(d: &Node) -> Res<String> {
    if let Some(t) = d.obj("timing")? {
        let code = t.concept_text_at("code")?;
        if !code.is_empty() {
            return Ok(code);
        }
        if let Some(r) = t.obj("repeat")? {
            let num = |k: &str| -> Res<Option<String>> {
                Ok(r.number(k)?.map(|x| match x.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
                    _ => x.to_string(),
                }))
            };
            if let (Some(freq), Some(unit)) = (num("frequency")?, r.str("periodUnit")?) {
                let freq = match num("frequencyMax")? {
                    Some(max) => format!("{freq}-{max}"),
                    None => freq,
                };
                let period = num("period")?.unwrap_or_else(|| "1".into());
                let word = unit_word(unit);
                return Ok(match num("periodMax")? {
                    Some(max) => format!("{freq} per {period}-{max} {word}s"),
                    None if period == "1" => format!("{freq} per {word}"),
                    None => format!("{freq} per {period} {word}s"),
                });
            }
        }
    }
    d.text("text")
}

/// A dosage from the domain's free text: `dose` as a quantity ("500 mg" →
/// value 500, unit "mg"; text that does not start with a number becomes the
/// unit), `frequency` as `timing.code.text`, `route` as text.
fn dosage_to_fhir(m: &MedicationDetails) -> Option<Value> {
    let mut d = Map::new();
    if !m.frequency.is_empty() {
        d.insert("timing".into(), json!({"code": {"text": m.frequency}}));
    }
    if !m.route.is_empty() {
        d.insert("route".into(), json!({"text": m.route}));
    }
    if !m.dose.is_empty() {
        let (first, rest) = m.dose.split_once(' ').unwrap_or((m.dose.as_str(), ""));
        let q = match number_from_text(first) {
            Some(v) if rest.is_empty() => json!({"value": v}),
            Some(v) => json!({"value": v, "unit": rest}),
            None => json!({"unit": m.dose}),
        };
        d.insert("doseAndRate".into(), json!([{"doseQuantity": q}]));
    }
    (!d.is_empty()).then_some(Value::Object(d))
}

fn period(start: &str, end: &str) -> Option<Value> {
    let mut p = Map::new();
    put(&mut p, "start", start);
    put(&mut p, "end", end);
    (!p.is_empty()).then_some(Value::Object(p))
}

fn medication_status(s: EntryStatus) -> &'static str {
    match s {
        EntryStatus::Completed => "completed",
        EntryStatus::Stopped => "stopped",
        EntryStatus::EnteredInError => "entered-in-error",
        _ => "active",
    }
}

pub(crate) fn medication_statement_to_fhir(
    item: &ChartItem,
    m: &MedicationDetails,
) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("status".into(), json!(medication_status(item.status)));
    if !item.status_reason.is_empty() {
        out.insert("statusReason".into(), json!([{"text": item.status_reason}]));
    }
    out.insert("medicationCodeableConcept".into(), json!({"text": m.name}));
    if let Some(p) = period(&m.start_date, &m.stop_date) {
        out.insert("effectivePeriod".into(), p);
    }
    put(&mut out, "dateAsserted", &item.recorded_at);
    if let Some(d) = dosage_to_fhir(m) {
        out.insert("dosage".into(), json!([d]));
    }
    out
}

pub(crate) fn medication_request_to_fhir(
    item: &ChartItem,
    m: &MedicationDetails,
) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("status".into(), json!(medication_status(item.status)));
    if !item.status_reason.is_empty() {
        out.insert("statusReason".into(), json!({"text": item.status_reason}));
    }
    out.insert("intent".into(), json!("order"));
    out.insert("medicationCodeableConcept".into(), json!({"text": m.name}));
    put(&mut out, "authoredOn", &item.recorded_at);
    if !m.prescriber.is_empty() {
        out.insert("requester".into(), json!({"display": m.prescriber}));
    }
    if let Some(d) = dosage_to_fhir(m) {
        out.insert("dosageInstruction".into(), json!([d]));
    }
    if let Some(p) = period(&m.start_date, &m.stop_date) {
        out.insert("dispenseRequest".into(), json!({"validityPeriod": p}));
    }
    out
}

pub(crate) fn map_care_plan(n: &Node) -> Res<ChartItem> {
    let code = n
        .code_in(
            "status",
            &[
                "draft",
                "active",
                "on-hold",
                "revoked",
                "completed",
                "entered-in-error",
                "unknown",
            ],
        )?
        .ok_or_else(|| Problem::error("status", "required"))?;
    let status = match code {
        "active" => EntryStatus::Active,
        "completed" => EntryStatus::Completed,
        "revoked" => EntryStatus::Stopped,
        "entered-in-error" => EntryStatus::EnteredInError,
        other => {
            return Err(Problem::keep(format!(
            "status {other} has no chart equivalent (active, completed, revoked, entered-in-error)"
        )))
        }
    };
    let mut title = n.text("title")?;
    if title.is_empty() {
        // The first category that says more than US Core's generic "assess-plan".
        for c in n.arr("category")? {
            if c.codings()?.iter().any(|x| x.code == "assess-plan") {
                continue;
            }
            title = c.concept_text()?;
            if !title.is_empty() {
                break;
            }
        }
    }
    let mut description = n.text("description")?;
    if description.is_empty() {
        let mut activities = Vec::new();
        for a in n.arr("activity")? {
            if let Some(d) = a.obj("detail")? {
                let t = d.concept_text_at("code")?;
                if !t.is_empty() {
                    activities.push(t);
                }
            }
        }
        description = activities.join("; ");
    }
    if title.is_empty() && description.is_empty() {
        return Err(Problem::keep(
            "the plan has no title, category, description or activity",
        ));
    }
    Ok(ChartItem {
        details: ChartEntryDetails::Plan(PlanDetails { title, description }),
        status,
        status_reason: String::new(),
        recorded_at: n.date_time("created")?,
    })
}

pub(crate) fn care_plan_to_fhir(item: &ChartItem, p: &PlanDetails) -> Map<String, Value> {
    let mut out = Map::new();
    let status = match item.status {
        EntryStatus::Completed => "completed",
        EntryStatus::Stopped => "revoked",
        EntryStatus::EnteredInError => "entered-in-error",
        _ => "active",
    };
    out.insert("status".into(), json!(status));
    out.insert("intent".into(), json!("plan"));
    put(&mut out, "title", &p.title);
    put(&mut out, "description", &p.description);
    put(&mut out, "created", &item.recorded_at);
    out
}

//! Patient ⇄ `PatientDetails` and Coverage ⇄ `Insurance`, both directions side
//! by side so the mapping stays honest.
//!
//! Patient: the official (else usual, else first current) name — first given
//! name, the other given names as the middle name, family; `birthDate`;
//! `gender`; the first phone and email of `telecom`, the preferred contact
//! channel from the telecom ranked 1 (phone, sms, email); the home (else first)
//! address; `contact` as emergency contacts; the preferred `communication`
//! language. Coverage: payor name, `subscriberId`, the `group` class.
use super::Ctx;
use crate::json::{valid_date, Node, Problem, Res};
use clinic_protocol::{
    Address, ContactChannel, EmergencyContact, Insurance, PatientDetails, Preferences, Sex,
};
use serde_json::{json, Map, Value};

/// Top-level Patient elements export writes from the domain value (see
/// `export`: on a changed value they replace the original's).
pub(crate) const PATIENT_WRITES: &[&str] = &[
    "name",
    "birthDate",
    "gender",
    "telecom",
    "address",
    "contact",
    "communication",
];

const CONTACT_SYSTEMS: &[&str] = &["phone", "fax", "email", "pager", "url", "sms", "other"];
const NAME_USES: &[&str] = &[
    "usual",
    "official",
    "temp",
    "nickname",
    "anonymous",
    "old",
    "maiden",
];
const ADDRESS_USES: &[&str] = &["home", "work", "temp", "old", "billing"];
const BCP47: &str = "urn:ietf:bcp:47";
const CONTACT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/v2-0131";

fn pick_by_use<'a>(items: &[Node<'a>], allowed: &[&str], order: &[&str]) -> Res<Option<Node<'a>>> {
    let mut uses = Vec::with_capacity(items.len());
    for item in items {
        uses.push(item.code_in("use", allowed)?);
    }
    for wanted in order {
        if let Some(i) = uses.iter().position(|u| *u == Some(*wanted)) {
            return Ok(Some(items[i].clone()));
        }
    }
    let current = uses.iter().position(|u| *u != Some("old"));
    Ok(current
        .or((!items.is_empty()).then_some(0))
        .map(|i| items[i].clone()))
}

pub(crate) fn map_patient(n: &Node) -> Res<PatientDetails> {
    let mut d = PatientDetails::default();
    let names = n.arr("name")?;
    if let Some(name) = pick_by_use(&names, NAME_USES, &["official", "usual"])? {
        let given = name.strs("given")?;
        d.given_name = given.first().copied().unwrap_or_default().to_string();
        d.middle_name = given.iter().skip(1).copied().collect::<Vec<_>>().join(" ");
        d.family_name = name.text("family")?;
        if given.is_empty() && d.family_name.is_empty() {
            d.family_name = name.text("text")?;
        }
    }
    d.date_of_birth = match n.str("birthDate")? {
        Some(s) if valid_date(s) => s.to_string(),
        Some(s) => {
            return Err(Problem::error(
                "birthDate",
                format!("'{s}' is not an R4 date"),
            ))
        }
        None => String::new(),
    };
    d.sex = n
        .code_in("gender", &["male", "female", "other", "unknown"])?
        .and_then(Sex::parse);

    let mut preferred: Option<(u64, &str)> = None;
    for t in n.arr("telecom")? {
        let system = t.code_in("system", CONTACT_SYSTEMS)?.unwrap_or_default();
        let value = t.text("value")?;
        match system {
            "phone" if d.phone.is_empty() => d.phone = value,
            "email" if d.email.is_empty() => d.email = value,
            _ => {}
        }
        if let Some(rank) = t.number("rank")?.and_then(|r| r.as_u64()) {
            if preferred.is_none_or(|(best, _)| rank < best) {
                preferred = Some((rank, system));
            }
        }
    }
    let mut preferences = Preferences {
        contact_channel: match preferred.map(|(_, s)| s) {
            Some("sms") => ContactChannel::Sms,
            Some("email") => ContactChannel::Email,
            _ => ContactChannel::Phone,
        },
        ..Preferences::default()
    };

    let addresses = n.arr("address")?;
    if let Some(a) = pick_by_use(&addresses, ADDRESS_USES, &["home"])? {
        let lines = a.strs("line")?;
        d.address = Address {
            line1: lines.first().copied().unwrap_or_default().to_string(),
            line2: lines.iter().skip(1).copied().collect::<Vec<_>>().join(", "),
            city: a.text("city")?,
            region: a.text("state")?,
            postal_code: a.text("postalCode")?,
            country: a.text("country")?,
        };
    }

    for c in n.arr("contact")? {
        let name = match c.obj("name")? {
            Some(h) => h.human_name()?,
            None => String::new(),
        };
        let relationship = match c.first("relationship")? {
            Some(r) => relationship(&r)?,
            None => String::new(),
        };
        let mut phone = String::new();
        for t in c.arr("telecom")? {
            if t.code_in("system", CONTACT_SYSTEMS)? == Some("phone") {
                phone = t.text("value")?;
                break;
            }
        }
        if !name.is_empty() || !phone.is_empty() {
            d.emergency_contacts.push(EmergencyContact {
                name,
                relationship,
                phone,
            });
        }
    }

    let comms = n.arr("communication")?;
    let mut chosen = None;
    for c in &comms {
        if c.value.get("preferred").and_then(Value::as_bool) == Some(true) {
            chosen = Some(c.clone());
            break;
        }
    }
    if let Some(c) = chosen.or_else(|| comms.first().cloned()) {
        let lang = c
            .obj("language")?
            .ok_or_else(|| Problem::error(&c.at("language"), "required"))?;
        let code = lang.codings()?.into_iter().find(|x| !x.code.is_empty());
        let language = match code {
            Some(x) => x.code,
            None => lang.concept_text()?,
        };
        if !language.is_empty() {
            preferences.language = language;
        }
    }
    d.preferences = preferences;
    Ok(d)
}

/// A contact's relationship in words: text, display, else the word for a
/// v2-0131 contact role code (`N` → "Next-of-Kin").
fn relationship(r: &Node) -> Res<String> {
    if r.str("text")?.is_none() {
        let codings = r.codings()?;
        if codings.iter().all(|c| c.display.is_empty()) {
            if let Some(c) = codings.iter().find(|c| c.system == CONTACT_ROLE) {
                let word = match c.code.as_str() {
                    "BP" => "Billing contact person",
                    "C" => "Emergency Contact",
                    "CP" => "Contact person",
                    "E" => "Employer",
                    "EP" => "Emergency contact person",
                    "F" => "Federal Agency",
                    "I" => "Insurance Company",
                    "N" => "Next-of-Kin",
                    "O" => "Other",
                    "PR" => "Person preparing referral",
                    "S" => "State Agency",
                    "U" => "Unknown",
                    other => other,
                };
                return Ok(word.to_string());
            }
        }
    }
    r.concept_text()
}

fn put(obj: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        obj.insert(key.into(), Value::String(value.into()));
    }
}

/// The Patient elements of [`PATIENT_WRITES`] for `d`.
pub(crate) fn patient_to_fhir(d: &PatientDetails) -> Map<String, Value> {
    let mut out = Map::new();
    let given: Vec<&str> = [d.given_name.as_str(), d.middle_name.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !given.is_empty() || !d.family_name.is_empty() {
        let mut name = Map::new();
        name.insert("use".into(), json!("official"));
        put(&mut name, "family", &d.family_name);
        if !given.is_empty() {
            name.insert("given".into(), json!(given));
        }
        out.insert("name".into(), json!([name]));
    }
    put(&mut out, "birthDate", &d.date_of_birth);
    if let Some(sex) = d.sex {
        out.insert("gender".into(), json!(sex.as_str()));
    }
    let channel = d.preferences.contact_channel;
    let mut telecom = Vec::new();
    // Phone is the default channel: only another preference is ranked.
    if !d.phone.is_empty() {
        if channel == ContactChannel::Sms {
            telecom.push(json!({"system": "sms", "value": d.phone, "rank": 1}));
        }
        telecom.push(json!({"system": "phone", "value": d.phone}));
    }
    if !d.email.is_empty() {
        let mut t = json!({"system": "email", "value": d.email});
        if channel == ContactChannel::Email {
            t["rank"] = json!(1);
        }
        telecom.push(t);
    }
    if !telecom.is_empty() {
        out.insert("telecom".into(), Value::Array(telecom));
    }
    let a = &d.address;
    if *a != Address::default() {
        let mut addr = Map::new();
        let lines: Vec<&str> = [a.line1.as_str(), a.line2.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        if !lines.is_empty() {
            addr.insert("line".into(), json!(lines));
        }
        put(&mut addr, "city", &a.city);
        put(&mut addr, "state", &a.region);
        put(&mut addr, "postalCode", &a.postal_code);
        put(&mut addr, "country", &a.country);
        out.insert("address".into(), json!([addr]));
    }
    let contacts: Vec<Value> = d
        .emergency_contacts
        .iter()
        .filter(|c| !c.name.is_empty() || !c.phone.is_empty())
        .map(|c| {
            let mut o = Map::new();
            if !c.relationship.is_empty() {
                o.insert("relationship".into(), json!([{"text": c.relationship}]));
            }
            if !c.name.is_empty() {
                o.insert("name".into(), json!({"text": c.name}));
            }
            if !c.phone.is_empty() {
                o.insert(
                    "telecom".into(),
                    json!([{"system": "phone", "value": c.phone}]),
                );
            }
            Value::Object(o)
        })
        .collect();
    if !contacts.is_empty() {
        out.insert("contact".into(), Value::Array(contacts));
    }
    if d.preferences.language != Preferences::default().language {
        out.insert(
            "communication".into(),
            json!([{"language": {"coding": [{"system": BCP47, "code": d.preferences.language}]},
                    "preferred": true}]),
        );
    }
    out
}

/// Top-level Coverage elements export writes from the domain value.
pub(crate) const COVERAGE_WRITES: &[&str] = &["status", "payor", "subscriberId", "class"];
const COVERAGE_CLASS: &str = "http://terminology.hl7.org/CodeSystem/coverage-class";
const DATA_ABSENT: &str = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";

pub(crate) fn map_coverage(n: &Node, ctx: &Ctx) -> Res<Insurance> {
    let status = n.code_in(
        "status",
        &["active", "cancelled", "draft", "entered-in-error"],
    )?;
    if status != Some("active") {
        return Err(Problem::keep(format!(
            "Coverage status is {}; only active coverage maps to the patient's insurance",
            status.unwrap_or("absent")
        )));
    }
    let mut group_number = String::new();
    for class in n.arr("class")? {
        let is_group = match class.obj("type")? {
            Some(t) => t.codings()?.iter().any(|c| c.code == "group"),
            None => false,
        };
        if is_group {
            group_number = class.text("value")?;
            break;
        }
    }
    Ok(Insurance {
        payer: ctx.name_of(n.first("payor")?.as_ref(), n.value)?,
        member_id: n.text("subscriberId")?,
        group_number,
    })
}

pub(crate) fn coverage_to_fhir(i: &Insurance) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("status".into(), json!("active"));
    let payor = if i.payer.is_empty() {
        json!({"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]})
    } else {
        json!({"display": i.payer})
    };
    out.insert("payor".into(), json!([payor]));
    put(&mut out, "subscriberId", &i.member_id);
    if !i.group_number.is_empty() {
        out.insert(
            "class".into(),
            json!([{"type": {"coding": [{"system": COVERAGE_CLASS, "code": "group"}]},
                    "value": i.group_number}]),
        );
    }
    out
}

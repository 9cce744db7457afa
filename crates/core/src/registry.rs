//! The patient registry: register (with a duplicate check first), edit with an
//! optimistic version check, load. Each write is one store transaction holding the
//! patient row, its search index rows and exactly one outbox op.
//!
//! MRNs are `{device code}-{sequence}` (e.g. `KQX-000042`): the device code comes
//! from the device id, so offline devices never hand out the same number.
use crate::audit::{self, NewAuditEvent};
use crate::text::{compact, digits, fold, name_tokens, prefix_end};
use crate::validation::validate_patient;
use crate::{Caller, CoreError};
use clinic_protocol::{
    DuplicateCandidate, DuplicateReason, EntityKind, OpKind, Patient, PatientDetails, PatientId,
    PatientSummary, RegisterOutcome, RegisterPatient, Sex, UpdatePatient,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Columns read for a `PatientSummary`, in `summary_from_row` order.
pub(crate) const SUMMARY_COLUMNS: &str =
    "p.id, p.mrn, p.given_name, p.middle_name, p.family_name, p.date_of_birth, p.sex, p.phone";

/// How many trailing phone digits must agree for "same phone".
const PHONE_MATCH_DIGITS: usize = 9;
/// Letters for device codes: no I, L, O, U (easily confused when read aloud).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ";

/// The clinic's current date (local time of this device).
pub fn clinic_today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Registers a patient unless it looks like an existing one and the user has not
/// confirmed it is new. Nothing is written when validation fails or duplicates
/// are reported.
pub fn register_patient(
    store: &mut Store,
    caller: &Caller<'_>,
    request: RegisterPatient,
) -> Result<RegisterOutcome, CoreError> {
    let details =
        validate_patient(request.details, clinic_today()).map_err(CoreError::Validation)?;
    if !request.confirm_not_duplicate {
        let mut candidates = find_duplicates(store.conn(), &details, None)?;
        if let Some(staff) = caller.staff_id {
            for c in &mut candidates {
                crate::restricted::mask_if_hidden(
                    store.conn(),
                    staff,
                    chrono::Utc::now(),
                    &mut c.patient,
                )?;
            }
        }
        if !candidates.is_empty() {
            // The candidates' details are shown: that is a disclosure to audit.
            let ids: Vec<PatientId> = candidates.iter().map(|c| c.patient.id).collect();
            let event = NewAuditEvent::patient_search(caller.actor.clone(), 0, 0, &ids);
            audit::append_standalone(store, caller.audit_key, &event)?;
            return Ok(RegisterOutcome::PossibleDuplicates { candidates });
        }
    }
    let device_code = device_code(&store.device_id());
    let device = store.device_id();
    let id = store.write(|tx| {
        let id = insert_new_patient(tx, &device_code, &details)?;
        let event =
            NewAuditEvent::patient_created(caller.actor.clone(), id, &given_fields(&details));
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok::<_, CoreError>(id)
    })?;
    tracing::info!(patient = %id, "registered a patient");
    Ok(RegisterOutcome::Registered {
        patient: Box::new(get_patient(store.conn(), id)?),
    })
}

/// Registers many patients in one transaction (one
/// op each), skipping the duplicate check: for the demo clinic and bulk imports.
/// Every record is validated; the first invalid one aborts the whole batch.
pub fn register_many(
    store: &mut Store,
    caller: &Caller<'_>,
    batch: impl IntoIterator<Item = PatientDetails>,
) -> Result<Vec<PatientId>, CoreError> {
    let today = clinic_today();
    let valid = batch
        .into_iter()
        .map(|d| validate_patient(d, today).map_err(CoreError::Validation))
        .collect::<Result<Vec<_>, _>>()?;
    let device_code = device_code(&store.device_id());
    let device = store.device_id();
    let ids: Vec<PatientId> = store.write(|tx| {
        let mut ids = Vec::with_capacity(valid.len());
        for d in &valid {
            let id = insert_new_patient(tx, &device_code, d)?;
            let event = NewAuditEvent::patient_created(caller.actor.clone(), id, &given_fields(d));
            audit::append_in(tx, caller.audit_key, device, &event)?;
            ids.push(id);
        }
        Ok::<_, CoreError>(ids)
    })?;
    tracing::info!(patients = ids.len(), "registered a batch of patients");
    Ok(ids)
}

/// Inserts one validated patient with its MRN, search tokens and its
/// `register_patient` op, inside the caller's transaction.
fn insert_new_patient(
    tx: &mut WriteTx<'_>,
    device_code: &str,
    details: &PatientDetails,
) -> Result<PatientId, CoreError> {
    let known = registered_as(tx.conn(), &registration_key(details))?;
    insert_patient_knowing(tx, device_code, details, &known)
}

/// [`insert_new_patient`] with the same-key patients the registration says it
/// knew (`known`): a patient left out of it is a possible duplicate on every
/// device (the FHIR import leaves out the ones it sends to review).
pub(crate) fn insert_patient_knowing(
    tx: &mut WriteTx<'_>,
    device_code: &str,
    details: &PatientDetails,
    known: &[String],
) -> Result<PatientId, CoreError> {
    let id = PatientId::new();
    let mrn = allocate_mrn(tx, device_code)?;
    let op = tx.record(
        OpKind::RegisterPatient,
        EntityKind::Patient,
        &id.to_string(),
        json!({ "mrn": mrn, "details": details, "known": known }),
    )?;
    insert_patient_rows(
        tx.conn(),
        id,
        &mrn,
        details,
        known,
        &op.hlc.to_string(),
        &tx.now_rfc3339(),
    )?;
    Ok(id)
}

/// What a registration is compared on for possible duplicates across devices:
/// the folded name and the date of birth, as registered.
pub(crate) fn registration_key(details: &PatientDetails) -> String {
    format!(
        "{}|{}",
        PatientRow::new(details).name_key,
        details.date_of_birth
    )
}

/// The patients registered here under `key` (merged ones included).
pub(crate) fn registered_as(conn: &Connection, key: &str) -> Result<Vec<String>, CoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT patient_id FROM registration_key WHERE dup_key = ?1")?;
    let ids = stmt.query_map([key], |r| r.get::<_, String>(0))?;
    Ok(ids.collect::<Result<_, _>>()?)
}

/// Inserts a patient's rows (record, details, field clock, search tokens): shared
/// by registration here and by registrations applied from other devices. Every
/// field's clock starts at `hlc`. `known`: the patients registered under the same
/// key that the registering device already held.
pub(crate) fn insert_patient_rows(
    conn: &Connection,
    id: PatientId,
    mrn: &str,
    details: &PatientDetails,
    known: &[String],
    hlc: &str,
    now: &str,
) -> Result<(), CoreError> {
    let clock: BTreeMap<&str, String> = detail_fields(details)
        .keys()
        .map(|k| (*k, hlc.to_string()))
        .collect();
    let row = PatientRow::new(details);
    conn.prepare_cached("INSERT INTO patient (id, mrn, version, given_name, middle_name, family_name, date_of_birth, sex,
            phone, email, sort_name, name_key, phone_digits, phone_reversed, email_key, created_at, updated_at)
         VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)")?.execute(
        params![
            id.to_string(), mrn, details.given_name, details.middle_name, details.family_name,
            details.date_of_birth, details.sex.map(Sex::as_str), details.phone, details.email,
            row.sort_name, row.name_key, row.phone_digits, row.phone_reversed, row.email_key, now,
        ],
    )?;
    conn.prepare_cached("INSERT INTO patient_detail (patient_id, address, emergency_contacts, insurance, preferences, field_clock)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(
        params![
            id.to_string(), row.address, row.emergency_contacts, row.insurance, row.preferences,
            json_text(&clock),
        ],
    )?;
    conn.prepare_cached(
        "INSERT INTO registration_key (patient_id, dup_key, known) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![
        id.to_string(),
        registration_key(details),
        json_text(&known)
    ])?;
    index_names(conn, &id, details)
}

/// Rewrites a patient's rows with `details` and the per-field `clock`, bumping
/// the version (and the name tokens when `names_changed`): shared by edits here
/// and edits applied from other devices.
pub(crate) fn write_patient_rows(
    conn: &Connection,
    id: PatientId,
    details: &PatientDetails,
    clock: &BTreeMap<String, String>,
    names_changed: bool,
    now: &str,
) -> Result<(), CoreError> {
    let row = PatientRow::new(details);
    conn.prepare_cached("UPDATE patient SET version = version + 1, given_name = ?2, middle_name = ?3, family_name = ?4,
            date_of_birth = ?5, sex = ?6, phone = ?7, email = ?8, sort_name = ?9, name_key = ?10,
            phone_digits = ?11, phone_reversed = ?12, email_key = ?13, updated_at = ?14
         WHERE id = ?1")?.execute(
        params![
            id.to_string(), details.given_name, details.middle_name, details.family_name,
            details.date_of_birth, details.sex.map(Sex::as_str), details.phone, details.email,
            row.sort_name, row.name_key, row.phone_digits, row.phone_reversed, row.email_key, now,
        ],
    )?;
    conn.prepare_cached("UPDATE patient_detail SET address = ?2, emergency_contacts = ?3, insurance = ?4, preferences = ?5,
            field_clock = ?6
         WHERE patient_id = ?1")?.execute(
        params![
            id.to_string(), row.address, row.emergency_contacts, row.insurance, row.preferences,
            json_text(clock),
        ],
    )?;
    if names_changed {
        conn.prepare_cached("DELETE FROM patient_name_token WHERE patient_id = ?1")?
            .execute([id.to_string()])?;
        index_names(conn, &id, details)?;
    }
    Ok(())
}

/// A patient's per-field clocks (field name → HLC text of the op that set it).
pub(crate) fn field_clock(
    conn: &Connection,
    id: PatientId,
) -> Result<BTreeMap<String, String>, CoreError> {
    let text: String = conn
        .prepare_cached("SELECT field_clock FROM patient_detail WHERE patient_id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))?;
    serde_json::from_str(&text).map_err(|_| CoreError::Corrupt("patient field clock".into()))
}

/// Applies an edit made on `expected_version`. Only changed fields are recorded
/// (one `set_fields` op); an edit that changes nothing writes nothing.
pub fn update_patient(
    store: &mut Store,
    caller: &Caller<'_>,
    request: UpdatePatient,
) -> Result<Patient, CoreError> {
    let details =
        validate_patient(request.details, clinic_today()).map_err(CoreError::Validation)?;
    let id = request.id;
    crate::restricted::ensure_caller_access(
        store,
        caller,
        id,
        crate::authz::Command::UpdatePatient,
    )?;
    let device = store.device_id();
    store.write(|tx| {
        let current = get_patient(tx.conn(), id)?;
        if current.version != request.expected_version {
            tracing::info!(patient = %id, expected = request.expected_version, current = current.version, "stale edit refused");
            return Err(CoreError::EditConflict {
                expected: request.expected_version,
                current: current.version,
            });
        }
        let field_names = set_fields_in(tx, &current, &details)?;
        if field_names.is_empty() {
            tracing::info!(patient = %id, "edit changed nothing; nothing written");
            return Ok(());
        }
        // Field names only: never their values.
        tracing::info!(patient = %id, fields = ?field_names, "edited a patient");
        let event = NewAuditEvent::patient_updated(
            caller.actor.clone(),
            id,
            &field_names,
            current.version + 1,
        );
        audit::append_in(tx, caller.audit_key, device, &event)?;
        // Linked to a provider that accepts updates: queue sending them back.
        crate::provider::demographics_edited(tx, caller, id, &field_names)?;
        Ok(())
    })?;
    get_patient(store.conn(), id)
}

/// Writes the fields of `details` that differ from `current` (one `set_fields`
/// op and the rewritten rows) inside the caller's transaction, and returns their
/// names (none: nothing written). No audit entry: the caller writes it. Shared
/// by edits and the FHIR import.
pub(crate) fn set_fields_in(
    tx: &mut WriteTx<'_>,
    current: &Patient,
    details: &PatientDetails,
) -> Result<Vec<&'static str>, CoreError> {
    let id = current.id;
    let before = detail_fields(&current.details);
    let changed: BTreeMap<&'static str, Value> = detail_fields(details)
        .into_iter()
        .filter(|(k, v)| before.get(k) != Some(v))
        .collect();
    if changed.is_empty() {
        return Ok(Vec::new());
    }
    // `base`: the values this edit replaced, so a device that applies it can
    // tell a concurrent edit of an identity field (sync::apply::patients).
    // `base_clock`: the clock of each replaced value, so it can also tell an
    // edit made from another's value (sequential) from a concurrent one.
    let base: Map<String, Value> = changed
        .keys()
        .filter_map(|k| before.get(k).map(|v| (k.to_string(), v.clone())))
        .collect();
    let mut clock = field_clock(tx.conn(), id)?;
    let base_clock: Map<String, Value> = changed
        .keys()
        .filter_map(|k| {
            clock
                .get(*k)
                .map(|c| (k.to_string(), Value::String(c.clone())))
        })
        .collect();
    let fields: Map<String, Value> = changed
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let op = tx.record(
        OpKind::SetFields,
        EntityKind::Patient,
        &id.to_string(),
        json!({ "fields": fields, "base": base, "base_clock": base_clock }),
    )?;
    for field in changed.keys() {
        clock.insert(field.to_string(), op.hlc.to_string());
    }
    let names_changed = ["given_name", "middle_name", "family_name"]
        .iter()
        .any(|f| changed.contains_key(*f));
    write_patient_rows(
        tx.conn(),
        id,
        details,
        &clock,
        names_changed,
        &tx.now_rfc3339(),
    )?;
    Ok(changed.into_keys().collect())
}

/// Opens a patient's record for the caller: loads it and audits the view.
pub fn view_patient(
    store: &mut Store,
    caller: &Caller<'_>,
    id: PatientId,
) -> Result<Patient, CoreError> {
    // A merged record resolves to the one it was merged into.
    let target = crate::merge::resolve(store.conn(), id)?;
    let mut patient = get_patient(store.conn(), target)?;
    if target != id {
        patient.redirected_from = Some(id);
    }
    let id = target;
    crate::restricted::ensure_caller_access(store, caller, id, crate::authz::Command::GetPatient)?;
    let event = NewAuditEvent::patient_viewed(caller.actor.clone(), id);
    audit::append_standalone(store, caller.audit_key, &event)?;
    Ok(patient)
}

/// Names of the fields that carry a value in `d` (what a registration recorded).
pub(crate) fn given_fields(d: &PatientDetails) -> Vec<&'static str> {
    detail_fields(d)
        .into_iter()
        .filter(|(_, v)| match v {
            Value::Null => false,
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            _ => true,
        })
        .map(|(k, _)| k)
        .collect()
}

/// `NotFound` unless a patient with this id exists (merged records included).
pub(crate) fn require_patient(conn: &Connection, id: PatientId) -> Result<(), CoreError> {
    conn.prepare_cached("SELECT 1 FROM patient WHERE id = ?1")?
        .query_row([id.to_string()], |_| Ok(()))
        .optional()?
        .ok_or(CoreError::NotFound("patient"))
}

/// Loads one patient without auditing: for the core's own use (edits, tests).
/// Callers acting for a user use [`view_patient`].
pub fn get_patient(conn: &Connection, id: PatientId) -> Result<Patient, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.mrn, p.version, p.given_name, p.middle_name, p.family_name, p.date_of_birth, p.sex,
                p.phone, p.email, d.address, d.emergency_contacts, d.insurance, d.preferences, p.created_at,
                p.updated_at
         FROM patient p JOIN patient_detail d ON d.patient_id = p.id WHERE p.id = ?1",
    )?;
    let row = stmt
        .query_row([id.to_string()], |r| {
            Ok((
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                [r.get::<_, String>(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
                r.get::<_, Option<String>>(7)?,
                [r.get::<_, String>(8)?, r.get(9)?, r.get(10)?, r.get(11)?],
                r.get::<_, Option<String>>(12)?,
                [r.get::<_, String>(13)?, r.get(14)?, r.get(15)?],
            ))
        })
        .optional()?
        .ok_or(CoreError::NotFound("patient"))?;
    let (
        mrn,
        version,
        [given, middle, family, dob],
        sex,
        [phone, email, address, contacts],
        insurance,
        [prefs, created, updated],
    ) = row;
    let bad = |what: &str| CoreError::Corrupt(format!("patient {what}"));
    let details = PatientDetails {
        given_name: given,
        middle_name: middle,
        family_name: family,
        date_of_birth: dob,
        sex: sex.as_deref().and_then(Sex::parse),
        phone,
        email,
        address: serde_json::from_str(&address).map_err(|_| bad("address"))?,
        emergency_contacts: serde_json::from_str(&contacts).map_err(|_| bad("contacts"))?,
        insurance: insurance
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|_| bad("insurance"))?,
        preferences: serde_json::from_str(&prefs).map_err(|_| bad("preferences"))?,
    };
    Ok(Patient {
        id,
        mrn,
        version,
        created_at: created,
        updated_at: updated,
        details,
        redirected_from: None,
    })
}

/// Existing patients that look like `details`: same folded name and date of birth,
/// same email, or same phone (last 9 digits).
pub fn find_duplicates(
    conn: &Connection,
    details: &PatientDetails,
    exclude: Option<PatientId>,
) -> Result<Vec<DuplicateCandidate>, CoreError> {
    let row = PatientRow::new(details);
    let mut found: BTreeMap<String, (PatientSummary, Vec<DuplicateReason>)> = BTreeMap::new();
    let mut collect = |sql: &str, args: &[&dyn rusqlite::ToSql], reason: DuplicateReason| {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM patient p WHERE p.merged_into IS NULL AND ({sql}) LIMIT 20"
        ))?;
        let rows = stmt.query_map(args, summary_from_row)?;
        for summary in rows {
            let summary = summary?;
            if Some(summary.id) == exclude {
                continue;
            }
            found
                .entry(summary.id.to_string())
                .or_insert_with(|| (summary, Vec::new()))
                .1
                .push(reason);
        }
        Ok::<_, CoreError>(())
    };
    collect(
        "p.date_of_birth = ?2 AND p.name_key = ?1",
        &[&row.name_key, &details.date_of_birth],
        DuplicateReason::SameNameAndDateOfBirth,
    )?;
    if !row.email_key.is_empty() {
        collect(
            "p.email_key = ?1",
            &[&row.email_key],
            DuplicateReason::SameEmail,
        )?;
    }
    if row.phone_reversed.len() >= PHONE_MATCH_DIGITS {
        let tail: String = row
            .phone_reversed
            .chars()
            .take(PHONE_MATCH_DIGITS)
            .collect();
        let end = prefix_end(&tail);
        collect(
            "p.phone_reversed >= ?1 AND p.phone_reversed < ?2",
            &[&tail, &end],
            DuplicateReason::SamePhone,
        )?;
    }
    Ok(found
        .into_values()
        .map(|(patient, reasons)| DuplicateCandidate { patient, reasons })
        .collect())
}

/// Number of patients in the registry.
pub fn patient_count(conn: &Connection) -> Result<i64, CoreError> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM patient WHERE merged_into IS NULL")?
        .query_row([], |r| r.get(0))?)
}

pub(crate) fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<PatientSummary> {
    let id: String = r.get(0)?;
    let id = id.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(PatientSummary {
        id,
        mrn: r.get(1)?,
        given_name: r.get(2)?,
        middle_name: r.get(3)?,
        family_name: r.get(4)?,
        date_of_birth: r.get(5)?,
        sex: r
            .get::<_, Option<String>>(6)?
            .as_deref()
            .and_then(Sex::parse),
        phone: r.get(7)?,
        restricted: false,
    })
}

/// The top-level fields of a patient as JSON values: the unit of per-field
/// last-writer-wins merging.
/// [`detail_fields`] as a JSON object, for merging field values from ops and
/// turning the result back into `PatientDetails` (`serde_json::from_value`).
pub(crate) fn detail_map(d: &PatientDetails) -> Map<String, Value> {
    detail_fields(d)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

pub(crate) fn detail_fields(d: &PatientDetails) -> BTreeMap<&'static str, Value> {
    match serde_json::to_value(d) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| FIELD_NAMES.iter().find(|n| **n == k).map(|n| (*n, v)))
            .collect(),
        _ => BTreeMap::new(),
    }
}

const FIELD_NAMES: [&str; 11] = [
    "given_name",
    "middle_name",
    "family_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
    "emergency_contacts",
    "insurance",
    "preferences",
];

/// Stored forms derived from validated details.
struct PatientRow {
    address: String,
    emergency_contacts: String,
    insurance: Option<String>,
    preferences: String,
    sort_name: String,
    name_key: String,
    phone_digits: String,
    phone_reversed: String,
    email_key: String,
}

impl PatientRow {
    /// Family, given, middle: folded, the order of every patient list.
    fn sort_name(d: &PatientDetails) -> String {
        format!(
            "{} {} {}",
            fold(&d.family_name),
            fold(&d.given_name),
            fold(&d.middle_name)
        )
    }

    fn new(d: &PatientDetails) -> Self {
        let phone_digits = digits(&d.phone);
        Self {
            address: json_text(&d.address),
            emergency_contacts: json_text(&d.emergency_contacts),
            insurance: d.insurance.as_ref().map(json_text),
            preferences: json_text(&d.preferences),
            sort_name: Self::sort_name(d),
            name_key: format!("{}|{}", compact(&d.given_name), compact(&d.family_name)),
            phone_reversed: phone_digits.chars().rev().collect(),
            phone_digits,
            email_key: d.email.to_lowercase(),
        }
    }
}

fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

fn index_names(conn: &Connection, id: &PatientId, d: &PatientDetails) -> Result<(), CoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO patient_name_token (token, patient_id, sort_name, family_only) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let sort_name = PatientRow::sort_name(d);
    let first_names = name_tokens(&[&d.given_name, &d.middle_name]);
    let mut all = name_tokens(&[&d.family_name]);
    all.extend(first_names.iter().cloned());
    all.sort();
    all.dedup();
    for token in all {
        let family_only = !first_names.contains(&token);
        stmt.execute(params![token, id.to_string(), sort_name, family_only])?;
    }
    Ok(())
}

/// Three letters derived from the random tail of the device id.
pub fn device_code(device: &clinic_protocol::DeviceId) -> String {
    let bytes = device.0.as_bytes();
    bytes[13..16]
        .iter()
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect()
}

fn allocate_mrn(tx: &mut WriteTx<'_>, device_code: &str) -> Result<String, CoreError> {
    let conn = tx.conn();
    conn.prepare_cached("INSERT OR IGNORE INTO mrn_counter (singleton, next) VALUES (1, 1)")?
        .execute([])?;
    let next: i64 = conn
        .prepare_cached("SELECT next FROM mrn_counter WHERE singleton = 1")?
        .query_row([], |r| r.get(0))?;
    conn.prepare_cached("UPDATE mrn_counter SET next = next + 1 WHERE singleton = 1")?
        .execute([])?;
    Ok(format!("{device_code}-{next:06}"))
}

//! The clinical chart's list entries: allergies, medications, problems and
//! treatment plans; their status changes with reasons and their full history; the
//! "no known allergies" statement; and the chart summary a clinician sees first.
//!
//! Invariants:
//! - every write validates first (nothing half-saved), then in ONE transaction
//!   writes the row, its new version in `chart_entry_version`, one outbox op and
//!   one audit entry (category `chart`; details never in the audit, only ids,
//!   kind, status and field names);
//! - entries are never deleted (triggers refuse it): removal is a status with a
//!   reason; a change based on a stale version is an `edit_conflict`;
//! - every use case checks restricted-patient access for the signed-in caller
//!   (`restricted::ensure_caller_access`); reads are audited as views.
mod validate;

pub(crate) use validate::{details as validate_details, reason as validate_reason};
pub use validate::{is_icd10, MAX_REASON};

use crate::audit::{self};
use crate::authz::Command;
use crate::restricted::ensure_caller_access;
use crate::{Caller, CoreError};
use clinic_protocol::{
    AddChartEntry, AllergyStatus, AuditAction, ChartEntry, ChartEntryDetails, ChartEntryId,
    ChartEntryKind, ChartEntryVersion, ChartSummary, EntityKind, EntryStatus, ListChartEntries,
    OpKind, PatientId, SetChartEntryStatus, SetNoKnownAllergies, UpdateChartEntry,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::json;

/// Most entries of one kind listed at once (a chart with more is paged by status).
pub const MAX_LISTED: usize = 500;

const ENTRY_COLUMNS: &str = "id, patient_id, status, status_reason, details, recorded_at,
    recorded_by_name, updated_at, version";

fn corrupt(what: &str) -> CoreError {
    CoreError::Corrupt(format!("chart entry {what}"))
}

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<Result<ChartEntry, CoreError>> {
    let (id, patient, status, details): (String, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(4)?);
    let (Ok(id), Ok(patient_id), Some(status), Ok(details)) = (
        id.parse(),
        patient.parse(),
        EntryStatus::parse(&status),
        serde_json::from_str(&details),
    ) else {
        return Ok(Err(corrupt("row")));
    };
    Ok(Ok(ChartEntry {
        id,
        patient_id,
        status,
        status_reason: r.get(3)?,
        details,
        recorded_at: r.get(5)?,
        recorded_by: r.get(6)?,
        updated_at: r.get(7)?,
        version: r.get(8)?,
    }))
}

/// One entry, unaudited (for the core's own use).
pub fn get_entry(conn: &Connection, id: ChartEntryId) -> Result<ChartEntry, CoreError> {
    conn.query_row(
        &format!("SELECT {ENTRY_COLUMNS} FROM chart_entry WHERE id = ?1"),
        [id.to_string()],
        entry_from_row,
    )
    .optional()?
    .ok_or(CoreError::NotFound("chart entry"))?
}

fn entries(
    conn: &Connection,
    patient: PatientId,
    kind: ChartEntryKind,
    active_only: bool,
) -> Result<Vec<ChartEntry>, CoreError> {
    let filter = if active_only {
        "AND status = 'active'"
    } else {
        ""
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM chart_entry
         WHERE patient_id = ?1 AND kind = ?2 {filter}
         ORDER BY recorded_at DESC, id DESC LIMIT {MAX_LISTED}"
    ))?;
    let rows = stmt.query_map(params![patient.to_string(), kind.as_str()], entry_from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

fn insert_version(tx: &WriteTx<'_>, caller: &Caller<'_>, e: &ChartEntry) -> Result<(), CoreError> {
    insert_version_row(
        tx.conn(),
        e,
        caller.actor_id().as_deref(),
        &caller.actor_name(),
    )
}

/// Appends `e` (at its current version, changed at `e.updated_at`) to the entry's
/// history. Shared with sync's applier so both write the same row.
pub(crate) fn insert_version_row(
    conn: &Connection,
    e: &ChartEntry,
    changed_by: Option<&str>,
    changed_by_name: &str,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO chart_entry_version (entry_id, version, status, status_reason, details,
            changed_at, changed_by, changed_by_name)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        e.id.to_string(),
        e.version,
        e.status.as_str(),
        e.status_reason,
        serde_json::to_string(&e.details).map_err(|_| corrupt("details"))?,
        e.updated_at,
        changed_by,
        changed_by_name,
    ])?;
    Ok(())
}

/// Inserts a new entry row (`e.recorded_by` is the recorder's display name) and
/// its version 1. Shared with sync's applier.
pub(crate) fn insert_entry_row(
    conn: &Connection,
    e: &ChartEntry,
    recorded_by: Option<&str>,
) -> Result<(), CoreError> {
    conn.prepare_cached("INSERT INTO chart_entry (id, patient_id, kind, status, status_reason, details, recorded_at,
            recorded_by, recorded_by_name, updated_at, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")?.execute(
        params![
            e.id.to_string(),
            e.patient_id.to_string(),
            e.details.kind().as_str(),
            e.status.as_str(),
            e.status_reason,
            serde_json::to_string(&e.details).map_err(|_| corrupt("details"))?,
            e.recorded_at,
            recorded_by,
            e.recorded_by,
            e.updated_at,
            e.version,
        ],
    )?;
    insert_version_row(conn, e, recorded_by, &e.recorded_by)
}

/// Recording an allergy clears a "no known allergies" statement.
pub(crate) fn clear_no_known_allergies(
    conn: &Connection,
    patient: PatientId,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "UPDATE allergy_statement SET no_known_allergies = 0 WHERE patient_id = ?1",
    )?
    .execute([patient.to_string()])?;
    Ok(())
}

/// Writes the patient's allergy statement (insert or replace). Shared with sync's applier.
pub(crate) fn write_allergy_statement(
    conn: &Connection,
    patient: PatientId,
    no_known_allergies: bool,
    stated_at: &str,
    stated_by: Option<&str>,
    stated_by_name: &str,
) -> Result<(), CoreError> {
    conn.prepare_cached(
        "INSERT INTO allergy_statement (patient_id, no_known_allergies, stated_at, stated_by,
            stated_by_name)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (patient_id) DO UPDATE SET no_known_allergies = excluded.no_known_allergies,
            stated_at = excluded.stated_at, stated_by = excluded.stated_by,
            stated_by_name = excluded.stated_by_name",
    )?
    .execute(params![
        patient.to_string(),
        no_known_allergies,
        stated_at,
        stated_by,
        stated_by_name
    ])?;
    Ok(())
}

/// Records a new entry (status `active`). Recording an allergy clears a "no known
/// allergies" statement.
pub fn add_entry(
    store: &mut Store,
    caller: &Caller<'_>,
    request: AddChartEntry,
) -> Result<ChartEntry, CoreError> {
    let details = validate::details(request.details, crate::registry::clinic_today())
        .map_err(CoreError::Validation)?;
    let patient = request.patient_id;
    ensure_caller_access(store, caller, patient, Command::AddChartEntry)?;
    let device = store.device_id();
    let kind = details.kind();
    let id = ChartEntryId::new();
    store.write(|tx| {
        crate::registry::require_patient(tx.conn(), patient)?;
        let now = tx.now_rfc3339();
        let entry = ChartEntry {
            id,
            patient_id: patient,
            status: EntryStatus::Active,
            status_reason: String::new(),
            details: details.clone(),
            recorded_at: now.clone(),
            recorded_by: caller.actor_name(),
            updated_at: now.clone(),
            version: 1,
        };
        insert_new_entry(tx, caller, &entry)?;
        let event = caller.chart_event(
            AuditAction::Create,
            patient,
            json!({ "entry_id": id.to_string(), "kind": kind.as_str() }),
        );
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok::<_, CoreError>(())
    })?;
    tracing::info!(entry = %id, kind = kind.as_str(), "recorded a chart entry");
    get_entry(store.conn(), id)
}

/// Records a new entry (`entry`, at version 1, stamped with the transaction's
/// time): its op and rows inside the caller's transaction; recording an allergy
/// clears a "no known allergies" statement. No audit entry: the caller writes
/// it. Shared by [`add_entry`] and the FHIR import (which records entries with
/// the status they had).
pub(crate) fn insert_new_entry(
    tx: &mut WriteTx<'_>,
    caller: &Caller<'_>,
    entry: &ChartEntry,
) -> Result<(), CoreError> {
    let mut payload = json!({
        "patient_id": entry.patient_id.to_string(),
        "details": entry.details,
        "status": entry.status.as_str(),
    });
    if !entry.status_reason.is_empty() {
        payload["status_reason"] = json!(entry.status_reason);
    }
    tx.record(
        OpKind::AddChartEntry,
        EntityKind::ChartEntry,
        &entry.id.to_string(),
        payload,
    )?;
    insert_entry_row(tx.conn(), entry, caller.actor_id().as_deref())?;
    if entry.details.kind() == ChartEntryKind::Allergy {
        clear_no_known_allergies(tx.conn(), entry.patient_id)?;
    }
    Ok(())
}

/// Loads the entry for a change and checks kind, access and version.
fn for_change(
    store: &mut Store,
    caller: &Caller<'_>,
    id: ChartEntryId,
    expected_version: i64,
    command: Command,
) -> Result<ChartEntry, CoreError> {
    let current = get_entry(store.conn(), id)?;
    ensure_caller_access(store, caller, current.patient_id, command)?;
    if current.version != expected_version {
        return Err(CoreError::EditConflict {
            expected: expected_version,
            current: current.version,
        });
    }
    Ok(current)
}

/// Writes `next` (already at its new version) with its op, version row and audit.
fn write_change(
    store: &mut Store,
    caller: &Caller<'_>,
    next: &ChartEntry,
    op: OpKind,
    payload: serde_json::Value,
    audit_detail: serde_json::Value,
) -> Result<(), CoreError> {
    let device = store.device_id();
    store.write(|tx| {
        let next = apply_change(tx, caller, next, op, payload)?;
        let event = caller.chart_event(AuditAction::Update, next.patient_id, audit_detail);
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok(())
    })
}

/// Writes `next` (already at its new version) with its op and version row
/// inside the caller's transaction, and returns it as stored. No audit entry:
/// the caller writes it. Shared by the chart's changes and the FHIR import.
pub(crate) fn apply_change(
    tx: &mut WriteTx<'_>,
    caller: &Caller<'_>,
    next: &ChartEntry,
    op: OpKind,
    payload: serde_json::Value,
) -> Result<ChartEntry, CoreError> {
    let now = tx.now_rfc3339();
    let next = ChartEntry {
        updated_at: now.clone(),
        ..next.clone()
    };
    tx.record(op, EntityKind::ChartEntry, &next.id.to_string(), payload)?;
    let changed = tx
        .conn()
        .prepare_cached(
            "UPDATE chart_entry SET status = ?2, status_reason = ?3, details = ?4, updated_at = ?5,
            version = ?6
         WHERE id = ?1 AND version = ?6 - 1",
        )?
        .execute(params![
            next.id.to_string(),
            next.status.as_str(),
            next.status_reason,
            serde_json::to_string(&next.details).map_err(|_| corrupt("details"))?,
            now,
            next.version,
        ])?;
    if changed != 1 {
        let current = get_entry(tx.conn(), next.id)?.version;
        return Err(CoreError::EditConflict {
            expected: next.version - 1,
            current,
        });
    }
    insert_version(tx, caller, &next)?;
    Ok(next)
}

/// Corrects what an entry says (its kind cannot change). Nothing is written when
/// nothing changed.
pub fn update_entry(
    store: &mut Store,
    caller: &Caller<'_>,
    request: UpdateChartEntry,
) -> Result<ChartEntry, CoreError> {
    let details = validate::details(request.details, crate::registry::clinic_today())
        .map_err(CoreError::Validation)?;
    let current = for_change(
        store,
        caller,
        request.id,
        request.expected_version,
        Command::UpdateChartEntry,
    )?;
    if details.kind() != current.details.kind() {
        return Err(CoreError::field(
            "kind",
            "An entry's kind cannot change; record a new entry instead.",
        ));
    }
    if details == current.details {
        return Ok(current);
    }
    let next = ChartEntry {
        details: details.clone(),
        version: current.version + 1,
        ..current
    };
    write_change(
        store,
        caller,
        &next,
        OpKind::UpdateChartEntry,
        json!({ "details": details, "version": next.version }),
        json!({ "entry_id": next.id.to_string(), "kind": details.kind().as_str(), "version": next.version }),
    )?;
    tracing::info!(entry = %next.id, "corrected a chart entry");
    get_entry(store.conn(), next.id)
}

/// Changes an entry's status (e.g. resolved, stopped, entered in error) with a
/// reason (required for anything but `active`).
pub fn set_status(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SetChartEntryStatus,
) -> Result<ChartEntry, CoreError> {
    let required = request.status != EntryStatus::Active;
    let reason = validate::reason(&request.reason, required).map_err(CoreError::Validation)?;
    let current = for_change(
        store,
        caller,
        request.id,
        request.expected_version,
        Command::SetChartEntryStatus,
    )?;
    let kind = current.details.kind();
    if !kind.statuses().contains(&request.status) {
        let allowed: Vec<&str> = kind.statuses().iter().map(|s| s.as_str()).collect();
        return Err(CoreError::field(
            "status",
            format!("A {} can be: {}.", kind.as_str(), allowed.join(", ")),
        ));
    }
    if current.status == request.status {
        return Ok(current);
    }
    let next = ChartEntry {
        status: request.status,
        status_reason: reason.clone(),
        version: current.version + 1,
        ..current
    };
    write_change(
        store,
        caller,
        &next,
        OpKind::SetChartEntryStatus,
        json!({ "status": next.status.as_str(), "reason": reason, "version": next.version }),
        json!({
            "entry_id": next.id.to_string(),
            "kind": kind.as_str(),
            "status": next.status.as_str(),
            "version": next.version,
        }),
    )?;
    tracing::info!(entry = %next.id, status = next.status.as_str(), "changed a chart entry's status");
    get_entry(store.conn(), next.id)
}

/// A clinician states the patient has no known allergies. Refused while an allergy
/// is active (mark it inactive or entered-in-error first).
pub fn set_no_known_allergies(
    store: &mut Store,
    caller: &Caller<'_>,
    request: SetNoKnownAllergies,
) -> Result<AllergyStatus, CoreError> {
    let patient = request.patient_id;
    ensure_caller_access(store, caller, patient, Command::SetNoKnownAllergies)?;
    if !entries(store.conn(), patient, ChartEntryKind::Allergy, true)?.is_empty() {
        return Err(CoreError::field(
            "no_known_allergies",
            "This patient has an active allergy. Mark it inactive or entered in error first.",
        ));
    }
    let device = store.device_id();
    store.write(|tx| {
        crate::registry::require_patient(tx.conn(), patient)?;
        tx.record(
            OpKind::SetNoKnownAllergies,
            EntityKind::Patient,
            &patient.to_string(),
            json!({ "no_known_allergies": true }),
        )?;
        let now = tx.now_rfc3339();
        write_allergy_statement(
            tx.conn(),
            patient,
            true,
            &now,
            caller.actor_id().as_deref(),
            &caller.actor_name(),
        )?;
        let event = caller.chart_event(
            AuditAction::Update,
            patient,
            json!({ "no_known_allergies": true }),
        );
        audit::append_in(tx, caller.audit_key, device, &event)?;
        Ok::<_, CoreError>(())
    })?;
    allergy_status(store.conn(), patient)
}

fn allergy_status(conn: &Connection, patient: PatientId) -> Result<AllergyStatus, CoreError> {
    let counts: (i64, i64) = conn
        .prepare_cached(
            "SELECT count(*), coalesce(sum(status = 'active'), 0) FROM chart_entry
         WHERE patient_id = ?1 AND kind = 'allergy' AND status != 'entered_in_error'",
        )?
        .query_row([patient.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if counts.1 > 0 {
        return Ok(AllergyStatus::HasAllergies);
    }
    let stated: Option<(bool, String, String)> = conn
        .prepare_cached(
            "SELECT no_known_allergies, stated_at, stated_by_name FROM allergy_statement
             WHERE patient_id = ?1",
        )?
        .query_row([patient.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    Ok(match stated {
        Some((true, asserted_at, asserted_by)) => AllergyStatus::NoKnownAllergies {
            asserted_at,
            asserted_by,
        },
        _ if counts.0 > 0 => AllergyStatus::NoActiveAllergies,
        _ => AllergyStatus::NotRecorded,
    })
}

fn audited_view(
    store: &mut Store,
    caller: &Caller<'_>,
    patient: PatientId,
    command: Command,
    detail: serde_json::Value,
) -> Result<(), CoreError> {
    ensure_caller_access(store, caller, patient, command)?;
    crate::registry::require_patient(store.conn(), patient)?;
    let event = caller.chart_event(AuditAction::View, patient, detail);
    audit::append_standalone(store, caller.audit_key, &event)?;
    Ok(())
}

/// The chart summary: allergy status and the active entries of each kind.
pub fn summary(
    store: &mut Store,
    caller: &Caller<'_>,
    patient: PatientId,
) -> Result<ChartSummary, CoreError> {
    audited_view(
        store,
        caller,
        patient,
        Command::GetChartSummary,
        json!({ "view": "chart_summary" }),
    )?;
    let conn = store.conn();
    Ok(ChartSummary {
        patient_id: patient,
        allergy_status: allergy_status(conn, patient)?,
        allergies: entries(conn, patient, ChartEntryKind::Allergy, true)?,
        problems: entries(conn, patient, ChartEntryKind::Problem, true)?,
        medications: entries(conn, patient, ChartEntryKind::Medication, true)?,
        plans: entries(conn, patient, ChartEntryKind::Plan, true)?,
    })
}

/// Entries of one kind, active only or all (newest first).
pub fn list(
    store: &mut Store,
    caller: &Caller<'_>,
    request: ListChartEntries,
) -> Result<Vec<ChartEntry>, CoreError> {
    audited_view(
        store,
        caller,
        request.patient_id,
        Command::ListChartEntries,
        json!({ "view": "chart_list", "kind": request.kind.as_str() }),
    )?;
    entries(
        store.conn(),
        request.patient_id,
        request.kind,
        !request.include_inactive,
    )
}

/// Every version of one entry, oldest first.
pub fn history(
    store: &mut Store,
    caller: &Caller<'_>,
    id: ChartEntryId,
) -> Result<Vec<ChartEntryVersion>, CoreError> {
    let entry = get_entry(store.conn(), id)?;
    audited_view(
        store,
        caller,
        entry.patient_id,
        Command::GetChartEntryHistory,
        json!({ "view": "chart_entry_history", "entry_id": id.to_string() }),
    )?;
    let mut stmt = store.conn().prepare_cached(
        "SELECT version, status, status_reason, details, changed_at, changed_by_name
         FROM chart_entry_version WHERE entry_id = ?1 ORDER BY version",
    )?;
    let rows = stmt.query_map([id.to_string()], |r| {
        let status: String = r.get(1)?;
        let details: String = r.get(3)?;
        Ok((
            r.get::<_, i64>(0)?,
            status,
            r.get::<_, String>(2)?,
            details,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (version, status, status_reason, details, changed_at, changed_by) = row?;
        out.push(ChartEntryVersion {
            version,
            status: EntryStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
            status_reason,
            details: serde_json::from_str::<ChartEntryDetails>(&details)
                .map_err(|_| corrupt("details"))?,
            changed_at,
            changed_by,
        });
    }
    Ok(out)
}

//! The waitlist: patients who want an (earlier) appointment of a type, with a
//! provider or any, between two dates; and the offers a cancellation makes to
//! them.
//!
//! Invariants: entries are never deleted (waiting → booked or removed); an offer
//! matches the freed time's date window, provider (or "any") and needs no longer
//! than the freed time; offers list the longest-waiting patients first.
use super::{appointments, config, time};
use crate::audit;
use crate::{Caller, CoreError};
use chrono::{DateTime, Utc};
use clinic_protocol::{
    AddToWaitlist, Appointment, AuditAction, AuditCategory, EntityKind, OpKind, PatientId,
    RemoveFromWaitlist, StaffId, WaitlistEntry, WaitlistEntryId, WaitlistStatus,
};
use clinic_store::{Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

pub const MAX_NOTE: usize = 500;
/// Most entries listed (and offered after a cancellation).
pub const MAX_LISTED: u32 = 200;
pub const MAX_OFFERS: u32 = 10;

const SELECT: &str = "SELECT w.id, w.patient_id, p.family_name, p.given_name, p.mrn, w.provider_id,
        coalesce(s.display_name, ''), w.appointment_type_id, t.name, w.earliest, w.latest, w.note,
        w.status, w.created_at
    FROM waitlist_entry w
    JOIN patient p ON p.id = w.patient_id
    JOIN appointment_type t ON t.id = w.appointment_type_id
    LEFT JOIN staff s ON s.id = w.provider_id";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<WaitlistEntry, CoreError>> {
    let bad = || Ok(Err(CoreError::Corrupt("waitlist entry".into())));
    let (id, patient, kind, status): (String, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(7)?, r.get(12)?);
    let Ok(provider_id) = r
        .get::<_, Option<String>>(5)?
        .map(|p| p.parse())
        .transpose()
    else {
        return bad();
    };
    let (Ok(id), Ok(patient_id), Ok(appointment_type_id), Some(status)) = (
        id.parse(),
        patient.parse(),
        kind.parse(),
        WaitlistStatus::parse(&status),
    ) else {
        return bad();
    };
    let (family, given): (String, String) = (r.get(2)?, r.get(3)?);
    Ok(Ok(WaitlistEntry {
        id,
        patient_id,
        patient_name: format!("{family}, {given}"),
        patient_mrn: r.get(4)?,
        provider_id,
        provider_name: r.get(6)?,
        appointment_type_id,
        type_name: r.get(8)?,
        earliest: r.get(9)?,
        latest: r.get(10)?,
        note: r.get(11)?,
        status,
        created_at: r.get(13)?,
    }))
}

fn query(
    conn: &Connection,
    tail: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<WaitlistEntry>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} {tail}"))?;
    let rows = stmt
        .query_map(args, from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().collect()
}

/// Hides restricted patients' names from staff who may not open them.
fn mask(
    conn: &Connection,
    caller: &Caller<'_>,
    now: DateTime<Utc>,
    entries: &mut [WaitlistEntry],
) -> Result<(), CoreError> {
    let hidden =
        crate::restricted::hidden_from(conn, caller, now, entries.iter().map(|e| e.patient_id))?;
    for e in entries
        .iter_mut()
        .filter(|e| hidden.contains(&e.patient_id))
    {
        e.patient_name = appointments::RESTRICTED_NAME.to_string();
        e.note.clear();
    }
    Ok(())
}

/// Waiting entries, longest waiting first.
pub fn list(
    store: &mut Store,
    caller: &Caller<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<WaitlistEntry>, CoreError> {
    let mut entries = query(
        store.conn(),
        &format!("WHERE w.status = 'waiting' ORDER BY w.created_at, w.id LIMIT {MAX_LISTED}"),
        [],
    )?;
    mask(store.conn(), caller, now, &mut entries)?;
    let e = caller
        .event(AuditAction::View, AuditCategory::Schedule)
        .detail(json!({ "waitlist": entries.len() }));
    audit::append_standalone(store, caller.audit_key, &e)?;
    Ok(entries)
}

pub(crate) fn require_waiting(
    conn: &Connection,
    id: WaitlistEntryId,
    patient: PatientId,
) -> Result<(), CoreError> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT patient_id, status FROM waitlist_entry WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        Some((p, s)) if p == patient.to_string() && s == "waiting" => Ok(()),
        Some(_) => Err(CoreError::field(
            "waitlist_entry_id",
            "This waitlist entry is not waiting for this patient.",
        )),
        None => Err(CoreError::NotFound("waitlist entry")),
    }
}

pub(crate) fn mark(
    tx: &mut WriteTx<'_>,
    id: WaitlistEntryId,
    status: WaitlistStatus,
) -> Result<(), CoreError> {
    tx.record(
        OpKind::SetWaitlistStatus,
        EntityKind::WaitlistEntry,
        &id.to_string(),
        json!({ "status": status.as_str() }),
    )?;
    tx.conn().execute(
        "UPDATE waitlist_entry SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![id.to_string(), status.as_str(), tx.now_rfc3339()],
    )?;
    Ok(())
}

/// Waiting patients the freed time of `a` suits, longest waiting first.
pub(crate) fn offers_for(
    conn: &Connection,
    a: &Appointment,
) -> Result<Vec<WaitlistEntry>, CoreError> {
    let zone = time::clinic_zone(conn)?;
    let (Some(start), Some(end)) = (
        time::parse_instant(&a.starts_at),
        time::parse_instant(&a.ends_at),
    ) else {
        return Err(CoreError::Corrupt("appointment time".into()));
    };
    let date = time::local_date(zone, start).to_string();
    let minutes = (end - start).num_minutes();
    query(
        conn,
        &format!(
            "WHERE w.status = 'waiting' AND w.earliest <= ?1 AND w.latest >= ?1
               AND (w.provider_id IS NULL OR w.provider_id = ?2)
               AND t.duration_minutes <= ?3 AND w.patient_id <> ?4
             ORDER BY w.created_at, w.id LIMIT {MAX_OFFERS}"
        ),
        params![
            date,
            a.provider_id.to_string(),
            minutes,
            a.patient_id.to_string()
        ],
    )
}

/// Enabled front-desk staff (told about freed time).
pub(crate) fn front_desk_staff(conn: &Connection) -> Result<Vec<StaffId>, CoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM staff WHERE role = 'front_desk' AND disabled = 0")?;
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    ids.into_iter()
        .map(|s| s.parse().map_err(|_| CoreError::Corrupt("staff id".into())))
        .collect()
}

pub fn add(
    store: &mut Store,
    caller: &Caller<'_>,
    mut request: AddToWaitlist,
    now: DateTime<Utc>,
) -> Result<WaitlistEntry, CoreError> {
    let conn = store.conn();
    let zone = time::clinic_zone(conn)?;
    let mut c = crate::validation::Check::new();
    c.text("note", &mut request.note, false, MAX_NOTE);
    let (earliest, latest) = (
        time::parse_date(&request.earliest),
        time::parse_date(&request.latest),
    );
    if earliest.is_none() {
        c.fail("earliest", "A date like 2026-03-15.");
    }
    if latest.is_none() {
        c.fail("latest", "A date like 2026-04-30.");
    }
    if let (Some(e), Some(l)) = (earliest, latest) {
        if l < e {
            c.fail("latest", "The last date cannot be before the first.");
        } else if l < time::today(zone, now) {
            c.fail("latest", "The last date has passed.");
        }
    }
    if !config::appointment_type(conn, request.appointment_type_id)
        .map(|t| t.active)
        .unwrap_or(false)
    {
        c.fail("appointment_type_id", "Pick an active appointment type.");
    }
    if let Some(p) = request.provider_id {
        if config::require_provider(conn, p, "provider_id").is_err() {
            c.fail("provider_id", "Pick a doctor or nurse, or any provider.");
        }
    }
    c.finish().map_err(CoreError::Validation)?;
    crate::registry::require_patient(conn, request.patient_id)?;
    let (Some(earliest), Some(latest)) = (earliest, latest) else {
        return Err(CoreError::field("earliest", "A date like 2026-03-15."));
    };
    let id = WaitlistEntryId::new();
    let device = store.device_id();
    store.write(|tx| {
        tx.record(
            OpKind::AddToWaitlist,
            EntityKind::WaitlistEntry,
            &id.to_string(),
            json!({
                "patient_id": request.patient_id.to_string(),
                "provider_id": request.provider_id.map(|p| p.to_string()),
                "appointment_type_id": request.appointment_type_id.to_string(),
                "earliest": earliest.to_string(), "latest": latest.to_string(), "note": request.note,
            }),
        )?;
        let stamp = tx.now_rfc3339();
        tx.conn().execute(
            "INSERT INTO waitlist_entry (id, patient_id, provider_id, appointment_type_id, earliest, latest,
                note, status, created_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'waiting', ?8, ?9, ?9)",
            params![id.to_string(), request.patient_id.to_string(), request.provider_id.map(|p| p.to_string()),
                request.appointment_type_id.to_string(), earliest.to_string(), latest.to_string(),
                request.note, caller.actor_id(), stamp],
        )?;
        let e = caller
            .event(AuditAction::Create, AuditCategory::Schedule)
            .patient(request.patient_id)
            .detail(json!({ "waitlist_entry_id": id.to_string() }));
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })?;
    let mut entry = query(store.conn(), "WHERE w.id = ?1", [id.to_string()])?
        .pop()
        .ok_or(CoreError::NotFound("waitlist entry"))?;
    mask(store.conn(), caller, now, std::slice::from_mut(&mut entry))?;
    Ok(entry)
}

pub fn remove(
    store: &mut Store,
    caller: &Caller<'_>,
    request: RemoveFromWaitlist,
) -> Result<(), CoreError> {
    let entry = query(store.conn(), "WHERE w.id = ?1", [request.id.to_string()])?
        .pop()
        .ok_or(CoreError::NotFound("waitlist entry"))?;
    if entry.status != WaitlistStatus::Waiting {
        return Ok(());
    }
    let device = store.device_id();
    store.write(|tx| {
        mark(tx, entry.id, WaitlistStatus::Removed)?;
        let e = caller
            .event(AuditAction::Update, AuditCategory::Schedule)
            .patient(entry.patient_id)
            .detail(json!({ "waitlist_entry_id": entry.id.to_string(), "status": "removed" }));
        audit::append_in(tx, caller.audit_key, device, &e)?;
        Ok::<_, CoreError>(())
    })
}

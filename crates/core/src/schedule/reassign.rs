//! Reassigning an absent provider's day in one flow: each booked or confirmed
//! appointment moves to another provider at the same time where that provider
//! works and is free; the others (or all, when no provider is chosen) become
//! `needs_reschedule`. Optionally records the absent provider's leave. Returns
//! the affected patients to contact.
//!
//! Invariants: one transaction for the whole day (all or nothing); nothing is
//! cancelled or dropped; one op and one audit entry per appointment.
use super::{appointments, config, reminders, slots, time};
use crate::audit;
use crate::sync::apply::placement::settle_local;
use crate::{Caller, CoreError};
use chrono::{DateTime, Duration, Utc};
use clinic_protocol::{
    AppointmentStatus, AuditAction, AuditCategory, EntityKind, ExceptionKind, NotificationKind,
    OpKind, PatientToContact, ReassignDay, ReassignOutcome, ScheduleException, ScheduleExceptionId,
};
use clinic_store::Store;
use rusqlite::params;
use serde_json::json;

pub const MAX_REASON: usize = 500;

pub fn reassign_day(
    store: &mut Store,
    caller: &Caller<'_>,
    request: ReassignDay,
    now: DateTime<Utc>,
) -> Result<ReassignOutcome, CoreError> {
    let conn = store.conn();
    let zone = time::clinic_zone(conn)?;
    let reason = request.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(CoreError::field(
            "reason",
            "Say why (at most 500 characters), e.g. \"Dr Okafor is ill\".",
        ));
    }
    let from = config::require_provider(conn, request.from_provider_id, "from_provider_id")?;
    let to = match request.to_provider_id {
        Some(id) if id == from.id => {
            return Err(CoreError::field(
                "to_provider_id",
                "Pick a different provider.",
            ))
        }
        Some(id) => Some(config::require_provider(conn, id, "to_provider_id")?),
        None => None,
    };
    let date = time::parse_date(&request.date)
        .ok_or_else(|| CoreError::field("date", "A date like 2026-03-15."))?;
    let (start, end) = (
        time::day_start(zone, date),
        time::day_start(zone, date + Duration::days(1)),
    );
    let affected: Vec<_> = appointments::in_range(conn, from.id, start, end)?
        .into_iter()
        .filter(|a| {
            matches!(
                a.status,
                AppointmentStatus::Booked | AppointmentStatus::Confirmed
            )
        })
        .collect();
    // Decide every move before writing anything.
    let mut plan = Vec::new();
    for a in affected {
        let (Some(s), Some(e)) = (
            time::parse_instant(&a.starts_at),
            time::parse_instant(&a.ends_at),
        ) else {
            return Err(CoreError::Corrupt("appointment time".into()));
        };
        let movable = match &to {
            Some(p) => {
                let room = match a.room_id {
                    Some(r) => Some((r, config::room(conn, r)?.name)),
                    None => None,
                };
                slots::require_working(conn, zone, p, s, e).is_ok()
                    && slots::require_free(
                        conn,
                        p,
                        room.as_ref().map(|(r, n)| (*r, n.as_str())),
                        s,
                        e,
                        Some(a.id),
                    )
                    .is_ok()
            }
            None => false,
        };
        let contact: (String, String) = conn.query_row(
            "SELECT phone, email FROM patient WHERE id = ?1",
            [a.patient_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        plan.push((a, movable, contact));
    }
    let device = store.device_id();
    store.write(|tx| {
        for (a, movable, _) in &plan {
            let version = a.version + 1;
            if let (true, Some(p)) = (*movable, &to) {
                tx.record(
                    OpKind::RescheduleAppointment,
                    EntityKind::Appointment,
                    &a.id.to_string(),
                    json!({ "provider_id": p.id.to_string(), "room_id": a.room_id.map(|r| r.to_string()),
                        "starts_at": a.starts_at, "ends_at": a.ends_at, "status": a.status.as_str(),
                        "version": version, "reason": "reassigned" }),
                )?;
                tx.conn().execute(
                    // Moved: tentative again until the server orders the move (sync).
                    "UPDATE appointment SET provider_id = ?2, tentative = 1, updated_at = ?3, version = ?4
                     WHERE id = ?1",
                    params![a.id.to_string(), p.id.to_string(), tx.now_rfc3339(), version],
                )?;
                let stamp = tx.now_rfc3339();
                let left = super::booking::placed(a);
                settle_local(tx.conn(), &a.id.to_string(), a.status, Some(&left), &stamp)?;
                if caller.staff_id != Some(p.id) {
                    crate::inbox::notify(tx, p.id, NotificationKind::ScheduleChanged, Some(a.patient_id),
                        json!({ "appointment_id": a.id.to_string(), "starts_at": a.starts_at, "change": "booked" }))?;
                }
            } else {
                tx.record(
                    OpKind::SetAppointmentStatus,
                    EntityKind::Appointment,
                    &a.id.to_string(),
                    json!({ "status": "needs_reschedule", "reason": "provider_absent", "version": version }),
                )?;
                tx.conn().execute(
                    "UPDATE appointment SET status = 'needs_reschedule', updated_at = ?2, version = ?3 WHERE id = ?1",
                    params![a.id.to_string(), tx.now_rfc3339(), version],
                )?;
                reminders::cancel(tx, a.id)?;
                let stamp = tx.now_rfc3339();
                settle_local(tx.conn(), &a.id.to_string(), a.status, None, &stamp)?;
            }
            let e = caller
                .event(AuditAction::Update, AuditCategory::Schedule)
                .patient(a.patient_id)
                .detail(json!({ "appointment_id": a.id.to_string(), "change": "reassigned",
                    "moved": movable, "from_provider": from.id.to_string() }));
            audit::append_in(tx, caller.audit_key, device, &e)?;
        }
        if request.record_leave {
            let leave = ScheduleException {
                id: ScheduleExceptionId::new(),
                provider_id: Some(from.id),
                starts_on: date.to_string(),
                ends_on: date.to_string(),
                kind: ExceptionKind::Leave,
                note: reason.clone(),
            };
            config::insert_exception(tx, caller, device, &leave)?;
        }
        Ok::<_, CoreError>(())
    })?;
    let mut contacts = Vec::new();
    for (a, moved, (phone, email)) in plan {
        let appointment = appointments::get_masked(store.conn(), caller, a.id, now)?;
        // Staff who may not open a restricted record get its MRN only.
        let hidden = appointment.patient_name == appointments::RESTRICTED_NAME;
        let (phone, email) = if hidden {
            (String::new(), String::new())
        } else {
            (phone, email)
        };
        contacts.push(PatientToContact {
            appointment,
            phone,
            email,
            moved,
        });
    }
    let moved = contacts.iter().filter(|c| c.moved).count() as u32;
    Ok(ReassignOutcome {
        moved,
        needs_reschedule: contacts.len() as u32 - moved,
        contacts,
    })
}

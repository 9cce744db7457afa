//! The reminder queue: one queued reminder per booked appointment, due the
//! clinic's lead time before it, on the patient's preferred channel (SMS or
//! email). Delivery comes with the sync server; this device records the queue.
//!
//! Invariants: derived from appointments inside their write transaction (never
//! an op of its own); moving or cancelling an appointment cancels its queued
//! reminder (and a move queues a new one); no channel, no reminder.
use super::time;
use crate::CoreError;
use chrono::{DateTime, Duration, Utc};
use clinic_protocol::{AppointmentId, PatientId, Reminder, ReminderStatus};
use clinic_store::WriteTx;
use rusqlite::{params, Connection};

/// Most reminders listed.
pub const MAX_LISTED: u32 = 200;

/// The channel a patient is reminded on, if any.
fn channel(conn: &Connection, patient: PatientId) -> Result<Option<&'static str>, CoreError> {
    let (phone, email, preferences): (String, String, String) = conn.query_row(
        "SELECT p.phone, p.email, d.preferences FROM patient p
         JOIN patient_detail d ON d.patient_id = p.id WHERE p.id = ?1",
        [patient.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let preferred = serde_json::from_str::<serde_json::Value>(&preferences)
        .ok()
        .and_then(|v| {
            v.get("contact_channel")
                .and_then(|c| c.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default();
    Ok(match preferred.as_str() {
        "email" if !email.trim().is_empty() => Some("email"),
        "none" | "mail" => None,
        _ if !phone.trim().is_empty() => Some("sms"),
        _ if !email.trim().is_empty() => Some("email"),
        _ => None,
    })
}

/// Queues the reminder of a (re)booked appointment.
pub(crate) fn queue(
    tx: &WriteTx<'_>,
    appointment: AppointmentId,
    patient: PatientId,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), CoreError> {
    let conn = tx.conn();
    let Some(channel) = channel(conn, patient)? else {
        return Ok(());
    };
    let hours: i64 = conn.query_row(
        "SELECT reminder_hours_before FROM clinic WHERE singleton = 1",
        [],
        |r| r.get(0),
    )?;
    // Booked at short notice: due at once (the use case's clock, like every check).
    let due = time::stored((starts_at - Duration::hours(hours)).max(now));
    let now = tx.now_rfc3339();
    conn.execute(
        "INSERT INTO reminder (appointment_id, channel, due_at, status, created_at)
         VALUES (?1, ?2, ?3, 'queued', ?4)",
        params![appointment.to_string(), channel, due, now],
    )?;
    Ok(())
}

/// Cancels the queued reminder of a moved or cancelled appointment.
pub(crate) fn cancel(tx: &WriteTx<'_>, appointment: AppointmentId) -> Result<(), CoreError> {
    tx.conn().execute(
        "UPDATE reminder SET status = 'cancelled' WHERE appointment_id = ?1 AND status = 'queued'",
        [appointment.to_string()],
    )?;
    Ok(())
}

/// Queued reminders, soonest due first (MRN only: the queue is shown to staff
/// who may not open every record).
pub fn queued(conn: &Connection) -> Result<Vec<Reminder>, CoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT r.appointment_id, p.mrn, r.channel, r.due_at, a.starts_at
         FROM reminder r JOIN appointment a ON a.id = r.appointment_id
         JOIN patient p ON p.id = a.patient_id
         WHERE r.status = 'queued' ORDER BY r.due_at, r.id LIMIT {MAX_LISTED}"
    ))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, mrn, channel, due_at, starts_at)| {
            Ok(Reminder {
                appointment_id: id
                    .parse()
                    .map_err(|_| CoreError::Corrupt("reminder".into()))?,
                patient_mrn: mrn,
                channel,
                due_at,
                appointment_starts_at: starts_at,
                status: ReminderStatus::Queued,
            })
        })
        .collect()
}

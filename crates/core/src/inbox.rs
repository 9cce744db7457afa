//! Creating in-app notifications for staff members (one function, so every
//! notification is an op and a row written the same way in the caller's
//! transaction). Reading and marking them read is `observations::notifications`.
//!
//! Invariant: `detail` holds ids, kinds, counts and times only — never names or
//! clinical values (notifications are shown in lists and synced).
use crate::CoreError;
use clinic_protocol::{EntityKind, NotificationKind, OpKind, PatientId, StaffId};
use clinic_store::WriteTx;
use rusqlite::params;
use serde_json::{json, Value};

/// Notifies `staff` of `kind` about `patient`, inside `tx`.
pub(crate) fn notify(
    tx: &mut WriteTx<'_>,
    staff: StaffId,
    kind: NotificationKind,
    patient: Option<PatientId>,
    detail: Value,
) -> Result<(), CoreError> {
    let id = uuid::Uuid::now_v7();
    let now = tx.now_rfc3339();
    tx.record(
        OpKind::CreateNotification,
        EntityKind::Notification,
        &id.to_string(),
        json!({
            "staff_id": staff.to_string(),
            "kind": kind.as_str(),
            "patient_id": patient.map(|p| p.to_string()),
            "detail": detail,
        }),
    )?;
    tx.conn().execute(
        "INSERT INTO notification (id, staff_id, kind, patient_id, detail, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id.to_string(),
            staff.to_string(),
            kind.as_str(),
            patient.map(|p| p.to_string()),
            detail.to_string(),
            now
        ],
    )?;
    Ok(())
}

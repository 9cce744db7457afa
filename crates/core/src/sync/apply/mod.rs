//! Applying one op received from another device to this device's store, with the
//! conflict policy of its kind (DESIGN.md §5). Each domain has its own applier
//! module; [`apply_one`] dispatches by [`OpKind`].
//!
//! Contract for appliers:
//! - they run inside the page's transaction, in a savepoint: an `Err` undoes
//!   everything the op did and the op is *held* (kept whole, retried by a later
//!   build), never dropped;
//! - they write with plain SQL on `conn` (no outbox op: the change is not this
//!   device's), through the same row-writing helpers the local use cases use
//!   where those exist, so derived rows (search tokens, versions) stay right;
//! - they must converge: applying the same set of ops in seq order gives the same
//!   rows on every device. Creations are idempotent (`INSERT OR IGNORE`/exists
//!   checks); whole-value updates are last-writer-wins by HLC via [`is_newest`];
//!   status removals never hard-delete.
use crate::CoreError;
use clinic_protocol::{DeviceId, EntityKind, Hlc, LoggedOp, Op, OpKind};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use std::str::FromStr;

mod admin;
mod billing;
mod chart;
mod fhir;
mod identity;
mod patients;
pub(crate) mod placement;
mod provider;
mod schedule;

/// One op from another device, with who made it.
#[derive(Debug)]
pub struct Incoming<'a> {
    pub logged: &'a LoggedOp,
    /// The staff member who made the change (`_actor` in the payload), or the
    /// device when the op does not say.
    pub actor_id: String,
    pub actor_name: String,
    /// Wall-clock time of the change on its device (from its HLC), RFC 3339 UTC.
    pub at: String,
}

impl<'a> Incoming<'a> {
    pub fn new(logged: &'a LoggedOp) -> Self {
        let actor = logged.op.payload.get("_actor");
        let text = |k: &str| {
            actor
                .and_then(|a| a.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let at =
            chrono::DateTime::<chrono::Utc>::from_timestamp_millis(logged.op.hlc.millis as i64)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        Self {
            logged,
            actor_id: text("id").unwrap_or_else(|| logged.device_id.to_string()),
            actor_name: text("name").unwrap_or_else(|| "Another device".to_string()),
            at,
        }
    }

    pub fn op(&self) -> &Op {
        &self.logged.op
    }

    pub fn device(&self) -> DeviceId {
        self.logged.device_id
    }

    pub fn hlc(&self) -> &Hlc {
        &self.logged.op.hlc
    }

    pub fn entity_id(&self) -> &str {
        &self.logged.op.entity_id
    }

    /// The entity id parsed as a typed id.
    pub fn entity<T: FromStr>(&self) -> Result<T, CoreError> {
        self.entity_id()
            .parse()
            .map_err(|_| malformed(self, "entity id"))
    }

    /// A payload field (`Null` when absent).
    pub fn field(&self, key: &str) -> &Value {
        self.logged.op.payload.get(key).unwrap_or(&Value::Null)
    }

    /// A required string field.
    pub fn text(&self, key: &str) -> Result<&str, CoreError> {
        self.field(key).as_str().ok_or_else(|| malformed(self, key))
    }

    /// An optional string field (absent or null → `None`).
    pub fn opt_text(&self, key: &str) -> Result<Option<&str>, CoreError> {
        match self.field(key) {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            _ => Err(malformed(self, key)),
        }
    }

    /// A required integer field.
    pub fn int(&self, key: &str) -> Result<i64, CoreError> {
        self.field(key).as_i64().ok_or_else(|| malformed(self, key))
    }

    /// A required boolean field.
    pub fn flag(&self, key: &str) -> Result<bool, CoreError> {
        self.field(key)
            .as_bool()
            .ok_or_else(|| malformed(self, key))
    }

    /// A required field parsed as a typed id.
    pub fn id<T: FromStr>(&self, key: &str) -> Result<T, CoreError> {
        self.text(key)?.parse().map_err(|_| malformed(self, key))
    }

    /// An optional field parsed as a typed id.
    pub fn opt_id<T: FromStr>(&self, key: &str) -> Result<Option<T>, CoreError> {
        self.opt_text(key)?
            .map(|s| s.parse().map_err(|_| malformed(self, key)))
            .transpose()
    }

    /// A field deserialized into a domain type.
    pub fn parse<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<T, CoreError> {
        // Read in place: cloning the value first (`from_value`) copied every string
        // of a registration's details once more.
        T::deserialize(self.field(key)).map_err(|_| malformed(self, key))
    }
}

/// The error that holds an op whose payload lacks or mangles `what`.
pub fn malformed(inc: &Incoming<'_>, what: &str) -> CoreError {
    CoreError::Corrupt(format!(
        "{} op has a malformed or missing '{what}'",
        inc.op().kind.as_str()
    ))
}

/// True when `inc`'s clock is later than every other op of `kinds` on the same
/// entity known here (this device's own ops in the outbox, and ops applied from
/// other devices): the last-writer-wins test for whole-value updates.
pub fn is_newest(
    conn: &Connection,
    inc: &Incoming<'_>,
    kinds: &[OpKind],
) -> Result<bool, CoreError> {
    is_newest_matching(conn, inc, kinds, None)
}

/// [`is_newest`] among the ops whose payload has `key` equal to `value` (e.g. the
/// care-team ops of one staff member on one patient).
pub fn is_newest_matching(
    conn: &Connection,
    inc: &Incoming<'_>,
    kinds: &[OpKind],
    matching: Option<(&str, &str)>,
) -> Result<bool, CoreError> {
    let op = inc.op();
    let kind_list: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let kinds_json = serde_json::to_string(&kind_list).unwrap_or_else(|_| "[]".into());
    let (path, value) = match matching {
        Some((key, value)) => (format!("$.{key}"), Some(value)),
        None => ("$".to_string(), None),
    };
    let mut stmt = conn.prepare_cached(
        "SELECT hlc FROM outbox WHERE entity = ?1 AND entity_id = ?2
             AND kind IN (SELECT value FROM json_each(?3))
             AND (?5 IS NULL OR json_extract(payload, ?6) = ?5)
         UNION ALL
         SELECT hlc FROM applied_op WHERE entity = ?1 AND entity_id = ?2
             AND kind IN (SELECT value FROM json_each(?3)) AND op_id <> ?4
             AND (?5 IS NULL OR json_extract(payload, ?6) = ?5)",
    )?;
    let rows = stmt.query_map(
        params![
            op.entity.as_str(),
            op.entity_id,
            kinds_json,
            op.op_id.to_string(),
            value,
            path
        ],
        |r| r.get::<_, String>(0),
    )?;
    none_later(rows, &op.hlc)
}

/// Last-writer-wins for one field of a `set_fields` op: no later op known here set it.
pub fn is_newest_field(
    conn: &Connection,
    inc: &Incoming<'_>,
    field: &str,
) -> Result<bool, CoreError> {
    // Ops whose `fields` object has this field.
    let op = inc.op();
    let mut stmt = conn.prepare_cached(
        "SELECT hlc FROM outbox WHERE entity = ?1 AND entity_id = ?2 AND kind = 'set_fields'
             AND json_type(payload, '$.fields.' || json_quote(?3)) IS NOT NULL
         UNION ALL
         SELECT hlc FROM applied_op WHERE entity = ?1 AND entity_id = ?2 AND kind = 'set_fields'
             AND json_type(payload, '$.fields.' || json_quote(?3)) IS NOT NULL AND op_id <> ?4",
    )?;
    let rows = stmt.query_map(
        params![
            op.entity.as_str(),
            op.entity_id,
            field,
            op.op_id.to_string()
        ],
        |r| r.get::<_, String>(0),
    )?;
    none_later(rows, &op.hlc)
}

/// True when none of the stored op clocks in `rows` is later than `hlc`.
fn none_later(
    rows: impl Iterator<Item = rusqlite::Result<String>>,
    hlc: &Hlc,
) -> Result<bool, CoreError> {
    for row in rows {
        let stored: Hlc = row?
            .parse()
            .map_err(|_| CoreError::Corrupt("stored op clock".into()))?;
        if stored > *hlc {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether a row with this id exists in `table` (a fixed table name, never input).
pub fn exists(conn: &Connection, table: &'static str, id: &str) -> Result<bool, CoreError> {
    let sql = format!("SELECT 1 FROM {table} WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// This device's own op came back in a pulled page: the server has ordered it,
/// so what it holds (e.g. an appointment's time) is no longer tentative.
pub fn own_op_returned(conn: &Connection, logged: &LoggedOp) -> Result<(), CoreError> {
    schedule::own_returned(conn, logged)
}

/// Applies one op from another device. `Ok` means applied (or already reflected);
/// `Err` holds the op.
pub fn apply_one(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    use OpKind::*;
    let op = inc.op();
    match (op.kind, op.entity) {
        (RegisterPatient, _) => patients::register(conn, inc),
        (SetFields, EntityKind::Patient) => patients::set_fields(conn, inc),
        (SetPatientRestriction, _) => patients::set_restriction(conn, inc),
        (AddCareTeamMember | RemoveCareTeamMember, _) => patients::care_team(conn, inc),
        (MergePatients, _) => patients::merge(conn, inc),
        (ResolveConflict, _) => patients::resolve_conflict(conn, inc),
        (SetNoKnownAllergies, _) => chart::no_known_allergies(conn, inc),
        (CreateClinic, _) => admin::create_clinic(conn, inc),
        (SetFields, EntityKind::Clinic) => admin::clinic_fields(conn, inc),
        (CreateStaff, _) => admin::create_staff(conn, inc),
        (SetFields, EntityKind::Staff) => admin::staff_fields(conn, inc),
        (BreakGlass, _) => admin::break_glass(conn, inc),
        (RevokeBreakGlass, _) => admin::revoke_break_glass(conn, inc),
        (AcknowledgeAlert, _) => admin::acknowledge_alert(conn, inc),
        (CreateNotification, _) => admin::create_notification(conn, inc),
        (MarkNotificationRead, _) => admin::mark_notification_read(conn, inc),
        (AddChartEntry, _) => chart::add_entry(conn, inc),
        (UpdateChartEntry | SetChartEntryStatus, _) => chart::change_entry(conn, inc),
        (CreateEncounter, _) => chart::create_encounter(conn, inc),
        (SetEncounterStatus, _) => chart::encounter_status(conn, inc),
        (CreateNote, _) => chart::create_note(conn, inc),
        (UpdateNoteDraft | SignNote, _) => chart::change_note(conn, inc),
        (RecordObservation, _) => chart::record_observation(conn, inc),
        (SetObservationStatus, _) => chart::observation_status(conn, inc),
        (UploadDocument, _) => chart::upload_document(conn, inc),
        (SetDocumentStatus, _) => chart::document_status(conn, inc),
        (ShareDocument, _) => chart::share_document(conn, inc),
        (SetScheduleSettings, _) => schedule::settings(conn, inc),
        (SaveAppointmentType, _) => schedule::appointment_type(conn, inc),
        (SaveRoom, _) => schedule::room(conn, inc),
        (SetProviderHours, _) => schedule::provider_hours(conn, inc),
        (AddScheduleException, _) => schedule::add_exception(conn, inc),
        (RemoveScheduleException, _) => schedule::remove_exception(conn, inc),
        (BookAppointment, _) => schedule::book(conn, inc),
        (RescheduleAppointment, _) => schedule::reschedule(conn, inc),
        (SetAppointmentStatus, _) => schedule::appointment_status(conn, inc),
        (AddToWaitlist, _) => schedule::add_to_waitlist(conn, inc),
        (SetWaitlistStatus, _) => schedule::waitlist_status(conn, inc),
        (SaveFhirResource, _) => fhir::save_resource(conn, inc),
        (SaveProviderEndpoint, _) => provider::save_endpoint(conn, inc),
        (LinkPatientProvider, _) => provider::link_patient(conn, inc),
        (SaveDocumentRequest, _) => provider::save_document_request(conn, inc),
        (RecordProviderDocument, _) => provider::record_document(conn, inc),
        (SaveBillingSettings, _) => billing::settings(conn, inc),
        (SaveService, _) => billing::service(conn, inc),
        (SaveInvoice, _) => billing::save_invoice(conn, inc),
        (IssueInvoice, _) => billing::issue_invoice(conn, inc),
        (VoidInvoice, _) => billing::void_invoice(conn, inc),
        (RecordPayment, _) => billing::record_payment(conn, inc),
        (UpdatePaymentStatus, _) => billing::update_payment_status(conn, inc),
        (RecordRefund, _) => billing::record_refund(conn, inc),
        (RecordCreditNote, _) => billing::record_credit_note(conn, inc),
        (RecordDayClose, _) => billing::record_day_close(conn, inc),
        (GatewayPaymentEvent, _) => billing::gateway_payment_event(conn, inc),
        (SetFields, other) => Err(CoreError::Corrupt(format!(
            "set_fields on {} is not supported",
            other.as_str()
        ))),
    }
}

//! Intent operations: the unit of change capture. Every domain write appends one
//! `Op` to the device's outbox in the same transaction as the write itself; the
//! sync client (later) pushes them to the server's op log.
use crate::hlc::Hlc;
use crate::ids::OpId;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Version of the op payload schemas this build writes. A server or device that
/// receives an op with a newer version quarantines it instead of guessing.
///
/// Raised with every new op kind (a build that does not know a kind cannot parse
/// the op, so it must see a newer version and quarantine or hold it instead of
/// refusing the whole batch):
/// - 1: the first kinds, up to `save_fhir_resource`;
/// - 2: the primary provider's kinds (`save_provider_endpoint`,
///   `link_patient_provider`, `save_document_request`, `record_provider_document`)
///   and billing's kinds (`save_billing_settings` … `record_day_close`), in the
///   same release;
/// - 3: `gateway_payment_event`, written by the central server from a payment
///   gateway's verified webhook.
pub const SCHEMA_VERSION: u32 = 3;

/// What kind of entity an op targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum EntityKind {
    Patient,
    /// The clinic singleton (name, settings).
    Clinic,
    /// A staff account.
    Staff,
    /// An emergency ("break-glass") access grant to a restricted chart.
    BreakGlassGrant,
    /// The administrators' alert about one break-glass grant.
    BreakGlassAlert,
    /// An allergy, medication, problem or plan in a patient's chart.
    ChartEntry,
    Encounter,
    ClinicalNote,
    Observation,
    /// A staff member's in-app notification.
    Notification,
    Document,
    /// Scheduling configuration: appointment types, rooms, weekly hours, exceptions.
    AppointmentType,
    Room,
    ProviderHours,
    ScheduleException,
    Appointment,
    WaitlistEntry,
    /// A FHIR resource as imported: its identity, what it became here (or that
    /// it is kept as JSON) and its JSON, for matching re-imports and for export.
    FhirResource,
    /// A provider's FHIR endpoint (clinic configuration, never its credentials).
    ProviderEndpoint,
    /// A request for documents sent to a patient's provider.
    DocumentRequest,
    /// The clinic's billing settings (currency, invoice footer).
    BillingSettings,
    /// A service of the fee schedule.
    Service,
    Invoice,
    Payment,
    Refund,
    CreditNote,
    /// One recorded end-of-day close of a desk.
    DayClose,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Patient => "patient",
            EntityKind::Clinic => "clinic",
            EntityKind::Staff => "staff",
            EntityKind::BreakGlassGrant => "break_glass_grant",
            EntityKind::BreakGlassAlert => "break_glass_alert",
            EntityKind::ChartEntry => "chart_entry",
            EntityKind::Encounter => "encounter",
            EntityKind::ClinicalNote => "clinical_note",
            EntityKind::Observation => "observation",
            EntityKind::Notification => "notification",
            EntityKind::Document => "document",
            EntityKind::AppointmentType => "appointment_type",
            EntityKind::Room => "room",
            EntityKind::ProviderHours => "provider_hours",
            EntityKind::ScheduleException => "schedule_exception",
            EntityKind::Appointment => "appointment",
            EntityKind::WaitlistEntry => "waitlist_entry",
            EntityKind::FhirResource => "fhir_resource",
            EntityKind::ProviderEndpoint => "provider_endpoint",
            EntityKind::DocumentRequest => "document_request",
            EntityKind::BillingSettings => "billing_settings",
            EntityKind::Service => "service",
            EntityKind::Invoice => "invoice",
            EntityKind::Payment => "payment",
            EntityKind::Refund => "refund",
            EntityKind::CreditNote => "credit_note",
            EntityKind::DayClose => "day_close",
        }
    }
}

/// The intent of an op. Kinds are named by what the user meant, so the server can
/// apply a conflict policy per kind (DESIGN.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OpKind {
    /// A new patient record with all its registration fields.
    RegisterPatient,
    /// Some fields of an existing entity changed; payload maps field -> new value.
    /// Merged per field, last writer (by HLC) wins.
    SetFields,
    /// The clinic was set up on this device (first run): its name and settings.
    CreateClinic,
    /// A new staff account with all its fields (including the password hash,
    /// never the password).
    CreateStaff,
    /// A patient was marked restricted (with a category) or no longer restricted.
    /// Payload `{restricted, category}`; last writer (by HLC) wins.
    SetPatientRestriction,
    /// A staff member joined a patient's care team. Payload `{staff_id}`; per
    /// (patient, staff) the last add/remove by HLC wins.
    AddCareTeamMember,
    /// A staff member left a patient's care team (a status, not a delete).
    RemoveCareTeamMember,
    /// Emergency access to a restricted chart was granted. Payload: staff, patient,
    /// reason (free text, for administrators to review), granted/expiry times and
    /// the id of the administrators' alert that applying it creates.
    BreakGlass,
    /// A break-glass grant was ended before its expiry.
    RevokeBreakGlass,
    /// An administrator acknowledged a break-glass alert.
    AcknowledgeAlert,
    /// A new chart entry (allergy, medication, problem, plan) with all its fields.
    /// Entries are add-wins: every device keeps every entry.
    AddChartEntry,
    /// A chart entry's details were corrected; payload `{details, version}`.
    UpdateChartEntry,
    /// A chart entry's status changed; payload `{status, reason, version}`.
    SetChartEntryStatus,
    /// A clinician stated the patient has no known allergies.
    SetNoKnownAllergies,
    /// A new encounter with all its fields.
    CreateEncounter,
    /// An encounter's status changed (e.g. finished, entered in error).
    SetEncounterStatus,
    /// A new draft note (an amendment when it names the note it amends).
    CreateNote,
    /// A draft note was saved; payload `{title, content, version}`.
    UpdateNoteDraft,
    /// A note was signed by its author: immutable from now on.
    SignNote,
    /// A new observation (vital sign or result) with all its fields.
    RecordObservation,
    /// An observation was marked entered in error; payload `{reason, version}`.
    SetObservationStatus,
    /// A notification for one staff member was created or read.
    CreateNotification,
    MarkNotificationRead,
    /// A new document with its metadata and content (base64).
    UploadDocument,
    /// A document was marked entered in error.
    SetDocumentStatus,
    /// A document was shared with a staff member.
    ShareDocument,
    /// A duplicate patient was merged into the surviving record (one op for the
    /// whole move; payload `{survivor_id}` on the merged patient's id).
    MergePatients,
    /// The clinic's scheduling settings (time zone, kiosk idle reset, reminders).
    SetScheduleSettings,
    /// An appointment type or room was created or edited (all its fields).
    SaveAppointmentType,
    SaveRoom,
    /// A provider's whole week was replaced; payload `{periods, version}`.
    SetProviderHours,
    /// A leave, holiday or closure was added or removed.
    AddScheduleException,
    RemoveScheduleException,
    /// An appointment was booked (with all its fields). Offline it is tentative:
    /// the server decides, and an overlap becomes `needs_reschedule`.
    BookAppointment,
    /// An appointment moved (time, provider, room); payload has the new fields.
    RescheduleAppointment,
    /// An appointment's status changed (confirm, check in, no-show, cancel with reason, …).
    SetAppointmentStatus,
    /// A patient joined or left the waitlist.
    AddToWaitlist,
    SetWaitlistStatus,
    /// Staff resolved a sync conflict on a patient: payload `{conflict_id,
    /// resolution, field?, value?}` (an identity field set to the chosen value, or
    /// a possible duplicate dismissed). Every device closes the same conflict.
    ResolveConflict,
    /// A FHIR resource was imported (or imported again): payload `{patient_id,
    /// resource_type, fhir, entity, entity_ids, keys, value, reason, resource}`,
    /// the whole link; last writer (by HLC) wins.
    SaveFhirResource,
    /// A provider endpoint was created or changed: payload `{name, base_url,
    /// auth, client_id, token_url, scope, refresh_minutes, send_demographics,
    /// clinic_default}`, the whole row without credentials; last writer (by
    /// HLC) wins.
    SaveProviderEndpoint,
    /// A patient was linked to their primary provider (on the patient's id):
    /// payload `{provider_id, remote_patient_id, identifier}`, the whole link;
    /// last writer (by HLC) wins.
    LinkPatientProvider,
    /// A request for documents was made or moved on: payload `{patient_id,
    /// provider_id, description, document_type, status, remote_task_id,
    /// requested_by, requested_by_name, requested_at}`, the whole row; last
    /// writer (by HLC) wins.
    SaveDocumentRequest,
    /// A document pulled from a provider (on the document's id): payload
    /// `{patient_id, provider_id, pulled_at}`; the first record is kept.
    RecordProviderDocument,
    /// The clinic's billing settings: payload `{currency, invoice_footer}`, the
    /// whole row; last writer (by HLC) wins.
    SaveBillingSettings,
    /// A service of the fee schedule was created or edited: payload `{code,
    /// name, price_minor, currency, tax, appointment_type_id, active}`, the
    /// whole row; last writer (by HLC) wins.
    SaveService,
    /// A draft invoice was created or edited: payload `{patient_id,
    /// appointment_id, encounter_id, currency, discount, note, lines}`, the
    /// whole draft with its computed lines; last writer (by HLC) wins while
    /// the invoice is a draft, ignored once it is issued.
    SaveInvoice,
    /// A draft was issued: payload `{number, issued_at, discount, lines, …}`,
    /// the frozen lines; the earliest issue (by HLC) of an invoice wins.
    IssueInvoice,
    /// An invoice was voided: payload `{reason, voided_at}`; void is final.
    VoidInvoice,
    /// A payment (pending card payment or money received): payload `{invoice_id,
    /// patient_id, method, status, amount_minor, currency, …}`; a fact,
    /// inserted once.
    RecordPayment,
    /// A card payment moved on: payload `{status, gateway_ref, checkout_url,
    /// failure_reason, receipt_number, at}`; statuses only move forward
    /// (pending → failed → succeeded), whatever the arrival order.
    UpdatePaymentStatus,
    /// Money given back against a payment: a fact, inserted once.
    RecordRefund,
    /// A credit note against an issued invoice, with its lines: a fact,
    /// inserted once.
    RecordCreditNote,
    /// A desk's end-of-day close (a version per recount): a fact, inserted once.
    RecordDayClose,
    /// What a payment gateway's verified webhook said about a card payment:
    /// payload [`crate::GatewayPaymentEvent`]. Only the central server writes it
    /// (under the clinic's gateway device, [`crate::gateway_device_id`]); pushes
    /// of it from devices are refused.
    GatewayPaymentEvent,
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::RegisterPatient => "register_patient",
            OpKind::SetFields => "set_fields",
            OpKind::CreateClinic => "create_clinic",
            OpKind::CreateStaff => "create_staff",
            OpKind::SetPatientRestriction => "set_patient_restriction",
            OpKind::AddCareTeamMember => "add_care_team_member",
            OpKind::RemoveCareTeamMember => "remove_care_team_member",
            OpKind::BreakGlass => "break_glass",
            OpKind::RevokeBreakGlass => "revoke_break_glass",
            OpKind::AcknowledgeAlert => "acknowledge_alert",
            OpKind::AddChartEntry => "add_chart_entry",
            OpKind::UpdateChartEntry => "update_chart_entry",
            OpKind::SetChartEntryStatus => "set_chart_entry_status",
            OpKind::SetNoKnownAllergies => "set_no_known_allergies",
            OpKind::CreateEncounter => "create_encounter",
            OpKind::SetEncounterStatus => "set_encounter_status",
            OpKind::CreateNote => "create_note",
            OpKind::UpdateNoteDraft => "update_note_draft",
            OpKind::SignNote => "sign_note",
            OpKind::RecordObservation => "record_observation",
            OpKind::SetObservationStatus => "set_observation_status",
            OpKind::CreateNotification => "create_notification",
            OpKind::MarkNotificationRead => "mark_notification_read",
            OpKind::UploadDocument => "upload_document",
            OpKind::SetDocumentStatus => "set_document_status",
            OpKind::ShareDocument => "share_document",
            OpKind::MergePatients => "merge_patients",
            OpKind::SetScheduleSettings => "set_schedule_settings",
            OpKind::SaveAppointmentType => "save_appointment_type",
            OpKind::SaveRoom => "save_room",
            OpKind::SetProviderHours => "set_provider_hours",
            OpKind::AddScheduleException => "add_schedule_exception",
            OpKind::RemoveScheduleException => "remove_schedule_exception",
            OpKind::BookAppointment => "book_appointment",
            OpKind::RescheduleAppointment => "reschedule_appointment",
            OpKind::SetAppointmentStatus => "set_appointment_status",
            OpKind::AddToWaitlist => "add_to_waitlist",
            OpKind::SetWaitlistStatus => "set_waitlist_status",
            OpKind::ResolveConflict => "resolve_conflict",
            OpKind::SaveFhirResource => "save_fhir_resource",
            OpKind::SaveProviderEndpoint => "save_provider_endpoint",
            OpKind::LinkPatientProvider => "link_patient_provider",
            OpKind::SaveDocumentRequest => "save_document_request",
            OpKind::RecordProviderDocument => "record_provider_document",
            OpKind::SaveBillingSettings => "save_billing_settings",
            OpKind::SaveService => "save_service",
            OpKind::SaveInvoice => "save_invoice",
            OpKind::IssueInvoice => "issue_invoice",
            OpKind::VoidInvoice => "void_invoice",
            OpKind::RecordPayment => "record_payment",
            OpKind::UpdatePaymentStatus => "update_payment_status",
            OpKind::RecordRefund => "record_refund",
            OpKind::RecordCreditNote => "record_credit_note",
            OpKind::RecordDayClose => "record_day_close",
            OpKind::GatewayPaymentEvent => "gateway_payment_event",
        }
    }
}

/// One captured intent. Do not reorder/rename fields: ops are hashed when anchored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Op {
    pub op_id: OpId,
    /// Strictly increasing per device, gap-free: lets the server see missing ops.
    #[ts(type = "number")]
    pub device_counter: u64,
    pub hlc: Hlc,
    pub kind: OpKind,
    pub entity: EntityKind,
    /// The id of the targeted entity (a UUID string).
    pub entity_id: String,
    pub payload: serde_json::Value,
    pub schema_version: u32,
}

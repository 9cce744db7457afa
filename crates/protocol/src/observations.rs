//! Observations (vital signs and test results), their trends, and the staff
//! notification inbox: wire types.
//!
//! Invariants: a value is never changed once recorded (a correction is a new
//! observation; the wrong one is marked entered-in-error with a reason). Codes
//! come from a closed catalogue with their LOINC codes (FHIR Observation.code) and
//! one canonical unit each, so trends compare like with like.
use crate::ids::{EncounterId, ObservationId, PatientId};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

text_enum!(
    /// FHIR Observation.category.
    ObservationCategory {
        VitalSigns => "vital_signs",
        Laboratory => "laboratory",
    }
);

text_enum!(
    /// Where a value stands against its reference and critical ranges.
    AbnormalFlag {
        Normal => "normal",
        Low => "low",
        High => "high",
        CriticalLow => "critical_low",
        CriticalHigh => "critical_high",
    }
);

text_enum!(
    ObservationStatus {
        Final => "final",
        /// Recorded by mistake: kept, left out of trends.
        EnteredInError => "entered_in_error",
    }
);

/// One code of the catalogue, for the UI's pickers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ObservationCode {
    pub code: String,
    pub display: String,
    pub loinc: String,
    pub category: ObservationCategory,
    /// The canonical unit values are stored and charted in.
    pub unit: String,
    /// Units accepted on entry (converted to `unit`).
    pub accepted_units: Vec<String>,
    pub ref_low: Option<f64>,
    pub ref_high: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Observation {
    pub id: ObservationId,
    pub patient_id: PatientId,
    pub encounter_id: Option<EncounterId>,
    pub category: ObservationCategory,
    pub code: String,
    pub display: String,
    pub loinc: String,
    /// In the catalogue's unit.
    pub value: f64,
    pub unit: String,
    /// As typed, before conversion.
    pub entered_value: f64,
    pub entered_unit: String,
    pub ref_low: Option<f64>,
    pub ref_high: Option<f64>,
    pub flag: AbnormalFlag,
    /// RFC 3339 UTC: when it was measured or collected.
    pub effective_at: String,
    pub source: String,
    pub status: ObservationStatus,
    pub status_reason: String,
    pub recorded_by: String,
    #[ts(type = "number")]
    pub version: i64,
}

/// One value to record. `value` is the text typed (a decimal number; a comma as
/// the decimal separator is accepted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NewObservation {
    pub code: String,
    pub value: String,
    pub unit: String,
    /// RFC 3339 or `YYYY-MM-DD`; empty means now.
    #[serde(default)]
    pub effective_at: String,
    #[serde(default)]
    pub source: String,
}

/// Records several values at once (e.g. a set of vitals, a lab panel): all or
/// nothing. Field errors are named `observations.<i>.<field>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RecordObservations {
    pub patient_id: PatientId,
    #[serde(default)]
    pub encounter_id: Option<EncounterId>,
    pub observations: Vec<NewObservation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ListObservations {
    pub patient_id: PatientId,
    /// Only this code; all codes when absent.
    #[serde(default)]
    pub code: Option<String>,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ObservationPage {
    pub items: Vec<Observation>,
    pub page: u32,
    pub page_size: u32,
    pub has_more: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TrendQuery {
    pub patient_id: PatientId,
    pub code: String,
    /// `YYYY-MM-DD` bounds (inclusive), optional.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TrendPoint {
    pub id: ObservationId,
    pub effective_at: String,
    pub value: f64,
    pub flag: AbnormalFlag,
}

/// One code's values over time (oldest first; entered-in-error left out).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ObservationTrend {
    pub code: ObservationCode,
    pub points: Vec<TrendPoint>,
    /// More points exist than the most recent ones returned.
    pub truncated: bool,
}

/// For the chart summary: the latest value of each vital sign and the most
/// recent laboratory results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ObservationSummary {
    pub latest_vitals: Vec<Observation>,
    pub recent_results: Vec<Observation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SetObservationEnteredInError {
    pub id: ObservationId,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub reason: String,
}

text_enum!(
    NotificationKind {
        /// New results were recorded for a patient of this doctor.
        NewResult => "new_result",
        /// A colleague shared a document with this member.
        DocumentShared => "document_shared",
        /// A patient checked in for this provider's appointment (kiosk or front desk).
        PatientArrived => "patient_arrived",
        /// Someone else booked, moved or cancelled an appointment on this provider's calendar.
        ScheduleChanged => "schedule_changed",
        /// A cancellation freed time that suits patients on the waitlist (front desk).
        SlotFreed => "slot_freed",
        /// A pull from the patient's primary provider brought new documents or
        /// results, or changed allergies, medications or problems.
        ProviderRecordsChanged => "provider_records_changed",
        /// A request for documents was completed or refused by the provider.
        ProviderRequestUpdated => "provider_request_updated",
        /// Demographics sent back to the provider were accepted or refused.
        ProviderDemographicsSent => "provider_demographics_sent",
    }
);

/// One in-app notification for the signed-in staff member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Notification {
    #[ts(type = "string")]
    pub id: uuid::Uuid,
    pub kind: NotificationKind,
    pub patient_id: Option<PatientId>,
    /// The patient's MRN (not the name).
    pub patient_mrn: String,
    /// Ids and counts only, e.g. `{"observations": 2, "abnormal": 1}`.
    pub detail: serde_json::Value,
    pub created_at: String,
    pub read_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MarkNotificationRead {
    #[ts(type = "string")]
    pub id: uuid::Uuid,
}

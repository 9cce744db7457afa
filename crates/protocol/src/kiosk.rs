//! Kiosk self check-in wire types: what a patient types at the kiosk and the
//! little the kiosk shows back.
//!
//! Invariants: an identification that fails for any reason (no such patient, no
//! appointment today, wrong code) gets the same answer, so the kiosk never
//! reveals whether someone is a patient; a visit token names one appointment
//! today and expires with the kiosk's idle reset; nothing here carries clinical
//! data.
use crate::patient::{Address, Insurance};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The patient's second factor besides name and date of birth.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[ts(export)]
pub enum KioskFactor {
    /// The code on the appointment confirmation.
    AppointmentCode(String),
    /// The last 4 digits of the phone number on record.
    PhoneLastDigits(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KioskIdentify {
    pub family_name: String,
    pub date_of_birth: String,
    pub factor: KioskFactor,
}

/// The details a patient may confirm or correct at the kiosk.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KioskDetails {
    pub phone: String,
    pub email: String,
    pub address: Address,
    pub insurance: Option<Insurance>,
}

/// A patient identified at the kiosk with their appointment today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KioskVisit {
    /// Opaque; valid until the kiosk resets (idle) or the visit ends.
    pub token: String,
    /// For the greeting only.
    pub given_name: String,
    /// Clinic time `HH:MM`.
    pub appointment_time: String,
    pub provider_name: String,
    pub already_checked_in: bool,
    pub details: KioskDetails,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KioskUpdateDetails {
    pub token: String,
    pub details: KioskDetails,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KioskToken {
    pub token: String,
}

/// What the kiosk window needs to run: the clinic's name and its idle reset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KioskStatus {
    pub clinic_name: String,
    pub idle_seconds: u32,
}

//! Identifier newtypes. Every id is a UUIDv7 (time-ordered), created on the device
//! that first wrote the entity, so offline devices never collide.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use ts_rs::TS;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
        #[serde(transparent)]
        #[ts(export, type = "string")]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh UUIDv7.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A patient record.
    PatientId
);
uuid_id!(
    /// One intent operation in the outbox / op log.
    OpId
);
uuid_id!(
    /// One enrolled device (desktop install or kiosk).
    DeviceId
);
uuid_id!(
    /// One staff account (a person who signs in).
    StaffId
);
uuid_id!(
    /// The clinic this device belongs to (one per database).
    ClinicId
);
uuid_id!(
    /// One allergy, medication, problem or plan in a chart.
    ChartEntryId
);
uuid_id!(
    /// One encounter (visit or other contact).
    EncounterId
);
uuid_id!(
    /// One clinical note (original or amendment).
    NoteId
);
uuid_id!(
    /// One observation (vital sign or test result).
    ObservationId
);
uuid_id!(
    /// One patient document.
    DocumentId
);
uuid_id!(
    /// One kind of appointment (name, duration, colour).
    AppointmentTypeId
);
uuid_id!(
    /// One consultation room.
    RoomId
);
uuid_id!(
    /// One appointment.
    AppointmentId
);
uuid_id!(
    /// The appointments booked together as one recurring series.
    AppointmentSeriesId
);
uuid_id!(
    /// One leave, holiday or other closure.
    ScheduleExceptionId
);
uuid_id!(
    /// One patient waiting for an earlier or any slot.
    WaitlistEntryId
);

//! Wire types: everything that crosses a process boundary (UI <-> shell, and later
//! device <-> sync server). No database or HTTP dependencies live here.
//!
//! TypeScript mirrors of these types are generated with ts-rs into
//! `ui/src/bindings/` (`cargo test -p clinic-protocol`), committed, and checked
//! for drift by CI.
#![forbid(unsafe_code)]

#[macro_use]
mod macros;

pub mod audit;
pub mod billing;
pub mod chart;
pub mod dashboards;
pub mod device_sync;
pub mod documents;
pub mod error;
pub mod hlc;
pub mod ids;
pub mod interop;
pub mod kiosk;
pub mod notes;
pub mod observations;
pub mod op;
pub mod patient;
pub mod provider;
pub mod restricted;
pub mod schedule;
pub mod staff;
pub mod sync;

pub use audit::*;
pub use billing::*;
pub use chart::*;
pub use dashboards::*;
pub use device_sync::*;
pub use documents::*;
pub use error::{ErrorCode, FieldError, UiError};
pub use hlc::Hlc;
pub use ids::{
    AppointmentId, AppointmentSeriesId, AppointmentTypeId, ChartEntryId, ClinicId, DeviceId,
    DocumentId, EncounterId, NoteId, ObservationId, OpId, PatientId, RoomId, ScheduleExceptionId,
    StaffId, WaitlistEntryId,
};
pub use interop::*;
pub use kiosk::*;
pub use notes::*;
pub use observations::*;
pub use op::{EntityKind, Op, OpKind, SCHEMA_VERSION};
pub use patient::*;
pub use provider::*;
pub use restricted::*;
pub use schedule::*;
pub use staff::*;
pub use sync::{
    ApiError, ApiErrorCode, AuditUpload, AuditUploadEntry, EnrollRequest, EnrollResponse,
    HealthResponse, LoggedOp, PullResponse, PushOutcome, PushRequest, PushResponse, PushResult,
    QuarantineReason,
};

//! Scheduling for staff: settings and configuration (time zone, appointment
//! types, rooms, weekly hours, leave and closures), free slots, booking and the
//! appointment's life, calendars, a patient's appointments, the waitlist,
//! reassigning an absent provider's day and the reminder queue. Rules, checks
//! and audit entries are in `clinic_core::schedule`.
use crate::AppState;
use chrono::Utc;
use clinic_core::authz::Command;
use clinic_core::schedule::{
    appointments, booking, config, reassign, reminders, slots, time, waitlist,
};
use clinic_protocol::{
    AddScheduleException, AddToWaitlist, Appointment, AppointmentType, BookAppointment, Calendar,
    CalendarQuery, CancelAppointment, CancelOutcome, FindSlots, PatientAppointments, PatientId,
    Provider, ProviderHours, ReassignDay, ReassignOutcome, Reminder, RemoveFromWaitlist,
    RemoveScheduleException, RescheduleAppointment, Room, SaveAppointmentType, SaveRoom,
    ScheduleException, ScheduleSettings, SetAppointmentStatus, SetProviderHours, Slot, StaffId,
    UiError, WaitlistEntry,
};
use tauri::State;

#[tauri::command]
pub async fn get_schedule_settings(
    state: State<'_, AppState>,
) -> Result<ScheduleSettings, UiError> {
    state.run(Command::GetScheduleSettings, |s, _| {
        config::settings(s.conn())
    })
}

#[tauri::command]
pub async fn set_schedule_settings(
    state: State<'_, AppState>,
    settings: ScheduleSettings,
) -> Result<ScheduleSettings, UiError> {
    state.run(Command::SetScheduleSettings, |s, caller| {
        config::set_settings(s, caller, settings)
    })
}

#[tauri::command]
pub async fn list_time_zones(state: State<'_, AppState>) -> Result<Vec<String>, UiError> {
    state.run(Command::ListTimeZones, |_, _| Ok(time::zone_names()))
}

#[tauri::command]
pub async fn list_appointment_types(
    state: State<'_, AppState>,
    include_inactive: bool,
) -> Result<Vec<AppointmentType>, UiError> {
    state.run(Command::ListAppointmentTypes, |s, _| {
        config::appointment_types(s.conn(), include_inactive)
    })
}

#[tauri::command]
pub async fn save_appointment_type(
    state: State<'_, AppState>,
    request: SaveAppointmentType,
) -> Result<AppointmentType, UiError> {
    state.run(Command::SaveAppointmentType, |s, caller| {
        config::save_appointment_type(s, caller, request)
    })
}

#[tauri::command]
pub async fn list_rooms(
    state: State<'_, AppState>,
    include_inactive: bool,
) -> Result<Vec<Room>, UiError> {
    state.run(Command::ListRooms, |s, _| {
        config::rooms(s.conn(), include_inactive)
    })
}

#[tauri::command]
pub async fn save_room(state: State<'_, AppState>, request: SaveRoom) -> Result<Room, UiError> {
    state.run(Command::SaveRoom, |s, caller| {
        config::save_room(s, caller, request)
    })
}

#[tauri::command]
pub async fn list_providers(state: State<'_, AppState>) -> Result<Vec<Provider>, UiError> {
    state.run(Command::ListProviders, |s, _| config::providers(s.conn()))
}

#[tauri::command]
pub async fn get_provider_hours(
    state: State<'_, AppState>,
    provider_id: StaffId,
) -> Result<ProviderHours, UiError> {
    state.run(Command::GetProviderHours, |s, _| {
        config::hours(s.conn(), provider_id)
    })
}

#[tauri::command]
pub async fn set_provider_hours(
    state: State<'_, AppState>,
    request: SetProviderHours,
) -> Result<ProviderHours, UiError> {
    state.run(Command::SetProviderHours, |s, caller| {
        config::set_hours(s, caller, request)
    })
}

#[tauri::command]
pub async fn list_schedule_exceptions(
    state: State<'_, AppState>,
    from: String,
    to: String,
) -> Result<Vec<ScheduleException>, UiError> {
    state.run(Command::ListScheduleExceptions, |s, _| {
        config::list_exceptions(s.conn(), &from, &to)
    })
}

#[tauri::command]
pub async fn add_schedule_exception(
    state: State<'_, AppState>,
    request: AddScheduleException,
) -> Result<ScheduleException, UiError> {
    state.run(Command::AddScheduleException, |s, caller| {
        config::add_exception(s, caller, request)
    })
}

#[tauri::command]
pub async fn remove_schedule_exception(
    state: State<'_, AppState>,
    request: RemoveScheduleException,
) -> Result<(), UiError> {
    state.run(Command::RemoveScheduleException, |s, caller| {
        config::remove_exception(s, caller, request)
    })
}

#[tauri::command]
pub async fn find_slots(
    state: State<'_, AppState>,
    request: FindSlots,
) -> Result<Vec<Slot>, UiError> {
    state.run(Command::FindSlots, |s, _| {
        slots::find_slots(s.conn(), Utc::now(), &request)
    })
}

#[tauri::command]
pub async fn book_appointment(
    state: State<'_, AppState>,
    request: BookAppointment,
) -> Result<Vec<Appointment>, UiError> {
    state.run(Command::BookAppointment, |s, caller| {
        booking::book(s, caller, request, Utc::now())
    })
}

#[tauri::command]
pub async fn reschedule_appointment(
    state: State<'_, AppState>,
    request: RescheduleAppointment,
) -> Result<Appointment, UiError> {
    state.run(Command::RescheduleAppointment, |s, caller| {
        booking::reschedule(s, caller, request, Utc::now())
    })
}

#[tauri::command]
pub async fn cancel_appointment(
    state: State<'_, AppState>,
    request: CancelAppointment,
) -> Result<CancelOutcome, UiError> {
    state.run(Command::CancelAppointment, |s, caller| {
        booking::cancel(s, caller, request, Utc::now())
    })
}

#[tauri::command]
pub async fn set_appointment_status(
    state: State<'_, AppState>,
    request: SetAppointmentStatus,
) -> Result<Appointment, UiError> {
    state.run(Command::SetAppointmentStatus, |s, caller| {
        booking::set_status(s, caller, request, Utc::now())
    })
}

#[tauri::command]
pub async fn get_calendar(
    state: State<'_, AppState>,
    query: CalendarQuery,
) -> Result<Calendar, UiError> {
    state.run(Command::GetCalendar, |s, caller| {
        appointments::calendar(s, caller, query, Utc::now())
    })
}

#[tauri::command]
pub async fn get_patient_appointments(
    state: State<'_, AppState>,
    patient_id: PatientId,
) -> Result<PatientAppointments, UiError> {
    state.run(Command::GetPatientAppointments, |s, caller| {
        appointments::for_patient(s, caller, patient_id, Utc::now())
    })
}

#[tauri::command]
pub async fn list_waitlist(state: State<'_, AppState>) -> Result<Vec<WaitlistEntry>, UiError> {
    state.run(Command::ListWaitlist, |s, caller| {
        waitlist::list(s, caller, Utc::now())
    })
}

#[tauri::command]
pub async fn add_to_waitlist(
    state: State<'_, AppState>,
    request: AddToWaitlist,
) -> Result<WaitlistEntry, UiError> {
    state.run(Command::AddToWaitlist, |s, caller| {
        waitlist::add(s, caller, request, Utc::now())
    })
}

#[tauri::command]
pub async fn remove_from_waitlist(
    state: State<'_, AppState>,
    request: RemoveFromWaitlist,
) -> Result<(), UiError> {
    state.run(Command::RemoveFromWaitlist, |s, caller| {
        waitlist::remove(s, caller, request)
    })
}

#[tauri::command]
pub async fn reassign_day(
    state: State<'_, AppState>,
    request: ReassignDay,
) -> Result<ReassignOutcome, UiError> {
    state.run(Command::ReassignDay, |s, caller| {
        reassign::reassign_day(s, caller, request, Utc::now())
    })
}

#[tauri::command]
pub async fn list_reminders(state: State<'_, AppState>) -> Result<Vec<Reminder>, UiError> {
    state.run(Command::ListReminders, |s, _| reminders::queued(s.conn()))
}

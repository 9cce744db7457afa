// The only place scheduling talks to the Tauri shell: settings, appointment types,
// rooms, providers' hours and exceptions, free slots, booking and the appointment's
// life (reschedule, cancel, statuses), calendars, a patient's appointments, the
// waitlist, reassigning an absent provider's day, the reminder queue and the kiosk
// window. Each function is one command; a failure rejects with whatever the shell
// sent (normalize with `toUiError`). Arg keys are camelCase (Tauri renames Rust's).
import { invoke } from "@tauri-apps/api/core";
import type { AddScheduleException } from "../../bindings/AddScheduleException";
import type { AddToWaitlist } from "../../bindings/AddToWaitlist";
import type { Appointment } from "../../bindings/Appointment";
import type { AppointmentType } from "../../bindings/AppointmentType";
import type { BookAppointment } from "../../bindings/BookAppointment";
import type { Calendar } from "../../bindings/Calendar";
import type { CalendarQuery } from "../../bindings/CalendarQuery";
import type { CancelAppointment } from "../../bindings/CancelAppointment";
import type { CancelOutcome } from "../../bindings/CancelOutcome";
import type { FindSlots } from "../../bindings/FindSlots";
import type { PatientAppointments } from "../../bindings/PatientAppointments";
import type { PatientId } from "../../bindings/PatientId";
import type { Provider } from "../../bindings/Provider";
import type { ProviderHours } from "../../bindings/ProviderHours";
import type { ReassignDay } from "../../bindings/ReassignDay";
import type { ReassignOutcome } from "../../bindings/ReassignOutcome";
import type { Reminder } from "../../bindings/Reminder";
import type { RemoveFromWaitlist } from "../../bindings/RemoveFromWaitlist";
import type { RemoveScheduleException } from "../../bindings/RemoveScheduleException";
import type { RescheduleAppointment } from "../../bindings/RescheduleAppointment";
import type { Room } from "../../bindings/Room";
import type { SaveAppointmentType } from "../../bindings/SaveAppointmentType";
import type { SaveRoom } from "../../bindings/SaveRoom";
import type { ScheduleException } from "../../bindings/ScheduleException";
import type { ScheduleSettings } from "../../bindings/ScheduleSettings";
import type { SetAppointmentStatus } from "../../bindings/SetAppointmentStatus";
import type { SetProviderHours } from "../../bindings/SetProviderHours";
import type { Slot } from "../../bindings/Slot";
import type { StaffId } from "../../bindings/StaffId";
import type { WaitlistEntry } from "../../bindings/WaitlistEntry";

// Settings and configuration -------------------------------------------------

export const getScheduleSettings = (): Promise<ScheduleSettings> =>
  invoke<ScheduleSettings>("get_schedule_settings");

export const setScheduleSettings = (settings: ScheduleSettings): Promise<ScheduleSettings> =>
  invoke<ScheduleSettings>("set_schedule_settings", { settings });

/** IANA time zone names, sorted. */
export const listTimeZones = (): Promise<string[]> => invoke<string[]>("list_time_zones");

export const listAppointmentTypes = (includeInactive: boolean): Promise<AppointmentType[]> =>
  invoke<AppointmentType[]>("list_appointment_types", { includeInactive });

export const saveAppointmentType = (request: SaveAppointmentType): Promise<AppointmentType> =>
  invoke<AppointmentType>("save_appointment_type", { request });

export const listRooms = (includeInactive: boolean): Promise<Room[]> =>
  invoke<Room[]>("list_rooms", { includeInactive });

export const saveRoom = (request: SaveRoom): Promise<Room> => invoke<Room>("save_room", { request });

/** Bookable staff (doctors and nurses), enabled ones only. */
export const listProviders = (): Promise<Provider[]> => invoke<Provider[]>("list_providers");

export const getProviderHours = (providerId: StaffId): Promise<ProviderHours> =>
  invoke<ProviderHours>("get_provider_hours", { providerId });

export const setProviderHours = (request: SetProviderHours): Promise<ProviderHours> =>
  invoke<ProviderHours>("set_provider_hours", { request });

/** Exceptions overlapping the clinic dates `from`..=`to` (`YYYY-MM-DD`). */
export const listScheduleExceptions = (from: string, to: string): Promise<ScheduleException[]> =>
  invoke<ScheduleException[]>("list_schedule_exceptions", { from, to });

export const addScheduleException = (request: AddScheduleException): Promise<ScheduleException> =>
  invoke<ScheduleException>("add_schedule_exception", { request });

export const removeScheduleException = (request: RemoveScheduleException): Promise<null> =>
  invoke<null>("remove_schedule_exception", { request });

// Booking and the appointment's life -------------------------------------------

export const findSlots = (request: FindSlots): Promise<Slot[]> => invoke<Slot[]>("find_slots", { request });

/** Returns every appointment booked (several for a recurring series), first one first. */
export const bookAppointment = (request: BookAppointment): Promise<Appointment[]> =>
  invoke<Appointment[]>("book_appointment", { request });

export const rescheduleAppointment = (request: RescheduleAppointment): Promise<Appointment> =>
  invoke<Appointment>("reschedule_appointment", { request });

export const cancelAppointment = (request: CancelAppointment): Promise<CancelOutcome> =>
  invoke<CancelOutcome>("cancel_appointment", { request });

export const setAppointmentStatus = (request: SetAppointmentStatus): Promise<Appointment> =>
  invoke<Appointment>("set_appointment_status", { request });

export const getCalendar = (query: CalendarQuery): Promise<Calendar> => invoke<Calendar>("get_calendar", { query });

export const getPatientAppointments = (patientId: PatientId): Promise<PatientAppointments> =>
  invoke<PatientAppointments>("get_patient_appointments", { patientId });

// Waitlist, reassignment, reminders --------------------------------------------

export const listWaitlist = (): Promise<WaitlistEntry[]> => invoke<WaitlistEntry[]>("list_waitlist");

export const addToWaitlist = (request: AddToWaitlist): Promise<WaitlistEntry> =>
  invoke<WaitlistEntry>("add_to_waitlist", { request });

export const removeFromWaitlist = (request: RemoveFromWaitlist): Promise<null> =>
  invoke<null>("remove_from_waitlist", { request });

export const reassignDay = (request: ReassignDay): Promise<ReassignOutcome> =>
  invoke<ReassignOutcome>("reassign_day", { request });

/** Queued reminders, soonest due first. */
export const listReminders = (): Promise<Reminder[]> => invoke<Reminder[]>("list_reminders");

// The kiosk window (opened and closed from the front desk) ----------------------

export const openKiosk = (): Promise<null> => invoke<null>("open_kiosk");

export const closeKiosk = (): Promise<null> => invoke<null>("close_kiosk");

export const scheduleKeys = {
  all: ["schedule"] as const,
  settings: ["schedule", "settings"] as const,
  types: (includeInactive: boolean) => ["schedule", "types", includeInactive] as const,
  rooms: (includeInactive: boolean) => ["schedule", "rooms", includeInactive] as const,
  providers: ["schedule", "providers"] as const,
  hours: (providerId: StaffId) => ["schedule", "hours", providerId] as const,
  exceptions: (from: string, to: string) => ["schedule", "exceptions", from, to] as const,
  calendar: (query: CalendarQuery) => ["schedule", "calendar", query] as const,
  patient: (patientId: PatientId) => ["schedule", "patient", patientId] as const,
  waitlist: ["schedule", "waitlist"] as const,
  reminders: ["schedule", "reminders"] as const,
};

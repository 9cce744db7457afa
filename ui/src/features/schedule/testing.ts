// Test fixtures for scheduling (used by tests only): two providers, appointment types,
// rooms, appointments, a provider's day (working 09:00–12:00 and 13:00–17:00 on Monday
// 5 January 2026 in London, which is UTC in winter), slots, patients, and the commands
// the schedule screens call answered with these.
import type { Appointment } from "../../bindings/Appointment";
import type { AppointmentType } from "../../bindings/AppointmentType";
import type { Calendar } from "../../bindings/Calendar";
import type { PatientSummary } from "../../bindings/PatientSummary";
import type { Provider } from "../../bindings/Provider";
import type { ProviderCalendar } from "../../bindings/ProviderCalendar";
import type { Room } from "../../bindings/Room";
import type { Slot } from "../../bindings/Slot";
import type { WaitlistEntry } from "../../bindings/WaitlistEntry";
import type { Handlers } from "../../test/render";

export const TZ = "Europe/London";
/** A Monday. */
export const DATE = "2026-01-05";
export const at = (time: string, date = DATE) => `${date}T${time}:00Z`;

export const DOCTOR: Provider = { id: "prov-doc", display_name: "Dr Grace Hopper", role: "doctor", has_hours: true };
export const NURSE: Provider = { id: "prov-nurse", display_name: "Nurse Joy", role: "nurse", has_hours: true };
export const PROVIDERS = [DOCTOR, NURSE];

export const CONSULT: AppointmentType = {
  id: "type-consult",
  name: "Consultation",
  duration_minutes: 30,
  colour: "#1971c2",
  active: true,
  version: 1,
};
export const FOLLOW_UP: AppointmentType = { ...CONSULT, id: "type-follow", name: "Follow-up", duration_minutes: 15, colour: "#2f9e44" };
export const TYPES = [CONSULT, FOLLOW_UP];
export const ROOMS: Room[] = [{ id: "room-1", name: "Room 1", active: true, version: 1 }];

let seq = 0;
export const appointment = (over: Partial<Appointment> = {}): Appointment => ({
  id: `appt-${++seq}`,
  patient_id: "pat-ada",
  patient_name: "Lovelace, Ada",
  patient_mrn: "MRN-000123",
  provider_id: DOCTOR.id,
  provider_name: DOCTOR.display_name,
  appointment_type_id: CONSULT.id,
  type_name: CONSULT.name,
  colour: CONSULT.colour,
  room_id: null,
  room_name: "",
  starts_at: at("09:30"),
  ends_at: at("10:00"),
  status: "booked",
  tentative: false,
  series_id: null,
  check_in_code: "K7Q2",
  note: "",
  cancel_reason: "",
  checked_in_at: null,
  version: 1,
  ...over,
});

export const providerDay = (provider: Provider, over: Partial<ProviderCalendar> = {}, date = DATE): ProviderCalendar => ({
  provider,
  working: [
    { starts_at: at("09:00", date), ends_at: at("12:00", date) },
    { starts_at: at("13:00", date), ends_at: at("17:00", date) },
  ],
  exceptions: [],
  appointments: [],
  ...over,
});

export const calendarOf = (providers: ProviderCalendar[], dates = [DATE]): Calendar => ({
  time_zone: TZ,
  dates,
  starts_at: `${dates[0]}T00:00:00Z`,
  ends_at: `${dates[dates.length - 1]}T23:59:59Z`,
  providers,
});

export const slot = (time: string, over: Partial<Slot> = {}, date = "2026-01-06"): Slot => ({
  provider_id: DOCTOR.id,
  provider_name: DOCTOR.display_name,
  room_id: null,
  starts_at: at(time, date),
  ends_at: new Date(Date.parse(at(time, date)) + 30 * 60_000).toISOString().replace(".000Z", "Z"),
  local_date: date,
  local_time: time,
  ...over,
});

export const ADA: PatientSummary = {
  id: "pat-ada",
  mrn: "MRN-000123",
  given_name: "Ada",
  middle_name: "",
  family_name: "Lovelace",
  date_of_birth: "1990-12-10",
  sex: "female",
  phone: "",
  restricted: false,
};
export const HIDDEN: PatientSummary = {
  ...ADA,
  id: "pat-hidden",
  mrn: "MRN-000999",
  given_name: "",
  family_name: "",
  date_of_birth: "",
  sex: null,
  restricted: true,
};

export const waitlistEntry = (over: Partial<WaitlistEntry> = {}): WaitlistEntry => ({
  id: "wait-1",
  patient_id: "pat-babbage",
  patient_name: "Babbage, Charles",
  patient_mrn: "MRN-000200",
  provider_id: null,
  provider_name: "",
  appointment_type_id: CONSULT.id,
  type_name: CONSULT.name,
  earliest: DATE,
  latest: "2026-01-31",
  note: "",
  status: "waiting",
  created_at: "2026-01-01T10:00:00Z",
  ...over,
});

/** The configuration commands answered, plus a calendar and any others. */
export const scheduleHandlers = (calendar: Calendar = calendarOf([providerDay(DOCTOR)]), more: Handlers = {}): Handlers => ({
  list_providers: () => PROVIDERS,
  list_appointment_types: () => TYPES,
  list_rooms: () => ROOMS,
  get_schedule_settings: () => ({ time_zone: TZ, kiosk_idle_seconds: 60, reminder_hours_before: 24 }),
  get_calendar: () => calendar,
  search_patients: () => ({ items: [ADA, HIDDEN], page: 0, page_size: 10, has_more: false }),
  ...more,
});

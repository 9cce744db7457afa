// Test fixtures for the scheduling set-up, waitlist and reassignment screens (tests
// only): sample settings, providers, types, rooms, hours, appointments and waitlist
// entries, and `answerWith`, which gives every mocked `../schedule/api` call a default
// answer (the test file must `vi.mock("../schedule/api", …)` with `vi.fn()`s).
import { vi } from "vitest";
import type { Appointment } from "../../bindings/Appointment";
import type { AppointmentType } from "../../bindings/AppointmentType";
import type { Calendar } from "../../bindings/Calendar";
import type { Provider } from "../../bindings/Provider";
import type { ProviderHours } from "../../bindings/ProviderHours";
import type { Room } from "../../bindings/Room";
import type { ScheduleSettings } from "../../bindings/ScheduleSettings";
import type { WaitlistEntry } from "../../bindings/WaitlistEntry";
import * as api from "../schedule/api";

export const SETTINGS: ScheduleSettings = { time_zone: "Europe/Berlin", kiosk_idle_seconds: 120, reminder_hours_before: 24 };

export const provider = (id: string, display_name: string, over: Partial<Provider> = {}): Provider => ({
  id,
  display_name,
  role: "doctor",
  has_hours: true,
  ...over,
});
export const PROVIDERS: Provider[] = [provider("dr-a", "Dr Ada"), provider("dr-b", "Dr Bo"), provider("nurse-c", "Nurse Cy", { role: "nurse" })];

export const apptType = (id: string, name: string, over: Partial<AppointmentType> = {}): AppointmentType => ({
  id,
  name,
  duration_minutes: 15,
  colour: "#228be6",
  active: true,
  version: 1,
  ...over,
});
export const TYPES: AppointmentType[] = [apptType("t-1", "Consultation", { version: 3 }), apptType("t-2", "Old check", { active: false })];

export const ROOMS: Room[] = [{ id: "room-1", name: "Room 1", active: true, version: 1 }];

export const HOURS: ProviderHours = {
  provider_id: "dr-a",
  version: 4,
  periods: [
    { weekday: 1, start: "09:00", end: "17:00", kind: "work", room_id: null },
    { weekday: 1, start: "12:00", end: "12:30", kind: "break", room_id: null },
  ],
};

export const appointment = (id: string, over: Partial<Appointment> = {}): Appointment => ({
  id,
  patient_id: `p-${id}`,
  patient_name: "Lovelace, Ada",
  patient_mrn: "MRN-000123",
  provider_id: "dr-a",
  provider_name: "Dr Ada",
  appointment_type_id: "t-1",
  type_name: "Consultation",
  colour: "#228be6",
  room_id: null,
  room_name: "",
  starts_at: "2026-03-02T08:00:00Z",
  ends_at: "2026-03-02T08:15:00Z",
  status: "booked",
  tentative: false,
  series_id: null,
  check_in_code: "ABC123",
  note: "",
  cancel_reason: "",
  checked_in_at: null,
  version: 1,
  ...over,
});

export const calendarOf = (appointments: Appointment[], date = "2026-03-02"): Calendar => ({
  time_zone: "Europe/Berlin",
  dates: [date],
  starts_at: `${date}T00:00:00Z`,
  ends_at: `${date}T23:00:00Z`,
  providers: [{ provider: PROVIDERS[0]!, working: [], exceptions: [], appointments }],
});

export const waitlistEntry = (id: string, over: Partial<WaitlistEntry> = {}): WaitlistEntry => ({
  id,
  patient_id: `p-${id}`,
  patient_name: "Lovelace, Ada",
  patient_mrn: "MRN-000123",
  provider_id: null,
  provider_name: "",
  appointment_type_id: "t-1",
  type_name: "Consultation",
  earliest: "2026-03-02",
  latest: "2026-03-31",
  note: "mornings",
  status: "waiting",
  created_at: "2026-03-01T10:00:00Z",
  ...over,
});

/** Default answers for every read; writes echo or succeed. Override per test. */
export function answerWith() {
  const m = vi.mocked;
  m(api.getScheduleSettings).mockResolvedValue(SETTINGS);
  m(api.setScheduleSettings).mockImplementation(async (s) => s);
  m(api.listTimeZones).mockResolvedValue(["America/New_York", "Europe/Berlin", "Europe/London", "UTC"]);
  m(api.listAppointmentTypes).mockImplementation(async (all) => (all ? TYPES : TYPES.filter((x) => x.active)));
  m(api.listRooms).mockResolvedValue(ROOMS);
  m(api.listProviders).mockResolvedValue(PROVIDERS);
  m(api.getProviderHours).mockImplementation(async (id) =>
    id === HOURS.provider_id ? HOURS : { provider_id: id, version: 0, periods: [] },
  );
  m(api.setProviderHours).mockImplementation(async (r) => ({ provider_id: r.provider_id, periods: r.periods, version: r.expected_version + 1 }));
  m(api.listScheduleExceptions).mockResolvedValue([]);
  m(api.removeScheduleException).mockResolvedValue(null);
  m(api.listWaitlist).mockResolvedValue([]);
  m(api.removeFromWaitlist).mockResolvedValue(null);
  m(api.listReminders).mockResolvedValue([]);
  m(api.getCalendar).mockResolvedValue(calendarOf([]));
}

/** The calls made to a mocked command, first argument only. */
export const callsOf = <A extends unknown[]>(fn: (...args: A) => unknown): A[0][] =>
  vi.mocked(fn).mock.calls.map((c) => c[0]);

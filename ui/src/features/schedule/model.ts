// Scheduling logic without React: which status changes each status allows, the calendar's
// columns (one per provider for a day, one per date for a provider's week), the time rows
// they need, where each appointment block sits (row, span and side-by-side lane), which
// cells are free working time, field errors split from the rest, and day counts.
import type { Appointment } from "../../bindings/Appointment";
import type { AppointmentStatus } from "../../bindings/AppointmentStatus";
import type { Calendar } from "../../bindings/Calendar";
import type { ScheduleException } from "../../bindings/ScheduleException";
import type { StaffId } from "../../bindings/StaffId";
import type { TimeRange } from "../../bindings/TimeRange";
import type { UiError } from "../../bindings/UiError";
import { clinicTimeOf } from "./format";

/** Minutes per calendar row. */
export const STEP = 15;
const DAY = 24 * 60;

/** A status a button moves an appointment to. */
export type NextStatus = Extract<AppointmentStatus, "confirmed" | "checked_in" | "in_consultation" | "done" | "no_show">;

/** The status changes offered from each status, in the order the buttons appear. */
export const NEXT_STATUSES: Record<AppointmentStatus, NextStatus[]> = {
  booked: ["confirmed", "checked_in", "no_show"],
  confirmed: ["checked_in", "no_show"],
  checked_in: ["in_consultation"],
  in_consultation: ["done"],
  done: [],
  no_show: [],
  cancelled: [],
  needs_reschedule: [],
};

const OPEN: AppointmentStatus[] = ["booked", "confirmed", "needs_reschedule"];
/** Still ahead of the patient: may be moved. */
export const canReschedule = (s: AppointmentStatus): boolean => OPEN.includes(s);
/** May be cancelled (not once the consultation started or the day is settled). */
export const canCancel = (s: AppointmentStatus): boolean => OPEN.includes(s) || s === "checked_in";
/** Holds its time (a cancelled or missed appointment frees it). */
export const holdsTime = (a: Appointment): boolean => a.status !== "cancelled" && a.status !== "no_show";

export type Interval = [start: number, end: number];

/** The part of [startsAt, endsAt) on a clinic date, in minutes since its midnight. */
export function spanOn(startsAt: string, endsAt: string, date: string, tz: string): Interval | null {
  const s = clinicTimeOf(startsAt, tz);
  const e = clinicTimeOf(endsAt, tz);
  const start = s.date < date ? 0 : s.date === date ? s.minutes : null;
  const end = e.date > date ? DAY : e.date === date ? e.minutes : null;
  if (start === null || end === null || end <= start) return null;
  return [start, end];
}

/** Working time on one clinic date, in minutes. */
export const workingOn = (working: TimeRange[], date: string, tz: string): Interval[] =>
  working.map((r) => spanOn(r.starts_at, r.ends_at, date, tz)).filter((i): i is Interval => i !== null);

/** Exceptions covering a clinic date. */
export const exceptionsOn = (exceptions: ScheduleException[], date: string): ScheduleException[] =>
  exceptions.filter((x) => x.starts_on <= date && date <= x.ends_on);

export type Column = {
  key: string;
  providerId: StaffId;
  providerName: string;
  date: string;
  working: Interval[];
  exceptions: ScheduleException[];
  appointments: Appointment[];
};

const byStart = (a: Appointment, b: Appointment) => a.starts_at.localeCompare(b.starts_at);
export const sortByStart = (list: Appointment[]): Appointment[] => [...list].sort(byStart);

/** Day view: one column per provider on the calendar's first date. */
export function dayColumns(cal: Calendar): Column[] {
  const date = cal.dates[0] ?? "";
  return cal.providers.map((pc) => ({
    key: pc.provider.id,
    providerId: pc.provider.id,
    providerName: pc.provider.display_name,
    date,
    working: workingOn(pc.working, date, cal.time_zone),
    exceptions: exceptionsOn(pc.exceptions, date),
    appointments: sortByStart(pc.appointments.filter((a) => spanOn(a.starts_at, a.ends_at, date, cal.time_zone))),
  }));
}

/** Week view: one column per date for the calendar's (first) provider. */
export function weekColumns(cal: Calendar): Column[] {
  const pc = cal.providers[0];
  if (!pc) return [];
  return cal.dates.map((date) => ({
    key: date,
    providerId: pc.provider.id,
    providerName: pc.provider.display_name,
    date,
    working: workingOn(pc.working, date, cal.time_zone),
    exceptions: exceptionsOn(pc.exceptions, date),
    appointments: sortByStart(pc.appointments.filter((a) => spanOn(a.starts_at, a.ends_at, date, cal.time_zone))),
  }));
}

export type TimeWindow = { start: number; end: number };

/** Whole hours covering every column's working time and appointments (08:00–18:00 if none). */
export function timeWindow(columns: Column[], tz: string): TimeWindow {
  let start = Infinity;
  let end = -Infinity;
  for (const c of columns) {
    const spans = [...c.working, ...c.appointments.map((a) => spanOn(a.starts_at, a.ends_at, c.date, tz))];
    for (const s of spans) {
      if (!s) continue;
      start = Math.min(start, s[0]);
      end = Math.max(end, s[1]);
    }
  }
  if (start === Infinity) return { start: 8 * 60, end: 18 * 60 };
  return { start: Math.floor(start / 60) * 60, end: Math.min(DAY, Math.ceil(end / 60) * 60) };
}

/** Each row's first minute. */
export function rowsOf(w: TimeWindow, step = STEP): number[] {
  const rows: number[] = [];
  for (let m = w.start; m < w.end; m += step) rows.push(m);
  return rows;
}

export type Block = { appointment: Appointment; row: number; span: number; lane: number; lanes: number };

/**
 * Grid placement of a column's appointments: zero-based first row, rows spanned, and a
 * lane so overlapping appointments sit side by side (`lanes` is the column's lane count).
 */
export function placeBlocks(column: Column, w: TimeWindow, tz: string, step = STEP): Block[] {
  const laneEnds: number[] = [];
  const placed: Omit<Block, "lanes">[] = [];
  for (const a of sortByStart(column.appointments)) {
    const span = spanOn(a.starts_at, a.ends_at, column.date, tz);
    if (!span) continue;
    const start = Math.max(span[0], w.start);
    const end = Math.min(span[1], w.end);
    if (end <= start) continue;
    const row = Math.floor((start - w.start) / step);
    const rows = Math.max(1, Math.ceil((end - w.start) / step) - row);
    let lane = laneEnds.findIndex((e) => e <= start);
    if (lane < 0) lane = laneEnds.push(end) - 1;
    else laneEnds[lane] = end;
    placed.push({ appointment: a, row, span: rows, lane });
  }
  const lanes = Math.max(1, laneEnds.length);
  return placed.map((b) => ({ ...b, lanes }));
}

/** Whether [minute, minute + step) is working time with no appointment holding it. */
export function isFree(column: Column, minute: number, tz: string, step = STEP): boolean {
  const end = minute + step;
  if (!column.working.some(([s, e]) => s <= minute && end <= e)) return false;
  return !column.appointments.some((a) => {
    if (!holdsTime(a)) return false;
    const span = spanOn(a.starts_at, a.ends_at, column.date, tz);
    return span !== null && span[0] < end && minute < span[1];
  });
}

/** Whether [minute, minute + step) is inside working time. */
export const isWorking = (column: Column, minute: number, step = STEP): boolean =>
  column.working.some(([s, e]) => s <= minute && minute + step <= e);

/** An appointment anywhere on a calendar. */
export function findAppointment(cal: Calendar | undefined, id: string | null): Appointment | undefined {
  if (!cal || !id) return undefined;
  for (const pc of cal.providers) {
    const a = pc.appointments.find((x) => x.id === id);
    if (a) return a;
  }
  return undefined;
}

/** The newer of two copies of an appointment (by version). */
export const newer = (a: Appointment, b: Appointment | undefined | null): Appointment =>
  b && b.id === a.id && b.version > a.version ? b : a;

/**
 * A command failure split for a form: messages of the fields the form shows (by the
 * shell's field name), and the error to show above the form (null when every message
 * found its field).
 */
export function splitFieldErrors(
  error: UiError | null | undefined,
  shown: readonly string[],
): { fields: Record<string, string>; rest: UiError | null } {
  if (!error) return { fields: {}, rest: null };
  if (error.code !== "validation" || !error.fields?.length) return { fields: {}, rest: error };
  const fields: Record<string, string> = {};
  const other = [];
  for (const f of error.fields) {
    if (shown.includes(f.field) && !(f.field in fields)) fields[f.field] = f.message;
    else other.push(f);
  }
  return { fields, rest: other.length ? { ...error, fields: other } : null };
}

export type DayCounts = { booked: number; checked_in: number; done: number; no_show: number; cancelled: number };

/** The day's summary: booked (incl. confirmed and to move), arrived (checked in or being seen), done, missed, cancelled. */
export function countDay(list: Appointment[]): DayCounts {
  const c: DayCounts = { booked: 0, checked_in: 0, done: 0, no_show: 0, cancelled: 0 };
  for (const a of list) {
    if (a.status === "booked" || a.status === "confirmed" || a.status === "needs_reschedule") c.booked += 1;
    else if (a.status === "checked_in" || a.status === "in_consultation") c.checked_in += 1;
    else c[a.status] += 1;
  }
  return c;
}

// Pure helpers of the scheduling set-up screens: the weekly-hours draft (periods grouped
// by weekday, add/remove/edit, "copy Monday to weekdays", flattening to what the shell
// takes and mapping its `periods.<i>.<field>` errors back to rows), checks made before
// sending (HH:MM, end after start, overlapping work periods, dates), clinic-date
// arithmetic in the clinic's time zone, and display of instants and dates.
import type { FieldError } from "../../bindings/FieldError";
import type { PeriodKind } from "../../bindings/PeriodKind";
import type { UiError } from "../../bindings/UiError";
import type { WeeklyPeriod } from "../../bindings/WeeklyPeriod";

/** ISO weekdays, Monday first. */
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One period row being edited; `room` is "" for no room. */
export type PeriodDraft = { start: string; end: string; kind: PeriodKind; room: string };
export type WeekDraft = Record<Weekday, PeriodDraft[]>;
export type PeriodField = "start" | "end" | "kind" | "room_id";
/** Row key in errors maps: `<weekday>-<index>`. */
export const rowKey = (weekday: number, index: number): string => `${weekday}-${index}`;

export function emptyWeek(): WeekDraft {
  return { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] };
}

const isWeekday = (n: number): n is Weekday => Number.isInteger(n) && n >= 1 && n <= 7;

/** Groups the shell's periods by weekday, keeping their order within a day. */
export function weekFromPeriods(periods: readonly WeeklyPeriod[]): WeekDraft {
  const week = emptyWeek();
  for (const p of periods) {
    if (!isWeekday(p.weekday)) continue;
    week[p.weekday].push({ start: p.start, end: p.end, kind: p.kind, room: p.room_id ?? "" });
  }
  return week;
}

/** The whole week as the shell takes it (Monday first), with each period's row key. */
export function periodsFromWeek(week: WeekDraft): { periods: WeeklyPeriod[]; rows: string[] } {
  const periods: WeeklyPeriod[] = [];
  const rows: string[] = [];
  for (const d of WEEKDAYS) {
    week[d].forEach((p, i) => {
      periods.push({ weekday: d, start: p.start.trim(), end: p.end.trim(), kind: p.kind, room_id: p.room || null });
      rows.push(rowKey(d, i));
    });
  }
  return { periods, rows };
}

/** A new row: after the day's last period (an hour later), else 09:00–17:00 working time. */
export function addPeriod(week: WeekDraft, day: Weekday): WeekDraft {
  const list = week[day];
  const last = list[list.length - 1];
  const next: PeriodDraft = last && isHhMm(last.end) && last.end < "23:00"
    ? { start: last.end, end: addMinutes(last.end, 60), kind: "work", room: last.room }
    : { start: "09:00", end: "17:00", kind: "work", room: "" };
  return { ...week, [day]: [...list, next] };
}

export function removePeriod(week: WeekDraft, day: Weekday, index: number): WeekDraft {
  return { ...week, [day]: week[day].filter((_, i) => i !== index) };
}

export function updatePeriod(week: WeekDraft, day: Weekday, index: number, change: Partial<PeriodDraft>): WeekDraft {
  return { ...week, [day]: week[day].map((p, i) => (i === index ? { ...p, ...change } : p)) };
}

/** Monday's periods copied to Tuesday–Friday (replacing theirs); the weekend is kept. */
export function copyMondayToWeekdays(week: WeekDraft): WeekDraft {
  const copy = () => week[1].map((p) => ({ ...p }));
  return { ...week, 2: copy(), 3: copy(), 4: copy(), 5: copy() };
}

export const isHhMm = (s: string): boolean => /^([01]\d|2[0-3]):[0-5]\d$/.test(s.trim());

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function addMinutes(hhmm: string, add: number): string {
  const m = Math.min(minutesOf(hhmm) + add, 23 * 60 + 59);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(Math.floor(m / 60))}:${p(m % 60)}`;
}

/** What is wrong with a row before sending (message keys under `scheduleSetup.hours`). */
export type PeriodProblem = "timeFormat" | "endAfterStart" | "overlap";
export type WeekProblems = Map<string, Partial<Record<"start" | "end", PeriodProblem>>>;

/** Times as HH:MM, end after start, and no two working periods of a day overlapping. */
export function checkWeek(week: WeekDraft): WeekProblems {
  const out: WeekProblems = new Map();
  const put = (key: string, field: "start" | "end", problem: PeriodProblem) =>
    out.set(key, { ...out.get(key), [field]: out.get(key)?.[field] ?? problem });
  for (const d of WEEKDAYS) {
    const ok: { i: number; from: number; to: number }[] = [];
    week[d].forEach((p, i) => {
      const key = rowKey(d, i);
      if (!isHhMm(p.start)) put(key, "start", "timeFormat");
      if (!isHhMm(p.end)) put(key, "end", "timeFormat");
      if (!isHhMm(p.start) || !isHhMm(p.end)) return;
      const from = minutesOf(p.start.trim());
      const to = minutesOf(p.end.trim());
      if (to <= from) put(key, "end", "endAfterStart");
      else if (p.kind === "work") ok.push({ i, from, to });
    });
    for (const a of ok) {
      if (ok.some((b) => b.i < a.i && b.from < a.to && a.from < b.to)) put(rowKey(d, a.i), "start", "overlap");
    }
  }
  return out;
}

/**
 * The shell's `periods.<i>.<field>` errors placed on the rows that were i-th in the
 * request (`rows` from `periodsFromWeek`); everything else is returned as `rest`.
 */
export function periodErrors(
  error: UiError | null,
  rows: readonly string[],
): { byRow: Map<string, Partial<Record<PeriodField | "row", string>>>; rest: UiError | null } {
  const byRow = new Map<string, Partial<Record<PeriodField | "row", string>>>();
  if (!error) return { byRow, rest: null };
  const other: FieldError[] = [];
  for (const f of error.fields ?? []) {
    const m = /^periods\.(\d+)(?:\.(\w+))?$/.exec(f.field);
    const key = m ? rows[Number(m[1])] : undefined;
    if (!m || !key) {
      other.push(f);
      continue;
    }
    const raw = m[2];
    const field: PeriodField | "row" = raw === "start" || raw === "end" || raw === "kind" || raw === "room_id" ? raw : "row";
    const prev = byRow.get(key) ?? {};
    byRow.set(key, { ...prev, [field]: prev[field] ? `${prev[field]} ${f.message}` : f.message });
  }
  return { byRow, rest: restOf(error, other) };
}

/** Field errors for the named inputs; the rest (other fields, or the whole error) apart. */
export function splitFieldErrors(
  error: UiError | null,
  shown: readonly string[],
): { byField: Record<string, string>; rest: UiError | null } {
  if (!error) return { byField: {}, rest: null };
  const byField: Record<string, string> = {};
  const other: FieldError[] = [];
  for (const f of error.fields ?? []) {
    if (shown.includes(f.field)) byField[f.field] = byField[f.field] ? `${byField[f.field]} ${f.message}` : f.message;
    else other.push(f);
  }
  return { byField, rest: restOf(error, other) };
}

function restOf(error: UiError, other: FieldError[]): UiError | null {
  if (error.code === "validation" && (error.fields?.length ?? 0) > 0 && other.length === 0) return null;
  return other.length > 0 ? { ...error, fields: other } : { ...error, fields: undefined };
}

// Clinic dates ------------------------------------------------------------------------

/** True for a real calendar date written exactly as `YYYY-MM-DD`. */
export function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** Today's date in the given IANA zone (the device's zone when it is unknown). */
export function todayInZone(zone: string, now: Date = new Date()): string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
  } catch {
    parts = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
  }
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** A clinic date `days` later (or earlier, when negative). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

// Display -------------------------------------------------------------------------------

function format(iso: string, zone: string, locale: string, options: Intl.DateTimeFormatOptions): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone: zone }).format(date);
  } catch {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone: "UTC" }).format(date);
  }
}

/** An RFC 3339 instant as date and time in the clinic's zone. */
export const formatDateTime = (iso: string, zone: string, locale: string): string =>
  format(iso, zone, locale, { dateStyle: "medium", timeStyle: "short" });

/** An RFC 3339 instant as a time of day in the clinic's zone. */
export const formatTime = (iso: string, zone: string, locale: string): string =>
  format(iso, zone, locale, { timeStyle: "short" });

/** A clinic date (`YYYY-MM-DD`) for reading; anything else as is. */
export const formatDate = (date: string, locale: string): string =>
  isIsoDate(date) ? format(`${date}T12:00:00Z`, "UTC", locale, { dateStyle: "medium" }) : date;

/** `#rrggbb`. */
export const isHexColour = (s: string): boolean => /^#[0-9a-fA-F]{6}$/.test(s.trim());

/** A whole number in `min..=max` from a NumberInput's value, else null. */
export function intInRange(v: string | number, min: number, max: number): number | null {
  if (v === "") return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isInteger(n) && n >= min && n <= max ? n : null;
}

// Scheduling display helpers (pure): instants (RFC 3339 UTC) read and shown in the
// clinic's time zone, clinic dates ("YYYY-MM-DD") and their arithmetic, a clinic wall
// time turned back into an instant, and the colours of statuses and appointment types.
import type { AppointmentStatus } from "../../bindings/AppointmentStatus";

const partsCache = new Map<string, Intl.DateTimeFormat>();

/** A formatter giving numeric parts in `tz` (UTC when the zone is unknown to this runtime). */
function partsFormatter(tz: string): Intl.DateTimeFormat {
  let f = partsCache.get(tz);
  if (!f) {
    const options: Intl.DateTimeFormatOptions = {
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    };
    try {
      f = new Intl.DateTimeFormat("en-US", { ...options, timeZone: tz });
    } catch {
      f = new Intl.DateTimeFormat("en-US", { ...options, timeZone: "UTC" });
    }
    partsCache.set(tz, f);
  }
  return f;
}

const pad = (n: number) => String(n).padStart(2, "0");

type Zoned = { y: number; mo: number; d: number; h: number; mi: number; s: number };

function zoned(ms: number, tz: string): Zoned {
  const out: Record<string, number> = {};
  for (const p of partsFormatter(tz).formatToParts(new Date(ms))) {
    if (p.type !== "literal") out[p.type] = Number(p.value);
  }
  return { y: out.year!, mo: out.month!, d: out.day!, h: out.hour! % 24, mi: out.minute!, s: out.second! };
}

export type ClinicTime = { date: string; minutes: number; time: string };

/** Clinic date, minutes since the clinic's midnight and "HH:MM" of an instant. */
export function clinicTimeOf(instant: string | Date, tz: string): ClinicTime {
  const ms = typeof instant === "string" ? Date.parse(instant) : instant.getTime();
  const z = zoned(ms, tz);
  return { date: `${z.y}-${pad(z.mo)}-${pad(z.d)}`, minutes: z.h * 60 + z.mi, time: `${pad(z.h)}:${pad(z.mi)}` };
}

export const formatTime = (instant: string, tz: string): string => clinicTimeOf(instant, tz).time;
export const clinicDateOf = (instant: string | Date, tz: string): string => clinicTimeOf(instant, tz).date;
/** Today's clinic date. */
export const todayIn = (tz: string, now: Date = new Date()): string => clinicDateOf(now, tz);

/** "09:15–09:45" in the clinic's zone. */
export const formatTimeRange = (startsAt: string, endsAt: string, tz: string): string =>
  `${formatTime(startsAt, tz)}–${formatTime(endsAt, tz)}`;

/** Minutes since midnight as "HH:MM" (1440 is "24:00"). */
export const minutesToTime = (m: number): string => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;

/** "HH:MM" as minutes since midnight, or null. */
export function timeToMinutes(s: string): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(s);
  if (!m) return null;
  const [h, mi] = [Number(m[1]), Number(m[2])];
  return h < 24 && mi < 60 ? h * 60 + mi : null;
}

const parseDate = (date: string): [number, number, number] => {
  const [y, m, d] = date.split("-").map(Number);
  return [y!, m!, d!];
};

/** The instant (RFC 3339 UTC, no fraction) of a clinic wall time on a clinic date. */
export function clinicToUtc(date: string, time: string, tz: string): string {
  const [y, mo, d] = parseDate(date);
  const minutes = timeToMinutes(time) ?? 0;
  const naive = Date.UTC(y, mo - 1, d, Math.floor(minutes / 60), minutes % 60);
  const offset = (ms: number) => {
    const z = zoned(ms, tz);
    return Date.UTC(z.y, z.mo - 1, z.d, z.h, z.mi, z.s) - ms;
  };
  // Two passes settle the offset on either side of a daylight-saving change.
  let guess = naive - offset(naive);
  guess = naive - offset(guess);
  return new Date(guess).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A clinic date `n` days later (earlier when negative). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = parseDate(date);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The Monday of the week holding `date` (weeks run Monday to Sunday). */
export function mondayOf(date: string): string {
  const [y, m, d] = parseDate(date);
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}

/** A clinic date for people: the weekday and the date as the app writes dates, e.g. "Mon 2026-01-05". */
export function formatClinicDate(date: string, lang: string): string {
  const [y, m, d] = parseDate(date);
  const weekday = new Intl.DateTimeFormat(lang, { weekday: "short", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
  return `${weekday} ${date}`;
}

/** An instant's clinic date and time for people, e.g. "Mon 2026-01-05, 09:15". */
export const formatDateTime = (instant: string, tz: string, lang: string): string =>
  `${formatClinicDate(clinicDateOf(instant, tz), lang)}, ${formatTime(instant, tz)}`;

/** The zone this computer is in: a stand-in until the clinic's is known. */
export const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

type BadgeLook = { color: string; variant: "light" | "filled" | "outline" };

/** Badge colours of each status (colours whose contrast app.css raises to AA). */
export const STATUS_BADGE: Record<AppointmentStatus, BadgeLook> = {
  booked: { color: "blue", variant: "light" },
  confirmed: { color: "blue", variant: "outline" },
  checked_in: { color: "yellow", variant: "light" },
  in_consultation: { color: "green", variant: "light" },
  done: { color: "green", variant: "filled" },
  no_show: { color: "orange", variant: "light" },
  cancelled: { color: "gray", variant: "light" },
  needs_reschedule: { color: "red", variant: "light" },
};

/** An appointment type's `#rrggbb` colour, or a neutral grey when malformed. */
export const safeColour = (c: string): string => (/^#[0-9a-fA-F]{6}$/.test(c) ? c : "#868e96");

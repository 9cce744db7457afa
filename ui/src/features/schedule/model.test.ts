// Pure scheduling logic: clinic-zone arithmetic (including a daylight-saving day),
// allowed status changes, calendar columns, time window, block placement and lanes, free
// cells, field-error splitting and the day's counts.
import { describe, expect, it } from "vitest";
import { addDays, clinicTimeOf, clinicToUtc, formatTimeRange, mondayOf, safeColour } from "./format";
import {
  canCancel,
  canReschedule,
  countDay,
  dayColumns,
  isFree,
  NEXT_STATUSES,
  placeBlocks,
  rowsOf,
  splitFieldErrors,
  spanOn,
  timeWindow,
  weekColumns,
  workingOn,
} from "./model";
import { appointment, at, calendarOf, DATE, DOCTOR, NURSE, providerDay, TZ } from "./testing";

describe("clinic time", () => {
  it("reads instants in the clinic's zone", () => {
    expect(clinicTimeOf("2026-07-01T08:15:00Z", "Europe/London")).toEqual({ date: "2026-07-01", minutes: 555, time: "09:15" });
    expect(clinicTimeOf("2026-01-06T02:00:00Z", "America/New_York")).toEqual({ date: "2026-01-05", minutes: 1260, time: "21:00" });
    expect(formatTimeRange("2026-01-05T09:00:00Z", "2026-01-05T09:30:00Z", "UTC")).toBe("09:00–09:30");
  });

  it("turns a clinic wall time into an instant, across daylight saving", () => {
    expect(clinicToUtc("2026-01-05", "09:15", "Europe/London")).toBe("2026-01-05T09:15:00Z");
    expect(clinicToUtc("2026-07-01", "09:15", "Europe/London")).toBe("2026-07-01T08:15:00Z");
    expect(clinicToUtc("2026-03-08", "09:00", "America/New_York")).toBe("2026-03-08T13:00:00Z");
    expect(clinicToUtc("2026-03-07", "09:00", "America/New_York")).toBe("2026-03-07T14:00:00Z");
  });

  it("does date arithmetic on clinic dates", () => {
    expect(addDays("2026-01-31", 1)).toBe("2026-02-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(mondayOf("2026-01-05")).toBe("2026-01-05");
    expect(mondayOf("2026-01-11")).toBe("2026-01-05");
    expect(mondayOf("2026-01-07")).toBe("2026-01-05");
  });

  it("accepts only #rrggbb colours", () => {
    expect(safeColour("#1971c2")).toBe("#1971c2");
    expect(safeColour("red;background:url(x)")).toBe("#868e96");
  });
});

describe("status rules", () => {
  it("offers the next steps of each status", () => {
    expect(NEXT_STATUSES.booked).toEqual(["confirmed", "checked_in", "no_show"]);
    expect(NEXT_STATUSES.confirmed).toEqual(["checked_in", "no_show"]);
    expect(NEXT_STATUSES.checked_in).toEqual(["in_consultation"]);
    expect(NEXT_STATUSES.in_consultation).toEqual(["done"]);
    expect(NEXT_STATUSES.done).toEqual([]);
    expect(NEXT_STATUSES.cancelled).toEqual([]);
  });

  it("allows moving and cancelling only before the visit", () => {
    expect(canReschedule("needs_reschedule")).toBe(true);
    expect(canReschedule("checked_in")).toBe(false);
    expect(canCancel("checked_in")).toBe(true);
    expect(canCancel("in_consultation")).toBe(false);
    expect(canCancel("cancelled")).toBe(false);
  });
});

describe("calendar layout", () => {
  it("clips spans to a clinic date", () => {
    expect(spanOn("2026-01-05T23:00:00Z", "2026-01-06T01:00:00Z", "2026-01-05", "UTC")).toEqual([1380, 1440]);
    expect(spanOn("2026-01-05T23:00:00Z", "2026-01-06T01:00:00Z", "2026-01-06", "UTC")).toEqual([0, 60]);
    expect(spanOn("2026-01-05T23:00:00Z", "2026-01-06T01:00:00Z", "2026-01-07", "UTC")).toBeNull();
    expect(workingOn([{ starts_at: "2026-01-05T14:00:00Z", ends_at: "2026-01-05T22:00:00Z" }], "2026-01-05", "America/New_York")).toEqual([
      [540, 1020],
    ]);
  });

  it("builds day columns per provider and week columns per date", () => {
    const leave = { id: "x1", provider_id: NURSE.id, starts_on: DATE, ends_on: DATE, kind: "leave" as const, note: "" };
    const cal = calendarOf([
      providerDay(DOCTOR, { appointments: [appointment({ starts_at: at("10:00"), ends_at: at("10:30") })] }),
      providerDay(NURSE, { working: [], exceptions: [leave] }),
    ]);
    const cols = dayColumns(cal);
    expect(cols.map((c) => [c.providerId, c.date, c.working, c.exceptions.length, c.appointments.length])).toEqual([
      [DOCTOR.id, DATE, [[540, 720], [780, 1020]], 0, 1],
      [NURSE.id, DATE, [], 1, 0],
    ]);

    const week = calendarOf(
      [providerDay(DOCTOR, { appointments: [appointment({ starts_at: at("09:00", "2026-01-07"), ends_at: at("09:30", "2026-01-07") })] })],
      ["2026-01-05", "2026-01-06", "2026-01-07"],
    );
    const days = weekColumns(week);
    expect(days.map((c) => [c.key, c.appointments.length, c.working.length])).toEqual([
      ["2026-01-05", 0, 2],
      ["2026-01-06", 0, 0],
      ["2026-01-07", 1, 0],
    ]);
  });

  it("covers working time and appointments in whole hours", () => {
    const cols = dayColumns(
      calendarOf([providerDay(DOCTOR, { appointments: [appointment({ starts_at: at("07:45"), ends_at: at("08:15") })] })]),
    );
    const w = timeWindow(cols, TZ);
    expect(w).toEqual({ start: 7 * 60, end: 17 * 60 });
    expect(rowsOf(w)).toHaveLength(40);
    expect(timeWindow([], TZ)).toEqual({ start: 480, end: 1080 });
  });

  it("places blocks by row and puts overlapping ones side by side", () => {
    const a = appointment({ id: "a", starts_at: at("09:00"), ends_at: at("09:30") });
    const b = appointment({ id: "b", starts_at: at("09:15"), ends_at: at("09:45"), status: "cancelled" });
    const c = appointment({ id: "c", starts_at: at("09:30"), ends_at: at("09:40") });
    const [col] = dayColumns(calendarOf([providerDay(DOCTOR, { appointments: [c, b, a] })]));
    const blocks = placeBlocks(col!, { start: 540, end: 1020 }, TZ);
    expect(blocks.map((x) => [x.appointment.id, x.row, x.span, x.lane, x.lanes])).toEqual([
      ["a", 0, 2, 0, 2],
      ["b", 1, 2, 1, 2],
      ["c", 2, 1, 0, 2],
    ]);
  });

  it("finds free working cells (cancelled appointments free their time)", () => {
    const held = appointment({ starts_at: at("09:30"), ends_at: at("10:00") });
    const gone = appointment({ starts_at: at("10:00"), ends_at: at("10:30"), status: "cancelled" });
    const [col] = dayColumns(calendarOf([providerDay(DOCTOR, { appointments: [held, gone] })]));
    expect(isFree(col!, 9 * 60, TZ)).toBe(true);
    expect(isFree(col!, 9 * 60 + 30, TZ)).toBe(false);
    expect(isFree(col!, 9 * 60 + 45, TZ)).toBe(false);
    expect(isFree(col!, 10 * 60, TZ)).toBe(true);
    expect(isFree(col!, 12 * 60, TZ)).toBe(false);
    expect(isFree(col!, 8 * 60 + 45, TZ)).toBe(false);
  });
});

describe("splitFieldErrors", () => {
  it("keeps the shown fields' messages and passes the rest on", () => {
    const error = {
      code: "validation" as const,
      message: "invalid",
      fields: [
        { field: "note", message: "Too long." },
        { field: "waitlist_entry_id", message: "Not waiting." },
      ],
    };
    expect(splitFieldErrors(error, ["note"])).toEqual({
      fields: { note: "Too long." },
      rest: { ...error, fields: [{ field: "waitlist_entry_id", message: "Not waiting." }] },
    });
    expect(splitFieldErrors({ ...error, fields: [error.fields[0]!] }, ["note"]).rest).toBeNull();
    const taken = { code: "slot_taken" as const, message: "taken" };
    expect(splitFieldErrors(taken, ["note"])).toEqual({ fields: {}, rest: taken });
  });
});

describe("countDay", () => {
  it("counts the day's appointments by stage", () => {
    const list = (["booked", "confirmed", "checked_in", "in_consultation", "done", "no_show", "cancelled", "cancelled"] as const).map(
      (status) => appointment({ status }),
    );
    expect(countDay(list)).toEqual({ booked: 2, checked_in: 2, done: 1, no_show: 1, cancelled: 2 });
  });
});

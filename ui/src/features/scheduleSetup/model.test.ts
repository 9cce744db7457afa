// The scheduling set-up model: the weekly draft round trip, row edits, copying Monday,
// the checks before sending, mapping the shell's `periods.<i>` errors to rows, and
// clinic-date arithmetic in a time zone.
import { describe, expect, it } from "vitest";
import type { WeeklyPeriod } from "../../bindings/WeeklyPeriod";
import {
  addDays,
  addPeriod,
  checkWeek,
  copyMondayToWeekdays,
  emptyWeek,
  formatDate,
  formatDateTime,
  intInRange,
  isHexColour,
  isHhMm,
  periodErrors,
  periodsFromWeek,
  removePeriod,
  splitFieldErrors,
  todayInZone,
  updatePeriod,
  weekFromPeriods,
} from "./model";

const p = (weekday: number, start: string, end: string, kind: WeeklyPeriod["kind"] = "work", room_id: string | null = null) =>
  ({ weekday, start, end, kind, room_id }) satisfies WeeklyPeriod;

describe("weekly draft", () => {
  it("groups by weekday and flattens back Monday first, with each row's key", () => {
    const periods = [p(3, "09:00", "12:00"), p(1, "08:00", "16:00", "work", "room-1"), p(1, "12:00", "12:30", "break")];
    const week = weekFromPeriods(periods);
    expect(week[1]).toEqual([
      { start: "08:00", end: "16:00", kind: "work", room: "room-1" },
      { start: "12:00", end: "12:30", kind: "break", room: "" },
    ]);
    const { periods: flat, rows } = periodsFromWeek(week);
    expect(flat).toEqual([p(1, "08:00", "16:00", "work", "room-1"), p(1, "12:00", "12:30", "break"), p(3, "09:00", "12:00")]);
    expect(rows).toEqual(["1-0", "1-1", "3-0"]);
  });

  it("adds, edits and removes rows", () => {
    let week = addPeriod(emptyWeek(), 2);
    expect(week[2]).toEqual([{ start: "09:00", end: "17:00", kind: "work", room: "" }]);
    week = updatePeriod(week, 2, 0, { end: "12:00" });
    week = addPeriod(week, 2);
    expect(week[2][1]).toEqual({ start: "12:00", end: "13:00", kind: "work", room: "" });
    week = removePeriod(week, 2, 0);
    expect(week[2]).toEqual([{ start: "12:00", end: "13:00", kind: "work", room: "" }]);
  });

  it("copies Monday to Tuesday–Friday only", () => {
    const week = weekFromPeriods([p(1, "09:00", "17:00"), p(2, "10:00", "11:00"), p(6, "09:00", "12:00")]);
    const copied = copyMondayToWeekdays(week);
    for (const d of [2, 3, 4, 5] as const) expect(copied[d]).toEqual(week[1]);
    expect(copied[6]).toEqual(week[6]);
    expect(copied[7]).toEqual([]);
    copied[2][0]!.start = "07:00";
    expect(copied[3][0]!.start).toBe("09:00");
  });
});

describe("checks before sending", () => {
  it("wants HH:MM, an end after the start and no overlapping work", () => {
    expect(isHhMm("09:30")).toBe(true);
    expect(isHhMm("9:30")).toBe(false);
    expect(isHhMm("24:00")).toBe(false);
    const week = weekFromPeriods([
      p(1, "09:00", "13:00"),
      p(1, "12:00", "17:00"),
      p(1, "12:00", "12:30", "break"),
      p(2, "10:00", "09:00"),
      p(3, "9", "10:00"),
    ]);
    const problems = checkWeek(week);
    expect(problems.get("1-0")).toBeUndefined();
    expect(problems.get("1-1")).toEqual({ start: "overlap" });
    expect(problems.get("1-2")).toBeUndefined();
    expect(problems.get("2-0")).toEqual({ end: "endAfterStart" });
    expect(problems.get("3-0")).toEqual({ start: "timeFormat" });
  });

  it("places the shell's period errors on the rows sent i-th", () => {
    const error = {
      code: "validation" as const,
      message: "invalid",
      fields: [
        { field: "periods.1.end", message: "must be after the start" },
        { field: "periods.2", message: "outside working time" },
        { field: "provider_id", message: "unknown" },
      ],
    };
    const { byRow, rest } = periodErrors(error, ["1-0", "1-1", "3-0"]);
    expect(byRow.get("1-1")).toEqual({ end: "must be after the start" });
    expect(byRow.get("3-0")).toEqual({ row: "outside working time" });
    expect(rest?.fields).toEqual([{ field: "provider_id", message: "unknown" }]);
    expect(periodErrors({ ...error, fields: error.fields.slice(0, 1) }, ["1-0", "1-1"]).rest).toBeNull();
    expect(splitFieldErrors({ code: "edit_conflict", message: "x" }, ["name"]).rest?.code).toBe("edit_conflict");
    expect(splitFieldErrors(error, ["provider_id"]).byField).toEqual({ provider_id: "unknown" });
  });

  it("checks colours and number ranges", () => {
    expect(isHexColour("#1a2B3c")).toBe(true);
    expect(isHexColour("1a2b3c")).toBe(false);
    expect(intInRange(30, 30, 900)).toBe(30);
    expect(intInRange("29", 30, 900)).toBeNull();
    expect(intInRange("", 1, 5)).toBeNull();
    expect(intInRange(2.5, 1, 5)).toBeNull();
  });
});

describe("clinic dates", () => {
  it("takes today in the clinic's zone", () => {
    const now = new Date("2026-03-01T23:30:00Z");
    expect(todayInZone("UTC", now)).toBe("2026-03-01");
    expect(todayInZone("Europe/Berlin", now)).toBe("2026-03-02");
    expect(todayInZone("America/New_York", now)).toBe("2026-03-01");
  });

  it("adds days across months and leap years", () => {
    expect(addDays("2026-03-02", 365)).toBe("2027-03-02");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
  });

  it("shows instants in the clinic's zone", () => {
    expect(formatDateTime("2026-03-01T23:30:00Z", "Europe/Berlin", "en-GB")).toBe("2 Mar 2026, 00:30");
    expect(formatDate("2026-03-02", "en-GB")).toBe("2 Mar 2026");
    expect(formatDate("soon", "en-GB")).toBe("soon");
  });
});

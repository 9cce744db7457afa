// The timeline model: editor values to a note's content and back, change detection, and
// merging timeline pages (newest first, an encounter that moved between pages once).
import { describe, expect, it } from "vitest";
import type { TimelinePage } from "../../bindings/TimelinePage";
import {
  emptyNoteValues,
  isEmptyContent,
  localStarted,
  mergePages,
  noteToValues,
  sameAsSaved,
  startedToRfc3339,
  valuesToNote,
} from "./model";
import { encounter, free, note, soap } from "./testing";

describe("notes model", () => {
  it("sends only the chosen template's text, trimmed, inner line breaks kept", () => {
    const v = { ...emptyNoteValues("soap", "  Review "), subjective: " a\nb ", text: "ignored" };
    expect(valuesToNote(v)).toEqual({ title: "Review", content: soap({ subjective: "a\nb" }) });
    expect(valuesToNote({ ...v, template: "free", text: " x " })).toEqual({ title: "Review", content: free("x") });
  });

  it("round-trips a note through the form and detects changes", () => {
    const n = note({ title: "T", content: soap({ plan: "Rest" }) });
    const { title, content } = valuesToNote(noteToValues(n));
    expect(sameAsSaved(n, title, content)).toBe(true);
    expect(sameAsSaved(n, "T", soap({ plan: "Rest more" }))).toBe(false);
    expect(sameAsSaved(n, "T", free("Rest"))).toBe(false);
    expect(isEmptyContent(soap({ plan: "  " }))).toBe(true);
    expect(isEmptyContent(free("x"))).toBe(false);
  });

  it("merges pages newest first, once per encounter, loose notes from the first page", () => {
    const a = encounter({ started_at: "2026-01-01T00:00:00Z" });
    const b = encounter({ started_at: "2026-02-01T00:00:00Z" });
    const old = note({ created_at: "2025-01-01T00:00:00Z" });
    const recent = note({ created_at: "2026-01-01T00:00:00Z" });
    const page = (n: number, encounters: typeof a[], loose = [old, recent]): TimelinePage => ({
      encounters: encounters.map((encounter) => ({ encounter, notes: [] })),
      loose_notes: loose,
      page: n,
      page_size: 1,
      has_more: n === 0,
    });
    const merged = mergePages([page(0, [a]), page(1, [b, a], [])]);
    expect(merged.encounters.map((e) => e.encounter.id)).toEqual([b.id, a.id]);
    expect(merged.loose.map((n) => n.id)).toEqual([recent.id, old.id]);
  });

  it("shows now as a local date and time, and sends a typed local start in UTC", () => {
    expect(localStarted(new Date(2026, 0, 5, 9, 7, 42))).toEqual({ date: "2026-01-05", time: "09:07" });
    const utc = (y: number, mo: number, d: number, h: number, mi: number) =>
      new Date(y, mo - 1, d, h, mi).toISOString().replace(".000Z", "Z");
    expect(startedToRfc3339({ date: "2026-01-05", time: "09:07" })).toEqual({ ok: utc(2026, 1, 5, 9, 7) });
    expect(startedToRfc3339({ date: " 2026-07-31 ", time: "9:30" })).toEqual({ ok: utc(2026, 7, 31, 9, 30) });
    expect(startedToRfc3339({ date: "2026-01-05", time: "23:59" })).toEqual({ ok: utc(2026, 1, 5, 23, 59) });
    // A round trip through the local inputs gives back the same minute.
    const now = new Date(2026, 2, 1, 14, 45);
    expect(startedToRfc3339(localStarted(now))).toEqual({ ok: now.toISOString().replace(".000Z", "Z") });
    for (const date of ["", "2026-1-5", "05/01/2026", "2026-02-29", "2026-13-01", "2026-01-05T09:00"]) {
      expect(startedToRfc3339({ date, time: "09:00" })).toEqual({ problem: "date" });
    }
    for (const time of ["", "24:00", "09:60", "9", "09:00:00", "9.30"]) {
      expect(startedToRfc3339({ date: "2026-01-05", time })).toEqual({ problem: "time" });
    }
  });
});

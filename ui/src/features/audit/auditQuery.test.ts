// Audit filter form -> AuditQuery, date checks, sort toggling and the compact detail text.
import { describe, expect, it } from "vitest";
import { buildAuditQuery, compactDetail, DEFAULT_SORT, emptyFilters, invalidDates, isIsoDay, toggleSort } from "./auditQuery";

describe("buildAuditQuery", () => {
  it("leaves out blank filters and keeps sort and page", () => {
    expect(buildAuditQuery(emptyFilters, DEFAULT_SORT, 0)).toEqual({
      sort: { column: "time", direction: "desc" },
      page: 0,
      page_size: 50,
    });
  });

  it("passes every filled filter, trimmed, under the binding's names", () => {
    const q = buildAuditQuery(
      {
        from: " 2026-01-01 ",
        to: "2026-01-31",
        actorId: "staff-1",
        patientId: " patient-9 ",
        action: "break_glass",
        category: "security",
      },
      { column: "actor", direction: "asc" },
      3,
      20,
    );
    expect(q).toEqual({
      from: "2026-01-01",
      to: "2026-01-31",
      actor_id: "staff-1",
      patient_id: "patient-9",
      action: "break_glass",
      category: "security",
      sort: { column: "actor", direction: "asc" },
      page: 3,
      page_size: 20,
    });
  });
});

describe("dates", () => {
  it("accepts real YYYY-MM-DD days only", () => {
    expect(isIsoDay("2024-02-29")).toBe(true);
    expect(isIsoDay("2023-02-29")).toBe(false);
    expect(isIsoDay("2026-1-5")).toBe(false);
    expect(isIsoDay("05/01/2026")).toBe(false);
    expect(invalidDates({ from: "", to: "2026-13-01" })).toEqual(["to"]);
    expect(invalidDates({ from: " 2026-01-01 ", to: "" })).toEqual([]);
  });
});

describe("toggleSort", () => {
  it("flips the direction of the current column", () => {
    const asc = toggleSort(DEFAULT_SORT, "time");
    expect(asc).toEqual({ column: "time", direction: "asc" });
    expect(toggleSort(asc, "time")).toEqual({ column: "time", direction: "desc" });
  });

  it("starts a new column newest first for time and sequence, A to Z otherwise", () => {
    expect(toggleSort(DEFAULT_SORT, "actor")).toEqual({ column: "actor", direction: "asc" });
    expect(toggleSort({ column: "actor", direction: "asc" }, "seq")).toEqual({ column: "seq", direction: "desc" });
  });
});

describe("compactDetail", () => {
  it("is one line of JSON, or nothing for null", () => {
    expect(compactDetail({ fields: ["phone"], count: 2 })).toBe('{"fields":["phone"],"count":2}');
    expect(compactDetail(null)).toBe("");
    expect(compactDetail("as is")).toBe("as is");
  });
});

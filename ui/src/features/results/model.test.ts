import { describe, expect, it } from "vitest";
import {
  BLOOD_PRESSURE,
  chartRows,
  flagColor,
  formatValue,
  splitObservationErrors,
  toEffectiveAt,
  trendChoiceFor,
  trendCodes,
  unitLabel,
  wasConverted,
} from "./model";
import { point } from "./testing";

describe("splitObservationErrors", () => {
  it("puts each observations.<i>.<field> error on its row and keeps the rest", () => {
    const { rows, rest } = splitObservationErrors({
      code: "validation",
      message: "invalid",
      fields: [
        { field: "observations.1.value", message: "Enter a number." },
        { field: "observations.1.value", message: "Again." },
        { field: "observations.0.unit", message: "Unknown unit." },
        { field: "observations", message: "Enter at least one value." },
      ],
    });
    expect(rows.get(1)).toEqual({ value: "Enter a number. Again." });
    expect(rows.get(0)).toEqual({ unit: "Unknown unit." });
    expect(rest?.fields).toEqual([{ field: "observations", message: "Enter at least one value." }]);
  });

  it("leaves nothing above the form when every field has a row, and passes other errors on", () => {
    const only = splitObservationErrors({
      code: "validation",
      message: "invalid",
      fields: [{ field: "observations.0.effective_at", message: "Future." }],
    });
    expect(only.rest).toBeNull();
    expect(splitObservationErrors({ code: "forbidden", message: "no" }).rest).toEqual({
      code: "forbidden",
      message: "no",
      fields: undefined,
    });
    expect(splitObservationErrors(null).rest).toBeNull();
  });
});

describe("display helpers", () => {
  it("formats values by size, labels units and flags", () => {
    expect(formatValue(120, "en")).toBe("120");
    expect(formatValue(99.088, "en")).toBe("99.1");
    expect(formatValue(5.555, "en")).toBe("5.56");
    expect(formatValue(0.0451, "en")).toBe("0.045");
    expect(unitLabel("mm[Hg]")).toBe("mmHg");
    expect(unitLabel("mg/dL")).toBe("mg/dL");
    expect(flagColor("normal")).toBeNull();
    expect(flagColor("high")).toBe("orange");
    expect(flagColor("critical_low")).toBe("red");
    const base = { value: 99.088, unit: "mg/dL", entered_value: 5.5, entered_unit: "mmol/L" };
    expect(wasConverted(base)).toBe(true);
    expect(wasConverted({ ...base, entered_value: 99.088, entered_unit: "mg/dL" })).toBe(false);
  });

  it("turns a typed local date and time into UTC, today into now, and leaves the rest", () => {
    const today = "2026-01-06";
    expect(toEffectiveAt("", today)).toBe("");
    expect(toEffectiveAt(" 2026-01-05 ", today)).toBe("2026-01-05");
    expect(toEffectiveAt("2026-01-06", today)).toBe("");
    expect(toEffectiveAt("2026-01-05 09:30", today)).toBe(new Date(2026, 0, 5, 9, 30).toISOString());
    expect(toEffectiveAt("yesterday", today)).toBe("yesterday");
  });

  it("charts blood pressure as its two codes", () => {
    expect(trendChoiceFor("systolic_bp")).toBe(BLOOD_PRESSURE);
    expect(trendChoiceFor("glucose")).toBe("glucose");
    expect(trendCodes(BLOOD_PRESSURE)).toEqual(["systolic_bp", "diastolic_bp"]);
    expect(trendCodes("glucose")).toEqual(["glucose"]);
  });
});

describe("chartRows", () => {
  it("merges points taken at the same time, oldest first, with null where a code has none", () => {
    const rows = chartRows([
      { code: "systolic_bp", points: [point("2026-01-01T09:00:00Z", 120), point("2026-01-03T09:00:00Z", 150, "high")] },
      { code: "diastolic_bp", points: [point("2026-01-03T09:00:00Z", 95, "high"), point("2026-01-02T09:00:00Z", 70)] },
      { code: "x", points: [point("not a time", 1)] },
    ]);
    expect(rows.map((r) => [r.systolic_bp, r.diastolic_bp, r.systolic_bp__flag ?? null])).toEqual([
      [120, null, "normal"],
      [null, 70, null],
      [150, 95, "high"],
    ]);
    expect(rows[0]!.t).toBe(Date.parse("2026-01-01T09:00:00Z"));
  });
});

import { describe, expect, it } from "vitest";
import { ageOn, formatName } from "./format";

describe("formatName", () => {
  it("puts the family name first", () => {
    expect(formatName({ given_name: "Ada", middle_name: "King", family_name: "Lovelace" })).toBe(
      "Lovelace, Ada King",
    );
    expect(formatName({ given_name: "Ada", middle_name: "", family_name: "Lovelace" })).toBe("Lovelace, Ada");
    expect(formatName({ given_name: "Ada", middle_name: "", family_name: "" })).toBe("Ada");
  });
});

describe("ageOn", () => {
  it("counts completed years and months", () => {
    expect(ageOn("1990-12-10", "2026-11-23")).toEqual({ years: 35, months: 431 });
    expect(ageOn("1990-11-23", "2026-11-23")?.years).toBe(36);
    expect(ageOn("2026-10-24", "2026-11-23")).toEqual({ years: 0, months: 0 });
    expect(ageOn("2026-09-23", "2026-11-23")).toEqual({ years: 0, months: 2 });
  });
  it("gives up on bad or future dates", () => {
    expect(ageOn("nope", "2026-11-23")).toBeNull();
    expect(ageOn("2027-01-01", "2026-11-23")).toBeNull();
  });
});

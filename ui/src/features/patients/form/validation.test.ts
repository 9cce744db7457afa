import { describe, expect, it } from "vitest";
import { emptyForm, type PatientFormValues } from "./formModel";
import { isIsoDate, looksLikeEmail, todayIso, validateForm } from "./validation";

const TODAY = "2026-11-23";
const valid = (): PatientFormValues => ({
  ...emptyForm(),
  given_name: " Ada ",
  family_name: "Lovelace",
  date_of_birth: "1990-12-10",
});
const keys = (v: PatientFormValues) =>
  Object.fromEntries(Object.entries(validateForm(v, TODAY)).map(([p, e]) => [p, e.key]));

describe("validateForm", () => {
  it("accepts a minimal patient", () => {
    expect(validateForm(valid(), TODAY)).toEqual({});
  });

  it("reports every bad field at once, like the server", () => {
    const v = { ...valid(), given_name: "  ", date_of_birth: "2027-01-01", email: "not-an-email", phone: "12" };
    expect(keys(v)).toEqual({ given_name: "required", date_of_birth: "dobFuture", email: "email", phone: "phoneDigits" });
  });

  it("rejects malformed and impossible dates", () => {
    for (const bad of ["1990-02-30", "10/12/1990", "1990-1-1", "abc"]) {
      expect(keys({ ...valid(), date_of_birth: bad }).date_of_birth).toBe("dobFormat");
    }
    expect(keys({ ...valid(), date_of_birth: "1850-01-01" }).date_of_birth).toBe("dobTooOld");
    expect(keys({ ...valid(), date_of_birth: "" }).date_of_birth).toBe("required");
  });

  it("checks contacts and insurance only when present", () => {
    const v: PatientFormValues = {
      ...valid(),
      emergency_contacts: [{ name: "", relationship: "", phone: "call me" }],
      has_insurance: true,
      insurance: { payer: "Acme", member_id: "", group_number: "" },
    };
    expect(keys(v)).toEqual({
      "emergency_contacts.0.name": "required",
      "emergency_contacts.0.phone": "phoneChars",
      "insurance.member_id": "required",
    });
    expect(keys({ ...v, emergency_contacts: [], has_insurance: false })).toEqual({});
  });

  it("limits lengths", () => {
    expect(validateForm({ ...valid(), family_name: "x".repeat(101) }, TODAY).family_name).toEqual({
      key: "tooLong",
      max: 100,
    });
  });
});

describe("helpers", () => {
  it("formats today's local date", () => {
    expect(todayIso(new Date(2024, 1, 9, 23, 59))).toBe("2024-02-09");
  });
  it("knows real dates and email shapes", () => {
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("2023-02-29")).toBe(false);
    expect(looksLikeEmail("a@b.org")).toBe(true);
    expect(looksLikeEmail("a@b")).toBe(false);
    expect(looksLikeEmail("a b@c.org")).toBe(false);
  });
});

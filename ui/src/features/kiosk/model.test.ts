// The kiosk's pure logic: date-of-birth parsing, the identify request, the details form
// round trip, and where the server's field errors go.
import { describe, expect, it } from "vitest";
import type { KioskDetails } from "../../bindings/KioskDetails";
import {
  buildIdentify,
  detailsToForm,
  emptyIdentifyForm,
  formToDetails,
  localToday,
  parseDob,
  placeDetailsErrors,
  placeIdentifyErrors,
  sameDetails,
} from "./model";

const TODAY = "2026-03-10";

describe("parseDob", () => {
  it.each([
    ["1980-04-25", "1980-04-25"],
    ["  1980-4-5 ", "1980-04-05"],
    ["1980/04/25", "1980-04-25"],
    ["1980.04.25", "1980-04-25"],
    ["1980 04 25", "1980-04-25"],
    ["1980 - 04 - 25", "1980-04-25"],
    ["19800425", "1980-04-25"],
    ["2000-02-29", "2000-02-29"],
    ["2026-03-10", "2026-03-10"],
  ])("reads %j as %s", (text, value) => {
    expect(parseDob(text, TODAY)).toEqual({ ok: true, value });
  });

  it.each([
    ["", "required"],
    ["   ", "required"],
    ["25/04/1980", "dobFormat"],
    ["25-04-1980", "dobFormat"],
    ["April 25 1980", "dobFormat"],
    ["1980-04", "dobFormat"],
    ["80-04-25", "dobFormat"],
    ["1980-13-01", "dobInvalid"],
    ["1980-00-10", "dobInvalid"],
    ["1981-02-29", "dobInvalid"],
    ["1980-04-31", "dobInvalid"],
    ["2026-03-11", "dobFuture"],
    ["1879-12-31", "dobTooOld"],
  ])("refuses %j (%s)", (text, key) => {
    expect(parseDob(text, TODAY)).toEqual({ ok: false, problem: { key } });
  });

  it("formats today in the local zone", () => {
    expect(localToday(new Date(2026, 0, 5, 23, 30))).toBe("2026-01-05");
  });
});

describe("buildIdentify", () => {
  const form = { ...emptyIdentifyForm(), familyName: "  van  Dijk ", dob: "1980-4-25", factorValue: " AB12CD " };

  it("builds the request with an appointment code", () => {
    expect(buildIdentify(form, TODAY)).toEqual({
      ok: true,
      request: { family_name: "van Dijk", date_of_birth: "1980-04-25", factor: { kind: "appointment_code", value: "AB12CD" } },
    });
  });

  it("builds the request with the last 4 phone digits", () => {
    const r = buildIdentify({ ...form, factorKind: "phone_last_digits", factorValue: "12 34" }, TODAY);
    expect(r).toEqual({
      ok: true,
      request: { family_name: "van Dijk", date_of_birth: "1980-04-25", factor: { kind: "phone_last_digits", value: "1234" } },
    });
  });

  it("names the problem of each input", () => {
    expect(buildIdentify(emptyIdentifyForm(), TODAY)).toEqual({
      ok: false,
      problems: { familyName: { key: "required" }, dob: { key: "required" }, factorValue: { key: "code" } },
    });
    expect(
      buildIdentify({ ...form, dob: "25/04/1980", factorKind: "phone_last_digits", factorValue: "123" }, TODAY),
    ).toEqual({ ok: false, problems: { dob: { key: "dobFormat" }, factorValue: { key: "phoneDigits" } } });
    expect(buildIdentify({ ...form, factorKind: "phone_last_digits", factorValue: "12a4" }, TODAY)).toEqual({
      ok: false,
      problems: { factorValue: { key: "phoneDigits" } },
    });
    for (const code of ["AB1", "ABCDEFGHIJKLM"]) {
      expect(buildIdentify({ ...form, factorValue: code }, TODAY)).toEqual({
        ok: false,
        problems: { factorValue: { key: "code" } },
      });
    }
    expect(buildIdentify({ ...form, familyName: "x".repeat(101) }, TODAY)).toEqual({
      ok: false,
      problems: { familyName: { key: "tooLong", max: 100 } },
    });
  });
});

const details = (over: Partial<KioskDetails> = {}): KioskDetails => ({
  phone: "+1 555 0100",
  email: "ada@example.org",
  address: { line1: "1 Main St", line2: "", city: "Springfield", region: "IL", postal_code: "62701", country: "US" },
  insurance: { payer: "Acme Health", member_id: "M-1", group_number: "" },
  ...over,
});

describe("details form", () => {
  it("round-trips the details", () => {
    expect(formToDetails(detailsToForm(details()))).toEqual(details());
    expect(formToDetails(detailsToForm(details({ insurance: null })))).toEqual(details({ insurance: null }));
  });

  it("trims, and drops insurance when all its inputs are empty", () => {
    const f = { ...detailsToForm(details()), phone: " 555 ", payer: " ", memberId: "", groupNumber: "  " };
    expect(formToDetails(f)).toEqual(details({ phone: "555", insurance: null }));
  });

  it("tells whether anything changed", () => {
    const f = detailsToForm(details());
    expect(sameDetails(f, details())).toBe(true);
    expect(sameDetails({ ...f, email: " ada@example.org " }, details())).toBe(true);
    expect(sameDetails({ ...f, city: "Shelbyville" }, details())).toBe(false);
  });
});

describe("server field errors", () => {
  it("places details errors next to their inputs", () => {
    expect(
      placeDetailsErrors([
        { field: "phone", message: "Bad phone" },
        { field: "details.email", message: "Bad email" },
        { field: "address.postal_code", message: "Bad postal code" },
        { field: "insurance.member_id", message: "Bad member id" },
        { field: "insurance.member_id", message: "Second problem" },
        { field: "something_else", message: "Other" },
      ]),
    ).toEqual({
      byField: { phone: "Bad phone", email: "Bad email", postalCode: "Bad postal code", memberId: "Bad member id" },
      other: ["Other"],
    });
    expect(placeDetailsErrors(undefined)).toEqual({ byField: {}, other: [] });
  });

  it("places identify errors next to their inputs", () => {
    expect(
      placeIdentifyErrors([
        { field: "date_of_birth", message: "Bad date" },
        { field: "factor.value", message: "Bad code" },
      ]),
    ).toEqual({ byField: { dob: "Bad date", factorValue: "Bad code" }, other: [] });
  });
});

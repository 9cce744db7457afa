import { describe, expect, it } from "vitest";
import type { PatientDetails } from "../../../bindings/PatientDetails";
import { detailsToForm, emptyForm, fieldPaths, formToDetails, testIdFor } from "./formModel";
import { firstInvalidPath, splitFieldErrors } from "./serverErrors";

const details: PatientDetails = {
  given_name: "Ada",
  middle_name: "King",
  family_name: "Lovelace",
  date_of_birth: "1815-12-10",
  sex: "female",
  phone: "+44 20 7946 0000",
  email: "ada@example.org",
  address: { line1: "1 St James's Sq", line2: "", city: "London", region: "", postal_code: "SW1Y", country: "GB" },
  emergency_contacts: [{ name: "Mary", relationship: "mother", phone: "+44 20 7946 0001" }],
  insurance: { payer: "Acme", member_id: "M-1", group_number: "" },
  preferences: { language: "en", contact_channel: "email" },
};

describe("form <-> details", () => {
  it("round-trips a full record", () => {
    expect(formToDetails(detailsToForm(details))).toEqual(details);
  });

  it("maps null sex and insurance to form flags and back", () => {
    const d = { ...details, sex: null, insurance: null };
    const f = detailsToForm(d);
    expect(f.sex).toBe("");
    expect(f.has_insurance).toBe(false);
    expect(formToDetails(f)).toEqual(d);
  });

  it("drops typed insurance when the box is unchecked", () => {
    const f = { ...detailsToForm(details), has_insurance: false };
    expect(formToDetails(f).insurance).toBeNull();
  });

  it("defaults a new patient to English by phone, nothing else recorded", () => {
    const d = formToDetails(emptyForm());
    expect(d.preferences).toEqual({ language: "en", contact_channel: "phone" });
    expect(d.sex).toBeNull();
    expect(d.insurance).toBeNull();
    expect(d.emergency_contacts).toEqual([]);
  });
});

describe("field paths and server errors", () => {
  it("lists paths in screen order, including dynamic rows", () => {
    const paths = fieldPaths(detailsToForm(details));
    expect(paths.indexOf("given_name")).toBe(0);
    expect(paths).toContain("emergency_contacts.0.phone");
    expect(paths).toContain("insurance.member_id");
    expect(paths.indexOf("address.city")).toBeLessThan(paths.indexOf("insurance.payer"));
    expect(fieldPaths(emptyForm())).not.toContain("insurance.payer");
    expect(testIdFor("has_insurance")).toBe("field-has-insurance");
    expect(testIdFor("address.city")).toBe("field-address.city");
  });

  it("puts server messages on their fields and keeps the rest for a summary", () => {
    const values = detailsToForm(details);
    const { byPath, unmatched } = splitFieldErrors(
      [
        { field: "email", message: "Bad email." },
        { field: "emergency_contacts.0.phone", message: "Too short." },
        { field: "emergency_contacts.0.phone", message: "Digits only." },
        { field: "name.family", message: "Required." },
        { field: "emergency_contacts", message: "At most 10." },
        { field: "emergency_contacts.5.name", message: "No such row." },
      ],
      values,
    );
    expect(byPath).toEqual({
      email: "Bad email.",
      "emergency_contacts.0.phone": "Too short. Digits only.",
      family_name: "Required.",
    });
    expect(unmatched.map((u) => u.field)).toEqual(["emergency_contacts", "emergency_contacts.5.name"]);
    expect(firstInvalidPath(byPath, values)).toBe("family_name");
    expect(firstInvalidPath({}, values)).toBeUndefined();
  });
});

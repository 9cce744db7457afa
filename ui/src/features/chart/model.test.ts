// The chart model: form values to details and back, and the statuses per kind.
import { describe, expect, it } from "vitest";
import { detailsToValues, emptyValues, entryTitle, otherFields, STATUSES, valuesToDetails } from "./model";
import { diabetes, dietPlan, metformin, penicillin } from "./testing";

describe("chart model", () => {
  it("round-trips the details of every kind through the form", () => {
    for (const d of [penicillin, metformin, diabetes, dietPlan]) {
      expect(valuesToDetails(d.kind, detailsToValues(d))).toEqual(d);
    }
  });

  it("trims, and sends an empty severity as not recorded", () => {
    const values = { ...emptyValues("allergy"), substance: "  Latex ", severity: "" };
    expect(valuesToDetails("allergy", values)).toEqual({
      kind: "allergy",
      substance: "Latex",
      reaction: "",
      severity: null,
      onset_date: "",
    });
    expect(valuesToDetails("allergy", { ...values, severity: "bogus" })).toMatchObject({ severity: null });
  });

  it("names an entry by what it is and lists its other recorded fields", () => {
    expect(entryTitle(metformin)).toBe("Metformin");
    expect(otherFields({ ...penicillin, reaction: "", severity: null }).map((f) => f.field)).toEqual(["onset_date"]);
  });

  it("allows each kind its own statuses", () => {
    expect(STATUSES.allergy).toEqual(STATUSES.problem);
    expect(STATUSES.medication).toEqual(["active", "stopped", "completed", "entered_in_error"]);
    expect(STATUSES.plan).toEqual(STATUSES.medication);
  });
});

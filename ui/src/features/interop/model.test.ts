// Progress value, totals and the problem filter of the FHIR screen.
import { describe, expect, it } from "vitest";
import type { FhirProblem } from "../../bindings/FhirProblem";
import { filterProblems, origin, progressPercent } from "./model";

const problem = (over: Partial<FhirProblem>): FhirProblem => ({
  kind: "error",
  resource_type: "Observation",
  id: "bp-1",
  source: "a.json",
  line: null,
  entry: "entry[3]",
  path: "status",
  reason: "'finished-ish' is not one of: final",
  count: 1,
  ...over,
});

describe("progressPercent", () => {
  it("gives reading the first tenth and the patients the rest", () => {
    expect(progressPercent(null)).toBe(0);
    expect(progressPercent({ phase: "reading", done: 1, total: 2 })).toBe(5);
    expect(progressPercent({ phase: "importing", done: 0, total: 11 })).toBe(10);
    expect(progressPercent({ phase: "importing", done: 11, total: 11 })).toBe(100);
    expect(progressPercent({ phase: "importing", done: 0, total: 0 })).toBe(0);
  });
});

describe("filterProblems", () => {
  const all = [
    problem({}),
    problem({ kind: "skipped", resource_type: "Claim", id: null, reason: "Claim is not a resource type the clinic imports", count: 40 }),
    problem({ kind: "kept", resource_type: "Encounter", id: "e1", reason: "the chart cannot hold it: started_at" }),
  ];
  it("keeps a kind, or all", () => {
    expect(filterProblems(all, { kind: "all", text: "" })).toHaveLength(3);
    expect(filterProblems(all, { kind: "skipped", text: "" }).map((p) => p.resource_type)).toEqual(["Claim"]);
  });
  it("matches the text in the type, id, file or reason, in any case", () => {
    expect(filterProblems(all, { kind: "all", text: "claim" })).toHaveLength(1);
    expect(filterProblems(all, { kind: "all", text: "BP-1" })).toHaveLength(1);
    expect(filterProblems(all, { kind: "all", text: "a.json" })).toHaveLength(3);
    expect(filterProblems(all, { kind: "error", text: "chart" })).toHaveLength(0);
  });
});

describe("origin", () => {
  it("names the line of NDJSON and the entry of a bundle", () => {
    expect(origin(problem({ source: "Patient.ndjson", line: 7, entry: null }))).toBe("Patient.ndjson:7");
    expect(origin(problem({}))).toBe("a.json entry[3]");
    expect(origin(problem({ entry: null }))).toBe("a.json");
  });
});

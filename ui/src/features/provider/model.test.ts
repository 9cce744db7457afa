// The provider feature's pure helpers: troubleshooting per error kind, the progress
// value, documents grouped by type, the history's query, the endpoint form's secret
// (write-only) and the link form's input.
import { describe, expect, it } from "vitest";
import i18n from "../../i18n";
import {
  changedTypes,
  countsTotals,
  documentSources,
  emptyEndpointForm,
  endpointToForm,
  ERROR_KINDS,
  groupDocumentsByType,
  historyQuery,
  isTemporary,
  linkIncomplete,
  NO_HISTORY_FILTERS,
  progressPercent,
  refreshMinutesOk,
  toLinkInput,
  toSaveEndpoint,
  troubleshootingSteps,
} from "./model";
import { navItems, routeAllowed } from "../shell/nav";
import { endpoint, providerDoc } from "./testing";

describe("troubleshooting", () => {
  it("gives every error kind its own steps, each with words", () => {
    const seen = new Set<string>();
    for (const kind of ERROR_KINDS) {
      const steps = troubleshootingSteps(kind);
      expect(steps.length).toBeGreaterThan(0);
      seen.add(steps.join(","));
      for (const step of steps) expect(i18n.exists(`provider.steps.${step}`)).toBe(true);
      expect(i18n.exists(`provider.errorKind.${kind}`)).toBe(true);
      expect(i18n.exists(`provider.errorExplained.${kind}`)).toBe(true);
    }
    expect(seen.size).toBe(ERROR_KINDS.length);
  });

  it("says a temporary failure is retried by itself, and only a temporary one", () => {
    for (const kind of ERROR_KINDS) {
      expect(troubleshootingSteps(kind).includes("autoRetry")).toBe(isTemporary(kind));
    }
    expect(ERROR_KINDS.filter(isTemporary)).toEqual(["unreachable", "timeout", "server_error"]);
    expect(troubleshootingSteps("unauthorized")[0]).toBe("renewToken");
    expect(troubleshootingSteps("patient_not_found")).toContain("checkRemoteId");
    expect(troubleshootingSteps("not_configured")[0]).toBe("credentialsHere");
  });
});

describe("progressPercent", () => {
  const p = (phase: "resolving" | "fetching" | "applying", done: number, total: number) => ({
    job_id: "j",
    patient_id: null,
    phase,
    resource_type: null,
    done,
    total,
  });
  it("is the share of steps done, none while finding the patient, and never beyond 100", () => {
    expect(progressPercent(null)).toBe(0);
    expect(progressPercent(p("resolving", 0, 8))).toBe(0);
    expect(progressPercent(p("fetching", 3, 8))).toBe(38);
    expect(progressPercent(p("applying", 8, 8))).toBe(100);
    expect(progressPercent(p("applying", 9, 8))).toBe(100);
    expect(progressPercent(p("fetching", 1, 0))).toBe(0);
  });
});

describe("documents", () => {
  it("groups by type in the documents' order, newest first in each", () => {
    const docs = [
      providerDoc({ document_type: "letter", title: "Old letter", document_date: "2024-01-01" }),
      providerDoc({ document_type: "lab_report", title: "Lipids", document_date: "2025-06-01" }),
      providerDoc({ document_type: "letter", title: "New letter", document_date: "2026-01-01" }),
    ];
    const groups = groupDocumentsByType(docs);
    expect(groups.map((g) => g.type)).toEqual(["lab_report", "letter"]);
    expect(groups[1]!.documents.map((d) => d.title)).toEqual(["New letter", "Old letter"]);
    expect(groupDocumentsByType([])).toEqual([]);
  });

  it("counts the documents per source", () => {
    const docs = [providerDoc({ source: "B" }), providerDoc({ source: "A" }), providerDoc({ source: "B" })];
    expect(documentSources(docs)).toEqual([
      { source: "B", count: 2 },
      { source: "A", count: 1 },
    ]);
  });

  it("totals a pull's counts and lists only the types with changes", () => {
    const counts = [
      { resource_type: "Observation", imported: 3, updated: 1, unchanged: 5, kept: 0, skipped: 0, errors: 0 },
      { resource_type: "AllergyIntolerance", imported: 0, updated: 0, unchanged: 2, kept: 0, skipped: 0, errors: 0 },
      { resource_type: "DocumentReference", imported: 2, updated: 0, unchanged: 0, kept: 0, skipped: 1, errors: 1 },
    ];
    expect(countsTotals(counts)).toEqual({ imported: 5, updated: 1, unchanged: 7, kept: 0, skipped: 1, errors: 1 });
    expect(changedTypes(counts).map((c) => c.resource_type)).toEqual(["DocumentReference", "Observation"]);
  });
});

describe("historyQuery", () => {
  it("sends only the filters set, the text trimmed", () => {
    expect(historyQuery(NO_HISTORY_FILTERS)).toEqual({ patient_id: null, status: null, kind: null, text: null, limit: 200 });
    expect(historyQuery({ patientId: "p1", status: "failed", kind: "pull", text: "  MRN-1 " })).toEqual({
      patient_id: "p1",
      status: "failed",
      kind: "pull",
      text: "MRN-1",
      limit: 200,
    });
  });
});

describe("the endpoint form", () => {
  it("keeps the held secret when the field is left empty, and never fills it from the endpoint", () => {
    const values = endpointToForm(endpoint());
    expect(values.secret).toBe("");
    expect(toSaveEndpoint(values, false).secret).toBeNull();
    expect(toSaveEndpoint({ ...values, secret: "   " }, false).secret).toBeNull();
  });

  it("replaces the secret when one is typed and forgets it with an empty string", () => {
    const values = endpointToForm(endpoint());
    expect(toSaveEndpoint({ ...values, secret: " tok-123 " }, false).secret).toBe("tok-123");
    expect(toSaveEndpoint({ ...values, secret: "tok-123" }, true).secret).toBe("");
    expect(toSaveEndpoint({ ...values, auth: "open", secret: "tok" }, false).secret).toBeNull();
  });

  it("sends the SMART fields only with SMART, trimmed, empty ones as null", () => {
    const base = { ...emptyEndpointForm(), name: " Riverside ", baseUrl: " https://x.example/r4 ", clientId: "c1", tokenUrl: "https://x.example/token" };
    expect(toSaveEndpoint(base, false)).toMatchObject({ name: "Riverside", base_url: "https://x.example/r4", client_id: null, token_url: null, scope: null, id: null });
    expect(toSaveEndpoint({ ...base, auth: "smart_backend", scope: "system/*.read" }, false)).toMatchObject({
      client_id: "c1",
      token_url: "https://x.example/token",
      scope: "system/*.read",
    });
  });

  it("accepts 0 or 5 minutes to 7 days for the refresh", () => {
    expect([0, 5, 60, 10080, "30"].map(refreshMinutesOk)).toEqual([true, true, true, true, true]);
    expect([1, 4, 10081, 2.5, "", "x"].map(refreshMinutesOk)).toEqual([false, false, false, false, false, false]);
  });
});

describe("the link form", () => {
  it("needs an id or an identifier, and names the clinic's default provider by null", () => {
    expect(linkIncomplete({ providerId: "", remotePatientId: " ", identifier: "" })).toBe(true);
    expect(toLinkInput("p1", { providerId: "", remotePatientId: "", identifier: " sys|42 " })).toEqual({
      patient_id: "p1",
      provider_id: null,
      remote_patient_id: null,
      identifier: "sys|42",
    });
    expect(toLinkInput("p1", { providerId: "e1", remotePatientId: "Patient/7", identifier: "" }).provider_id).toBe("e1");
  });
});

describe("the Provider sync screen in the navigation", () => {
  it("is offered to administrators, the front desk and clinicians, not billing", () => {
    const offered = (["administrator", "front_desk", "doctor", "nurse", "billing"] as const).filter((role) =>
      navItems(role).some((i) => i.testId === "nav-provider-sync"),
    );
    expect(offered).toEqual(["administrator", "front_desk", "doctor", "nurse"]);
    expect(routeAllowed("billing", "providerSync")).toBe(false);
  });
});

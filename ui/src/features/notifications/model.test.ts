// Notifications in words, including the scheduling kinds, local appointment times and
// the primary provider's kinds (records changed, a request updated, demographics sent).
import { describe, expect, it } from "vitest";
import type { Notification } from "../../bindings/Notification";
import i18n from "../../i18n";
import { localTime, notificationText } from "./model";

const t = i18n.t.bind(i18n);
const n = (over: Partial<Notification>): Notification => ({
  id: "n-1",
  kind: "new_result",
  patient_id: "patient-1",
  patient_mrn: "MRN-000123",
  detail: {},
  created_at: "2026-01-05T10:00:00Z",
  read_at: null,
  ...over,
});

describe("localTime", () => {
  it("formats an instant as HH:MM in the local zone", () => {
    const d = new Date("2026-01-05T09:05:00Z");
    const expected = `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
    expect(localTime("2026-01-05T09:05:00Z")).toBe(expected);
    expect(localTime("not a time")).toBeNull();
    expect(localTime(42)).toBeNull();
    expect(localTime("")).toBeNull();
  });
});

describe("notificationText", () => {
  it("says when a patient arrived", () => {
    const starts = "2026-01-05T14:30:00Z";
    expect(notificationText(t, n({ kind: "patient_arrived", detail: { appointment_id: "a", starts_at: starts } }))).toBe(
      `Patient arrived for your ${localTime(starts)} appointment (MRN MRN-000123)`,
    );
    expect(notificationText(t, n({ kind: "patient_arrived", detail: { appointment_id: "a" } }))).toBe(
      "Patient arrived for an appointment (MRN MRN-000123)",
    );
  });

  it("says how the schedule changed", () => {
    const text = (change: unknown) =>
      notificationText(t, n({ kind: "schedule_changed", detail: { change, starts_at: "2026-01-05T14:30:00Z" } as never }));
    expect(text("booked")).toBe("Your schedule changed: an appointment was booked (MRN MRN-000123)");
    expect(text("moved")).toBe("Your schedule changed: an appointment was moved (MRN MRN-000123)");
    expect(text("cancelled")).toBe("Your schedule changed: an appointment was cancelled (MRN MRN-000123)");
    expect(text("exploded")).toBe("Your schedule changed (MRN MRN-000123)");
  });

  it("counts the waitlist patients a freed slot suits", () => {
    const text = (waitlist: unknown) =>
      notificationText(t, n({ kind: "slot_freed", patient_id: null, patient_mrn: "", detail: { waitlist } as never }));
    expect(text(3)).toBe("A cancelled appointment freed time that suits 3 patients on the waitlist");
    expect(text(1)).toBe("A cancelled appointment freed time that suits 1 patient on the waitlist");
    expect(text(0)).toBe("A cancelled appointment freed time; check the waitlist");
    expect(text("many")).toBe("A cancelled appointment freed time; check the waitlist");
  });
});

describe("the primary provider's notifications", () => {
  it("say what a pull brought, leaving out what is missing or malformed", () => {
    expect(
      notificationText(t, n({ kind: "provider_records_changed", detail: { documents: 2, results: 1, allergies: 0 } })),
    ).toBe("New records from the primary care provider for MRN MRN-000123 (2 documents, 1 result)");
    expect(notificationText(t, n({ kind: "provider_records_changed", detail: { documents: "many" } }))).toBe(
      "New records from the primary care provider for MRN MRN-000123",
    );
  });

  it("say how a request for documents ended", () => {
    const request = (status: string | number) => n({ kind: "provider_request_updated", detail: { document_request: "r1", status } });
    expect(notificationText(t, request("completed"))).toBe(
      "The primary care provider completed a request for documents (MRN MRN-000123)",
    );
    expect(notificationText(t, request("rejected"))).toBe(
      "The primary care provider refused a request for documents (MRN MRN-000123)",
    );
    expect(notificationText(t, request(7))).toBe(
      "A request for documents changed at the primary care provider (MRN MRN-000123)",
    );
  });

  it("say whether demographics sent back were accepted, and why not", () => {
    const sent = (detail: Record<string, unknown>) => n({ kind: "provider_demographics_sent", detail: detail as never });
    expect(notificationText(t, sent({ accepted: true, error: null }))).toBe(
      "Demographics of MRN MRN-000123 were accepted by the primary care provider",
    );
    expect(notificationText(t, sent({ accepted: false, error: "rejected" }))).toBe(
      "The primary care provider did not accept the demographics of MRN MRN-000123: The provider refused what was sent",
    );
    expect(notificationText(t, sent({ accepted: false, error: "<b>odd</b>" }))).toBe(
      "The primary care provider did not accept the demographics of MRN MRN-000123",
    );
  });
});

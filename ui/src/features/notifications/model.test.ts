// Notifications in words, including the scheduling kinds and local appointment times.
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

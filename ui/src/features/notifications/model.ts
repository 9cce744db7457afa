// A notification in words: "New results for MRN … (3 values, 1 abnormal)", "A document
// was shared with you (MRN …)", "Patient arrived for your 09:30 appointment (MRN …)",
// "Your schedule changed: an appointment was moved (MRN …)" or "A cancelled appointment
// freed time that suits 2 patients on the waitlist". The detail carries ids, counts and
// times only; anything missing or malformed is left out rather than guessed.
import type { TFunction } from "i18next";
import type { Notification } from "../../bindings/Notification";

function field(detail: Notification["detail"], key: string): unknown {
  if (typeof detail !== "object" || detail === null || Array.isArray(detail)) return undefined;
  return (detail as Record<string, unknown>)[key];
}

/** A whole, non-negative count from the detail, or null. */
function count(detail: Notification["detail"], key: string): number | null {
  const v = field(detail, key);
  return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : null;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** An RFC 3339 instant as `HH:MM` in the browser's time zone, or null when unreadable. */
export function localTime(iso: unknown): string | null {
  if (typeof iso !== "string" || iso === "") return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
}

/** The local start time (`HH:MM`) of the appointment a notification is about, or null. */
export const startsAt = (n: Notification): string | null => localTime(field(n.detail, "starts_at"));

export function notificationText(t: TFunction, n: Notification): string {
  const mrn = n.patient_mrn || t("results.notifications.unknownPatient");
  switch (n.kind) {
    case "new_result": {
      const values = count(n.detail, "observations");
      const abnormal = count(n.detail, "abnormal");
      const parts: string[] = [];
      if (values !== null) parts.push(t("results.notifications.values", { count: values }));
      if (abnormal) parts.push(t("results.notifications.abnormal", { count: abnormal }));
      return parts.length > 0
        ? t("results.notifications.newResult", { mrn, details: parts.join(", ") })
        : t("results.notifications.newResultPlain", { mrn });
    }
    case "document_shared":
      return t("results.notifications.documentShared", { mrn });
    case "patient_arrived": {
      const time = startsAt(n);
      return time
        ? t("results.notifications.patientArrived", { time, mrn })
        : t("results.notifications.patientArrivedPlain", { mrn });
    }
    case "schedule_changed":
      switch (field(n.detail, "change")) {
        case "booked":
          return t("results.notifications.scheduleBooked", { mrn });
        case "moved":
          return t("results.notifications.scheduleMoved", { mrn });
        case "cancelled":
          return t("results.notifications.scheduleCancelled", { mrn });
        default:
          return t("results.notifications.scheduleChanged", { mrn });
      }
    case "slot_freed": {
      const waitlist = count(n.detail, "waitlist");
      return waitlist
        ? t("results.notifications.slotFreed", { count: waitlist })
        : t("results.notifications.slotFreedPlain");
    }
  }
}

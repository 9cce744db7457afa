// A notification in words: "New results for MRN … (3 values, 1 abnormal)", "A document
// was shared with you (MRN …)", "Patient arrived for your 09:30 appointment (MRN …)",
// "Your schedule changed: an appointment was moved (MRN …)", "A cancelled appointment
// freed time that suits 2 patients on the waitlist", and the primary provider's: "New
// records from the primary care provider for MRN … (2 documents, 3 results)", "The
// provider completed a request for documents (MRN …)", "Demographics of MRN … were
// accepted by the primary care provider" (or refused, with why). The detail carries ids,
// counts, statuses and times only; anything missing or malformed is left out rather
// than guessed.
import type { TFunction } from "i18next";
import type { Notification } from "../../bindings/Notification";
import { ERROR_KINDS } from "../provider/model";

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
    case "provider_records_changed": {
      const parts: string[] = [];
      const documents = count(n.detail, "documents");
      const results = count(n.detail, "results");
      // The core counts allergies, medications and problems separately.
      const chartItems =
        (count(n.detail, "allergies") ?? 0) + (count(n.detail, "medications") ?? 0) + (count(n.detail, "problems") ?? 0);
      if (documents) parts.push(t("results.notifications.providerDocuments", { count: documents }));
      if (results) parts.push(t("results.notifications.providerResults", { count: results }));
      if (chartItems) parts.push(t("results.notifications.providerChartItems", { count: chartItems }));
      return parts.length > 0
        ? t("results.notifications.providerRecordsChanged", { mrn, details: parts.join(", ") })
        : t("results.notifications.providerRecordsChangedPlain", { mrn });
    }
    case "provider_request_updated":
      switch (field(n.detail, "status")) {
        case "completed":
          return t("results.notifications.providerRequestCompleted", { mrn });
        case "rejected":
          return t("results.notifications.providerRequestRejected", { mrn });
        case "cancelled":
          return t("results.notifications.providerRequestCancelled", { mrn });
        default:
          return t("results.notifications.providerRequestUpdated", { mrn });
      }
    case "provider_demographics_sent": {
      const accepted = field(n.detail, "accepted");
      if (accepted === true) return t("results.notifications.providerDemographicsAccepted", { mrn });
      const error = field(n.detail, "error");
      const kind = ERROR_KINDS.find((k) => k === error);
      return kind
        ? t("results.notifications.providerDemographicsRefused", { mrn, why: t(`provider.errorKind.${kind}`) })
        : t("results.notifications.providerDemographicsRefusedPlain", { mrn });
    }
  }
}

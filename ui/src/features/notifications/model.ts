// A notification in words: "New results for MRN … (3 values, 1 abnormal)" or "A document
// was shared with you (MRN …)". The detail carries ids and counts only; anything missing
// or malformed is left out rather than guessed.
import type { TFunction } from "i18next";
import type { Notification } from "../../bindings/Notification";

/** A whole, non-negative count from the detail, or null. */
function count(detail: Notification["detail"], key: string): number | null {
  if (typeof detail !== "object" || detail === null || Array.isArray(detail)) return null;
  const v = (detail as Record<string, unknown>)[key];
  return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : null;
}

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
  }
}

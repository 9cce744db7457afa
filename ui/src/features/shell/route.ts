// In-memory routing: the current screen is plain React state (nothing in the URL, history
// or storage, so no patient data leaves memory).
import { createContext, useContext } from "react";
import type { InvoiceId } from "../../bindings/InvoiceId";
import type { PatientId } from "../../bindings/PatientId";
import type { PatientFormValues } from "../patients/form/formModel";

export type Route =
  | { name: "search" }
  | { name: "register"; draft?: PatientFormValues }
  | {
      name: "profile";
      id: PatientId;
      /** A one-off confirmation to show on arrival. */
      flash?: "saved" | "registered";
      /** Set when the user left a registration to look at a possible duplicate. */
      registerDraft?: PatientFormValues;
    }
  | { name: "edit"; id: PatientId }
  /** A patient's clinical chart (doctors and nurses). */
  | { name: "chart"; id: PatientId }
  /** The signed-in user's own account: password and authenticator (every role). */
  | { name: "account" }
  // Administrators' screens.
  | { name: "staff" }
  | { name: "settings" }
  | { name: "audit" }
  | { name: "alerts" }
  /** Documents colleagues shared with the signed-in clinician. */
  | { name: "inbox" }
  /** Scheduling: the calendar, one's own day, set-up, the waitlist, reassigning a day. */
  | { name: "calendar" }
  | { name: "myday" }
  | { name: "scheduleSetup" }
  | { name: "waitlist" }
  | { name: "reassign" }
  /** Device sync: open conflicts (several roles) and the sync server (administrators). */
  | { name: "conflicts" }
  | { name: "sync" }
  /** FHIR import (administrators, doctors) and the clinic-wide export (administrators). */
  | { name: "fhir" }
  /** The primary provider's sync history, optionally of one patient (administrators, front desk, clinicians). */
  | { name: "providerSync"; patientId?: PatientId; mrn?: string }
  /** A restricted patient's restriction and care team (administrators). */
  | { name: "restriction"; id: PatientId; mrn: string }
  /** Billing (administrators, billing, front desk): the invoices, optionally one invoice or a
   *  new draft for a patient, and the end of day. */
  | { name: "billing"; invoiceId?: InvoiceId; newFor?: { id: PatientId; label: string } }
  /** Practice dashboards (administrators, doctors, billing). */
  | { name: "dashboards" };

export type Navigate = (route: Route) => void;

export const NavigationContext = createContext<Navigate>(() => {
  throw new Error("NavigationContext is not provided");
});

export const useNavigate = (): Navigate => useContext(NavigationContext);

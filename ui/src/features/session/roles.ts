// What each role may use, as the UI shows it (mirrors `clinic_core::authz`; the shell
// enforces it on every command, this only hides what would be refused).
import type { Role } from "../../bindings/Role";

export const ROLES: readonly Role[] = ["administrator", "front_desk", "doctor", "nurse", "billing"];

/** Search and view patients: every role. */
export const canFindPatients = (role: Role): boolean => ROLES.includes(role);

/** Register and edit patients. */
export const canRegisterPatients = (role: Role): boolean =>
  role === "front_desk" || role === "doctor" || role === "nurse";

/** Staff, audit report, break-glass alerts, settings, patient restrictions. */
export const isAdministrator = (role: Role): boolean => role === "administrator";

/** Open the clinical chart (problems, medications, allergies, plans): doctors and nurses. */
export const canViewChart = (role: Role): boolean => role === "doctor" || role === "nurse";

/** The calendar: every role sees it (billing and administrators read only). */
export const canViewCalendar = (role: Role): boolean => ROLES.includes(role);

/** Book, move, cancel, check in, the waitlist: front desk, doctors and nurses. */
export const canBook = (role: Role): boolean => role === "front_desk" || role === "doctor" || role === "nurse";

/** Schedule set-up (hours, leave; administrators also settings, types, rooms), reassigning an
 *  absent provider's day, the reminder queue and the kiosk window: administrators and front desk. */
export const canManageSchedule = (role: Role): boolean => role === "administrator" || role === "front_desk";

/** A day list of one's own appointments: doctors and nurses (the bookable providers). */
export const isProvider = (role: Role): boolean => role === "doctor" || role === "nurse";

/** The sync conflicts screen: administrators, front desk, doctors and nurses. */
export const canSeeSyncConflicts = (role: Role): boolean =>
  role === "administrator" || role === "front_desk" || role === "doctor" || role === "nurse";

/** Resolve a sync conflict (keep / use other / not the same person): administrators and front desk. */
export const canResolveSyncConflicts = (role: Role): boolean => role === "administrator" || role === "front_desk";

/** Import FHIR files: administrators (moving records in) and doctors (a referral's record). */
export const canImportFhir = (role: Role): boolean => role === "administrator" || role === "doctor";

/** Export one patient's record as FHIR: doctors, nurses and administrators. */
export const canExportFhirPatient = (role: Role): boolean =>
  role === "administrator" || role === "doctor" || role === "nurse";

/** Export every patient as FHIR NDJSON: administrators. */
export const canExportAllFhir = (role: Role): boolean => role === "administrator";

// Which screens a role may open, and the header's navigation buttons in order. Mirrors
// the shell's permission matrix so the UI does not offer what would be refused. "My
// account" is open to every role; its button sits next to the user's name.
import type { Role } from "../../bindings/Role";
import {
  canBook,
  canFindPatients,
  canImportFhir,
  canSeeSyncConflicts,
  canManageSchedule,
  canRegisterPatients,
  canViewCalendar,
  canViewChart,
  isAdministrator,
  isProvider,
} from "../session/roles";
import { canUseBilling } from "../billing/model";
import { canSeeDashboards } from "../dashboards/model";
import { canUseProviderSync } from "../provider/model";
import type { Route } from "./route";

export type NavTarget =
  | "search"
  | "register"
  | "calendar"
  | "myday"
  | "waitlist"
  | "reassign"
  | "scheduleSetup"
  | "inbox"
  | "staff"
  | "audit"
  | "alerts"
  | "settings"
  | "conflicts"
  | "sync"
  | "fhir"
  | "providerSync"
  | "billing"
  | "dashboards"
  | "account";

export type NavItem = { target: NavTarget; testId: string; labelKey: NavLabelKey };

type NavLabelKey =
  | "nav.search"
  | "nav.register"
  | `nav.${"calendar" | "myday" | "waitlist" | "reassign" | "scheduleSetup" | "conflicts" | "sync" | "fhir" | "providerSync" | "billing" | "dashboards"}`
  | `session.nav.${"inbox" | "staff" | "audit" | "alerts" | "settings"}`;

const ALL: NavItem[] = [
  { target: "search", testId: "nav-search", labelKey: "nav.search" },
  { target: "register", testId: "nav-register", labelKey: "nav.register" },
  { target: "calendar", testId: "nav-calendar", labelKey: "nav.calendar" },
  { target: "myday", testId: "nav-myday", labelKey: "nav.myday" },
  { target: "waitlist", testId: "nav-waitlist", labelKey: "nav.waitlist" },
  { target: "reassign", testId: "nav-reassign", labelKey: "nav.reassign" },
  { target: "scheduleSetup", testId: "nav-schedule-setup", labelKey: "nav.scheduleSetup" },
  { target: "inbox", testId: "nav-inbox", labelKey: "session.nav.inbox" },
  { target: "conflicts", testId: "nav-conflicts", labelKey: "nav.conflicts" },
  { target: "staff", testId: "nav-staff", labelKey: "session.nav.staff" },
  { target: "audit", testId: "nav-audit", labelKey: "session.nav.audit" },
  { target: "alerts", testId: "nav-alerts", labelKey: "session.nav.alerts" },
  { target: "settings", testId: "nav-settings", labelKey: "session.nav.settings" },
  { target: "sync", testId: "nav-sync", labelKey: "nav.sync" },
  { target: "fhir", testId: "nav-fhir", labelKey: "nav.fhir" },
  { target: "providerSync", testId: "nav-provider-sync", labelKey: "nav.providerSync" },
  { target: "billing", testId: "nav-billing", labelKey: "nav.billing" },
  { target: "dashboards", testId: "nav-dashboards", labelKey: "nav.dashboards" },
];

export function routeAllowed(role: Role, name: Route["name"]): boolean {
  switch (name) {
    case "search":
    case "profile":
      return canFindPatients(role);
    case "account":
      return true;
    case "register":
    case "edit":
      return canRegisterPatients(role);
    case "chart":
    case "inbox":
      return canViewChart(role);
    case "calendar":
      return canViewCalendar(role);
    case "myday":
      return isProvider(role);
    case "waitlist":
      return canBook(role);
    case "reassign":
    case "scheduleSetup":
      return canManageSchedule(role);
    case "conflicts":
      return canSeeSyncConflicts(role);
    case "fhir":
      return canImportFhir(role);
    case "providerSync":
      return canUseProviderSync(role);
    case "billing":
      return canUseBilling(role);
    case "dashboards":
      return canSeeDashboards(role);
    case "staff":
    case "audit":
    case "alerts":
    case "settings":
    case "sync":
    case "restriction":
      return isAdministrator(role);
  }
}

export const navItems = (role: Role): NavItem[] => ALL.filter((item) => routeAllowed(role, item.target));

/** The header button to highlight for a route (none for a patient's pages). */
export function activeTarget(route: Route): NavTarget | null {
  if (route.name === "account") return "account";
  return ALL.some((item) => item.target === route.name) ? (route.name as NavTarget) : null;
}

// The only place the practice dashboards talk to the Tauri shell: one command per
// dashboard (each answers for a range of clinic dates, a granularity and an optional
// provider) and the CSV export (the shell shows the save dialog; `null`: cancelled).
import { invoke } from "@tauri-apps/api/core";
import type { AppointmentsDashboard } from "../../bindings/AppointmentsDashboard";
import type { AttendanceDashboard } from "../../bindings/AttendanceDashboard";
import type { DashboardKind } from "../../bindings/DashboardKind";
import type { DashboardQuery } from "../../bindings/DashboardQuery";
import type { ExportDashboard } from "../../bindings/ExportDashboard";
import type { PatientMixDashboard } from "../../bindings/PatientMixDashboard";
import type { ReceivablesDashboard } from "../../bindings/ReceivablesDashboard";
import type { RevenueDashboard } from "../../bindings/RevenueDashboard";
import type { UtilisationDashboard } from "../../bindings/UtilisationDashboard";

export type DashboardData = {
  appointments: AppointmentsDashboard;
  attendance: AttendanceDashboard;
  utilisation: UtilisationDashboard;
  patient_mix: PatientMixDashboard;
  revenue: RevenueDashboard;
  receivables: ReceivablesDashboard;
};

const COMMAND: Record<DashboardKind, string> = {
  appointments: "get_appointments_dashboard",
  attendance: "get_attendance_dashboard",
  utilisation: "get_utilisation_dashboard",
  patient_mix: "get_patient_mix_dashboard",
  revenue: "get_revenue_dashboard",
  receivables: "get_receivables_dashboard",
};

export const getDashboard = <K extends DashboardKind>(kind: K, query: DashboardQuery): Promise<DashboardData[K]> =>
  invoke<DashboardData[K]>(COMMAND[kind], { query });

export const exportDashboardCsv = (request: ExportDashboard): Promise<{ path: string } | null> =>
  invoke<{ path: string } | null>("export_dashboard_csv", { request });

export const dashboardKeys = {
  all: ["dashboards"] as const,
  one: (kind: DashboardKind, query: DashboardQuery) => ["dashboards", kind, query] as const,
};

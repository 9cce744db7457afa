// The administrators' commands: staff accounts (including password and authenticator
// resets), clinic settings, database re-key and the break-glass alert inbox. Each function is one command; failures reject with a `UiError`.
import { invoke } from "@tauri-apps/api/core";
import type { BreakGlassAlert } from "../../bindings/BreakGlassAlert";
import type { ClinicInfo } from "../../bindings/ClinicInfo";
import type { CreateStaff } from "../../bindings/CreateStaff";
import type { ResetStaffPassword } from "../../bindings/ResetStaffPassword";
import type { ResetStaffTotp } from "../../bindings/ResetStaffTotp";
import type { SetStaffDisabled } from "../../bindings/SetStaffDisabled";
import type { SetStaffRole } from "../../bindings/SetStaffRole";
import type { StaffMember } from "../../bindings/StaffMember";

export const listStaff = (): Promise<StaffMember[]> => invoke<StaffMember[]>("list_staff");

export const createStaff = (request: CreateStaff): Promise<StaffMember> =>
  invoke<StaffMember>("create_staff", { request });

export const setStaffRole = (request: SetStaffRole): Promise<StaffMember> =>
  invoke<StaffMember>("set_staff_role", { request });

export const setStaffDisabled = (request: SetStaffDisabled): Promise<StaffMember> =>
  invoke<StaffMember>("set_staff_disabled", { request });

export const resetStaffPassword = (request: ResetStaffPassword): Promise<StaffMember> =>
  invoke<StaffMember>("reset_staff_password", { request });

export const resetStaffTotp = (request: ResetStaffTotp): Promise<StaffMember> =>
  invoke<StaffMember>("reset_staff_totp", { request });

export const setAutoLock = (minutes: number): Promise<ClinicInfo> =>
  invoke<ClinicInfo>("set_auto_lock", { request: { minutes } });

export const rekeyDatabase = (): Promise<null> => invoke<null>("rekey_database");

export const listBreakGlassAlerts = (): Promise<BreakGlassAlert[]> =>
  invoke<BreakGlassAlert[]>("list_break_glass_alerts");

export const acknowledgeBreakGlassAlert = (alertId: string): Promise<BreakGlassAlert> =>
  invoke<BreakGlassAlert>("acknowledge_break_glass_alert", { request: { alert_id: alertId } });

export const adminKeys = {
  staff: ["staff"] as const,
  alerts: ["break-glass-alerts"] as const,
  /** The inactivity lock last saved in this session (no command reads it back). */
  autoLock: ["auto-lock-minutes"] as const,
};

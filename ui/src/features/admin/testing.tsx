// Test helpers for the administrators' and restricted-patient screens: a signed-in
// session of a given role around the screen under test, and sample staff rows.
import type { ReactElement } from "react";
import type { Role } from "../../bindings/Role";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { StaffMember } from "../../bindings/StaffMember";
import { SessionContext } from "../session/SessionContext";

export const sessionFor = (role: Role, over: Partial<SessionInfo> = {}): SessionInfo => ({
  staff_id: "staff-self",
  username: `${role}.user`,
  display_name: `The ${role}`,
  role,
  scope: "full",
  signed_in_at: "2026-01-05T09:00:00Z",
  auto_lock_minutes: 15,
  ...over,
});

export const withSession = (role: Role, ui: ReactElement, over: Partial<SessionInfo> = {}) => (
  <SessionContext.Provider value={sessionFor(role, over)}>{ui}</SessionContext.Provider>
);

export const staffMember = (username: string, over: Partial<StaffMember> = {}): StaffMember => ({
  id: `id-${username}`,
  username,
  display_name: username[0]!.toUpperCase() + username.slice(1),
  role: "front_desk",
  disabled: false,
  totp_enabled: false,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  ...over,
});

// The closed value lists the administrators' screens offer (roles, audit actions and
// categories, restriction categories). Each is a `Record` over the binding's union, so a
// value added on the Rust side fails the type check here until it is listed.
import type { AuditAction } from "../../bindings/AuditAction";
import type { AuditCategory } from "../../bindings/AuditCategory";
import type { RestrictionCategory } from "../../bindings/RestrictionCategory";
import type { Role } from "../../bindings/Role";

const keysOf = <T extends string>(r: Record<T, true>): T[] => Object.keys(r) as T[];

export const ROLES: Role[] = keysOf<Role>({
  administrator: true,
  front_desk: true,
  doctor: true,
  nurse: true,
  billing: true,
});

export const AUDIT_ACTIONS: AuditAction[] = keysOf<AuditAction>({
  view: true,
  create: true,
  update: true,
  delete: true,
  print: true,
  export: true,
  search: true,
  login: true,
  logout: true,
  login_failed: true,
  lock: true,
  unlock: true,
  role_change: true,
  account_change: true,
  break_glass: true,
  access_denied: true,
  rekey: true,
  settings_change: true,
  audit_verify: true,
});

export const AUDIT_CATEGORIES: AuditCategory[] = keysOf<AuditCategory>({
  demographics: true,
  chart: true,
  schedule: true,
  billing: true,
  security: true,
  audit: true,
  system: true,
});

export const RESTRICTION_CATEGORIES: RestrictionCategory[] = keysOf<RestrictionCategory>({
  staff_member: true,
  staff_relative: true,
  public_figure: true,
  safeguarding: true,
  other: true,
});

export const isRole = (s: string): s is Role => (ROLES as string[]).includes(s);
export const isAuditAction = (s: string): s is AuditAction => (AUDIT_ACTIONS as string[]).includes(s);
export const isAuditCategory = (s: string): s is AuditCategory => (AUDIT_CATEGORIES as string[]).includes(s);
export const isRestrictionCategory = (s: string): s is RestrictionCategory =>
  (RESTRICTION_CATEGORIES as string[]).includes(s);

/** Roles that may request break-glass access to a restricted chart. */
export const canBreakGlass = (role: Role): boolean => role === "doctor" || role === "nurse";

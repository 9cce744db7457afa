// The audit report's filter form and how it becomes an `AuditQuery`: blank filters are
// left out, dates are `YYYY-MM-DD` local calendar days (inclusive, the backend turns them
// into instants), and the sort toggles between ascending and descending per column.
import type { AuditAction } from "../../bindings/AuditAction";
import type { AuditCategory } from "../../bindings/AuditCategory";
import type { AuditQuery } from "../../bindings/AuditQuery";
import type { AuditSort } from "../../bindings/AuditSort";
import type { AuditSortColumn } from "../../bindings/AuditSortColumn";

export const AUDIT_PAGE_SIZE = 50;

export type AuditFilters = {
  from: string;
  to: string;
  actorId: string;
  patientId: string;
  action: AuditAction | "";
  category: AuditCategory | "";
};

export const emptyFilters: AuditFilters = { from: "", to: "", actorId: "", patientId: "", action: "", category: "" };

/** The backend's default: newest first. */
export const DEFAULT_SORT: AuditSort = { column: "time", direction: "desc" };

/** True for a real calendar date written as `YYYY-MM-DD`. */
export function isIsoDay(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** Date filters that are filled in but not a `YYYY-MM-DD` day. */
export function invalidDates(f: Pick<AuditFilters, "from" | "to">): ("from" | "to")[] {
  return (["from", "to"] as const).filter((k) => f[k].trim() !== "" && !isIsoDay(f[k].trim()));
}

export function buildAuditQuery(
  f: AuditFilters,
  sort: AuditSort,
  page: number,
  pageSize: number = AUDIT_PAGE_SIZE,
): AuditQuery {
  const q: AuditQuery = { sort, page, page_size: pageSize };
  const from = f.from.trim();
  const to = f.to.trim();
  const actor = f.actorId.trim();
  const patient = f.patientId.trim();
  if (from) q.from = from;
  if (to) q.to = to;
  if (actor) q.actor_id = actor;
  if (patient) q.patient_id = patient;
  if (f.action) q.action = f.action;
  if (f.category) q.category = f.category;
  return q;
}

/** Same column: flip the direction. New column: time and sequence newest first, others A→Z. */
export function toggleSort(sort: AuditSort, column: AuditSortColumn): AuditSort {
  if (sort.column === column) return { column, direction: sort.direction === "asc" ? "desc" : "asc" };
  return { column, direction: column === "time" || column === "seq" ? "desc" : "asc" };
}

/** The `detail` JSON as one compact line of text (shown as text, never as markup). */
export function compactDetail(detail: unknown): string {
  if (detail === null || detail === undefined) return "";
  if (typeof detail === "string") return detail;
  try {
    return JSON.stringify(detail);
  } catch {
    return String(detail);
  }
}

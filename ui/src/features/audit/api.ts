// The audit report's commands: one page of entries, the CSV export (the backend asks
// where to save; `null` means the administrator cancelled) and the chain verification.
import { invoke } from "@tauri-apps/api/core";
import type { AuditExported } from "../../bindings/AuditExported";
import type { AuditPage } from "../../bindings/AuditPage";
import type { AuditQuery } from "../../bindings/AuditQuery";
import type { AuditVerification } from "../../bindings/AuditVerification";

export const viewAudit = (query: AuditQuery): Promise<AuditPage> => invoke<AuditPage>("view_audit", { query });

export const exportAudit = (query: AuditQuery): Promise<AuditExported | null> =>
  invoke<AuditExported | null>("export_audit", { query });

export const verifyAudit = (): Promise<AuditVerification> => invoke<AuditVerification>("verify_audit");

export const auditKeys = {
  all: ["audit"] as const,
  page: (query: AuditQuery) => ["audit", query] as const,
};

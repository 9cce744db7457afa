// Placeholder: replaced by the audit report work.
export function AuditScreen() {
  return null;
}

// The result of verifying the audit hash chain: a green "intact" note, or a red list of
// the problems found (sequence number, kind, message).
import { Alert, List, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { AuditVerification } from "../../bindings/AuditVerification";

export function AuditVerifyResult({ result }: { result: AuditVerification }) {
  const { t } = useTranslation();
  if (result.ok) {
    return (
      <Alert color="green" role="status" data-testid="audit-verify-result" data-ok="true">
        {t("admin.audit.verifyOk", { count: result.checked })}
      </Alert>
    );
  }
  return (
    <Alert
      color="red"
      role="alert"
      title={t("admin.audit.verifyFailedTitle")}
      data-testid="audit-verify-result"
      data-ok="false"
    >
      <Text size="sm">{t("admin.audit.verifyFailed", { count: result.problem_count, checked: result.checked })}</Text>
      {result.problems.length < result.problem_count ? (
        <Text size="sm">{t("admin.audit.verifyShowing", { shown: result.problems.length })}</Text>
      ) : null}
      <List size="sm" mt="xs" data-testid="audit-problems">
        {result.problems.map((p, i) => (
          <List.Item key={`${p.seq}-${i}`} data-testid="audit-problem" data-seq={p.seq} data-kind={p.kind}>
            <strong>{t("admin.audit.problemSeq", { seq: p.seq })}</strong> ({t(`admin.audit.kind.${p.kind}`)}): {p.message}
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}

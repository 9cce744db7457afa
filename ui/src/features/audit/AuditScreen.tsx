// The audit report (administrators): filters, a sortable and paged table of entries,
// "Export CSV" (saved where the administrator chooses) and "Verify chain".
import { Alert, Button, Center, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { AuditExported } from "../../bindings/AuditExported";
import type { AuditQuery } from "../../bindings/AuditQuery";
import type { AuditSort } from "../../bindings/AuditSort";
import type { AuditVerification } from "../../bindings/AuditVerification";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { adminKeys, listStaff } from "../admin/api";
import { CommandError } from "../admin/CommandError";
import { splitErrors } from "../admin/format";
import { auditKeys, exportAudit, verifyAudit, viewAudit } from "./api";
import { AuditFiltersForm } from "./AuditFiltersForm";
import { AuditTable } from "./AuditTable";
import { AuditVerifyResult } from "./AuditVerifyResult";
import { buildAuditQuery, DEFAULT_SORT, emptyFilters, invalidDates, toggleSort, type AuditFilters } from "./auditQuery";

export const TEXT_DEBOUNCE_MS = 300;
const SERVER_FIELDS = ["from", "to", "actor_id", "patient_id", "action", "category"] as const;

const rejectUi = (e: unknown) => Promise.reject(toUiError(e));

export function AuditScreen() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [filters, setFilters] = useState<AuditFilters>(emptyFilters);
  const [sort, setSort] = useState<AuditSort>(DEFAULT_SORT);
  // Typed filters settle before they query; selects apply at once.
  const [from] = useDebouncedValue(filters.from, TEXT_DEBOUNCE_MS);
  const [to] = useDebouncedValue(filters.to, TEXT_DEBOUNCE_MS);
  const [patientId] = useDebouncedValue(filters.patientId, TEXT_DEBOUNCE_MS);
  const applied: AuditFilters = { ...filters, from, to, patientId };
  const badDates = invalidDates(applied);

  // The page belongs to one set of filters and sort: anything else starts at page 0.
  const signature = JSON.stringify(buildAuditQuery(applied, sort, 0));
  const [paging, setPaging] = useState({ signature, page: 0 });
  const page = paging.signature === signature ? paging.page : 0;
  const query: AuditQuery = buildAuditQuery(applied, sort, page);

  const report = useQuery({
    queryKey: auditKeys.page(query),
    queryFn: () => viewAudit(query).catch(rejectUi),
    enabled: badDates.length === 0,
    placeholderData: keepPreviousData,
  });
  const staff = useQuery({ queryKey: adminKeys.staff, queryFn: listStaff });

  const exporting = useMutation<AuditExported | null, UiError, AuditQuery>({
    mutationFn: (q) => exportAudit(q).catch(rejectUi),
    onSettled: () => void client.invalidateQueries({ queryKey: auditKeys.all }),
  });
  const verifying = useMutation<AuditVerification, UiError, void>({
    mutationFn: () => verifyAudit().catch(rejectUi),
    onSettled: () => void client.invalidateQueries({ queryKey: auditKeys.all }),
  });

  const server = splitErrors(report.isError ? toUiError(report.error) : null, SERVER_FIELDS);
  const fieldErrors: Partial<Record<keyof AuditFilters, string>> = {
    from: server.byField.from,
    to: server.byField.to,
    actorId: server.byField.actor_id,
    patientId: server.byField.patient_id,
  };
  for (const k of badDates) fieldErrors[k] = t("admin.audit.dateFormat");

  const data = badDates.length === 0 && !report.isError ? report.data : undefined;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.page_size)) : 1;
  const setPage = (p: number) => setPaging({ signature, page: p });

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          {t("admin.audit.title")}
        </Title>
        <Group gap="sm">
          <Button
            variant="default"
            loading={exporting.isPending}
            disabled={badDates.length > 0}
            onClick={() => exporting.mutate(buildAuditQuery(applied, sort, 0))}
            data-testid="audit-export"
          >
            {exporting.isPending ? t("admin.audit.exporting") : t("admin.audit.export")}
          </Button>
          <Button loading={verifying.isPending} onClick={() => verifying.mutate()} data-testid="audit-verify">
            {verifying.isPending ? t("admin.audit.verifying") : t("admin.audit.verify")}
          </Button>
        </Group>
      </Group>

      {verifying.data ? <AuditVerifyResult result={verifying.data} /> : null}
      {verifying.error ? (
        <CommandError error={verifying.error} testId="audit-verify-error" title={t("admin.audit.verifyErrorTitle")} />
      ) : null}
      {exporting.isSuccess ? (
        <Alert color={exporting.data ? "green" : "gray"} role="status" data-testid="audit-export-result">
          {exporting.data
            ? t("admin.audit.exported", { count: exporting.data.rows, path: exporting.data.path })
            : t("admin.audit.exportCancelled")}
        </Alert>
      ) : null}
      {exporting.error ? (
        <CommandError error={exporting.error} testId="audit-export-error" title={t("admin.audit.exportErrorTitle")} />
      ) : null}

      <AuditFiltersForm
        values={filters}
        onChange={(patch) => setFilters((f) => ({ ...f, ...patch }))}
        onClear={() => setFilters(emptyFilters)}
        errors={fieldErrors}
        staff={staff.data ?? []}
      />

      {server.rest ? (
        <CommandError error={server.rest} testId="audit-error" title={t("admin.audit.errorTitle")} />
      ) : null}

      {data ? (
        <>
          <Group justify="space-between">
            <Text size="sm" fw={600} data-testid="audit-total" data-total={data.total} aria-live="polite">
              {t("admin.audit.total", { count: data.total })}
            </Text>
            {report.isFetching ? <Loader size="xs" aria-label={t("admin.audit.loading")} /> : null}
          </Group>
          <AuditTable items={data.items} sort={sort} onSort={(c) => setSort((s) => toggleSort(s, c))} />
          {data.items.length === 0 ? (
            <Text size="sm" data-testid="audit-empty">
              {t("admin.audit.empty")}
            </Text>
          ) : null}
          <Group justify="space-between">
            <Button
              variant="default"
              disabled={page === 0 || report.isFetching}
              onClick={() => setPage(page - 1)}
              data-testid="audit-prev"
            >
              {t("admin.audit.prev")}
            </Button>
            <Text size="sm" data-testid="audit-page">
              {t("admin.audit.page", { page: page + 1, pages })}
            </Text>
            <Button
              variant="default"
              disabled={page + 1 >= pages || report.isFetching}
              onClick={() => setPage(page + 1)}
              data-testid="audit-next"
            >
              {t("admin.audit.next")}
            </Button>
          </Group>
        </>
      ) : report.isPending && badDates.length === 0 && !report.isError ? (
        <Center p="lg">
          <Loader aria-label={t("admin.audit.loading")} data-testid="audit-loading" />
        </Center>
      ) : null}
    </Stack>
  );
}

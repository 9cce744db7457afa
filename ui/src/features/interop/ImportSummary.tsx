// The summary of one FHIR import: files, resources and patients; new patients sent to
// the duplicate review (with the way to the Conflicts screen); a table of what happened
// per resource type; and the problems — errors, skipped and refused resources, each
// with where it came from and why — filterable by kind and by text.
import { Alert, Anchor, Badge, Group, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { FhirImportSummary } from "../../bindings/FhirImportSummary";
import type { FhirProblemKind } from "../../bindings/FhirProblemKind";
import { useNavigate } from "../shell/route";
import { filterProblems, noFilter, origin, totals, type ProblemFilter } from "./model";

const COLUMNS = ["imported", "updated", "unchanged", "kept", "skipped", "errors"] as const;
const KINDS: (FhirProblemKind | "all")[] = ["all", "error", "skipped", "kept"];
const BADGE: Record<FhirProblemKind, string> = { error: "red", skipped: "orange", kept: "gray" };

export function ImportSummary({ summary }: { summary: FhirImportSummary }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [filter, setFilter] = useState<ProblemFilter>(noFilter);
  const sum = totals(summary);
  const problems = filterProblems(summary.problems, filter);

  return (
    <Stack gap="md" data-testid="fhir-summary">
      <Title order={3} size="h4">
        {t("interop.summary.title")}
      </Title>
      <Text data-testid="fhir-summary-overview">
        {t("interop.summary.overview", {
          files: summary.files,
          resources: summary.resources,
          seconds: (summary.elapsed_ms / 1000).toFixed(1),
          imported: summary.patients_imported,
          updated: summary.patients_updated,
          unchanged: summary.patients_unchanged,
          skipped: summary.patients_skipped,
        })}
      </Text>
      {summary.possible_duplicates > 0 ? (
        <Alert color="yellow" data-testid="fhir-summary-duplicates">
          <Text size="sm">{t("interop.summary.duplicates", { count: summary.possible_duplicates })}</Text>
          <Anchor component="button" type="button" size="sm" onClick={() => navigate({ name: "conflicts" })}>
            {t("interop.summary.openConflicts")}
          </Anchor>
        </Alert>
      ) : null}

      <Title order={4} size="h5">
        {t("interop.summary.byType")}
      </Title>
      <Table striped withTableBorder data-testid="fhir-summary-types">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("interop.summary.type")}</Table.Th>
            {COLUMNS.map((c) => (
              <Table.Th key={c} scope="col" ta="right">
                {t(`interop.summary.${c}`)}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {summary.by_type.map((row) => (
            <Table.Tr key={row.resource_type} data-testid="fhir-type-row" data-type={row.resource_type}>
              <Table.Th scope="row">{row.resource_type}</Table.Th>
              {COLUMNS.map((c) => (
                <Table.Td key={c} ta="right" data-column={c}>
                  {row[c] || ""}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr data-testid="fhir-type-total">
            <Table.Th scope="row">{t("interop.summary.total")}</Table.Th>
            {COLUMNS.map((c) => (
              <Table.Th key={c} ta="right" data-column={c}>
                {sum[c]}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Tfoot>
      </Table>
      <Text size="xs" c="dimmed">
        {t("interop.summary.keptHelp")}
      </Text>

      <Title order={4} size="h5">
        {t("interop.summary.problems")}
      </Title>
      {summary.problems.length === 0 ? (
        <Text data-testid="fhir-no-problems">{t("interop.summary.noProblems")}</Text>
      ) : (
        <>
          <Group align="flex-end">
            <Select
              label={t("interop.summary.filterKind")}
              data={KINDS.map((k) => ({ value: k, label: t(`interop.summary.kind.${k}`) }))}
              value={filter.kind}
              allowDeselect={false}
              onChange={(v) => setFilter((f) => ({ ...f, kind: (v ?? "all") as ProblemFilter["kind"] }))}
              data-testid="fhir-problem-kind"
            />
            <TextInput
              label={t("interop.summary.filterText")}
              placeholder={t("interop.summary.filterTextPlaceholder")}
              value={filter.text}
              onChange={(e) => {
                const text = e.currentTarget.value;
                setFilter((f) => ({ ...f, text }));
              }}
              data-testid="fhir-problem-filter"
            />
          </Group>
          {problems.length === 0 ? (
            <Text c="dimmed" data-testid="fhir-problems-none">
              {t("interop.summary.noneMatch")}
            </Text>
          ) : (
            <Table withTableBorder data-testid="fhir-problems">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("interop.summary.resource")}</Table.Th>
                  <Table.Th scope="col">{t("interop.summary.where")}</Table.Th>
                  <Table.Th scope="col">{t("interop.summary.reason")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {problems.map((p, i) => (
                  <Table.Tr key={i} data-testid="fhir-problem" data-kind={p.kind} data-type={p.resource_type}>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Badge color={BADGE[p.kind]} variant="light">
                          {t(`interop.summary.kindBadge.${p.kind}`)}
                        </Badge>
                        <Text size="sm">{p.id ? `${p.resource_type}/${p.id}` : p.resource_type}</Text>
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{origin(p)}</Text>
                      {p.path ? (
                        <Text size="xs" c="dimmed" ff="monospace">
                          {p.path}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{p.reason}</Text>
                      {p.count > 1 ? (
                        <Text size="xs" c="dimmed">
                          {t("interop.summary.count", { count: p.count })}
                        </Text>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {summary.problems_not_listed > 0 ? (
            <Text size="sm" c="dimmed">
              {t("interop.summary.notListed", { count: summary.problems_not_listed })}
            </Text>
          ) : null}
        </>
      )}
    </Stack>
  );
}

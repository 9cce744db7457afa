// Practice dashboards (administrators, doctors, billing): a range of clinic dates, a
// granularity and (administrators) a provider; one card per dashboard the role may see —
// doctors the schedule ones (their own), billing the money ones, administrators all —
// each with a chart (@mantine/charts, as the results trend) and the same figures as a
// table, and "Export CSV" (the shell's save dialog).
import { BarChart } from "@mantine/charts";
import { Alert, Button, Group, Loader, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { DashboardKind } from "../../bindings/DashboardKind";
import type { DashboardQuery } from "../../bindings/DashboardQuery";
import type { Granularity } from "../../bindings/Granularity";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { useMoney } from "../billing/hooks";
import { listProviders, scheduleKeys } from "../schedule/api";
import { LOCAL_ERRORS } from "../session/errorBus";
import { useSession } from "../session/SessionContext";
import { dashboardKeys, exportDashboardCsv, getDashboard } from "./api";
import { canPickProvider, defaultRange, kindsFor, rateText, viewOf } from "./model";

const GRANULARITIES: Granularity[] = ["day", "week", "month"];
const COLORS = ["blue.6", "teal.6", "orange.6", "red.6", "grape.6", "cyan.6", "lime.6"];

export function DashboardsScreen() {
  const { t } = useTranslation();
  const session = useSession();
  const [range, setRange] = useState(defaultRange);
  const [granularity, setGranularity] = useState<Granularity>("week");
  const [provider, setProvider] = useState("");
  const mayPick = canPickProvider(session.role);
  const providers = useQuery({ queryKey: scheduleKeys.providers, queryFn: listProviders, enabled: mayPick, meta: LOCAL_ERRORS });
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(range.from) && /^\d{4}-\d{2}-\d{2}$/.test(range.to) && range.from <= range.to;
  const query: DashboardQuery = { from: range.from, to: range.to, granularity, provider_id: mayPick && provider ? provider : null };

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {t("dashboards.title")}
      </Title>
      <Group align="flex-end">
        <TextInput type="date" label={t("dashboards.from")} value={range.from} onChange={(e) => setRange({ ...range, from: e.currentTarget.value })} data-testid="dashboard-from" />
        <TextInput type="date" label={t("dashboards.to")} value={range.to} onChange={(e) => setRange({ ...range, to: e.currentTarget.value })} data-testid="dashboard-to" />
        <NativeSelect
          label={t("dashboards.granularity")}
          value={granularity}
          onChange={(e) => setGranularity(e.currentTarget.value as Granularity)}
          data={GRANULARITIES.map((g) => ({ value: g, label: t(`dashboards.granularities.${g}`) }))}
          data-testid="dashboard-granularity"
        />
        {mayPick ? (
          <NativeSelect
            label={t("dashboards.provider")}
            value={provider}
            onChange={(e) => setProvider(e.currentTarget.value)}
            data={[
              { value: "", label: t("dashboards.allProviders") },
              ...(providers.data ?? []).map((p) => ({ value: p.id, label: p.display_name })),
            ]}
            data-testid="dashboard-provider"
          />
        ) : null}
      </Group>
      {!valid ? (
        <Alert color="orange" data-testid="dashboard-range-invalid">
          {t("dashboards.rangeInvalid")}
        </Alert>
      ) : (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          {kindsFor(session.role).map((kind) => (
            <DashboardCard key={kind} kind={kind} query={query} />
          ))}
        </SimpleGrid>
      )}
    </Stack>
  );
}

function DashboardCard({ kind, query }: { kind: DashboardKind; query: DashboardQuery }) {
  const { t } = useTranslation();
  const money = useMoney();
  const result = useQuery({ queryKey: dashboardKeys.one(kind, query), queryFn: () => getDashboard(kind, query), meta: LOCAL_ERRORS });
  const [exported, setExported] = useState<string | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const view = result.data ? viewOf(kind, result.data, { money, rate: (bp) => rateText(bp, t("dashboards.na")) }) : null;
  const colLabel = (key: string, label?: string) =>
    label !== undefined ? label : t(`dashboards.cols.${key}` as `dashboards.cols.total`);

  const exportCsv = async () => {
    setError(null);
    try {
      const out = await exportDashboardCsv({ kind, query });
      setExported(out ? t("dashboards.exported", { path: out.path }) : t("billing.pdfCancelled"));
    } catch (x) {
      setError(toUiError(x));
    }
  };

  return (
    <Paper withBorder p="md" component="section" data-testid={`dashboard-card-${kind}`}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {t(`dashboards.kinds.${kind}`)}
          </Title>
          <Button size="xs" variant="default" onClick={() => void exportCsv()} data-testid={`dashboard-export-${kind}`}>
            {t("dashboards.export")}
          </Button>
        </Group>
        {exported ? (
          <Text size="sm" data-testid={`dashboard-exported-${kind}`}>
            {exported}
          </Text>
        ) : null}
        {error ? <ErrorAlert error={error} testId={`dashboard-error-${kind}`} /> : null}
        {result.isPending ? (
          <Loader size="sm" />
        ) : result.isError ? (
          <ErrorAlert error={toUiError(result.error)} testId={`dashboard-load-error-${kind}`} title={t("dashboards.loadError")} />
        ) : !view || view.table.rows.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t("dashboards.empty")}
          </Text>
        ) : (
          <>
            <BarChart
              h={200}
              data={view.chart.data}
              dataKey="period"
              unit={view.chart.unit ? ` ${view.chart.unit}` : undefined}
              series={view.chart.series.map((s, i) => ({
                name: s.name,
                label: s.label ?? colLabel(s.name),
                color: COLORS[i % COLORS.length]!,
              }))}
              withLegend
            />
            <Table.ScrollContainer minWidth={400}>
              <Table data-testid={`dashboard-table-${kind}`}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t("dashboards.period")}</Table.Th>
                    {view.table.columns.map((c) => (
                      <Table.Th key={c.key}>{colLabel(c.key, c.label)}</Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {view.table.rows.map((r) => (
                    <Table.Tr key={r.key}>
                      <Table.Td>{r.period}</Table.Td>
                      {r.cells.map((c, i) => (
                        <Table.Td key={i}>{c}</Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                  {view.table.totals ? (
                    <Table.Tr fw={700} data-testid={`dashboard-totals-${kind}`}>
                      <Table.Td>{t("dashboards.totals")}</Table.Td>
                      {view.table.totals.map((c, i) => (
                        <Table.Td key={i}>{c}</Table.Td>
                      ))}
                    </Table.Tr>
                  ) : null}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </>
        )}
      </Stack>
    </Paper>
  );
}

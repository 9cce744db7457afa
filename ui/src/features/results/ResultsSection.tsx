// The chart's "Results & trends" section: every recorded value (vital signs and test
// results), newest first, 20 a page, optionally one code only; "Entered in error" with its
// dialog and confirmation; and below, the trend of the chosen code (`trendCode`, set here
// or by the summary above via `onTrendCode`).
import { Alert, Button, Center, Group, Loader, NativeSelect, Paper, Stack, Text, Title } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Observation } from "../../bindings/Observation";
import type { PatientId } from "../../bindings/PatientId";
import { toUiError } from "../../shared/uiError";
import { ChartError } from "../chart/ChartError";
import { listObservations, RESULTS_PAGE_SIZE, resultsKeys } from "./api";
import { EnteredInErrorDialog } from "./EnteredInErrorDialog";
import { codeOptions } from "./options";
import { ResultsTable } from "./ResultsTable";
import { TrendPanel } from "./TrendPanel";
import { useObservationCodes } from "./useObservationCodes";

type Props = {
  patientId: PatientId;
  trendCode: string | null;
  /** Picks a trend from the picker (no scrolling). */
  onTrendCode: (code: string | null) => void;
  /** Opens a code's trend from a row and brings it into view. */
  onShowTrend: (code: string) => void;
  /** Changes when the trend should come into view. */
  trendFocus: number;
};

export function ResultsSection({ patientId, trendCode, onTrendCode, onShowTrend, trendFocus }: Props) {
  const { t } = useTranslation();
  const codes = useObservationCodes();
  const [filter, setFilter] = useState<string | null>(null);
  const [page, setPage] = useState(0);
  const [marking, setMarking] = useState<Observation | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const list = useQuery({
    queryKey: resultsKeys.list(patientId, filter, page),
    queryFn: () => listObservations({ patient_id: patientId, code: filter, page, page_size: RESULTS_PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
  const titleId = "results-title";
  const captionId = "results-table-title";

  let body;
  if (list.isPending) {
    body = (
      <Center p="sm">
        <Loader size="sm" aria-label={t("results.loading")} data-testid="results-loading" />
      </Center>
    );
  } else if (list.isError && !list.data) {
    body = <ChartError error={toUiError(list.error)} testId="results-error" title={t("results.listError")} />;
  } else {
    const { items, has_more } = list.data;
    body = (
      <Stack gap="xs">
        {list.isError ? (
          <ChartError error={toUiError(list.error)} testId="results-error" title={t("results.listError")} />
        ) : null}
        {items.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="results-empty">
            {filter ? t("results.emptyFiltered") : t("results.empty")}
          </Text>
        ) : (
          <ResultsTable
            items={items}
            captionId={captionId}
            onShowTrend={onShowTrend}
            onEnteredInError={(o) => {
              setNotice(null);
              setMarking(o);
            }}
          />
        )}
        {page > 0 || has_more ? (
          <Group justify="space-between" data-testid="results-paging">
            <Button
              variant="default"
              size="xs"
              disabled={page === 0 || list.isFetching}
              onClick={() => setPage((p) => Math.max(0, p - 1))}
              data-testid="results-prev"
            >
              {t("results.paging.newer")}
            </Button>
            <Text size="sm" data-testid="results-page" aria-live="polite">
              {t("results.paging.page", { page: page + 1 })}
            </Text>
            <Button
              variant="default"
              size="xs"
              disabled={!has_more || list.isFetching}
              onClick={() => setPage((p) => p + 1)}
              data-testid="results-next"
            >
              {t("results.paging.older")}
            </Button>
          </Group>
        ) : null}
      </Stack>
    );
  }

  return (
    <Paper withBorder p="md" component="section" aria-labelledby={titleId} data-testid="results-section">
      <Title order={2} size="h4" id={titleId} mb="xs">
        {t("results.title")}
      </Title>
      {notice ? (
        <Alert
          color="green"
          role="status"
          mb="sm"
          data-testid="results-table-notice"
          withCloseButton
          closeButtonLabel={t("results.notice.dismiss")}
          onClose={() => setNotice(null)}
        >
          {notice}
        </Alert>
      ) : null}
      <Group justify="space-between" align="flex-end" mb="xs" wrap="wrap">
        <Title order={3} size="h5" id={captionId}>
          {t("results.table.title")}
        </Title>
        <NativeSelect
          label={t("results.filter")}
          value={filter ?? ""}
          onChange={(e) => {
            setFilter(e.currentTarget.value || null);
            setPage(0);
          }}
          data={[{ value: "", label: t("results.filterAll") }, ...codeOptions(t, codes.data ?? [])]}
          data-testid="results-filter"
        />
      </Group>
      {body}
      <TrendPanel patientId={patientId} code={trendCode} onCode={onTrendCode} focusTick={trendFocus} />
      {marking ? (
        <EnteredInErrorDialog
          obs={marking}
          onClose={() => setMarking(null)}
          onDone={(o) => {
            setMarking(null);
            setNotice(t("results.notice.enteredInError", { what: o.display }));
          }}
        />
      ) : null}
    </Paper>
  );
}

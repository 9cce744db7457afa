// The chart's "Documents" section (doctors and nurses): a patient's documents newest
// document date first (paged, 20 at a time, "Load more"), filtered by type, document
// dates and keywords (debounced 300 ms; the previous results stay while a search runs),
// optionally with those entered in error. It owns "Upload document", which dialog is
// open (upload, viewer) and the confirmation after an upload or a correction.
import { Alert, Button, Center, Group, Loader, Paper, Stack, Text, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { DocumentInfo } from "../../bindings/DocumentInfo";
import type { DocumentPage } from "../../bindings/DocumentPage";
import type { PatientId } from "../../bindings/PatientId";
import { toUiError } from "../../shared/uiError";
import { splitErrors } from "../admin/format";
import { ChartError } from "../chart/ChartError";
import { documentsKeys, DOCUMENTS_PAGE_SIZE, listDocuments } from "./api";
import { DocumentFiltersBar, EMPTY_FILTERS, isFiltered, toFilters, type FilterValues } from "./DocumentFiltersBar";
import { DocumentList } from "./DocumentList";
import { DocumentViewer } from "./DocumentViewer";
import { UploadDialog } from "./UploadDialog";

/** Keywords wait this long after the last keystroke before searching. */
export const SEARCH_DEBOUNCE_MS = 300;

type Dialog = { type: "upload" } | { type: "view"; info: DocumentInfo };

export function DocumentsSection({ patientId }: { patientId: PatientId }) {
  const { t } = useTranslation();
  const [values, setValues] = useState<FilterValues>(EMPTY_FILTERS);
  const [keywords] = useDebouncedValue(values.keywords, SEARCH_DEBOUNCE_MS);
  const filters = toFilters(values, keywords);
  const list = useInfiniteQuery({
    queryKey: documentsKeys.list(patientId, filters),
    queryFn: ({ pageParam }) =>
      listDocuments({ patient_id: patientId, ...filters, page: pageParam, page_size: DOCUMENTS_PAGE_SIZE }),
    initialPageParam: 0,
    getNextPageParam: (last: DocumentPage) => (last.has_more ? last.page + 1 : undefined),
    placeholderData: keepPreviousData,
  });
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const titleId = "documents-title";

  const open = (next: Dialog) => {
    setNotice(null);
    setDialog(next);
  };
  const done = (text: string) => {
    setDialog(null);
    setNotice(text);
  };
  const untitled = (info: DocumentInfo) => info.title || t("documents.untitled");

  const listError = list.isError ? toUiError(list.error) : null;
  // The shell's complaints about the date filters show under them, not as a list failure.
  const filterErrors = splitErrors(listError, ["from", "to"]);

  let body;
  if (list.isPending) {
    body = (
      <Center p="md">
        <Loader size="sm" aria-label={t("documents.loading")} data-testid="documents-loading" />
      </Center>
    );
  } else if (list.isError && !list.data) {
    body = filterErrors.rest ? (
      <ChartError error={filterErrors.rest} testId="documents-error" title={t("documents.errorTitle")} />
    ) : null;
  } else {
    const items = list.data.pages.flatMap((p) => p.items);
    body = (
      <Stack gap="xs">
        {list.isRefetchError && filterErrors.rest ? (
          <ChartError error={filterErrors.rest} testId="documents-error" title={t("documents.errorTitle")} />
        ) : null}
        {items.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="documents-empty">
            {isFiltered(filters) ? t("documents.emptyFiltered") : t("documents.empty")}
          </Text>
        ) : (
          <DocumentList items={items} onOpen={(info) => open({ type: "view", info })} />
        )}
        {list.isFetchNextPageError ? (
          <ChartError error={toUiError(list.error)} testId="documents-more-error" title={t("documents.moreError")} />
        ) : null}
        {list.hasNextPage ? (
          <Group justify="center">
            <Button
              variant="default"
              loading={list.isFetchingNextPage}
              onClick={() => void list.fetchNextPage()}
              data-testid="documents-more"
            >
              {list.isFetchingNextPage ? t("documents.loadingMore") : t("documents.more")}
            </Button>
          </Group>
        ) : null}
        {list.isFetching && !list.isFetchingNextPage ? (
          <Text size="xs" c="dimmed" aria-live="polite" data-testid="documents-refreshing">
            {t("documents.refreshing")}
          </Text>
        ) : null}
      </Stack>
    );
  }

  return (
    <Paper withBorder p="md" component="section" aria-labelledby={titleId} data-testid="documents-section">
      <Group justify="space-between" mb="xs" wrap="wrap">
        <div>
          <Title order={2} size="h4" id={titleId}>
            {t("documents.title")}
          </Title>
          <Text size="xs" c="dimmed">
            {t("documents.order")}
          </Text>
        </div>
        <Button size="xs" onClick={() => open({ type: "upload" })} data-testid="document-upload">
          {t("documents.upload")}
        </Button>
      </Group>
      {notice ? (
        <Alert
          color="green"
          role="status"
          mb="sm"
          data-testid="documents-notice"
          withCloseButton
          closeButtonLabel={t("documents.notice.dismiss")}
          onClose={() => setNotice(null)}
        >
          {notice}
        </Alert>
      ) : null}
      <Stack gap="sm">
        <DocumentFiltersBar values={values} onChange={setValues} serverErrors={filterErrors.byField} />
        {body}
      </Stack>
      {dialog?.type === "upload" ? (
        <UploadDialog
          patientId={patientId}
          onClose={() => setDialog(null)}
          onDone={(info) => done(t("documents.notice.uploaded", { title: untitled(info) }))}
        />
      ) : null}
      {dialog?.type === "view" ? (
        <DocumentViewer
          info={dialog.info}
          onClose={() => setDialog(null)}
          onEnteredInError={(info) => done(t("documents.notice.enteredInError", { title: untitled(info) }))}
        />
      ) : null}
    </Paper>
  );
}

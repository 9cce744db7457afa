// What was pulled from the patient's provider: a summary (documents, results and chart
// items, and where the documents came from), then the documents grouped by type, each
// with its date, title, author and source, "Open" (the documents feature's viewer, with
// its "Save a copy", "Share" and "Entered in error") and "Save a copy" right in the row.
import { Alert, Anchor, Button, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { DocumentSaved } from "../../bindings/DocumentSaved";
import type { PatientId } from "../../bindings/PatientId";
import type { PatientProviderRecords } from "../../bindings/PatientProviderRecords";
import type { ProviderDocument } from "../../bindings/ProviderDocument";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { saveDocumentCopy } from "../documents/api";
import { DocumentViewer } from "../documents/DocumentViewer";
import { providerKeys } from "./api";
import { documentSources, groupDocumentsByType, providerDocumentInfo } from "./model";

type Props = { patientId: PatientId; records: PatientProviderRecords };

export function ProviderDocuments({ patientId, records }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [viewing, setViewing] = useState<ProviderDocument | null>(null);
  const save = useMutation<DocumentSaved | null, UiError, ProviderDocument>({
    mutationFn: (d) => saveDocumentCopy(d.document_id).catch((e: unknown) => Promise.reject(toUiError(e))),
  });
  const groups = groupDocumentsByType(records.documents);
  const sources = documentSources(records.documents);
  const dash = t("documents.notRecorded");
  const savedFor = save.variables?.document_id;

  return (
    <Stack gap="xs">
      <Text size="sm" data-testid="provider-summary">
        {t("provider.records.summary", {
          documents: t("provider.records.documents", { count: records.documents.length }),
          results: t("provider.records.results", { count: records.results }),
          chart: t("provider.records.chartItems", { count: records.chart_items }),
        })}
      </Text>
      {sources.length > 0 ? (
        <Text size="xs" c="dimmed" data-testid="provider-sources">
          {t("provider.records.sources", {
            sources: sources.map((s) => t("provider.records.source", { source: s.source || dash, count: s.count })).join(", "),
          })}
        </Text>
      ) : null}
      {save.isSuccess && save.data ? (
        <Alert color="green" role="status" data-testid="provider-document-saved">
          {t("documents.viewer.saved", { path: save.data.path })}
        </Alert>
      ) : null}
      {save.error ? (
        <ErrorAlert error={save.error} testId="provider-document-save-error" title={t("documents.viewer.saveError")} />
      ) : null}
      <div data-testid="provider-documents" data-count={records.documents.length}>
        {groups.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="provider-documents-empty">
            {t("provider.records.noDocuments")}
          </Text>
        ) : (
          groups.map((g) => (
            <section key={g.type} data-testid="provider-document-group" data-type={g.type}>
              <Title order={3} size="h6" mt="xs">
                {t(`documents.type.${g.type}`)} ({g.documents.length})
              </Title>
              <Table.ScrollContainer minWidth={560}>
                <Table highlightOnHover aria-label={t(`documents.type.${g.type}`)}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">{t("documents.col.date")}</Table.Th>
                      <Table.Th scope="col">{t("documents.col.title")}</Table.Th>
                      <Table.Th scope="col">{t("documents.col.author")}</Table.Th>
                      <Table.Th scope="col">{t("documents.col.source")}</Table.Th>
                      <Table.Th scope="col">{t("provider.records.actions")}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {g.documents.map((d) => {
                      const title = d.title || t("documents.untitled");
                      return (
                        <Table.Tr key={d.document_id} data-testid="provider-document-row" data-document-id={d.document_id}>
                          <Table.Td data-testid="provider-document-date">{d.document_date}</Table.Td>
                          <Table.Td>
                            <Anchor
                              component="button"
                              type="button"
                              onClick={() => setViewing(d)}
                              aria-label={t("documents.openLabel", { title })}
                              data-testid={`provider-document-open-${d.document_id}`}
                            >
                              <span data-testid="provider-document-title">{title}</span>
                            </Anchor>
                          </Table.Td>
                          <Table.Td data-testid="provider-document-author">{d.author || dash}</Table.Td>
                          <Table.Td data-testid="provider-document-source">{d.source || dash}</Table.Td>
                          <Table.Td>
                            <Button
                              size="compact-xs"
                              variant="default"
                              loading={save.isPending && savedFor === d.document_id}
                              onClick={() => save.mutate(d)}
                              aria-label={t("provider.records.saveCopyLabel", { title })}
                              data-testid={`provider-document-save-${d.document_id}`}
                            >
                              {t("documents.viewer.saveCopy")}
                            </Button>
                          </Table.Td>
                        </Table.Tr>
                      );
                    })}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </section>
          ))
        )}
      </div>
      {viewing ? (
        <DocumentViewer
          info={providerDocumentInfo(viewing, patientId)}
          onClose={() => setViewing(null)}
          onEnteredInError={() => {
            setViewing(null);
            void client.invalidateQueries({ queryKey: providerKeys.records(patientId) });
          }}
        />
      ) : null}
    </Stack>
  );
}

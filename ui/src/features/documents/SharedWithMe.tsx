// "Shared with me": the documents colleagues shared with the signed-in doctor or nurse,
// newest share first (`list_shared_documents`), each with the patient's MRN, the title,
// who shared it and when, and their note. "View" opens the document viewer here; "Open
// chart" hands the patient to the caller (`onOpenChart`). Per user, not per patient: the
// shell or a home screen mounts it.
import { Button, Center, Group, Loader, Paper, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { DocumentInfo } from "../../bindings/DocumentInfo";
import type { PatientId } from "../../bindings/PatientId";
import type { SharedDocument } from "../../bindings/SharedDocument";
import { toUiError } from "../../shared/uiError";
import { ChartError } from "../chart/ChartError";
import { formatInstant } from "../chart/format";
import { documentsKeys, listSharedDocuments } from "./api";
import { DocumentViewer } from "./DocumentViewer";

type Props = { onOpenChart: (patientId: PatientId) => void };

export function SharedWithMe({ onOpenChart }: Props) {
  const { t } = useTranslation();
  const shared = useQuery({ queryKey: documentsKeys.shared, queryFn: listSharedDocuments });
  const [viewing, setViewing] = useState<DocumentInfo | null>(null);
  const titleId = "documents-shared-title";

  let body;
  if (shared.isPending) {
    body = (
      <Center p="sm">
        <Loader size="sm" aria-label={t("documents.shared.loading")} data-testid="shared-loading" />
      </Center>
    );
  } else if (shared.isError) {
    body = <ChartError error={toUiError(shared.error)} testId="shared-error" title={t("documents.shared.errorTitle")} />;
  } else if (shared.data.length === 0) {
    body = (
      <Text size="sm" c="dimmed" data-testid="shared-empty">
        {t("documents.shared.empty")}
      </Text>
    );
  } else {
    body = (
      <ul className="plain-list" aria-labelledby={titleId}>
        {shared.data.map((s) => (
          <SharedItem
            key={`${s.info.id}-${s.shared_at}`}
            item={s}
            onView={() => setViewing(s.info)}
            onOpenChart={() => onOpenChart(s.info.patient_id)}
          />
        ))}
      </ul>
    );
  }

  return (
    <Paper withBorder p="md" component="section" aria-labelledby={titleId} data-testid="documents-shared-with-me">
      <Title order={2} size="h4" id={titleId} mb="xs">
        {t("documents.shared.title")}
      </Title>
      {body}
      {viewing ? (
        <DocumentViewer info={viewing} onClose={() => setViewing(null)} onEnteredInError={() => setViewing(null)} />
      ) : null}
    </Paper>
  );
}

type ItemProps = { item: SharedDocument; onView: () => void; onOpenChart: () => void };

function SharedItem({ item, onView, onOpenChart }: ItemProps) {
  const { t, i18n } = useTranslation();
  const title = item.info.title || t("documents.untitled");
  const date = formatInstant(item.shared_at, i18n.language, true);
  return (
    <li className="candidate" data-testid="shared-document" data-document-id={item.info.id} data-patient-id={item.info.patient_id}>
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
        <div className="chart-entry-body">
          <Text size="sm" fw={700} data-testid="shared-document-mrn">
            {t("documents.shared.mrn", { mrn: item.patient_mrn })}
          </Text>
          <Text fw={600} data-testid="shared-document-title">
            {title}
          </Text>
          <Text size="xs" c="dimmed" data-testid="shared-document-by">
            {item.shared_by ? t("documents.shared.by", { name: item.shared_by, date }) : t("documents.shared.byUnknown", { date })}
          </Text>
          {item.note ? (
            <Text size="sm" className="chart-multiline" data-testid="shared-document-note">
              {t("documents.shared.note", { note: item.note })}
            </Text>
          ) : null}
        </div>
        <Group gap="xs">
          <Button
            size="xs"
            variant="default"
            onClick={onView}
            aria-label={t("documents.shared.openLabel", { title })}
            data-testid="shared-document-view"
          >
            {t("documents.shared.open")}
          </Button>
          <Button
            size="xs"
            onClick={onOpenChart}
            aria-label={t("documents.shared.openChartLabel", { mrn: item.patient_mrn })}
            data-testid="shared-document-open-chart"
          >
            {t("documents.shared.openChart")}
          </Button>
        </Group>
      </Group>
    </li>
  );
}

// The table of a patient's documents (newest document date first, as the shell sends
// them): date, type, title (a button that opens the viewer), author, source and size.
// A document entered in error is struck through and labelled. All text is inert.
import { Anchor, Badge, Table, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { DocumentInfo } from "../../bindings/DocumentInfo";
import { formatSize } from "./model";

type Props = { items: DocumentInfo[]; onOpen: (info: DocumentInfo) => void };

export function DocumentList({ items, onOpen }: Props) {
  const { t, i18n } = useTranslation();
  const dash = t("documents.notRecorded");
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table highlightOnHover aria-label={t("documents.listLabel")} data-testid="documents-list">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("documents.col.date")}</Table.Th>
            <Table.Th scope="col">{t("documents.col.type")}</Table.Th>
            <Table.Th scope="col">{t("documents.col.title")}</Table.Th>
            <Table.Th scope="col">{t("documents.col.author")}</Table.Th>
            <Table.Th scope="col">{t("documents.col.source")}</Table.Th>
            <Table.Th scope="col">{t("documents.col.size")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((d) => {
            const title = d.title || t("documents.untitled");
            const error = d.status === "entered_in_error";
            return (
              <Table.Tr
                key={d.id}
                data-testid="document-row"
                data-document-id={d.id}
                data-type={d.type}
                data-media-type={d.media_type}
                data-status={d.status}
              >
                <Table.Td data-testid="document-row-date">{d.document_date}</Table.Td>
                <Table.Td data-testid="document-row-type">{t(`documents.type.${d.type}`)}</Table.Td>
                <Table.Td>
                  <Anchor
                    component="button"
                    type="button"
                    onClick={() => onOpen(d)}
                    aria-label={t("documents.openLabel", { title })}
                    data-testid="document-open"
                  >
                    {error ? <s data-testid="document-row-title">{title}</s> : <span data-testid="document-row-title">{title}</span>}
                  </Anchor>
                  {error ? (
                    <Badge color="gray" variant="light" ml="xs" data-testid="document-row-error">
                      {t("documents.status.entered_in_error")}
                    </Badge>
                  ) : null}
                  <Text size="xs" c="dimmed" data-testid="document-row-file">
                    {d.file_name}
                  </Text>
                </Table.Td>
                <Table.Td data-testid="document-row-author">{d.author || dash}</Table.Td>
                <Table.Td data-testid="document-row-source">{d.source || dash}</Table.Td>
                <Table.Td data-testid="document-row-size">{formatSize(t, d.size, i18n.language)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

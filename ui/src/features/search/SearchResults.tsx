// The result table. Rows are focusable: Enter/Space or a click opens the profile,
// ↑/↓ move between rows, ↑ on the first row returns to the search box. A restricted
// record (the caller may not open the chart) shows only "Restricted record" and its MRN.
import { Badge, Table, Text } from "@mantine/core";
import type { KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import type { PatientSummary } from "../../bindings/PatientSummary";
import { formatName } from "../patients/format";

type Props = {
  items: PatientSummary[];
  onOpen: (p: PatientSummary) => void;
  onLeaveTop: () => void;
};

export function SearchResults({ items, onOpen, onLeaveTop }: Props) {
  const { t } = useTranslation();

  const onKeyDown = (e: KeyboardEvent<HTMLTableRowElement>, p: PatientSummary) => {
    const row = e.currentTarget;
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      onOpen(p);
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      (row.nextElementSibling as HTMLElement | null)?.focus();
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      const prev = row.previousElementSibling as HTMLElement | null;
      if (prev) prev.focus();
      else onLeaveTop();
    }
  };

  return (
    <Table highlightOnHover aria-label={t("search.resultsLabel")} className="results">
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">{t("search.col.family")}</Table.Th>
          <Table.Th scope="col">{t("search.col.given")}</Table.Th>
          <Table.Th scope="col">{t("search.col.dob")}</Table.Th>
          <Table.Th scope="col">{t("search.col.sex")}</Table.Th>
          <Table.Th scope="col">{t("search.col.phone")}</Table.Th>
          <Table.Th scope="col">{t("search.col.mrn")}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {items.map((p) => (
          <Table.Tr
            key={p.id}
            data-testid="search-result"
            data-patient-id={p.id}
            data-restricted={p.restricted ? "true" : undefined}
            tabIndex={0}
            className="result-row"
            aria-label={
              p.restricted
                ? t("admin.restricted.rowLabel", { mrn: p.mrn })
                : t("search.rowLabel", { name: formatName(p), dob: p.date_of_birth, mrn: p.mrn })
            }
            onClick={() => onOpen(p)}
            onKeyDown={(e) => onKeyDown(e, p)}
          >
            {p.restricted ? (
              <Table.Td colSpan={5}>
                <Badge color="orange" variant="light" mr="xs">
                  {t("admin.restricted.badge")}
                </Badge>
                <Text span fs="italic">
                  {t("admin.restricted.row")}
                </Text>
              </Table.Td>
            ) : (
              <>
                <Table.Td>{p.family_name}</Table.Td>
                <Table.Td>{[p.given_name, p.middle_name].filter(Boolean).join(" ")}</Table.Td>
                <Table.Td>{p.date_of_birth}</Table.Td>
                <Table.Td>{p.sex ? t(`sex.${p.sex}`) : "—"}</Table.Td>
                <Table.Td>{p.phone || "—"}</Table.Td>
              </>
            )}
            <Table.Td>{p.mrn}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

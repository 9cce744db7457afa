// The audit entries as a table with sortable headers (time, sequence, staff member,
// patient, action, category). Every value is shown as text, the detail JSON compactly.
import { Table, Text, UnstyledButton } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { AuditEvent } from "../../bindings/AuditEvent";
import type { AuditSort } from "../../bindings/AuditSort";
import type { AuditSortColumn } from "../../bindings/AuditSortColumn";
import { formatInstant } from "../admin/format";
import { isAuditAction, isAuditCategory, isRole } from "../admin/options";
import { compactDetail } from "./auditQuery";

const COLUMNS: AuditSortColumn[] = ["time", "seq", "actor", "patient", "action", "category"];

type Props = { items: AuditEvent[]; sort: AuditSort; onSort: (column: AuditSortColumn) => void };

export function AuditTable({ items, sort, onSort }: Props) {
  const { t, i18n } = useTranslation();
  const none = t("admin.audit.nobody");
  const action = (a: string) => (isAuditAction(a) ? t(`admin.audit.actions.${a}`) : a);
  const category = (c: string) => (isAuditCategory(c) ? t(`admin.audit.categories.${c}`) : c);
  const role = (r: string | null) => (r === null ? "" : isRole(r) ? t(`admin.role.${r}`) : r);

  return (
    <Table.ScrollContainer minWidth={900}>
      <Table data-testid="audit-table" aria-label={t("admin.audit.tableLabel")} verticalSpacing={4} fz="sm">
        <Table.Thead>
          <Table.Tr>
            {COLUMNS.map((c) => {
              const active = sort.column === c;
              const arrow = active ? (sort.direction === "asc" ? " ▲" : " ▼") : "";
              return (
                <Table.Th
                  key={c}
                  scope="col"
                  aria-sort={active ? (sort.direction === "asc" ? "ascending" : "descending") : "none"}
                  data-testid={`audit-col-${c}`}
                >
                  <UnstyledButton
                    onClick={() => onSort(c)}
                    data-testid={`audit-sort-${c}`}
                    aria-label={t("admin.audit.sortBy", { column: t(`admin.audit.col.${c}`) })}
                    fw={700}
                    fz="sm"
                  >
                    {t(`admin.audit.col.${c}`)}
                    <span aria-hidden="true">{arrow}</span>
                  </UnstyledButton>
                </Table.Th>
              );
            })}
            <Table.Th scope="col">{t("admin.audit.col.detail")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((e) => (
            <Table.Tr key={e.event_id} data-testid="audit-row" data-action={e.action} data-seq={e.seq}>
              <Table.Td style={{ whiteSpace: "nowrap" }} title={e.device_time}>
                {formatInstant(e.device_time, i18n.language)}
              </Table.Td>
              <Table.Td>{e.seq}</Table.Td>
              <Table.Td>
                {e.actor_name ?? none}
                {e.actor_role ? (
                  <Text span size="xs" c="dimmed">
                    {" "}
                    ({role(e.actor_role)})
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td style={{ overflowWrap: "anywhere" }}>{e.patient_id ?? none}</Table.Td>
              <Table.Td>{action(e.action)}</Table.Td>
              <Table.Td>{category(e.category)}</Table.Td>
              <Table.Td>
                <Text size="xs" ff="monospace" style={{ overflowWrap: "anywhere" }} data-testid="audit-detail">
                  {compactDetail(e.detail)}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

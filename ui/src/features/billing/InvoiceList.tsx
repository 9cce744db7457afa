// The invoices list: filters (status, patient, created between two dates, outstanding
// only) and one row per invoice (number, status, total, balance). The status, patient
// and outstanding filters go to the core; the date range is applied to what it returned.
import { Badge, Button, Checkbox, Group, Loader, NativeSelect, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { InvoiceId } from "../../bindings/InvoiceId";
import type { InvoiceQuery } from "../../bindings/InvoiceQuery";
import type { InvoiceStatus } from "../../bindings/InvoiceStatus";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { LOCAL_ERRORS } from "../session/errorBus";
import { PatientPicker, type PickedPatient } from "../schedule/PatientPicker";
import { billingKeys, listInvoices } from "./api";
import { useMoney } from "./hooks";
import { INVOICE_STATUSES, inRange } from "./model";

const LIMIT = 200;

type Props = { onOpen: (id: InvoiceId) => void; onNew: (patient: PickedPatient | null) => void };

export function InvoiceList({ onOpen, onNew }: Props) {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const [status, setStatus] = useState<InvoiceStatus | "">("");
  const [patient, setPatient] = useState<PickedPatient | null>(null);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [outstanding, setOutstanding] = useState(false);
  const query: InvoiceQuery = {
    patient_id: patient?.id ?? null,
    status: status || null,
    outstanding_only: outstanding,
    needs_review_only: false,
    limit: LIMIT,
  };
  const list = useQuery({ queryKey: billingKeys.invoices(query), queryFn: () => listInvoices(query), meta: LOCAL_ERRORS });
  const rows = (list.data ?? []).filter((r) => inRange(r.issued_at ?? r.created_at, from, to));

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={2} size="h3">
          {t("billing.list.title")}
        </Title>
        <Button onClick={() => onNew(patient)} data-testid="billing-invoice-new">
          {t("billing.list.new")}
        </Button>
      </Group>
      <Group align="flex-end">
        <NativeSelect
          label={t("billing.list.status")}
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value as InvoiceStatus | "")}
          data={[
            { value: "", label: t("billing.list.anyStatus") },
            ...INVOICE_STATUSES.map((s) => ({ value: s, label: t(`billing.status.${s}`) })),
          ]}
          data-testid="billing-filter-status"
        />
        <div style={{ minWidth: 240 }}>
          <PatientPicker value={patient} onChange={setPatient} label={t("billing.list.patient")} testId="billing-filter-patient" />
        </div>
        <TextInput type="date" label={t("billing.list.from")} value={from} onChange={(e) => setFrom(e.currentTarget.value)} data-testid="billing-filter-from" />
        <TextInput type="date" label={t("billing.list.to")} value={to} onChange={(e) => setTo(e.currentTarget.value)} data-testid="billing-filter-to" />
        <Checkbox
          label={t("billing.list.outstanding")}
          checked={outstanding}
          onChange={(e) => setOutstanding(e.currentTarget.checked)}
          data-testid="billing-filter-outstanding"
        />
      </Group>
      {list.isPending ? (
        <Loader />
      ) : list.isError ? (
        <ErrorAlert error={toUiError(list.error)} testId="billing-list-error" title={t("billing.list.loadError")} />
      ) : rows.length === 0 ? (
        <Text c="dimmed" data-testid="billing-list-empty">
          {t("billing.list.empty")}
        </Text>
      ) : (
        <Table highlightOnHover data-testid="billing-invoices">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("billing.list.number")}</Table.Th>
              <Table.Th>{t("billing.list.status")}</Table.Th>
              <Table.Th>{t("billing.list.created")}</Table.Th>
              <Table.Th ta="right">{t("billing.list.total")}</Table.Th>
              <Table.Th ta="right">{t("billing.list.balance")}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id} data-testid="billing-invoice-row" data-invoice-id={r.id}>
                <Table.Td>
                  {r.number ?? t("billing.list.draftNumber")}
                  {r.needs_review ? (
                    <Badge color="orange" ml="xs" size="sm">
                      {t("billing.list.review")}
                    </Badge>
                  ) : null}
                </Table.Td>
                <Table.Td>{t(`billing.status.${r.status}`)}</Table.Td>
                <Table.Td>{new Date(r.created_at).toLocaleDateString(i18n.language)}</Table.Td>
                <Table.Td ta="right">{money(r.total_minor, r.currency)}</Table.Td>
                <Table.Td ta="right">{money(r.balance_minor, r.currency)}</Table.Td>
                <Table.Td>
                  <Button size="xs" variant="subtle" onClick={() => onOpen(r.id)} data-testid="billing-invoice-open">
                    {t("billing.list.open")}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

// An invoice's totals exactly as the core computed them (the last saved draft, or the
// issued invoice with what was paid, refunded and credited). The UI adds nothing up.
import { Paper, Table, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Invoice } from "../../bindings/Invoice";
import { useMoney } from "./hooks";

export function InvoiceTotals({ invoice }: { invoice: Invoice }) {
  const { t } = useTranslation();
  const money = useMoney();
  const x = invoice.totals;
  const c = invoice.currency;
  const draft = invoice.status === "draft";
  const rows: [string, string, number][] = [
    ["subtotal", t("billing.totals.subtotal"), x.subtotal_minor],
    ["discount", t("billing.totals.discount"), x.discount_minor],
    ["tax", t("billing.totals.tax"), x.tax_minor],
    ["total", t("billing.totals.total"), x.total_minor],
    ["insurance", t("billing.totals.insurance"), x.insurance_minor],
    ["patient", t("billing.totals.patient"), x.patient_minor],
  ];
  if (!draft) {
    rows.push(
      ["credited", t("billing.totals.credited"), x.credited_minor],
      ["paid", t("billing.totals.paid"), x.paid_minor],
      ["refunded", t("billing.totals.refunded"), x.refunded_minor],
      ["pending", t("billing.totals.pending"), x.pending_minor],
      ["patient-balance", t("billing.totals.patientBalance"), x.patient_balance_minor],
      ["insurance-balance", t("billing.totals.insuranceBalance"), x.insurance_balance_minor],
    );
  }
  rows.push(["balance-due", t("billing.totals.balance"), x.balance_minor]);
  return (
    <Paper withBorder p="md" component="section" data-testid="billing-totals">
      <Title order={3} size="h5" mb="xs">
        {t("billing.totals.title")}
      </Title>
      <Table>
        <Table.Tbody>
          {rows.map(([key, label, minor]) => (
            <Table.Tr key={key}>
              <Table.Td>{label}</Table.Td>
              <Table.Td ta="right" fw={key === "total" || key === "balance-due" ? 700 : undefined} data-testid={`billing-${key}`} data-minor={minor}>
                {money(minor, c)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

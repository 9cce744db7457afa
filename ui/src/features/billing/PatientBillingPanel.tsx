// A patient's money on their profile (administrators, billing, front desk): the balance
// (what the patient owes, and what insurers still owe), the open invoices (each opens in
// Billing), "New invoice" for this patient, and the statement for a date range with
// "Save statement PDF".
import { Button, Group, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { PatientId } from "../../bindings/PatientId";
import type { StatementQuery } from "../../bindings/StatementQuery";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { LOCAL_ERRORS } from "../session/errorBus";
import { useNavigate } from "../shell/route";
import { billingKeys, getPatientBalance, getPatientStatement, saveStatementPdf } from "./api";
import { useMoney } from "./hooks";
import { today } from "./model";

const yearStart = () => `${today().slice(0, 4)}-01-01`;

export function PatientBillingPanel({ patientId, label }: { patientId: PatientId; label: string }) {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const navigate = useNavigate();
  const balance = useQuery({ queryKey: billingKeys.balance(patientId), queryFn: () => getPatientBalance(patientId), meta: LOCAL_ERRORS });
  const [from, setFrom] = useState(yearStart);
  const [to, setTo] = useState(today);
  const [shown, setShown] = useState<StatementQuery | null>(null);
  const statement = useQuery({
    queryKey: billingKeys.statement(shown ?? { patient_id: patientId, from: "", to: "" }),
    queryFn: () => getPatientStatement(shown!),
    enabled: shown !== null,
    meta: LOCAL_ERRORS,
  });
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const b = balance.data;
  const query: StatementQuery = { patient_id: patientId, from, to };

  const pdf = async () => {
    setError(null);
    try {
      const out = await saveStatementPdf(query);
      setSaved(out ? t("billing.editor.savedTo", { path: out.path }) : t("billing.pdfCancelled"));
    } catch (x) {
      setError(toUiError(x));
    }
  };

  return (
    <Paper withBorder p="md" component="section" data-testid="billing-patient-panel">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {t("billing.balance.title")}
          </Title>
          <Button size="xs" onClick={() => navigate({ name: "billing", newFor: { id: patientId, label } })} data-testid="billing-patient-new-invoice">
            {t("billing.balance.newInvoice")}
          </Button>
        </Group>
        {balance.isError ? (
          <ErrorAlert error={toUiError(balance.error)} testId="billing-patient-error" title={t("billing.balance.loadError")} />
        ) : b ? (
          <>
            <Group gap="xl">
              <Text>
                {t("billing.balance.balance")}:{" "}
                <Text span fw={700} data-testid="billing-patient-balance" data-minor={b.balance_minor}>
                  {money(b.balance_minor, b.currency)}
                </Text>
              </Text>
              {b.insurance_outstanding_minor !== 0 ? (
                <Text size="sm" c="dimmed">
                  {t("billing.balance.insurance")}: {money(b.insurance_outstanding_minor, b.currency)}
                </Text>
              ) : null}
            </Group>
            {b.open_invoices.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t("billing.balance.none")}
              </Text>
            ) : (
              <Table data-testid="billing-patient-open">
                <Table.Tbody>
                  {b.open_invoices.map((inv) => (
                    <Table.Tr key={inv.id}>
                      <Table.Td>{inv.number}</Table.Td>
                      <Table.Td>{inv.issued_at ? new Date(inv.issued_at).toLocaleDateString(i18n.language) : ""}</Table.Td>
                      <Table.Td ta="right">{money(inv.patient_balance_minor, inv.currency)}</Table.Td>
                      <Table.Td>
                        <Button size="xs" variant="subtle" onClick={() => navigate({ name: "billing", invoiceId: inv.id })} data-testid="billing-patient-open-invoice">
                          {t("billing.list.open")}
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </>
        ) : null}
        <Title order={3} size="h5">
          {t("billing.balance.statement")}
        </Title>
        <Group align="flex-end">
          <TextInput type="date" label={t("billing.balance.from")} value={from} onChange={(e) => setFrom(e.currentTarget.value)} data-testid="billing-statement-from" />
          <TextInput type="date" label={t("billing.balance.to")} value={to} onChange={(e) => setTo(e.currentTarget.value)} data-testid="billing-statement-to" />
          <Button variant="default" onClick={() => setShown(query)} data-testid="billing-statement-show">
            {t("billing.balance.show")}
          </Button>
          <Button variant="default" onClick={() => void pdf()} data-testid="billing-statement-pdf">
            {t("billing.balance.pdf")}
          </Button>
        </Group>
        {saved ? (
          <Text size="sm" data-testid="billing-statement-saved">
            {saved}
          </Text>
        ) : null}
        {error ? <ErrorAlert error={error} testId="billing-statement-error" /> : null}
        {statement.isError ? <ErrorAlert error={toUiError(statement.error)} testId="billing-statement-load-error" /> : null}
        {statement.data ? (
          <Table data-testid="billing-statement">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("billing.balance.date")}</Table.Th>
                <Table.Th>{t("billing.balance.kind")}</Table.Th>
                <Table.Th>{t("billing.balance.reference")}</Table.Th>
                <Table.Th ta="right">{t("billing.balance.amount")}</Table.Th>
                <Table.Th ta="right">{t("billing.balance.running")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              <Table.Tr>
                <Table.Td colSpan={4}>{t("billing.balance.opening")}</Table.Td>
                <Table.Td ta="right">{money(statement.data.opening_balance_minor, statement.data.currency)}</Table.Td>
              </Table.Tr>
              {statement.data.entries.map((e, i) => (
                <Table.Tr key={`${e.at}-${i}`}>
                  <Table.Td>{new Date(e.at).toLocaleDateString(i18n.language)}</Table.Td>
                  <Table.Td>{t(`billing.balance.kinds.${e.kind}`)}</Table.Td>
                  <Table.Td>{e.reference}</Table.Td>
                  <Table.Td ta="right">{money(e.amount_minor, statement.data.currency)}</Table.Td>
                  <Table.Td ta="right">{money(e.running_balance_minor, statement.data.currency)}</Table.Td>
                </Table.Tr>
              ))}
              <Table.Tr fw={700}>
                <Table.Td colSpan={4}>{t("billing.balance.closing")}</Table.Td>
                <Table.Td ta="right" data-testid="billing-statement-closing">
                  {money(statement.data.closing_balance_minor, statement.data.currency)}
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        ) : null}
      </Stack>
    </Paper>
  );
}

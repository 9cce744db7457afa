// An issued invoice's money: record a cash, bank transfer, insurance remittance or
// terminal card payment (amount defaults to what is due from that payer), start a card
// payment through the gateway (pending; its checkout link appears once the device's
// runner created it — the invoice is polled while anything is pending — and its status
// follows), the payments with their receipts (Save receipt PDF) and refunds. Errors sit
// next to their inputs; the input is kept.
import { Alert, Anchor, Badge, Button, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { InvoiceDetail } from "../../bindings/InvoiceDetail";
import type { Payment } from "../../bindings/Payment";
import type { PaymentMethod } from "../../bindings/PaymentMethod";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { billingKeys, recordPayment, recordRefund, saveReceiptPdf, startCardPayment } from "./api";
import { fieldErrors, moneyMessage, useMoney } from "./hooks";
import { currencyDigits, minorToDecimal, parseMoney, RECORDED_METHODS } from "./model";

/** What each payer still owes on the invoice (insurance remittances pay the insurer's part). */
const dueFor = (detail: InvoiceDetail, method: PaymentMethod): number =>
  Math.max(
    0,
    method === "insurance_remittance"
      ? detail.invoice.totals.insurance_balance_minor
      : detail.invoice.totals.patient_balance_minor,
  );

export function PaymentsPanel({ detail }: { detail: InvoiceDetail }) {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const client = useQueryClient();
  const inv = detail.invoice;
  const digits = currencyDigits(inv.currency);
  const [method, setMethod] = useState<PaymentMethod>("cash");
  const [amount, setAmount] = useState(() => minorToDecimal(dueFor(detail, "cash"), digits));
  const [amountTouched, setAmountTouched] = useState(false);
  const [reference, setReference] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState<"pay" | "card" | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [cardId, setCardId] = useState<string | null>(null);
  const [started, setStarted] = useState<Payment | null>(null);
  const [refunding, setRefunding] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const refresh = () => client.invalidateQueries({ queryKey: billingKeys.all });

  const submit = async (card: boolean) => {
    if (busy) return;
    const r = parseMoney(amount, digits);
    if (!r.ok) {
      setProblem(moneyMessage(t, r.problem, digits));
      return;
    }
    setProblem(null);
    setError(null);
    setNotice(null);
    setBusy(card ? "card" : "pay");
    try {
      if (card) {
        const p = await startCardPayment({ invoice_id: inv.id, amount_minor: r.minor, currency: inv.currency });
        setCardId(p.id);
        setStarted(p);
      } else {
        await recordPayment({ invoice_id: inv.id, method, amount_minor: r.minor, currency: inv.currency, reference });
        setNotice(t("billing.pay.recorded"));
        setReference("");
        setAmountTouched(false);
      }
      await refresh();
    } catch (x) {
      setError(toUiError(x));
    }
    setBusy(null);
  };

  const server = fieldErrors(error, ["amount_minor", "reference", "method"]);
  const card = cardId ? (detail.payments.find((p) => p.id === cardId) ?? started) : null;

  const saveReceipt = async (p: Payment) => {
    try {
      const out = await saveReceiptPdf(p.id);
      setSaved(out ? t("billing.editor.savedTo", { path: out.path }) : t("billing.pdfCancelled"));
    } catch (x) {
      setError(toUiError(x));
    }
  };

  const defaultAmount = (m: PaymentMethod) => minorToDecimal(dueFor(detail, m), digits);

  return (
    <Paper withBorder p="md" component="section" data-testid="billing-payments">
      <Stack gap="sm">
        <Title order={3} size="h5">
          {t("billing.pay.title")}
        </Title>
        {detail.payments.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t("billing.pay.none")}
          </Text>
        ) : (
          <Table>
            <Table.Tbody>
              {detail.payments.map((p) => (
                <Table.Tr key={p.id} data-testid="billing-payment" data-payment-id={p.id} data-status={p.status}>
                  <Table.Td>{new Date(p.received_at).toLocaleString(i18n.language)}</Table.Td>
                  <Table.Td>{t(`billing.method.${p.method}`)}</Table.Td>
                  <Table.Td>{money(p.amount_minor, p.currency)}</Table.Td>
                  <Table.Td>
                    <Badge variant="light">{t(`billing.paymentStatus.${p.status}`)}</Badge>
                  </Table.Td>
                  <Table.Td>{p.receipt_number ?? ""}</Table.Td>
                  <Table.Td>
                    {p.status === "succeeded" || p.status === "refunded" ? (
                      <Group gap={4}>
                        <Button size="xs" variant="default" onClick={() => void saveReceipt(p)} data-testid="billing-receipt-pdf">
                          {t("billing.pay.receipt")}
                        </Button>
                        {p.amount_minor > p.refunded_minor ? (
                          <Button size="xs" variant="subtle" onClick={() => setRefunding(p.id)} data-testid="billing-refund-open">
                            {t("billing.refund.open")}
                          </Button>
                        ) : null}
                      </Group>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {detail.refunds.length > 0 ? (
          <Table data-testid="billing-refunds">
            <Table.Tbody>
              {detail.refunds.map((r) => (
                <Table.Tr key={r.id} data-testid="billing-refund" data-gateway-status={r.gateway_status ?? ""}>
                  <Table.Td>{new Date(r.refunded_at).toLocaleString(i18n.language)}</Table.Td>
                  <Table.Td>{t("billing.refund.row", { method: t(`billing.method.${r.method}`) })}</Table.Td>
                  <Table.Td>{money(-r.amount_minor, r.currency)}</Table.Td>
                  <Table.Td>
                    {r.gateway_status ? (
                      <Badge variant="light" color={r.gateway_status === "failed" ? "red" : r.gateway_status === "sent" ? "green" : "gray"}>
                        {t(`billing.refund.gateway.${r.gateway_status}`)}
                      </Badge>
                    ) : null}
                    {r.gateway_failure ? (
                      <Text size="xs" c="red.8" data-testid="billing-refund-failure">
                        {t("billing.refund.gateway.failedHint", { reason: r.gateway_failure })}
                      </Text>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
        {refunding ? (
          <RefundForm
            payment={detail.payments.find((p) => p.id === refunding)!}
            onDone={() => {
              setRefunding(null);
              void refresh();
            }}
            onCancel={() => setRefunding(null)}
          />
        ) : null}
        {saved ? (
          <Text size="sm" data-testid="billing-pdf-saved">
            {saved}
          </Text>
        ) : null}
        <Group align="flex-start">
          <NativeSelect
            label={t("billing.pay.method")}
            value={method}
            onChange={(e) => {
              const m = e.currentTarget.value as PaymentMethod;
              setMethod(m);
              if (!amountTouched) setAmount(defaultAmount(m));
            }}
            data={RECORDED_METHODS.map((m) => ({ value: m, label: t(`billing.method.${m}`) }))}
            error={server.byField.method}
            data-testid="billing-pay-method"
          />
          <TextInput
            label={t("billing.pay.amount")}
            value={amount}
            onChange={(e) => {
              setAmount(e.currentTarget.value);
              setAmountTouched(true);
              setProblem(null);
            }}
            error={problem ?? server.byField.amount_minor}
            inputMode="decimal"
            w={160}
            data-testid="billing-pay-amount"
          />
          <TextInput
            label={t("billing.pay.reference")}
            value={reference}
            onChange={(e) => setReference(e.currentTarget.value)}
            error={server.byField.reference}
            data-testid="billing-pay-reference"
          />
        </Group>
        <Group>
          <Button onClick={() => void submit(false)} loading={busy === "pay"} disabled={busy === "card"} data-testid="billing-pay-submit">
            {t("billing.pay.submit")}
          </Button>
          <Button variant="outline" onClick={() => void submit(true)} loading={busy === "card"} disabled={busy === "pay"} data-testid="billing-card-start">
            {t("billing.pay.cardStart")}
          </Button>
        </Group>
        {error && (server.unplaced || error.code !== "validation") ? (
          <ErrorAlert error={error} testId="billing-pay-error" title={t("billing.pay.errorTitle")} />
        ) : null}
        {notice ? (
          <Alert color="green" role="status" data-testid="billing-pay-recorded">
            {notice}
          </Alert>
        ) : null}
        {card ? <CardStatus payment={card} /> : null}
      </Stack>
    </Paper>
  );
}

/** A gateway card payment: its checkout link once created, and its status. */
export function CardStatus({ payment }: { payment: Payment }) {
  const { t } = useTranslation();
  return (
    <Alert color={payment.status === "failed" ? "red" : payment.status === "pending" ? "blue" : "green"} title={t("billing.pay.cardTitle")}>
      <Stack gap={4}>
        <Text size="sm" data-testid="billing-card-status" data-status={payment.status}>
          {t("billing.pay.cardStatus", { status: t(`billing.paymentStatus.${payment.status}`) })}
        </Text>
        {payment.status === "failed" && payment.failure_reason ? (
          <Text size="sm">{t("billing.pay.cardFailed", { reason: payment.failure_reason })}</Text>
        ) : null}
        {payment.status === "pending" && !payment.checkout_url ? (
          <Text size="sm" data-testid="billing-card-waiting">
            {t("billing.pay.cardWaiting")}
          </Text>
        ) : null}
        {payment.checkout_url && payment.status === "pending" ? (
          <Group gap="sm">
            <Text size="sm">{t("billing.pay.cardLink")}:</Text>
            <Text size="sm" ff="monospace" data-testid="billing-card-link" style={{ userSelect: "all", wordBreak: "break-all" }}>
              {payment.checkout_url}
            </Text>
            <Anchor href={payment.checkout_url} target="_blank" rel="noreferrer noopener" data-testid="billing-card-open">
              {t("billing.pay.cardOpen")}
            </Anchor>
          </Group>
        ) : null}
      </Stack>
    </Alert>
  );
}

function RefundForm({ payment, onDone, onCancel }: { payment: Payment; onDone: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const money = useMoney();
  const digits = currencyDigits(payment.currency);
  const max = payment.amount_minor - payment.refunded_minor;
  const [amount, setAmount] = useState(minorToDecimal(max, digits));
  const [reason, setReason] = useState("");
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const p: Record<string, string> = {};
    const r = parseMoney(amount, digits);
    if (!r.ok) p.amount_minor = moneyMessage(t, r.problem, digits);
    else if (r.minor > max) p.amount_minor = t("billing.refund.tooMuch", { max: money(max, payment.currency) });
    if (!reason.trim()) p.reason = t("billing.refund.reasonRequired");
    setProblems(p);
    if (!r.ok || Object.keys(p).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      await recordRefund({ payment_id: payment.id, amount_minor: r.minor, currency: payment.currency, reason: reason.trim() });
      onDone();
    } catch (x) {
      setError(toUiError(x));
    }
    setBusy(false);
  };
  const server = fieldErrors(error, ["amount_minor", "reason"]);
  return (
    <Paper withBorder p="sm" data-testid="billing-refund-form">
      <Stack gap="xs">
        <Title order={4} size="h6">
          {t("billing.refund.title")}
        </Title>
        <Group align="flex-start">
          <TextInput
            label={t("billing.refund.amount", { max: money(max, payment.currency) })}
            value={amount}
            onChange={(e) => setAmount(e.currentTarget.value)}
            error={problems.amount_minor ?? server.byField.amount_minor}
            data-testid="billing-refund-amount"
          />
          <TextInput
            label={t("billing.refund.reason")}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={problems.reason ?? server.byField.reason}
            data-testid="billing-refund-reason"
          />
        </Group>
        {error && (server.unplaced || error.code !== "validation") ? (
          <ErrorAlert error={error} testId="billing-refund-error" title={t("billing.refund.errorTitle")} />
        ) : null}
        <Group>
          <Button onClick={() => void submit()} loading={busy} data-testid="billing-refund-submit">
            {t("billing.refund.submit")}
          </Button>
          <Button variant="default" onClick={onCancel} data-testid="billing-refund-cancel">
            {t("billing.editor.cancel")}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

// Credit notes against an issued invoice: the ones recorded so far, and a form with an
// amount per line (at most what is left of it) and a reason.
import { Alert, Button, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { CreditLineInput } from "../../bindings/CreditLineInput";
import type { InvoiceDetail } from "../../bindings/InvoiceDetail";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { billingKeys, recordCreditNote } from "./api";
import { fieldErrors, moneyMessage, useMoney } from "./hooks";
import { currencyDigits, parseMoney } from "./model";

export function CreditNoteForm({ detail }: { detail: InvoiceDetail }) {
  const { t } = useTranslation();
  const money = useMoney();
  const client = useQueryClient();
  const inv = detail.invoice;
  const digits = currencyDigits(inv.currency);
  const [open, setOpen] = useState(false);
  const [amounts, setAmounts] = useState<Record<string, string>>({});
  const [reason, setReason] = useState("");
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<UiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const p: Record<string, string> = {};
    const lines: CreditLineInput[] = [];
    for (const l of inv.lines) {
      const text = amounts[l.id]?.trim() ?? "";
      if (!text) continue;
      const r = parseMoney(text, digits);
      const left = l.total_minor - l.credited_minor;
      if (!r.ok) p[l.id] = moneyMessage(t, r.problem, digits);
      else if (r.minor > left) p[l.id] = t("billing.refund.tooMuch", { max: money(left, inv.currency) });
      else if (r.minor > 0) lines.push({ invoice_line_id: l.id, amount_minor: r.minor });
    }
    if (!reason.trim()) p.reason = t("billing.refund.reasonRequired");
    if (lines.length === 0 && Object.keys(p).length === 0) p.lines = t("billing.credit.nothing");
    setProblems(p);
    if (Object.keys(p).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      const note = await recordCreditNote({ invoice_id: inv.id, lines, reason: reason.trim() });
      setDone(t("billing.credit.done", { number: note.number }));
      setAmounts({});
      setReason("");
      setOpen(false);
      await client.invalidateQueries({ queryKey: billingKeys.all });
    } catch (x) {
      setError(toUiError(x));
    }
    setBusy(false);
  };
  const server = fieldErrors(error, ["reason"]);

  return (
    <Paper withBorder p="md" component="section" data-testid="billing-credit-notes">
      <Stack gap="sm">
        <Title order={3} size="h5">
          {t("billing.credit.list")}
        </Title>
        {detail.credit_notes.map((c) => (
          <Text key={c.id} size="sm" data-testid="billing-credit-note">
            {c.number}: {money(c.total_minor, c.currency)} — {c.reason}
          </Text>
        ))}
        {done ? (
          <Alert color="green" role="status" data-testid="billing-credit-done">
            {done}
          </Alert>
        ) : null}
        {!open ? (
          <div>
            <Button variant="default" onClick={() => setOpen(true)} data-testid="billing-credit-open">
              {t("billing.credit.open")}
            </Button>
          </div>
        ) : (
          <Stack gap="xs" data-testid="billing-credit-form">
            <Table>
              <Table.Tbody>
                {inv.lines.map((l) => (
                  <Table.Tr key={l.id}>
                    <Table.Td>
                      <TextInput
                        label={t("billing.credit.line", {
                          line: l.description || l.service_code,
                          max: money(l.total_minor - l.credited_minor, inv.currency),
                        })}
                        value={amounts[l.id] ?? ""}
                        onChange={(e) => {
                          const v = e.currentTarget.value;
                          setAmounts((a) => ({ ...a, [l.id]: v }));
                        }}
                        error={problems[l.id]}
                        data-testid="billing-credit-amount"
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {problems.lines ? (
              <Text c="red" size="sm">
                {problems.lines}
              </Text>
            ) : null}
            <TextInput
              label={t("billing.credit.reason")}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              error={problems.reason ?? server.byField.reason}
              data-testid="billing-credit-reason"
            />
            {error && (server.unplaced || error.code !== "validation") ? (
              <ErrorAlert error={error} testId="billing-credit-error" title={t("billing.credit.errorTitle")}>
                {(error.fields ?? []).map((f) => (
                  <Text key={f.field} size="sm">
                    {f.message}
                  </Text>
                ))}
              </ErrorAlert>
            ) : null}
            <div>
              <Button onClick={() => void submit()} loading={busy} data-testid="billing-credit-submit">
                {t("billing.credit.submit")}
              </Button>
            </div>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

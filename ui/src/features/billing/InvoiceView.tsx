// One invoice: a new draft (patient picker), a saved draft (the editor), or an issued
// invoice (its lines, totals, payments, credit notes). Void (with a reason, behind a
// confirmation) and "Save invoice PDF" for saved invoices. While a card payment is
// pending the invoice is polled, so its checkout link and outcome appear by themselves.
import { Alert, Badge, Button, Group, Loader, Modal, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Invoice } from "../../bindings/Invoice";
import type { InvoiceDetail } from "../../bindings/InvoiceDetail";
import type { InvoiceId } from "../../bindings/InvoiceId";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { LOCAL_ERRORS } from "../session/errorBus";
import type { PickedPatient } from "../schedule/PatientPicker";
import { billingKeys, getInvoice, saveInvoicePdf, voidInvoice } from "./api";
import { CreditNoteForm } from "./CreditNoteForm";
import { DraftEditor } from "./DraftEditor";
import { fieldErrors, useBillingSettings, useMoney } from "./hooks";
import { InvoiceTotals } from "./InvoiceTotals";
import { PaymentsPanel } from "./PaymentsPanel";

/** How often a pending card payment is checked. */
export const CARD_POLL_MS = 2_000;

type Props = {
  id: InvoiceId | null;
  patient?: PickedPatient | null;
  onOpen: (id: InvoiceId) => void;
  onBack: () => void;
};

export function InvoiceView({ id, patient, onOpen, onBack }: Props) {
  const { t } = useTranslation();
  const settings = useBillingSettings();
  const client = useQueryClient();
  const detail = useQuery({
    queryKey: billingKeys.invoice(id ?? ""),
    queryFn: () => getInvoice(id!),
    enabled: id !== null,
    meta: LOCAL_ERRORS,
    refetchInterval: (q) =>
      q.state.data?.payments.some((p) => p.status === "pending") ||
      q.state.data?.refunds.some((r) => r.gateway_status === "pending")
        ? CARD_POLL_MS
        : false,
  });

  const put = (inv: Invoice) => {
    client.setQueryData<InvoiceDetail>(billingKeys.invoice(inv.id), (old) =>
      old ? { ...old, invoice: inv } : { invoice: inv, payments: [], refunds: [], credit_notes: [] },
    );
  };

  return (
    <Stack gap="md" data-testid="billing-invoice">
      <Group>
        <Button variant="subtle" onClick={onBack} data-testid="billing-back">
          {t("billing.editor.back")}
        </Button>
      </Group>
      {id === null ? (
        <>
          <Title order={2} size="h3">
            {t("billing.editor.newTitle")}
          </Title>
          <DraftEditor
            invoice={null}
            currency={settings.data?.currency ?? ""}
            patient={patient ?? null}
            onSaved={(inv) => {
              put(inv);
              onOpen(inv.id);
            }}
            onIssued={(inv) => {
              put(inv);
              onOpen(inv.id);
            }}
          />
        </>
      ) : detail.isPending ? (
        <Loader />
      ) : detail.isError ? (
        <ErrorAlert error={toUiError(detail.error)} testId="billing-invoice-error" title={t("billing.editor.loadError")} />
      ) : (
        <Loaded detail={detail.data} onChanged={put} />
      )}
    </Stack>
  );
}

function Loaded({ detail, onChanged }: { detail: InvoiceDetail; onChanged: (inv: Invoice) => void }) {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const client = useQueryClient();
  const inv = detail.invoice;
  const [voiding, setVoiding] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [pdfError, setPdfError] = useState<UiError | null>(null);

  const pdf = async () => {
    setPdfError(null);
    try {
      const out = await saveInvoicePdf(inv.id);
      setSaved(out ? t("billing.editor.savedTo", { path: out.path }) : t("billing.pdfCancelled"));
    } catch (x) {
      setPdfError(toUiError(x));
    }
  };

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={2} size="h3" data-testid="billing-invoice-title">
          {inv.number ? t("billing.editor.title", { number: inv.number }) : t("billing.editor.draftTitle")}
        </Title>
        <Group>
          <Badge data-testid="billing-invoice-status" data-status={inv.status}>
            {t(`billing.status.${inv.status}`)}
          </Badge>
          {inv.status !== "draft" ? (
            <Button variant="default" onClick={() => void pdf()} data-testid="billing-invoice-pdf">
              {t("billing.editor.pdf")}
            </Button>
          ) : null}
          {inv.status !== "void" ? (
            <Button variant="outline" color="red" onClick={() => setVoiding(true)} data-testid="billing-void">
              {t("billing.editor.void")}
            </Button>
          ) : null}
        </Group>
      </Group>
      {inv.needs_review ? (
        <Alert color="orange" data-testid="billing-needs-review">
          {t("billing.editor.review")}
        </Alert>
      ) : null}
      {inv.status === "void" ? (
        <Alert color="gray" data-testid="billing-voided">
          {t("billing.editor.voided", { reason: inv.void_reason ?? "" })}
        </Alert>
      ) : null}
      {saved ? (
        <Text size="sm" data-testid="billing-pdf-saved">
          {saved}
        </Text>
      ) : null}
      {pdfError ? <ErrorAlert error={pdfError} testId="billing-pdf-error" /> : null}
      {inv.status === "draft" ? (
        <DraftEditor
          key={inv.id}
          invoice={inv}
          currency={inv.currency}
          patient={null}
          onSaved={onChanged}
          onIssued={(issued) => {
            onChanged(issued);
            void client.invalidateQueries({ queryKey: billingKeys.invoice(inv.id) });
          }}
        />
      ) : (
        <>
          <Paper withBorder p="md" component="section">
            <Table data-testid="billing-lines">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("billing.editor.service")}</Table.Th>
                  <Table.Th>{t("billing.editor.quantity")}</Table.Th>
                  <Table.Th>{t("billing.editor.unitPrice")}</Table.Th>
                  <Table.Th>{t("billing.totals.total")}</Table.Th>
                  <Table.Th>{t("billing.totals.insurance")}</Table.Th>
                  <Table.Th>{t("billing.totals.credited")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {inv.lines.map((l) => (
                  <Table.Tr key={l.id}>
                    <Table.Td>
                      {l.service_code ? `${l.service_code} — ` : ""}
                      {l.description}
                    </Table.Td>
                    <Table.Td>{l.quantity}</Table.Td>
                    <Table.Td>{money(l.unit_price_minor, inv.currency)}</Table.Td>
                    <Table.Td>{money(l.total_minor, inv.currency)}</Table.Td>
                    <Table.Td>{money(l.insurance_minor, inv.currency)}</Table.Td>
                    <Table.Td>{money(l.credited_minor, inv.currency)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {inv.issued_at ? (
              <Text size="xs" c="dimmed" mt="xs">
                {new Date(inv.issued_at).toLocaleString(i18n.language)}
              </Text>
            ) : null}
          </Paper>
          <InvoiceTotals invoice={inv} />
          {inv.status !== "void" ? <PaymentsPanel key={inv.id} detail={detail} /> : null}
          {inv.status !== "void" ? <CreditNoteForm detail={detail} /> : null}
        </>
      )}
      <VoidDialog
        opened={voiding}
        invoice={inv}
        onClose={() => setVoiding(false)}
        onVoided={(v) => {
          setVoiding(false);
          onChanged(v);
          void client.invalidateQueries({ queryKey: billingKeys.all });
        }}
      />
    </Stack>
  );
}

function VoidDialog({
  opened,
  invoice,
  onClose,
  onVoided,
}: {
  opened: boolean;
  invoice: Invoice;
  onClose: () => void;
  onVoided: (inv: Invoice) => void;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);
  const server = fieldErrors(error, ["reason"]);
  const submit = async () => {
    if (!reason.trim()) {
      setError({ code: "validation", message: "", fields: [{ field: "reason", message: t("billing.refund.reasonRequired") }] });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onVoided(await voidInvoice({ id: invoice.id, expected_version: invoice.version, reason: reason.trim() }));
    } catch (x) {
      setError(toUiError(x));
    }
    setBusy(false);
  };
  return (
    <Modal opened={opened} onClose={() => (busy ? undefined : onClose())} title={t("billing.editor.voidTitle")}>
      <Stack gap="sm" data-testid="billing-void-dialog">
        <Text size="sm">{t("billing.editor.voidBody")}</Text>
        <TextInput
          label={t("billing.editor.voidReason")}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          error={server.byField.reason}
          data-testid="billing-void-reason"
        />
        {error && (server.unplaced || error.code !== "validation") ? <ErrorAlert error={error} testId="billing-void-error" /> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} disabled={busy} data-testid="billing-void-cancel">
            {t("billing.editor.cancel")}
          </Button>
          <Button color="red" loading={busy} onClick={() => void submit()} data-testid="billing-void-confirm">
            {t("billing.editor.voidConfirm")}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

// A draft invoice's form: the patient (new drafts only), lines picked from the service
// catalogue (price and tax prefilled from it, read only; quantity; a line discount and an
// insurance portion as a percentage or an amount), an invoice discount and a note. "Save
// draft" sends the whole draft; the totals shown are the ones the core returned for the
// last save. "Issue" saves first when something changed. Errors sit next to their
// inputs; the input is kept on any error.
import { Alert, Button, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Invoice } from "../../bindings/Invoice";
import type { InvoiceLineInput } from "../../bindings/InvoiceLineInput";
import type { SaveInvoiceDraft } from "../../bindings/SaveInvoiceDraft";
import type { Service } from "../../bindings/Service";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { LOCAL_ERRORS } from "../session/errorBus";
import { PatientPicker, type PickedPatient } from "../schedule/PatientPicker";
import { billingKeys, issueInvoice, listServices, saveInvoiceDraft } from "./api";
import { fieldErrors, moneyMessage, useMoney } from "./hooks";
import { InvoiceTotals } from "./InvoiceTotals";
import { currencyDigits, parsePortion, portionToForm, type PortionForm } from "./model";
import { PortionInput } from "./PortionInput";

type LineForm = {
  key: number;
  id: string | null;
  serviceId: string;
  quantity: string;
  discount: PortionForm;
  insurance: PortionForm;
};

let nextKey = 1;
const blankLine = (): LineForm => ({
  key: nextKey++,
  id: null,
  serviceId: "",
  quantity: "1",
  discount: { kind: "none", text: "" },
  insurance: { kind: "none", text: "" },
});

function linesOf(invoice: Invoice | null, digits: number): LineForm[] {
  if (!invoice || invoice.lines.length === 0) return [blankLine()];
  return invoice.lines.map((l) => ({
    key: nextKey++,
    id: l.id,
    serviceId: l.service_id ?? "",
    quantity: String(l.quantity),
    discount: portionToForm(l.discount, digits),
    insurance: portionToForm(l.insurance, digits),
  }));
}

type Props = {
  /** The saved draft, or null for a new one. */
  invoice: Invoice | null;
  currency: string;
  patient: PickedPatient | null;
  /** A draft was saved (the first save creates it). */
  onSaved: (invoice: Invoice) => void;
  onIssued: (invoice: Invoice) => void;
};

type Problems = Record<string, string>;

export function DraftEditor({ invoice, currency, patient: initialPatient, onSaved, onIssued }: Props) {
  const { t } = useTranslation();
  const money = useMoney();
  const client = useQueryClient();
  const cur = invoice?.currency || currency;
  const digits = cur ? currencyDigits(cur) : 2;
  const services = useQuery({ queryKey: billingKeys.services(false), queryFn: () => listServices(false), meta: LOCAL_ERRORS });
  const [patient, setPatient] = useState<PickedPatient | null>(initialPatient);
  const [lines, setLines] = useState<LineForm[]>(() => linesOf(invoice, digits));
  const [discount, setDiscount] = useState<PortionForm>(() => portionToForm(invoice?.discount ?? null, digits));
  const [note, setNote] = useState(invoice?.note ?? "");
  const [problems, setProblems] = useState<Problems>({});
  const [error, setError] = useState<UiError | null>(null);
  const [dirty, setDirty] = useState(invoice === null);
  const [busy, setBusy] = useState<"save" | "issue" | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const byId = new Map<string, Service>((services.data ?? []).map((s) => [s.id, s]));
  const touch = () => {
    setDirty(true);
    setNotice(null);
  };
  const setLine = (key: number, patch: Partial<LineForm>) => {
    setLines((ls) => ls.map((l) => (l.key === key ? { ...l, ...patch } : l)));
    touch();
  };

  const build = (): SaveInvoiceDraft | null => {
    const p: Problems = {};
    if (!patient && !invoice) p.patient_id = t("billing.editor.choosePatient");
    const out: InvoiceLineInput[] = [];
    lines.forEach((l, i) => {
      if (!l.serviceId) p[`lines.${i}.service_id`] = t("billing.editor.serviceRequired");
      if (!/^\d+$/.test(l.quantity.trim()) || Number(l.quantity) < 1) p[`lines.${i}.quantity`] = t("billing.editor.quantityInvalid");
      const d = parsePortion(l.discount, digits);
      if (!d.ok) p[`lines.${i}.discount`] = moneyMessage(t, d.problem, digits);
      const ins = parsePortion(l.insurance, digits);
      if (!ins.ok) p[`lines.${i}.insurance`] = moneyMessage(t, ins.problem, digits);
      out.push({
        id: l.id,
        service_id: l.serviceId || null,
        description: "",
        quantity: Number(l.quantity.trim()),
        unit_price_minor: null,
        tax: null,
        discount: d.ok ? d.portion : null,
        insurance: ins.ok ? ins.portion : null,
      });
    });
    const inv = parsePortion(discount, digits);
    if (!inv.ok) p.discount = moneyMessage(t, inv.problem, digits);
    setProblems(p);
    if (Object.keys(p).length > 0) return null;
    return {
      id: invoice?.id ?? null,
      expected_version: invoice?.version ?? null,
      patient_id: invoice?.patient_id ?? patient!.id,
      appointment_id: invoice?.appointment_id ?? null,
      encounter_id: invoice?.encounter_id ?? null,
      lines: out,
      discount: inv.ok ? inv.portion : null,
      note,
    };
  };

  const save = async (): Promise<Invoice | null> => {
    const request = build();
    if (!request) return null;
    setError(null);
    try {
      const saved = await saveInvoiceDraft(request);
      setLines(linesOf(saved, digits));
      setDirty(false);
      void client.invalidateQueries({ queryKey: ["billing", "invoices"] });
      onSaved(saved);
      return saved;
    } catch (x) {
      const e = toUiError(x);
      setError(e);
      return null;
    }
  };

  const onSave = async () => {
    if (busy) return;
    setBusy("save");
    if (await save()) setNotice(t("billing.editor.saved"));
    setBusy(null);
  };

  const onIssue = async () => {
    if (busy) return;
    setBusy("issue");
    const current = dirty || !invoice ? await save() : invoice;
    if (current) {
      try {
        const issued = await issueInvoice({ id: current.id, expected_version: current.version });
        void client.invalidateQueries({ queryKey: billingKeys.all });
        onIssued(issued);
      } catch (x) {
        setError(toUiError(x));
      }
    }
    setBusy(null);
  };

  const shown = [
    "patient_id",
    "discount",
    "note",
    ...lines.flatMap((_, i) => ["service_id", "quantity", "discount", "insurance"].map((f) => `lines.${i}.${f}`)),
  ];
  const server = fieldErrors(error, shown);
  const err = (field: string) => problems[field] ?? server.byField[field];
  const activeServices = (services.data ?? []).filter((s) => s.active);

  return (
    <Stack gap="md">
      {!invoice ? (
        <PatientPicker
          value={patient}
          onChange={(p) => {
            setPatient(p);
            touch();
          }}
          label={t("billing.editor.patient")}
          testId="billing-patient"
          error={err("patient_id")}
        />
      ) : null}
      <Paper withBorder p="md" component="section">
        <Title order={3} size="h5" mb="xs">
          {t("billing.editor.lines")}
        </Title>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("billing.editor.service")}</Table.Th>
              <Table.Th>{t("billing.editor.unitPrice")}</Table.Th>
              <Table.Th>{t("billing.editor.quantity")}</Table.Th>
              <Table.Th>{t("billing.editor.discount")}</Table.Th>
              <Table.Th>{t("billing.editor.insurance")}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {lines.map((l, i) => {
              const s = byId.get(l.serviceId);
              const options = activeServices.some((x) => x.id === l.serviceId) || !s ? activeServices : [...activeServices, s];
              return (
                <Table.Tr key={l.key} data-testid="billing-line" data-index={i}>
                  <Table.Td>
                    <NativeSelect
                      aria-label={t("billing.editor.service")}
                      value={l.serviceId}
                      onChange={(e) => setLine(l.key, { serviceId: e.currentTarget.value })}
                      data={[
                        { value: "", label: t("billing.editor.servicePlaceholder") },
                        ...options.map((x) => ({ value: x.id, label: `${x.code} — ${x.name}` })),
                      ]}
                      error={err(`lines.${i}.service_id`)}
                      data-testid="billing-line-service"
                    />
                  </Table.Td>
                  <Table.Td data-testid="billing-line-price">
                    {s ? (
                      <Text size="sm">
                        {money(s.price_minor, s.currency)}
                        {s.tax.rate_bp > 0 ? (
                          <Text span size="xs" c="dimmed">
                            {" "}
                            {s.tax.name} {s.tax.rate_bp / 100}% {t(`billing.settings.${s.tax.mode}`)}
                          </Text>
                        ) : null}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <TextInput
                      aria-label={t("billing.editor.quantity")}
                      value={l.quantity}
                      onChange={(e) => setLine(l.key, { quantity: e.currentTarget.value })}
                      error={err(`lines.${i}.quantity`)}
                      inputMode="numeric"
                      w={80}
                      data-testid="billing-line-quantity"
                    />
                  </Table.Td>
                  <Table.Td>
                    <PortionInput
                      label={t("billing.editor.discount")}
                      value={l.discount}
                      onChange={(v) => setLine(l.key, { discount: v })}
                      error={err(`lines.${i}.discount`)}
                      testId="billing-line-discount"
                    />
                  </Table.Td>
                  <Table.Td>
                    <PortionInput
                      label={t("billing.editor.insurance")}
                      value={l.insurance}
                      onChange={(v) => setLine(l.key, { insurance: v })}
                      error={err(`lines.${i}.insurance`)}
                      testId="billing-line-insurance"
                    />
                  </Table.Td>
                  <Table.Td>
                    <Button
                      variant="subtle"
                      color="red"
                      size="xs"
                      disabled={lines.length === 1}
                      onClick={() => {
                        setLines((ls) => ls.filter((x) => x.key !== l.key));
                        touch();
                      }}
                      data-testid="billing-line-remove"
                    >
                      {t("billing.editor.removeLine")}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
        <Button
          variant="default"
          mt="sm"
          onClick={() => {
            setLines((ls) => [...ls, blankLine()]);
            touch();
          }}
          data-testid="billing-line-add"
        >
          {t("billing.editor.addLine")}
        </Button>
      </Paper>
      <Group align="flex-start">
        <PortionInput
          label={t("billing.editor.invoiceDiscount")}
          value={discount}
          onChange={(v) => {
            setDiscount(v);
            touch();
          }}
          error={err("discount")}
          testId="billing-invoice-discount"
        />
        <TextInput
          label={t("billing.editor.note")}
          value={note}
          onChange={(e) => {
            setNote(e.currentTarget.value);
            touch();
          }}
          error={err("note")}
          style={{ flex: 1 }}
          data-testid="billing-note"
        />
      </Group>
      {error && (server.unplaced || error.code !== "validation") ? (
        <ErrorAlert error={error} testId="billing-draft-error" title={t("billing.editor.errorTitle")}>
          {(error.fields ?? [])
            .filter((f) => !shown.includes(f.field))
            .map((f) => (
              <Text key={f.field} size="sm">
                {f.message}
              </Text>
            ))}
        </ErrorAlert>
      ) : null}
      {notice ? (
        <Alert color="green" role="status" data-testid="billing-draft-saved">
          {notice}
        </Alert>
      ) : null}
      {invoice && dirty ? (
        <Text size="sm" c="dimmed" data-testid="billing-unsaved">
          {t("billing.editor.unsaved")}
        </Text>
      ) : null}
      {invoice ? <InvoiceTotals invoice={invoice} /> : null}
      <Group>
        <Button variant="default" onClick={() => void onSave()} loading={busy === "save"} disabled={busy === "issue"} data-testid="billing-save-draft">
          {t("billing.editor.save")}
        </Button>
        <Button onClick={() => void onIssue()} loading={busy === "issue"} disabled={busy === "save"} data-testid="billing-issue">
          {t("billing.editor.issue")}
        </Button>
      </Group>
    </Stack>
  );
}

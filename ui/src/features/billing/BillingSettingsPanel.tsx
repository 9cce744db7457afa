// Settings → Billing (administrators): the clinic's currency (ISO 4217, set before the
// first service or invoice) and invoice footer, and the service catalogue — code, name,
// price (typed as money, sent as exact minor units), tax (name, rate as a percentage sent
// as basis points, inclusive or exclusive) and whether it is active. This device's card
// payment gateway sits between the two (GatewaySettingsForm).
import { Alert, Button, Checkbox, Group, NativeSelect, Paper, Stack, Table, Text, Textarea, TextInput, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { SaveService } from "../../bindings/SaveService";
import type { Service } from "../../bindings/Service";
import type { TaxMode } from "../../bindings/TaxMode";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { LOCAL_ERRORS } from "../session/errorBus";
import { billingKeys, listServices, saveBillingSettings, saveService } from "./api";
import { GatewaySettingsForm } from "./GatewaySettingsForm";
import { fieldErrors, moneyMessage, useBillingSettings, useMoney } from "./hooks";
import { bpToPercent, currencyDigits, minorToDecimal, parseMoney, parsePercent } from "./model";

export function BillingSettingsPanel() {
  const settings = useBillingSettings();
  return (
    <Stack gap="md">
      {settings.data ? <SettingsForm key={settings.data.currency} currency={settings.data.currency} footer={settings.data.invoice_footer} /> : null}
      {settings.isError ? <ErrorAlert error={toUiError(settings.error)} testId="billing-settings-load-error" /> : null}
      <GatewaySettingsForm />
      <Catalogue currency={settings.data?.currency ?? ""} />
    </Stack>
  );
}

function SettingsForm({ currency: initialCurrency, footer: initialFooter }: { currency: string; footer: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [currency, setCurrency] = useState(initialCurrency);
  const [footer, setFooter] = useState(initialFooter);
  const [error, setError] = useState<UiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const s = await saveBillingSettings({ currency: currency.trim().toUpperCase(), invoice_footer: footer });
      client.setQueryData(billingKeys.settings, s);
      setSaved(true);
    } catch (x) {
      setError(toUiError(x));
    }
    setBusy(false);
  };
  const server = fieldErrors(error, ["currency", "invoice_footer"]);
  return (
    <Paper withBorder p="md" component="section">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t("billing.settings.title")}
        </Title>
        <TextInput
          label={t("billing.settings.currency")}
          description={t("billing.settings.currencyHelp")}
          value={currency}
          onChange={(e) => setCurrency(e.currentTarget.value)}
          error={server.byField.currency}
          maxLength={3}
          w={200}
          data-testid="billing-settings-currency"
        />
        <Textarea
          label={t("billing.settings.footer")}
          description={t("billing.settings.footerHelp")}
          value={footer}
          onChange={(e) => setFooter(e.currentTarget.value)}
          error={server.byField.invoice_footer}
          autosize
          minRows={2}
          data-testid="billing-settings-footer"
        />
        {error && (server.unplaced || error.code !== "validation") ? (
          <ErrorAlert error={error} testId="billing-settings-error" title={t("billing.settings.errorTitle")} />
        ) : null}
        {saved ? (
          <Alert color="green" role="status" data-testid="billing-settings-saved">
            {t("billing.settings.saved")}
          </Alert>
        ) : null}
        <div>
          <Button onClick={() => void submit()} loading={busy} data-testid="billing-settings-save">
            {t("billing.settings.save")}
          </Button>
        </div>
      </Stack>
    </Paper>
  );
}

type ServiceForm = { id: string | null; version: number | null; code: string; name: string; price: string; taxName: string; taxRate: string; mode: TaxMode; active: boolean; typeId: string | null };

const formOf = (s: Service | null, digits: number): ServiceForm =>
  s
    ? {
        id: s.id,
        version: s.version,
        code: s.code,
        name: s.name,
        price: minorToDecimal(s.price_minor, digits),
        taxName: s.tax.name,
        taxRate: bpToPercent(s.tax.rate_bp),
        mode: s.tax.mode,
        active: s.active,
        typeId: s.appointment_type_id,
      }
    : { id: null, version: null, code: "", name: "", price: "", taxName: "", taxRate: "0", mode: "exclusive", active: true, typeId: null };

function Catalogue({ currency }: { currency: string }) {
  const { t } = useTranslation();
  const money = useMoney();
  const [inactive, setInactive] = useState(false);
  const [editing, setEditing] = useState<Service | "new" | null>(null);
  const list = useQuery({ queryKey: billingKeys.services(inactive), queryFn: () => listServices(inactive), meta: LOCAL_ERRORS });
  return (
    <Paper withBorder p="md" component="section" data-testid="billing-catalogue">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {t("billing.settings.catalogue")}
          </Title>
          <Group>
            <Checkbox label={t("billing.settings.showInactive")} checked={inactive} onChange={(e) => setInactive(e.currentTarget.checked)} data-testid="billing-service-inactive" />
            <Button onClick={() => setEditing("new")} disabled={!currency} data-testid="billing-service-add">
              {t("billing.settings.add")}
            </Button>
          </Group>
        </Group>
        {!currency ? <Text size="sm" c="orange">{t("billing.settings.noCurrency")}</Text> : null}
        {editing ? (
          <ServiceEditor key={editing === "new" ? "new" : editing.id} service={editing === "new" ? null : editing} currency={currency} onDone={() => setEditing(null)} />
        ) : null}
        {list.isError ? <ErrorAlert error={toUiError(list.error)} testId="billing-services-error" /> : null}
        {(list.data ?? []).length === 0 ? (
          <Text size="sm" c="dimmed">
            {t("billing.settings.empty")}
          </Text>
        ) : (
          <Table data-testid="billing-services">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("billing.settings.code")}</Table.Th>
                <Table.Th>{t("billing.settings.name")}</Table.Th>
                <Table.Th ta="right">{t("billing.settings.price")}</Table.Th>
                <Table.Th>{t("billing.editor.tax")}</Table.Th>
                <Table.Th>{t("billing.settings.active")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(list.data ?? []).map((s) => (
                <Table.Tr key={s.id} data-testid="billing-service-row">
                  <Table.Td>{s.code}</Table.Td>
                  <Table.Td>{s.name}</Table.Td>
                  <Table.Td ta="right">{money(s.price_minor, s.currency)}</Table.Td>
                  <Table.Td>
                    {s.tax.rate_bp > 0 ? `${s.tax.name} ${bpToPercent(s.tax.rate_bp)} % (${t(`billing.settings.${s.tax.mode}`)})` : "—"}
                  </Table.Td>
                  <Table.Td>{s.active ? "✓" : ""}</Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="subtle" onClick={() => setEditing(s)} data-testid="billing-service-edit">
                      {t("billing.settings.edit")}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Paper>
  );
}

function ServiceEditor({ service, currency, onDone }: { service: Service | null; currency: string; onDone: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const digits = currencyDigits(service?.currency || currency);
  const [form, setForm] = useState(() => formOf(service, digits));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<ServiceForm>) => setForm((f) => ({ ...f, ...patch }));

  const submit = async () => {
    const p: Record<string, string> = {};
    const price = parseMoney(form.price, digits);
    if (!price.ok) p.price_minor = moneyMessage(t, price.problem, digits);
    const rate = parsePercent(form.taxRate || "0");
    if (!rate.ok) p["tax.rate_bp"] = moneyMessage(t, rate.problem, 2);
    setProblems(p);
    if (!price.ok || !rate.ok) return;
    const request: SaveService = {
      id: form.id,
      expected_version: form.version,
      code: form.code.trim(),
      name: form.name.trim(),
      price_minor: price.minor,
      tax: { name: form.taxName.trim(), rate_bp: rate.bp, mode: form.mode },
      appointment_type_id: form.typeId,
      active: form.active,
    };
    setBusy(true);
    setError(null);
    try {
      await saveService(request);
      await client.invalidateQueries({ queryKey: ["billing", "services"] });
      onDone();
    } catch (x) {
      setError(toUiError(x));
    }
    setBusy(false);
  };
  const server = fieldErrors(error, ["code", "name", "price_minor", "tax.rate_bp", "tax.name"]);
  const err = (f: string) => problems[f] ?? server.byField[f];
  return (
    <Paper withBorder p="sm" data-testid="billing-service-form">
      <Stack gap="xs">
        <Group align="flex-start">
          <TextInput label={t("billing.settings.code")} value={form.code} onChange={(e) => set({ code: e.currentTarget.value })} error={err("code")} w={140} data-testid="billing-service-code" />
          <TextInput label={t("billing.settings.name")} value={form.name} onChange={(e) => set({ name: e.currentTarget.value })} error={err("name")} style={{ flex: 1 }} data-testid="billing-service-name" />
          <TextInput label={t("billing.settings.price")} value={form.price} onChange={(e) => set({ price: e.currentTarget.value })} error={err("price_minor")} w={140} data-testid="billing-service-price" />
        </Group>
        <Group align="flex-start">
          <TextInput label={t("billing.settings.taxName")} value={form.taxName} onChange={(e) => set({ taxName: e.currentTarget.value })} error={err("tax.name")} w={140} data-testid="billing-service-tax-name" />
          <TextInput label={t("billing.settings.taxRate")} value={form.taxRate} onChange={(e) => set({ taxRate: e.currentTarget.value })} error={err("tax.rate_bp")} w={120} data-testid="billing-service-tax-rate" />
          <NativeSelect
            label={t("billing.settings.taxMode")}
            value={form.mode}
            onChange={(e) => set({ mode: e.currentTarget.value as TaxMode })}
            data={[
              { value: "exclusive", label: t("billing.settings.exclusive") },
              { value: "inclusive", label: t("billing.settings.inclusive") },
            ]}
            data-testid="billing-service-tax-mode"
          />
          <Checkbox mt="xl" label={t("billing.settings.active")} checked={form.active} onChange={(e) => set({ active: e.currentTarget.checked })} data-testid="billing-service-active" />
        </Group>
        {error && (server.unplaced || error.code !== "validation") ? (
          <ErrorAlert error={error} testId="billing-service-error" title={t("billing.settings.serviceError")} />
        ) : null}
        <Group>
          <Button onClick={() => void submit()} loading={busy} data-testid="billing-service-save">
            {t("billing.settings.saveService")}
          </Button>
          <Button variant="default" onClick={onDone} data-testid="billing-service-cancel">
            {t("billing.editor.cancel")}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

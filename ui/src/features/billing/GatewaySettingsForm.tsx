// Settings → Billing → Card payments (administrators): this device's card payment gateway
// (Stripe, Paystack or Flutterwave, or none), its API address (empty: the public API) and secret key
// (write-only: never shown, an empty input keeps the saved one), the billing email Paystack and Flutterwave need,
// and the status of the last exchange with the gateway.
import { Button, Code, Group, NativeSelect, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { GatewayKind } from "../../bindings/GatewayKind";
import type { PaymentGatewaySettings } from "../../bindings/PaymentGatewaySettings";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { LOCAL_ERRORS } from "../session/errorBus";
import { billingKeys, getPaymentGateway, savePaymentGateway } from "./api";
import { fieldErrors } from "./hooks";

const KINDS: readonly GatewayKind[] = ["stripe", "paystack", "flutterwave"];
const isKind = (v: string): v is GatewayKind => (KINDS as readonly string[]).includes(v);

export function GatewaySettingsForm() {
  const { t } = useTranslation();
  const gateway = useQuery({ queryKey: billingKeys.gateway, queryFn: getPaymentGateway, meta: LOCAL_ERRORS });
  return (
    <Paper withBorder p="md" component="section" data-testid="billing-gateway">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t("billing.gateway.title")}
        </Title>
        <Text size="sm" c="dimmed">
          {t("billing.gateway.intro")}
        </Text>
        {gateway.data ? <GatewayForm current={gateway.data} /> : null}
        {gateway.isError ? (
          <ErrorAlert error={toUiError(gateway.error)} testId="billing-gateway-load-error" title={t("billing.gateway.loadError")} />
        ) : null}
      </Stack>
    </Paper>
  );
}

/** The inputs start from the settings first loaded; `current` (kept fresh) feeds the status. */
function GatewayForm({ current }: { current: PaymentGatewaySettings }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [kind, setKind] = useState<GatewayKind | "">(current.kind ?? "");
  const [apiBase, setApiBase] = useState(current.api_base);
  const [email, setEmail] = useState(current.customer_email);
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<UiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const s = await savePaymentGateway({
        kind: kind || null,
        api_base: apiBase.trim(),
        customer_email: email.trim(),
        secret_key: secret.trim() || null,
      });
      client.setQueryData(billingKeys.gateway, s);
      setSecret("");
      setSaved(true);
    } catch (x) {
      setError(toUiError(x));
    }
    setBusy(false);
  };
  const needsEmail = kind === "paystack" || kind === "flutterwave";
  const server = fieldErrors(error, needsEmail ? ["api_base", "secret_key", "customer_email"] : ["api_base", "secret_key"]);
  return (
    <Stack gap="sm">
      <NativeSelect
        label={t("billing.gateway.kind")}
        value={kind}
        onChange={(e) => {
          const v = e.currentTarget.value;
          setKind(isKind(v) ? v : "");
        }}
        data={[
          { value: "", label: t("billing.gateway.none") },
          ...KINDS.map((k) => ({ value: k, label: t(`billing.gateway.${k}`) })),
        ]}
        w={360}
        data-testid="billing-gateway-kind"
      />
      <TextInput
        label={t("billing.gateway.apiBase")}
        description={t("billing.gateway.apiBaseHelp")}
        value={apiBase}
        onChange={(e) => setApiBase(e.currentTarget.value)}
        error={server.byField.api_base}
        errorProps={{ "data-testid": "billing-gateway-api-base-error" }}
        data-testid="billing-gateway-api-base"
      />
      <PasswordInput
        label={t("billing.gateway.secret")}
        placeholder={current.has_secret_key ? t("billing.gateway.secretSaved") : undefined}
        value={secret}
        onChange={(e) => setSecret(e.currentTarget.value)}
        error={server.byField.secret_key}
        errorProps={{ "data-testid": "billing-gateway-secret-error" }}
        // PasswordInput does not set aria-invalid itself.
        aria-invalid={Boolean(server.byField.secret_key)}
        autoComplete="off"
        data-testid="billing-gateway-secret"
      />
      {needsEmail ? (
        <TextInput
          label={t("billing.gateway.email")}
          description={t("billing.gateway.emailHelp")}
          type="email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          error={server.byField.customer_email}
        errorProps={{ "data-testid": "billing-gateway-email-error" }}
          data-testid="billing-gateway-email"
        />
      ) : null}
      {error && (server.unplaced || error.code !== "validation") ? (
        <ErrorAlert error={error} testId="billing-gateway-error" title={t("billing.gateway.errorTitle")} />
      ) : null}
      <Group gap="sm">
        <Button onClick={() => void submit()} loading={busy} data-testid="billing-gateway-save">
          {t("billing.gateway.save")}
        </Button>
        {saved ? (
          <Text size="sm" c="green" role="status" data-testid="billing-gateway-saved">
            {t("billing.gateway.saved")}
          </Text>
        ) : null}
      </Group>
      <GatewayStatus current={current} />
    </Stack>
  );
}

function GatewayStatus({ current }: { current: PaymentGatewaySettings }) {
  const { t, i18n } = useTranslation();
  if (!current.kind) return null;
  return (
    <Stack gap={4} data-testid="billing-gateway-status">
      <Text size="sm">
        {current.last_contact_at
          ? t("billing.gateway.lastContact", { time: new Date(current.last_contact_at).toLocaleString(i18n.language) })
          : t("billing.gateway.notContacted")}
      </Text>
      {current.last_error ? (
        <Text size="sm" c="orange.8" data-testid="billing-gateway-last-error">
          {t("billing.gateway.lastError", { error: current.last_error })} {t("billing.gateway.lastErrorHint")}
        </Text>
      ) : null}
      {current.webhook_url ? (
        <Text size="sm" data-testid="billing-gateway-webhook">
          {t("billing.gateway.webhook")} <Code>{current.webhook_url}</Code>
        </Text>
      ) : (
        <Text size="sm" c="dimmed" data-testid="billing-gateway-webhook">
          {t("billing.gateway.noWebhook")}
        </Text>
      )}
    </Stack>
  );
}

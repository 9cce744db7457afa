// Provider endpoints (administrators; a tab of Settings): the clinic's patients'
// primary providers as FHIR R4 endpoints — the list (name, base URL, authentication,
// whether this device holds the credentials, automatic refresh, sending demographics
// back, the clinic's default) and the form to add or change one. Credentials are
// write-only: the form never shows what the device holds, an empty field keeps it
// (`secret: null`), "Forget credentials" sends "" and a typed token or private key
// replaces it. They stay on this device: other devices need them entered there.
import {
  Alert,
  Badge,
  Button,
  Center,
  Checkbox,
  Group,
  Loader,
  NativeSelect,
  NumberInput,
  Paper,
  PasswordInput,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { ProviderEndpoint } from "../../bindings/ProviderEndpoint";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { CommandError } from "../admin/CommandError";
import { splitErrors } from "../admin/format";
import { listProviderEndpoints, providerKeys, saveProviderEndpoint } from "./api";
import {
  AUTH_KINDS,
  emptyEndpointForm,
  endpointToForm,
  isAuthKind,
  MAX_REFRESH_MINUTES,
  refreshMinutesOk,
  toSaveEndpoint,
  type EndpointFormValues,
} from "./model";

const FIELDS = ["name", "base_url", "client_id", "token_url", "scope", "secret", "refresh_minutes"] as const;

export function ProviderSettings() {
  const { t } = useTranslation();
  const endpoints = useQuery({ queryKey: providerKeys.endpoints, queryFn: listProviderEndpoints });
  // null: no form; "new"; or the id of the endpoint being changed.
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const list = endpoints.data ?? [];
  const current = editing && editing !== "new" ? (list.find((e) => e.id === editing) ?? null) : null;
  const formOpen = editing !== null || (endpoints.isSuccess && list.length === 0);

  const open = (next: string) => {
    setSaved(null);
    setEditing(next);
  };

  return (
    <Stack gap="md" data-testid="provider-settings">
      <Text size="sm">{t("provider.settings.help")}</Text>
      {saved ? (
        <Alert color="green" role="status" data-testid="provider-endpoint-saved">
          {t("provider.settings.saved", { name: saved })}
        </Alert>
      ) : null}
      <Paper withBorder p="md" component="section">
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h4">
            {t("provider.settings.listTitle")}
          </Title>
          <Button size="xs" onClick={() => open("new")} data-testid="provider-endpoint-new">
            {t("provider.settings.add")}
          </Button>
        </Group>
        {endpoints.isPending ? (
          <Center p="sm">
            <Loader size="sm" aria-label={t("provider.settings.loading")} data-testid="provider-endpoints-loading" />
          </Center>
        ) : endpoints.isError ? (
          <ErrorAlert error={toUiError(endpoints.error)} testId="provider-endpoints-error" title={t("provider.settings.loadFailed")} />
        ) : list.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="provider-endpoints-empty">
            {t("provider.settings.empty")}
          </Text>
        ) : (
          <EndpointTable endpoints={list} onEdit={open} />
        )}
      </Paper>
      {formOpen ? (
        <EndpointForm
          // A fresh form for each endpoint (and after each save).
          key={`${editing ?? "new"}-${current?.updated_at ?? ""}`}
          endpoint={current}
          onCancel={list.length > 0 ? () => setEditing(null) : undefined}
          onSaved={(e) => {
            setEditing(null);
            setSaved(e.name);
          }}
        />
      ) : null}
    </Stack>
  );
}

function EndpointTable({ endpoints, onEdit }: { endpoints: ProviderEndpoint[]; onEdit: (id: string) => void }) {
  const { t } = useTranslation();
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table aria-label={t("provider.settings.listTitle")} data-testid="provider-endpoints">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("provider.settings.name")}</Table.Th>
            <Table.Th scope="col">{t("provider.settings.baseUrl")}</Table.Th>
            <Table.Th scope="col">{t("provider.settings.auth")}</Table.Th>
            <Table.Th scope="col">{t("provider.settings.credentials")}</Table.Th>
            <Table.Th scope="col">{t("provider.settings.refresh")}</Table.Th>
            <Table.Th scope="col">{t("provider.settings.actions")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {endpoints.map((e) => (
            <Table.Tr key={e.id} data-testid="provider-endpoint-row" data-id={e.id} data-default={e.clinic_default}>
              <Table.Td>
                <Text size="sm" fw={600} span>
                  {e.name}
                </Text>
                {e.clinic_default ? (
                  <Badge ml="xs" variant="light" data-testid="provider-endpoint-default-badge">
                    {t("provider.settings.defaultBadge")}
                  </Badge>
                ) : null}
                {e.send_demographics ? (
                  <Text size="xs" c="dimmed">
                    {t("provider.settings.sendsDemographics")}
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {e.base_url}
                </Text>
              </Table.Td>
              <Table.Td>{t(`provider.auth.${e.auth}`)}</Table.Td>
              <Table.Td>
                <CredentialsBadge endpoint={e} />
              </Table.Td>
              <Table.Td>
                {e.refresh_minutes === 0
                  ? t("provider.settings.manualOnly")
                  : t("provider.settings.everyMinutes", { count: e.refresh_minutes })}
              </Table.Td>
              <Table.Td>
                <Button size="compact-xs" variant="default" onClick={() => onEdit(e.id)} data-testid="provider-endpoint-edit" data-id={e.id}>
                  {t("provider.settings.edit")}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function CredentialsBadge({ endpoint }: { endpoint: ProviderEndpoint }) {
  const { t } = useTranslation();
  if (endpoint.auth === "open") {
    return (
      <Badge color="gray" variant="light" data-testid="provider-endpoint-credentials" data-held="none-needed">
        {t("provider.settings.noneNeeded")}
      </Badge>
    );
  }
  return endpoint.has_credentials ? (
    <Badge color="green" variant="light" data-testid="provider-endpoint-credentials" data-held="true">
      {t("provider.settings.held")}
    </Badge>
  ) : (
    <Badge color="yellow" variant="light" data-testid="provider-endpoint-credentials" data-held="false">
      {t("provider.settings.notHeld")}
    </Badge>
  );
}

type FormProps = {
  endpoint: ProviderEndpoint | null;
  onCancel?: () => void;
  onSaved: (e: ProviderEndpoint) => void;
};

function EndpointForm({ endpoint, onCancel, onSaved }: FormProps) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [values, setValues] = useState<EndpointFormValues>(() => (endpoint ? endpointToForm(endpoint) : emptyEndpointForm()));
  const [forget, setForget] = useState(false);
  const [localErrors, setLocalErrors] = useState<Partial<Record<(typeof FIELDS)[number], string>>>({});
  const mutation = useMutation<ProviderEndpoint, UiError, EndpointFormValues>({
    mutationFn: (v) => saveProviderEndpoint(toSaveEndpoint(v, forget)).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (e) => {
      void client.invalidateQueries({ queryKey: providerKeys.all });
      onSaved(e);
    },
  });
  const server = splitErrors(mutation.error, FIELDS);
  const err = (f: (typeof FIELDS)[number]) => localErrors[f] ?? server.byField[f];
  const set = <K extends keyof EndpointFormValues>(key: K, value: EndpointFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setLocalErrors({});
  };
  const smart = values.auth === "smart_backend";
  const held = endpoint?.has_credentials ?? false;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const local: Partial<Record<(typeof FIELDS)[number], string>> = {};
    if (values.name.trim() === "") local.name = t("provider.settings.required");
    if (values.baseUrl.trim() === "") local.base_url = t("provider.settings.required");
    if (!refreshMinutesOk(values.refreshMinutes)) local.refresh_minutes = t("provider.settings.refreshRange");
    setLocalErrors(local);
    if (Object.keys(local).length > 0) {
      mutation.reset();
      return;
    }
    mutation.mutate(values);
  };

  const secretLabel = smart ? t("provider.settings.privateKey") : t("provider.settings.token");
  const secretHelp = forget
    ? t("provider.settings.willForget")
    : held
      ? t("provider.settings.secretKeep")
      : t("provider.settings.secretNew");

  return (
    <Paper withBorder p="md" component="section">
      <form onSubmit={onSubmit} noValidate data-testid="provider-endpoint-form" data-id={endpoint?.id ?? ""}>
        <Stack gap="sm">
          <Title order={2} size="h4">
            {endpoint ? t("provider.settings.editTitle", { name: endpoint.name }) : t("provider.settings.newTitle")}
          </Title>
          {server.rest ? (
            <CommandError error={server.rest} testId="provider-endpoint-error" title={t("provider.settings.saveFailed")} />
          ) : null}
          <TextInput
            label={t("provider.settings.name")}
            placeholder={t("provider.settings.namePlaceholder")}
            value={values.name}
            onChange={(e) => set("name", e.currentTarget.value)}
            error={err("name")}
            required
            data-testid="provider-endpoint-name"
          />
          <TextInput
            label={t("provider.settings.baseUrl")}
            description={t("provider.settings.baseUrlHelp")}
            placeholder="https://fhir.example.org/r4"
            value={values.baseUrl}
            onChange={(e) => set("baseUrl", e.currentTarget.value)}
            error={err("base_url")}
            required
            autoComplete="off"
            data-testid="provider-endpoint-url"
          />
          <NativeSelect
            label={t("provider.settings.auth")}
            data={AUTH_KINDS.map((a) => ({ value: a, label: t(`provider.auth.${a}`) }))}
            value={values.auth}
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (isAuthKind(v)) set("auth", v);
            }}
            data-testid="provider-endpoint-auth"
          />
          {smart ? (
            <>
              <TextInput
                label={t("provider.settings.clientId")}
                value={values.clientId}
                onChange={(e) => set("clientId", e.currentTarget.value)}
                error={err("client_id")}
                autoComplete="off"
                data-testid="provider-endpoint-client-id"
              />
              <TextInput
                label={t("provider.settings.tokenUrl")}
                placeholder="https://auth.example.org/token"
                value={values.tokenUrl}
                onChange={(e) => set("tokenUrl", e.currentTarget.value)}
                error={err("token_url")}
                autoComplete="off"
                data-testid="provider-endpoint-token-url"
              />
            </>
          ) : null}
          <TextInput
            label={t("provider.settings.scope")}
            description={t("provider.settings.scopeHelp")}
            value={values.scope}
            onChange={(e) => set("scope", e.currentTarget.value)}
            error={err("scope")}
            autoComplete="off"
            data-testid="provider-endpoint-scope"
          />
          {values.auth !== "open" ? (
            <Stack gap={4}>
              <Group gap="xs">
                <Text size="sm" data-testid="provider-endpoint-credentials-state" data-held={held && !forget ? "true" : "false"}>
                  {held && !forget ? t("provider.settings.held") : t("provider.settings.notHeld")}
                </Text>
                {held ? (
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    color={forget ? "gray" : "red"}
                    onClick={() => {
                      setForget((f) => !f);
                      set("secret", "");
                    }}
                    data-testid="provider-endpoint-forget"
                    aria-pressed={forget}
                  >
                    {forget ? t("provider.settings.keep") : t("provider.settings.forget")}
                  </Button>
                ) : null}
              </Group>
              {smart ? (
                <Textarea
                  label={secretLabel}
                  description={secretHelp}
                  value={values.secret}
                  onChange={(e) => set("secret", e.currentTarget.value)}
                  error={err("secret")}
                  disabled={forget}
                  autosize
                  minRows={3}
                  spellCheck={false}
                  autoComplete="off"
                  ff="monospace"
                  placeholder="-----BEGIN PRIVATE KEY-----"
                  data-testid="provider-endpoint-secret"
                />
              ) : (
                <PasswordInput
                  label={secretLabel}
                  description={secretHelp}
                  value={values.secret}
                  onChange={(e) => set("secret", e.currentTarget.value)}
                  error={err("secret")}
                  disabled={forget}
                  autoComplete="off"
                  data-testid="provider-endpoint-secret"
                />
              )}
            </Stack>
          ) : null}
          <NumberInput
            label={t("provider.settings.refreshMinutes")}
            description={t("provider.settings.refreshHelp")}
            value={values.refreshMinutes}
            onChange={(v) => set("refreshMinutes", v)}
            min={0}
            max={MAX_REFRESH_MINUTES}
            allowDecimal={false}
            allowNegative={false}
            clampBehavior="none"
            error={err("refresh_minutes")}
            w={320}
            data-testid="provider-endpoint-refresh"
          />
          <Checkbox
            label={t("provider.settings.sendDemographics")}
            description={t("provider.settings.sendDemographicsHelp")}
            checked={values.sendDemographics}
            onChange={(e) => set("sendDemographics", e.currentTarget.checked)}
            data-testid="provider-endpoint-demographics"
          />
          <Checkbox
            label={t("provider.settings.clinicDefault")}
            description={t("provider.settings.clinicDefaultHelp")}
            checked={values.clinicDefault}
            onChange={(e) => set("clinicDefault", e.currentTarget.checked)}
            data-testid="provider-endpoint-default"
          />
          <Group gap="sm">
            <Button type="submit" loading={mutation.isPending} data-testid="provider-endpoint-save">
              {t("provider.settings.save")}
            </Button>
            {onCancel ? (
              <Button variant="default" onClick={onCancel} data-testid="provider-endpoint-cancel">
                {t("provider.settings.cancel")}
              </Button>
            ) : null}
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

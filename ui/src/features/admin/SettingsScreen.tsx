// Clinic settings (administrators), in tabs: "General" — the inactivity lock in minutes,
// and re-keying the local database behind a confirmation dialog — and "Provider
// endpoints" (`features/provider/ProviderSettings`: patients' primary providers as FHIR
// endpoints, loaded only when that tab is open), and "Billing"
// (`features/billing/BillingSettingsPanel`: currency, invoice footer, service catalogue).
import { Alert, Button, Group, Modal, NumberInput, Paper, Stack, Tabs, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { ClinicInfo } from "../../bindings/ClinicInfo";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { BillingSettingsPanel } from "../billing/BillingSettingsPanel";
import { ProviderSettings } from "../provider/ProviderSettings";
import { useSession } from "../session/SessionContext";
import { adminKeys, rekeyDatabase, setAutoLock } from "./api";
import { CommandError } from "./CommandError";
import { splitErrors } from "./format";

const MIN_MINUTES = 1;
const MAX_MINUTES = 240;

function AutoLockForm() {
  const { t } = useTranslation();
  const session = useSession();
  const client = useQueryClient();
  // The session holds the value at sign-in; a save made since then is remembered here.
  const [minutes, setMinutes] = useState<string | number>(
    () => client.getQueryData<number>(adminKeys.autoLock) ?? session.auto_lock_minutes,
  );
  const [localError, setLocalError] = useState<string | null>(null);
  const mutation = useMutation<ClinicInfo, UiError, number>({
    mutationFn: (m) => setAutoLock(m).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (info) => {
      client.setQueryData(adminKeys.autoLock, info.auto_lock_minutes);
      setMinutes(info.auto_lock_minutes);
    },
  });
  const server = splitErrors(mutation.error, ["minutes"]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const n = typeof minutes === "number" ? minutes : Number(minutes);
    if (!Number.isInteger(n) || n < MIN_MINUTES || n > MAX_MINUTES || minutes === "") {
      setLocalError(t("admin.settings.autoLock.range"));
      mutation.reset();
      return;
    }
    setLocalError(null);
    mutation.mutate(n);
  };

  return (
    <Paper withBorder p="md" component="section">
      <form onSubmit={onSubmit} noValidate>
        <Stack gap="sm">
          <Title order={2} size="h4">
            {t("admin.settings.autoLock.title")}
          </Title>
          {server.rest ? (
            <CommandError error={server.rest} testId="auto-lock-error" title={t("admin.settings.autoLock.errorTitle")} />
          ) : null}
          {mutation.data ? (
            <Alert color="green" role="status" data-testid="auto-lock-saved">
              {t("admin.settings.autoLock.saved", { count: mutation.data.auto_lock_minutes })}
            </Alert>
          ) : null}
          <Group align="flex-end">
            <NumberInput
              label={t("admin.settings.autoLock.label")}
              description={t("admin.settings.autoLock.help")}
              value={minutes}
              onChange={(v) => {
                setMinutes(v);
                setLocalError(null);
              }}
              min={MIN_MINUTES}
              max={MAX_MINUTES}
              allowDecimal={false}
              allowNegative={false}
              clampBehavior="none"
              error={localError ?? server.byField.minutes}
              errorProps={{ "data-testid": "auto-lock-minutes-error" }}
              data-testid="auto-lock-minutes"
              w={320}
            />
            <Button type="submit" loading={mutation.isPending} data-testid="auto-lock-save">
              {mutation.isPending ? t("admin.settings.autoLock.saving") : t("admin.settings.autoLock.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function RekeySection() {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  const mutation = useMutation<null, UiError, void>({
    mutationFn: () => rekeyDatabase().catch((e: unknown) => Promise.reject(toUiError(e))),
    onSettled: () => setConfirming(false),
  });

  return (
    <Paper withBorder p="md" component="section">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t("admin.settings.rekey.title")}
        </Title>
        <Text size="sm">{t("admin.settings.rekey.body")}</Text>
        {mutation.isSuccess ? (
          <Alert color="green" role="status" data-testid="rekey-done">
            {t("admin.settings.rekey.done")}
          </Alert>
        ) : null}
        {mutation.error ? (
          <CommandError error={mutation.error} testId="rekey-error" title={t("admin.settings.rekey.errorTitle")} />
        ) : null}
        <div>
          <Button
            variant="outline"
            color="red"
            data-testid="rekey-open"
            onClick={() => {
              mutation.reset();
              setConfirming(true);
            }}
          >
            {t("admin.settings.rekey.open")}
          </Button>
        </div>
      </Stack>
      <Modal
        opened={confirming}
        onClose={() => (mutation.isPending ? undefined : setConfirming(false))}
        title={t("admin.settings.rekey.confirmTitle")}
        closeButtonProps={{ "aria-label": t("admin.settings.rekey.cancel") }}
      >
        <Stack gap="md" data-testid="rekey-dialog">
          <Text size="sm">{t("admin.settings.rekey.confirmBody")}</Text>
          <Group justify="flex-end">
            <Button variant="default" disabled={mutation.isPending} onClick={() => setConfirming(false)} data-testid="rekey-cancel">
              {t("admin.settings.rekey.cancel")}
            </Button>
            <Button color="red" loading={mutation.isPending} onClick={() => mutation.mutate()} data-testid="rekey-confirm">
              {mutation.isPending ? t("admin.settings.rekey.running") : t("admin.settings.rekey.confirm")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}

type Tab = "general" | "providers" | "billing";
const isTab = (v: string | null): v is Tab => v === "general" || v === "providers" || v === "billing";

export function SettingsScreen() {
  const { t } = useTranslation();
  const [tab, setTab] = useState<Tab>("general");
  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {t("admin.settings.title")}
      </Title>
      <Tabs value={tab} onChange={(v) => isTab(v) && setTab(v)} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="general" data-testid="settings-tab-general">
            {t("admin.settings.tabs.general")}
          </Tabs.Tab>
          <Tabs.Tab value="providers" data-testid="settings-tab-providers">
            {t("admin.settings.tabs.providers")}
          </Tabs.Tab>
          <Tabs.Tab value="billing" data-testid="settings-tab-billing">
            {t("billing.title")}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="general" pt="md">
          <Stack gap="md">
            <AutoLockForm />
            <RekeySection />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="providers" pt="md">
          <ProviderSettings />
        </Tabs.Panel>
        <Tabs.Panel value="billing" pt="md">
          <BillingSettingsPanel />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

// Break-glass alerts (administrators): pending emergency-access grants with who, which
// record (MRN only), when, until when and the reason given — shown as plain text — and
// "Acknowledge" to mark one reviewed.
import { Alert, Button, Center, Group, Loader, Paper, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { BreakGlassAlert } from "../../bindings/BreakGlassAlert";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { acknowledgeBreakGlassAlert, adminKeys, listBreakGlassAlerts } from "./api";
import { CommandError } from "./CommandError";
import { formatInstant } from "./format";

function AlertItem({ alert, busy, onAcknowledge }: { alert: BreakGlassAlert; busy: boolean; onAcknowledge: () => void }) {
  const { t, i18n } = useTranslation();
  const g = alert.grant;
  const when = (iso: string) => formatInstant(iso, i18n.language);
  return (
    <Paper component="li" withBorder p="md" data-testid="alert-item" data-alert-id={alert.id}>
      <Stack gap="xs">
        <Text fw={700} data-testid="alert-who">
          {t("admin.alerts.who", { name: alert.staff_display_name, mrn: alert.patient_mrn })}
        </Text>
        <dl className="details">
          <div className="details-row">
            <dt>{t("admin.alerts.granted")}</dt>
            <dd data-testid="alert-granted">{when(g.granted_at)}</dd>
          </div>
          <div className="details-row">
            <dt>{t("admin.alerts.expires")}</dt>
            <dd data-testid="alert-expires">{when(g.expires_at)}</dd>
          </div>
          {g.revoked_at ? (
            <div className="details-row">
              <dt>{t("admin.alerts.revoked")}</dt>
              <dd>{when(g.revoked_at)}</dd>
            </div>
          ) : null}
          <div className="details-row">
            <dt>{t("admin.alerts.reason")}</dt>
            {/* Typed by staff: plain text only (React escapes it), line breaks kept. */}
            <dd data-testid="alert-reason" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
              {g.reason}
            </dd>
          </div>
        </dl>
        <Group justify="flex-end">
          <Button size="sm" loading={busy} onClick={onAcknowledge} data-testid="alert-acknowledge">
            {busy ? t("admin.alerts.acknowledging") : t("admin.alerts.acknowledge")}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

export function AlertsScreen() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const query = useQuery({ queryKey: adminKeys.alerts, queryFn: listBreakGlassAlerts });
  const mutation = useMutation<BreakGlassAlert, UiError, string>({
    mutationFn: (id) => acknowledgeBreakGlassAlert(id).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (done) => {
      client.setQueryData<BreakGlassAlert[]>(adminKeys.alerts, (list) => list?.filter((a) => a.id !== done.id));
      void client.invalidateQueries({ queryKey: adminKeys.alerts });
    },
  });

  let body;
  if (query.isPending) {
    body = (
      <Center p="lg">
        <Loader aria-label={t("admin.alerts.loading")} data-testid="alerts-loading" />
      </Center>
    );
  } else if (query.isError) {
    body = <CommandError error={toUiError(query.error)} testId="alerts-load-error" />;
  } else {
    // The list is always there once loaded (empty when nothing is pending).
    body = (
      <>
        {query.data.length === 0 ? (
          <Alert color="gray" data-testid="alerts-empty">
            {t("admin.alerts.empty")}
          </Alert>
        ) : null}
        <Stack component="ul" gap="sm" className="plain-list" data-testid="alerts-list">
          {query.data.map((a) => (
            <AlertItem
              key={a.id}
              alert={a}
              busy={mutation.isPending && mutation.variables === a.id}
              onAcknowledge={() => mutation.mutate(a.id)}
            />
          ))}
        </Stack>
      </>
    );
  }

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {t("admin.alerts.title")}
      </Title>
      <Text size="sm">{t("admin.alerts.intro")}</Text>
      {mutation.error ? (
        <CommandError error={mutation.error} testId="alerts-error" title={t("admin.alerts.errorTitle")} />
      ) : null}
      {body}
    </Stack>
  );
}

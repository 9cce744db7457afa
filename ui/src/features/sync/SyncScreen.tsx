// "Sync server" (administrators): this device's sync status and, while it is not
// connected, the form that connects it to the clinic's sync server with a one-time
// enrollment code (`connect_sync_server`). The answer becomes the shown status at once.
import { Alert, Center, Loader, Paper, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { ConnectSyncServer } from "../../bindings/ConnectSyncServer";
import type { SyncStatus } from "../../bindings/SyncStatus";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { useNavigate } from "../shell/route";
import { connectSyncServer, syncKeys } from "./api";
import { ConnectForm } from "./ConnectForm";
import { useSyncStatus } from "./hooks";
import { isEnrolled } from "./model";
import { SyncDetails } from "./SyncDetails";

export function SyncScreen() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const navigate = useNavigate();
  const status = useSyncStatus();
  const connect = useMutation<SyncStatus, UiError, ConnectSyncServer>({
    mutationFn: (r) => connectSyncServer(r).catch((e: unknown) => Promise.reject(toUiError(e))),
    // The enrollment code leaves the cache with the screen.
    gcTime: 0,
    onSuccess: (s) => client.setQueryData(syncKeys.status, s),
  });

  const s = status.data;
  return (
    <Stack gap="md" data-testid="sync-screen">
      <Title order={1} size="h2">
        {t("sync.screen.title")}
      </Title>
      <Text size="sm">{t("sync.screen.intro")}</Text>
      {connect.isSuccess ? (
        <Alert color="green" role="status" data-testid="sync-connected">
          {t("sync.screen.connected")}
        </Alert>
      ) : null}
      <Paper withBorder p="md" component="section" aria-labelledby="sync-status-title">
        <Stack gap="sm">
          <Title order={2} size="h4" id="sync-status-title">
            {t("sync.screen.status")}
          </Title>
          {s ? (
            <SyncDetails status={s} onConflicts={() => navigate({ name: "conflicts" })} />
          ) : status.isError ? (
            <ErrorAlert error={toUiError(status.error)} testId="sync-status-error" title={t("sync.indicator.loadError")} />
          ) : (
            <Center p="sm">
              <Loader size="sm" aria-label={t("sync.screen.loading")} />
            </Center>
          )}
        </Stack>
      </Paper>
      {(s ? !isEnrolled(s) : status.isError) ? (
        <Paper withBorder p="md" component="section" aria-labelledby="sync-connect-title">
          <Stack gap="sm">
            <Title order={2} size="h4" id="sync-connect-title">
              {t("sync.screen.connectTitle")}
            </Title>
            <ConnectForm
              prefix="sync"
              submitLabel={t("sync.screen.submit")}
              submittingLabel={t("sync.screen.submitting")}
              pending={connect.isPending}
              error={connect.error}
              onSubmit={(r) => connect.mutate(r)}
            />
          </Stack>
        </Paper>
      ) : null}
    </Stack>
  );
}

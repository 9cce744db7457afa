// What the sync popover and the Sync screen show about this device: the server, the last
// sync, changes waiting, the last problem with "Retry now", the upgrade warning, changes
// held for a newer version and the first download's progress. Never a token.
import { Alert, Button, Group, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { SyncStatus } from "../../bindings/SyncStatus";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { useSyncNow } from "./hooks";
import { formatSyncTime, isDownloading, isEnrolled } from "./model";
import "./sync.css";

type Props = {
  status: SyncStatus;
  /** Administrators: opens the Sync screen when the device is not connected. */
  onSetUp?: () => void;
  /** Opens the conflicts screen (roles that may see it). */
  onConflicts?: () => void;
};

export function SyncDetails({ status, onSetUp, onConflicts }: Props) {
  const { t, i18n } = useTranslation();
  const retry = useSyncNow();
  const s = status;

  if (s.phase === "revoked") {
    return (
      <Alert color="red" data-testid="sync-revoked">
        {t("sync.panel.revoked")}
      </Alert>
    );
  }
  if (!isEnrolled(s)) {
    return (
      <Stack gap="xs">
        <Text size="sm" data-testid="sync-not-enrolled">
          {t("sync.panel.noServer")}
        </Text>
        {onSetUp ? (
          <div>
            <Button size="xs" variant="light" onClick={onSetUp} data-testid="sync-set-up">
              {t("sync.panel.setUp")}
            </Button>
          </div>
        ) : null}
      </Stack>
    );
  }

  const problem = s.phase === "error" || s.phase === "offline" || s.last_error !== null;
  return (
    <Stack gap="xs">
      {s.upgrade_required ? (
        <Alert color="orange" title={t("sync.panel.upgradeTitle")} data-testid="sync-upgrade">
          {t("sync.panel.upgrade")}
        </Alert>
      ) : null}
      <dl className="sync-facts">
        <dt>{t("sync.panel.server")}</dt>
        <dd data-testid="sync-server-url">{s.server_url ?? "—"}</dd>
        <dt>{t("sync.panel.lastSync")}</dt>
        <dd data-testid="sync-last-sync">
          {s.last_sync_at ? formatSyncTime(s.last_sync_at, i18n.language) : t("sync.panel.never")}
        </dd>
        <dt>{t("sync.panel.pending")}</dt>
        <dd data-testid="sync-panel-pending">{s.pending_changes}</dd>
      </dl>
      {isDownloading(s) ? (
        <Text size="sm" data-testid="sync-download-text">
          {t("sync.panel.downloading", { received: s.received, total: s.total })}
        </Text>
      ) : null}
      {s.phase === "offline" ? <Text size="sm">{t("sync.panel.offline")}</Text> : null}
      {s.last_error ? (
        <Alert color={s.phase === "error" ? "red" : "gray"} title={t("sync.panel.lastError")} data-testid="sync-last-error">
          {s.last_error}
        </Alert>
      ) : null}
      {s.held_changes > 0 ? (
        <Text size="sm" data-testid="sync-held">
          {t("sync.panel.held", { count: s.held_changes })}
        </Text>
      ) : null}
      {retry.error ? <ErrorAlert error={retry.error} testId="sync-retry-error" title={t("sync.panel.retryError")} /> : null}
      <Group gap="xs">
        <Button
          size="xs"
          variant={problem ? "filled" : "default"}
          loading={retry.isPending}
          onClick={() => retry.mutate()}
          data-testid="sync-retry"
        >
          {retry.isPending ? t("sync.panel.retrying") : problem ? t("sync.panel.retry") : t("sync.panel.syncNow")}
        </Button>
        {onConflicts && s.open_conflicts > 0 ? (
          <Button size="xs" variant="light" color="orange" onClick={onConflicts} data-testid="sync-panel-conflicts">
            {t("sync.panel.openConflicts")} ({s.open_conflicts})
          </Button>
        ) : null}
      </Group>
    </Stack>
  );
}

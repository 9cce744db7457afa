// The sync indicator of the session header (every role): the phase as a badge, changes
// waiting to be sent, when this device last synced, the first download's progress and
// the open conflicts (a link to the conflicts screen for the roles that see it). The
// status is polled every 2 s while signed in (the header unmounts on lock and sign-out);
// clicking opens the details (`SyncDetails`). While mounted it also refreshes every open
// screen when the shell applied other devices' changes (`useSyncApplied`).
import { Badge, Button, Group, Popover, Progress, Stack, Text, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Role } from "../../bindings/Role";
import { toUiError } from "../../shared/uiError";
import { canSeeSyncConflicts, isAdministrator } from "../session/roles";
import { useNavigate } from "../shell/route";
import { useSyncApplied, useSyncStatus } from "./hooks";
import { formatSyncTime, isDownloading, PHASE_COLOR, progressPercent } from "./model";
import { SyncDetails } from "./SyncDetails";
import "./sync.css";

export function SyncIndicator({ role }: { role: Role }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [opened, setOpened] = useState(false);
  const query = useSyncStatus();
  useSyncApplied();

  const s = query.data;
  if (!s) {
    // Nothing to show until the first answer; a failure says so without blocking the header.
    return query.isError ? (
      <Text size="xs" c="dimmed" data-testid="sync-indicator-error" title={toUiError(query.error).message}>
        {t("sync.indicator.loadError")}
      </Text>
    ) : null;
  }

  const phase = t(`sync.phase.${s.phase}`);
  const mayConflicts = canSeeSyncConflicts(role);
  const go = (name: "conflicts" | "sync") => {
    setOpened(false);
    navigate({ name });
  };
  const downloading = isDownloading(s);

  return (
    <Group gap={6} wrap="nowrap">
      <Popover opened={opened} onChange={setOpened} position="bottom-end" width={360} shadow="md" trapFocus returnFocus withArrow>
        <Popover.Target>
          <Button
            variant="default"
            onClick={() => setOpened((o) => !o)}
            aria-label={t("sync.indicator.label", { phase })}
            aria-expanded={opened}
            aria-haspopup="dialog"
            data-testid="sync-indicator"
            data-phase={s.phase}
          >
            <Group gap={6} wrap="nowrap">
              <Badge color={PHASE_COLOR[s.phase]} variant="light" data-testid="sync-phase">
                {phase}
              </Badge>
              {s.pending_changes > 0 ? (
                <Text span size="xs" data-testid="sync-pending" data-count={s.pending_changes}>
                  {t("sync.indicator.pending", { count: s.pending_changes })}
                </Text>
              ) : null}
              {s.phase !== "not_enrolled" && s.phase !== "revoked" ? (
                <Text span size="xs" c="dimmed" data-testid="sync-last">
                  {s.last_sync_at
                    ? t("sync.indicator.synced", { time: formatSyncTime(s.last_sync_at, i18n.language) })
                    : t("sync.indicator.neverSynced")}
                </Text>
              ) : null}
            </Group>
          </Button>
        </Popover.Target>
        <Popover.Dropdown data-testid="sync-panel" role="dialog" aria-labelledby="sync-panel-title">
          <Stack gap="xs">
            <Title order={2} size="h5" id="sync-panel-title">
              {t("sync.panel.title")}
            </Title>
            <SyncDetails
              status={s}
              onSetUp={isAdministrator(role) ? () => go("sync") : undefined}
              onConflicts={mayConflicts ? () => go("conflicts") : undefined}
            />
          </Stack>
        </Popover.Dropdown>
      </Popover>
      {downloading ? (
        <Progress
          className="sync-indicator-progress"
          value={progressPercent(s.received, s.total)}
          aria-label={t("sync.indicator.progressLabel")}
          data-testid="sync-progress"
          data-received={s.received}
          data-total={s.total}
        />
      ) : null}
      {mayConflicts && s.open_conflicts > 0 ? (
        <Button
          variant="light"
          color="orange"
          size="compact-sm"
          onClick={() => go("conflicts")}
          aria-label={t("sync.indicator.conflictsLabel", { count: s.open_conflicts })}
          data-testid="sync-conflicts"
          data-count={s.open_conflicts}
        >
          {t("sync.indicator.conflicts", { count: s.open_conflicts })}
        </Button>
      ) : null}
    </Group>
  );
}

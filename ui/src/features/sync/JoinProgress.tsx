// First run, after `join_clinic`: a full-screen "Downloading the clinic's records…" with
// the download's progress (received / total), polled every 2 s. Once the first download
// is done it re-reads the start-up status (`app_status`), which now reports the clinic,
// and the app shows the sign-in screen (see `App`). Nobody is signed in here, so the
// polling's errors stay on this screen.
import { Alert, Center, Loader, Paper, Progress, Stack, Text, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import type { SyncStatus } from "../../bindings/SyncStatus";
import { LOCAL_ERRORS } from "../session/errorBus";
import { getSyncStatus, POLL_MS, syncKeys } from "./api";
import { progressPercent } from "./model";
import "./sync.css";

/** The start-up query (`StartupGate`) that decides whether a clinic exists here. */
const APP_STATUS_KEY = ["app_status"] as const;

export function JoinProgress({ initial }: { initial: SyncStatus }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const query = useQuery({
    queryKey: syncKeys.join,
    queryFn: getSyncStatus,
    initialData: initial,
    initialDataUpdatedAt: 0,
    refetchInterval: POLL_MS,
    meta: LOCAL_ERRORS,
  });
  const s = query.data;
  const done = s.first_sync_done;

  // Until the start-up status reports the clinic (the gate then shows sign-in).
  useEffect(() => {
    if (done) void client.invalidateQueries({ queryKey: APP_STATUS_KEY });
  }, [done, query.dataUpdatedAt, client]);

  const known = s.total > 0;
  return (
    <Center className="sync-join-progress" component="main" p="md">
      <Paper withBorder p="xl" radius="md" w="100%" maw={520}>
        <Stack gap="md" data-testid="join-downloading" aria-busy={!done}>
          <Title order={1} size="h2">
            {t("sync.join.downloadingTitle")}
          </Title>
          <Text size="sm">{t("sync.join.downloadingBody")}</Text>
          {known || done ? (
            <Progress
              value={done ? 100 : progressPercent(s.received, s.total)}
              size="lg"
              aria-label={t("sync.join.downloadingTitle")}
              data-testid="join-progress"
              data-received={s.received}
              data-total={s.total}
              data-done={done ? "true" : "false"}
            />
          ) : (
            <Center data-testid="join-progress" data-received={0} data-total={0} data-done="false">
              <Loader size="sm" aria-label={t("sync.join.waiting")} />
            </Center>
          )}
          <Text size="sm" role="status" data-testid="join-progress-text">
            {done
              ? t("sync.join.finishing")
              : known
                ? t("sync.join.progress", { received: s.received, total: s.total })
                : t("sync.join.waiting")}
          </Text>
          {s.last_error ? (
            <Alert color="orange" data-testid="join-sync-error">
              {s.last_error}
            </Alert>
          ) : null}
          {query.isError ? (
            <Text size="xs" c="dimmed" data-testid="join-status-error">
              {t("sync.join.statusError")}
            </Text>
          ) : null}
        </Stack>
      </Paper>
    </Center>
  );
}

// "Conflicts" (administrators, front desk, doctors, nurses): the open sync conflicts,
// oldest first as the shell lists them. Front desk and administrators resolve them
// (`resolve_sync_conflict`); a possible duplicate can be reviewed and merged by those
// who may merge. Resolving refreshes every screen's data (a resolution is an edit).
// Appointments that need rescheduling are shown in the calendar; a hint links there.
import { Anchor, Center, Loader, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { MergeOutcome } from "../../bindings/MergeOutcome";
import type { PatientId } from "../../bindings/PatientId";
import type { ResolveSyncConflict } from "../../bindings/ResolveSyncConflict";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { leaveMergeNotice } from "../patients/merge/mergeNotice";
import { canRegisterPatients, canResolveSyncConflicts, canViewCalendar } from "../session/roles";
import { useSession } from "../session/SessionContext";
import { useNavigate } from "../shell/route";
import { listSyncConflicts, resolveSyncConflict, syncKeys } from "./api";
import { ConflictCard } from "./ConflictCard";
import { ConflictMerge } from "./ConflictMerge";
import { refreshAfterSync } from "./hooks";
import "./sync.css";

export function ConflictsScreen() {
  const { t } = useTranslation();
  const { role } = useSession();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [merging, setMerging] = useState<PatientId | null>(null);
  const query = useQuery({ queryKey: syncKeys.conflicts, queryFn: listSyncConflicts });
  const resolve = useMutation<null, UiError, ResolveSyncConflict>({
    mutationFn: (r) => resolveSyncConflict(r).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: () => refreshAfterSync(client),
  });
  const mayResolve = canResolveSyncConflicts(role);
  const mayMerge = canRegisterPatients(role);
  const pendingId = resolve.isPending ? resolve.variables?.id : undefined;

  const onMerged = (outcome: MergeOutcome) => {
    setMerging(null);
    leaveMergeNotice(outcome.survivor.id, outcome.moved);
    void refreshAfterSync(client);
    navigate({ name: "profile", id: outcome.survivor.id });
  };

  let body;
  if (query.isPending) {
    body = (
      <Center p="xl">
        <Loader aria-label={t("sync.conflicts.loading")} data-testid="conflicts-loading" />
      </Center>
    );
  } else if (query.isError) {
    body = <ErrorAlert error={toUiError(query.error)} testId="conflicts-error" title={t("sync.conflicts.loadError")} />;
  } else if (query.data.length === 0) {
    body = (
      <Text data-testid="conflicts-empty" c="dimmed">
        {t("sync.conflicts.empty")}
      </Text>
    );
  } else {
    body = (
      <Stack component="ul" gap="sm" className="plain-list" aria-label={t("sync.conflicts.title")}>
        {query.data.map((c) => (
          <ConflictCard
            key={c.id}
            conflict={c}
            mayResolve={mayResolve}
            busy={pendingId === c.id}
            disabled={resolve.isPending && pendingId !== c.id}
            onResolve={(resolution) => resolve.mutate({ id: c.id, resolution })}
            onMerge={mayMerge ? () => setMerging(c.patient_id) : undefined}
            onOpen={() => navigate({ name: "profile", id: c.patient_id })}
          />
        ))}
      </Stack>
    );
  }

  return (
    <Stack gap="md" data-testid="conflicts-screen">
      <Title order={1} size="h2">
        {t("sync.conflicts.title")}
      </Title>
      <Text size="sm">{t("sync.conflicts.intro")}</Text>
      {mayResolve ? null : (
        <Text size="sm" c="dimmed" data-testid="conflicts-read-only">
          {t("sync.conflicts.readOnly")}
        </Text>
      )}
      {canViewCalendar(role) ? (
        <Text size="sm" data-testid="conflicts-calendar-hint">
          {t("sync.conflicts.calendarHint")}{" "}
          <Anchor component="button" type="button" onClick={() => navigate({ name: "calendar" })} data-testid="conflicts-calendar-link">
            {t("sync.conflicts.openCalendar")}
          </Anchor>
        </Text>
      ) : null}
      {resolve.error ? (
        <ErrorAlert error={resolve.error} testId="conflicts-resolve-error" title={t("sync.conflicts.resolveError")} />
      ) : null}
      {body}
      {merging ? <ConflictMerge patientId={merging} onClose={() => setMerging(null)} onMerged={onMerged} /> : null}
    </Stack>
  );
}

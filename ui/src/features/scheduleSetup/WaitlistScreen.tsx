// The waitlist: patients waiting for an earlier or any appointment (name, MRN, type,
// provider or "Any", the dates they can come, note, when they were added), removed one
// by one; "Add to waitlist" opens `WaitlistDialog`. The queued reminders are listed
// below (`RemindersPanel`).
import { Alert, Button, Center, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useContext, useState } from "react";
import { useTranslation } from "react-i18next";
import type { UiError } from "../../bindings/UiError";
import type { WaitlistEntry } from "../../bindings/WaitlistEntry";
import { toUiError } from "../../shared/uiError";
import { listWaitlist, removeFromWaitlist, scheduleKeys } from "../schedule/api";
import { canManageSchedule } from "../session/roles";
import { SessionContext } from "../session/SessionContext";
import { formatDate, formatDateTime } from "./model";
import { RemindersPanel } from "./RemindersPanel";
import { SetupError } from "./SetupError";
import { useClinicSettings } from "./useClinicSettings";
import { WaitlistDialog } from "./WaitlistDialog";

export function WaitlistScreen() {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  // The reminder queue is for administrators and the front desk (doctors and nurses use the waitlist too).
  const role = useContext(SessionContext)?.role;
  const zone = useClinicSettings().data?.time_zone ?? "UTC";
  const waitlist = useQuery({ queryKey: scheduleKeys.waitlist, queryFn: listWaitlist });
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<{ kind: "added" | "removed"; name: string } | null>(null);

  const remove = useMutation<null, UiError, WaitlistEntry>({
    mutationFn: (w) => removeFromWaitlist({ id: w.id }).catch((e: unknown) => Promise.reject(toUiError(e))),
    onMutate: () => setNotice(null),
    onSuccess: async (_, w) => {
      await client.invalidateQueries({ queryKey: scheduleKeys.waitlist });
      setNotice({ kind: "removed", name: w.patient_name });
    },
  });

  const waiting = waitlist.data?.filter((w) => w.status === "waiting") ?? [];
  const dates = (w: WaitlistEntry) =>
    t("scheduleSetup.range", { from: formatDate(w.earliest, i18n.language), to: formatDate(w.latest, i18n.language) });

  let body;
  if (waitlist.isPending) {
    body = (
      <Center p="lg">
        <Loader aria-label={t("scheduleSetup.loading")} />
      </Center>
    );
  } else if (waitlist.isError) {
    body = <SetupError error={toUiError(waitlist.error)} testId="waitlist-load-error" title={t("scheduleSetup.errors.loadTitle")} />;
  } else if (waiting.length === 0) {
    body = (
      <Text size="sm" data-testid="waitlist-empty">
        {t("scheduleSetup.waitlist.empty")}
      </Text>
    );
  } else {
    body = (
      <Table data-testid="waitlist-table" aria-label={t("scheduleSetup.waitlist.title")} verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("scheduleSetup.waitlist.col.patient")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.waitlist.col.mrn")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.waitlist.col.type")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.waitlist.col.provider")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.waitlist.col.dates")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.waitlist.col.note")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.waitlist.col.added")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.col.actions")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {waiting.map((w) => (
            <Table.Tr key={w.id} data-testid={`waitlist-row-${w.id}`}>
              <Table.Td>{w.patient_name}</Table.Td>
              <Table.Td>{w.patient_mrn}</Table.Td>
              <Table.Td>{w.type_name}</Table.Td>
              <Table.Td>{w.provider_id === null ? t("scheduleSetup.waitlist.any") : w.provider_name}</Table.Td>
              <Table.Td>{dates(w)}</Table.Td>
              <Table.Td>{w.note}</Table.Td>
              <Table.Td>{formatDateTime(w.created_at, zone, i18n.language)}</Table.Td>
              <Table.Td>
                <Button
                  size="xs"
                  variant="subtle"
                  color="red"
                  loading={remove.isPending && remove.variables?.id === w.id}
                  disabled={remove.isPending}
                  onClick={() => remove.mutate(w)}
                  aria-label={t("scheduleSetup.waitlist.removeOf", { name: w.patient_name })}
                  data-testid={`waitlist-remove-${w.id}`}
                >
                  {t("scheduleSetup.remove")}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    );
  }

  return (
    <Stack gap="md" data-testid="waitlist-screen">
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("scheduleSetup.waitlist.title")}
        </Title>
        <Button
          onClick={() => {
            setNotice(null);
            remove.reset();
            setAdding(true);
          }}
          data-testid="waitlist-add"
        >
          {t("scheduleSetup.waitlist.add")}
        </Button>
      </Group>
      {remove.error ? <SetupError error={remove.error} testId="waitlist-remove-error" /> : null}
      {notice ? (
        <Alert color="green" role="status" data-testid={`waitlist-${notice.kind}`}>
          {t(`scheduleSetup.waitlist.${notice.kind}`, { name: notice.name })}
        </Alert>
      ) : null}
      {body}
      {role !== undefined && canManageSchedule(role) ? <RemindersPanel /> : null}
      {adding ? (
        <WaitlistDialog
          onClose={() => setAdding(false)}
          onSaved={async (entry) => {
            await client.invalidateQueries({ queryKey: scheduleKeys.waitlist });
            setAdding(false);
            setNotice({ kind: "added", name: entry.patient_name });
          }}
        />
      ) : null}
    </Stack>
  );
}

// The reminder queue: each queued reminder's due time and its appointment's time (in the
// clinic's zone), the patient's MRN (no name: this list may be shown at the desk) and
// the channel it will go by. Read-only.
import { Center, Loader, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { toUiError } from "../../shared/uiError";
import { listReminders, scheduleKeys } from "../schedule/api";
import { formatDateTime } from "./model";
import { SetupError } from "./SetupError";
import { useClinicSettings } from "./useClinicSettings";

const CHANNELS = ["sms", "email", "none"] as const;
const isChannel = (c: string): c is (typeof CHANNELS)[number] => (CHANNELS as readonly string[]).includes(c);

export function RemindersPanel() {
  const { t, i18n } = useTranslation();
  const zone = useClinicSettings().data?.time_zone ?? "UTC";
  const reminders = useQuery({ queryKey: scheduleKeys.reminders, queryFn: listReminders });
  const queued = reminders.data?.filter((r) => r.status === "queued") ?? [];

  let body;
  if (reminders.isPending) {
    body = (
      <Center p="md">
        <Loader size="sm" aria-label={t("scheduleSetup.loading")} />
      </Center>
    );
  } else if (reminders.isError) {
    body = <SetupError error={toUiError(reminders.error)} testId="reminders-load-error" title={t("scheduleSetup.errors.loadTitle")} />;
  } else if (queued.length === 0) {
    body = (
      <Text size="sm" c="dimmed" data-testid="reminders-empty">
        {t("scheduleSetup.reminders.empty")}
      </Text>
    );
  } else {
    body = (
      <Table aria-label={t("scheduleSetup.reminders.title")} verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("scheduleSetup.reminders.col.due")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.reminders.col.appointment")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.reminders.col.mrn")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.reminders.col.channel")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {queued.map((r, i) => (
            <Table.Tr key={`${r.appointment_id}-${r.due_at}`} data-testid={`reminder-row-${i}`}>
              <Table.Td>{formatDateTime(r.due_at, zone, i18n.language)}</Table.Td>
              <Table.Td>{formatDateTime(r.appointment_starts_at, zone, i18n.language)}</Table.Td>
              <Table.Td>{r.patient_mrn}</Table.Td>
              <Table.Td>{isChannel(r.channel) ? t(`scheduleSetup.reminders.channel.${r.channel}`) : r.channel}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    );
  }

  return (
    <Paper withBorder p="md" component="section" data-testid="reminders-panel">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t("scheduleSetup.reminders.title")}
        </Title>
        <Text size="sm" c="dimmed">
          {t("scheduleSetup.reminders.help")}
        </Text>
        {body}
      </Stack>
    </Paper>
  );
}

// What reassigning an absent provider's day did: how many appointments moved and how
// many need a new time, and every patient to contact (name, MRN, phone, email, their
// appointment's time and what happened to it). Shown on screen only (no printing).
import { Alert, Button, Group, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { ReassignOutcome } from "../../bindings/ReassignOutcome";
import { formatDateTime } from "./model";

type Props = {
  outcome: ReassignOutcome;
  /** The provider the appointments were moved to (null: all marked for rescheduling). */
  targetName: string | null;
  zone: string;
  onAgain: () => void;
};

export function ReassignOutcomeView({ outcome, targetName, zone, onAgain }: Props) {
  const { t, i18n } = useTranslation();
  return (
    <Paper withBorder p="md" component="section" data-testid="reassign-outcome">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t("scheduleSetup.reassign.outcomeTitle")}
        </Title>
        <Alert color="green" role="status">
          <Text size="sm" data-testid="reassign-moved">
            {t("scheduleSetup.reassign.movedCount", { count: outcome.moved })}
          </Text>
          <Text size="sm" data-testid="reassign-needs-reschedule">
            {t("scheduleSetup.reassign.needsCount", { count: outcome.needs_reschedule })}
          </Text>
        </Alert>
        {outcome.contacts.length === 0 ? (
          <Text size="sm" data-testid="reassign-no-contacts">
            {t("scheduleSetup.reassign.noContacts")}
          </Text>
        ) : (
          <>
            <Text size="sm">{t("scheduleSetup.reassign.contactHelp")}</Text>
            <Table aria-label={t("scheduleSetup.reassign.contactsTitle")} verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("scheduleSetup.reassign.col.patient")}</Table.Th>
                  <Table.Th scope="col">{t("scheduleSetup.reassign.col.mrn")}</Table.Th>
                  <Table.Th scope="col">{t("scheduleSetup.reassign.col.phone")}</Table.Th>
                  <Table.Th scope="col">{t("scheduleSetup.reassign.col.email")}</Table.Th>
                  <Table.Th scope="col">{t("scheduleSetup.reassign.col.time")}</Table.Th>
                  <Table.Th scope="col">{t("scheduleSetup.reassign.col.what")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {outcome.contacts.map((c) => (
                  <Table.Tr key={c.appointment.id} data-testid={`reassign-contact-${c.appointment.id}`} data-moved={c.moved}>
                    <Table.Td>{c.appointment.patient_name}</Table.Td>
                    <Table.Td>{c.appointment.patient_mrn}</Table.Td>
                    <Table.Td>{c.phone || "—"}</Table.Td>
                    <Table.Td>{c.email || "—"}</Table.Td>
                    <Table.Td>{formatDateTime(c.appointment.starts_at, zone, i18n.language)}</Table.Td>
                    <Table.Td>
                      {c.moved
                        ? t("scheduleSetup.reassign.movedTo", { name: targetName ?? c.appointment.provider_name })
                        : t("scheduleSetup.reassign.needsNewTime")}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </>
        )}
        <Group>
          <Button variant="default" onClick={onAgain} data-testid="reassign-again">
            {t("scheduleSetup.reassign.again")}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

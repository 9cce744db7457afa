// A patient's appointments for the profile and the chart summary: upcoming ones (time,
// provider, type, status; soonest first) and the last few past ones, from
// `get_patient_appointments`. Times are the clinic's.
import { Badge, Center, Loader, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { Appointment } from "../../bindings/Appointment";
import type { PatientId } from "../../bindings/PatientId";
import { toUiError } from "../../shared/uiError";
import { getPatientAppointments, scheduleKeys } from "./api";
import { formatDateTime } from "./format";
import { useClinicTimeZone } from "./hooks";
import { ScheduleError } from "./ScheduleError";
import { StatusBadge } from "./StatusActions";

/** How many past appointments are listed. */
export const PAST_SHOWN = 5;

export function PatientAppointmentsPanel({ patientId }: { patientId: PatientId }) {
  const { t } = useTranslation();
  const tz = useClinicTimeZone();
  const query = useQuery({
    queryKey: scheduleKeys.patient(patientId),
    queryFn: () => getPatientAppointments(patientId),
  });

  let body;
  if (query.isPending) {
    body = (
      <Center p="sm">
        <Loader size="sm" aria-label={t("schedule.loading")} />
      </Center>
    );
  } else if (query.isError) {
    body = <ScheduleError error={toUiError(query.error)} testId="patient-appointments-error" title={t("schedule.panel.error")} />;
  } else {
    const { upcoming, past } = query.data;
    body = (
      <>
        {upcoming.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="patient-appointments-empty">
            {t("schedule.panel.empty")}
          </Text>
        ) : (
          <AppointmentTable title={t("schedule.panel.upcoming")} list={upcoming} tz={tz} />
        )}
        {past.length > 0 ? <AppointmentTable title={t("schedule.panel.past")} list={past.slice(0, PAST_SHOWN)} tz={tz} /> : null}
      </>
    );
  }

  return (
    <Paper withBorder p="md" data-testid="patient-appointments-panel">
      <Stack gap="xs">
        <Title order={2} size="h4">
          {t("schedule.panel.title")}
        </Title>
        {body}
      </Stack>
    </Paper>
  );
}

function AppointmentTable({ title, list, tz }: { title: string; list: Appointment[]; tz: string }) {
  const { t, i18n } = useTranslation();
  return (
    <div>
      <Title order={3} size="h6">
        {title}
      </Title>
      <Table aria-label={title} verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("schedule.panel.col.time")}</Table.Th>
            <Table.Th scope="col">{t("schedule.panel.col.provider")}</Table.Th>
            <Table.Th scope="col">{t("schedule.panel.col.type")}</Table.Th>
            <Table.Th scope="col">{t("schedule.panel.col.status")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {list.map((a) => (
            <Table.Tr key={a.id} data-testid={`patient-appointment-${a.id}`} data-status={a.status}>
              <Table.Td>{formatDateTime(a.starts_at, tz, i18n.language)}</Table.Td>
              <Table.Td>{a.provider_name}</Table.Td>
              <Table.Td>{a.type_name}</Table.Td>
              <Table.Td>
                <StatusBadge status={a.status} />
                {a.tentative ? (
                  <Badge component="span" size="xs" color="gray" variant="outline" ml={4} title={t("schedule.tentativeHelp")}>
                    {t("schedule.tentative")}
                  </Badge>
                ) : null}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

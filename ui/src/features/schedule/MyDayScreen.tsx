// "My day": the signed-in doctor's or nurse's appointments today, in time order, with the
// next status change of each (Start consultation, Done, No-show…) and a count summary.
// Refreshed every 30 seconds so kiosk and front-desk check-ins appear.
import { Anchor, Badge, Center, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { CalendarQuery } from "../../bindings/CalendarQuery";
import { toUiError } from "../../shared/uiError";
import { useSession } from "../session/SessionContext";
import { useNavigate } from "../shell/route";
import { getCalendar, scheduleKeys } from "./api";
import { formatClinicDate, formatTimeRange } from "./format";
import { countDay, sortByStart, type DayCounts } from "./model";
import { ScheduleError } from "./ScheduleError";
import { StatusActions, StatusBadge } from "./StatusActions";
import "./schedule.css";

export const MY_DAY_REFRESH_MS = 30_000;
const COUNTS: (keyof DayCounts)[] = ["booked", "checked_in", "done", "no_show", "cancelled"];

export function MyDayScreen() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const query: CalendarQuery = { from: "", days: 1, provider_ids: [session.staff_id] };
  const calendar = useQuery({
    queryKey: scheduleKeys.calendar(query),
    queryFn: () => getCalendar(query),
    refetchInterval: MY_DAY_REFRESH_MS,
  });
  const data = calendar.data;
  const tz = data?.time_zone ?? "UTC";
  const list = sortByStart(data?.providers.flatMap((p) => p.appointments) ?? []);
  const counts = countDay(list);

  let body;
  if (calendar.isPending) {
    body = (
      <Center p="xl">
        <Loader aria-label={t("schedule.loading")} />
      </Center>
    );
  } else if (calendar.isError) {
    body = <ScheduleError error={toUiError(calendar.error)} testId="myday-error" title={t("schedule.loadError")} />;
  } else if (list.length === 0) {
    body = (
      <Text c="dimmed" data-testid="myday-empty">
        {t("schedule.myDay.empty")}
      </Text>
    );
  } else {
    body = (
      <Table aria-label={t("schedule.myDay.tableLabel")} verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("schedule.myDay.col.time")}</Table.Th>
            <Table.Th scope="col">{t("schedule.myDay.col.patient")}</Table.Th>
            <Table.Th scope="col">{t("schedule.myDay.col.mrn")}</Table.Th>
            <Table.Th scope="col">{t("schedule.myDay.col.type")}</Table.Th>
            <Table.Th scope="col">{t("schedule.myDay.col.status")}</Table.Th>
            <Table.Th scope="col">{t("schedule.myDay.col.actions")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {list.map((a) => (
            <Table.Tr
              key={a.id}
              data-testid={`myday-row-${a.id}`}
              data-status={a.status}
              className={a.status === "cancelled" || a.status === "no_show" ? "sched-row-faded" : undefined}
            >
              <Table.Td>{formatTimeRange(a.starts_at, a.ends_at, tz)}</Table.Td>
              <Table.Td>
                <Anchor
                  component="button"
                  type="button"
                  onClick={() => navigate({ name: "chart", id: a.patient_id })}
                  aria-label={t("schedule.myDay.openChart", { name: a.patient_name })}
                  data-testid="myday-open-chart"
                >
                  {a.patient_name}
                </Anchor>
              </Table.Td>
              <Table.Td>{a.patient_mrn}</Table.Td>
              <Table.Td>{a.type_name}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  <StatusBadge status={a.status} testId="myday-status" />
                  {a.tentative ? (
                    <Badge component="span" size="xs" color="gray" variant="outline" title={t("schedule.tentativeHelp")}>
                      {t("schedule.tentative")}
                    </Badge>
                  ) : null}
                </Group>
              </Table.Td>
              <Table.Td>
                <StatusActions key={a.version} appointment={a} size="xs" />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    );
  }

  return (
    <Stack gap="md" data-testid="myday-screen">
      <Title order={1} size="h2">
        {t("schedule.myDay.title")}
      </Title>
      {data?.dates[0] ? (
        <Text size="sm" c="dimmed">
          {t("schedule.myDay.date", { date: formatClinicDate(data.dates[0], i18n.language) })} ·{" "}
          {t("schedule.myDay.refreshed")}
        </Text>
      ) : null}
      <div className="sched-summary" data-testid="myday-summary">
        {COUNTS.map((k) => (
          <Badge key={k} variant="light" color="gray" size="lg" data-testid={`myday-count-${k}`} data-count={counts[k]}>
            {t("schedule.myDay.countValue", { label: t(`schedule.myDay.count.${k}`), n: counts[k] })}
          </Badge>
        ))}
      </div>
      {body}
    </Stack>
  );
}

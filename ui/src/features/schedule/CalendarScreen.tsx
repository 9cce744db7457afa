// The front desk's and clinicians' calendar: a day with one column per provider (all of
// them unless some are chosen) or one provider's week (the signed-in provider by default,
// else the first). Clicking a free working cell books there; clicking an appointment opens
// its drawer; "New appointment" books from scratch. The chosen date stays when switching
// views (a week runs Monday to Sunday around it). Times are the clinic's.
import { Alert, Center, Loader, Stack, Title } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Appointment } from "../../bindings/Appointment";
import type { CalendarQuery } from "../../bindings/CalendarQuery";
import type { StaffId } from "../../bindings/StaffId";
import { toUiError } from "../../shared/uiError";
import { useSession } from "../session/SessionContext";
import { AppointmentDrawer } from "./AppointmentDrawer";
import { getCalendar, scheduleKeys } from "./api";
import { BookingDialog } from "./BookingDialog";
import { CalendarGrid } from "./CalendarGrid";
import { CalendarToolbar, type View } from "./CalendarToolbar";
import { addDays, clinicToUtc, minutesToTime, mondayOf, todayIn } from "./format";
import { useProviders } from "./hooks";
import { dayColumns, findAppointment, timeWindow, weekColumns, type Column } from "./model";
import { ScheduleError } from "./ScheduleError";
import "./schedule.css";

type Booking = { providerId: StaffId | null; startsAt: string | null };

/** `bookTick`: each new value opens the booking dialog (the Ctrl/Cmd+B or Alt+B shortcut). */
export function CalendarScreen({ bookTick = 0 }: { bookTick?: number } = {}) {
  const { t } = useTranslation();
  const session = useSession();
  const providers = useProviders();
  const [view, setView] = useState<View>("day");
  // The chosen clinic date ("" = today, until the calendar says which date that is).
  const [date, setDate] = useState("");
  const [dayProviders, setDayProviders] = useState<StaffId[]>([]);
  const [weekProvider, setWeekProvider] = useState<StaffId | null>(null);
  const [selected, setSelected] = useState<Appointment | null>(null);
  const [booking, setBooking] = useState<Booking | null>(null);

  const list = providers.data ?? [];
  const weekProviderId =
    weekProvider ?? list.find((p) => p.id === session.staff_id)?.id ?? list[0]?.id ?? null;
  const query: CalendarQuery | null =
    view === "day"
      ? { from: date, days: 1, provider_ids: dayProviders }
      : weekProviderId
        ? { from: date ? mondayOf(date) : "", days: 7, provider_ids: [weekProviderId] }
        : null;
  const calendar = useQuery({
    queryKey: scheduleKeys.calendar(query ?? { from: "", days: 0, provider_ids: [] }),
    queryFn: () => getCalendar(query!),
    enabled: query !== null,
    // Keep the old days on screen while moving, but never show a week as a day.
    placeholderData: (prev, prevQuery) =>
      prevQuery && prevQuery.queryKey[2].days === query?.days ? keepPreviousData(prev) : undefined,
  });
  const data = calendar.data;
  const tz = data?.time_zone ?? "UTC";
  const shown = date || (data?.dates[0] ?? "");
  // A week asked for before today was known started today: pin the date so it runs Monday to Sunday.
  useEffect(() => {
    if (view === "week" && date === "" && data?.dates[0]) setDate(data.dates[0]);
  }, [view, date, data]);

  const switchView = (v: View) => {
    if (shown) setDate(shown);
    setView(v);
  };
  const step = (direction: -1 | 1) => {
    if (shown) setDate(addDays(shown, direction * (view === "day" ? 1 : 7)));
  };
  const today = () => setDate(data ? todayIn(data.time_zone) : "");

  const columns: Column[] = data ? (view === "day" ? dayColumns(data) : weekColumns(data)) : [];
  const bookAt = (col: Column, minute: number) =>
    setBooking({ providerId: col.providerId, startsAt: clinicToUtc(col.date, minutesToTime(minute), tz) });
  const openNew = () =>
    setBooking({
      providerId: view === "week" ? weekProviderId : dayProviders.length === 1 ? dayProviders[0]! : null,
      startsAt: null,
    });
  const current = findAppointment(data, selected?.id ?? null) ?? selected;
  useEffect(() => {
    if (bookTick > 0) setBooking({ providerId: null, startsAt: null });
  }, [bookTick]);

  let body;
  if (providers.isPending || (query !== null && calendar.isPending)) {
    body = (
      <Center p="xl">
        <Loader aria-label={t("schedule.loading")} />
      </Center>
    );
  } else if (providers.isError || calendar.isError) {
    body = (
      <ScheduleError
        error={toUiError(providers.error ?? calendar.error)}
        testId="calendar-error"
        title={t("schedule.loadError")}
      />
    );
  } else if (list.length === 0 || !data) {
    body = (
      <Alert color="gray" data-testid="calendar-no-providers">
        {t("schedule.calendar.noProviders")}
      </Alert>
    );
  } else {
    body = (
      <CalendarGrid
        view={view}
        columns={columns}
        window={timeWindow(columns, tz)}
        tz={tz}
        onSlot={bookAt}
        onOpen={setSelected}
      />
    );
  }

  return (
    <Stack gap="md" data-testid="calendar-screen" aria-busy={calendar.isFetching}>
      <Title order={1} size="h2">
        {t("schedule.calendar.title")}
      </Title>
      <CalendarToolbar
        view={view}
        onView={switchView}
        date={shown}
        onDate={setDate}
        onStep={step}
        onToday={today}
        providers={list}
        dayProviders={dayProviders}
        onDayProviders={setDayProviders}
        weekProvider={weekProviderId}
        onWeekProvider={setWeekProvider}
        onNew={openNew}
      />
      {body}
      {current ? (
        <AppointmentDrawer key={current.id} appointment={current} timeZone={data?.time_zone} onClose={() => setSelected(null)} />
      ) : null}
      {booking ? (
        <BookingDialog
          onClose={() => setBooking(null)}
          providerId={booking.providerId}
          startsAt={booking.startsAt}
          timeZone={data?.time_zone}
        />
      ) : null}
    </Stack>
  );
}

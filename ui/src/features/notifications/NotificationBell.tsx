// The notification bell of the session header (every role): the unread count, refreshed
// every 10 s while signed in and whenever the window regains focus (the header unmounts
// on lock and sign-out, which stops it), and a popover listing the notifications. Doctors
// and nurses can open the patient's chart from one (which also marks it read); a
// "patient arrived" one opens "my day" instead when `onOpenMyDay` is given; anyone can
// mark one read. New arrivals are also announced as OS notifications (`osNotify.ts`).
// Only MRNs, counts and times are shown, never clinical values.
import { Badge, Button, Center, Group, Loader, Popover, Stack, Switch, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Notification } from "../../bindings/Notification";
import type { Role } from "../../bindings/Role";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { formatInstant } from "../chart/format";
import { canViewChart } from "../session/roles";
import { useNavigate } from "../shell/route";
import { listNotifications, markNotificationRead, notificationKeys, POLL_MS } from "./api";
import { notificationText } from "./model";
import { useArrivalAnnouncer } from "./osNotify";

type Props = {
  role: Role;
  /** Opens the signed-in member's "my day" screen (from a "patient arrived" notification). */
  onOpenMyDay?: () => void;
};

export function NotificationBell({ role, onOpenMyDay }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [opened, setOpened] = useState(false);
  const [showRead, setShowRead] = useState(false);
  const unread = useQuery({
    queryKey: notificationKeys.list(true),
    queryFn: () => listNotifications(true),
    refetchInterval: POLL_MS,
    refetchOnWindowFocus: true,
  });
  // TanStack refetches when the page becomes visible; a desktop window can also regain
  // focus while it stayed visible.
  useArrivalAnnouncer(unread.data);
  const { refetch } = unread;
  useEffect(() => {
    const onFocus = () => void refetch();
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, [refetch]);
  const all = useQuery({
    queryKey: notificationKeys.list(false),
    queryFn: () => listNotifications(false),
    enabled: opened && showRead,
  });
  const mark = useMutation<null, UiError, string>({
    mutationFn: (id) => markNotificationRead({ id }).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSettled: () => client.invalidateQueries({ queryKey: notificationKeys.all }),
  });

  const count = unread.data?.length ?? 0;
  const shown = showRead ? all : unread;
  const mayOpen = canViewChart(role);

  const openChart = (n: Notification) => {
    if (!n.patient_id) return;
    if (!n.read_at) mark.mutate(n.id);
    setOpened(false);
    navigate({ name: "chart", id: n.patient_id });
  };

  const openMyDay = (n: Notification) => {
    if (!n.read_at) mark.mutate(n.id);
    setOpened(false);
    onOpenMyDay?.();
  };

  let body;
  if (shown.isPending) {
    body = (
      <Center p="sm">
        <Loader size="sm" aria-label={t("results.notifications.loading")} />
      </Center>
    );
  } else if (shown.isError) {
    body = (
      <ErrorAlert
        error={toUiError(shown.error)}
        testId="notifications-error"
        title={t("results.notifications.error")}
      />
    );
  } else if (shown.data.length === 0) {
    body = (
      <Text size="sm" c="dimmed" data-testid="notifications-empty">
        {showRead ? t("results.notifications.emptyAll") : t("results.notifications.empty")}
      </Text>
    );
  } else {
    body = (
      <ul className="notification-list" aria-labelledby="notifications-title">
        {shown.data.map((n) => (
          <NotificationItem
            key={n.id}
            n={n}
            mayOpen={mayOpen}
            busy={mark.isPending}
            onOpen={() => openChart(n)}
            onMyDay={onOpenMyDay && n.kind === "patient_arrived" ? () => openMyDay(n) : undefined}
            onRead={() => mark.mutate(n.id)}
          />
        ))}
      </ul>
    );
  }

  return (
    <Popover
      opened={opened}
      onChange={setOpened}
      position="bottom-end"
      width={360}
      shadow="md"
      trapFocus
      returnFocus
      withArrow
    >
      <Popover.Target>
        <Button
          variant={count > 0 ? "light" : "default"}
          onClick={() => setOpened((o) => !o)}
          aria-label={t("results.notifications.bellLabel", { count })}
          aria-expanded={opened}
          aria-haspopup="dialog"
          rightSection={
            count > 0 ? (
              <Badge color="red" variant="filled" size="sm" circle={count < 10} data-testid="notifications-count">
                {count > 99 ? "99+" : count}
              </Badge>
            ) : undefined
          }
          data-testid="notifications-bell"
          data-unread={count}
        >
          {t("results.notifications.bell")}
        </Button>
      </Popover.Target>
      <Popover.Dropdown data-testid="notifications-panel" role="dialog" aria-labelledby="notifications-title">
        <Stack gap="xs">
          <Group justify="space-between" wrap="nowrap">
            <Title order={2} size="h5" id="notifications-title">
              {t("results.notifications.title")}
            </Title>
            <Switch
              size="xs"
              label={t("results.notifications.showRead")}
              checked={showRead}
              onChange={(e) => setShowRead(e.currentTarget.checked)}
              data-testid="notifications-show-read"
            />
          </Group>
          {mark.error ? (
            <ErrorAlert error={mark.error} testId="notifications-mark-error" title={t("results.notifications.markError")} />
          ) : null}
          {body}
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}

type ItemProps = {
  n: Notification;
  mayOpen: boolean;
  busy: boolean;
  onOpen: () => void;
  /** Set for a "patient arrived" notification when "my day" can be opened. */
  onMyDay?: () => void;
  onRead: () => void;
};

function NotificationItem({ n, mayOpen, busy, onOpen, onMyDay, onRead }: ItemProps) {
  const { t, i18n } = useTranslation();
  const mrn = n.patient_mrn || t("results.notifications.unknownPatient");
  const text = notificationText(t, n);
  return (
    <li
      className={`notification-item${n.read_at ? "" : " notification-item-unread"}`}
      data-testid="notification-item"
      data-kind={n.kind}
      data-read={n.read_at ? "true" : "false"}
    >
      <Text size="sm" fw={n.read_at ? 400 : 600} data-testid="notification-text">
        {text}
      </Text>
      <Text size="xs" c="dimmed">
        {t("results.notifications.received", { date: formatInstant(n.created_at, i18n.language, true) })}
        {n.read_at ? ` · ${t("results.notifications.read")}` : ""}
      </Text>
      <Group gap="xs" mt={4}>
        {onMyDay ? (
          <Button
            size="xs"
            onClick={onMyDay}
            aria-label={t("results.notifications.openMyDayLabel", { what: text })}
            data-testid="notification-open"
            data-action="myday"
          >
            {t("results.notifications.openMyDay")}
          </Button>
        ) : mayOpen && n.patient_id ? (
          <Button
            size="xs"
            onClick={onOpen}
            aria-label={t("results.notifications.openLabel", { mrn })}
            data-testid="notification-open"
          >
            {t("results.notifications.open")}
          </Button>
        ) : null}
        {n.read_at ? null : (
          <Button
            size="xs"
            variant="default"
            onClick={onRead}
            disabled={busy}
            aria-label={t("results.notifications.markReadLabel", { what: text })}
            data-testid="notification-read"
          >
            {t("results.notifications.markRead")}
          </Button>
        )}
      </Group>
    </li>
  );
}

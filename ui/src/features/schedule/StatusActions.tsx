// The status buttons an appointment's status allows (Confirm, Check in, Start
// consultation, Done, No-show), each one `set_appointment_status` with the version shown.
// Used by the appointment drawer and "My day". On success the schedule is refreshed; an
// `edit_conflict` refreshes it too, so the latest version comes back.
import { Badge, Button, Group } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { Appointment } from "../../bindings/Appointment";
import type { AppointmentStatus } from "../../bindings/AppointmentStatus";
import type { SetAppointmentStatus } from "../../bindings/SetAppointmentStatus";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { scheduleKeys, setAppointmentStatus } from "./api";
import { STATUS_BADGE } from "./format";
import { NEXT_STATUSES } from "./model";
import { ScheduleError } from "./ScheduleError";

/** An appointment's status as a coloured badge. */
export function StatusBadge({ status, testId }: { status: AppointmentStatus; testId?: string }) {
  const { t } = useTranslation();
  const look = STATUS_BADGE[status];
  return (
    <Badge component="span" color={look.color} variant={look.variant} data-testid={testId} data-status={status}>
      {t(`schedule.status.${status}`)}
    </Badge>
  );
}

type Props = {
  appointment: Appointment;
  onChanged?: (updated: Appointment) => void;
  size?: "xs" | "sm";
};

export function StatusActions({ appointment, onChanged, size = "sm" }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const change = useMutation<Appointment, UiError, SetAppointmentStatus>({
    mutationFn: (r) => setAppointmentStatus(r).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (updated) => {
      onChanged?.(updated);
      void client.invalidateQueries({ queryKey: scheduleKeys.all });
    },
    onError: (e) => {
      if (e.code === "edit_conflict") void client.invalidateQueries({ queryKey: scheduleKeys.all });
    },
  });
  const next = NEXT_STATUSES[appointment.status];
  if (next.length === 0 && !change.error) return null;

  return (
    <div>
      <Group gap="xs">
        {next.map((status) => (
          <Button
            key={status}
            size={size}
            variant={status === "no_show" ? "default" : "light"}
            loading={change.isPending && change.variables?.status === status}
            disabled={change.isPending}
            onClick={() => change.mutate({ id: appointment.id, expected_version: appointment.version, status })}
            data-testid={`appointment-action-${status}`}
          >
            {t(`schedule.action.${status}`)}
          </Button>
        ))}
      </Group>
      {change.error ? (
        <ScheduleError error={change.error} testId="appointment-action-error" title={t("schedule.action.errorTitle")} />
      ) : null}
    </div>
  );
}

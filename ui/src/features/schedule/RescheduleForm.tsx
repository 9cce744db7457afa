// Moving an appointment: free slots of the same type (its provider by default, or any
// provider), then `reschedule_appointment` with the version shown. A taken time refreshes
// the slots; a concurrent change refreshes the schedule so the drawer shows the latest.
import { Button, Group, NativeSelect, Stack, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Appointment } from "../../bindings/Appointment";
import type { RescheduleAppointment } from "../../bindings/RescheduleAppointment";
import type { Slot } from "../../bindings/Slot";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { rescheduleAppointment, scheduleKeys } from "./api";
import { useProviders } from "./hooks";
import { ScheduleError } from "./ScheduleError";
import { SlotFinder, useSlotSearch } from "./SlotFinder";

type Props = { appointment: Appointment; onDone: (moved: Appointment) => void; onBack: () => void };

export function RescheduleForm({ appointment, onDone, onBack }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const providers = useProviders();
  const [providerId, setProviderId] = useState<string>(appointment.provider_id);
  const [picked, setPicked] = useState<Slot | null>(null);
  const slots = useSlotSearch();

  const move = useMutation<Appointment, UiError, RescheduleAppointment>({
    mutationFn: (r) => rescheduleAppointment(r).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (moved) => {
      void client.invalidateQueries({ queryKey: scheduleKeys.all });
      onDone(moved);
    },
    onError: (e) => {
      if (e.code === "slot_taken") {
        setPicked(null);
        slots.again();
      } else if (e.code === "edit_conflict") {
        void client.invalidateQueries({ queryKey: scheduleKeys.all });
      }
    },
  });
  const busy = move.isPending;

  const submit = () => {
    if (!picked || busy) return;
    move.mutate({
      id: appointment.id,
      expected_version: appointment.version,
      starts_at: picked.starts_at,
      provider_id: picked.provider_id,
      // A slot's own room wins; otherwise the room stays with a same-provider move.
      room_id: picked.room_id ?? (picked.provider_id === appointment.provider_id ? appointment.room_id : null),
    });
  };

  return (
    <Stack gap="sm" data-testid="reschedule-form">
      <Title order={3} size="h5">
        {t("schedule.drawer.rescheduleTitle")}
      </Title>
      {move.error ? (
        <ScheduleError error={move.error} testId="reschedule-error" title={t("schedule.drawer.rescheduleError")} />
      ) : null}
      <NativeSelect
        label={t("schedule.booking.provider")}
        value={providerId}
        onChange={(e) => {
          setProviderId(e.currentTarget.value);
          setPicked(null);
          slots.clear();
        }}
        data={[
          { value: "", label: t("schedule.booking.anyProvider") },
          ...(providers.data ?? []).map((p) => ({ value: p.id, label: p.display_name })),
          // The current provider stays choosable even if no longer bookable.
          ...(providers.data?.some((p) => p.id === appointment.provider_id)
            ? []
            : [{ value: appointment.provider_id, label: appointment.provider_name }]),
        ]}
        disabled={busy}
        data-testid="reschedule-provider"
      />
      <SlotFinder
        search={slots}
        onFind={() => slots.run(appointment.appointment_type_id, providerId || null)}
        canFind
        picked={picked}
        onPick={(s) => {
          setPicked(s);
          move.reset();
        }}
        findTestId="reschedule-find-slots"
        optionPrefix="reschedule-slot"
        disabled={busy}
      />
      <Group justify="flex-end">
        <Button variant="default" onClick={onBack} disabled={busy} data-testid="reschedule-back">
          {t("schedule.drawer.back")}
        </Button>
        <Button onClick={submit} disabled={!picked} loading={busy} data-testid="reschedule-submit">
          {busy ? t("schedule.drawer.rescheduling") : t("schedule.drawer.rescheduleSubmit")}
        </Button>
      </Group>
    </Stack>
  );
}

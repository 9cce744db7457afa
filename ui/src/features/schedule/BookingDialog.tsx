// Booking an appointment: patient, active appointment type (with its duration), provider
// (or any), a time (given by a calendar click, or picked from the free slots), optional
// room, note and recurrence. `book_appointment` gets the slot's `starts_at` as is; a
// series books several appointments and the result says how many. `slot_taken` clears
// the time and refreshes the slots; any other failure keeps every input.
import { Alert, Button, Group, Modal, NativeSelect, Stack, Text, Textarea } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Appointment } from "../../bindings/Appointment";
import type { AppointmentTypeId } from "../../bindings/AppointmentTypeId";
import type { BookAppointment } from "../../bindings/BookAppointment";
import type { Slot } from "../../bindings/Slot";
import type { StaffId } from "../../bindings/StaffId";
import type { UiError } from "../../bindings/UiError";
import type { WaitlistEntryId } from "../../bindings/WaitlistEntryId";
import { toUiError } from "../../shared/uiError";
import { bookAppointment, scheduleKeys } from "./api";
import { clinicTimeOf, formatClinicDate, formatDateTime } from "./format";
import { useAppointmentTypes, useClinicTimeZone, useProviders, useRooms } from "./hooks";
import { splitFieldErrors } from "./model";
import { PatientPicker, type PickedPatient } from "./PatientPicker";
import { initialRepeat, RecurrenceFields, toRecurrence, type RepeatValues } from "./RecurrenceFields";
import { ScheduleError } from "./ScheduleError";
import { SlotFinder, useSlotSearch } from "./SlotFinder";

export type BookingDialogProps = {
  onClose: () => void;
  /** Called with every appointment booked (first one first). */
  onBooked?: (booked: Appointment[]) => void;
  patient?: PickedPatient | null;
  providerId?: StaffId | null;
  /** A chosen start (RFC 3339), e.g. from a calendar click or a freed time. */
  startsAt?: string | null;
  appointmentTypeId?: AppointmentTypeId | null;
  /** Booking a waitlisted patient: the entry is marked booked with it. */
  waitlistEntryId?: WaitlistEntryId | null;
  /** The clinic's zone when the caller knows it (else read from the settings). */
  timeZone?: string;
};

const SHELL_FIELDS = [
  "patient_id",
  "appointment_type_id",
  "provider_id",
  "starts_at",
  "room_id",
  "note",
  "recurrence.unit",
  "recurrence.interval",
  "recurrence.count",
] as const;

type Local = Partial<Record<"patient" | "type" | "time" | "interval" | "count", string>>;

export function BookingDialog(props: BookingDialogProps) {
  const { onClose, onBooked, waitlistEntryId = null } = props;
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const tz = useClinicTimeZone(props.timeZone);
  const types = useAppointmentTypes();
  const providers = useProviders();
  const rooms = useRooms();

  const [patient, setPatient] = useState<PickedPatient | null>(props.patient ?? null);
  const [typeId, setTypeId] = useState<string>(props.appointmentTypeId ?? "");
  const [providerId, setProviderId] = useState<string>(props.providerId ?? "");
  const [roomId, setRoomId] = useState("");
  const [note, setNote] = useState("");
  const [repeat, setRepeat] = useState<RepeatValues>(initialRepeat);
  const [local, setLocal] = useState<Local>({});
  const [pickedSlot, setPickedSlot] = useState<Slot | null>(null);
  // A time given by the caller (calendar click, freed time) until another is picked.
  const [given, setGiven] = useState<{ startsAt: string; providerId: StaffId } | null>(
    props.startsAt && props.providerId ? { startsAt: props.startsAt, providerId: props.providerId } : null,
  );
  const slots = useSlotSearch(props.startsAt ? clinicTimeOf(props.startsAt, tz).date : "");

  const book = useMutation<Appointment[], UiError, BookAppointment>({
    mutationFn: (r) => bookAppointment(r).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (booked) => {
      void client.invalidateQueries({ queryKey: scheduleKeys.all });
      onBooked?.(booked);
    },
    onError: (e) => {
      if (e.code !== "slot_taken") return;
      // The time is gone: drop it and show what is still free.
      setPickedSlot(null);
      setGiven(null);
      if (typeId) slots.run(typeId, providerId || null);
    },
  });
  const busy = book.isPending;
  const { fields, rest } = splitFieldErrors(book.error, SHELL_FIELDS);
  const providerName = (id: StaffId) => providers.data?.find((p) => p.id === id)?.display_name ?? "";

  const clear = (...keys: (keyof Local)[]) =>
    setLocal((prev) => {
      const next = { ...prev };
      for (const k of keys) delete next[k];
      return next;
    });

  const changeType = (v: string) => {
    setTypeId(v);
    setPickedSlot(null);
    slots.clear();
    clear("type", "time");
  };
  const changeProvider = (v: string) => {
    setProviderId(v);
    slots.clear();
    if (pickedSlot && v && pickedSlot.provider_id !== v) setPickedSlot(null);
    if (given && given.providerId !== v) setGiven(null);
    clear("time");
  };
  const pick = (s: Slot) => {
    setPickedSlot(s);
    setGiven(null);
    clear("time");
  };

  const chosen = pickedSlot
    ? { startsAt: pickedSlot.starts_at, providerId: pickedSlot.provider_id, roomId: pickedSlot.room_id }
    : given
      ? { ...given, roomId: null }
      : null;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const { recurrence, problems } = toRecurrence(repeat);
    const next: Local = {};
    if (!patient) next.patient = t("schedule.booking.patientRequired");
    if (!typeId) next.type = t("schedule.booking.typeRequired");
    if (!chosen) next.time = t("schedule.booking.timeRequired");
    if (problems.includes("interval")) next.interval = t("schedule.booking.intervalRange");
    if (problems.includes("count")) next.count = t("schedule.booking.countRange");
    setLocal(next);
    if (Object.keys(next).length > 0 || !patient || !chosen) {
      book.reset();
      return;
    }
    book.mutate({
      patient_id: patient.id,
      provider_id: chosen.providerId,
      appointment_type_id: typeId,
      room_id: roomId || chosen.roomId,
      starts_at: chosen.startsAt,
      note: note.trim(),
      recurrence,
      waitlist_entry_id: waitlistEntryId,
    });
  };

  const booked = book.data;
  const first = booked?.[0];

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={() => !busy && onClose()}
      title={t("schedule.booking.title")}
      size="lg"
      closeButtonProps={{ "aria-label": t("schedule.booking.cancel") }}
    >
      {first ? (
        <Stack gap="sm" data-testid="booking-dialog">
          <Alert color="green" data-testid="booking-result" data-count={booked.length} role="status">
            {t("schedule.booking.booked", {
              count: booked.length,
              when: formatDateTime(first.starts_at, tz, i18n.language),
              provider: first.provider_name,
              code: first.check_in_code,
            })}
            {waitlistEntryId ? ` ${t("schedule.booking.waitlisted")}` : null}
          </Alert>
          <Group justify="flex-end">
            <Button onClick={onClose} data-testid="booking-close" data-autofocus>
              {t("schedule.booking.close")}
            </Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={onSubmit} noValidate data-testid="booking-dialog" aria-busy={busy}>
          <Stack gap="sm">
            {rest ? <ScheduleError error={rest} testId="booking-error" title={t("schedule.booking.errorTitle")} /> : null}
            <PatientPicker
              value={patient}
              onChange={(p) => {
                setPatient(p);
                clear("patient");
              }}
              label={t("schedule.booking.patient")}
              testId="booking-patient"
              error={local.patient ?? fields.patient_id}
              disabled={busy}
            />
            <div className="form-grid">
              <NativeSelect
                label={t("schedule.booking.type")}
                value={typeId}
                onChange={(e) => changeType(e.currentTarget.value)}
                data={[
                  { value: "", label: t("schedule.booking.chooseType") },
                  ...(types.data ?? []).map((x) => ({
                    value: x.id,
                    label: t("schedule.booking.duration", { name: x.name, minutes: x.duration_minutes }),
                  })),
                ]}
                error={local.type ?? fields.appointment_type_id}
                disabled={busy}
                withAsterisk
                data-testid="booking-type"
              />
              <NativeSelect
                label={t("schedule.booking.provider")}
                value={providerId}
                onChange={(e) => changeProvider(e.currentTarget.value)}
                data={[
                  { value: "", label: t("schedule.booking.anyProvider") },
                  ...(providers.data ?? []).map((p) => ({ value: p.id, label: p.display_name })),
                ]}
                error={fields.provider_id}
                disabled={busy}
                data-testid="booking-provider"
              />
            </div>
            <div>
              <Text size="sm" fw={500}>
                {t("schedule.booking.chosen")}
              </Text>
              <Text size="sm" c={chosen ? undefined : "dimmed"} data-testid="booking-chosen">
                {chosen
                  ? t("schedule.booking.chosenValue", {
                      when: pickedSlot
                        ? `${formatClinicDate(pickedSlot.local_date, i18n.language)}, ${pickedSlot.local_time}`
                        : formatDateTime(chosen.startsAt, tz, i18n.language),
                      provider: pickedSlot?.provider_name ?? providerName(chosen.providerId),
                    })
                  : t("schedule.booking.noTime")}
              </Text>
              {local.time ?? fields.starts_at ? (
                <Text size="sm" c="red" role="alert" data-testid="booking-time-error">
                  {local.time ?? fields.starts_at}
                </Text>
              ) : null}
            </div>
            <SlotFinder
              search={slots}
              onFind={() => typeId && slots.run(typeId, providerId || null)}
              canFind={typeId !== ""}
              picked={pickedSlot}
              onPick={pick}
              findTestId="booking-find-slots"
              optionPrefix="slot-option"
              disabled={busy}
            />
            <div className="form-grid">
              <NativeSelect
                label={t("schedule.booking.room")}
                value={roomId}
                onChange={(e) => setRoomId(e.currentTarget.value)}
                data={[
                  { value: "", label: t("schedule.booking.anyRoom") },
                  ...(rooms.data ?? []).map((r) => ({ value: r.id, label: r.name })),
                ]}
                error={fields.room_id}
                disabled={busy}
                data-testid="booking-room"
              />
            </div>
            <Textarea
              label={t("schedule.booking.note")}
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
              error={fields.note}
              autosize
              minRows={2}
              disabled={busy}
              data-testid="booking-note"
            />
            <RecurrenceFields
              value={repeat}
              onChange={(v) => {
                setRepeat(v);
                clear("interval", "count");
              }}
              errors={{
                interval: local.interval ?? fields["recurrence.interval"],
                count: local.count ?? fields["recurrence.count"],
                unit: fields["recurrence.unit"],
              }}
              disabled={busy}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose} disabled={busy} data-testid="booking-cancel">
                {t("schedule.booking.cancel")}
              </Button>
              <Button type="submit" loading={busy} data-testid="booking-submit">
                {busy ? t("schedule.booking.booking") : t("schedule.booking.submit")}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

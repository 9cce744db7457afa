// Cancelling an appointment (a reason is required) with `cancel_appointment` and the
// version shown, and what the freed time offers: the waitlisted patients it suits, each
// with a "Book" button that hands the entry to the drawer (which opens the booking dialog).
import { Alert, Button, Group, Stack, Text, Textarea, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Appointment } from "../../bindings/Appointment";
import type { CancelAppointment } from "../../bindings/CancelAppointment";
import type { CancelOutcome } from "../../bindings/CancelOutcome";
import type { UiError } from "../../bindings/UiError";
import type { WaitlistEntry } from "../../bindings/WaitlistEntry";
import { toUiError } from "../../shared/uiError";
import { cancelAppointment, scheduleKeys } from "./api";
import { splitFieldErrors } from "./model";
import { ScheduleError } from "./ScheduleError";

type FormProps = { appointment: Appointment; onDone: (outcome: CancelOutcome) => void; onBack: () => void };

export function CancelForm({ appointment, onDone, onBack }: FormProps) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const cancel = useMutation<CancelOutcome, UiError, CancelAppointment>({
    mutationFn: (r) => cancelAppointment(r).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (outcome) => {
      void client.invalidateQueries({ queryKey: scheduleKeys.all });
      onDone(outcome);
    },
    onError: (e) => {
      if (e.code === "edit_conflict") void client.invalidateQueries({ queryKey: scheduleKeys.all });
    },
  });
  const busy = cancel.isPending;
  const { fields, rest } = splitFieldErrors(cancel.error, ["reason"]);

  const submit = () => {
    if (busy) return;
    if (reason.trim() === "") {
      setMissing(true);
      cancel.reset();
      return;
    }
    cancel.mutate({ id: appointment.id, expected_version: appointment.version, reason: reason.trim() });
  };

  return (
    <Stack gap="sm" data-testid="cancel-form">
      <Title order={3} size="h5">
        {t("schedule.drawer.cancelTitle")}
      </Title>
      {rest ? <ScheduleError error={rest} testId="cancel-error" title={t("schedule.drawer.cancelError")} /> : null}
      <Textarea
        label={t("schedule.drawer.reasonLabel")}
        description={t("schedule.drawer.reasonHelp")}
        value={reason}
        onChange={(e) => {
          setReason(e.currentTarget.value);
          setMissing(false);
        }}
        error={missing ? t("schedule.drawer.reasonRequired") : fields.reason}
        withAsterisk
        aria-required
        autosize
        minRows={2}
        disabled={busy}
        data-testid="cancel-reason"
        data-autofocus
      />
      <Group justify="flex-end">
        <Button variant="default" onClick={onBack} disabled={busy} data-testid="cancel-back">
          {t("schedule.drawer.keep")}
        </Button>
        <Button color="red" onClick={submit} loading={busy} data-testid="cancel-submit">
          {busy ? t("schedule.drawer.cancelling") : t("schedule.drawer.cancelSubmit")}
        </Button>
      </Group>
    </Stack>
  );
}

type OffersProps = { offers: WaitlistEntry[]; onBook: (entry: WaitlistEntry) => void };

/** "This time suits N patients on the waitlist", best first, each bookable. */
export function WaitlistOffers({ offers, onBook }: OffersProps) {
  const { t } = useTranslation();
  if (offers.length === 0) return null;
  return (
    <Alert color="blue" title={t("schedule.drawer.offers", { count: offers.length })} data-testid="waitlist-offers">
      <ul className="plain-list">
        {offers.map((o) => (
          <li key={o.id} className="sched-offer" data-testid={`waitlist-offer-row-${o.id}`}>
            <Text size="sm">
              {t("schedule.drawer.offer", {
                name: o.patient_name,
                mrn: o.patient_mrn,
                type: o.type_name,
                provider: o.provider_name || t("schedule.booking.anyProvider"),
              })}
            </Text>
            <Button size="xs" onClick={() => onBook(o)} data-testid={`waitlist-offer-${o.id}`}>
              {t("schedule.drawer.offerBook", { name: o.patient_name })}
            </Button>
          </li>
        ))}
      </ul>
    </Alert>
  );
}

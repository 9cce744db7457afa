// One appointment in a side drawer: patient (name, MRN, "Open patient"), provider, type,
// room, time, status, check-in code, note, cancel reason and series; the status changes
// its status allows, "Reschedule" (same type, `RescheduleForm`) and "Cancel" (reason
// required, `CancelForm`). After a cancellation, waitlisted patients the freed time suits
// are offered, each opening the booking dialog pre-filled with the patient, freed time
// and entry. The drawer shows the newest of the caller's copy and its own results.
import { Alert, Button, Drawer, Group, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Appointment } from "../../bindings/Appointment";
import type { CancelOutcome } from "../../bindings/CancelOutcome";
import type { WaitlistEntry } from "../../bindings/WaitlistEntry";
import { InvoiceAppointmentButton } from "../billing/InvoiceAppointmentButton";
import { useNavigate } from "../shell/route";
import { BookingDialog } from "./BookingDialog";
import { CancelForm, WaitlistOffers } from "./CancelForm";
import { formatDateTime, formatTime, safeColour } from "./format";
import { useClinicTimeZone } from "./hooks";
import { canCancel, canReschedule, newer } from "./model";
import { RescheduleForm } from "./RescheduleForm";
import { StatusActions, StatusBadge } from "./StatusActions";
import "./schedule.css";

export type AppointmentDrawerProps = {
  appointment: Appointment;
  onClose: () => void;
  /** The clinic's zone when the caller knows it (else read from the settings). */
  timeZone?: string;
};

type Mode = "details" | "reschedule" | "cancel";

export function AppointmentDrawer({ appointment, onClose, timeZone }: AppointmentDrawerProps) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const tz = useClinicTimeZone(timeZone);
  const [own, setOwn] = useState<Appointment | null>(null);
  const [mode, setMode] = useState<Mode>("details");
  const [notice, setNotice] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<CancelOutcome | null>(null);
  const [offer, setOffer] = useState<WaitlistEntry | null>(null);
  const a = newer(appointment, own);

  const changed = (updated: Appointment, message: string | null = null) => {
    setOwn(updated);
    setNotice(message);
    setMode("details");
  };
  const onCancelled = (o: CancelOutcome) => {
    changed(o.appointment, t("schedule.drawer.cancelled"));
    setOutcome(o);
  };

  const none = t("schedule.drawer.none");
  const rows: [string, string, string][] = [
    ["provider", t("schedule.drawer.provider"), a.provider_name],
    ["type", t("schedule.drawer.type"), a.type_name],
    ["room", t("schedule.drawer.room"), a.room_name || none],
    ["time", t("schedule.drawer.time"), `${formatDateTime(a.starts_at, tz, i18n.language)}–${formatTime(a.ends_at, tz)}`],
    ["code", t("schedule.drawer.checkInCode"), a.check_in_code || none],
    ["note", t("schedule.drawer.note"), a.note || none],
  ];
  if (a.cancel_reason) rows.push(["cancel-reason", t("schedule.drawer.cancelReason"), a.cancel_reason]);
  if (a.series_id) rows.push(["series", t("schedule.drawer.series"), t("schedule.drawer.partOfSeries")]);

  return (
    <>
      <Drawer
        opened
        // Scroll locking injects a <style> element, which the strict CSP refuses.
        lockScroll={false}
        onClose={onClose}
        position="right"
        size="md"
        title={t("schedule.drawer.title")}
        closeButtonProps={{ "aria-label": t("schedule.booking.close") }}
      >
        <Stack gap="sm" data-testid="appointment-drawer" data-appointment-id={a.id} data-version={a.version}>
          <div className="sched-drawer-head" style={{ borderLeftColor: safeColour(a.colour) }}>
            <Text fw={700} data-testid="appointment-patient">
              {a.patient_name}
            </Text>
            <Text size="sm">
              {t("schedule.drawer.mrn")} {a.patient_mrn}
            </Text>
            <Button
              variant="subtle"
              size="compact-sm"
              px={0}
              onClick={() => navigate({ name: "profile", id: a.patient_id })}
              data-testid="appointment-open-patient"
            >
              {t("schedule.drawer.openPatient")}
            </Button>
          </div>
          <Group gap="xs">
            <Text size="sm" fw={500}>
              {t("schedule.drawer.status")}
            </Text>
            <StatusBadge status={a.status} testId="appointment-status" />
            {a.tentative ? (
              <Text size="xs" c="dimmed" title={t("schedule.tentativeHelp")} data-testid="appointment-tentative">
                {t("schedule.tentative")}
              </Text>
            ) : null}
          </Group>
          {a.status === "needs_reschedule" ? (
            <Alert color="red" data-testid="appointment-needs-reschedule">
              {t("schedule.needsReschedule")}
            </Alert>
          ) : null}
          {notice ? (
            <Alert color="green" role="status" data-testid="appointment-notice">
              {notice}
            </Alert>
          ) : null}
          {outcome ? <WaitlistOffers offers={outcome.waitlist_offers} onBook={setOffer} /> : null}
          <dl className="sched-details">
            {rows.map(([key, label, value]) => (
              <div key={key}>
                <dt>{label}</dt>
                <dd data-testid={`appointment-${key}`}>{value}</dd>
              </div>
            ))}
          </dl>
          {mode === "details" ? (
            <>
              <StatusActions key={a.version} appointment={a} onChanged={(u) => changed(u)} />
              <Group gap="xs">
                {canReschedule(a.status) ? (
                  <Button variant="default" onClick={() => setMode("reschedule")} data-testid="appointment-reschedule">
                    {t("schedule.drawer.reschedule")}
                  </Button>
                ) : null}
                {canCancel(a.status) ? (
                  <Button
                    variant="default"
                    color="red"
                    onClick={() => setMode("cancel")}
                    data-testid="appointment-cancel"
                  >
                    {t("schedule.drawer.cancel")}
                  </Button>
                ) : null}
              </Group>
              <InvoiceAppointmentButton appointmentId={a.id} />
            </>
          ) : mode === "reschedule" ? (
            <RescheduleForm
              appointment={a}
              onBack={() => setMode("details")}
              onDone={(m) => changed(m, t("schedule.drawer.rescheduled", { when: formatDateTime(m.starts_at, tz, i18n.language) }))}
            />
          ) : (
            <CancelForm appointment={a} onBack={() => setMode("details")} onDone={onCancelled} />
          )}
        </Stack>
      </Drawer>
      {offer ? (
        <BookingDialog
          onClose={() => setOffer(null)}
          onBooked={() =>
            setOutcome((o) => o && { ...o, waitlist_offers: o.waitlist_offers.filter((x) => x.id !== offer.id) })
          }
          patient={{ id: offer.patient_id, label: t("schedule.picker.picked", { name: offer.patient_name, mrn: offer.patient_mrn }) }}
          providerId={a.provider_id}
          startsAt={a.starts_at}
          appointmentTypeId={offer.appointment_type_id}
          waitlistEntryId={offer.id}
          timeZone={tz}
        />
      ) : null}
    </>
  );
}

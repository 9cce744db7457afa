// Adding a patient to the waitlist: the patient (searched with `PatientPicker`), the
// appointment type (active ones), a provider or any, the first and last clinic date they
// can come (from today in the clinic's zone, a month by default) and a note. Checked
// here first; the shell's field errors show under their inputs, input kept.
import { Button, Group, Modal, NativeSelect, Stack, TextInput, Textarea } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { AddToWaitlist } from "../../bindings/AddToWaitlist";
import type { UiError } from "../../bindings/UiError";
import type { WaitlistEntry } from "../../bindings/WaitlistEntry";
import { toUiError } from "../../shared/uiError";
import { addToWaitlist, listAppointmentTypes, listProviders, scheduleKeys } from "../schedule/api";
import { PatientPicker, type PickedPatient } from "../schedule/PatientPicker";
import { addDays, isIsoDate, splitFieldErrors, todayInZone } from "./model";
import { SetupError } from "./SetupError";
import { useClinicSettings } from "./useClinicSettings";

type Props = { onClose: () => void; onSaved: (entry: WaitlistEntry) => Promise<void> };
type Field = "patient_id" | "appointment_type_id" | "provider_id" | "earliest" | "latest" | "note";
type TextField = Exclude<Field, "patient_id">;
const FIELDS: Field[] = ["patient_id", "appointment_type_id", "provider_id", "earliest", "latest", "note"];
const TEST_ID: Record<TextField, string> = {
  appointment_type_id: "waitlist-type",
  provider_id: "waitlist-provider",
  earliest: "waitlist-earliest",
  latest: "waitlist-latest",
  note: "waitlist-note",
};
const DEFAULT_SPAN_DAYS = 30;

export function WaitlistDialog({ onClose, onSaved }: Props) {
  const { t } = useTranslation();
  const zone = useClinicSettings().data?.time_zone ?? "";
  const types = useQuery({ queryKey: scheduleKeys.types(false), queryFn: () => listAppointmentTypes(false) });
  const providers = useQuery({ queryKey: scheduleKeys.providers, queryFn: listProviders });
  const [patient, setPatient] = useState<PickedPatient | null>(null);
  const [values, setValues] = useState<Record<TextField, string>>(() => {
    const today = todayInZone(zone);
    return { appointment_type_id: "", provider_id: "", earliest: today, latest: addDays(today, DEFAULT_SPAN_DAYS), note: "" };
  });
  const [local, setLocal] = useState<Partial<Record<Field, string>>>({});
  const save = useMutation<WaitlistEntry, UiError, AddToWaitlist>({
    mutationFn: (r) => addToWaitlist(r).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: onSaved,
  });
  const server = splitFieldErrors(save.error, FIELDS);
  const errorOf = (f: Field) => local[f] ?? server.byField[f];
  const close = () => {
    if (!save.isPending) onClose();
  };
  const set = (f: TextField, v: string) => {
    setValues((prev) => ({ ...prev, [f]: v }));
    setLocal((prev) => ({ ...prev, [f]: undefined }));
  };
  const common = (f: TextField) => ({
    value: values[f],
    onChange: (e: { currentTarget: { value: string } }) => set(f, e.currentTarget.value),
    error: errorOf(f),
    errorProps: { "data-testid": `${TEST_ID[f]}-error` },
    "data-testid": TEST_ID[f],
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    const earliest = values.earliest.trim();
    const latest = values.latest.trim();
    const problems: Partial<Record<Field, string>> = {};
    if (!patient) problems.patient_id = t("scheduleSetup.waitlist.patientRequired");
    if (values.appointment_type_id === "") problems.appointment_type_id = t("scheduleSetup.waitlist.typeRequired");
    if (!isIsoDate(earliest)) problems.earliest = t("scheduleSetup.dateFormat");
    if (!isIsoDate(latest)) problems.latest = t("scheduleSetup.dateFormat");
    else if (isIsoDate(earliest) && latest < earliest) problems.latest = t("scheduleSetup.waitlist.latestBeforeEarliest");
    setLocal(problems);
    if (!patient || Object.keys(problems).length > 0) {
      save.reset();
      return;
    }
    save.mutate({
      patient_id: patient.id,
      appointment_type_id: values.appointment_type_id,
      provider_id: values.provider_id || null,
      earliest,
      latest,
      note: values.note.trim(),
    });
  };

  const loadError = types.error ?? providers.error;
  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={close}
      title={t("scheduleSetup.waitlist.addTitle")}
      size="lg"
      closeButtonProps={{ "aria-label": t("scheduleSetup.cancel") }}
    >
      <form onSubmit={onSubmit} noValidate data-testid="waitlist-dialog" aria-busy={save.isPending}>
        <Stack gap="sm">
          {loadError ? (
            <SetupError error={toUiError(loadError)} testId="waitlist-options-error" title={t("scheduleSetup.errors.loadTitle")} />
          ) : null}
          {server.rest ? <SetupError error={server.rest} testId="waitlist-save-error" /> : null}
          <PatientPicker
            value={patient}
            onChange={(p) => {
              setPatient(p);
              setLocal((prev) => ({ ...prev, patient_id: undefined }));
            }}
            label={t("scheduleSetup.waitlist.patient")}
            error={errorOf("patient_id")}
            testId="waitlist-patient"
          />
          <div className="form-grid">
            <NativeSelect
              {...common("appointment_type_id")}
              label={t("scheduleSetup.waitlist.type")}
              data={[
                { value: "", label: t("scheduleSetup.waitlist.chooseType") },
                ...(types.data ?? []).map((x) => ({ value: x.id, label: x.name })),
              ]}
              withAsterisk
            />
            <NativeSelect
              {...common("provider_id")}
              label={t("scheduleSetup.waitlist.provider")}
              data={[
                { value: "", label: t("scheduleSetup.waitlist.anyProvider") },
                ...(providers.data ?? []).map((p) => ({ value: p.id, label: p.display_name })),
              ]}
            />
            <TextInput
              {...common("earliest")}
              label={t("scheduleSetup.waitlist.earliest")}
              placeholder="YYYY-MM-DD"
              autoComplete="off"
              withAsterisk
            />
            <TextInput
              {...common("latest")}
              label={t("scheduleSetup.waitlist.latest")}
              placeholder="YYYY-MM-DD"
              autoComplete="off"
              withAsterisk
            />
            <Textarea {...common("note")} className="form-grid-wide" label={t("scheduleSetup.waitlist.note")} autosize minRows={2} />
          </div>
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={save.isPending} data-testid="waitlist-cancel">
              {t("scheduleSetup.cancel")}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="waitlist-save">
              {save.isPending ? t("scheduleSetup.saving") : t("scheduleSetup.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

// The "Clinic" tab: the clinic's time zone (searched among the shell's IANA names), the
// kiosk's idle reset in seconds (30–900) and how many hours before an appointment its
// reminder is due (1–168). Ranges are checked here, the shell's field errors show under
// their inputs (input kept). Only administrators save; others see the values read-only.
import { Alert, Autocomplete, Button, Center, Group, Loader, NumberInput, Paper, Stack, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { ScheduleSettings } from "../../bindings/ScheduleSettings";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { listTimeZones, scheduleKeys, setScheduleSettings } from "../schedule/api";
import { intInRange, splitFieldErrors } from "./model";
import { SetupError } from "./SetupError";
import { useClinicSettings } from "./useClinicSettings";

const ZONES_KEY = ["schedule", "timeZones"] as const;
type Field = "time_zone" | "kiosk_idle_seconds" | "reminder_hours_before";
const FIELDS: Field[] = ["time_zone", "kiosk_idle_seconds", "reminder_hours_before"];

export function ClinicTab({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const settings = useClinicSettings();
  // Kept here: a save remounts the form with what the shell kept.
  const [saved, setSaved] = useState(false);
  if (settings.isPending) {
    return (
      <Center p="lg">
        <Loader aria-label={t("scheduleSetup.loading")} />
      </Center>
    );
  }
  if (settings.isError) {
    return <SetupError error={toUiError(settings.error)} testId="setup-clinic-load-error" title={t("scheduleSetup.errors.loadTitle")} />;
  }
  return (
    <ClinicForm
      key={JSON.stringify(settings.data)}
      settings={settings.data}
      canEdit={canEdit}
      saved={saved}
      setSaved={setSaved}
    />
  );
}

type FormProps = { settings: ScheduleSettings; canEdit: boolean; saved: boolean; setSaved: (saved: boolean) => void };

function ClinicForm({ settings, canEdit, saved, setSaved }: FormProps) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const zones = useQuery({ queryKey: ZONES_KEY, queryFn: listTimeZones, staleTime: Infinity });
  const [zone, setZone] = useState(settings.time_zone);
  const [idle, setIdle] = useState<string | number>(settings.kiosk_idle_seconds);
  const [hours, setHours] = useState<string | number>(settings.reminder_hours_before);
  const [local, setLocal] = useState<Partial<Record<Field, string>>>({});
  // The list closes once the text is exactly a zone, so it never covers the Save button.
  const [listOpen, setListOpen] = useState(false);
  const exactZone = zones.data?.includes(zone.trim()) ?? false;

  const save = useMutation<ScheduleSettings, UiError, ScheduleSettings>({
    mutationFn: (s) => setScheduleSettings(s).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (s) => {
      setSaved(true);
      client.setQueryData(scheduleKeys.settings, s);
    },
  });
  const server = splitFieldErrors(save.error, FIELDS);
  const errorOf = (f: Field) => local[f] ?? server.byField[f];
  const touched = (f: Field) => {
    setLocal((prev) => ({ ...prev, [f]: undefined }));
    setSaved(false);
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!canEdit || save.isPending) return;
    setSaved(false);
    const problems: Partial<Record<Field, string>> = {};
    const tz = zone.trim();
    if (tz === "" || (zones.data && !zones.data.includes(tz))) problems.time_zone = t("scheduleSetup.clinic.zoneUnknown");
    const idleN = intInRange(idle, 30, 900);
    if (idleN === null) problems.kiosk_idle_seconds = t("scheduleSetup.clinic.idleRange");
    const hoursN = intInRange(hours, 1, 168);
    if (hoursN === null) problems.reminder_hours_before = t("scheduleSetup.clinic.reminderRange");
    setLocal(problems);
    if (idleN === null || hoursN === null || problems.time_zone) {
      save.reset();
      return;
    }
    save.mutate({ time_zone: tz, kiosk_idle_seconds: idleN, reminder_hours_before: hoursN });
  };

  const errorProps = (f: Field) => ({ "data-testid": `setup-${f}-error` });
  return (
    <Paper withBorder p="md" component="section">
      <form onSubmit={onSubmit} noValidate aria-busy={save.isPending}>
        <Stack gap="sm">
          {canEdit ? null : (
            <Text size="sm" c="dimmed" data-testid="setup-clinic-readonly">
              {t("scheduleSetup.readOnlyAdmin")}
            </Text>
          )}
          {server.rest ? <SetupError error={server.rest} testId="setup-clinic-error" /> : null}
          {saved ? (
            <Alert color="green" role="status" data-testid="setup-clinic-saved">
              {t("scheduleSetup.clinic.saved")}
            </Alert>
          ) : null}
          <div className="form-grid">
            <Autocomplete
              label={t("scheduleSetup.clinic.zone")}
              description={t("scheduleSetup.clinic.zoneHelp")}
              data={zones.data ?? []}
              limit={40}
              dropdownOpened={listOpen && !exactZone}
              onDropdownOpen={() => setListOpen(true)}
              onDropdownClose={() => setListOpen(false)}
              value={zone}
              onChange={(v) => {
                setZone(v);
                touched("time_zone");
              }}
              disabled={!canEdit}
              error={errorOf("time_zone")}
              errorProps={errorProps("time_zone")}
              autoComplete="off"
              spellCheck={false}
              data-testid="setup-timezone"
            />
            <NumberInput
              label={t("scheduleSetup.clinic.idle")}
              description={t("scheduleSetup.clinic.idleHelp")}
              value={idle}
              onChange={(v) => {
                setIdle(v);
                touched("kiosk_idle_seconds");
              }}
              min={30}
              max={900}
              allowDecimal={false}
              allowNegative={false}
              clampBehavior="none"
              disabled={!canEdit}
              error={errorOf("kiosk_idle_seconds")}
              errorProps={errorProps("kiosk_idle_seconds")}
              data-testid="setup-kiosk-idle"
            />
            <NumberInput
              label={t("scheduleSetup.clinic.reminder")}
              description={t("scheduleSetup.clinic.reminderHelp")}
              value={hours}
              onChange={(v) => {
                setHours(v);
                touched("reminder_hours_before");
              }}
              min={1}
              max={168}
              allowDecimal={false}
              allowNegative={false}
              clampBehavior="none"
              disabled={!canEdit}
              error={errorOf("reminder_hours_before")}
              errorProps={errorProps("reminder_hours_before")}
              data-testid="setup-reminder-hours"
            />
          </div>
          {canEdit ? (
            <Group>
              <Button type="submit" loading={save.isPending} data-testid="setup-clinic-save">
                {save.isPending ? t("scheduleSetup.saving") : t("scheduleSetup.save")}
              </Button>
            </Group>
          ) : null}
        </Stack>
      </form>
    </Paper>
  );
}

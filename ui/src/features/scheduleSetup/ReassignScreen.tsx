// "A doctor is absent": pick the provider and the day (today in the clinic's zone by
// default), see their booked and confirmed appointments that day, then move them all to
// another provider (at the same times, where that provider is free; the rest need a new
// time) or mark them all for rescheduling, optionally recording the leave, with a
// required reason. The outcome and the patients to contact show in `ReassignOutcomeView`.
import { Button, Center, Checkbox, Loader, NativeSelect, Paper, Radio, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { CalendarQuery } from "../../bindings/CalendarQuery";
import type { ReassignDay } from "../../bindings/ReassignDay";
import type { ReassignOutcome } from "../../bindings/ReassignOutcome";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { getCalendar, listProviders, reassignDay, scheduleKeys } from "../schedule/api";
import { formatTime, isIsoDate, splitFieldErrors, todayInZone } from "./model";
import { ReassignOutcomeView } from "./ReassignOutcomeView";
import { SetupError } from "./SetupError";
import { useClinicSettings } from "./useClinicSettings";

type Mode = "move" | "reschedule";
type Field = "from_provider_id" | "date" | "to_provider_id" | "record_leave" | "reason";
const FIELDS: Field[] = ["from_provider_id", "date", "to_provider_id", "record_leave", "reason"];
type Done = { outcome: ReassignOutcome; targetName: string | null };

export function ReassignScreen() {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const settings = useClinicSettings();
  const zone = settings.data?.time_zone ?? "";
  const providers = useQuery({ queryKey: scheduleKeys.providers, queryFn: listProviders });
  const [providerId, setProviderId] = useState("");
  // null until the user types a date: today in the clinic's zone (known once loaded).
  const [typedDate, setTypedDate] = useState<string | null>(null);
  const date = typedDate ?? (zone ? todayInZone(zone) : "");
  const [mode, setMode] = useState<Mode>("move");
  const [target, setTarget] = useState("");
  const [recordLeave, setRecordLeave] = useState(true);
  const [reason, setReason] = useState("");
  const [local, setLocal] = useState<Partial<Record<Field, string>>>({});
  const [done, setDone] = useState<Done | null>(null);

  const query: CalendarQuery = { from: date, days: 1, provider_ids: [providerId] };
  const calendar = useQuery({
    queryKey: scheduleKeys.calendar(query),
    queryFn: () => getCalendar(query),
    enabled: providerId !== "" && isIsoDate(date),
  });
  const appointments = (calendar.data?.providers.find((p) => p.provider.id === providerId)?.appointments ?? [])
    .filter((a) => a.status === "booked" || a.status === "confirmed")
    .sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  const shownZone = calendar.data?.time_zone ?? (zone || "UTC");

  const run = useMutation<ReassignOutcome, UiError, ReassignDay>({
    mutationFn: (r) => reassignDay(r).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (outcome, r) => {
      const targetName = r.to_provider_id ? (providers.data?.find((p) => p.id === r.to_provider_id)?.display_name ?? null) : null;
      setDone({ outcome, targetName });
      void client.invalidateQueries({ queryKey: scheduleKeys.all });
    },
  });
  const server = splitFieldErrors(run.error, FIELDS);
  const errorOf = (f: Field) => local[f] ?? server.byField[f];
  const clear = (f: Field) => setLocal((prev) => ({ ...prev, [f]: undefined }));

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (run.isPending) return;
    const problems: Partial<Record<Field, string>> = {};
    if (providerId === "") problems.from_provider_id = t("scheduleSetup.reassign.providerRequired");
    if (!isIsoDate(date.trim())) problems.date = t("scheduleSetup.dateFormat");
    if (mode === "move" && (target === "" || target === providerId)) problems.to_provider_id = t("scheduleSetup.reassign.targetRequired");
    if (reason.trim() === "") problems.reason = t("scheduleSetup.reassign.reasonRequired");
    setLocal(problems);
    if (Object.keys(problems).length > 0) {
      run.reset();
      return;
    }
    run.mutate({
      from_provider_id: providerId,
      date: date.trim(),
      to_provider_id: mode === "move" ? target : null,
      record_leave: recordLeave,
      reason: reason.trim(),
    });
  };

  const again = () => {
    setDone(null);
    setReason("");
    run.reset();
  };

  const others = (providers.data ?? []).filter((p) => p.id !== providerId);
  let list = null;
  if (providerId !== "" && isIsoDate(date)) {
    if (calendar.isPending) {
      list = (
        <Center p="md">
          <Loader size="sm" aria-label={t("scheduleSetup.loading")} />
        </Center>
      );
    } else if (calendar.isError) {
      list = <SetupError error={toUiError(calendar.error)} testId="reassign-load-error" title={t("scheduleSetup.errors.loadTitle")} />;
    } else if (appointments.length === 0) {
      list = (
        <Text size="sm" data-testid="reassign-none">
          {t("scheduleSetup.reassign.none")}
        </Text>
      );
    } else {
      list = (
        <Table aria-label={t("scheduleSetup.reassign.appointmentsTitle")} verticalSpacing="xs" data-testid="reassign-appointments">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("scheduleSetup.reassign.col.time")}</Table.Th>
              <Table.Th scope="col">{t("scheduleSetup.reassign.col.patient")}</Table.Th>
              <Table.Th scope="col">{t("scheduleSetup.reassign.col.mrn")}</Table.Th>
              <Table.Th scope="col">{t("scheduleSetup.reassign.col.type")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {appointments.map((a) => (
              <Table.Tr key={a.id} data-testid={`reassign-appointment-${a.id}`}>
                <Table.Td>
                  {t("scheduleSetup.range", {
                    from: formatTime(a.starts_at, shownZone, i18n.language),
                    to: formatTime(a.ends_at, shownZone, i18n.language),
                  })}
                </Table.Td>
                <Table.Td>{a.patient_name}</Table.Td>
                <Table.Td>{a.patient_mrn}</Table.Td>
                <Table.Td>{a.type_name}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      );
    }
  }

  return (
    <Stack gap="md" data-testid="reassign-screen">
      <Title order={1} size="h2">
        {t("scheduleSetup.reassign.title")}
      </Title>
      <Text size="sm">{t("scheduleSetup.reassign.intro")}</Text>
      {done ? (
        <ReassignOutcomeView outcome={done.outcome} targetName={done.targetName} zone={shownZone} onAgain={again} />
      ) : (
        <Paper withBorder p="md" component="section">
          <form onSubmit={onSubmit} noValidate aria-busy={run.isPending}>
            <Stack gap="sm">
              {providers.isError ? (
                <SetupError error={toUiError(providers.error)} testId="reassign-providers-error" title={t("scheduleSetup.errors.loadTitle")} />
              ) : null}
              {server.rest ? <SetupError error={server.rest} testId="reassign-error" /> : null}
              <div className="form-grid">
                <NativeSelect
                  label={t("scheduleSetup.reassign.provider")}
                  value={providerId}
                  onChange={(e) => {
                    const id = e.currentTarget.value;
                    setProviderId(id);
                    if (target === id) setTarget("");
                    clear("from_provider_id");
                  }}
                  data={[
                    { value: "", label: t("scheduleSetup.chooseProvider") },
                    ...(providers.data ?? []).map((p) => ({ value: p.id, label: p.display_name })),
                  ]}
                  error={errorOf("from_provider_id")}
                  errorProps={{ "data-testid": "reassign-provider-error" }}
                  withAsterisk
                  data-testid="reassign-provider"
                />
                <TextInput
                  label={t("scheduleSetup.reassign.date")}
                  placeholder="YYYY-MM-DD"
                  value={date}
                  onChange={(e) => {
                    setTypedDate(e.currentTarget.value);
                    clear("date");
                  }}
                  error={errorOf("date")}
                  errorProps={{ "data-testid": "reassign-date-error" }}
                  autoComplete="off"
                  withAsterisk
                  data-testid="reassign-date"
                />
              </div>
              {list}
              <Radio.Group
                label={t("scheduleSetup.reassign.mode")}
                value={mode}
                onChange={(v) => setMode(v === "reschedule" ? "reschedule" : "move")}
              >
                <Stack gap={6} mt={6}>
                  <Radio value="move" label={t("scheduleSetup.reassign.modeMove")} data-testid="reassign-mode-move" />
                  <Radio value="reschedule" label={t("scheduleSetup.reassign.modeReschedule")} data-testid="reassign-mode-reschedule" />
                </Stack>
              </Radio.Group>
              {mode === "move" ? (
                <NativeSelect
                  label={t("scheduleSetup.reassign.target")}
                  value={target}
                  onChange={(e) => {
                    setTarget(e.currentTarget.value);
                    clear("to_provider_id");
                  }}
                  data={[
                    { value: "", label: t("scheduleSetup.chooseProvider") },
                    ...others.map((p) => ({ value: p.id, label: p.display_name })),
                  ]}
                  error={errorOf("to_provider_id")}
                  errorProps={{ "data-testid": "reassign-target-error" }}
                  withAsterisk
                  w={320}
                  data-testid="reassign-target"
                />
              ) : null}
              <Checkbox
                label={t("scheduleSetup.reassign.recordLeave")}
                checked={recordLeave}
                onChange={(e) => setRecordLeave(e.currentTarget.checked)}
                error={errorOf("record_leave")}
                data-testid="reassign-record-leave"
              />
              <TextInput
                label={t("scheduleSetup.reassign.reason")}
                description={t("scheduleSetup.reassign.reasonHelp")}
                value={reason}
                onChange={(e) => {
                  setReason(e.currentTarget.value);
                  clear("reason");
                }}
                error={errorOf("reason")}
                errorProps={{ "data-testid": "reassign-reason-error" }}
                withAsterisk
                aria-required
                autoComplete="off"
                data-testid="reassign-reason"
              />
              <div>
                <Button type="submit" color="orange" loading={run.isPending} data-testid="reassign-submit">
                  {run.isPending ? t("scheduleSetup.reassign.running") : t("scheduleSetup.reassign.submit")}
                </Button>
              </div>
            </Stack>
          </form>
        </Paper>
      )}
    </Stack>
  );
}

// One provider's weekly hours: Monday to Sunday, each with its periods (start and end
// as HH:MM clinic time, working time or a break, optional room), rows added and removed
// per day, and "Copy Monday to weekdays". Save sends the whole week with the version it
// was loaded at. Times are checked here first; the shell's `periods.<i>.<field>` errors
// show on the row that was i-th in the request, input kept; a conflict offers a reload.
import { Alert, Button, Fieldset, Group, NativeSelect, Stack, Text, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { PeriodKind } from "../../bindings/PeriodKind";
import type { ProviderHours } from "../../bindings/ProviderHours";
import type { Room } from "../../bindings/Room";
import type { SetProviderHours } from "../../bindings/SetProviderHours";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { setProviderHours } from "../schedule/api";
import {
  addPeriod,
  checkWeek,
  copyMondayToWeekdays,
  periodErrors,
  periodsFromWeek,
  removePeriod,
  rowKey,
  updatePeriod,
  weekFromPeriods,
  WEEKDAYS,
  type PeriodDraft,
  type PeriodField,
  type WeekDraft,
  type Weekday,
  type WeekProblems,
} from "./model";
import { SetupError } from "./SetupError";

type Props = {
  hours: ProviderHours;
  rooms: Room[];
  canEdit: boolean;
  onEdited: () => void;
  onSaved: (hours: ProviderHours) => void;
  onReload: () => void;
};

const KINDS: PeriodKind[] = ["work", "break"];
const DAY_KEY = { 1: "mon", 2: "tue", 3: "wed", 4: "thu", 5: "fri", 6: "sat", 7: "sun" } as const satisfies Record<Weekday, string>;

export function WeekEditor({ hours, rooms, canEdit, onEdited, onSaved, onReload }: Props) {
  const { t } = useTranslation();
  const [week, setWeek] = useState<WeekDraft>(() => weekFromPeriods(hours.periods));
  const [local, setLocal] = useState<WeekProblems>(() => new Map());
  // Row keys in the order they were sent, to place the shell's `periods.<i>` errors.
  const [sent, setSent] = useState<string[]>([]);
  // Server errors of fields edited since (`<row>.<field>`), no longer shown.
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(() => new Set());

  const save = useMutation<ProviderHours, UiError, SetProviderHours>({
    mutationFn: (r) => setProviderHours(r).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: onSaved,
  });
  const server = periodErrors(save.error, sent);

  /** Adding, removing or copying rows moves them: earlier errors no longer apply. */
  const restructure = (next: WeekDraft) => {
    setWeek(next);
    setLocal(new Map());
    save.reset();
    onEdited();
  };
  const edit = (day: Weekday, index: number, field: PeriodField, change: Partial<PeriodDraft>) => {
    const key = rowKey(day, index);
    setWeek((w) => updatePeriod(w, day, index, change));
    setLocal((prev) => {
      const row = prev.get(key);
      if (!row) return prev;
      const next = new Map(prev);
      next.set(key, { ...row, [field]: undefined });
      return next;
    });
    setDismissed((prev) => new Set(prev).add(`${key}.${field}`));
    onEdited();
  };
  const errorOf = (key: string, field: PeriodField): string | undefined => {
    const problem = field === "start" || field === "end" ? local.get(key)?.[field] : undefined;
    if (problem) return t(`scheduleSetup.hours.problem.${problem}`);
    return dismissed.has(`${key}.${field}`) ? undefined : server.byRow.get(key)?.[field];
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!canEdit || save.isPending) return;
    const problems = checkWeek(week);
    setLocal(problems);
    if (problems.size > 0) {
      save.reset();
      return;
    }
    const { periods, rows } = periodsFromWeek(week);
    setSent(rows);
    setDismissed(new Set());
    save.mutate({ provider_id: hours.provider_id, expected_version: hours.version, periods });
  };

  const roomOptions = (current: string) => [
    { value: "", label: t("scheduleSetup.hours.noRoom") },
    ...rooms.filter((r) => r.active || r.id === current).map((r) => ({ value: r.id, label: r.name })),
  ];

  return (
    <form onSubmit={onSubmit} noValidate aria-busy={save.isPending} data-testid="hours-editor">
      <Stack gap="sm">
        {hours.version === 0 ? (
          <Text size="sm" c="dimmed" data-testid="hours-never-set">
            {t("scheduleSetup.hours.neverSet")}
          </Text>
        ) : null}
        {local.size > 0 ? (
          <Alert color="red" role="alert" data-testid="hours-problems">
            {t("scheduleSetup.hours.fixFirst")}
          </Alert>
        ) : null}
        {server.rest ? <SetupError error={server.rest} testId="hours-error" onReload={onReload} /> : null}
        {WEEKDAYS.map((day) => {
          const dayName = t(`scheduleSetup.weekday.${DAY_KEY[day]}`);
          return (
            <Fieldset key={day} legend={dayName} data-testid={`hours-day-${day}`} disabled={save.isPending}>
              <Stack gap="xs">
                {week[day].length === 0 ? (
                  <Text size="sm" c="dimmed" data-testid={`hours-day-${day}-empty`}>
                    {t("scheduleSetup.hours.notWorking")}
                  </Text>
                ) : null}
                {week[day].map((p, i) => {
                  const key = rowKey(day, i);
                  const id = `hours-period-${day}-${i}`;
                  const label = (what: string) => t("scheduleSetup.hours.fieldOf", { day: dayName, n: i + 1, what });
                  const rowError = server.byRow.get(key)?.row;
                  return (
                    <Stack key={i} gap={2} data-testid={id}>
                      <Group align="flex-start" gap="xs" wrap="wrap">
                        {(["start", "end"] as const).map((f) => (
                          <TextInput
                            key={f}
                            aria-label={label(t(`scheduleSetup.hours.${f}`))}
                            placeholder="HH:MM"
                            value={p[f]}
                            onChange={(e) => edit(day, i, f, { [f]: e.currentTarget.value })}
                            disabled={!canEdit}
                            error={errorOf(key, f)}
                            errorProps={{ "data-testid": `${id}-${f}-error` }}
                            inputMode="numeric"
                            autoComplete="off"
                            w={110}
                            data-testid={`${id}-${f}`}
                          />
                        ))}
                        <NativeSelect
                          aria-label={label(t("scheduleSetup.hours.kind"))}
                          value={p.kind}
                          onChange={(e) => {
                            const kind = KINDS.find((k) => k === e.currentTarget.value);
                            if (kind) edit(day, i, "kind", { kind });
                          }}
                          data={KINDS.map((k) => ({ value: k, label: t(`scheduleSetup.periodKind.${k}`) }))}
                          disabled={!canEdit}
                          error={errorOf(key, "kind")}
                          data-testid={`${id}-kind`}
                        />
                        {rooms.length > 0 || p.room !== "" ? (
                          <NativeSelect
                            aria-label={label(t("scheduleSetup.hours.room"))}
                            value={p.room}
                            onChange={(e) => edit(day, i, "room_id", { room: e.currentTarget.value })}
                            data={roomOptions(p.room)}
                            disabled={!canEdit}
                            error={errorOf(key, "room_id")}
                            errorProps={{ "data-testid": `${id}-room-error` }}
                            data-testid={`${id}-room`}
                          />
                        ) : null}
                        {canEdit ? (
                          <Button
                            variant="subtle"
                            color="red"
                            onClick={() => restructure(removePeriod(week, day, i))}
                            aria-label={t("scheduleSetup.hours.removeOf", { day: dayName, n: i + 1 })}
                            data-testid={`${id}-remove`}
                          >
                            {t("scheduleSetup.remove")}
                          </Button>
                        ) : null}
                      </Group>
                      {rowError ? (
                        <Text size="xs" c="red" role="alert" data-testid={`${id}-error`}>
                          {rowError}
                        </Text>
                      ) : null}
                    </Stack>
                  );
                })}
                {canEdit ? (
                  <Group>
                    <Button
                      size="xs"
                      variant="light"
                      onClick={() => restructure(addPeriod(week, day))}
                      aria-label={t("scheduleSetup.hours.addOn", { day: dayName })}
                      data-testid={`hours-day-${day}-add`}
                    >
                      {t("scheduleSetup.hours.add")}
                    </Button>
                  </Group>
                ) : null}
              </Stack>
            </Fieldset>
          );
        })}
        {canEdit ? (
          <Group>
            <Button
              variant="default"
              onClick={() => restructure(copyMondayToWeekdays(week))}
              disabled={save.isPending}
              data-testid="hours-copy-monday"
            >
              {t("scheduleSetup.hours.copyMonday")}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="hours-save">
              {save.isPending ? t("scheduleSetup.saving") : t("scheduleSetup.hours.save")}
            </Button>
          </Group>
        ) : null}
      </Stack>
    </form>
  );
}

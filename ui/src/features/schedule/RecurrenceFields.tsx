// The booking dialog's "Repeat this appointment" part: a toggle, then every N weeks or
// months and how many appointments in all (2–24). Values are kept as typed; `toRecurrence`
// checks them.
import { Checkbox, Group, NativeSelect, TextInput } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Recurrence } from "../../bindings/Recurrence";
import type { RecurrenceUnit } from "../../bindings/RecurrenceUnit";

export type RepeatValues = { on: boolean; unit: RecurrenceUnit; interval: string; count: string };
export const initialRepeat: RepeatValues = { on: false, unit: "week", interval: "1", count: "2" };

type RepeatErrors = { interval?: string; count?: string; unit?: string };

const wholeIn = (s: string, lo: number, hi: number): number | null => {
  if (!/^\d+$/.test(s.trim())) return null;
  const n = Number(s.trim());
  return n >= lo && n <= hi ? n : null;
};

/** The recurrence to send (null when off), or which inputs are out of range. */
export function toRecurrence(v: RepeatValues): { recurrence: Recurrence | null; problems: ("interval" | "count")[] } {
  if (!v.on) return { recurrence: null, problems: [] };
  const interval = wholeIn(v.interval, 1, 12);
  const count = wholeIn(v.count, 2, 24);
  const problems: ("interval" | "count")[] = [];
  if (interval === null) problems.push("interval");
  if (count === null) problems.push("count");
  if (interval === null || count === null) return { recurrence: null, problems };
  return { recurrence: { unit: v.unit, interval, count }, problems };
}

type Props = {
  value: RepeatValues;
  onChange: (v: RepeatValues) => void;
  errors: RepeatErrors;
  disabled?: boolean;
};

export function RecurrenceFields({ value, onChange, errors, disabled }: Props) {
  const { t } = useTranslation();
  const set = (patch: Partial<RepeatValues>) => onChange({ ...value, ...patch });
  return (
    <div>
      <Checkbox
        label={t("schedule.booking.recurrence")}
        checked={value.on}
        onChange={(e) => set({ on: e.currentTarget.checked })}
        disabled={disabled}
        data-testid="booking-recurrence-toggle"
      />
      {value.on ? (
        <Group align="flex-start" gap="sm" mt="xs">
          <TextInput
            label={t("schedule.booking.interval")}
            description={t("schedule.booking.intervalHelp")}
            value={value.interval}
            onChange={(e) => set({ interval: e.currentTarget.value })}
            error={errors.interval}
            inputMode="numeric"
            autoComplete="off"
            disabled={disabled}
            data-testid="booking-recurrence-interval"
          />
          <NativeSelect
            label={t("schedule.booking.unit")}
            value={value.unit}
            onChange={(e) => set({ unit: e.currentTarget.value as RecurrenceUnit })}
            data={[
              { value: "week", label: t("schedule.booking.everyWeek") },
              { value: "month", label: t("schedule.booking.everyMonth") },
            ]}
            error={errors.unit}
            disabled={disabled}
            data-testid="booking-recurrence-unit"
          />
          <TextInput
            label={t("schedule.booking.count")}
            description={t("schedule.booking.countHelp")}
            value={value.count}
            onChange={(e) => set({ count: e.currentTarget.value })}
            error={errors.count}
            inputMode="numeric"
            autoComplete="off"
            disabled={disabled}
            data-testid="booking-recurrence-count"
          />
        </Group>
      ) : null}
    </div>
  );
}

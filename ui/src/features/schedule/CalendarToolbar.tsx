// The calendar's toolbar: previous / today / next, a clinic date typed as YYYY-MM-DD,
// Day / Week, the providers shown (several for a day, one for a week) and "New appointment".
import { Button, Group, MultiSelect, NativeSelect, TextInput } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Provider } from "../../bindings/Provider";
import type { StaffId } from "../../bindings/StaffId";
import { isIsoDate } from "../patients/form/validation";

export type View = "day" | "week";

type Props = {
  view: View;
  onView: (v: View) => void;
  /** The first date shown ("" while not yet known). */
  date: string;
  onDate: (d: string) => void;
  onStep: (direction: -1 | 1) => void;
  onToday: () => void;
  providers: Provider[];
  dayProviders: StaffId[];
  onDayProviders: (ids: StaffId[]) => void;
  weekProvider: StaffId | null;
  onWeekProvider: (id: StaffId) => void;
  onNew: () => void;
};

export function CalendarToolbar(p: Props) {
  const { t } = useTranslation();
  const [text, setText] = useState(p.date);
  // The date moved (buttons, data arrived): show it.
  const [seen, setSeen] = useState(p.date);
  if (seen !== p.date) {
    setSeen(p.date);
    setText(p.date);
  }
  const invalid = text.trim().length >= 10 && !isIsoDate(text.trim());

  return (
    <Group align="flex-end" gap="sm" wrap="wrap">
      <Button.Group>
        <Button variant="default" onClick={() => p.onStep(-1)} disabled={!p.date} data-testid="calendar-prev">
          {t("schedule.calendar.prev")}
        </Button>
        <Button variant="default" onClick={p.onToday} data-testid="calendar-today">
          {t("schedule.calendar.today")}
        </Button>
        <Button variant="default" onClick={() => p.onStep(1)} disabled={!p.date} data-testid="calendar-next">
          {t("schedule.calendar.next")}
        </Button>
      </Button.Group>
      <TextInput
        label={t("schedule.calendar.date")}
        placeholder="YYYY-MM-DD"
        value={text}
        onChange={(e) => {
          const v = e.currentTarget.value;
          setText(v);
          if (isIsoDate(v.trim())) p.onDate(v.trim());
        }}
        error={invalid ? t("schedule.calendar.dateFormat") : undefined}
        w="9rem"
        autoComplete="off"
        spellCheck={false}
        data-testid="calendar-date-input"
      />
      <Button.Group aria-label={t("schedule.calendar.view")}>
        {(["day", "week"] as const).map((v) => (
          <Button
            key={v}
            variant={p.view === v ? "filled" : "default"}
            aria-pressed={p.view === v}
            onClick={() => p.onView(v)}
            data-testid={`calendar-view-${v}`}
          >
            {t(`schedule.calendar.${v}`)}
          </Button>
        ))}
      </Button.Group>
      {p.view === "day" ? (
        <MultiSelect
          label={t("schedule.calendar.providers")}
          placeholder={p.dayProviders.length ? undefined : t("schedule.calendar.allProviders")}
          data={p.providers.map((x) => ({ value: x.id, label: x.display_name }))}
          value={p.dayProviders}
          onChange={p.onDayProviders}
          clearable
          searchable
          miw="14rem"
          data-testid="calendar-provider-select"
        />
      ) : (
        <NativeSelect
          label={t("schedule.calendar.provider")}
          data={p.providers.map((x) => ({ value: x.id, label: x.display_name }))}
          value={p.weekProvider ?? ""}
          onChange={(e) => p.onWeekProvider(e.currentTarget.value)}
          data-testid="calendar-provider-select"
        />
      )}
      <Button ml="auto" onClick={p.onNew} data-testid="booking-open">
        {t("schedule.calendar.newAppointment")}
      </Button>
    </Group>
  );
}

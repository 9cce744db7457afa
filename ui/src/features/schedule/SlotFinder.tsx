// The free-slot search shared by booking and rescheduling: a start date ("" = today), how
// far ahead (14/30/90 days) and a "Find slots" button; the next 20 free slots as a list
// moved through with ↑/↓ and picked with Enter or a click. The owner keeps the search
// (`useSlotSearch`) so it can run it again, e.g. after `slot_taken`.
import { Button, Group, NativeSelect, Text, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useRef, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import type { AppointmentTypeId } from "../../bindings/AppointmentTypeId";
import type { FindSlots } from "../../bindings/FindSlots";
import type { Slot } from "../../bindings/Slot";
import type { StaffId } from "../../bindings/StaffId";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { isIsoDate } from "../patients/form/validation";
import { findSlots } from "./api";
import { formatClinicDate } from "./format";
import "./schedule.css";

export const SLOT_LIMIT = 20;
const RANGES = [14, 30, 90] as const;

export type SlotSearch = {
  from: string;
  setFrom: (v: string) => void;
  days: number;
  setDays: (v: number) => void;
  slots: Slot[] | undefined;
  pending: boolean;
  error: UiError | null;
  fromError: boolean;
  /** Searches for this type and provider (null: any); false when the date is malformed. */
  run: (typeId: AppointmentTypeId, providerId: StaffId | null) => boolean;
  /** Repeats the last search (nothing when there was none). */
  again: () => void;
  clear: () => void;
};

export function useSlotSearch(initialFrom = ""): SlotSearch {
  const [from, setFromState] = useState(initialFrom);
  const [days, setDays] = useState<number>(14);
  const [fromError, setFromError] = useState(false);
  const last = useRef<FindSlots | null>(null);
  const search = useMutation<Slot[], UiError, FindSlots>({
    mutationFn: (r) => findSlots(r).catch((e: unknown) => Promise.reject(toUiError(e))),
  });
  const run = (typeId: AppointmentTypeId, providerId: StaffId | null) => {
    const date = from.trim();
    if (date !== "" && !isIsoDate(date)) {
      setFromError(true);
      return false;
    }
    const request: FindSlots = { provider_id: providerId, appointment_type_id: typeId, from: date, days, limit: SLOT_LIMIT };
    last.current = request;
    search.mutate(request);
    return true;
  };
  return {
    from,
    setFrom: (v) => {
      setFromState(v);
      setFromError(false);
    },
    days,
    setDays,
    slots: search.data,
    pending: search.isPending,
    error: search.error,
    fromError,
    run,
    again: () => {
      if (last.current) search.mutate(last.current);
    },
    clear: () => {
      last.current = null;
      search.reset();
    },
  };
}

type Props = {
  search: SlotSearch;
  onFind: () => void;
  canFind: boolean;
  picked: Slot | null;
  onPick: (slot: Slot) => void;
  /** Test ids: the find button, and the options' prefix (`<prefix>-<index>`). */
  findTestId: string;
  optionPrefix: string;
  disabled?: boolean;
};

export function SlotFinder({ search, onFind, canFind, picked, onPick, findTestId, optionPrefix, disabled }: Props) {
  const { t, i18n } = useTranslation();
  const [active, setActive] = useState(0);
  const listRef = useRef<HTMLUListElement>(null);
  const slots = search.slots ?? [];
  const pickedIndex = picked ? slots.findIndex((s) => s.starts_at === picked.starts_at && s.provider_id === picked.provider_id) : -1;

  const focusOption = (i: number) => {
    setActive(i);
    listRef.current?.querySelectorAll<HTMLElement>("[role=option]")[i]?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLLIElement>, i: number) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      focusOption(Math.min(slots.length - 1, i + 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      focusOption(Math.max(0, i - 1));
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      const s = slots[i];
      if (s) onPick(s);
    }
  };

  return (
    <div className="sched-slot-finder">
      <Group align="flex-end" gap="sm">
        <TextInput
          label={t("schedule.slots.from")}
          description={t("schedule.slots.fromHelp")}
          placeholder="YYYY-MM-DD"
          value={search.from}
          onChange={(e) => search.setFrom(e.currentTarget.value)}
          onKeyDown={(e) => {
            // Enter searches (it must not submit the surrounding form).
            if (e.key === "Enter") {
              e.preventDefault();
              if (canFind && !disabled) onFind();
            }
          }}
          error={search.fromError ? t("schedule.calendar.dateFormat") : undefined}
          autoComplete="off"
          spellCheck={false}
          disabled={disabled}
          data-testid={`${findTestId}-from`}
        />
        <NativeSelect
          label={t("schedule.slots.range")}
          value={String(search.days)}
          onChange={(e) => search.setDays(Number(e.currentTarget.value))}
          data={RANGES.map((d) => ({ value: String(d), label: t("schedule.slots.days", { count: d }) }))}
          disabled={disabled}
          data-testid={`${findTestId}-days`}
        />
        <Button
          variant="light"
          onClick={onFind}
          disabled={!canFind || disabled}
          loading={search.pending}
          data-testid={findTestId}
        >
          {t("schedule.slots.find")}
        </Button>
      </Group>
      {search.error ? (
        <ErrorAlert error={search.error} testId={`${findTestId}-error`} title={t("schedule.slots.errorTitle")} />
      ) : null}
      {search.slots && slots.length === 0 ? (
        <Text size="sm" c="dimmed" mt="xs" data-testid={`${findTestId}-none`}>
          {t("schedule.slots.none")}
        </Text>
      ) : null}
      {slots.length > 0 ? (
        <>
          <Text size="xs" c="dimmed" mt="xs">
            {t("schedule.slots.listHelp")}
          </Text>
          <ul ref={listRef} role="listbox" aria-label={t("schedule.slots.listLabel")} className="sched-options sched-slots">
            {slots.map((s, i) => (
              <li
                key={`${s.provider_id}-${s.starts_at}`}
                role="option"
                aria-selected={i === pickedIndex}
                tabIndex={i === (pickedIndex >= 0 ? pickedIndex : active) ? 0 : -1}
                className="sched-option"
                data-picked={i === pickedIndex || undefined}
                data-testid={`${optionPrefix}-${i}`}
                data-starts-at={s.starts_at}
                onClick={() => {
                  setActive(i);
                  onPick(s);
                }}
                onKeyDown={(e) => onKeyDown(e, i)}
              >
                {t("schedule.slots.option", {
                  date: formatClinicDate(s.local_date, i18n.language),
                  time: s.local_time,
                  provider: s.provider_name,
                })}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

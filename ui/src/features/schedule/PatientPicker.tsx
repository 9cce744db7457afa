// Choosing a patient for a booking or the waitlist: a search box (`search_patients`,
// debounced, from 2 characters) with a list of matches (name, date of birth, MRN) picked
// with ↑/↓ and Enter or the mouse. A restricted record shows its MRN only. Typing over a
// chosen patient clears the choice.
import { Loader, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useId, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import type { PatientId } from "../../bindings/PatientId";
import type { PatientSummary } from "../../bindings/PatientSummary";
import { formatName } from "../patients/format";
import { searchKeys, searchPatients } from "../search/api";
import "./schedule.css";

export type PickedPatient = { id: PatientId; label: string };

type Props = {
  value: PickedPatient | null;
  onChange: (value: PickedPatient | null) => void;
  label: string;
  testId: string;
  /** A message shown under the box (e.g. a field error). */
  error?: string;
  disabled?: boolean;
};

const MIN_CHARS = 2;
const DEBOUNCE_MS = 200;
const PAGE_SIZE = 10;

export function PatientPicker({ value, onChange, label, testId, error, disabled }: Props) {
  const { t } = useTranslation();
  const listId = useId();
  const [text, setText] = useState(value?.label ?? "");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const typed = text.trim();
  const [settled] = useDebouncedValue(typed, DEBOUNCE_MS);
  const searching = open && settled.length >= MIN_CHARS && settled !== value?.label;

  const query = useQuery({
    queryKey: searchKeys.page(settled, 0, PAGE_SIZE),
    queryFn: () => searchPatients({ text: settled, page: 0, page_size: PAGE_SIZE }),
    enabled: searching,
  });
  const items = searching ? (query.data?.items ?? []) : [];
  const shown = searching && typed === settled;

  // A new value from outside (e.g. the form was reset) replaces the text.
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    if (value && value.label !== text) setText(value.label);
  }

  const labelOf = (p: PatientSummary) =>
    p.restricted
      ? t("schedule.picker.pickedRestricted", { mrn: p.mrn })
      : t("schedule.picker.picked", { name: formatName(p), mrn: p.mrn });

  const pick = (p: PatientSummary) => {
    const picked = { id: p.id, label: labelOf(p) };
    setSeen(picked);
    setText(picked.label);
    setOpen(false);
    onChange(picked);
  };

  const onType = (v: string) => {
    setText(v);
    setOpen(true);
    setActive(0);
    if (value) onChange(null);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (!shown || items.length === 0) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setActive((i) => Math.min(items.length - 1, i + 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((i) => Math.max(0, i - 1));
    } else if (e.key === "Enter") {
      e.preventDefault();
      const p = items[Math.min(active, items.length - 1)];
      if (p) pick(p);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };

  const optionId = (i: number) => `${listId}-${i}`;
  const expanded = shown && items.length > 0;

  return (
    <div className="sched-picker">
      <TextInput
        label={label}
        placeholder={t("schedule.picker.placeholder")}
        description={t("schedule.picker.hint")}
        value={text}
        onChange={(e) => onType(e.currentTarget.value)}
        onKeyDown={onKeyDown}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        error={error}
        disabled={disabled}
        autoComplete="off"
        spellCheck={false}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded ? optionId(active) : undefined}
        rightSection={searching && query.isFetching ? <Loader size="xs" aria-label={t("schedule.picker.searching")} /> : null}
        data-testid={testId}
      />
      {shown && query.isSuccess && items.length === 0 ? (
        <Text size="sm" c="dimmed" mt={4} data-testid={`${testId}-none`}>
          {t("schedule.picker.none")}
        </Text>
      ) : null}
      {shown && query.isError ? (
        <Text size="sm" c="red" mt={4} role="alert" data-testid={`${testId}-error`}>
          {t("schedule.picker.error")}
        </Text>
      ) : null}
      <ul id={listId} role="listbox" aria-label={t("schedule.picker.listLabel")} className="sched-options" hidden={!expanded}>
        {expanded
          ? items.map((p, i) => (
              <li
                key={p.id}
                id={optionId(i)}
                role="option"
                aria-selected={i === active}
                className="sched-option"
                data-active={i === active || undefined}
                data-testid={`patient-option-${p.id}`}
                // Keep the focus in the box while clicking.
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => pick(p)}
              >
                {p.restricted
                  ? t("schedule.picker.restricted", { mrn: p.mrn })
                  : t("schedule.picker.option", { name: formatName(p), dob: p.date_of_birth, mrn: p.mrn })}
              </li>
            ))
          : null}
      </ul>
    </div>
  );
}

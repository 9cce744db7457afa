// The "Record vitals" dialog: one row per common vital sign (value and unit, the unit
// from the catalogue's accepted units) and one optional time for the set. Empty rows are
// skipped; the rest are recorded all or nothing. The shell's `observations.<i>.<field>`
// errors show under the row they belong to, and every input stays as typed.
import { Button, Center, ComboboxChevron, Group, InputBase, Loader, Modal, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type ChangeEvent, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { NewObservation } from "../../bindings/NewObservation";
import type { Observation } from "../../bindings/Observation";
import type { ObservationCode } from "../../bindings/ObservationCode";
import type { PatientId } from "../../bindings/PatientId";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { ChartError } from "../chart/ChartError";
import { todayIso } from "../patients/form/validation";
import { recordObservations, resultsKeys } from "./api";
import { splitObservationErrors, toEffectiveAt, unitLabel, VITAL_ROWS } from "./model";
import { useObservationCodes } from "./useObservationCodes";

type Props = { patientId: PatientId; onClose: () => void; onDone: (saved: Observation[]) => void };

type Row = { value: string; unit: string };

export function RecordVitalsDialog({ patientId, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const codes = useObservationCodes();
  const rowsShown: ObservationCode[] = VITAL_ROWS.flatMap((code) => codes.data?.find((c) => c.code === code) ?? []);
  const [values, setValues] = useState<Record<string, Row>>({});
  const [time, setTime] = useState("");
  const [empty, setEmpty] = useState(false);
  // The codes sent, in order: the shell names its errors by position in this list.
  const [sent, setSent] = useState<string[]>([]);

  const save = useMutation<Observation[], UiError, NewObservation[]>({
    mutationFn: (observations) =>
      recordObservations({ patient_id: patientId, encounter_id: null, observations }).catch((e: unknown) =>
        Promise.reject(toUiError(e)),
      ),
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: resultsKeys.patient(patientId) });
      onDone(saved);
    },
  });

  const { rows: rowErrors, rest } = splitObservationErrors(save.error);
  const errorsOf = (code: string) => {
    const i = sent.indexOf(code);
    return i >= 0 ? (rowErrors.get(i) ?? {}) : {};
  };
  const timeError = [...rowErrors.values()].find((r) => r.effective_at)?.effective_at;

  const row = (c: ObservationCode): Row => values[c.code] ?? { value: "", unit: c.unit };
  const set = (c: ObservationCode, change: Partial<Row>) => {
    setValues((prev) => ({ ...prev, [c.code]: { ...row(c), ...change } }));
    setEmpty(false);
  };

  const close = () => {
    if (!save.isPending) onClose();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    const filled = rowsShown.filter((c) => row(c).value.trim() !== "");
    if (filled.length === 0) {
      setEmpty(true);
      save.reset();
      return;
    }
    const effectiveAt = toEffectiveAt(time, todayIso());
    setSent(filled.map((c) => c.code));
    save.mutate(
      filled.map((c) => ({
        code: c.code,
        value: row(c).value.trim(),
        unit: row(c).unit,
        effective_at: effectiveAt,
        source: "",
      })),
    );
  };

  let fields;
  if (codes.isPending) {
    fields = (
      <Center p="md">
        <Loader size="sm" aria-label={t("results.loading")} />
      </Center>
    );
  } else if (codes.isError) {
    fields = <ChartError error={toUiError(codes.error)} testId="vitals-codes-error" title={t("results.codesError")} />;
  } else {
    fields = (
      <div className="vitals-grid" role="group" aria-label={t("results.vitals.title")}>
        <div className="vitals-head" aria-hidden>
          <Text size="sm" fw={600}>
            {t("results.vitals.sign")}
          </Text>
          <Text size="sm" fw={600}>
            {t("results.vitals.value")}
          </Text>
          <Text size="sm" fw={600}>
            {t("results.vitals.unit")}
          </Text>
        </div>
        {rowsShown.map((c) => {
          const err = errorsOf(c.code);
          const message = [err.code, err.value, err.unit, err.source].filter(Boolean).join(" ");
          const inputId = `vitals-value-input-${c.code}`;
          const errorId = `vitals-error-text-${c.code}`;
          return (
            <div className="vitals-row" key={c.code} data-testid={`vitals-row-${c.code}`}>
              <label htmlFor={inputId} className="vitals-label">
                {c.display}
              </label>
              {/* InputBase with its own aria attributes: Mantine's would point at its own
                  (absent) error text, not at the row's message below. */}
              <InputBase
                withAria={false}
                id={inputId}
                value={row(c).value}
                onChange={(e) => set(c, { value: e.currentTarget.value })}
                error={Boolean(err.value || err.code)}
                aria-invalid={Boolean(err.value || err.code)}
                aria-describedby={message ? errorId : undefined}
                inputMode="decimal"
                autoComplete="off"
                data-autofocus={c.code === rowsShown[0]?.code ? true : undefined}
                data-testid={`vitals-value-${c.code}`}
              />
              <InputBase
                component="select"
                withAria={false}
                pointer
                rightSection={<ComboboxChevron error={Boolean(err.unit)} />}
                rightSectionPointerEvents="none"
                aria-label={t("results.vitals.unitOf", { what: c.display })}
                value={row(c).unit}
                onChange={(e: ChangeEvent<HTMLSelectElement>) => set(c, { unit: e.currentTarget.value })}
                error={Boolean(err.unit)}
                aria-invalid={Boolean(err.unit)}
                aria-describedby={err.unit ? errorId : undefined}
                data-testid={`vitals-unit-${c.code}`}
              >
                {c.accepted_units.map((u) => (
                  <option key={u} value={u}>
                    {unitLabel(u)}
                  </option>
                ))}
              </InputBase>
              {message ? (
                <Text size="sm" c="red.9" id={errorId} className="vitals-row-error" data-testid={`vitals-error-${c.code}`}>
                  {message}
                </Text>
              ) : null}
            </div>
          );
        })}
      </div>
    );
  }

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={close}
      title={t("results.vitals.title")}
      size="lg"
      closeButtonProps={{ "aria-label": t("results.dialog.cancel") }}
    >
      <form onSubmit={onSubmit} noValidate data-testid="vitals-dialog" aria-busy={save.isPending}>
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {t("results.vitals.help")}
          </Text>
          {rest ? <ChartError error={rest} testId="vitals-save-error" title={t("results.dialog.errorTitle")} /> : null}
          {empty ? (
            <Text size="sm" c="red.9" role="alert" data-testid="vitals-empty">
              {t("results.vitals.empty")}
            </Text>
          ) : null}
          {fields}
          <TextInput
            label={t("results.vitals.time")}
            description={t("results.vitals.timeHelp")}
            placeholder="YYYY-MM-DD HH:MM"
            value={time}
            onChange={(e) => setTime(e.currentTarget.value)}
            error={timeError}
            errorProps={{ "data-testid": "vitals-error-time" }}
            autoComplete="off"
            spellCheck={false}
            data-testid="vitals-time"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={save.isPending} data-testid="vitals-cancel">
              {t("results.dialog.cancel")}
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!codes.isSuccess} data-testid="vitals-save">
              {save.isPending ? t("results.dialog.saving") : t("results.dialog.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

// The "Add result" dialog for one laboratory value: the test (catalogue's laboratory
// codes), value, unit (the test's accepted units), collection date (YYYY-MM-DD, today by
// default; today is sent as "now") and source (the lab). The test and value are required
// and the date's format is checked here; the shell's field errors show under their inputs, input kept.
import { Button, Center, Group, Loader, Modal, NativeSelect, Stack, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { NewObservation } from "../../bindings/NewObservation";
import type { Observation } from "../../bindings/Observation";
import type { PatientId } from "../../bindings/PatientId";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { ChartError } from "../chart/ChartError";
import { isIsoDate, todayIso } from "../patients/form/validation";
import { recordObservations, resultsKeys } from "./api";
import { codesOf, splitObservationErrors, toEffectiveAt, unitLabel, type ObservationField } from "./model";
import { useObservationCodes } from "./useObservationCodes";

type Props = { patientId: PatientId; onClose: () => void; onDone: (saved: Observation[]) => void };

type Field = "code" | "value" | "unit" | "date" | "source";
type Values = Record<Field, string>;

/** The shell's field name (of `observations.0.<field>`) for each input. */
const SHELL_FIELD: Record<Field, ObservationField> = {
  code: "code",
  value: "value",
  unit: "unit",
  date: "effective_at",
  source: "source",
};

export function AddResultDialog({ patientId, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const codes = useObservationCodes();
  const labs = codesOf(codes.data ?? [], "laboratory");
  const [values, setValues] = useState<Values>(() => ({ code: "", value: "", unit: "", date: todayIso(), source: "" }));
  const [localErrors, setLocalErrors] = useState<Partial<Record<Field, string>>>({});

  const save = useMutation<Observation[], UiError, NewObservation>({
    mutationFn: (o) =>
      recordObservations({ patient_id: patientId, encounter_id: null, observations: [o] }).catch((e: unknown) =>
        Promise.reject(toUiError(e)),
      ),
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: resultsKeys.patient(patientId) });
      onDone(saved);
    },
  });

  const { rows, rest } = splitObservationErrors(save.error);
  const server = rows.get(0) ?? {};
  const errorOf = (f: Field): string | undefined => localErrors[f] ?? server[SHELL_FIELD[f]];
  const chosen = labs.find((c) => c.code === values.code);

  const set = (f: Field, v: string) => {
    setValues((prev) => {
      const next = { ...prev, [f]: v };
      // A new test brings its own units: keep the typed unit only when the test accepts it.
      if (f === "code") {
        const code = labs.find((c) => c.code === v);
        if (!code?.accepted_units.includes(prev.unit)) next.unit = code?.unit ?? "";
      }
      return next;
    });
    setLocalErrors((prev) => ({ ...prev, [f]: undefined }));
  };

  const close = () => {
    if (!save.isPending) onClose();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    const problems: Partial<Record<Field, string>> = {};
    if (!chosen) problems.code = t("results.result.chooseTest");
    if (values.value.trim() === "") problems.value = t("results.result.valueRequired");
    const date = values.date.trim();
    if (date !== "" && !isIsoDate(date)) problems.date = t("results.result.dateFormat");
    setLocalErrors(problems);
    if (Object.keys(problems).length > 0) {
      save.reset();
      return;
    }
    save.mutate({
      code: values.code,
      value: values.value.trim(),
      unit: values.unit,
      effective_at: toEffectiveAt(date, todayIso()),
      source: values.source.trim(),
    });
  };

  const common = (f: Field) => ({
    value: values[f],
    error: errorOf(f),
    errorProps: { "data-testid": `result-error-${f}` },
    "data-testid": `result-${f}`,
  });

  let fields;
  if (codes.isPending) {
    fields = (
      <Center p="md">
        <Loader size="sm" aria-label={t("results.loading")} />
      </Center>
    );
  } else if (codes.isError) {
    fields = <ChartError error={toUiError(codes.error)} testId="result-codes-error" title={t("results.codesError")} />;
  } else {
    fields = (
      <div className="form-grid">
        <NativeSelect
          {...common("code")}
          label={t("results.result.code")}
          onChange={(e) => set("code", e.currentTarget.value)}
          data={[
            { value: "", label: t("results.result.choose") },
            ...labs.map((c) => ({ value: c.code, label: c.display })),
          ]}
          withAsterisk
          aria-required
          data-autofocus
        />
        <TextInput
          {...common("value")}
          label={t("results.result.value")}
          onChange={(e) => set("value", e.currentTarget.value)}
          inputMode="decimal"
          autoComplete="off"
          withAsterisk
          aria-required
        />
        <NativeSelect
          {...common("unit")}
          label={t("results.result.unit")}
          onChange={(e) => set("unit", e.currentTarget.value)}
          data={
            chosen ? chosen.accepted_units.map((u) => ({ value: u, label: unitLabel(u) })) : [{ value: "", label: "—" }]
          }
          disabled={!chosen}
        />
        <TextInput
          {...common("date")}
          label={t("results.result.date")}
          description={t("results.result.dateHelp")}
          onChange={(e) => set("date", e.currentTarget.value)}
          placeholder="YYYY-MM-DD"
          inputMode="numeric"
          autoComplete="off"
          spellCheck={false}
        />
        <TextInput
          {...common("source")}
          className="form-grid-wide"
          label={t("results.result.source")}
          description={t("results.result.sourceHelp")}
          onChange={(e) => set("source", e.currentTarget.value)}
          autoComplete="off"
        />
      </div>
    );
  }

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={close}
      title={t("results.result.title")}
      size="lg"
      closeButtonProps={{ "aria-label": t("results.dialog.cancel") }}
    >
      <form onSubmit={onSubmit} noValidate data-testid="result-dialog" aria-busy={save.isPending}>
        <Stack gap="sm">
          {rest ? <ChartError error={rest} testId="result-save-error" title={t("results.dialog.errorTitle")} /> : null}
          {fields}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={save.isPending} data-testid="result-cancel">
              {t("results.dialog.cancel")}
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!codes.isSuccess} data-testid="result-save">
              {save.isPending ? t("results.dialog.saving") : t("results.dialog.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

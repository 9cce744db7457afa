// The "New visit" dialog: the type of contact (native select), the reason and when the
// visit started (a local date "YYYY-MM-DD" and time "HH:MM", typed; now by default). A
// start left as it was opened is sent empty, so the shell stamps the actual moment of
// saving; a changed one goes as RFC 3339 in UTC. An unreadable date or time is said under
// the inputs without a round trip; the shell's field errors (a start too far in the
// future included) show under their inputs; the input stays on any error.
import { Button, Group, Input, Modal, NativeSelect, Stack, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Encounter } from "../../bindings/Encounter";
import type { EncounterType } from "../../bindings/EncounterType";
import type { PatientId } from "../../bindings/PatientId";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { splitErrors } from "../admin/format";
import { ChartError } from "../chart/ChartError";
import { createEncounter, notesKeys } from "./api";
import {
  ENCOUNTER_TYPES,
  isEncounterType,
  localStarted,
  startedToRfc3339,
  type StartedProblem,
  type StartedValues,
} from "./model";

type Props = {
  patientId: PatientId;
  onClose: () => void;
  onDone: (encounter: Encounter) => void;
};

export function EncounterDialog({ patientId, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [type, setType] = useState<EncounterType>("office_visit");
  const [reason, setReason] = useState("");
  const [opened] = useState<StartedValues>(() => localStarted());
  const [started, setStarted] = useState<StartedValues>(opened);
  const [problem, setProblem] = useState<StartedProblem | null>(null);
  const startedId = useId();

  const save = useMutation<Encounter, UiError, string>({
    mutationFn: (startedAt) =>
      createEncounter({ patient_id: patientId, type, reason: reason.trim(), started_at: startedAt }).catch(
        (e: unknown) => Promise.reject(toUiError(e)),
      ),
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: notesKeys.patient(patientId) });
      onDone(saved);
    },
  });
  const server = splitErrors(save.error, ["type", "reason", "started_at"]);
  const startedError = problem
    ? t(problem === "date" ? "notes.encounterDialog.startedDateInvalid" : "notes.encounterDialog.startedTimeInvalid")
    : server.byField.started_at;

  const setStart = (field: keyof StartedValues, value: string) => {
    setProblem(null);
    setStarted((s) => ({ ...s, [field]: value }));
  };

  const close = () => {
    if (!save.isPending) onClose();
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    if (started.date === opened.date && started.time === opened.time) {
      save.mutate("");
      return;
    }
    const at = startedToRfc3339(started);
    if ("problem" in at) {
      setProblem(at.problem);
      return;
    }
    save.mutate(at.ok);
  };

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={close}
      title={t("notes.encounterDialog.title")}
      closeButtonProps={{ "aria-label": t("notes.encounterDialog.cancel") }}
    >
      <form onSubmit={onSubmit} noValidate data-testid="encounter-dialog" aria-busy={save.isPending}>
        <Stack gap="sm">
          {server.rest ? (
            <ChartError error={server.rest} testId="encounter-error" title={t("notes.encounterDialog.errorTitle")} />
          ) : null}
          <NativeSelect
            label={t("notes.encounterDialog.type")}
            value={type}
            onChange={(e) => {
              const next = e.currentTarget.value;
              if (isEncounterType(next)) setType(next);
            }}
            data={ENCOUNTER_TYPES.map((v) => ({ value: v, label: t(`notes.type.${v}`) }))}
            error={server.byField.type}
            errorProps={{ "data-testid": "encounter-error-type" }}
            data-testid="encounter-type"
          />
          <TextInput
            label={t("notes.encounterDialog.reason")}
            description={t("notes.encounterDialog.reasonHelp")}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={server.byField.reason}
            errorProps={{ "data-testid": "encounter-error-reason" }}
            autoComplete="off"
            data-autofocus
            data-testid="encounter-reason"
          />
          <Input.Wrapper
            label={t("notes.encounterDialog.started")}
            labelElement="div"
            labelProps={{ id: `${startedId}-label` }}
            description={t("notes.encounterDialog.startedHelp")}
            descriptionProps={{ id: `${startedId}-help` }}
            error={startedError}
            errorProps={{ id: `${startedId}-error`, "data-testid": "encounter-started-error" }}
          >
            <Group gap="xs" wrap="nowrap" align="flex-start" role="group" aria-labelledby={`${startedId}-label`}>
              <TextInput
                aria-label={t("notes.encounterDialog.startedDate")}
                aria-describedby={startedError ? `${startedId}-error ${startedId}-help` : `${startedId}-help`}
                value={started.date}
                onChange={(e) => setStart("date", e.currentTarget.value)}
                error={startedError && problem !== "time" ? true : undefined}
                placeholder="YYYY-MM-DD"
                inputMode="numeric"
                autoComplete="off"
                spellCheck={false}
                w="9rem"
                data-testid="encounter-started-date"
              />
              <TextInput
                aria-label={t("notes.encounterDialog.startedTime")}
                aria-describedby={startedError ? `${startedId}-error ${startedId}-help` : `${startedId}-help`}
                value={started.time}
                onChange={(e) => setStart("time", e.currentTarget.value)}
                error={startedError && problem !== "date" ? true : undefined}
                placeholder="HH:MM"
                inputMode="numeric"
                autoComplete="off"
                spellCheck={false}
                w="6rem"
                data-testid="encounter-started-time"
              />
            </Group>
          </Input.Wrapper>
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={save.isPending} data-testid="encounter-cancel">
              {t("notes.encounterDialog.cancel")}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="encounter-save">
              {save.isPending ? t("notes.encounterDialog.saving") : t("notes.encounterDialog.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

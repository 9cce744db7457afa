// Adding leave, a holiday or another closure: for one provider or the whole clinic, from
// a first to a last day (clinic dates, inclusive), with a note. Dates are checked here
// (YYYY-MM-DD, last not before first); the shell's field errors show under their inputs.
import { Button, Group, Modal, NativeSelect, Stack, TextInput, Textarea } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { AddScheduleException } from "../../bindings/AddScheduleException";
import type { ExceptionKind } from "../../bindings/ExceptionKind";
import type { Provider } from "../../bindings/Provider";
import type { ScheduleException } from "../../bindings/ScheduleException";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { addScheduleException } from "../schedule/api";
import { isIsoDate, splitFieldErrors } from "./model";
import { SetupError } from "./SetupError";

type Props = { today: string; providers: Provider[]; onClose: () => void; onSaved: (x: ScheduleException) => Promise<void> };
type Field = "provider_id" | "starts_on" | "ends_on" | "kind" | "note";
const FIELDS: Field[] = ["provider_id", "starts_on", "ends_on", "kind", "note"];
const KINDS: ExceptionKind[] = ["leave", "holiday", "other"];
const TEST_ID: Record<Field, string> = {
  provider_id: "exception-provider",
  starts_on: "exception-starts",
  ends_on: "exception-ends",
  kind: "exception-kind",
  note: "exception-note",
};

export function ExceptionDialog({ today, providers, onClose, onSaved }: Props) {
  const { t } = useTranslation();
  const [values, setValues] = useState<Record<Field, string>>({
    provider_id: "",
    starts_on: today,
    ends_on: today,
    kind: "leave",
    note: "",
  });
  const [local, setLocal] = useState<Partial<Record<Field, string>>>({});
  const save = useMutation<ScheduleException, UiError, AddScheduleException>({
    mutationFn: (r) => addScheduleException(r).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: onSaved,
  });
  const server = splitFieldErrors(save.error, FIELDS);
  const close = () => {
    if (!save.isPending) onClose();
  };
  const set = (f: Field, v: string) => {
    setValues((prev) => ({ ...prev, [f]: v }));
    setLocal((prev) => ({ ...prev, [f]: undefined }));
  };
  const common = (f: Field) => ({
    value: values[f],
    error: local[f] ?? server.byField[f],
    errorProps: { "data-testid": `${TEST_ID[f]}-error` },
    "data-testid": TEST_ID[f],
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    const starts = values.starts_on.trim();
    const ends = values.ends_on.trim();
    const problems: Partial<Record<Field, string>> = {};
    if (!isIsoDate(starts)) problems.starts_on = t("scheduleSetup.dateFormat");
    if (!isIsoDate(ends)) problems.ends_on = t("scheduleSetup.dateFormat");
    else if (isIsoDate(starts) && ends < starts) problems.ends_on = t("scheduleSetup.exceptions.endsBeforeStarts");
    const kind = KINDS.find((k) => k === values.kind);
    setLocal(problems);
    if (!kind || Object.keys(problems).length > 0) {
      save.reset();
      return;
    }
    save.mutate({ provider_id: values.provider_id || null, starts_on: starts, ends_on: ends, kind, note: values.note.trim() });
  };

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={close}
      title={t("scheduleSetup.exceptions.addTitle")}
      closeButtonProps={{ "aria-label": t("scheduleSetup.cancel") }}
    >
      <form onSubmit={onSubmit} noValidate data-testid="exception-dialog" aria-busy={save.isPending}>
        <Stack gap="sm">
          {server.rest ? <SetupError error={server.rest} testId="exception-save-error" /> : null}
          <NativeSelect
            {...common("provider_id")}
            label={t("scheduleSetup.exceptions.provider")}
            onChange={(e) => set("provider_id", e.currentTarget.value)}
            data={[
              { value: "", label: t("scheduleSetup.exceptions.wholeClinic") },
              ...providers.map((p) => ({ value: p.id, label: p.display_name })),
            ]}
            data-autofocus
          />
          <Group grow align="flex-start">
            <TextInput
              {...common("starts_on")}
              label={t("scheduleSetup.exceptions.starts")}
              placeholder="YYYY-MM-DD"
              onChange={(e) => set("starts_on", e.currentTarget.value)}
              autoComplete="off"
              withAsterisk
            />
            <TextInput
              {...common("ends_on")}
              label={t("scheduleSetup.exceptions.ends")}
              placeholder="YYYY-MM-DD"
              onChange={(e) => set("ends_on", e.currentTarget.value)}
              autoComplete="off"
              withAsterisk
            />
          </Group>
          <NativeSelect
            {...common("kind")}
            label={t("scheduleSetup.exceptions.kind")}
            onChange={(e) => set("kind", e.currentTarget.value)}
            data={KINDS.map((k) => ({ value: k, label: t(`scheduleSetup.exceptionKind.${k}`) }))}
          />
          <Textarea
            {...common("note")}
            label={t("scheduleSetup.exceptions.note")}
            onChange={(e) => set("note", e.currentTarget.value)}
            autosize
            minRows={2}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={save.isPending} data-testid="exception-cancel">
              {t("scheduleSetup.cancel")}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="exception-save">
              {save.isPending ? t("scheduleSetup.saving") : t("scheduleSetup.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

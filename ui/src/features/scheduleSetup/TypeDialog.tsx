// Adding or editing an appointment type: name, duration in minutes (5–480), colour
// (#rrggbb) and whether it can be booked. Checked here first; the shell's field errors
// show under their inputs (input kept); an edit conflict offers a reload.
import { Button, ColorInput, Group, Modal, NumberInput, Stack, Switch, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { AppointmentType } from "../../bindings/AppointmentType";
import type { SaveAppointmentType } from "../../bindings/SaveAppointmentType";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { saveAppointmentType } from "../schedule/api";
import { intInRange, isHexColour, splitFieldErrors } from "./model";
import { SetupError } from "./SetupError";

type Props = { type: AppointmentType | null; onClose: () => void; onSaved: (type: AppointmentType) => void };
type Field = "name" | "duration_minutes" | "colour" | "active";
const FIELDS: Field[] = ["name", "duration_minutes", "colour", "active"];
const TYPES_KEY = ["schedule", "types"] as const;

export function TypeDialog({ type, onClose, onSaved }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [name, setName] = useState(type?.name ?? "");
  const [duration, setDuration] = useState<string | number>(type?.duration_minutes ?? 15);
  const [colour, setColour] = useState(type?.colour ?? "#228be6");
  const [active, setActive] = useState(type?.active ?? true);
  const [local, setLocal] = useState<Partial<Record<Field, string>>>({});

  const save = useMutation<AppointmentType, UiError, SaveAppointmentType>({
    mutationFn: (r) => saveAppointmentType(r).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: TYPES_KEY });
      onSaved(saved);
    },
  });
  const server = splitFieldErrors(save.error, FIELDS);
  const errorOf = (f: Field) => local[f] ?? server.byField[f];
  const clear = (f: Field) => setLocal((prev) => ({ ...prev, [f]: undefined }));
  const close = () => {
    if (!save.isPending) onClose();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    const problems: Partial<Record<Field, string>> = {};
    if (name.trim() === "") problems.name = t("scheduleSetup.nameRequired");
    const minutes = intInRange(duration, 5, 480);
    if (minutes === null) problems.duration_minutes = t("scheduleSetup.types.durationRange");
    if (!isHexColour(colour)) problems.colour = t("scheduleSetup.types.colourFormat");
    setLocal(problems);
    if (minutes === null || Object.keys(problems).length > 0) {
      save.reset();
      return;
    }
    save.mutate({
      id: type?.id ?? null,
      expected_version: type ? type.version : null,
      name: name.trim(),
      duration_minutes: minutes,
      colour: colour.trim().toLowerCase(),
      active,
    });
  };

  const errorProps = (f: Field) => ({ "data-testid": `type-${f}-error` });
  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={close}
      title={type ? t("scheduleSetup.types.editTitle") : t("scheduleSetup.types.addTitle")}
      closeButtonProps={{ "aria-label": t("scheduleSetup.cancel") }}
    >
      <form onSubmit={onSubmit} noValidate data-testid="type-dialog" aria-busy={save.isPending}>
        <Stack gap="sm">
          {server.rest ? (
            <SetupError
              error={server.rest}
              testId="type-save-error"
              onReload={() => {
                void client.invalidateQueries({ queryKey: TYPES_KEY });
                onClose();
              }}
            />
          ) : null}
          <TextInput
            label={t("scheduleSetup.types.name")}
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              clear("name");
            }}
            error={errorOf("name")}
            errorProps={errorProps("name")}
            withAsterisk
            aria-required
            autoComplete="off"
            data-autofocus
            data-testid="type-name"
          />
          <NumberInput
            label={t("scheduleSetup.types.duration")}
            description={t("scheduleSetup.types.durationHelp")}
            value={duration}
            onChange={(v) => {
              setDuration(v);
              clear("duration_minutes");
            }}
            min={5}
            max={480}
            allowDecimal={false}
            allowNegative={false}
            clampBehavior="none"
            error={errorOf("duration_minutes")}
            errorProps={errorProps("duration_minutes")}
            data-testid="type-duration"
          />
          <ColorInput
            label={t("scheduleSetup.types.colour")}
            description={t("scheduleSetup.types.colourHelp")}
            format="hex"
            withEyeDropper={false}
            value={colour}
            onChange={(v) => {
              setColour(v);
              clear("colour");
            }}
            error={errorOf("colour")}
            errorProps={errorProps("colour")}
            data-testid="type-colour"
          />
          <Switch
            label={t("scheduleSetup.types.activeLabel")}
            checked={active}
            onChange={(e) => {
              setActive(e.currentTarget.checked);
              clear("active");
            }}
            error={errorOf("active")}
            data-testid="type-active"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={save.isPending} data-testid="type-cancel">
              {t("scheduleSetup.cancel")}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="type-save">
              {save.isPending ? t("scheduleSetup.saving") : t("scheduleSetup.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

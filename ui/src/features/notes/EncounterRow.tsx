// One encounter on the timeline: when, the type of contact, the reason, its status and
// who recorded it (entered in error is struck through and dimmed, its notes too), "New
// note", "Finish visit" while in progress and "Entered in error" (after a confirmation)
// until it is so marked. Both status changes quote the version the row saw: on
// `edit_conflict` the row offers to reload the timeline, any other failure (`forbidden`…)
// shows under it. Then its notes, each original with its amendments.
import { Alert, Badge, Box, Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { ClinicalNote } from "../../bindings/ClinicalNote";
import type { Encounter } from "../../bindings/Encounter";
import type { EncounterStatus } from "../../bindings/EncounterStatus";
import type { TimelineEncounter } from "../../bindings/TimelineEncounter";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { ChartError } from "../chart/ChartError";
import { formatInstant } from "../chart/format";
import { notesKeys, setEncounterStatus } from "./api";
import { NoteItem, type NoteAction } from "./NoteCard";

const STATUS_COLOR: Record<Encounter["status"], string> = {
  in_progress: "blue",
  finished: "gray",
  entered_in_error: "red",
};

type Props = {
  item: TimelineEncounter;
  onNewNote: (encounter: Encounter) => void;
  onNoteAction: (action: NoteAction, note: ClinicalNote) => void;
  /** After a status change was saved (finished, or entered in error). */
  onStatusSet: (encounter: Encounter) => void;
};

/** The status changes a row offers. */
type Target = Exclude<EncounterStatus, "in_progress">;

/** "Office visit on 5 Jan 2026, 09:30" — how an encounter is named in labels and titles. */
export function useEncounterLabel(): (e: Encounter) => string {
  const { t, i18n } = useTranslation();
  return (e) =>
    t("notes.encounter.label", { type: t(`notes.type.${e.type}`), date: formatInstant(e.started_at, i18n.language, true) });
}

export function EncounterRow({ item, onNewNote, onNoteAction, onStatusSet }: Props) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const { encounter: e, notes } = item;
  const inError = e.status === "entered_in_error";
  const date = formatInstant(e.started_at, i18n.language, true);
  const label = t("notes.encounter.label", { type: t(`notes.type.${e.type}`), date });
  const titleId = `timeline-encounter-${e.id}`;
  const [confirming, setConfirming] = useState(false);

  const status = useMutation<Encounter, UiError, Target>({
    mutationFn: (next) =>
      setEncounterStatus({ id: e.id, expected_version: e.version, status: next }).catch((err: unknown) =>
        Promise.reject(toUiError(err)),
      ),
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: notesKeys.patient(e.patient_id) });
      onStatusSet(saved);
    },
    onSettled: () => setConfirming(false),
  });
  const conflict = status.error?.code === "edit_conflict";
  const pending = status.isPending ? status.variables : null;

  const reload = async () => {
    status.reset();
    await client.invalidateQueries({ queryKey: notesKeys.patient(e.patient_id) });
  };
  const closeConfirm = () => {
    if (!status.isPending) setConfirming(false);
  };

  return (
    <li
      className={`timeline-encounter${inError ? " timeline-encounter-error" : ""}`}
      data-testid="timeline-encounter"
      data-status={e.status}
      data-encounter-id={e.id}
      aria-labelledby={titleId}
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
        <div className="timeline-encounter-body">
          <Group gap="xs" wrap="wrap">
            <Text fw={700} id={titleId} component={inError ? "s" : "span"} data-testid="timeline-encounter-title">
              <span data-testid="timeline-encounter-type">{t(`notes.type.${e.type}`)}</span>
              {" · "}
              <span data-testid="timeline-encounter-date">{date}</span>
            </Text>
            <Badge color={STATUS_COLOR[e.status]} variant="light" data-testid={`encounter-status-${e.id}`}>
              <span data-testid="timeline-encounter-status">{t(`notes.status.${e.status}`)}</span>
            </Badge>
          </Group>
          <Text size="sm" component={inError ? "s" : "p"} c={e.reason ? undefined : "dimmed"} data-testid="timeline-encounter-reason">
            {e.reason || t("notes.encounter.noReason")}
          </Text>
          <Text size="xs" c="dimmed" data-testid="timeline-encounter-recorded">
            {e.recorded_by
              ? t("notes.encounter.recorded", { name: e.recorded_by })
              : t("notes.encounter.recordedUnknown")}
          </Text>
        </div>
        <Group gap={4} wrap="wrap" justify="flex-end">
          {inError ? null : (
            <Button
              size="xs"
              onClick={() => onNewNote(e)}
              aria-label={t("notes.encounter.newNoteLabel", { date })}
              data-testid="note-new"
            >
              {t("notes.encounter.newNote")}
            </Button>
          )}
          {e.status === "in_progress" ? (
            <Button
              size="xs"
              variant="default"
              loading={pending === "finished"}
              disabled={status.isPending && pending !== "finished"}
              onClick={() => status.mutate("finished")}
              aria-label={t("notes.encounter.finishLabel", { date })}
              data-testid={`encounter-finish-${e.id}`}
            >
              <span data-testid="encounter-finish">
                {pending === "finished" ? t("notes.encounter.finishing") : t("notes.encounter.finish")}
              </span>
            </Button>
          ) : null}
          {inError ? null : (
            <Button
              size="xs"
              variant="subtle"
              color="red"
              disabled={status.isPending}
              onClick={() => {
                status.reset();
                setConfirming(true);
              }}
              aria-label={t("notes.encounter.enteredInErrorLabel", { date })}
              aria-haspopup="dialog"
              data-testid={`encounter-error-${e.id}`}
            >
              {t("notes.encounter.enteredInError")}
            </Button>
          )}
        </Group>
      </Group>
      {conflict ? (
        <Alert color="orange" role="alert" mt="xs" data-testid="encounter-conflict">
          <Text size="sm" mb="xs">
            {t("notes.encounter.conflict")}
          </Text>
          <Button size="xs" onClick={() => void reload()} data-testid="encounter-conflict-reload">
            {t("notes.encounter.reload")}
          </Button>
        </Alert>
      ) : status.error ? (
        <ChartError
          error={status.error}
          testId={status.variables === "finished" ? "encounter-finish-error" : "encounter-entered-in-error-error"}
          title={
            status.variables === "finished" ? t("notes.encounter.finishError") : t("notes.encounter.enteredInErrorError")
          }
        />
      ) : null}
      {notes.length === 0 ? (
        <Text size="sm" c="dimmed" mt="xs" data-testid="timeline-encounter-empty">
          {t("notes.encounter.noNotes")}
        </Text>
      ) : (
        <Box
          component="ul"
          className="timeline-notes"
          aria-label={label}
          td={inError ? "line-through" : undefined}
          c={inError ? "dimmed" : undefined}
          data-struck={inError || undefined}
        >
          {notes.map((n) => (
            <NoteItem key={n.id} note={n} onAction={onNoteAction} />
          ))}
        </Box>
      )}
      {confirming ? (
        <Modal
          opened
          // Scroll locking injects a <style> element, which the strict CSP refuses.
          lockScroll={false}
          onClose={closeConfirm}
          title={t("notes.enteredInError.title")}
          closeButtonProps={{ "aria-label": t("notes.enteredInError.cancel") }}
        >
          <Stack gap="sm" data-testid="encounter-error-confirmation">
            <Text size="sm" fw={600}>
              {label}
            </Text>
            <Text size="sm">{t("notes.enteredInError.body")}</Text>
            <Group justify="flex-end">
              <Button
                variant="default"
                onClick={closeConfirm}
                disabled={status.isPending}
                data-autofocus
                data-testid="encounter-error-cancel"
              >
                {t("notes.enteredInError.cancel")}
              </Button>
              <Button
                color="red"
                loading={status.isPending}
                onClick={() => status.mutate("entered_in_error")}
                data-testid="encounter-error-confirm"
              >
                {status.isPending ? t("notes.enteredInError.saving") : t("notes.enteredInError.confirm")}
              </Button>
            </Group>
          </Stack>
        </Modal>
      ) : null}
    </li>
  );
}

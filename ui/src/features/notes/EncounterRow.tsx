// One encounter on the timeline: when, the type of contact, the reason, its status and
// who recorded it (entered in error is struck through), "New note" and, while in
// progress, "Finish visit" (quoting the version it saw: on `edit_conflict` it offers to
// reload the timeline); then its notes, each original with its amendments.
import { Alert, Badge, Button, Group, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { ClinicalNote } from "../../bindings/ClinicalNote";
import type { Encounter } from "../../bindings/Encounter";
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
  onFinished: (encounter: Encounter) => void;
};

/** "Office visit on 5 Jan 2026, 09:30" — how an encounter is named in labels and titles. */
export function useEncounterLabel(): (e: Encounter) => string {
  const { t, i18n } = useTranslation();
  return (e) =>
    t("notes.encounter.label", { type: t(`notes.type.${e.type}`), date: formatInstant(e.started_at, i18n.language, true) });
}

export function EncounterRow({ item, onNewNote, onNoteAction, onFinished }: Props) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const { encounter: e, notes } = item;
  const inError = e.status === "entered_in_error";
  const date = formatInstant(e.started_at, i18n.language, true);
  const titleId = `timeline-encounter-${e.id}`;

  const finish = useMutation<Encounter, UiError, void>({
    mutationFn: () =>
      setEncounterStatus({ id: e.id, expected_version: e.version, status: "finished" }).catch((err: unknown) =>
        Promise.reject(toUiError(err)),
      ),
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: notesKeys.patient(e.patient_id) });
      onFinished(saved);
    },
  });
  const conflict = finish.error?.code === "edit_conflict";

  const reload = async () => {
    finish.reset();
    await client.invalidateQueries({ queryKey: notesKeys.patient(e.patient_id) });
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
            <Badge color={STATUS_COLOR[e.status]} variant="light" data-testid="timeline-encounter-status">
              {t(`notes.status.${e.status}`)}
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
        <Group gap={4} wrap="nowrap">
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
              loading={finish.isPending}
              onClick={() => finish.mutate()}
              aria-label={t("notes.encounter.finishLabel", { date })}
              data-testid="encounter-finish"
            >
              {finish.isPending ? t("notes.encounter.finishing") : t("notes.encounter.finish")}
            </Button>
          ) : null}
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
      ) : finish.error ? (
        <ChartError error={finish.error} testId="encounter-finish-error" title={t("notes.encounter.finishError")} />
      ) : null}
      {notes.length === 0 ? (
        <Text size="sm" c="dimmed" mt="xs" data-testid="timeline-encounter-empty">
          {t("notes.encounter.noNotes")}
        </Text>
      ) : (
        <ul className="timeline-notes" aria-label={t("notes.encounter.label", { type: t(`notes.type.${e.type}`), date })}>
          {notes.map((n) => (
            <NoteItem key={n.id} note={n} onAction={onNoteAction} />
          ))}
        </ul>
      )}
    </li>
  );
}

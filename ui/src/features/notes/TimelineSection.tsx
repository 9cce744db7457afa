// The chart's "Timeline & notes" section: the patient's encounters newest first (paged,
// 20 at a time, "Load more"), each with its notes and their amendments, then the notes
// written outside a visit. It owns "New visit", "New note outside a visit", which dialog
// is open (new visit, note editor) and the confirmation after a write (a visit started,
// finished or marked entered in error, a note saved or signed).
import { Alert, Button, Center, Group, Loader, Paper, Stack, Text, Title } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { ClinicalNote } from "../../bindings/ClinicalNote";
import type { PatientId } from "../../bindings/PatientId";
import type { TimelinePage } from "../../bindings/TimelinePage";
import { toUiError } from "../../shared/uiError";
import { ChartError } from "../chart/ChartError";
import { getTimeline, notesKeys, TIMELINE_PAGE_SIZE } from "./api";
import { EncounterDialog } from "./EncounterDialog";
import { EncounterRow, useEncounterLabel } from "./EncounterRow";
import { mergePages } from "./model";
import { NoteItem, type NoteAction } from "./NoteCard";
import { NoteEditor, type EditorTarget } from "./NoteEditor";

type Dialog = { type: "encounter" } | { type: "note"; target: EditorTarget };

export function TimelineSection({ patientId }: { patientId: PatientId }) {
  const { t } = useTranslation();
  const encounterLabel = useEncounterLabel();
  const timeline = useInfiniteQuery({
    queryKey: notesKeys.timeline(patientId),
    queryFn: ({ pageParam }) => getTimeline({ patient_id: patientId, page: pageParam, page_size: TIMELINE_PAGE_SIZE }),
    initialPageParam: 0,
    getNextPageParam: (last: TimelinePage) => (last.has_more ? last.page + 1 : undefined),
  });
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const titleId = "timeline-title";

  const open = (next: Dialog) => {
    setNotice(null);
    setDialog(next);
  };
  const done = (text: string) => {
    setDialog(null);
    setNotice(text);
  };
  const onNoteAction = (action: NoteAction, note: ClinicalNote) =>
    open({ type: "note", target: action === "edit" ? { mode: "edit", note } : { mode: "amend", original: note } });

  let body;
  if (timeline.isPending) {
    body = (
      <Center p="md">
        <Loader size="sm" aria-label={t("notes.loading")} data-testid="timeline-loading" />
      </Center>
    );
  } else if (timeline.isError && !timeline.data) {
    body = <ChartError error={toUiError(timeline.error)} testId="timeline-error" title={t("notes.errorTitle")} />;
  } else {
    const { encounters, loose } = mergePages(timeline.data.pages);
    body = (
      <Stack gap="md">
        {timeline.isRefetchError ? (
          <ChartError error={toUiError(timeline.error)} testId="timeline-error" title={t("notes.errorTitle")} />
        ) : null}
        <div>
          <Group justify="space-between" mb={4}>
            <Title order={3} size="h5" id="timeline-visits-title">
              {t("notes.visits")}
            </Title>
            <Text size="xs" c="dimmed">
              {t("notes.order")}
            </Text>
          </Group>
          {encounters.length === 0 ? (
            <Text size="sm" c="dimmed" data-testid="timeline-empty">
              {t("notes.empty")}
            </Text>
          ) : (
            <ol className="timeline-encounters" aria-labelledby="timeline-visits-title">
              {encounters.map((item) => (
                <EncounterRow
                  key={item.encounter.id}
                  item={item}
                  onNewNote={(encounter) => open({ type: "note", target: { mode: "new", encounter } })}
                  onNoteAction={onNoteAction}
                  onStatusSet={(e) =>
                    setNotice(
                      t(e.status === "entered_in_error" ? "notes.notice.enteredInError" : "notes.notice.finished", {
                        what: encounterLabel(e),
                      }),
                    )
                  }
                />
              ))}
            </ol>
          )}
          {timeline.isFetchNextPageError ? (
            <ChartError error={toUiError(timeline.error)} testId="timeline-more-error" title={t("notes.moreError")} />
          ) : null}
          {timeline.hasNextPage ? (
            <Group justify="center" mt="sm">
              <Button
                variant="default"
                loading={timeline.isFetchingNextPage}
                onClick={() => void timeline.fetchNextPage()}
                data-testid="timeline-more"
              >
                {timeline.isFetchingNextPage ? t("notes.loadingMore") : t("notes.more")}
              </Button>
            </Group>
          ) : null}
        </div>
        <div data-testid="timeline-loose">
          <Title order={3} size="h5" mb={4} id="timeline-loose-title">
            {t("notes.loose.title")}
          </Title>
          {loose.length === 0 ? (
            <Text size="sm" c="dimmed" data-testid="timeline-loose-empty">
              {t("notes.loose.empty")}
            </Text>
          ) : (
            <ul className="timeline-notes" aria-labelledby="timeline-loose-title">
              {loose.map((n) => (
                <NoteItem key={n.id} note={n} onAction={onNoteAction} />
              ))}
            </ul>
          )}
        </div>
        {timeline.isFetching && !timeline.isFetchingNextPage ? (
          <Text size="xs" c="dimmed" aria-live="polite">
            {t("notes.refreshing")}
          </Text>
        ) : null}
      </Stack>
    );
  }

  return (
    <Paper withBorder p="md" component="section" aria-labelledby={titleId} data-testid="timeline">
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Title order={2} size="h4" id={titleId}>
          {t("notes.title")}
        </Title>
        <Group gap="sm" wrap="wrap">
          <Button size="xs" onClick={() => open({ type: "encounter" })} data-testid="encounter-new">
            {t("notes.newVisit")}
          </Button>
          <Button
            size="xs"
            variant="default"
            onClick={() => open({ type: "note", target: { mode: "new", encounter: null } })}
            data-testid="note-new-loose"
          >
            {t("notes.newLoose")}
          </Button>
        </Group>
      </Group>
      {notice ? (
        <Alert
          color="green"
          role="status"
          mb="sm"
          data-testid="timeline-notice"
          withCloseButton
          closeButtonLabel={t("notes.notice.dismiss")}
          onClose={() => setNotice(null)}
        >
          {notice}
        </Alert>
      ) : null}
      {body}
      {dialog?.type === "encounter" ? (
        <EncounterDialog
          patientId={patientId}
          onClose={() => setDialog(null)}
          onDone={(e) => done(t("notes.notice.visit", { what: encounterLabel(e) }))}
        />
      ) : null}
      {dialog?.type === "note" ? (
        <NoteEditor
          patientId={patientId}
          target={dialog.target}
          onClose={() => setDialog(null)}
          onDone={(note, signed) => {
            const title = note.title || t("notes.note.untitled");
            done(signed ? t("notes.notice.signed", { title }) : t("notes.notice.draft", { title }));
          }}
        />
      ) : null}
    </Paper>
  );
}

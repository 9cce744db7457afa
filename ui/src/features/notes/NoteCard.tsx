// One original clinical note on the timeline with its amendments directly under it: the
// title, author and date, the content as inert text (SOAP sections with their line
// breaks), "Signed by X on DATE" or a "Draft" badge. The author's own draft offers "Edit
// draft"; others' drafts are read-only; a signed original offers "Amend".
import { Badge, Button, Group, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { ClinicalNote } from "../../bindings/ClinicalNote";
import { useSession } from "../session/SessionContext";
import { formatInstant } from "../chart/format";
import { contentSections, isEmptyContent } from "./model";

export type NoteAction = "edit" | "amend";

type Props = { note: ClinicalNote; onAction: (action: NoteAction, note: ClinicalNote) => void };

/** An original note (`note-card`) followed by its amendments (`note-amendment`), oldest first. */
export function NoteItem({ note, onAction }: Props) {
  const { t } = useTranslation();
  return (
    <li className="note-item" data-note-id={note.id}>
      <NoteBody note={note} onAction={onAction} />
      {note.amendments.length > 0 ? (
        <ul className="note-amendments" aria-label={t("notes.note.amendments")}>
          {note.amendments.map((a) => (
            <li key={a.id}>
              <NoteBody note={a} onAction={onAction} amendment />
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

function NoteBody({ note, onAction, amendment = false }: Props & { amendment?: boolean }) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const name = note.author_name || t("notes.note.unknownAuthor");
  const created = formatInstant(note.created_at, i18n.language, true);
  const title = note.title || t("notes.note.untitled");
  const signed = note.status === "signed";
  const mine = note.author_id !== null && note.author_id === session.staff_id;
  return (
    <article
      className={amendment ? "note-card note-card-amendment" : "note-card"}
      data-testid={amendment ? "note-amendment" : "note-card"}
      data-status={note.status}
      data-note-id={note.id}
      aria-label={title}
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
        <div className="note-card-body">
          {amendment ? (
            <Text size="sm" fw={700} c="blue.9" data-testid="note-amendment-label">
              {t("notes.note.amendment", { name, date: created })}
            </Text>
          ) : null}
          <Group gap="xs" wrap="wrap">
            <Text fw={600} data-testid="note-card-title">
              {title}
            </Text>
            {signed ? null : (
              <Badge color="yellow" variant="light" data-testid="note-draft">
                {t("notes.note.draft")}
              </Badge>
            )}
          </Group>
          {amendment ? null : (
            <Text size="xs" c="dimmed" data-testid="note-byline">
              {t("notes.note.by", { name, date: created })}
            </Text>
          )}
          <NoteContentView note={note} />
          {signed ? (
            <Text size="xs" c="dimmed" data-testid="note-signed">
              {t("notes.note.signed", { name, date: formatInstant(note.signed_at ?? "", i18n.language, true) })}
            </Text>
          ) : (
            <Text size="xs" c="dimmed" data-testid="note-unsigned">
              {mine ? t("notes.note.draftOf", { name }) : `${t("notes.note.draftOf", { name })} ${t("notes.note.readOnly")}`}
            </Text>
          )}
        </div>
        <Group gap={4} wrap="nowrap">
          {!signed && mine ? (
            <Button
              size="xs"
              variant="default"
              onClick={() => onAction("edit", note)}
              aria-label={t("notes.note.editLabel", { title })}
              data-testid="note-edit"
            >
              {t("notes.note.edit")}
            </Button>
          ) : null}
          {signed && !amendment && note.amends === null ? (
            <Button
              size="xs"
              variant="default"
              onClick={() => onAction("amend", note)}
              aria-label={t("notes.note.amendLabel", { title })}
              data-testid="note-amend"
            >
              {t("notes.note.amend")}
            </Button>
          ) : null}
        </Group>
      </Group>
    </article>
  );
}

/** The content as plain text: each non-empty SOAP section under its label, or the free text. */
export function NoteContentView({ note }: { note: Pick<ClinicalNote, "content"> }) {
  const { t } = useTranslation();
  if (isEmptyContent(note.content)) {
    return (
      <Text size="sm" c="dimmed" data-testid="note-empty">
        {t("notes.note.empty")}
      </Text>
    );
  }
  if (note.content.template === "free") {
    return (
      <Text size="sm" className="chart-multiline" data-testid="note-section-text">
        {note.content.text}
      </Text>
    );
  }
  return (
    <dl className="note-sections">
      {contentSections(note.content)
        .filter((s) => s.text.trim() !== "")
        .map((s) => (
          <div key={s.section} className="note-section">
            <dt>{t(`notes.section.${s.section}`)}</dt>
            <dd className="chart-multiline" data-testid={`note-section-${s.section}`}>
              {s.text}
            </dd>
          </div>
        ))}
    </dl>
  );
}

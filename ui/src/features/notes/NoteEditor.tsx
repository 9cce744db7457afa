// The note editor (a dialog): a new note in a visit or outside one, the author's draft,
// or an amendment of a signed note (free text by default, titled "Amendment: <original>").
// "Save draft" saves; "Sign" saves if changed and signs after a confirmation ("a signed
// note cannot be changed"). The typed text stays on every error: field errors under their
// inputs, an edit conflict offers "Reload" (the text stays, the latest saved version is
// shown for comparison), and a draft signed meanwhile can be written as an amendment.
// Closing with unsaved changes asks first.
import { Alert, Button, Group, Modal, Paper, Stack, Text } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { ClinicalNote } from "../../bindings/ClinicalNote";
import type { Encounter } from "../../bindings/Encounter";
import type { PatientId } from "../../bindings/PatientId";
import { splitErrors } from "../admin/format";
import { ChartError } from "../chart/ChartError";
import { formatInstant } from "../chart/format";
import { useEncounterLabel } from "./EncounterRow";
import {
  EDITOR_FIELDS,
  emptyNoteValues,
  isEmptyContent,
  noteToValues,
  sameAsSaved,
  valuesToNote,
  type NoteValues,
} from "./model";
import { NoteContentView } from "./NoteCard";
import { NoteFields, type NoteErrors } from "./NoteFields";
import { useNoteWrites } from "./useNoteWrites";

export type EditorTarget =
  | { mode: "new"; encounter: Encounter | null }
  | { mode: "edit"; note: ClinicalNote }
  | { mode: "amend"; original: ClinicalNote };

type Props = {
  patientId: PatientId;
  target: EditorTarget;
  onClose: () => void;
  onDone: (note: ClinicalNote, signed: boolean) => void;
};

export function NoteEditor({ patientId, target, onClose, onDone }: Props) {
  const { t, i18n } = useTranslation();
  const encounterLabel = useEncounterLabel();
  const [initial] = useState<NoteValues>(() => {
    if (target.mode === "edit") return noteToValues(target.note);
    if (target.mode === "amend") {
      return emptyNoteValues("free", t("notes.editor.amendDefault", { title: target.original.title || t("notes.note.untitled") }));
    }
    return emptyNoteValues("soap");
  });
  const [values, setValues] = useState<NoteValues>(initial);
  const [base, setBase] = useState<ClinicalNote | null>(target.mode === "edit" ? target.note : null);
  const [amends, setAmends] = useState<ClinicalNote | null>(target.mode === "amend" ? target.original : null);
  const [localErrors, setLocalErrors] = useState<NoteErrors>({});
  const [confirming, setConfirming] = useState<"sign" | "discard" | null>(null);
  const [reloaded, setReloaded] = useState<ClinicalNote | null>(null);

  const { save, latest, stage } = useNoteWrites({
    patientId,
    encounterId: target.mode === "new" ? (target.encounter?.id ?? null) : null,
    amends,
    base,
    setBase,
    values,
    onSaved: onDone,
    onReloaded: setReloaded,
  });

  const conflict = save.error?.code === "edit_conflict";
  const server = splitErrors(conflict ? null : save.error, [...EDITOR_FIELDS, "content", "status"]);
  // A draft signed meanwhile (seen on reload, or refused by the shell) can no longer change.
  const frozen = base?.status === "signed" || server.byField.status !== undefined;
  const errors: NoteErrors = { ...(server.byField as NoteErrors), ...stripEmpty(localErrors) };
  const busy = save.isPending || latest.isPending;
  const current = valuesToNote(values);
  const dirty = base
    ? !sameAsSaved(base, current.title, current.content)
    : JSON.stringify(current) !== JSON.stringify(valuesToNote(initial));

  const change = (field: keyof NoteValues, value: string) => {
    setValues((prev) => ({ ...prev, [field]: value }));
    setLocalErrors((prev) => ({ ...prev, [field]: undefined, content: undefined }));
    if (confirming === "discard") setConfirming(null);
  };

  const close = () => {
    if (busy) return;
    if (dirty && confirming !== "discard") setConfirming("discard");
    else onClose();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (busy || frozen) return;
    setLocalErrors({});
    setConfirming(null);
    save.mutate({ sign: false });
  };

  const askToSign = () => {
    if (busy || frozen) return;
    if (isEmptyContent(current.content)) {
      save.reset();
      setLocalErrors({ content: t("notes.editor.emptyToSign") });
      return;
    }
    setLocalErrors({});
    setConfirming("sign");
  };

  const sign = () => {
    setConfirming(null);
    save.mutate({ sign: true });
  };

  const writeAsAmendment = (original: ClinicalNote) => {
    setAmends(original);
    setBase(null);
    setReloaded(null);
    save.reset();
    latest.reset();
  };

  let heading: string;
  if (amends) heading = t("notes.editor.amendTitle", { title: amends.title || t("notes.note.untitled") });
  else if (base) heading = t("notes.editor.editTitle", { title: base.title || t("notes.note.untitled") });
  else if (target.mode === "new" && target.encounter) heading = t("notes.editor.newVisitTitle", { visit: encounterLabel(target.encounter) });
  else heading = t("notes.editor.looseTitle");

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      // A click beside the dialog must not throw away a note being written.
      closeOnClickOutside={false}
      onClose={close}
      title={heading}
      size="xl"
      closeButtonProps={{ "aria-label": t("notes.editor.cancel") }}
    >
      <form
        onSubmit={onSubmit}
        noValidate
        data-testid="note-editor"
        data-mode={amends ? "amend" : base ? "edit" : "new"}
        aria-busy={busy}
      >
        <Stack gap="sm">
          {amends ? (
            <Text size="sm" data-testid="note-amends-info">
              {t("notes.editor.amends", {
                title: amends.title || t("notes.note.untitled"),
                name: amends.author_name || t("notes.note.unknownAuthor"),
                date: formatInstant(amends.signed_at ?? amends.created_at, i18n.language, true),
              })}
            </Text>
          ) : null}
          {conflict ? (
            <Alert color="orange" title={t("notes.conflict.title")} role="alert" data-testid="note-conflict">
              <Text size="sm" mb="sm">
                {t("notes.conflict.body")}
              </Text>
              <Button onClick={() => latest.mutate()} disabled={busy} data-testid="note-conflict-reload">
                {t("notes.conflict.reload")}
              </Button>
            </Alert>
          ) : null}
          {frozen && base ? (
            <Alert color="orange" role="alert" data-testid="note-frozen">
              <Text size="sm" mb={base.amends === null ? "sm" : undefined}>
                {t("notes.conflict.signedMeanwhile")}
              </Text>
              {base.amends === null ? (
                <Button onClick={() => writeAsAmendment(base)} data-testid="note-as-amendment">
                  {t("notes.conflict.asAmendment")}
                </Button>
              ) : null}
            </Alert>
          ) : null}
          {reloaded && !frozen ? (
            <Alert color="blue" role="status" data-testid="note-conflict-resolved">
              <Text size="sm" mb="xs">
                {t("notes.conflict.reloaded")}
              </Text>
              <Paper withBorder p="xs" data-testid="note-latest" aria-label={t("notes.conflict.latest")}>
                <Text size="xs" fw={700}>
                  {t("notes.conflict.latest")}: {reloaded.title || t("notes.note.untitled")}
                </Text>
                <NoteContentView note={reloaded} />
              </Paper>
            </Alert>
          ) : null}
          {server.rest ? (
            <ChartError
              error={server.rest}
              testId="note-editor-error"
              title={t(stage === "sign" ? "notes.editor.signErrorTitle" : "notes.editor.errorTitle")}
            />
          ) : null}
          {latest.error ? (
            <ChartError
              error={latest.error}
              testId="note-reload-error"
              title={latest.error.code === "not_found" ? t("notes.conflict.gone") : undefined}
            />
          ) : null}
          <NoteFields
            values={values}
            errors={errors}
            chooseTemplate={!base}
            onTemplate={(template) => change("template", template)}
            onChange={change}
          />
          {confirming === "sign" ? (
            <Alert color="blue" title={t("notes.editor.confirmTitle")} role="alertdialog" data-testid="note-sign-confirmation">
              <Text size="sm" mb="sm">
                {t("notes.editor.confirmBody")}
              </Text>
              <Group>
                <Button onClick={sign} data-autofocus data-testid="note-sign-confirm">
                  {t("notes.editor.confirm")}
                </Button>
                <Button variant="default" onClick={() => setConfirming(null)} data-testid="note-sign-back">
                  {t("notes.editor.back")}
                </Button>
              </Group>
            </Alert>
          ) : null}
          {confirming === "discard" ? (
            <Alert color="yellow" title={t("notes.editor.discardTitle")} role="alertdialog" data-testid="note-discard">
              <Text size="sm" mb="sm">
                {t("notes.editor.discardBody")}
              </Text>
              <Group>
                <Button color="red" onClick={onClose} data-testid="note-discard-confirm">
                  {t("notes.editor.discard")}
                </Button>
                <Button variant="default" onClick={() => setConfirming(null)} data-testid="note-discard-back">
                  {t("notes.editor.keepEditing")}
                </Button>
              </Group>
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy} data-testid="note-cancel">
              {t("notes.editor.cancel")}
            </Button>
            <Button
              type="submit"
              variant="default"
              loading={save.isPending && !save.variables?.sign}
              disabled={frozen || latest.isPending || (save.isPending && save.variables?.sign)}
              data-testid="note-save"
            >
              {save.isPending && !save.variables?.sign ? t("notes.editor.saving") : t("notes.editor.save")}
            </Button>
            <Button
              onClick={askToSign}
              loading={save.isPending && save.variables?.sign}
              disabled={frozen || latest.isPending || (save.isPending && !save.variables?.sign)}
              data-testid="note-sign"
            >
              {save.isPending && save.variables?.sign ? t("notes.editor.signing") : t("notes.editor.sign")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function stripEmpty(errors: NoteErrors): NoteErrors {
  return Object.fromEntries(Object.entries(errors).filter(([, v]) => v)) as NoteErrors;
}

// The note editor's writes. "Save draft" creates the draft (an amendment when `amends` is
// set) or saves it when changed; "Sign" does the same and then signs the saved version.
// Each step moves the editor's base to what the shell returned, so a failure part way
// (saved, not signed) retries from there and never creates a second draft. "Reload"
// fetches the draft's latest version after an edit conflict. Every write refreshes the
// patient's timeline, also when a later step failed.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { ClinicalNote } from "../../bindings/ClinicalNote";
import type { EncounterId } from "../../bindings/EncounterId";
import type { PatientId } from "../../bindings/PatientId";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { createNote, getNote, notesKeys, signNote, updateNote } from "./api";
import { sameAsSaved, valuesToNote, type NoteValues } from "./model";

type Args = {
  patientId: PatientId;
  /** The encounter of a new note (null outside a visit; an amendment joins its original's). */
  encounterId: EncounterId | null;
  /** The signed original a new note amends. */
  amends: ClinicalNote | null;
  /** The saved draft being edited, null until the first save. */
  base: ClinicalNote | null;
  setBase: (note: ClinicalNote) => void;
  values: NoteValues;
  onSaved: (note: ClinicalNote, signed: boolean) => void;
  onReloaded: (note: ClinicalNote) => void;
};

export type WriteStage = "save" | "sign";

const rejectUi = (e: unknown) => Promise.reject(toUiError(e));

export function useNoteWrites({ patientId, encounterId, amends, base, setBase, values, onSaved, onReloaded }: Args) {
  const client = useQueryClient();
  const [stage, setStage] = useState<WriteStage>("save");
  const refresh = () => client.invalidateQueries({ queryKey: notesKeys.patient(patientId) });

  const save = useMutation<ClinicalNote, UiError, { sign: boolean }>({
    mutationFn: async ({ sign }) => {
      const { title, content } = valuesToNote(values);
      let note = base;
      let wrote = false;
      try {
        setStage("save");
        if (!note) {
          note = await createNote({
            patient_id: patientId,
            encounter_id: amends ? amends.encounter_id : encounterId,
            amends: amends ? amends.id : null,
            title,
            content,
          }).catch(rejectUi);
          wrote = true;
          setBase(note);
        } else if (!sameAsSaved(note, title, content)) {
          note = await updateNote({ id: note.id, expected_version: note.version, title, content }).catch(rejectUi);
          wrote = true;
          setBase(note);
        }
        if (sign) {
          setStage("sign");
          note = await signNote({ id: note.id, expected_version: note.version }).catch(rejectUi);
          wrote = true;
          setBase(note);
        }
        return note;
      } finally {
        if (wrote) await refresh();
      }
    },
    onSuccess: (note, { sign }) => onSaved(note, sign),
  });

  const latest = useMutation<ClinicalNote, UiError, void>({
    mutationFn: () => (base ? getNote(base.id) : Promise.reject({ code: "not_found", message: "no saved draft" })).catch(rejectUi),
    onSuccess: (fresh) => {
      setBase(fresh);
      save.reset();
      void refresh();
      onReloaded(fresh);
    },
  });

  return { save, latest, stage };
}

// The only place the chart's timeline talks to the Tauri shell: the paged timeline of
// encounters and notes, one note, opening and finishing encounters, and writing, saving
// and signing notes. Each function is one command; a failure rejects with whatever the
// shell sent (normalize with `toUiError`).
import { invoke } from "@tauri-apps/api/core";
import type { ClinicalNote } from "../../bindings/ClinicalNote";
import type { CreateEncounter } from "../../bindings/CreateEncounter";
import type { CreateNote } from "../../bindings/CreateNote";
import type { Encounter } from "../../bindings/Encounter";
import type { NoteId } from "../../bindings/NoteId";
import type { PatientId } from "../../bindings/PatientId";
import type { SetEncounterStatus } from "../../bindings/SetEncounterStatus";
import type { SignNote } from "../../bindings/SignNote";
import type { TimelinePage } from "../../bindings/TimelinePage";
import type { TimelineQuery } from "../../bindings/TimelineQuery";
import type { UpdateNote } from "../../bindings/UpdateNote";

/** Encounters per timeline page. */
export const TIMELINE_PAGE_SIZE = 20;

export const getTimeline = (query: TimelineQuery): Promise<TimelinePage> =>
  invoke<TimelinePage>("get_timeline", { query });

export const getNote = (id: NoteId): Promise<ClinicalNote> => invoke<ClinicalNote>("get_note", { id });

export const createEncounter = (request: CreateEncounter): Promise<Encounter> =>
  invoke<Encounter>("create_encounter", { request });

export const setEncounterStatus = (request: SetEncounterStatus): Promise<Encounter> =>
  invoke<Encounter>("set_encounter_status", { request });

export const createNote = (request: CreateNote): Promise<ClinicalNote> =>
  invoke<ClinicalNote>("create_note", { request });

export const updateNote = (request: UpdateNote): Promise<ClinicalNote> =>
  invoke<ClinicalNote>("update_note", { request });

export const signNote = (request: SignNote): Promise<ClinicalNote> => invoke<ClinicalNote>("sign_note", { request });

/**
 * Query keys. Everything of one patient's timeline sits under `notesKeys.patient(id)`, so
 * a write refreshes the timeline and any note fetched on its own with one invalidation.
 * (Separate from the chart's keys: a chart entry write does not reload the timeline.)
 */
export const notesKeys = {
  all: ["notes"] as const,
  patient: (id: PatientId) => ["notes", id] as const,
  timeline: (id: PatientId) => ["notes", id, "timeline"] as const,
  note: (id: PatientId, noteId: NoteId) => ["notes", id, "note", noteId] as const,
};

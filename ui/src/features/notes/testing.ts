// Test fixtures for the timeline (used by tests only): encounters and notes, and a small
// in-memory stand-in for the shell's encounter and note commands (versions, edit
// conflicts, drafts, signing, amendments joining their original's encounter), so a test
// can follow a note from draft to signature through the real screen.
import type { ClinicalNote } from "../../bindings/ClinicalNote";
import type { CreateEncounter } from "../../bindings/CreateEncounter";
import type { CreateNote } from "../../bindings/CreateNote";
import type { Encounter } from "../../bindings/Encounter";
import type { NoteContent } from "../../bindings/NoteContent";
import type { SetEncounterStatus } from "../../bindings/SetEncounterStatus";
import type { SignNote } from "../../bindings/SignNote";
import type { TimelinePage } from "../../bindings/TimelinePage";
import type { TimelineQuery } from "../../bindings/TimelineQuery";
import type { UpdateNote } from "../../bindings/UpdateNote";
import type { Handlers } from "../../test/render";
import { sessionFor } from "../admin/testing";
import { PATIENT } from "../chart/testing";

/** The signed-in doctor of `withSession("doctor", …)`. */
export const ME = { id: sessionFor("doctor").staff_id, name: "Dr Me" };
export const OTHER = { id: "staff-other", name: "Dr Other" };

export const soap = (over: Partial<Record<"subjective" | "objective" | "assessment" | "plan", string>> = {}): NoteContent => ({
  template: "soap",
  subjective: "",
  objective: "",
  assessment: "",
  plan: "",
  ...over,
});
export const free = (text: string): NoteContent => ({ template: "free", text });

let seq = 0;
const nextId = (prefix: string) => `${prefix}-${++seq}`;

export const encounter = (over: Partial<Encounter> = {}): Encounter => ({
  id: nextId("enc"),
  patient_id: PATIENT.id,
  type: "office_visit",
  reason: "Check-up",
  started_at: "2026-01-05T09:30:00Z",
  status: "in_progress",
  recorded_by: "Dr Grey",
  version: 1,
  ...over,
});

export const note = (over: Partial<ClinicalNote> = {}): ClinicalNote => ({
  id: nextId("note"),
  patient_id: PATIENT.id,
  encounter_id: null,
  amends: null,
  title: "Visit note",
  content: soap({ subjective: "Feels well." }),
  status: "signed",
  author_id: OTHER.id,
  author_name: OTHER.name,
  created_at: "2026-01-05T10:00:00Z",
  updated_at: "2026-01-05T10:00:00Z",
  signed_at: "2026-01-05T10:05:00Z",
  version: 2,
  amendments: [],
  ...over,
});

export type NotesState = { encounters: Encounter[]; notes: ClinicalNote[] };

const conflict = () => Promise.reject({ code: "edit_conflict", message: "changed meanwhile" });
const notFound = () => Promise.reject({ code: "not_found", message: "not found" });
const time = (s: string) => Date.parse(s);

/** Every note stored flat (amendments included), as the shell returns them. */
function withAmendments(state: NotesState, n: ClinicalNote): ClinicalNote {
  return { ...n, amendments: state.notes.filter((a) => a.amends === n.id) };
}

/** The timeline commands over `state` (mutated by the writes), as the signed-in `author`. */
export function notesBackend(state: NotesState, author = ME): Handlers {
  let clock = Date.parse("2026-02-01T08:00:00Z");
  const now = () => new Date((clock += 60_000)).toISOString();
  const find = (id: unknown) => state.notes.find((n) => n.id === id);
  const replace = (next: ClinicalNote) => {
    state.notes = state.notes.map((n) => (n.id === next.id ? next : n));
    return withAmendments(state, next);
  };
  return {
    get_timeline: (args) => {
      const q = args!.query as TimelineQuery;
      const all = [...state.encounters].sort((a, b) => time(b.started_at) - time(a.started_at));
      const slice = all.slice(q.page * q.page_size, (q.page + 1) * q.page_size);
      const originals = (filter: (n: ClinicalNote) => boolean) =>
        state.notes.filter((n) => n.amends === null && filter(n)).map((n) => withAmendments(state, n));
      const page: TimelinePage = {
        encounters: slice.map((e) => ({ encounter: e, notes: originals((n) => n.encounter_id === e.id) })),
        loose_notes: q.page === 0 ? originals((n) => n.encounter_id === null) : [],
        page: q.page,
        page_size: q.page_size,
        has_more: all.length > (q.page + 1) * q.page_size,
      };
      return page;
    },
    get_note: (args) => {
      const n = find(args!.id);
      return n ? withAmendments(state, n) : notFound();
    },
    create_encounter: (args) => {
      const r = args!.request as CreateEncounter;
      const e = encounter({ type: r.type, reason: r.reason, started_at: r.started_at || now(), recorded_by: author.name });
      state.encounters.push(e);
      return e;
    },
    set_encounter_status: (args) => {
      const r = args!.request as SetEncounterStatus;
      const e = state.encounters.find((x) => x.id === r.id);
      if (!e) return notFound();
      if (e.version !== r.expected_version) return conflict();
      const next = { ...e, status: r.status, version: e.version + 1 };
      state.encounters = state.encounters.map((x) => (x.id === e.id ? next : x));
      return next;
    },
    create_note: (args) => {
      const r = args!.request as CreateNote;
      const original = r.amends ? find(r.amends) : undefined;
      const at = now();
      const n = note({
        encounter_id: original ? original.encounter_id : r.encounter_id,
        amends: r.amends,
        title: r.title,
        content: r.content,
        status: "draft",
        author_id: author.id,
        author_name: author.name,
        created_at: at,
        updated_at: at,
        signed_at: null,
        version: 1,
      });
      state.notes.push(n);
      return n;
    },
    update_note: (args) => {
      const r = args!.request as UpdateNote;
      const n = find(r.id);
      if (!n) return notFound();
      if (n.version !== r.expected_version) return conflict();
      return replace({ ...n, title: r.title, content: r.content, version: n.version + 1, updated_at: now() });
    },
    sign_note: (args) => {
      const r = args!.request as SignNote;
      const n = find(r.id);
      if (!n) return notFound();
      if (n.version !== r.expected_version) return conflict();
      const at = now();
      return replace({ ...n, status: "signed", signed_at: at, updated_at: at, version: n.version + 1 });
    },
  };
}

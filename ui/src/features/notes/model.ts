// The timeline's closed value lists (encounter types, note templates, SOAP sections), the
// note editor's text values and their conversion to and from a note's content, a visit's
// typed start (local date and time) as the shell takes it, and the merging of timeline
// pages into one list. Pure, so it can be unit tested.
import type { ClinicalNote } from "../../bindings/ClinicalNote";
import type { EncounterType } from "../../bindings/EncounterType";
import type { NoteContent } from "../../bindings/NoteContent";
import type { TimelineEncounter } from "../../bindings/TimelineEncounter";
import type { TimelinePage } from "../../bindings/TimelinePage";

const keysOf = <T extends string>(r: Record<T, true>): T[] => Object.keys(r) as T[];

export const ENCOUNTER_TYPES: EncounterType[] = keysOf<EncounterType>({
  office_visit: true,
  telephone: true,
  video: true,
  home_visit: true,
  other: true,
});

export type NoteTemplate = NoteContent["template"];
export const TEMPLATES: NoteTemplate[] = keysOf<NoteTemplate>({ soap: true, free: true });

export const SOAP_SECTIONS = ["subjective", "objective", "assessment", "plan"] as const;
export type SoapSection = (typeof SOAP_SECTIONS)[number];
/** Every text input of a note's content (the names of the shell's field errors). */
export type NoteSection = SoapSection | "text";
/** The field errors the editor shows under an input. */
export const EDITOR_FIELDS: readonly string[] = ["title", ...SOAP_SECTIONS, "text"];

/** The editor's values: the template and every input as typed (both templates kept). */
export type NoteValues = { template: NoteTemplate; title: string } & Record<NoteSection, string>;

export const isTemplate = (s: string): s is NoteTemplate => (TEMPLATES as string[]).includes(s);
export const isEncounterType = (s: string): s is EncounterType => (ENCOUNTER_TYPES as string[]).includes(s);

export function emptyNoteValues(template: NoteTemplate, title = ""): NoteValues {
  return { template, title, subjective: "", objective: "", assessment: "", plan: "", text: "" };
}

export function noteToValues(note: ClinicalNote): NoteValues {
  const c = note.content;
  return c.template === "soap"
    ? { ...emptyNoteValues("soap", note.title), ...pickSoap(c) }
    : { ...emptyNoteValues("free", note.title), text: c.text };
}

function pickSoap(c: Extract<NoteContent, { template: "soap" }>): Record<SoapSection, string> {
  return { subjective: c.subjective, objective: c.objective, assessment: c.assessment, plan: c.plan };
}

/** The title and content to send, trimmed like the shell trims them (inner line breaks kept). */
export function valuesToNote(v: NoteValues): { title: string; content: NoteContent } {
  const title = v.title.trim();
  if (v.template === "free") return { title, content: { template: "free", text: v.text.trim() } };
  return {
    title,
    content: {
      template: "soap",
      subjective: v.subjective.trim(),
      objective: v.objective.trim(),
      assessment: v.assessment.trim(),
      plan: v.plan.trim(),
    },
  };
}

/** The sections of a content, in order, each with its text. */
export function contentSections(c: NoteContent): { section: NoteSection; text: string }[] {
  if (c.template === "free") return [{ section: "text", text: c.text }];
  return SOAP_SECTIONS.map((section) => ({ section, text: c[section] }));
}

export const isEmptyContent = (c: NoteContent): boolean => contentSections(c).every((s) => s.text.trim() === "");

/** True when sending this title and content would change nothing. */
export function sameAsSaved(note: ClinicalNote, title: string, content: NoteContent): boolean {
  if (note.title !== title || note.content.template !== content.template) return false;
  const saved = contentSections(note.content);
  return contentSections(content).every((s, i) => saved[i]?.text === s.text);
}

/** A visit's start as typed: a local date `YYYY-MM-DD` and a local time `HH:MM`. */
export type StartedValues = { date: string; time: string };

const pad = (n: number) => String(n).padStart(2, "0");

/** `now` in the device's time zone, to the minute, as the "Started" inputs show it. */
export function localStarted(now: Date = new Date()): StartedValues {
  return {
    date: `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`,
    time: `${pad(now.getHours())}:${pad(now.getMinutes())}`,
  };
}

/** Why a typed start cannot be sent: the date or the time is not readable. */
export type StartedProblem = "date" | "time";

/**
 * A typed local start as the shell takes it: RFC 3339 in UTC, to the minute
 * (`2026-01-05T08:30:00Z`). The date must be a real calendar day written `YYYY-MM-DD`; the
 * time `HH:MM` (24-hour, `9:30` accepted). Whether it is too far in the future is the
 * shell's call.
 */
export function startedToRfc3339(v: StartedValues): { ok: string } | { problem: StartedProblem } {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v.date.trim());
  if (!d) return { problem: "date" };
  const [y, mo, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const check = new Date(Date.UTC(y, mo - 1, day));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== day) {
    return { problem: "date" };
  }
  const t = /^(\d{1,2}):(\d{2})$/.exec(v.time.trim());
  if (!t) return { problem: "time" };
  const [h, mi] = [Number(t[1]), Number(t[2])];
  if (h > 23 || mi > 59) return { problem: "time" };
  const local = new Date(y, mo - 1, day, h, mi);
  if (Number.isNaN(local.getTime())) return { problem: "date" };
  return { ok: local.toISOString().replace(/\.\d{3}Z$/, "Z") };
}

const time = (iso: string): number => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
};

/**
 * The loaded pages as one list: encounters newest first (an encounter that moved to a
 * later page while paging is shown once, as most recently loaded), and the notes outside
 * encounters from the first page, newest first.
 */
export function mergePages(pages: readonly TimelinePage[]): { encounters: TimelineEncounter[]; loose: ClinicalNote[] } {
  const byId = new Map<string, TimelineEncounter>();
  for (const page of pages) for (const e of page.encounters) byId.set(e.encounter.id, e);
  const encounters = [...byId.values()].sort((a, b) => time(b.encounter.started_at) - time(a.encounter.started_at));
  const loose = [...(pages[0]?.loose_notes ?? [])].sort((a, b) => time(b.created_at) - time(a.created_at));
  return { encounters, loose };
}

// Pure helpers of the sync screens: what the indicator says for a phase, the last-sync
// time, download progress, and an identity field's human label.
import type { TFunction } from "i18next";
import type { SyncPhase } from "../../bindings/SyncPhase";
import type { SyncStatus } from "../../bindings/SyncStatus";

export const PHASE_COLOR: Record<SyncPhase, string> = {
  not_enrolled: "gray",
  idle: "green",
  syncing: "blue",
  offline: "orange",
  error: "red",
  revoked: "red",
};

/** The device talks to a sync server (or tries to). */
export const isEnrolled = (s: SyncStatus): boolean => s.phase !== "not_enrolled" && s.phase !== "revoked";

/** The first full download is under way and its size is known. */
export const isDownloading = (s: SyncStatus): boolean => !s.first_sync_done && s.total > 0 && isEnrolled(s);

/** Download progress in whole percent (0..100). */
export function progressPercent(received: number, total: number): number {
  if (total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.floor((received / total) * 100)));
}

/** "12:04" today, otherwise date and time, in the user's locale; unparseable text as is. */
export function formatSyncTime(iso: string, locale: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const sameDay = date.toDateString() === now.toDateString();
  const options: Intl.DateTimeFormatOptions = sameDay
    ? { timeStyle: "short" }
    : { dateStyle: "medium", timeStyle: "short" };
  return new Intl.DateTimeFormat(locale, options).format(date);
}

/** Patient identity fields the conflicts screen names in words (the shell's field names). */
const FIELD_LABELS = {
  given_name: "form.given_name",
  middle_name: "form.middle_name",
  family_name: "form.family_name",
  date_of_birth: "form.date_of_birth",
  sex: "form.sex",
  phone: "form.phone",
  email: "form.email",
} as const;

/** A field's label ("Date of birth"); an unknown field name made readable. */
export function fieldLabel(t: TFunction, field: string | null): string {
  if (!field) return t("sync.conflicts.unknownField");
  if (Object.prototype.hasOwnProperty.call(FIELD_LABELS, field)) {
    return t(FIELD_LABELS[field as keyof typeof FIELD_LABELS]);
  }
  const words = field.replace(/[._]+/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : field;
}

const SEXES = new Set(["female", "male", "other", "unknown"]);

/** A conflicting value as shown: sex in words, an empty value said so. */
export function valueText(t: TFunction, field: string | null, value: string | null): string {
  if (value === null || value.trim() === "") return t("sync.conflicts.emptyValue");
  if (field === "sex" && SEXES.has(value)) return t(`sex.${value as "female" | "male" | "other" | "unknown"}`);
  return value;
}

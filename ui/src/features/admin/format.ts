// Shared display helpers for the administrators' screens.
import type { FieldError } from "../../bindings/FieldError";
import type { UiError } from "../../bindings/UiError";

/** An RFC 3339 instant in the user's locale and time zone; unparseable text as is. */
export function formatInstant(iso: string, locale: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" }).format(date);
}

/**
 * Splits a failure into messages for the given on-screen fields and the rest (other
 * field errors, or the whole error when it has no field errors).
 */
export function splitErrors(
  error: UiError | null,
  shown: readonly string[],
): { byField: Record<string, string>; rest: UiError | null } {
  if (!error) return { byField: {}, rest: null };
  const byField: Record<string, string> = {};
  const other: FieldError[] = [];
  for (const f of error.fields ?? []) {
    if (shown.includes(f.field)) byField[f.field] = byField[f.field] ? `${byField[f.field]} ${f.message}` : f.message;
    else other.push(f);
  }
  if (error.code === "validation" && error.fields && error.fields.length > 0 && other.length === 0) {
    return { byField, rest: null };
  }
  return { byField, rest: other.length > 0 ? { ...error, fields: other } : { ...error, fields: undefined } };
}

// Maps the server's field errors onto form inputs. Errors whose path has no input (e.g. a
// list-level "emergency_contacts" limit) are returned separately for a summary at the top.
import type { FieldError } from "../../../bindings/FieldError";
import { fieldPaths, type PatientFormValues } from "./formModel";

/** Older spellings some messages may use, mapped to the binding field names. */
const ALIASES: Record<string, string> = {
  "name.given": "given_name",
  "name.middle": "middle_name",
  "name.family": "family_name",
  insurance: "has_insurance",
};

export type SplitErrors = { byPath: Record<string, string>; unmatched: FieldError[] };

export function splitFieldErrors(fields: readonly FieldError[], values: PatientFormValues): SplitErrors {
  const known = new Set(fieldPaths(values));
  const byPath: Record<string, string> = {};
  const unmatched: FieldError[] = [];
  for (const f of fields) {
    const path = ALIASES[f.field] ?? f.field;
    if (!known.has(path)) {
      unmatched.push(f);
    } else {
      const prev = byPath[path];
      byPath[path] = prev ? `${prev} ${f.message}` : f.message;
    }
  }
  return { byPath, unmatched };
}

/** The first path (in on-screen order) that has an error, if any. */
export function firstInvalidPath(
  errors: Record<string, unknown>,
  values: PatientFormValues,
): string | undefined {
  return fieldPaths(values).find((p) => errors[p] !== undefined && errors[p] !== null && errors[p] !== "");
}

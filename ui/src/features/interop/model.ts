// Pure helpers of the FHIR screen: the progress bar's value and label, the summary's
// totals, and filtering the problem list.
import type { FhirImportProgress } from "../../bindings/FhirImportProgress";
import type { FhirImportSummary } from "../../bindings/FhirImportSummary";
import type { FhirProblem } from "../../bindings/FhirProblem";
import type { FhirProblemKind } from "../../bindings/FhirProblemKind";
import type { FhirTypeCounts } from "../../bindings/FhirTypeCounts";

/** 0–100: reading the files is the first tenth, applying the patients the rest. */
export function progressPercent(p: FhirImportProgress | null): number {
  if (!p || p.total === 0) return 0;
  const share = Math.min(1, p.done / p.total);
  return Math.round(p.phase === "reading" ? share * 10 : 10 + share * 90);
}

export type Totals = Omit<FhirTypeCounts, "resource_type">;

export function totals(s: FhirImportSummary): Totals {
  const t: Totals = { imported: 0, updated: 0, unchanged: 0, kept: 0, skipped: 0, errors: 0 };
  for (const c of s.by_type) {
    t.imported += c.imported;
    t.updated += c.updated;
    t.unchanged += c.unchanged;
    t.kept += c.kept;
    t.skipped += c.skipped;
    t.errors += c.errors;
  }
  return t;
}

export type ProblemFilter = { kind: FhirProblemKind | "all"; text: string };

export const noFilter: ProblemFilter = { kind: "all", text: "" };

/** Problems of the chosen kind whose type, id, file or reason contains the text (any case). */
export function filterProblems(problems: FhirProblem[], f: ProblemFilter): FhirProblem[] {
  const text = f.text.trim().toLowerCase();
  return problems.filter(
    (p) =>
      (f.kind === "all" || p.kind === f.kind) &&
      (text === "" ||
        [p.resource_type, p.id ?? "", p.source, p.path, p.reason].some((v) => v.toLowerCase().includes(text))),
  );
}

/** Where a problem is: the file, then the NDJSON line or bundle entry. */
export function origin(p: FhirProblem): string {
  if (p.line !== null) return `${p.source}:${p.line}`;
  if (p.entry !== null) return `${p.source} ${p.entry}`;
  return p.source;
}

// English strings of FHIR import and export (merged into `en.interop`): the FHIR screen
// (import with its progress and summary, the clinic-wide export) and "Export FHIR" on a
// patient's chart or profile.
export const enInterop = {
  title: "FHIR import and export",
  import: {
    title: "Import FHIR R4",
    help: "Choose FHIR R4 JSON files: single resources, Bundles (collection, transaction…) or bulk-export NDJSON. Several files are read together, so references between them resolve. Importing the same files again updates what changed at the source and duplicates nothing.",
    choose: "Choose FHIR files…",
    running: "Importing…",
    reading: "Reading files: {{done}} of {{total}}",
    applying: "Importing patients: {{done}} of {{total}}",
    progressLabel: "Import progress",
    cancelled: "No files were chosen.",
    failed: "The import stopped. Patients imported before the problem are complete; the others were not touched. Fix the cause and import the same files again.",
  },
  summary: {
    title: "Import summary",
    overview:
      "{{files}} files, {{resources}} resources read in {{seconds}} s. Patients: {{imported}} new, {{updated}} updated, {{unchanged}} unchanged, {{skipped}} not imported.",
    duplicates_one:
      "{{count}} new patient looks like someone already registered (same name and date of birth): review it on the Conflicts screen.",
    duplicates_other:
      "{{count}} new patients look like people already registered (same name and date of birth): review them on the Conflicts screen.",
    openConflicts: "Open Conflicts",
    byType: "By resource type",
    type: "Resource type",
    imported: "Imported",
    updated: "Updated",
    unchanged: "Unchanged",
    kept: "Kept as FHIR",
    keptHelp:
      "Kept as FHIR: the chart has no place for these (procedures, immunizations, practitioners…). They are stored as they came and returned by export.",
    skipped: "Skipped",
    errors: "Errors",
    total: "Total",
    problems: "Problems",
    noProblems: "No problems: everything in the files was imported or kept.",
    filterKind: "Show",
    filterText: "Filter",
    filterTextPlaceholder: "Resource type, id, file or reason",
    kind: {
      all: "All",
      error: "Errors",
      skipped: "Skipped",
      kept: "Kept: refused by the chart's checks",
    },
    kindBadge: {
      error: "Error",
      skipped: "Skipped",
      kept: "Kept",
    },
    resource: "Resource",
    where: "Where",
    reason: "Reason",
    count_one: "",
    count_other: "{{count}} like this",
    noneMatch: "No problem matches the filter.",
    notListed_one: "{{count}} more problem is not listed.",
    notListed_other: "{{count}} more problems are not listed.",
  },
  exportAll: {
    title: "Export every patient",
    help: "Writes the clinic's patients (demographics) as FHIR R4 bulk-data NDJSON, one Patient a line, to a file you choose. Restricted records you may not see are left out. The export is recorded in the audit trail.",
    button: "Export all patients (NDJSON)",
    running: "Exporting…",
    done: "Saved {{patients}} patients to {{path}}.",
    withheld_one: "{{count}} restricted record was left out.",
    withheld_other: "{{count}} restricted records were left out.",
  },
  exportPatient: {
    button: "Export FHIR",
    running: "Exporting…",
    help: "Saves this patient's whole record as a FHIR R4 Bundle to a file you choose (recorded in the audit trail).",
    done: "Saved {{resources}} FHIR resources to {{path}}.",
    dismiss: "Dismiss",
  },
};

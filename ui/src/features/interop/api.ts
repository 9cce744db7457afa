// FHIR import and export commands. The shell opens the native file dialogs: `null` means
// the user cancelled. While an import runs the shell sends `fhir-import-progress` events.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { FhirImportProgress } from "../../bindings/FhirImportProgress";
import type { FhirImportSummary } from "../../bindings/FhirImportSummary";
import type { FhirPatientExported } from "../../bindings/FhirPatientExported";
import type { FhirPatientsExported } from "../../bindings/FhirPatientsExported";
import type { PatientId } from "../../bindings/PatientId";

export const PROGRESS_EVENT = "fhir-import-progress";

export const importFhir = (): Promise<FhirImportSummary | null> => invoke<FhirImportSummary | null>("import_fhir");

export const exportFhirPatient = (patientId: PatientId): Promise<FhirPatientExported | null> =>
  invoke<FhirPatientExported | null>("export_fhir_patient", { patientId });

export const exportFhirPatients = (): Promise<FhirPatientsExported | null> =>
  invoke<FhirPatientsExported | null>("export_fhir_patients");

/** Calls `onProgress` for each progress event until the returned function is called.
 *  Outside the Tauri window (tests, a plain browser) there is no event bus: nothing happens. */
export function onImportProgress(onProgress: (p: FhirImportProgress) => void): () => void {
  let active = true;
  let stop: (() => void) | null = null;
  Promise.resolve()
    .then(() => listen<FhirImportProgress>(PROGRESS_EVENT, (e) => onProgress(e.payload)))
    .then((unlisten) => {
      if (active) stop = unlisten;
      else unlisten();
    })
    .catch(() => {});
  return () => {
    active = false;
    stop?.();
  };
}

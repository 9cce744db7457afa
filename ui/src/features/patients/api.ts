// The only place the patient screens talk to the Tauri shell. Each function is one command;
// a failure rejects with a `UiError` (normalize with `toUiError`).
import { invoke } from "@tauri-apps/api/core";
import type { MergeOutcome } from "../../bindings/MergeOutcome";
import type { MergePatients } from "../../bindings/MergePatients";
import type { Patient } from "../../bindings/Patient";
import type { PatientId } from "../../bindings/PatientId";
import type { RegisterOutcome } from "../../bindings/RegisterOutcome";
import type { RegisterPatient } from "../../bindings/RegisterPatient";
import type { UpdatePatient } from "../../bindings/UpdatePatient";

export const registerPatient = (request: RegisterPatient): Promise<RegisterOutcome> =>
  invoke<RegisterOutcome>("register_patient", { request });

export const updatePatient = (request: UpdatePatient): Promise<Patient> =>
  invoke<Patient>("update_patient", { request });

export const getPatient = (id: PatientId): Promise<Patient> => invoke<Patient>("get_patient", { id });

/** Moves every chart item of `merged_id` to `survivor_id`; `merged_id` then redirects. */
export const mergePatients = (request: MergePatients): Promise<MergeOutcome> =>
  invoke<MergeOutcome>("merge_patients", { request });

/** Query keys shared by the screens that read or refresh patient data. */
export const patientKeys = {
  all: ["patient"] as const,
  one: (id: PatientId) => ["patient", id] as const,
};

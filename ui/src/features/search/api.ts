// As-you-type patient search (the `search_patients` command).
import { invoke } from "@tauri-apps/api/core";
import type { PatientSearch } from "../../bindings/PatientSearch";
import type { PatientSearchPage } from "../../bindings/PatientSearchPage";

export const searchPatients = (request: PatientSearch): Promise<PatientSearchPage> =>
  invoke<PatientSearchPage>("search_patients", { request });

export const searchKeys = {
  all: ["search"] as const,
  page: (text: string, page: number, pageSize: number) => ["search", text, page, pageSize] as const,
};

// Restricted patients: the administrator's restriction and care-team commands, and the
// clinician's break-glass request. Each function is one command; failures reject with
// a `UiError`.
import { invoke } from "@tauri-apps/api/core";
import type { BreakGlassGrant } from "../../bindings/BreakGlassGrant";
import type { BreakGlassRequest } from "../../bindings/BreakGlassRequest";
import type { PatientId } from "../../bindings/PatientId";
import type { PatientRestriction } from "../../bindings/PatientRestriction";
import type { PatientRestrictionView } from "../../bindings/PatientRestrictionView";
import type { SetCareTeamMember } from "../../bindings/SetCareTeamMember";
import type { SetPatientRestriction } from "../../bindings/SetPatientRestriction";

export const getPatientRestriction = (id: PatientId): Promise<PatientRestrictionView> =>
  invoke<PatientRestrictionView>("get_patient_restriction", { id });

export const setPatientRestriction = (request: SetPatientRestriction): Promise<PatientRestriction> =>
  invoke<PatientRestriction>("set_patient_restriction", { request });

export const setCareTeamMember = (request: SetCareTeamMember): Promise<null> =>
  invoke<null>("set_care_team_member", { request });

export const breakGlass = (request: BreakGlassRequest): Promise<BreakGlassGrant> =>
  invoke<BreakGlassGrant>("break_glass", { request });

export const restrictionKeys = {
  one: (id: PatientId) => ["restriction", id] as const,
};

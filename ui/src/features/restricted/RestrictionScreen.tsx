// Placeholder: replaced by the restricted-patient work.
import type { PatientId } from "../../bindings/PatientId";

export function RestrictionScreen(_props: { id: PatientId; mrn: string }) {
  return null;
}

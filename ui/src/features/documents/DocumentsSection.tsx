// Placeholder: replaced by the documents work.
import type { PatientId } from "../../bindings/PatientId";

export function DocumentsSection(_props: { patientId: PatientId }) {
  return null;
}

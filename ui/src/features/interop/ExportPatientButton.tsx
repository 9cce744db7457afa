// "Export FHIR" for one patient (on the chart for doctors and nurses, on the profile for
// administrators): the shell asks where in a native save dialog and writes the patient's
// whole record as a FHIR R4 Bundle (audited). Says where it went, or why it could not.
import { Alert, Button, Stack } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { FhirPatientExported } from "../../bindings/FhirPatientExported";
import type { PatientId } from "../../bindings/PatientId";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { exportFhirPatient } from "./api";

export function ExportPatientButton({ patientId }: { patientId: PatientId }) {
  const { t } = useTranslation();
  const exporting = useMutation<FhirPatientExported | null, UiError, void>({
    mutationFn: () => exportFhirPatient(patientId).catch((e: unknown) => Promise.reject(toUiError(e))),
  });
  return (
    <Stack gap="xs">
      <Button
        variant="default"
        title={t("interop.exportPatient.help")}
        data-testid="fhir-export-patient"
        loading={exporting.isPending}
        onClick={() => exporting.mutate()}
      >
        {t("interop.exportPatient.button")}
      </Button>
      {exporting.isError ? <ErrorAlert error={exporting.error} testId="fhir-export-patient-error" /> : null}
      {exporting.data ? (
        <Alert
          color="green"
          role="status"
          data-testid="fhir-export-patient-done"
          withCloseButton
          closeButtonLabel={t("interop.exportPatient.dismiss")}
          onClose={() => exporting.reset()}
        >
          {t("interop.exportPatient.done", { resources: exporting.data.resources, path: exporting.data.path })}
        </Alert>
      ) : null}
    </Stack>
  );
}

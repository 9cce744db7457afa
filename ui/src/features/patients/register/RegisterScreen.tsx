// Register a patient. A first submit may come back with possible duplicates (nothing
// saved); the user opens one of them or confirms and resubmits the same input.
import { Stack, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { DuplicateCandidate } from "../../../bindings/DuplicateCandidate";
import type { RegisterOutcome } from "../../../bindings/RegisterOutcome";
import type { UiError } from "../../../bindings/UiError";
import { toUiError } from "../../../shared/uiError";
import { searchKeys } from "../../search/api";
import { useNavigate } from "../../shell/route";
import { patientKeys, registerPatient } from "../api";
import { emptyForm, formToDetails, type PatientFormValues } from "../form/formModel";
import { PatientForm } from "../form/PatientForm";
import { usePatientForm } from "../form/usePatientForm";
import { DuplicateWarning } from "./DuplicateWarning";

type Submission = { values: PatientFormValues; confirm: boolean };

export function RegisterScreen({ draft }: { draft?: PatientFormValues }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const form = usePatientForm(draft ?? emptyForm());
  const [candidates, setCandidates] = useState<DuplicateCandidate[] | null>(null);
  const [error, setError] = useState<UiError | null>(null);

  const mutation = useMutation<RegisterOutcome, unknown, Submission>({
    mutationFn: ({ values, confirm }) =>
      registerPatient({ details: formToDetails(values), confirm_not_duplicate: confirm }),
    onMutate: () => setError(null),
    onSuccess: (outcome) => {
      if (outcome.status === "possible_duplicates") {
        setCandidates(outcome.candidates);
        return;
      }
      queryClient.setQueryData(patientKeys.one(outcome.patient.id), outcome.patient);
      void queryClient.invalidateQueries({ queryKey: searchKeys.all });
      navigate({ name: "profile", id: outcome.patient.id, flash: "registered" });
    },
    onError: (e) => setError(toUiError(e)),
  });

  const submit = (values: PatientFormValues, confirm: boolean) => mutation.mutate({ values, confirm });
  // Goes through the client checks again, with whatever is in the form now.
  const registerAnyway = form.onSubmit((values) => submit(values, true));

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {t("register.title")}
      </Title>
      {candidates && candidates.length > 0 ? (
        <DuplicateWarning
          candidates={candidates}
          busy={mutation.isPending}
          onOpen={(p) => navigate({ name: "profile", id: p.id, registerDraft: form.getValues() })}
          onRegisterAnyway={() => registerAnyway()}
        />
      ) : null}
      <PatientForm
        form={form}
        mode="register"
        submitting={mutation.isPending}
        error={error}
        onSubmit={(values) => submit(values, false)}
      />
    </Stack>
  );
}

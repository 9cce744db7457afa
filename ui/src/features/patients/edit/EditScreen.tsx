// Edit a patient. The save quotes the version the edit started from; `edit_conflict`
// means someone else saved first: the input stays, and the user picks how to go on.
import { Alert, Button, Center, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Patient } from "../../../bindings/Patient";
import type { UiError } from "../../../bindings/UiError";
import { ErrorAlert } from "../../../shared/ErrorAlert";
import { toUiError } from "../../../shared/uiError";
import { searchKeys } from "../../search/api";
import { useNavigate } from "../../shell/route";
import { getPatient, patientKeys, updatePatient } from "../api";
import { formatName } from "../format";
import { detailsToForm, formToDetails, type PatientFormValues } from "../form/formModel";
import { PatientForm } from "../form/PatientForm";
import { usePatientForm } from "../form/usePatientForm";

export function EditScreen({ id }: { id: string }) {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: patientKeys.one(id), queryFn: () => getPatient(id) });
  if (query.isPending) {
    return (
      <Center p="xl">
        <Loader aria-label={t("profile.loading")} />
      </Center>
    );
  }
  if (query.isError) return <ErrorAlert error={toUiError(query.error)} testId="edit-load-error" />;
  // Keyed by id only: a background refetch must not reset what the user is typing.
  return <EditForm key={query.data.id} patient={query.data} />;
}

function EditForm({ patient }: { patient: Patient }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const form = usePatientForm(detailsToForm(patient.details));
  const [baseVersion, setBaseVersion] = useState(patient.version);
  const [error, setError] = useState<UiError | null>(null);
  const [conflict, setConflict] = useState(false);
  const [rebased, setRebased] = useState(false);

  const save = useMutation<Patient, unknown, PatientFormValues>({
    mutationFn: (values) =>
      updatePatient({ id: patient.id, expected_version: baseVersion, details: formToDetails(values) }),
    onMutate: () => {
      setError(null);
      setConflict(false);
      setRebased(false);
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(patientKeys.one(updated.id), updated);
      void queryClient.invalidateQueries({ queryKey: searchKeys.all });
      navigate({ name: "profile", id: updated.id, flash: "saved" });
    },
    onError: (e) => {
      const err = toUiError(e);
      if (err.code === "edit_conflict") setConflict(true);
      else setError(err);
    },
  });

  const latest = useMutation<Patient, unknown, "reload" | "keep">({
    mutationFn: () => getPatient(patient.id),
    onSuccess: (fresh, choice) => {
      queryClient.setQueryData(patientKeys.one(fresh.id), fresh);
      setBaseVersion(fresh.version);
      setConflict(false);
      if (choice === "reload") {
        form.setValues(detailsToForm(fresh.details));
        form.resetDirty();
        form.clearErrors();
      } else {
        setRebased(true);
      }
    },
    onError: (e) => setError(toUiError(e)),
  });

  const busy = save.isPending || latest.isPending;
  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {t("edit.title")}: {formatName(patient.details)}
      </Title>
      {conflict ? (
        <Alert color="orange" title={t("edit.conflictTitle")} data-testid="edit-conflict" role="alert">
          <Text size="sm" mb="sm">
            {t("edit.conflictBody")}
          </Text>
          <Group>
            <Button data-testid="conflict-reload" onClick={() => latest.mutate("reload")} disabled={busy}>
              {t("edit.reload")}
            </Button>
            <Button variant="default" data-testid="conflict-keep-mine" onClick={() => latest.mutate("keep")} disabled={busy}>
              {t("edit.keepMine")}
            </Button>
          </Group>
        </Alert>
      ) : null}
      {rebased ? (
        <Alert color="blue" data-testid="edit-rebased" role="status">
          {t("edit.rebased")}
        </Alert>
      ) : null}
      <PatientForm
        form={form}
        mode="edit"
        submitting={busy}
        error={error}
        onSubmit={(values) => save.mutate(values)}
        onCancel={() => navigate({ name: "profile", id: patient.id })}
      />
    </Stack>
  );
}

// "Merge a duplicate…" on a profile: find the other record (`MergeCandidates`), compare
// the two and choose the survivor (`MergeComparison`, the current record by default),
// read what will happen, then `merge_patients`. On success the searches and patient
// queries are refreshed and `onMerged` gets the outcome (the profile navigates).
import { Alert, Button, Center, Group, List, Loader, Modal, Stack, Text } from "@mantine/core";
import { skipToken, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { MergeOutcome } from "../../../bindings/MergeOutcome";
import type { MergePatients } from "../../../bindings/MergePatients";
import type { Patient } from "../../../bindings/Patient";
import type { PatientSummary } from "../../../bindings/PatientSummary";
import type { UiError } from "../../../bindings/UiError";
import { ErrorAlert } from "../../../shared/ErrorAlert";
import { toUiError } from "../../../shared/uiError";
import { searchKeys } from "../../search/api";
import { getPatient, mergePatients, patientKeys } from "../api";
import { formatName } from "../format";
import { MergeCandidates } from "./MergeCandidates";
import { MergeComparison, type Survivor } from "./MergeComparison";

type Props = { current: Patient; onClose: () => void; onMerged: (outcome: MergeOutcome) => void };

export function MergeDialog({ current, onClose, onMerged }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [text, setText] = useState("");
  const [picked, setPicked] = useState<PatientSummary | null>(null);
  const [survivor, setSurvivor] = useState<Survivor>("current");
  const other = useQuery({
    queryKey: patientKeys.one(picked?.id ?? ""),
    queryFn: picked ? () => getPatient(picked.id) : skipToken,
  });
  const merge = useMutation<MergeOutcome, unknown, MergePatients>({
    mutationFn: mergePatients,
    onSuccess: (outcome) => {
      client.setQueryData(patientKeys.one(outcome.survivor.id), outcome.survivor);
      void client.invalidateQueries({ queryKey: searchKeys.all });
      void client.invalidateQueries({ queryKey: patientKeys.all });
      onMerged(outcome);
    },
  });
  const busy = merge.isPending;

  const close = () => {
    if (!busy) onClose();
  };
  const back = () => {
    merge.reset();
    setSurvivor("current");
    setPicked(null);
  };
  const choose = (s: Survivor) => {
    merge.reset();
    setSurvivor(s);
  };
  const confirm = () => {
    if (!picked) return;
    const [survivor_id, merged_id] = survivor === "current" ? [current.id, picked.id] : [picked.id, current.id];
    merge.mutate({ survivor_id, merged_id });
  };

  const otherMrn = other.data?.mrn ?? picked?.mrn ?? "";
  const mrns =
    survivor === "current" ? { survivor: current.mrn, merged: otherMrn } : { survivor: otherMrn, merged: current.mrn };

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={close}
      title={t("patients.merge.title")}
      size="xl"
      closeButtonProps={{ "aria-label": t("patients.merge.cancel") }}
    >
      <Stack gap="sm" data-testid="merge-dialog" data-patient-id={current.id} aria-busy={busy}>
        <Text size="sm">
          {t("patients.merge.thisRecord")}:{" "}
          <Text span fw={700}>
            {formatName(current.details)} · {current.mrn}
          </Text>
        </Text>
        {!picked ? (
          <MergeCandidates currentId={current.id} text={text} onText={setText} onPick={setPicked} />
        ) : other.isPending ? (
          <Center p="md">
            <Loader aria-label={t("patients.merge.loadingOther")} data-testid="merge-loading" />
          </Center>
        ) : other.isError ? (
          <ErrorAlert error={toUiError(other.error)} testId="merge-load-error" />
        ) : (
          <>
            <MergeComparison
              current={current}
              other={other.data}
              survivor={survivor}
              onSurvivor={choose}
              disabled={busy}
            />
            <Alert color="orange" title={t("patients.merge.warningTitle")} data-testid="merge-warning">
              <List size="sm" spacing={4}>
                <List.Item>{t("patients.merge.warningMoves", mrns)}</List.Item>
                <List.Item>{t("patients.merge.warningRedirect", mrns)}</List.Item>
                <List.Item>{t("patients.merge.warningDetails", mrns)}</List.Item>
                <List.Item>{t("patients.merge.warningRestriction")}</List.Item>
              </List>
            </Alert>
          </>
        )}
        {merge.isError ? <MergeError error={toUiError(merge.error)} /> : null}
        <Group justify="space-between">
          {picked ? (
            <Button variant="subtle" onClick={back} disabled={busy} data-testid="merge-back">
              {t("patients.merge.chooseAnother")}
            </Button>
          ) : (
            <span />
          )}
          <Group gap="sm">
            <Button variant="default" onClick={close} disabled={busy} data-testid="merge-cancel">
              {t("patients.merge.cancel")}
            </Button>
            {picked ? (
              <Button
                color="red"
                onClick={confirm}
                loading={busy}
                disabled={!other.isSuccess}
                data-testid="merge-confirm"
              >
                {busy ? t("patients.merge.merging") : t("patients.merge.confirm")}
              </Button>
            ) : null}
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The merge was refused: the backend's field messages, a restricted record, or the usual. */
function MergeError({ error }: { error: UiError }) {
  const { t } = useTranslation();
  const fields = error.fields ?? [];
  if (error.code === "validation" && fields.length > 0) {
    return (
      <Alert color="red" title={t("patients.merge.errorTitle")} data-testid="merge-error" data-code={error.code} role="alert">
        <List size="sm">
          {fields.map((f, i) => (
            <List.Item key={i} data-testid="merge-field-error" data-field={f.field}>
              {f.message}
            </List.Item>
          ))}
        </List>
      </Alert>
    );
  }
  if (error.code === "restricted_patient") {
    return (
      <Alert color="red" title={t("patients.merge.errorTitle")} data-testid="merge-error" data-code={error.code} role="alert">
        <Text size="sm">{t("patients.merge.restricted")}</Text>
        {error.message ? (
          <Text size="xs" c="dimmed" mt={4}>
            {t("errors.detail", { message: error.message })}
          </Text>
        ) : null}
      </Alert>
    );
  }
  return <ErrorAlert error={error} testId="merge-error" title={t("patients.merge.errorTitle")} />;
}

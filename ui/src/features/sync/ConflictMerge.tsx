// "Review & merge" from a possible-duplicate conflict: loads the first registration and
// opens the patients' merge dialog on it (the other record is found there by its MRN).
// After a merge the survivor's profile opens with the usual "N chart items moved" notice.
import { Center, Loader, Modal } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { MergeOutcome } from "../../bindings/MergeOutcome";
import type { PatientId } from "../../bindings/PatientId";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { getPatient, patientKeys } from "../patients/api";
import { MergeDialog } from "../patients/merge/MergeDialog";

type Props = { patientId: PatientId; onClose: () => void; onMerged: (outcome: MergeOutcome) => void };

export function ConflictMerge({ patientId, onClose, onMerged }: Props) {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: patientKeys.one(patientId), queryFn: () => getPatient(patientId) });
  if (query.data) return <MergeDialog current={query.data} onClose={onClose} onMerged={onMerged} />;
  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={onClose}
      title={t("sync.conflicts.merge")}
      closeButtonProps={{ "aria-label": t("sync.conflicts.close") }}
    >
      {query.isError ? (
        <ErrorAlert error={toUiError(query.error)} testId="conflict-merge-error" />
      ) : (
        <Center p="md">
          <Loader aria-label={t("sync.conflicts.loadingPatient")} data-testid="conflict-merge-loading" />
        </Center>
      )}
    </Modal>
  );
}

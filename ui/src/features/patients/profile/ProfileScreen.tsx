// A patient's record, read-only, with Edit. Arriving after a save or registration shows
// a confirmation; arriving from a duplicate warning offers the way back to that form.
// A restricted chart (`restricted_patient`) shows `RestrictedChart` instead; an
// administrator also gets "Export FHIR" (the record as a FHIR Bundle: administrators
// have no chart to export it from) and "Restriction" (the restriction panel); doctors and nurses get
// "Open chart" (the clinical chart). Staff who may register patients also get "Merge a
// duplicate…" (`MergeDialog`); the survivor's profile then shows how many chart items
// moved, and a record opened through a merged id says it is the surviving record.
// Whoever links patients to their primary care provider also gets that panel
// (`features/provider`: the link, "Sync now", and for clinicians the records pulled).
import { Alert, Button, Center, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useContext, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { MergeOutcome } from "../../../bindings/MergeOutcome";
import { ErrorAlert } from "../../../shared/ErrorAlert";
import { toUiError } from "../../../shared/uiError";
import { ExportPatientButton } from "../../interop/ExportPatientButton";
import { PatientBillingPanel } from "../../billing/PatientBillingPanel";
import { canUseBilling } from "../../billing/model";
import { canBook, canRegisterPatients, canViewChart } from "../../session/roles";
import { ProviderRecordsPanel } from "../../provider/ProviderRecordsPanel";
import { PatientAppointmentsPanel } from "../../schedule/PatientAppointmentsPanel";
import { SessionContext } from "../../session/SessionContext";
import { useNavigate, type Route } from "../../shell/route";
import { getPatient, patientKeys } from "../api";
import { formatName } from "../format";
import { MergeDialog } from "../merge/MergeDialog";
import { clearMergeNotice, leaveMergeNotice, peekMergeNotice } from "../merge/mergeNotice";
import { PatientDetailsView } from "./PatientDetailsView";
import { RestrictedChart } from "./RestrictedChart";

type Props = Extract<Route, { name: "profile" }>;

export function ProfileScreen({ id, flash, registerDraft }: Props) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  // Read without `useSession()` so the profile also renders where no session is provided
  // (component tests); it only decides which buttons to show (the shell checks commands).
  const role = useContext(SessionContext)?.role;
  const isAdministrator = role === "administrator";
  const canEdit = role === undefined || canRegisterPatients(role);
  const mayOpenChart = role !== undefined && canViewChart(role);
  const mayMerge = role !== undefined && canRegisterPatients(role);
  const maySeeAppointments = role !== undefined && (canBook(role) || role === "billing");
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [showFlash, setShowFlash] = useState(flash !== undefined);
  const [merging, setMerging] = useState(false);
  // Chart items moved by a merge that led here (shown once).
  const [mergedMoved, setMergedMoved] = useState(() => peekMergeNotice(id));
  const query = useQuery({ queryKey: patientKeys.one(id), queryFn: () => getPatient(id) });
  const loaded = query.data !== undefined;

  useEffect(() => setShowFlash(flash !== undefined), [id, flash]);
  useEffect(() => clearMergeNotice(id), [id]);
  useEffect(() => {
    if (loaded) headingRef.current?.focus();
  }, [loaded, id]);

  const back = (
    <Group>
      <Button variant="subtle" data-testid="back-to-search" onClick={() => navigate({ name: "search" })}>
        {t("profile.backToSearch")}
      </Button>
      {registerDraft ? (
        <Button
          variant="subtle"
          data-testid="back-to-registration"
          onClick={() => navigate({ name: "register", draft: registerDraft })}
        >
          {t("profile.backToRegistration")}
        </Button>
      ) : null}
    </Group>
  );

  if (query.isPending) {
    return (
      <Center p="xl">
        <Loader aria-label={t("profile.loading")} data-testid="profile-loading" />
      </Center>
    );
  }
  if (query.isError) {
    const error = toUiError(query.error);
    return (
      <Stack>
        {back}
        {error.code === "restricted_patient" ? (
          <RestrictedChart id={id} error={error} />
        ) : (
          <ErrorAlert error={error} testId="profile-error" />
        )}
      </Stack>
    );
  }

  const p = query.data;
  const onMerged = (outcome: MergeOutcome) => {
    setMerging(false);
    // This screen stays mounted when it is the survivor; otherwise the next profile reads it.
    if (outcome.survivor.id === id) setMergedMoved(outcome.moved);
    else leaveMergeNotice(outcome.survivor.id, outcome.moved);
    navigate({ name: "profile", id: outcome.survivor.id });
  };
  return (
    <Stack gap="md" data-testid="patient-profile" data-patient-id={p.id}>
      {back}
      {showFlash ? (
        <Alert
          color="green"
          role="status"
          data-testid="profile-flash"
          withCloseButton
          closeButtonLabel={t("profile.dismiss")}
          onClose={() => setShowFlash(false)}
        >
          {flash === "registered" ? t("profile.registered", { mrn: p.mrn }) : t("profile.saved")}
        </Alert>
      ) : null}
      {mergedMoved !== undefined ? (
        <Alert
          color="green"
          role="status"
          data-testid="merge-done"
          withCloseButton
          closeButtonLabel={t("profile.dismiss")}
          onClose={() => setMergedMoved(undefined)}
        >
          {t("patients.merge.done", { count: mergedMoved })}
        </Alert>
      ) : null}
      {p.redirected_from ? (
        <Alert color="blue" role="status" data-testid="merged-redirect" data-redirected-from={p.redirected_from}>
          {t("patients.merge.redirected", { mrn: p.mrn })}
        </Alert>
      ) : null}
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={1} size="h2" ref={headingRef} tabIndex={-1} data-testid="profile-name" className="focus-target">
            {formatName(p.details)}
          </Title>
          <Text mt={4}>
            {t("profile.mrn")}:{" "}
            <Text span fw={700} data-testid="profile-mrn">
              {p.mrn}
            </Text>
          </Text>
        </div>
        <Group gap="sm">
          {isAdministrator ? <ExportPatientButton patientId={p.id} /> : null}
          {isAdministrator ? (
            <Button
              variant="default"
              data-testid="profile-restriction"
              onClick={() => navigate({ name: "restriction", id: p.id, mrn: p.mrn })}
            >
              {t("admin.restricted.restriction")}
            </Button>
          ) : null}
          {mayOpenChart ? (
            <Button variant="default" data-testid="open-chart" onClick={() => navigate({ name: "chart", id: p.id })}>
              {t("chart.open")}
            </Button>
          ) : null}
          {mayMerge ? (
            <Button variant="default" data-testid="merge-open" onClick={() => setMerging(true)}>
              {t("patients.merge.open")}
            </Button>
          ) : null}
          {canEdit ? (
            <Button data-testid="edit-patient" onClick={() => navigate({ name: "edit", id: p.id })}>
              {t("profile.edit")}
            </Button>
          ) : null}
        </Group>
      </Group>
      <PatientDetailsView patient={p} />
      {maySeeAppointments ? <PatientAppointmentsPanel patientId={p.id} /> : null}
      {role !== undefined && canUseBilling(role) ? <PatientBillingPanel patientId={p.id} label={formatName(p.details)} /> : null}
      <ProviderRecordsPanel patientId={p.id} mrn={p.mrn} />
      {merging ? <MergeDialog current={p} onClose={() => setMerging(false)} onMerged={onMerged} /> : null}
      {query.isFetching ? (
        <Text size="xs" c="dimmed" aria-live="polite">
          {t("profile.loading")}
        </Text>
      ) : null}
    </Stack>
  );
}

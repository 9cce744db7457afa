// A patient's clinical chart (doctors and nurses): the header (name, MRN, date of birth
// and age, "Back to profile"), the allergy banner, the latest vitals and recent results
// (`features/results`), the problems, medications, allergies and treatment plans
// sections, the results table and trends, the timeline of visits and notes
// (`features/notes`), the documents (`features/documents`) and the records from the
// patient's primary care provider (`features/provider`), each with its own
// dialogs; "Export FHIR" (`features/interop`) once the chart is open. It owns which chart-entry dialog is open (add/edit, status, history), the
// confirmation after a save, and which trend is shown. A restricted chart shows why and
// points back to the profile, where emergency access is requested.
import { Alert, Button, Center, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { ChartEntry } from "../../bindings/ChartEntry";
import type { ChartEntryKind } from "../../bindings/ChartEntryKind";
import type { ChartSummary } from "../../bindings/ChartSummary";
import type { Patient } from "../../bindings/Patient";
import type { PatientId } from "../../bindings/PatientId";
import { toUiError } from "../../shared/uiError";
import { DocumentsSection } from "../documents/DocumentsSection";
import { ExportPatientButton } from "../interop/ExportPatientButton";
import { TimelineSection } from "../notes/TimelineSection";
import { getPatient, patientKeys } from "../patients/api";
import { ProviderRecordsPanel } from "../provider/ProviderRecordsPanel";
import { ageOn, formatName } from "../patients/format";
import { todayIso } from "../patients/form/validation";
import { trendChoiceFor } from "../results/model";
import { ResultsSection } from "../results/ResultsSection";
import { PatientAppointmentsPanel } from "../schedule/PatientAppointmentsPanel";
import { VitalsSummary } from "../results/VitalsSummary";
import { useNavigate } from "../shell/route";
import { AllergyBanner } from "./AllergyBanner";
import { chartKeys, getChartSummary } from "./api";
import type { EntryAction } from "./ChartEntryRow";
import { ChartError } from "./ChartError";
import { ChartSection } from "./ChartSection";
import { EntryDialog } from "./EntryDialog";
import { HistoryDialog } from "./HistoryDialog";
import { entryTitle, KINDS } from "./model";
import { StatusDialog } from "./StatusDialog";

type Dialog = { type: "add"; kind: ChartEntryKind } | { type: EntryAction; entry: ChartEntry };

const ACTIVE: Record<ChartEntryKind, (s: ChartSummary) => ChartEntry[]> = {
  allergy: (s) => s.allergies,
  medication: (s) => s.medications,
  problem: (s) => s.problems,
  plan: (s) => s.plans,
};

export function ChartScreen({ id }: { id: PatientId }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const patient = useQuery({ queryKey: patientKeys.one(id), queryFn: () => getPatient(id) });
  // After the patient loads, so a restricted chart is refused (and audited) once.
  const summary = useQuery({
    queryKey: chartKeys.summary(id),
    queryFn: () => getChartSummary(id),
    enabled: patient.isSuccess,
  });
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [trendCode, setTrendCode] = useState<string | null>(null);
  const [trendFocus, setTrendFocus] = useState(0);

  const showTrend = (code: string) => {
    setTrendCode(trendChoiceFor(code));
    setTrendFocus((n) => n + 1);
  };
  const open = (next: Dialog) => {
    setNotice(null);
    setDialog(next);
  };
  const done = (text: string) => {
    setDialog(null);
    setNotice(text);
  };

  let body;
  if (patient.isError) {
    body = <ChartError error={toUiError(patient.error)} testId="chart-error" />;
  } else if (patient.isPending || summary.isPending) {
    body = (
      <Center p="xl">
        <Loader aria-label={t("chart.loading")} data-testid="chart-loading" />
      </Center>
    );
  } else if (summary.isError) {
    body = <ChartError error={toUiError(summary.error)} testId="chart-error" />;
  } else {
    const s = summary.data;
    body = (
      <>
        <AllergyBanner
          patientId={id}
          status={s.allergy_status}
          allergies={s.allergies}
          onRecord={() => open({ type: "add", kind: "allergy" })}
          onNkaRecorded={() => setNotice(t("chart.notice.nka"))}
        />
        <VitalsSummary patientId={id} onShowTrend={showTrend} />
        {KINDS.map((kind) => (
          <ChartSection
            key={kind}
            patientId={id}
            kind={kind}
            active={ACTIVE[kind](s)}
            onAdd={(k) => open({ type: "add", kind: k })}
            onAction={(type, entry) => open({ type, entry })}
          />
        ))}
        <ResultsSection
          patientId={id}
          trendCode={trendCode}
          onTrendCode={setTrendCode}
          onShowTrend={showTrend}
          trendFocus={trendFocus}
        />
        <PatientAppointmentsPanel patientId={id} />
        <TimelineSection patientId={id} />
        <DocumentsSection patientId={id} />
        <ProviderRecordsPanel patientId={id} mrn={patient.data.mrn} />
        {summary.isFetching ? (
          <Text size="xs" c="dimmed" aria-live="polite">
            {t("chart.refreshing")}
          </Text>
        ) : null}
      </>
    );
  }

  return (
    <Stack gap="md" data-testid="chart-screen" data-patient-id={id}>
      <Group justify="space-between" align="flex-start">
        <Button variant="subtle" data-testid="chart-back" onClick={() => navigate({ name: "profile", id })}>
          {t("chart.back")}
        </Button>
        {summary.isSuccess ? <ExportPatientButton patientId={id} /> : null}
      </Group>
      {patient.data ? <ChartHeader patient={patient.data} /> : null}
      {notice ? (
        <Alert
          color="green"
          role="status"
          data-testid="chart-notice"
          withCloseButton
          closeButtonLabel={t("chart.notice.dismiss")}
          onClose={() => setNotice(null)}
        >
          {notice}
        </Alert>
      ) : null}
      {body}
      {dialog?.type === "add" || dialog?.type === "edit" ? (
        <EntryDialog
          patientId={id}
          kind={dialog.type === "add" ? dialog.kind : dialog.entry.details.kind}
          entry={dialog.type === "edit" ? dialog.entry : undefined}
          onClose={() => setDialog(null)}
          onDone={(entry, mode) => done(t(`chart.notice.${mode}`, { what: entryTitle(entry.details) }))}
        />
      ) : null}
      {dialog?.type === "status" ? (
        <StatusDialog
          patientId={id}
          entry={dialog.entry}
          onClose={() => setDialog(null)}
          onDone={(entry) =>
            done(t("chart.notice.status", { what: entryTitle(entry.details), status: t(`chart.status.${entry.status}`) }))
          }
        />
      ) : null}
      {dialog?.type === "history" ? <HistoryDialog entry={dialog.entry} onClose={() => setDialog(null)} /> : null}
    </Stack>
  );
}

function ChartHeader({ patient }: { patient: Patient }) {
  const { t } = useTranslation();
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), [patient.id]);
  const d = patient.details;
  const age = ageOn(d.date_of_birth, todayIso());
  const ageText = !age
    ? null
    : age.years >= 2
      ? t("profile.age", { count: age.years })
      : t("profile.ageMonths", { count: age.months });
  return (
    <div>
      <Text size="sm" c="dimmed">
        {t("chart.title")}
      </Text>
      <Title order={1} size="h2" ref={headingRef} tabIndex={-1} className="focus-target" data-testid="chart-patient-name">
        {formatName(d)}
      </Title>
      <Group gap="lg" mt={4}>
        <Text>
          {t("chart.mrn")}:{" "}
          <Text span fw={700} data-testid="chart-patient-mrn">
            {patient.mrn}
          </Text>
        </Text>
        <Text>
          {t("chart.dob")}:{" "}
          <Text span fw={700} data-testid="chart-patient-dob">
            {ageText ? t("profile.dobWithAge", { dob: d.date_of_birth, age: ageText }) : d.date_of_birth}
          </Text>
        </Text>
      </Group>
    </div>
  );
}

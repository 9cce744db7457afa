// The allergy banner at the top of the chart (it stays in view while scrolling): active
// allergies in red; "no known allergies" as a clinician's dated statement; "not recorded"
// as a yellow warning with "No known allergies" and "Record allergy"; "no active
// allergies" as neutral text. "No known allergies" and "not recorded" never look alike.
import { Alert, Button, Group, List, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { AllergyStatus } from "../../bindings/AllergyStatus";
import type { ChartEntry } from "../../bindings/ChartEntry";
import type { PatientId } from "../../bindings/PatientId";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { splitErrors } from "../admin/format";
import { chartKeys, setNoKnownAllergies } from "./api";
import { ChartError } from "./ChartError";
import { allergyLine, formatInstant } from "./format";

type Props = {
  patientId: PatientId;
  status: AllergyStatus;
  /** The active allergies (from the chart summary). */
  allergies: ChartEntry[];
  onRecord: () => void;
  onNkaRecorded: () => void;
};

const COLOR: Record<AllergyStatus["state"], string> = {
  has_allergies: "red",
  not_recorded: "yellow",
  no_known_allergies: "gray",
  no_active_allergies: "gray",
};

export function AllergyBanner({ patientId, status, allergies, onRecord, onNkaRecorded }: Props) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const nka = useMutation<AllergyStatus, UiError, void>({
    mutationFn: () =>
      setNoKnownAllergies({ patient_id: patientId }).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: chartKeys.patient(patientId) });
      onNkaRecorded();
    },
  });
  const errors = splitErrors(nka.error, ["no_known_allergies"]);
  const state = status.state;

  let title: string;
  let body;
  if (status.state === "has_allergies") {
    title = t("chart.banner.has_allergies");
    body = (
      <List size="sm" data-testid="allergy-banner-list">
        {allergies.map((a) => (
          <List.Item key={a.id} data-testid="allergy-banner-item" fw={a.details.kind === "allergy" && a.details.severity === "severe" ? 700 : undefined}>
            {allergyLine(t, a.details)}
          </List.Item>
        ))}
      </List>
    );
  } else if (status.state === "no_known_allergies") {
    title = t("chart.banner.no_known_allergies");
    const date = formatInstant(status.asserted_at, i18n.language);
    body = (
      <Text size="sm" data-testid="allergy-banner-nka">
        {status.asserted_by
          ? t("chart.banner.nkaStated", { name: status.asserted_by, date })
          : t("chart.banner.nkaStatedUnknown", { date })}
      </Text>
    );
  } else if (status.state === "not_recorded") {
    title = t("chart.banner.not_recorded");
    body = <Text size="sm">{t("chart.banner.notRecordedBody")}</Text>;
  } else {
    title = t("chart.banner.no_active_allergies");
    body = <Text size="sm">{t("chart.banner.noActiveBody")}</Text>;
  }

  const mayStateNka = state === "not_recorded" || state === "no_active_allergies";
  return (
    <div className="allergy-banner">
      <Alert
        color={COLOR[state]}
        variant={state === "has_allergies" ? "filled" : "light"}
        title={title}
        role="region"
        aria-label={t("chart.banner.label")}
        data-testid="allergy-banner"
        data-state={state}
        className={`allergy-banner-${state}`}
      >
        {body}
        {mayStateNka ? (
          <Group gap="sm" mt="sm">
            <Button
              size="xs"
              variant="default"
              loading={nka.isPending}
              onClick={() => nka.mutate()}
              data-testid="allergy-nka"
            >
              {nka.isPending ? t("chart.banner.nkaSaving") : t("chart.banner.nka")}
            </Button>
            <Button size="xs" variant="default" onClick={onRecord} data-testid="allergy-record">
              {t("chart.banner.record")}
            </Button>
          </Group>
        ) : null}
        {errors.byField.no_known_allergies ? (
          <Text size="sm" c="red" mt="xs" role="alert" data-testid="chart-error-no_known_allergies">
            {errors.byField.no_known_allergies}
          </Text>
        ) : null}
      </Alert>
      {errors.rest ? (
        <ChartError error={errors.rest} testId="allergy-nka-error" title={t("chart.banner.errorTitle")} />
      ) : null}
    </div>
  );
}

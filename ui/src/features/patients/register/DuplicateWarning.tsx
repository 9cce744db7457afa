// Shown when registration found possible duplicates. Nothing was saved; the form below
// keeps its input so "Register as new patient anyway" resubmits exactly what was typed.
import { Alert, Button, Group, Stack, Text } from "@mantine/core";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { DuplicateCandidate } from "../../../bindings/DuplicateCandidate";
import type { PatientSummary } from "../../../bindings/PatientSummary";
import { formatName } from "../format";

type Props = {
  candidates: DuplicateCandidate[];
  busy: boolean;
  onOpen: (p: PatientSummary) => void;
  onRegisterAnyway: () => void;
};

export function DuplicateWarning({ candidates, busy, onOpen, onRegisterAnyway }: Props) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [candidates]);

  return (
    <div ref={ref} tabIndex={-1} className="focus-target">
      <Alert color="orange" title={t("register.dupTitle")} data-testid="duplicate-warning" role="alert">
        <Stack gap="sm">
          <Text size="sm">{t("register.dupBody")}</Text>
          <ul className="candidate-list">
            {candidates.map(({ patient: p, reasons }) => (
              <li key={p.id} data-testid="duplicate-candidate" data-patient-id={p.id} className="candidate">
                <Group justify="space-between" wrap="wrap" gap="xs">
                  <div>
                    <Text fw={700}>{formatName(p)}</Text>
                    <Text size="sm">
                      {t("search.col.dob")}: {p.date_of_birth} · {t("search.col.mrn")}: {p.mrn}
                      {p.phone ? ` · ${t("search.col.phone")}: ${p.phone}` : ""}
                    </Text>
                    <Text size="sm" data-testid="duplicate-reasons">
                      {t("register.dupReasons")}: {reasons.map((r) => t(`register.reason.${r}`)).join(", ")}
                    </Text>
                  </div>
                  <Button variant="default" data-testid="open-existing" onClick={() => onOpen(p)} disabled={busy}>
                    {t("register.open")}
                  </Button>
                </Group>
              </li>
            ))}
          </ul>
          <Group>
            <Button color="orange" data-testid="register-anyway" onClick={onRegisterAnyway} disabled={busy}>
              {t("register.anyway")}
            </Button>
          </Group>
        </Stack>
      </Alert>
    </div>
  );
}

// One open sync conflict. An identity field: the patient, the field in words, what the
// record shows now and the other device's value, with "Keep current" / "Use other"
// (front desk and administrators). A possible duplicate: both registrations with MRNs,
// "Not the same person" (front desk and administrators) and "Review & merge" (those who
// may merge) or "Open record" (everyone else who sees it).
import { Button, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { ConflictResolution } from "../../bindings/ConflictResolution";
import type { SyncConflict } from "../../bindings/SyncConflict";
import { formatInstant } from "../chart/format";
import { fieldLabel, valueText } from "./model";

type Props = {
  conflict: SyncConflict;
  /** Front desk and administrators. */
  mayResolve: boolean;
  /** This conflict's resolution is being sent. */
  busy: boolean;
  /** Another conflict's resolution is being sent. */
  disabled: boolean;
  onResolve: (resolution: ConflictResolution) => void;
  /** Opens the merge flow (roles that may merge); otherwise `onOpen` is offered. */
  onMerge?: () => void;
  onOpen: () => void;
};

export function ConflictCard({ conflict: c, mayResolve, busy, disabled, onResolve, onMerge, onOpen }: Props) {
  const { t, i18n } = useTranslation();
  const patient = t("sync.conflicts.patient", { label: c.patient_label, mrn: c.mrn });
  const detected = t("sync.conflicts.detected", { when: formatInstant(c.detected_at, i18n.language, true) });
  const off = busy || disabled;

  if (c.kind === "identity_field") {
    const field = fieldLabel(t, c.field);
    return (
      <Paper withBorder p="md" component="li" data-testid="conflict-item" data-id={c.id} data-kind={c.kind}>
        <Stack gap="xs">
          <Title order={2} size="h5">
            {t("sync.conflicts.identityTitle", { field })}
          </Title>
          <Text size="sm" fw={600} data-testid="conflict-patient">
            {patient}
          </Text>
          <dl className="sync-values">
            <dt>{t("sync.conflicts.current")}</dt>
            <dd data-testid="conflict-current">{valueText(t, c.field, c.current_value)}</dd>
            <dt>{t("sync.conflicts.other")}</dt>
            <dd data-testid="conflict-other">{valueText(t, c.field, c.other_value)}</dd>
          </dl>
          <Text size="xs" c="dimmed">
            {detected}
          </Text>
          {mayResolve ? (
            <Group gap="xs">
              <Button
                size="xs"
                variant="default"
                disabled={off}
                loading={busy}
                onClick={() => onResolve("keep_current")}
                aria-label={t("sync.conflicts.keepLabel", { field, mrn: c.mrn })}
                data-testid={`conflict-keep-${c.id}`}
              >
                {t("sync.conflicts.keep")}
              </Button>
              <Button
                size="xs"
                disabled={off}
                onClick={() => onResolve("use_other")}
                aria-label={t("sync.conflicts.useOtherLabel", { field, mrn: c.mrn })}
                data-testid={`conflict-use-other-${c.id}`}
              >
                {t("sync.conflicts.useOther")}
              </Button>
            </Group>
          ) : null}
        </Stack>
      </Paper>
    );
  }

  const other = t("sync.conflicts.patient", { label: c.other_label ?? "—", mrn: c.other_mrn ?? "—" });
  const mrns = { mrn: c.mrn, other: c.other_mrn ?? "—" };
  return (
    <Paper withBorder p="md" component="li" data-testid="conflict-item" data-id={c.id} data-kind={c.kind}>
      <Stack gap="xs">
        <Title order={2} size="h5">
          {t("sync.conflicts.duplicateTitle")}
        </Title>
        <Text size="sm">{t("sync.conflicts.duplicateBody")}</Text>
        <ul className="plain-list">
          <li>
            <Text size="sm" fw={600} data-testid="conflict-patient">
              {patient}
            </Text>
          </li>
          <li>
            <Text size="sm" fw={600} data-testid="conflict-other-patient">
              {other}
            </Text>
          </li>
        </ul>
        <Text size="xs" c="dimmed">
          {detected}
        </Text>
        <Group gap="xs">
          {mayResolve ? (
            <Button
              size="xs"
              variant="default"
              disabled={off}
              loading={busy}
              onClick={() => onResolve("dismiss")}
              aria-label={t("sync.conflicts.dismissLabel", mrns)}
              data-testid={`conflict-dismiss-${c.id}`}
            >
              {t("sync.conflicts.dismiss")}
            </Button>
          ) : null}
          {onMerge ? (
            <Button
              size="xs"
              disabled={off}
              onClick={onMerge}
              aria-label={t("sync.conflicts.mergeLabel", mrns)}
              data-testid={`conflict-merge-${c.id}`}
            >
              {t("sync.conflicts.merge")}
            </Button>
          ) : (
            <Button
              size="xs"
              variant="light"
              onClick={onOpen}
              aria-label={t("sync.conflicts.openRecordLabel", { mrn: c.mrn })}
              data-testid={`conflict-open-${c.id}`}
            >
              {t("sync.conflicts.openRecord")}
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}

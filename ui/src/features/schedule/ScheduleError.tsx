// A failed scheduling command in plain language: a taken time (`slot_taken`) and a
// concurrent change (`edit_conflict`) say what to do next; field errors with no input on
// screen are listed; anything else is the shared `ErrorAlert`.
import { Alert, List, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";

type Props = { error: UiError; testId: string; title?: string };

export function ScheduleError({ error, testId, title }: Props) {
  const { t } = useTranslation();
  if (error.code === "slot_taken" || error.code === "edit_conflict") {
    return (
      <Alert color="orange" title={title ?? t("errors.title")} data-testid={testId} data-code={error.code} role="alert">
        <Text size="sm">{error.code === "slot_taken" ? t("schedule.slotTaken") : t("schedule.editConflict")}</Text>
      </Alert>
    );
  }
  const fields = error.code === "validation" ? (error.fields ?? []) : [];
  return (
    <ErrorAlert error={error} testId={testId} title={title}>
      {fields.length > 0 ? (
        <List size="sm" mt={4}>
          {fields.map((f, i) => (
            <List.Item key={i}>{f.message}</List.Item>
          ))}
        </List>
      ) : null}
    </ErrorAlert>
  );
}

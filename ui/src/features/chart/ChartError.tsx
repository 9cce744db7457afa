// A failed chart command, in plain language: a restricted chart (`restricted_patient`)
// says so and points to the profile, where emergency access can be requested; field
// errors with no input on screen are listed; anything else is the shared `ErrorAlert`.
import { Alert, List, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";

type Props = { error: UiError; testId: string; title?: string };

export function ChartError({ error, testId, title }: Props) {
  const { t } = useTranslation();
  if (error.code === "restricted_patient") {
    return (
      <Alert
        color="orange"
        title={title ?? t("chart.errors.restrictedTitle")}
        data-testid={testId}
        data-code={error.code}
        role="alert"
      >
        <Text size="sm">{t("chart.errors.restricted")}</Text>
        {error.message ? (
          <Text size="xs" c="dimmed" mt={4}>
            {t("errors.detail", { message: error.message })}
          </Text>
        ) : null}
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

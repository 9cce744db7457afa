// A failed command on the administrators' screens and the restricted-patient flows. The
// codes these commands add (forbidden, last_administrator, restricted_patient, config, …)
// get their own plain-language text; field errors that have no input on screen are
// listed; everything else falls back to the shared `ErrorAlert`.
import { Alert, List, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";

const SPECIFIC = [
  "forbidden",
  "last_administrator",
  "restricted_patient",
  "config",
  "session_ended",
  "locked",
] as const;
type Specific = (typeof SPECIFIC)[number];
const isSpecific = (code: string): code is Specific => (SPECIFIC as readonly string[]).includes(code);

type Props = { error: UiError; testId: string; title?: string };

export function CommandError({ error, testId, title }: Props) {
  const { t } = useTranslation();
  const fields = error.fields ?? [];
  if (!isSpecific(error.code) && !(error.code === "validation" && fields.length > 0)) {
    return <ErrorAlert error={error} testId={testId} title={title} />;
  }
  return (
    <Alert color="red" title={title ?? t("errors.title")} data-testid={testId} data-code={error.code} role="alert">
      {error.code === "validation" ? (
        <List size="sm">
          {fields.map((f, i) => (
            <List.Item key={i}>{f.message}</List.Item>
          ))}
        </List>
      ) : (
        <>
          <Text size="sm">{t(`admin.errors.${error.code}`)}</Text>
          {error.message ? (
            <Text size="xs" c="dimmed" mt={4}>
              {t("errors.detail", { message: error.message })}
            </Text>
          ) : null}
        </>
      )}
    </Alert>
  );
}

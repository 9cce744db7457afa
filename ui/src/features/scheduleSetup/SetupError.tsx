// A failed command on the scheduling set-up, waitlist and reassignment screens: an edit
// conflict says to reload (with a Reload button when the screen can), a validation
// error lists the field problems that have no input on screen, `forbidden` says the
// role may not do this; everything else goes to the shared `ErrorAlert`.
import { Alert, Button, List, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";

type Props = { error: UiError; testId: string; title?: string; onReload?: () => void };

export function SetupError({ error, testId, title, onReload }: Props) {
  const { t } = useTranslation();
  const fields = error.fields ?? [];
  const heading = title ?? t("scheduleSetup.errors.title");
  if (error.code === "edit_conflict") {
    return (
      <Alert color="orange" title={heading} data-testid={testId} data-code={error.code} role="alert">
        <Text size="sm">{t("scheduleSetup.errors.editConflict")}</Text>
        {onReload ? (
          <Button size="xs" variant="default" mt="xs" onClick={onReload} data-testid={`${testId}-reload`}>
            {t("scheduleSetup.errors.reload")}
          </Button>
        ) : null}
      </Alert>
    );
  }
  if (error.code === "forbidden") {
    return (
      <Alert color="red" title={heading} data-testid={testId} data-code={error.code} role="alert">
        <Text size="sm">{t("scheduleSetup.errors.forbidden")}</Text>
      </Alert>
    );
  }
  if (error.code === "validation" && fields.length > 0) {
    return (
      <Alert color="red" title={heading} data-testid={testId} data-code={error.code} role="alert">
        <Text size="sm">{t("scheduleSetup.errors.validation")}</Text>
        <List size="sm">
          {fields.map((f, i) => (
            <List.Item key={i}>{f.message}</List.Item>
          ))}
        </List>
      </Alert>
    );
  }
  return <ErrorAlert error={error} testId={testId} title={heading} />;
}

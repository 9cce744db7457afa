// A sign-in, unlock, enrollment, first-run or password-change failure in plain words (by
// code), with the throttling countdown. Other codes fall back to the app-wide wording and
// detail.
import { Alert, Text } from "@mantine/core";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import type { UiError } from "../../bindings/UiError";
import { describeError } from "../../shared/ErrorAlert";

/**
 * `unlock`: a wrong password is "wrong password" (the username is not asked);
 * `change_password`: it is the current password that is wrong.
 */
export type AlertContext = "login" | "unlock" | "change_password" | "form";

export function describeSessionError(t: TFunction, e: UiError, remaining: number, context: AlertContext): string {
  switch (e.code) {
    case "invalid_credentials":
      if (context === "unlock") return t("session.errors.invalid_password");
      if (context === "change_password") return t("session.account.password.wrongCurrent");
      return t("session.errors.invalid_credentials");
    case "throttled":
      return remaining > 0 ? t("session.errors.throttled", { count: remaining }) : t("session.errors.throttledNow");
    case "account_disabled":
    case "invalid_totp_code":
    case "session_ended":
    case "forbidden":
      return t(`session.errors.${e.code}`);
    case "clinic_exists":
      return t("session.firstRun.clinicExists");
    default:
      return describeError(t, e);
  }
}

/** Codes whose message from the shell adds nothing for the user. */
const OWN_WORDING = new Set(["invalid_credentials", "throttled", "account_disabled", "invalid_totp_code", "validation"]);

type Props = { error: UiError; testId: string; remaining?: number; context?: AlertContext };

export function SessionAlert({ error, testId, remaining = 0, context = "form" }: Props) {
  const { t } = useTranslation();
  return (
    <Alert color="red" data-testid={testId} data-code={error.code} role="alert">
      <Text size="sm">{describeSessionError(t, error, remaining, context)}</Text>
      {error.message && !OWN_WORDING.has(error.code) ? (
        <Text size="xs" c="dimmed" mt={4}>
          {t("errors.detail", { message: error.message })}
        </Text>
      ) : null}
    </Alert>
  );
}

// Sign-in: username and password, then (for accounts with an authenticator) a 6-digit
// code, sent with the same username and password again (the shell remembers nothing
// between the two steps). Throttled attempts show a countdown.
import { Button, Group, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { LoginOutcome } from "../../bindings/LoginOutcome";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { AuthLayout } from "./AuthLayout";
import { login } from "./api";
import { LOCAL_ERRORS } from "./errorBus";
import { fieldErrors } from "./errors";
import { SessionAlert } from "./SessionAlert";
import { normalizeCode, isValidCode } from "./totpCode";
import { useRetryCountdown } from "./useRetryCountdown";

type Props = {
  clinicName: string | null;
  testKey: boolean;
  /** Why the previous session ended, if it did. */
  notice: UiError | null;
  onSignedIn: (session: SessionInfo) => void;
};

export function LoginScreen({ clinicName, testKey, notice, onSignedIn }: Props) {
  const { t } = useTranslation();
  const [step, setStep] = useState<"credentials" | "totp">("credentials");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [checked, setChecked] = useState<Record<string, string>>({});
  const usernameRef = useRef<HTMLInputElement>(null);
  const codeRef = useRef<HTMLInputElement>(null);

  const mutation = useMutation({
    mutationFn: login,
    gcTime: 0,
    // Sign-in failures (including account_disabled) are this screen's to show.
    meta: LOCAL_ERRORS,
    onSuccess: (outcome: LoginOutcome) => {
      if (outcome.status === "totp_required") {
        setStep("totp");
        setCode("");
      } else {
        onSignedIn(outcome.session);
      }
    },
    onError: () => {
      if (step === "totp") {
        setCode("");
        codeRef.current?.focus();
      }
    },
  });
  const error = useMemo(() => (mutation.error ? toUiError(mutation.error) : null), [mutation.error]);
  const remaining = useRetryCountdown(error);
  const server = fieldErrors(error);
  const busy = mutation.isPending || remaining > 0;

  useEffect(() => {
    (step === "totp" ? codeRef : usernameRef).current?.focus();
  }, [step]);

  const submitCredentials = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const problems: Record<string, string> = {};
    if (username.trim() === "") problems.username = t("session.errors.required");
    if (password === "") problems.password = t("session.errors.required");
    setChecked(problems);
    if (Object.keys(problems).length === 0) mutation.mutate({ username: username.trim(), password });
  };

  const submitCode = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const totp = normalizeCode(code);
    if (!isValidCode(totp, 6)) {
      setChecked({ totp_code: t("session.errors.codeFormat") });
      return;
    }
    setChecked({});
    mutation.mutate({ username: username.trim(), password, totp_code: totp });
  };

  const back = () => {
    mutation.reset();
    setStep("credentials");
    setPassword("");
    setCode("");
    setChecked({});
  };

  const errorAlert = error ? <SessionAlert error={error} testId="login-error" remaining={remaining} context="login" /> : null;

  return (
    <AuthLayout clinicName={clinicName} testKey={testKey} title={t("session.login.title")}>
      {notice && !error ? <SessionAlert error={notice} testId="session-notice" /> : null}
      {step === "credentials" ? (
        <form onSubmit={submitCredentials} noValidate data-testid="login-form" aria-busy={mutation.isPending}>
          <Stack gap="sm">
            {errorAlert}
            <TextInput
              ref={usernameRef}
              label={t("session.login.username")}
              value={username}
              onChange={(e) => setUsername(e.currentTarget.value)}
              error={checked.username ?? server.username}
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              data-testid="login-username"
            />
            <PasswordInput
              label={t("session.login.password")}
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={checked.password ?? server.password}
              autoComplete="current-password"
              required
              data-testid="login-password"
            />
            <Button type="submit" loading={mutation.isPending} disabled={remaining > 0} data-testid="login-submit">
              {t("session.login.submit")}
            </Button>
          </Stack>
        </form>
      ) : (
        <form onSubmit={submitCode} noValidate data-testid="login-totp-form" aria-busy={mutation.isPending}>
          <Stack gap="sm">
            <Title order={2} size="h4">
              {t("session.login.totpTitle")}
            </Title>
            <Text size="sm">{t("session.login.totpIntro")}</Text>
            {errorAlert}
            <TextInput
              ref={codeRef}
              label={t("session.login.totpCode")}
              value={code}
              onChange={(e) => setCode(e.currentTarget.value)}
              error={checked.totp_code ?? server.totp_code}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={7}
              required
              data-testid="login-totp-code"
            />
            <Group justify="space-between">
              <Button variant="subtle" onClick={back} disabled={mutation.isPending} data-testid="login-back">
                {t("session.login.back")}
              </Button>
              <Button type="submit" loading={mutation.isPending} disabled={remaining > 0} data-testid="login-totp-submit">
                {t("session.login.totpSubmit")}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </AuthLayout>
  );
}

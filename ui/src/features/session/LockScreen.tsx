// The lock screen: nothing of the app is mounted behind it. Shows the clinic and who is
// signed in; the password unlocks, "Sign out" ends the session.
import { Button, Group, PasswordInput, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { toUiError } from "../../shared/uiError";
import { AuthLayout } from "./AuthLayout";
import { unlock } from "./api";
import { fieldErrors } from "./errors";
import { SessionAlert } from "./SessionAlert";
import { useRetryCountdown } from "./useRetryCountdown";

type Props = {
  clinicName: string | null;
  testKey: boolean;
  session: SessionInfo;
  /** Settles when the `lock` call that led here has (unlocking must come after it). */
  lockSettled: () => Promise<unknown>;
  onUnlocked: () => void;
  onSignOut: () => void;
};

export function LockScreen({ clinicName, testKey, session, lockSettled, onUnlocked, onSignOut }: Props) {
  const { t } = useTranslation();
  const [password, setPassword] = useState("");
  const [checked, setChecked] = useState<string | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  // A session_ended / account_disabled here goes to the gate through the MutationCache.
  const mutation = useMutation({
    mutationFn: async (pw: string) => {
      await lockSettled().catch(() => {});
      return unlock(pw);
    },
    gcTime: 0,
    onSuccess: onUnlocked,
    onError: () => {
      setPassword("");
      passwordRef.current?.focus();
    },
  });
  const error = useMemo(() => (mutation.error ? toUiError(mutation.error) : null), [mutation.error]);
  const remaining = useRetryCountdown(error);

  useEffect(() => passwordRef.current?.focus(), []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mutation.isPending || remaining > 0) return;
    if (password === "") {
      setChecked(t("session.errors.required"));
      return;
    }
    setChecked(null);
    mutation.mutate(password);
  };

  const role = t(`session.role.${session.role}`);
  return (
    <AuthLayout clinicName={clinicName} testKey={testKey} title={t("session.lock.title")} testId="lock-screen">
      <Text size="sm">{t("session.lock.intro")}</Text>
      <Text fw={600} data-testid="lock-user">
        {t("session.lock.who", { name: session.display_name, role })}
      </Text>
      <form onSubmit={submit} noValidate data-testid="unlock-form" aria-busy={mutation.isPending}>
        <Stack gap="sm">
          {error ? <SessionAlert error={error} testId="unlock-error" remaining={remaining} context="unlock" /> : null}
          {/* The username lets password managers fill the right entry. */}
          <input type="text" name="username" autoComplete="username" value={session.username} readOnly hidden />
          <PasswordInput
            ref={passwordRef}
            label={t("session.lock.password")}
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={checked ?? fieldErrors(error).password}
            autoComplete="current-password"
            required
            data-testid="unlock-password"
          />
          <Group justify="space-between">
            <Button variant="subtle" onClick={onSignOut} disabled={mutation.isPending} data-testid="lock-logout">
              {t("session.lock.logout")}
            </Button>
            <Button type="submit" loading={mutation.isPending} disabled={remaining > 0} data-testid="unlock-submit">
              {t("session.lock.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </AuthLayout>
  );
}

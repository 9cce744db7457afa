// "Authenticator app" on My account: set one up, or replace the one in use, with the same
// enrollment form as the forced first sign-in of an administrator (`TotpEnrollmentForm`).
// A new secret is asked for only on "Set up" and forgotten once confirmed or cancelled.
import { Alert, Button, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { TotpEnrollment } from "../../bindings/TotpEnrollment";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { beginTotpEnrollment } from "../session/api";
import { SessionAlert } from "../session/SessionAlert";
import { TotpEnrollmentForm } from "../session/TotpEnrollmentForm";

export function AuthenticatorSection() {
  const { t } = useTranslation();
  const [enabled, setEnabled] = useState(false);
  // Each call makes a new pending secret: only on request, never cached.
  const begin = useMutation<TotpEnrollment, UiError, void>({
    mutationFn: () => beginTotpEnrollment().catch((e: unknown) => Promise.reject(toUiError(e))),
    gcTime: 0,
  });

  const start = () => {
    setEnabled(false);
    begin.mutate();
  };

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="account-totp-title" data-testid="account-totp">
      <Stack gap="sm">
        <Title order={2} size="h4" id="account-totp-title">
          {t("session.account.totp.title")}
        </Title>
        <Text size="sm">{t("session.account.totp.intro")}</Text>
        {enabled ? (
          <Alert color="green" role="status" data-testid="account-totp-enabled">
            {t("session.account.totp.enabled")}
          </Alert>
        ) : null}
        {begin.error ? <SessionAlert error={begin.error} testId="account-totp-error" /> : null}
        {begin.data ? (
          <>
            <TotpEnrollmentForm
              enrollment={begin.data}
              onConfirmed={() => {
                begin.reset();
                setEnabled(true);
              }}
            />
            <Group justify="flex-end">
              <Button variant="subtle" onClick={() => begin.reset()} data-testid="account-totp-cancel">
                {t("session.account.totp.cancel")}
              </Button>
            </Group>
          </>
        ) : (
          <div>
            <Button variant="default" loading={begin.isPending} onClick={start} data-testid="account-totp-start">
              {begin.isPending ? t("session.account.totp.starting") : t("session.account.totp.start")}
            </Button>
          </div>
        )}
      </Stack>
    </Paper>
  );
}

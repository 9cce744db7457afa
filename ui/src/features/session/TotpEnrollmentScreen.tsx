// Adding an authenticator app (administrators must before anything else): the secret as
// a QR code, in groups of 4 for typing and as the otpauth link; then a current code to
// confirm. The secret is asked for once per visit and forgotten when the screen goes.
import { Alert, Button, Center, Code, Group, Loader, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { TotpEnrollment } from "../../bindings/TotpEnrollment";
import { AuthLayout } from "./AuthLayout";
import { beginTotpEnrollment, confirmTotp, sessionKeys } from "./api";
import { fieldErrors, toSessionError } from "./errors";
import { QrCode } from "./QrCode";
import { SessionAlert } from "./SessionAlert";
import { groupSecret, isValidCode, normalizeCode } from "./totpCode";

type Props = {
  clinicName: string | null;
  testKey: boolean;
  session: SessionInfo;
  /** Given after first run; otherwise a new secret is asked for. */
  enrollment: TotpEnrollment | null;
  onConfirmed: (session: SessionInfo) => void;
  onSignOut: () => void;
};

export function TotpEnrollmentScreen({ clinicName, testKey, session, enrollment, onConfirmed, onSignOut }: Props) {
  const { t } = useTranslation();
  // Each call makes a new secret: never refetch while shown, drop it once unmounted.
  const begun = useQuery({
    queryKey: sessionKeys.enrollment(session.staff_id),
    queryFn: beginTotpEnrollment,
    enabled: enrollment === null,
    staleTime: Infinity,
    gcTime: 0,
  });
  const current = enrollment ?? begun.data ?? null;

  return (
    <AuthLayout clinicName={clinicName} testKey={testKey} title={t("session.enroll.title")} testId="totp-enrollment">
      <Text size="sm">{t("session.enroll.intro")}</Text>
      {current ? (
        <EnrollmentDetails enrollment={current} onConfirmed={onConfirmed} />
      ) : begun.isError ? (
        <Stack gap="sm">
          <SessionAlert error={toSessionError(begun.error)} testId="totp-begin-error" />
          <Button variant="default" onClick={() => void begun.refetch()} data-testid="totp-retry">
            {t("session.enroll.retry")}
          </Button>
        </Stack>
      ) : (
        <Center py="md">
          <Loader aria-label={t("session.enroll.loading")} data-testid="totp-loading" />
        </Center>
      )}
      <Group justify="flex-end">
        <Button variant="subtle" onClick={onSignOut} data-testid="totp-logout">
          {t("session.enroll.logout")}
        </Button>
      </Group>
    </AuthLayout>
  );
}

function EnrollmentDetails({
  enrollment,
  onConfirmed,
}: {
  enrollment: TotpEnrollment;
  onConfirmed: (session: SessionInfo) => void;
}) {
  const { t } = useTranslation();
  const [code, setCode] = useState("");
  const [checked, setChecked] = useState<string | null>(null);
  const codeRef = useRef<HTMLInputElement>(null);
  const digits = enrollment.digits;
  const mutation = useMutation({
    mutationFn: confirmTotp,
    gcTime: 0,
    onSuccess: onConfirmed,
    onError: () => {
      setCode("");
      codeRef.current?.focus();
    },
  });
  const error = mutation.error ? toSessionError(mutation.error) : null;

  useEffect(() => codeRef.current?.focus(), []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mutation.isPending) return;
    const value = normalizeCode(code);
    if (!isValidCode(value, digits)) {
      setChecked(t("session.errors.codeFormat"));
      return;
    }
    setChecked(null);
    mutation.mutate(value);
  };

  return (
    <Stack gap="md">
      <Text size="sm">{t("session.enroll.scan")}</Text>
      <Center>
        <QrCode value={enrollment.otpauth_uri} label={t("session.enroll.qrAlt")} testId="totp-qr" />
      </Center>
      <Text size="sm">{t("session.enroll.manual")}</Text>
      <Code block data-testid="totp-secret" fz="lg" ta="center">
        {groupSecret(enrollment.secret_base32)}
      </Code>
      <Text size="xs" c="dimmed">
        {t("session.enroll.details", { digits, period: enrollment.period_secs })}
      </Text>
      <details>
        <summary>
          <Text span size="sm">
            {t("session.enroll.uri")}
          </Text>
        </summary>
        <Code block data-testid="totp-uri">
          {enrollment.otpauth_uri}
        </Code>
      </details>
      <Alert color="orange" p="xs">
        <Text size="xs">{t("session.enroll.once")}</Text>
      </Alert>
      <form onSubmit={submit} noValidate data-testid="totp-form" aria-busy={mutation.isPending}>
        <Stack gap="sm">
          {error ? <SessionAlert error={error} testId="totp-error" /> : null}
          <TextInput
            ref={codeRef}
            label={t("session.enroll.code")}
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            error={checked ?? fieldErrors(error).code}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={digits + 1}
            required
            data-testid="totp-code"
          />
          <Button type="submit" loading={mutation.isPending} data-testid="totp-confirm">
            {t("session.enroll.confirm")}
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}

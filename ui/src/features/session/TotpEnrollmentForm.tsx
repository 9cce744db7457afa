// One authenticator enrollment, shown once: the new secret as a QR code, in groups of 4
// for typing and as the otpauth link, then a current code to confirm it (`confirm_totp`).
// Used by the forced enrollment screen and by "My account".
import { Alert, Button, Center, Code, Stack, Text, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { TotpEnrollment } from "../../bindings/TotpEnrollment";
import { toUiError } from "../../shared/uiError";
import { confirmTotp } from "./api";
import { fieldErrors } from "./errors";
import { QrCode } from "./QrCode";
import { SessionAlert } from "./SessionAlert";
import { groupSecret, isValidCode, normalizeCode } from "./totpCode";

type Props = {
  enrollment: TotpEnrollment;
  onConfirmed: (session: SessionInfo) => void;
};

export function TotpEnrollmentForm({ enrollment, onConfirmed }: Props) {
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
  const error = mutation.error ? toUiError(mutation.error) : null;

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

// Adding an authenticator app (administrators must before anything else): the secret as
// a QR code, in groups of 4 for typing and as the otpauth link; then a current code to
// confirm (`TotpEnrollmentForm`). The secret is asked for once per visit and forgotten
// when the screen goes.
import { Button, Center, Group, Loader, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { TotpEnrollment } from "../../bindings/TotpEnrollment";
import { toUiError } from "../../shared/uiError";
import { AuthLayout } from "./AuthLayout";
import { beginTotpEnrollment, sessionKeys } from "./api";
import { SessionAlert } from "./SessionAlert";
import { TotpEnrollmentForm } from "./TotpEnrollmentForm";

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
        <TotpEnrollmentForm enrollment={current} onConfirmed={onConfirmed} />
      ) : begun.isError ? (
        <Stack gap="sm">
          <SessionAlert error={toUiError(begun.error)} testId="totp-begin-error" />
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

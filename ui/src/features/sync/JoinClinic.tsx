// First run, "Join an existing clinic": the connect form (`join_clinic`), then the first
// download (`JoinProgress`) until the sign-in screen appears. `resume` is a download
// already under way (the app was restarted while joining).
import { Button, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { ConnectSyncServer } from "../../bindings/ConnectSyncServer";
import type { SyncStatus } from "../../bindings/SyncStatus";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { AuthLayout } from "../session/AuthLayout";
import { LOCAL_ERRORS } from "../session/errorBus";
import { joinClinic } from "./api";
import { ConnectForm } from "./ConnectForm";
import { JoinProgress } from "./JoinProgress";

type Props = { testKey: boolean; resume: SyncStatus | null; onBack: () => void };

export function JoinClinic({ testKey, resume, onBack }: Props) {
  const { t } = useTranslation();
  const join = useMutation<SyncStatus, UiError, ConnectSyncServer>({
    mutationFn: (r) => joinClinic(r).catch((e: unknown) => Promise.reject(toUiError(e))),
    // The enrollment code leaves the cache with this screen.
    gcTime: 0,
    meta: LOCAL_ERRORS,
  });

  const started = join.data ?? resume;
  if (started) return <JoinProgress initial={started} />;

  return (
    <AuthLayout clinicName={null} testKey={testKey} title={t("sync.join.title")} testId="join-clinic">
      <Stack gap="sm">
        <Text size="sm">{t("sync.join.intro")}</Text>
        <ConnectForm
          prefix="join"
          submitLabel={t("sync.join.submit")}
          submittingLabel={t("sync.join.submitting")}
          pending={join.isPending}
          error={join.error}
          onSubmit={(r) => join.mutate(r)}
        />
        <Button variant="subtle" onClick={onBack} disabled={join.isPending} data-testid="join-back">
          {t("sync.join.back")}
        </Button>
      </Stack>
    </AuthLayout>
  );
}

// Asks the shell whether the store opened; shows a spinner meanwhile, then either the
// error screen or the app.
import { Center, Loader, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { toUiError } from "../../shared/uiError";
import { appStatus } from "./api";
import { StartupError } from "./StartupError";

type Ready = { testKey: boolean; patientCount: number };

export function StartupGate({ children }: { children: (ready: Ready) => ReactNode }) {
  const { t } = useTranslation();
  const status = useQuery({ queryKey: ["app_status"], queryFn: appStatus, staleTime: Infinity, retry: false });

  if (status.isPending) {
    return (
      <Center h="100vh">
        <Stack align="center" data-testid="startup-loading">
          <Loader aria-hidden />
          <Text>{t("app.loading")}</Text>
        </Stack>
      </Center>
    );
  }
  if (status.isError) return <StartupError error={toUiError(status.error)} />;
  if (status.data.state === "failed") return <StartupError error={toUiError(status.data.error)} />;
  return <>{children({ testKey: status.data.test_key, patientCount: status.data.patient_count })}</>;
}

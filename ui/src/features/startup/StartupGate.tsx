// Asks the shell whether the store opened; shows a spinner meanwhile, then either the
// error screen or the app (with what start-up said about the clinic and the session).
import { Center, Loader, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { ClinicInfo } from "../../bindings/ClinicInfo";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { toUiError } from "../../shared/uiError";
import { appStatus } from "./api";
import { StartupError } from "./StartupError";

export type Ready = {
  testKey: boolean;
  /** Null on first run. */
  clinic: ClinicInfo | null;
  session: SessionInfo | null;
  locked: boolean;
};

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
  const { test_key, clinic, session, locked } = status.data;
  return <>{children({ testKey: test_key, clinic, session, locked })}</>;
}

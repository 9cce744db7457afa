// The frame of the screens shown without the app: first run, sign-in, enrollment and the
// lock screen. A centred column with the clinic name and the test-key warning.
import { Container, Paper, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

type Props = { clinicName: string | null; testKey: boolean; title: string; testId?: string; children: ReactNode };

export function AuthLayout({ clinicName, testKey, title, testId, children }: Props) {
  const { t } = useTranslation();
  return (
    <Container size={480} py="xl" component="main">
      <Stack gap="md">
        <Stack gap={4} align="center">
          <Text fw={700} size="lg" data-testid="auth-clinic-name">
            {clinicName ?? t("app.title")}
          </Text>
          {testKey ? (
            <span className="test-key-badge" data-testid="test-key-badge" title={t("app.testKeyTitle")}>
              {t("app.testKeyBadge")}
            </span>
          ) : null}
        </Stack>
        <Paper withBorder p="lg" radius="md" data-testid={testId}>
          <Stack gap="md">
            <Title order={1} size="h2">
              {title}
            </Title>
            {children}
          </Stack>
        </Paper>
      </Stack>
    </Container>
  );
}

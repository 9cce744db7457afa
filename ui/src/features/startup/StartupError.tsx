// Full-page screen when the encrypted store did not open: the code, the message and what
// to do about it, in plain words. The data file is never touched from here.
import { Alert, Code, Container, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { UiError } from "../../bindings/UiError";

const HELP_CODES = ["keychain_unavailable", "key_missing", "wrong_key_or_corrupt", "schema_too_new", "config"] as const;
type HelpCode = (typeof HELP_CODES)[number];
const hasHelp = (code: string): code is HelpCode => (HELP_CODES as readonly string[]).includes(code);

export function StartupError({ error }: { error: UiError }) {
  const { t } = useTranslation();
  const help = hasHelp(error.code) ? t(`startup.help.${error.code}`) : t("startup.help.default");
  return (
    <Container size="sm" py="xl" component="main">
      <Stack data-testid="startup-error" gap="md">
        <Title order={1} size="h2">
          {t("startup.title")}
        </Title>
        <Text>
          {t("startup.code")}: <Code data-testid="startup-error-code">{error.code}</Code>
        </Text>
        <Alert color="red" title={t("startup.whatToDo")} role="alert">
          <Text data-testid="startup-error-help">{help}</Text>
        </Alert>
        <div>
          <Text fw={700} size="sm">
            {t("startup.details")}
          </Text>
          <Text size="sm" data-testid="startup-error-message">
            {error.message}
          </Text>
        </div>
      </Stack>
    </Container>
  );
}

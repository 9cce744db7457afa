// "My account", for every signed-in user: who they are, changing their password and
// setting up (or replacing) their authenticator app. The authenticator part is not
// offered to a session that is still in the administrator's forced enrollment (that one
// has its own screen before the app).
import { Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useSession } from "../session/SessionContext";
import { AuthenticatorSection } from "./AuthenticatorSection";
import { ChangePasswordForm } from "./ChangePasswordForm";

export function AccountScreen() {
  const { t } = useTranslation();
  const session = useSession();
  return (
    <Stack gap="md" data-testid="account-screen">
      <Title order={1} size="h2">
        {t("session.account.title")}
      </Title>
      <Text size="sm" data-testid="account-who">
        {t("session.account.who", {
          name: session.display_name,
          username: session.username,
          role: t(`session.role.${session.role}`),
        })}
      </Text>
      <ChangePasswordForm username={session.username} />
      {session.scope === "full" ? <AuthenticatorSection /> : null}
    </Stack>
  );
}

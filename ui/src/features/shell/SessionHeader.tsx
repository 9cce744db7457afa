// The app header: title, role-gated navigation, the test-key warning, the sync indicator,
// the notification bell, who is signed in, "My account", and the Lock / Sign out buttons.
import { Button, Container, Group, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { NotificationBell } from "../notifications/NotificationBell";
import { SyncIndicator } from "../sync/SyncIndicator";
import { activeTarget, navItems, type NavTarget } from "./nav";
import type { Route } from "./route";

type Props = {
  session: SessionInfo;
  route: Route;
  testKey: boolean;
  onNavigate: (target: NavTarget) => void;
  onLock: () => void;
  onLogout: () => void;
};

export function SessionHeader({ session, route, testKey, onNavigate, onLock, onLogout }: Props) {
  const { t } = useTranslation();
  const active = activeTarget(route);
  const role = t(`session.role.${session.role}`);
  return (
    <header className="app-header">
      <Container size="lg">
        <Group justify="space-between" py="sm" wrap="wrap">
          <Group gap="lg" wrap="wrap">
            <Text fw={700} size="lg" component="span">
              {t("app.title")}
            </Text>
            <nav aria-label={t("nav.label")}>
              <Group gap="xs">
                {navItems(session.role).map((item) => (
                  <Button
                    key={item.target}
                    variant={active === item.target ? "filled" : "default"}
                    aria-current={active === item.target ? "page" : undefined}
                    data-testid={item.testId}
                    onClick={() => onNavigate(item.target)}
                  >
                    {t(item.labelKey)}
                  </Button>
                ))}
              </Group>
            </nav>
          </Group>
          <Group gap="sm" wrap="wrap">
            {testKey ? (
              <span className="test-key-badge" data-testid="test-key-badge" title={t("app.testKeyTitle")}>
                {t("app.testKeyBadge")}
              </span>
            ) : null}
            <SyncIndicator role={session.role} />
            <NotificationBell
              role={session.role}
              onOpenMyDay={navItems(session.role).some((i) => i.target === "myday") ? () => onNavigate("myday") : undefined}
            />
            <Text size="sm">
              <Text span fw={600} data-testid="session-user">
                {session.display_name}
              </Text>{" "}
              <Text span c="dimmed" data-testid="session-role">
                ({role})
              </Text>
            </Text>
            <Button
              variant={active === "account" ? "filled" : "default"}
              aria-current={active === "account" ? "page" : undefined}
              onClick={() => onNavigate("account")}
              data-testid="nav-account"
            >
              {t("session.header.account")}
            </Button>
            <Button variant="default" onClick={onLock} data-testid="lock-button">
              {t("session.header.lock")}
            </Button>
            <Button variant="subtle" onClick={onLogout} data-testid="logout-button">
              {t("session.header.logout")}
            </Button>
          </Group>
        </Group>
      </Container>
    </header>
  );
}

// The app frame: header with navigation, the current screen, global shortcuts
// (Ctrl/Cmd+K or "/" to search, Ctrl/Cmd+N or Alt+N to register).
import { Button, Container, Group, Text } from "@mantine/core";
import { useCallback, useEffect, useReducer, useState } from "react";
import { useTranslation } from "react-i18next";
import { EditScreen } from "../patients/edit/EditScreen";
import { ProfileScreen } from "../patients/profile/ProfileScreen";
import { RegisterScreen } from "../patients/register/RegisterScreen";
import { SearchScreen } from "../search/SearchScreen";
import { initialSearch, searchReducer } from "../search/searchState";
import { NavigationContext, type Route } from "./route";
import { isTextField, matchShortcut } from "./shortcuts";

export function Shell({ testKey }: { testKey: boolean }) {
  const { t } = useTranslation();
  const [route, setRoute] = useState<Route>({ name: "search" });
  const [search, dispatchSearch] = useReducer(searchReducer, initialSearch);
  const [focusTick, setFocusTick] = useState(0);

  const navigate = useCallback((next: Route) => {
    setRoute(next);
    if (next.name === "search") setFocusTick((n) => n + 1);
    window.scrollTo?.(0, 0);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = matchShortcut({
        key: e.key,
        code: e.code,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        shiftKey: e.shiftKey,
        inTextField: isTextField(document.activeElement),
      });
      if (!action) return;
      e.preventDefault();
      if (action === "focus-search") navigate({ name: "search" });
      // Already registering: keep the form (and its input) as it is.
      else setRoute((r) => (r.name === "register" ? r : { name: "register" }));
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [navigate]);

  const active = route.name === "search" ? "search" : route.name === "register" ? "register" : null;

  return (
    <NavigationContext.Provider value={navigate}>
      <header className="app-header">
        <Container size="lg">
          <Group justify="space-between" py="sm" wrap="wrap">
            <Group gap="lg" wrap="wrap">
              <Text fw={700} size="lg" component="span">
                {t("app.title")}
              </Text>
              <nav aria-label={t("nav.label")}>
                <Group gap="xs">
                  <Button
                    variant={active === "search" ? "filled" : "default"}
                    aria-current={active === "search" ? "page" : undefined}
                    data-testid="nav-search"
                    onClick={() => navigate({ name: "search" })}
                  >
                    {t("nav.search")}
                  </Button>
                  <Button
                    variant={active === "register" ? "filled" : "default"}
                    aria-current={active === "register" ? "page" : undefined}
                    data-testid="nav-register"
                    onClick={() => navigate({ name: "register" })}
                  >
                    {t("nav.register")}
                  </Button>
                </Group>
              </nav>
            </Group>
            {testKey ? (
              <span className="test-key-badge" data-testid="test-key-badge" title={t("app.testKeyTitle")}>
                {t("app.testKeyBadge")}
              </span>
            ) : null}
          </Group>
        </Container>
      </header>
      <Container size="lg" component="main" py="md">
        {route.name === "search" ? (
          <SearchScreen state={search} dispatch={dispatchSearch} focusTick={focusTick} />
        ) : route.name === "register" ? (
          <RegisterScreen draft={route.draft} />
        ) : route.name === "profile" ? (
          <ProfileScreen key={route.id} {...route} />
        ) : (
          <EditScreen key={route.id} id={route.id} />
        )}
      </Container>
      <footer>
        <Container size="lg" pb="md">
          <Text size="xs" c="dimmed">
            {t("app.shortcuts")}
          </Text>
        </Container>
      </footer>
    </NavigationContext.Provider>
  );
}

// The app frame for a signed-in, unlocked session: the session header (role-gated
// navigation, who is signed in, My account, Lock, Sign out), the current screen, and
// global shortcuts (Ctrl/Cmd+K or "/" to search, Ctrl/Cmd+N or Alt+N to register). Each
// screen shows its own command errors (`forbidden` included); the session gate only
// takes the ones that lock or end the session. Everything here unmounts when the
// session locks or ends.
import { Alert, Container, Text } from "@mantine/core";
import { useCallback, useEffect, useReducer, useState } from "react";
import { useTranslation } from "react-i18next";
import type { SessionInfo } from "../../bindings/SessionInfo";
import { AccountScreen } from "../account/AccountScreen";
import { AlertsScreen } from "../admin/AlertsScreen";
import { SettingsScreen } from "../admin/SettingsScreen";
import { StaffScreen } from "../admin/StaffScreen";
import { AuditScreen } from "../audit/AuditScreen";
import { BillingScreen } from "../billing/BillingScreen";
import { ChartScreen } from "../chart/ChartScreen";
import { DashboardsScreen } from "../dashboards/DashboardsScreen";
import { SharedWithMe } from "../documents/SharedWithMe";
import { FhirScreen } from "../interop/FhirScreen";
import { EditScreen } from "../patients/edit/EditScreen";
import { ProfileScreen } from "../patients/profile/ProfileScreen";
import { RegisterScreen } from "../patients/register/RegisterScreen";
import { ProviderHistoryScreen } from "../provider/ProviderHistoryScreen";
import { RestrictionScreen } from "../restricted/RestrictionScreen";
import { CalendarScreen } from "../schedule/CalendarScreen";
import { MyDayScreen } from "../schedule/MyDayScreen";
import { ReassignScreen } from "../scheduleSetup/ReassignScreen";
import { ScheduleSetupScreen } from "../scheduleSetup/ScheduleSetupScreen";
import { WaitlistScreen } from "../scheduleSetup/WaitlistScreen";
import { SearchScreen } from "../search/SearchScreen";
import { initialSearch, searchReducer } from "../search/searchState";
import { KioskControl } from "../kioskControl/KioskControl";
import { ConflictsScreen } from "../sync/ConflictsScreen";
import { SyncScreen } from "../sync/SyncScreen";
import { canBook, canManageSchedule } from "../session/roles";
import { SessionContext } from "../session/SessionContext";
import { routeAllowed } from "./nav";
import { NavigationContext, type Route } from "./route";
import { SessionHeader } from "./SessionHeader";
import { isTextField, matchShortcut } from "./shortcuts";

type Props = {
  testKey: boolean;
  session: SessionInfo;
  onLock: () => void;
  onLogout: () => void;
};

export function Shell({ testKey, session, onLock, onLogout }: Props) {
  const { t } = useTranslation();
  const [route, setRoute] = useState<Route>({ name: "search" });
  const [search, dispatchSearch] = useReducer(searchReducer, initialSearch);
  const [focusTick, setFocusTick] = useState(0);
  const mayRegister = routeAllowed(session.role, "register");
  const mayBook = canBook(session.role);
  const [bookTick, setBookTick] = useState(0);

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
      if (!action || (action === "register" && !mayRegister) || (action === "book" && !mayBook)) return;
      e.preventDefault();
      if (action === "focus-search") navigate({ name: "search" });
      else if (action === "book") {
        setRoute({ name: "calendar" });
        setBookTick((n) => n + 1);
      }
      // Already registering: keep the form (and its input) as it is.
      else setRoute((r) => (r.name === "register" ? r : { name: "register" }));
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [navigate, mayRegister, mayBook]);

  return (
    <SessionContext.Provider value={session}>
      <NavigationContext.Provider value={navigate}>
        <SessionHeader
          session={session}
          route={route}
          testKey={testKey}
          onNavigate={(name) => navigate({ name })}
          onLock={onLock}
          onLogout={onLogout}
        />
        <Container size="lg" component="main" py="md">
          {!routeAllowed(session.role, route.name) ? (
            <Alert color="orange" role="alert" data-testid="route-forbidden">
              {t("session.notPermitted")}
            </Alert>
          ) : route.name === "search" ? (
            <SearchScreen state={search} dispatch={dispatchSearch} focusTick={focusTick} />
          ) : route.name === "register" ? (
            <RegisterScreen draft={route.draft} />
          ) : route.name === "profile" ? (
            <ProfileScreen key={route.id} {...route} />
          ) : route.name === "edit" ? (
            <EditScreen key={route.id} id={route.id} />
          ) : route.name === "chart" ? (
            <ChartScreen key={route.id} id={route.id} />
          ) : route.name === "staff" ? (
            <StaffScreen />
          ) : route.name === "settings" ? (
            <SettingsScreen />
          ) : route.name === "audit" ? (
            <AuditScreen />
          ) : route.name === "alerts" ? (
            <AlertsScreen />
          ) : route.name === "account" ? (
            <AccountScreen />
          ) : route.name === "calendar" ? (
            <>
              {canManageSchedule(session.role) ? <KioskControl /> : null}
              <CalendarScreen bookTick={bookTick} />
            </>
          ) : route.name === "myday" ? (
            <MyDayScreen />
          ) : route.name === "scheduleSetup" ? (
            <ScheduleSetupScreen />
          ) : route.name === "waitlist" ? (
            <WaitlistScreen />
          ) : route.name === "reassign" ? (
            <ReassignScreen />
          ) : route.name === "conflicts" ? (
            <ConflictsScreen />
          ) : route.name === "sync" ? (
            <SyncScreen />
          ) : route.name === "fhir" ? (
            <FhirScreen />
          ) : route.name === "providerSync" ? (
            <ProviderHistoryScreen key={route.patientId ?? "all"} patientId={route.patientId} mrn={route.mrn} />
          ) : route.name === "billing" ? (
            <BillingScreen key={route.invoiceId ?? route.newFor?.id ?? "list"} invoiceId={route.invoiceId} newFor={route.newFor} />
          ) : route.name === "dashboards" ? (
            <DashboardsScreen />
          ) : route.name === "inbox" ? (
            <SharedWithMe onOpenChart={(id) => navigate({ name: "chart", id })} />
          ) : (
            <RestrictionScreen key={route.id} id={route.id} mrn={route.mrn} />
          )}
        </Container>
        <footer>
          <Container size="lg" pb="md">
            <Text size="xs" c="dimmed">
              {mayRegister ? t("app.shortcuts") : t("session.shortcutsSearchOnly")}
            </Text>
          </Container>
        </footer>
      </NavigationContext.Provider>
    </SessionContext.Provider>
  );
}

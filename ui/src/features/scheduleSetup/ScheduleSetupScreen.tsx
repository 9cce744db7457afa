// The scheduling set-up screen: tabs for the clinic's settings, appointment types,
// rooms, providers' weekly hours, and leave & holidays. Administrators change
// everything; front desk staff change hours and leave; everyone else reads. (The UI
// only hides what would be refused; the shell checks every command itself.)
import { Stack, Tabs, Title } from "@mantine/core";
import { useContext, useState } from "react";
import { useTranslation } from "react-i18next";
import { SessionContext } from "../session/SessionContext";
import { ClinicTab } from "./ClinicTab";
import { ExceptionsTab } from "./ExceptionsTab";
import { HoursTab } from "./HoursTab";
import { RoomsTab } from "./RoomsTab";
import { TypesTab } from "./TypesTab";

type Tab = "clinic" | "types" | "rooms" | "hours" | "exceptions";
const TABS: Tab[] = ["clinic", "types", "rooms", "hours", "exceptions"];
const isTab = (v: string | null): v is Tab => TABS.includes(v as Tab);

export function ScheduleSetupScreen() {
  const { t } = useTranslation();
  // Read without `useSession()` so the screen also renders on its own (read-only).
  const role = useContext(SessionContext)?.role;
  const isAdmin = role === "administrator";
  const mayPlan = isAdmin || role === "front_desk";
  const [tab, setTab] = useState<Tab>("clinic");

  return (
    <Stack gap="md" data-testid="schedule-setup-screen">
      <Title order={1} size="h2">
        {t("scheduleSetup.title")}
      </Title>
      <Tabs value={tab} onChange={(v) => isTab(v) && setTab(v)} keepMounted={false}>
        <Tabs.List>
          {TABS.map((name) => (
            <Tabs.Tab key={name} value={name} data-testid={`setup-tab-${name}`}>
              {t(`scheduleSetup.tabs.${name}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="clinic" pt="md">
          <ClinicTab canEdit={isAdmin} />
        </Tabs.Panel>
        <Tabs.Panel value="types" pt="md">
          <TypesTab canEdit={isAdmin} />
        </Tabs.Panel>
        <Tabs.Panel value="rooms" pt="md">
          <RoomsTab canEdit={isAdmin} />
        </Tabs.Panel>
        <Tabs.Panel value="hours" pt="md">
          <HoursTab canEdit={mayPlan} />
        </Tabs.Panel>
        <Tabs.Panel value="exceptions" pt="md">
          <ExceptionsTab canEdit={mayPlan} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

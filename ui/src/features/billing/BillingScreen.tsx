// The Billing screen (administrators, billing staff, front desk), in tabs: "Invoices"
// (the list, or one invoice: a new draft, the draft editor, or an issued invoice with its
// payments) and "End of day" (the desk's close). The route may open an invoice directly
// (from an appointment) or a new draft for a patient (from the profile).
import { Stack, Tabs, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { InvoiceId } from "../../bindings/InvoiceId";
import type { PickedPatient } from "../schedule/PatientPicker";
import { DayCloseScreen } from "./DayCloseScreen";
import { InvoiceList } from "./InvoiceList";
import { InvoiceView } from "./InvoiceView";

type View = { kind: "list" } | { kind: "invoice"; id: InvoiceId } | { kind: "new"; patient: PickedPatient | null };
type Tab = "invoices" | "day";

type Props = { invoiceId?: InvoiceId; newFor?: PickedPatient };

export function BillingScreen({ invoiceId, newFor }: Props) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<Tab>("invoices");
  const [view, setView] = useState<View>(
    invoiceId ? { kind: "invoice", id: invoiceId } : newFor ? { kind: "new", patient: newFor } : { kind: "list" },
  );
  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {t("billing.title")}
      </Title>
      <Tabs value={tab} onChange={(v) => (v === "invoices" || v === "day") && setTab(v)} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="invoices" data-testid="billing-tab-invoices">
            {t("billing.tabs.invoices")}
          </Tabs.Tab>
          <Tabs.Tab value="day" data-testid="billing-tab-day">
            {t("billing.tabs.day")}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="invoices" pt="md">
          {view.kind === "list" ? (
            <InvoiceList onOpen={(id) => setView({ kind: "invoice", id })} onNew={(patient) => setView({ kind: "new", patient })} />
          ) : (
            <InvoiceView
              key={view.kind === "invoice" ? view.id : "new"}
              id={view.kind === "invoice" ? view.id : null}
              patient={view.kind === "new" ? view.patient : null}
              onOpen={(id) => setView({ kind: "invoice", id })}
              onBack={() => setView({ kind: "list" })}
            />
          )}
        </Tabs.Panel>
        <Tabs.Panel value="day" pt="md">
          <DayCloseScreen />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

// "Invoice this appointment" in the schedule's appointment details (administrators,
// billing, front desk): asks the core for the appointment's invoice (a new draft, or the
// one it already has) and opens it in Billing.
import { Button, Stack } from "@mantine/core";
import { useContext, useState } from "react";
import { useTranslation } from "react-i18next";
import type { AppointmentId } from "../../bindings/AppointmentId";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { SessionContext } from "../session/SessionContext";
import { useNavigate } from "../shell/route";
import { invoiceForAppointment } from "./api";
import { canUseBilling } from "./model";

export function InvoiceAppointmentButton({ appointmentId }: { appointmentId: AppointmentId }) {
  const { t } = useTranslation();
  const role = useContext(SessionContext)?.role;
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  if (!role || !canUseBilling(role)) return null;
  const open = async () => {
    setBusy(true);
    setError(null);
    try {
      const inv = await invoiceForAppointment(appointmentId);
      navigate({ name: "billing", invoiceId: inv.id });
    } catch (x) {
      setError(toUiError(x));
      setBusy(false);
    }
  };
  return (
    <Stack gap={4}>
      <Button variant="default" loading={busy} onClick={() => void open()} data-testid="billing-invoice-appointment">
        {t("billing.appointment.invoice")}
      </Button>
      {error ? <ErrorAlert error={error} testId="billing-invoice-appointment-error" title={t("billing.appointment.errorTitle")} /> : null}
    </Stack>
  );
}

// Opening and closing the patient check-in kiosk window from a staff window
// (administrators and front desk). The kiosk runs in its own full-screen window with
// its own capability; closing it here ends every kiosk visit.
import { Button, Group } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import type { UiError } from "../../bindings/UiError";
import { closeKiosk, openKiosk } from "../schedule/api";

export function KioskControl() {
  const { t } = useTranslation();
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);
  const run = (action: () => Promise<unknown>) => async () => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(toUiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <Group gap="xs">
        <Button variant="light" loading={busy} onClick={run(openKiosk)} data-testid="kiosk-open">
          {t("kiosk.control.open")}
        </Button>
        <Button variant="subtle" disabled={busy} onClick={run(closeKiosk)} data-testid="kiosk-close">
          {t("kiosk.control.close")}
        </Button>
      </Group>
      {error ? <ErrorAlert error={error} testId="kiosk-control-error" /> : null}
    </div>
  );
}

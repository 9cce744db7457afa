// The patient self check-in kiosk (the whole UI of the Tauri window labelled "kiosk"):
// identify -> confirm details -> checked in, or straight to "already checked in"; from the
// done screen the patient may open "Pay my balance" (`BalanceStep`). It owns
// the reset: after `idle_seconds` without activity, 10 s after the done screen, on "Start
// over", or when a call says the visit ended, it blanks the screen, ends the open visit
// (`kioskEnd`, errors ignored) and reloads the page so nothing of the patient remains.
// No navigation, no notifications, no staff UI.
import "./kiosk.css";
import { Button, Group, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { KioskVisit } from "../../bindings/KioskVisit";
import { LOCAL_ERRORS } from "../session/errorBus";
import { kioskEnd, kioskStatus } from "./api";
import { BalanceStep } from "./BalanceStep";
import { IdentifyStep } from "./IdentifyStep";
import { reloadKiosk } from "./kioskWindow";
import { useKioskIdle } from "./useKioskIdle";
import { VisitStep } from "./VisitStep";

/** Idle reset when the clinic's setting cannot be read. */
export const DEFAULT_IDLE_SECONDS = 90;
/** How long the done screen stays before the kiosk resets. */
export const DONE_RESET_MS = 10_000;
/** The longest the reset waits for `kioskEnd` before reloading anyway. */
export const END_TIMEOUT_MS = 3_000;

type Screen =
  | { step: "identify" }
  | { step: "visit"; visit: KioskVisit }
  | { step: "done"; already: boolean }
  | { step: "balance" }
  | { step: "resetting" };

export function KioskApp() {
  const { t } = useTranslation();
  const status = useQuery({
    queryKey: ["kiosk", "status"],
    queryFn: kioskStatus,
    staleTime: Infinity,
    meta: LOCAL_ERRORS,
  });
  const [screen, setScreen] = useState<Screen>({ step: "identify" });
  /** The open visit's token, until the kiosk resets. */
  const token = useRef<string | null>(null);
  const resetting = useRef(false);

  const reset = useCallback(async (endVisit = true) => {
    if (resetting.current) return;
    resetting.current = true;
    const open = token.current;
    token.current = null;
    setScreen({ step: "resetting" });
    if (open && endVisit) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, END_TIMEOUT_MS);
      });
      await Promise.race([kioskEnd(open).catch(() => null), timeout]);
      clearTimeout(timer);
    }
    reloadKiosk();
  }, []);

  const idleSeconds = status.data?.idle_seconds || DEFAULT_IDLE_SECONDS;
  useKioskIdle(idleSeconds * 1000, () => void reset(), screen.step !== "resetting");

  const identified = (visit: KioskVisit) => {
    token.current = visit.token;
    setScreen(visit.already_checked_in ? { step: "done", already: true } : { step: "visit", visit });
  };

  return (
    <main className="kiosk-app" data-testid="kiosk-app" data-step={screen.step}>
      {screen.step === "resetting" ? null : (
        <Stack gap="xl" className="kiosk-panel">
          <Group justify="flex-end">
            <Button size="lg" variant="outline" onClick={() => void reset()} data-testid="kiosk-start-over">
              {t("kiosk.startOver")}
            </Button>
          </Group>
          {screen.step === "identify" ? (
            <IdentifyStep clinicName={status.data?.clinic_name || null} onIdentified={identified} />
          ) : screen.step === "visit" ? (
            <VisitStep
              visit={screen.visit}
              onCheckedIn={() => setScreen({ step: "done", already: false })}
              onEnded={() => void reset(false)}
            />
          ) : screen.step === "balance" && token.current ? (
            <BalanceStep token={token.current} onDone={() => void reset()} onEnded={() => void reset(false)} />
          ) : screen.step === "done" ? (
            <DoneStep
              already={screen.already}
              onFinish={() => void reset()}
              onPay={token.current ? () => setScreen({ step: "balance" }) : undefined}
            />
          ) : null}
        </Stack>
      )}
    </main>
  );
}

function DoneStep({ already, onFinish, onPay }: { already: boolean; onFinish: () => void; onPay?: () => void }) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  const finish = useRef(onFinish);
  useEffect(() => {
    finish.current = onFinish;
  }, [onFinish]);
  useEffect(() => {
    heading.current?.focus();
    const timer = setTimeout(() => finish.current(), DONE_RESET_MS);
    return () => clearTimeout(timer);
  }, []);
  return (
    <Stack gap="xl" align="center" className="kiosk-done" data-testid="kiosk-done" data-already={already}>
      <Title order={1} ref={heading} tabIndex={-1} className="kiosk-title focus-target">
        {already ? t("kiosk.done.already") : t("kiosk.done.checkedIn")}
      </Title>
      <Text className="kiosk-hint">{t("kiosk.done.soon")}</Text>
      <Group gap="md">
        {onPay ? (
          <Button size="xl" variant="outline" onClick={onPay} data-testid="kiosk-balance-open-step">
            {t("kiosk.done.pay")}
          </Button>
        ) : null}
        <Button size="xl" onClick={onFinish}>
          {t("kiosk.done.finish")}
        </Button>
      </Group>
    </Stack>
  );
}

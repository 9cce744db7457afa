// "Pay my balance" on the kiosk: the visit's own outstanding invoices (number, date,
// amount — nothing about anyone else, nothing clinical), one paid by card at a time.
// Paying starts a card payment; the gateway's hosted page link appears once the
// device's runner created it (shown as a button and as text), and its status is polled
// until paid or failed. A `kiosk_visit_ended` goes to `onEnded` (the kiosk resets).
import { Alert, Anchor, Button, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { KioskCardPayment } from "../../bindings/KioskCardPayment";
import { toUiError } from "../../shared/uiError";
import { formatMoney } from "../billing/model";
import { LOCAL_ERRORS } from "../session/errorBus";
import { kioskBalance, kioskPayInvoice, kioskPaymentStatus } from "./api";

/** How often a started card payment is checked. */
export const KIOSK_POLL_MS = 2_000;

type Props = { token: string; onDone: () => void; onEnded: () => void };

export function BalanceStep({ token, onDone, onEnded }: Props) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const heading = useRef<HTMLHeadingElement>(null);
  const [paying, setPaying] = useState<string | null>(null);
  const [payment, setPayment] = useState<KioskCardPayment | null>(null);
  const [failed, setFailed] = useState(false);
  const balance = useQuery({ queryKey: ["kiosk", "balance", token], queryFn: () => kioskBalance(token), meta: LOCAL_ERRORS });
  const status = useQuery({
    queryKey: ["kiosk", "payment", token, payment?.payment_id ?? ""],
    queryFn: () => kioskPaymentStatus(token, payment!.payment_id),
    enabled: payment !== null && payment.status === "pending",
    refetchInterval: (q) => ((q.state.data ?? payment)?.status === "pending" ? KIOSK_POLL_MS : false),
    meta: LOCAL_ERRORS,
  });
  const current = status.data ?? payment;

  useEffect(() => heading.current?.focus(), []);
  useEffect(() => {
    const e = balance.error ?? status.error;
    if (e && toUiError(e).code === "kiosk_visit_ended") onEnded();
  }, [balance.error, status.error, onEnded]);
  useEffect(() => {
    if (current && current.status !== "pending") void client.invalidateQueries({ queryKey: ["kiosk", "balance", token] });
  }, [current, client, token]);

  const b = balance.data;
  const money = (minor: number) => (b ? formatMoney(minor, b.currency, i18n.language, b.minor_digits) : "");

  const pay = async (invoiceId: string) => {
    if (paying) return;
    setPaying(invoiceId);
    setFailed(false);
    try {
      setPayment(await kioskPayInvoice(token, invoiceId));
    } catch (x) {
      if (toUiError(x).code === "kiosk_visit_ended") onEnded();
      else setFailed(true);
    }
    setPaying(null);
  };

  return (
    <Stack gap="lg" data-testid="kiosk-balance">
      <Title order={1} ref={heading} tabIndex={-1} className="kiosk-title focus-target">
        {t("kiosk.balance.title")}
      </Title>
      {balance.isPending ? (
        <Loader />
      ) : balance.isError ? (
        <Alert color="red" variant="outline" role="alert" data-testid="kiosk-balance-error">
          <Text className="kiosk-alert-text">{t("kiosk.error.generic")}</Text>
        </Alert>
      ) : b ? (
        <>
          <Text className="kiosk-lead">
            {t("kiosk.balance.total")}:{" "}
            <Text span fw={700} data-testid="kiosk-balance-total" data-minor={b.balance_minor}>
              {money(b.balance_minor)}
            </Text>
          </Text>
          {b.invoices.length === 0 ? (
            <Text className="kiosk-lead" data-testid="kiosk-balance-none">
              {t("kiosk.balance.none")}
            </Text>
          ) : (
            <Stack gap="md">
              {b.invoices.map((inv) => (
                <Group key={inv.invoice_id} justify="space-between" data-testid="kiosk-balance-invoice">
                  <Text className="kiosk-lead">{t("kiosk.balance.invoice", { number: inv.number, date: inv.issued_on })}</Text>
                  <Button
                    size="xl"
                    onClick={() => void pay(inv.invoice_id)}
                    loading={paying === inv.invoice_id}
                    disabled={(paying !== null && paying !== inv.invoice_id) || current?.status === "pending"}
                    data-testid={`kiosk-balance-pay-${inv.invoice_id}`}
                  >
                    {t("kiosk.balance.pay", { amount: money(inv.patient_balance_minor) })}
                  </Button>
                  {inv.payment_pending && !current ? <Text className="kiosk-hint">{t("kiosk.balance.pending")}</Text> : null}
                </Group>
              ))}
            </Stack>
          )}
        </>
      ) : null}
      {failed ? (
        <Alert color="red" variant="outline" role="alert" data-testid="kiosk-balance-pay-error">
          <Text className="kiosk-alert-text">{t("kiosk.error.generic")}</Text>
        </Alert>
      ) : null}
      {current ? (
        <Alert color={current.status === "failed" ? "red" : current.status === "pending" ? "blue" : "green"} variant="outline">
          <Stack gap="sm">
            <Text className="kiosk-alert-text" data-testid="kiosk-balance-status" data-status={current.status}>
              {t(`kiosk.balance.status.${current.status}`)}
            </Text>
            {current.status === "pending" && !current.checkout_url ? <Text className="kiosk-hint">{t("kiosk.balance.waiting")}</Text> : null}
            {current.status === "pending" && current.checkout_url ? (
              <>
                <Button component="a" size="xl" href={current.checkout_url} target="_blank" rel="noreferrer noopener" data-testid="kiosk-balance-open">
                  {t("kiosk.balance.open")}
                </Button>
                <Text className="kiosk-hint">{t("kiosk.balance.linkHint")}</Text>
                <Anchor href={current.checkout_url} target="_blank" rel="noreferrer noopener" data-testid="kiosk-balance-link" style={{ wordBreak: "break-all" }}>
                  {current.checkout_url}
                </Anchor>
              </>
            ) : null}
          </Stack>
        </Alert>
      ) : null}
      <Button size="xl" variant="default" onClick={onDone} data-testid="kiosk-balance-done">
        {t("kiosk.balance.back")}
      </Button>
    </Stack>
  );
}

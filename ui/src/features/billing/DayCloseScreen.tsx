// The desk's end of day: pick the date and the opening float, see the day's payments by
// method (with refunds), the card payments still pending and the cash the drawer should
// hold; enter the counted cash to see the difference (counted − expected, both exact
// integers), close the day behind a confirmation, and list the closes of that date. Save
// the day's report as PDF or CSV (the shell's save dialog).
import { Alert, Button, Group, Loader, Modal, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { DaySummaryQuery } from "../../bindings/DaySummaryQuery";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { LOCAL_ERRORS } from "../session/errorBus";
import { billingKeys, closeDay, getDaySummary, listDayCloses, saveDayCloseCsv, saveDayClosePdf, type Saved } from "./api";
import { fieldErrors, moneyMessage, useBillingSettings, useMoney } from "./hooks";
import { currencyDigits, parseMoney, today } from "./model";

export function DayCloseScreen() {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const client = useQueryClient();
  const settings = useBillingSettings();
  const currency = settings.data?.currency ?? "";
  const digits = settings.data?.minor_digits ?? (currency ? currencyDigits(currency) : 2);
  const [date, setDate] = useState(today());
  const [floatText, setFloatText] = useState("0");
  const [counted, setCounted] = useState("");
  const [note, setNote] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const float = parseMoney(floatText, digits);
  const count = counted.trim() ? parseMoney(counted, digits) : null;
  const query: DaySummaryQuery = { date, opening_float_minor: float.ok ? float.minor : 0 };
  const summary = useQuery({
    queryKey: billingKeys.day(query),
    queryFn: () => getDaySummary(query),
    enabled: float.ok,
    meta: LOCAL_ERRORS,
  });
  const closes = useQuery({ queryKey: billingKeys.closes(date), queryFn: () => listDayCloses(date), meta: LOCAL_ERRORS });
  const s = summary.data;
  const cur = s?.currency || currency;
  const difference = s && count?.ok ? count.minor - s.expected_cash_minor : null;

  const server = fieldErrors(error, ["counted_cash_minor", "opening_float_minor", "note", "date"]);

  const close = async () => {
    if (!count?.ok || !float.ok) return;
    setBusy(true);
    setError(null);
    try {
      const c = await closeDay({ date, opening_float_minor: float.minor, counted_cash_minor: count.minor, note });
      setNotice(t("billing.day.closed", { version: c.version }));
      setConfirming(false);
      await client.invalidateQueries({ queryKey: billingKeys.closes(date) });
    } catch (x) {
      setError(toUiError(x));
      setConfirming(false);
    }
    setBusy(false);
  };

  const save = async (fn: (q: DaySummaryQuery) => Promise<Saved>) => {
    setError(null);
    try {
      const out = await fn(query);
      setNotice(out ? t("billing.editor.savedTo", { path: out.path }) : t("billing.pdfCancelled"));
    } catch (x) {
      setError(toUiError(x));
    }
  };

  return (
    <Stack gap="md" data-testid="billing-day">
      <Title order={2} size="h3">
        {t("billing.day.title")}
      </Title>
      <Group align="flex-start">
        <TextInput type="date" label={t("billing.day.date")} value={date} onChange={(e) => setDate(e.currentTarget.value)} data-testid="billing-day-date" />
        <TextInput
          label={t("billing.day.float")}
          value={floatText}
          onChange={(e) => setFloatText(e.currentTarget.value)}
          error={!float.ok ? moneyMessage(t, float.problem, digits) : server.byField.opening_float_minor}
          data-testid="billing-day-float"
        />
      </Group>
      {summary.isError ? (
        <ErrorAlert error={toUiError(summary.error)} testId="billing-day-load-error" title={t("billing.day.loadError")} />
      ) : !s ? (
        float.ok ? <Loader /> : null
      ) : (
        <Paper withBorder p="md">
          <Table data-testid="billing-day-methods">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("billing.day.method")}</Table.Th>
                <Table.Th ta="right">{t("billing.day.count")}</Table.Th>
                <Table.Th ta="right">{t("billing.day.amount")}</Table.Th>
                <Table.Th ta="right">{t("billing.day.refunded")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {s.by_method.map((m) => (
                <Table.Tr key={m.method} data-testid={`billing-day-method-${m.method}`}>
                  <Table.Td>{t(`billing.method.${m.method}`)}</Table.Td>
                  <Table.Td ta="right">{m.count}</Table.Td>
                  <Table.Td ta="right">{money(m.amount_minor, cur)}</Table.Td>
                  <Table.Td ta="right">{money(m.refunded_minor, cur)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {s.pending_count > 0 ? (
            <Alert color="orange" mt="sm" data-testid="billing-day-pending">
              {t("billing.day.pending", { count: s.pending_count })}
            </Alert>
          ) : null}
          <Group mt="sm" gap="xl">
            <Text>
              {t("billing.day.expected")}:{" "}
              <Text span fw={700} data-testid="billing-day-expected" data-minor={s.expected_cash_minor}>
                {money(s.expected_cash_minor, cur)}
              </Text>
            </Text>
          </Group>
        </Paper>
      )}
      <Group align="flex-start">
        <TextInput
          label={t("billing.day.counted")}
          value={counted}
          onChange={(e) => {
            setCounted(e.currentTarget.value);
            setNotice(null);
          }}
          error={count && !count.ok ? moneyMessage(t, count.problem, digits) : server.byField.counted_cash_minor}
          inputMode="decimal"
          data-testid="billing-day-counted"
        />
        <TextInput label={t("billing.day.note")} value={note} onChange={(e) => setNote(e.currentTarget.value)} error={server.byField.note} data-testid="billing-day-note" />
        <div>
          <Text size="sm" fw={500}>
            {t("billing.day.difference")}
          </Text>
          <Text
            fw={700}
            c={difference === null ? undefined : difference < 0 ? "red" : difference > 0 ? "orange" : "green"}
            data-testid="billing-day-difference"
            data-minor={difference ?? ""}
          >
            {difference === null ? "—" : money(difference, cur)}
          </Text>
        </div>
      </Group>
      {error && (server.unplaced || error.code !== "validation") ? (
        <ErrorAlert error={error} testId="billing-day-error" title={t("billing.day.errorTitle")} />
      ) : null}
      {notice ? (
        <Alert color="green" role="status" data-testid="billing-day-notice">
          {notice}
        </Alert>
      ) : null}
      <Group>
        <Button onClick={() => setConfirming(true)} disabled={!s || !count?.ok} data-testid="billing-day-close">
          {t("billing.day.close")}
        </Button>
        <Button variant="default" onClick={() => void save(saveDayClosePdf)} disabled={!float.ok} data-testid="billing-day-pdf">
          {t("billing.day.pdf")}
        </Button>
        <Button variant="default" onClick={() => void save(saveDayCloseCsv)} disabled={!float.ok} data-testid="billing-day-csv">
          {t("billing.day.csv")}
        </Button>
      </Group>
      <Paper withBorder p="md">
        <Title order={3} size="h5" mb="xs">
          {t("billing.day.closes")}
        </Title>
        {(closes.data ?? []).length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="billing-day-no-closes">
            {t("billing.day.noCloses")}
          </Text>
        ) : (
          <Table data-testid="billing-day-closes">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("billing.day.version")}</Table.Th>
                <Table.Th>{t("billing.day.closedAt")}</Table.Th>
                <Table.Th>{t("billing.day.closedBy")}</Table.Th>
                <Table.Th ta="right">{t("billing.day.expected")}</Table.Th>
                <Table.Th ta="right">{t("billing.day.counted")}</Table.Th>
                <Table.Th ta="right">{t("billing.day.difference")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(closes.data ?? []).map((c) => (
                <Table.Tr key={c.id} data-testid="billing-day-close-row">
                  <Table.Td>{c.version}</Table.Td>
                  <Table.Td>{new Date(c.closed_at).toLocaleString(i18n.language)}</Table.Td>
                  <Table.Td>{c.closed_by}</Table.Td>
                  <Table.Td ta="right">{money(c.summary.expected_cash_minor, c.summary.currency)}</Table.Td>
                  <Table.Td ta="right">{money(c.counted_cash_minor, c.summary.currency)}</Table.Td>
                  <Table.Td ta="right">{money(c.difference_minor, c.summary.currency)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Paper>
      <Modal opened={confirming} onClose={() => (busy ? undefined : setConfirming(false))} title={t("billing.day.confirmTitle")}>
        <Stack gap="sm" data-testid="billing-day-confirm-dialog">
          <Text size="sm">
            {s && count?.ok && difference !== null
              ? t("billing.day.confirmBody", {
                  counted: money(count.minor, cur),
                  expected: money(s.expected_cash_minor, cur),
                  difference: money(difference, cur),
                })
              : null}
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)} disabled={busy} data-testid="billing-day-cancel">
              {t("billing.editor.cancel")}
            </Button>
            <Button loading={busy} onClick={() => void close()} data-testid="billing-day-confirm">
              {t("billing.day.confirm")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

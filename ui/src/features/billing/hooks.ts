// Billing's shared React glue: the clinic's billing settings (currency and its digits),
// a money formatter bound to the UI's locale, the message for a money input problem, and
// placing a command's field errors next to the inputs that show them.
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import type { UiError } from "../../bindings/UiError";
import { LOCAL_ERRORS } from "../session/errorBus";
import { billingKeys, getBillingSettings } from "./api";
import { currencyDigits, formatMoney, type MoneyProblem } from "./model";

export function useBillingSettings() {
  return useQuery({ queryKey: billingKeys.settings, queryFn: getBillingSettings, staleTime: 60_000, meta: LOCAL_ERRORS });
}

/** Formats minor units of `currency` (its own digits) in the UI's language. */
export function useMoney(): (minor: number, currency: string) => string {
  const { i18n } = useTranslation();
  return (minor, currency) => formatMoney(minor, currency, i18n.language, currency ? currencyDigits(currency) : 2);
}

export function moneyMessage(t: TFunction, problem: MoneyProblem | "over100", digits: number): string {
  return t(`billing.money.${problem}`, { digits });
}

/** A command's field errors by field name, and whether any was not placed. */
export function fieldErrors(error: UiError | null, shown: readonly string[]): { byField: Record<string, string>; unplaced: boolean } {
  const byField: Record<string, string> = {};
  let unplaced = false;
  for (const f of error?.fields ?? []) {
    if (shown.includes(f.field)) byField[f.field] = byField[f.field] ? `${byField[f.field]} ${f.message}` : f.message;
    else unplaced = true;
  }
  return { byField, unplaced };
}

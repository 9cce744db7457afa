// Billing's pure logic: money as integer minor units of an ISO 4217 currency. Parsing what
// staff type into minor units is exact string arithmetic (never a float multiplication);
// formatting goes through Intl.NumberFormat with the currency's digits. Also percentages
// as basis points, the discount/insurance portion form, and who may use billing. No
// React, no IPC.
import type { InvoiceStatus } from "../../bindings/InvoiceStatus";
import type { PaymentMethod } from "../../bindings/PaymentMethod";
import type { Portion } from "../../bindings/Portion";
import type { Role } from "../../bindings/Role";

/** Billing screens: administrators, billing staff and the front desk. */
export const canUseBilling = (role: Role): boolean =>
  role === "administrator" || role === "billing" || role === "front_desk";

/** The largest amount the UI accepts (exactly representable as a JS number). */
export const MAX_MINOR = Number.MAX_SAFE_INTEGER;

/** Digits after the decimal point of an ISO 4217 currency (JPY 0, USD 2, KWD 3). */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export type MoneyProblem = "required" | "format" | "negative" | "tooManyDecimals" | "tooLarge";
export type MoneyResult = { ok: true; minor: number } | { ok: false; problem: MoneyProblem };

const GROUPED = /^\d{1,3}(,\d{3})+(\.\d*)?$/;
const PLAIN = /^(\d+(\.\d*)?|\.\d+)$/;

/**
 * What staff typed ("12.3", "1,234.56", "1200") as integer minor units of a currency with
 * `digits` decimals. Commas are accepted only as thousands separators; more decimals
 * than the currency has are refused unless they are zeros; negatives are refused.
 */
export function parseMoney(text: string, digits: number): MoneyResult {
  const s = text.trim().replace(/\s+/g, "");
  if (s === "") return { ok: false, problem: "required" };
  if (/^-/.test(s)) return /^-[\d.,]+$/.test(s) ? { ok: false, problem: "negative" } : { ok: false, problem: "format" };
  const plain = s.startsWith("+") ? s.slice(1) : s;
  if (!GROUPED.test(plain) && !PLAIN.test(plain)) return { ok: false, problem: "format" };
  const [intRaw = "", fracRaw] = plain.replace(/,/g, "").split(".");
  if (fracRaw === "" && digits === 0) return { ok: false, problem: "format" };
  const frac = fracRaw ?? "";
  const extra = frac.slice(digits);
  if (/[^0]/.test(extra)) return { ok: false, problem: "tooManyDecimals" };
  const units = (intRaw + frac.slice(0, digits).padEnd(digits, "0")).replace(/^0+(?=\d)/, "") || "0";
  const big = BigInt(units);
  if (big > BigInt(MAX_MINOR)) return { ok: false, problem: "tooLarge" };
  return { ok: true, minor: Number(big) };
}

/** Minor units as a plain decimal string ("-12.30"; JPY "1200"), exactly. */
export function minorToDecimal(minor: number, digits: number): string {
  const negative = minor < 0;
  const abs = BigInt(Math.abs(Math.trunc(minor))).toString();
  if (digits === 0) return (negative ? "-" : "") + abs;
  const padded = abs.padStart(digits + 1, "0");
  const text = `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
  return (negative ? "-" : "") + text;
}

/** Minor units formatted for people ("$1,234.56", "¥1,200", "KWD 1.005"). */
export function formatMoney(minor: number, currency: string, locale = "en", digits?: number): string {
  const d = digits ?? currencyDigits(currency);
  const decimal = minorToDecimal(minor, d);
  if (!currency) return decimal;
  try {
    return new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      minimumFractionDigits: d,
      maximumFractionDigits: d,
    }).format(Number(decimal));
  } catch {
    return `${decimal} ${currency}`;
  }
}

export type PercentResult = { ok: true; bp: number } | { ok: false; problem: MoneyProblem | "over100" };

/** A percentage typed by staff ("10", "12.5", "7.25") as basis points (exact, at most 100 %). */
export function parsePercent(text: string): PercentResult {
  const r = parseMoney(text.replace(/%\s*$/, ""), 2);
  if (!r.ok) return r;
  if (r.minor > 10_000) return { ok: false, problem: "over100" };
  return { ok: true, bp: r.minor };
}

/** Basis points as a percentage text ("12.5"). */
export const bpToPercent = (bp: number): string => minorToDecimal(bp, 2).replace(/\.?0+$/, "");

/** A discount or insurance portion as the form holds it. */
export type PortionForm = { kind: "none" | "percent" | "fixed"; text: string };
export const noPortion = (): PortionForm => ({ kind: "none", text: "" });

export type PortionResult = { ok: true; portion: Portion | null } | { ok: false; problem: MoneyProblem | "over100" };

export function parsePortion(form: PortionForm, digits: number): PortionResult {
  if (form.kind === "none") return { ok: true, portion: null };
  if (form.kind === "percent") {
    const r = parsePercent(form.text);
    return r.ok ? { ok: true, portion: { kind: "percent", basis_points: r.bp } } : r;
  }
  const r = parseMoney(form.text, digits);
  return r.ok ? { ok: true, portion: { kind: "fixed", amount_minor: r.minor } } : r;
}

export function portionToForm(p: Portion | null, digits: number): PortionForm {
  if (!p) return noPortion();
  return p.kind === "percent"
    ? { kind: "percent", text: bpToPercent(p.basis_points) }
    : { kind: "fixed", text: minorToDecimal(p.amount_minor, digits) };
}

/** Methods staff record by hand (card through the gateway has its own button). */
export const RECORDED_METHODS: PaymentMethod[] = ["cash", "bank_transfer", "insurance_remittance", "card"];

export const INVOICE_STATUSES: InvoiceStatus[] = ["draft", "issued", "partially_paid", "paid", "void"];

/** Today as `YYYY-MM-DD` in the browser's zone. */
export function today(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** Whether an RFC 3339 instant's date part lies in `from..=to` (either may be empty). */
export function inRange(at: string, from: string, to: string): boolean {
  const day = at.slice(0, 10);
  return (!from || day >= from) && (!to || day <= to);
}

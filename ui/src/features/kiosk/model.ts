// The kiosk's pure logic: reading a date of birth the way patients type it, building the
// `KioskIdentify` request from the welcome form (with a problem per field, as i18n keys
// under `kiosk.check`), the details form <-> `KioskDetails`, and placing the server's
// field errors next to the right input. No React, no IPC.
import type { FieldError } from "../../bindings/FieldError";
import type { KioskDetails } from "../../bindings/KioskDetails";
import type { KioskFactor } from "../../bindings/KioskFactor";
import type { KioskIdentify } from "../../bindings/KioskIdentify";
import type { enKiosk } from "../../i18n/en.kiosk";

export type CheckKey = keyof typeof enKiosk.check;
/** A problem with one input: an i18n key under `kiosk.check` and its values. */
export type Problem = { key: CheckKey; max?: number };

export type FactorKind = KioskFactor["kind"];
export type IdentifyForm = { familyName: string; dob: string; factorKind: FactorKind; factorValue: string };
export type IdentifyField = "familyName" | "dob" | "factorValue";

export const emptyIdentifyForm = (): IdentifyForm => ({
  familyName: "",
  dob: "",
  factorKind: "appointment_code",
  factorValue: "",
});

const MAX_NAME = 100;
/** Appointment codes are 4 to 12 characters (the shell checks the same). */
const CODE_LENGTH = { min: 4, max: 12 };
const OLDEST_YEAR = 1880;

const pad2 = (n: number) => String(n).padStart(2, "0");

/** Today's date in the browser's zone as `YYYY-MM-DD`. */
export function localToday(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad2(now.getMonth() + 1)}-${pad2(now.getDate())}`;
}

export type DobResult = { ok: true; value: string } | { ok: false; problem: Problem };

/**
 * A date of birth typed year first: `1980-04-25`, also `1980/4/25`, `1980.04.25`,
 * `1980 4 25` or `19800425` (a numeric keypad has no dash). Day-first forms are refused
 * rather than guessed (25/04 vs 04/25). `today` is `YYYY-MM-DD`.
 */
export function parseDob(text: string, today: string): DobResult {
  const s = text.trim().replace(/\s*([-/.])\s*/g, "$1").replace(/\s+/g, " ");
  if (s === "") return { ok: false, problem: { key: "required" } };
  const m = /^(\d{4})[-/. ](\d{1,2})[-/. ](\d{1,2})$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return { ok: false, problem: { key: "dobFormat" } };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (
    month < 1 ||
    month > 12 ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    return { ok: false, problem: { key: "dobInvalid" } };
  }
  const value = `${m[1]}-${pad2(month)}-${pad2(day)}`;
  if (value > today) return { ok: false, problem: { key: "dobFuture" } };
  if (year < OLDEST_YEAR) return { ok: false, problem: { key: "dobTooOld" } };
  return { ok: true, value };
}

export type IdentifyResult =
  | { ok: true; request: KioskIdentify }
  | { ok: false; problems: Partial<Record<IdentifyField, Problem>> };

/** The identify request from the welcome form, or a problem next to each bad input. */
export function buildIdentify(form: IdentifyForm, today: string): IdentifyResult {
  const problems: Partial<Record<IdentifyField, Problem>> = {};
  const familyName = form.familyName.trim().replace(/\s+/g, " ");
  if (familyName === "") problems.familyName = { key: "required" };
  else if (familyName.length > MAX_NAME) problems.familyName = { key: "tooLong", max: MAX_NAME };

  const dob = parseDob(form.dob, today);
  if (!dob.ok) problems.dob = dob.problem;

  let factor: KioskFactor | null = null;
  if (form.factorKind === "phone_last_digits") {
    const digits = form.factorValue.replace(/[\s\-.]/g, "");
    if (/^\d{4}$/.test(digits)) factor = { kind: "phone_last_digits", value: digits };
    else problems.factorValue = { key: digits === "" ? "required" : "phoneDigits" };
  } else {
    const code = form.factorValue.trim();
    if (code.length < CODE_LENGTH.min || code.length > CODE_LENGTH.max) problems.factorValue = { key: "code" };
    else factor = { kind: "appointment_code", value: code };
  }

  if (!dob.ok || factor === null || Object.keys(problems).length > 0) return { ok: false, problems };
  return { ok: true, request: { family_name: familyName, date_of_birth: dob.value, factor } };
}

export type DetailsForm = {
  phone: string;
  email: string;
  line1: string;
  line2: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
  payer: string;
  memberId: string;
  groupNumber: string;
};
export type DetailsField = keyof DetailsForm;

export function detailsToForm(d: KioskDetails): DetailsForm {
  return {
    phone: d.phone,
    email: d.email,
    line1: d.address.line1,
    line2: d.address.line2,
    city: d.address.city,
    region: d.address.region,
    postalCode: d.address.postal_code,
    country: d.address.country,
    payer: d.insurance?.payer ?? "",
    memberId: d.insurance?.member_id ?? "",
    groupNumber: d.insurance?.group_number ?? "",
  };
}

/** Trimmed details; no insurance when all three insurance inputs are empty. */
export function formToDetails(f: DetailsForm): KioskDetails {
  const tr = (s: string) => s.trim();
  const insurance = { payer: tr(f.payer), member_id: tr(f.memberId), group_number: tr(f.groupNumber) };
  const hasInsurance = insurance.payer !== "" || insurance.member_id !== "" || insurance.group_number !== "";
  return {
    phone: tr(f.phone),
    email: tr(f.email),
    address: {
      line1: tr(f.line1),
      line2: tr(f.line2),
      city: tr(f.city),
      region: tr(f.region),
      postal_code: tr(f.postalCode),
      country: tr(f.country),
    },
    insurance: hasInsurance ? insurance : null,
  };
}

/** True when the form, once trimmed, says the same as `details`. */
export function sameDetails(f: DetailsForm, details: KioskDetails): boolean {
  const a = detailsToForm(formToDetails(f));
  const b = detailsToForm(formToDetails(detailsToForm(details)));
  return (Object.keys(a) as DetailsField[]).every((k) => a[k] === b[k]);
}

const DETAILS_FIELDS: Record<string, DetailsField> = {
  phone: "phone",
  email: "email",
  "address.line1": "line1",
  "address.line2": "line2",
  "address.city": "city",
  "address.region": "region",
  "address.postal_code": "postalCode",
  "address.country": "country",
  insurance: "payer",
  "insurance.payer": "payer",
  "insurance.member_id": "memberId",
  "insurance.group_number": "groupNumber",
};

const IDENTIFY_FIELDS: Record<string, IdentifyField> = {
  family_name: "familyName",
  date_of_birth: "dob",
  factor: "factorValue",
  "factor.value": "factorValue",
};

export type PlacedErrors<F extends string> = { byField: Partial<Record<F, string>>; other: string[] };

function place<F extends string>(fields: FieldError[] | undefined, map: Record<string, F>): PlacedErrors<F> {
  const placed: PlacedErrors<F> = { byField: {}, other: [] };
  for (const { field, message } of fields ?? []) {
    const key = map[field.replace(/^(details|request)\./, "")];
    if (key === undefined) placed.other.push(message);
    else if (placed.byField[key] === undefined) placed.byField[key] = message;
  }
  return placed;
}

/** The server's field errors of a details save, by input; the rest as a list. */
export const placeDetailsErrors = (fields: FieldError[] | undefined) => place(fields, DETAILS_FIELDS);

/** The server's field errors of an identify request, by input; the rest as a list. */
export const placeIdentifyErrors = (fields: FieldError[] | undefined) => place(fields, IDENTIFY_FIELDS);

// Quick client-side checks that mirror core's `validate_patient`, so obvious mistakes show
// before a round trip. The server stays authoritative: its field errors replace these.
import type { Resources } from "../../../i18n/en";
import type { PatientFormValues } from "./formModel";

export type CheckKey = keyof Resources["form"]["check"];
export type Problem = { key: CheckKey; max?: number };
export type Problems = Record<string, Problem>;

const MAX_NAME = 100;
const MAX_TEXT = 200;
const MAX_EMAIL = 254;
const MAX_PHONE = 32;
const EARLIEST_DOB = "1880-01-01";

/** Today's local date as `YYYY-MM-DD`. */
export function todayIso(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** True for a real calendar date written exactly as `YYYY-MM-DD`. */
export function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

export function looksLikeEmail(s: string): boolean {
  const at = s.lastIndexOf("@");
  if (at <= 0) return false;
  const domain = s.slice(at + 1);
  return (
    !/\s/.test(s) &&
    domain.includes(".") &&
    !domain.startsWith(".") &&
    !domain.endsWith(".") &&
    !domain.includes("..")
  );
}

function checkText(out: Problems, path: string, value: string, required: boolean, max: number) {
  const v = value.trim();
  if (required && v === "") out[path] = { key: "required" };
  else if ([...v].length > max) out[path] = { key: "tooLong", max };
}

function checkPhone(out: Problems, path: string, value: string, required: boolean) {
  checkText(out, path, value, required, MAX_PHONE);
  const v = value.trim();
  if (out[path] || v === "") return;
  if (!/^[0-9 +\-().]+$/.test(v)) out[path] = { key: "phoneChars" };
  else {
    const digits = v.replace(/\D/g, "").length;
    if (digits < 6 || digits > 15) out[path] = { key: "phoneDigits" };
  }
}

export function validateForm(v: PatientFormValues, today: string): Problems {
  const out: Problems = {};
  checkText(out, "given_name", v.given_name, true, MAX_NAME);
  checkText(out, "middle_name", v.middle_name, false, MAX_NAME);
  checkText(out, "family_name", v.family_name, true, MAX_NAME);

  const dob = v.date_of_birth.trim();
  if (dob === "") out.date_of_birth = { key: "required" };
  else if (!isIsoDate(dob)) out.date_of_birth = { key: "dobFormat" };
  else if (dob > today) out.date_of_birth = { key: "dobFuture" };
  else if (dob < EARLIEST_DOB) out.date_of_birth = { key: "dobTooOld" };

  checkPhone(out, "phone", v.phone, false);
  checkText(out, "email", v.email, false, MAX_EMAIL);
  const email = v.email.trim();
  if (!out.email && email !== "" && !looksLikeEmail(email)) out.email = { key: "email" };

  for (const [k, value] of Object.entries(v.address)) {
    checkText(out, `address.${k}`, value, false, MAX_TEXT);
  }
  v.emergency_contacts.forEach((c, i) => {
    checkText(out, `emergency_contacts.${i}.name`, c.name, true, MAX_NAME);
    checkText(out, `emergency_contacts.${i}.relationship`, c.relationship, false, MAX_NAME);
    checkPhone(out, `emergency_contacts.${i}.phone`, c.phone, true);
  });
  if (v.has_insurance) {
    checkText(out, "insurance.payer", v.insurance.payer, true, MAX_TEXT);
    checkText(out, "insurance.member_id", v.insurance.member_id, true, MAX_NAME);
    checkText(out, "insurance.group_number", v.insurance.group_number, false, MAX_NAME);
  }
  return out;
}

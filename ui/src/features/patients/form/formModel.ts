// The editable shape of a patient (what the form holds) and its conversion to and from the
// wire `PatientDetails`. Field paths are the same dotted paths the server reports errors on.
import type { Address } from "../../../bindings/Address";
import type { ContactChannel } from "../../../bindings/ContactChannel";
import type { EmergencyContact } from "../../../bindings/EmergencyContact";
import type { Insurance } from "../../../bindings/Insurance";
import type { PatientDetails } from "../../../bindings/PatientDetails";
import type { Sex } from "../../../bindings/Sex";

export const SEXES: readonly Sex[] = ["female", "male", "other", "unknown"];
export const CONTACT_CHANNELS: readonly ContactChannel[] = ["phone", "sms", "email", "mail", "none"];
export const COMMON_LANGUAGES: readonly string[] = ["en", "es", "fr", "de", "pt", "sw", "ar", "zh", "hi"];
export const ADDRESS_KEYS: readonly (keyof Address)[] = [
  "line1",
  "line2",
  "city",
  "region",
  "postal_code",
  "country",
];
export const CONTACT_KEYS: readonly (keyof EmergencyContact)[] = ["name", "relationship", "phone"];
export const INSURANCE_KEYS: readonly (keyof Insurance)[] = ["payer", "member_id", "group_number"];

/** Form state. `sex: ""` means not recorded; `has_insurance` decides whether `insurance` is sent. */
export type PatientFormValues = {
  given_name: string;
  middle_name: string;
  family_name: string;
  date_of_birth: string;
  sex: Sex | "";
  phone: string;
  email: string;
  address: Address;
  emergency_contacts: EmergencyContact[];
  has_insurance: boolean;
  insurance: Insurance;
  preferences: { language: string; contact_channel: ContactChannel };
};

export const emptyContact = (): EmergencyContact => ({ name: "", relationship: "", phone: "" });
const emptyInsurance = (): Insurance => ({ payer: "", member_id: "", group_number: "" });

/** A new patient: English, contact by phone, no contacts, no insurance, sex not recorded. */
export function emptyForm(): PatientFormValues {
  return {
    given_name: "",
    middle_name: "",
    family_name: "",
    date_of_birth: "",
    sex: "",
    phone: "",
    email: "",
    address: { line1: "", line2: "", city: "", region: "", postal_code: "", country: "" },
    emergency_contacts: [],
    has_insurance: false,
    insurance: emptyInsurance(),
    preferences: { language: "en", contact_channel: "phone" },
  };
}

export function detailsToForm(d: PatientDetails): PatientFormValues {
  return {
    given_name: d.given_name,
    middle_name: d.middle_name,
    family_name: d.family_name,
    date_of_birth: d.date_of_birth,
    sex: d.sex ?? "",
    phone: d.phone,
    email: d.email,
    address: { ...d.address },
    emergency_contacts: d.emergency_contacts.map((c) => ({ ...c })),
    has_insurance: d.insurance !== null,
    insurance: d.insurance ? { ...d.insurance } : emptyInsurance(),
    preferences: { ...d.preferences },
  };
}

/** The request body. Text is sent as typed: the server trims and validates authoritatively. */
export function formToDetails(v: PatientFormValues): PatientDetails {
  return {
    given_name: v.given_name,
    middle_name: v.middle_name,
    family_name: v.family_name,
    date_of_birth: v.date_of_birth.trim(),
    sex: v.sex === "" ? null : v.sex,
    phone: v.phone,
    email: v.email,
    address: { ...v.address },
    emergency_contacts: v.emergency_contacts.map((c) => ({ ...c })),
    insurance: v.has_insurance ? { ...v.insurance } : null,
    preferences: { ...v.preferences },
  };
}

/** Every input's path, in the order the form shows them (used to focus the first invalid one). */
export function fieldPaths(v: PatientFormValues): string[] {
  const paths = ["given_name", "middle_name", "family_name", "date_of_birth", "sex", "phone", "email"];
  paths.push(...ADDRESS_KEYS.map((k) => `address.${k}`));
  v.emergency_contacts.forEach((_, i) => paths.push(...CONTACT_KEYS.map((k) => `emergency_contacts.${i}.${k}`)));
  paths.push("has_insurance");
  if (v.has_insurance) paths.push(...INSURANCE_KEYS.map((k) => `insurance.${k}`));
  paths.push("preferences.language", "preferences.contact_channel");
  return paths;
}

/** The `data-testid` of the input for a path (`has_insurance` is spelled with a dash). */
export function testIdFor(path: string): string {
  return path === "has_insurance" ? "field-has-insurance" : `field-${path}`;
}

/** The `data-testid` of the error message under the input for a path. */
export function errorTestIdFor(path: string): string {
  return path === "has_insurance" ? "error-has-insurance" : `error-${path}`;
}

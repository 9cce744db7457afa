// English strings. Every user-facing text goes through i18next so the clinic can add a
// locale by adding a file with the same shape.
import { enAdmin } from "./en.admin";
import { enBilling } from "./en.billing";
import { enDashboards } from "./en.dashboards";
import { enDocuments } from "./en.documents";
import { enInterop } from "./en.interop";
import { enKiosk } from "./en.kiosk";
import { enResults } from "./en.results";
import { enSchedule } from "./en.schedule";
import { enScheduleSetup } from "./en.scheduleSetup";
import { enChart } from "./en.chart";
import { enNotes } from "./en.notes";
import { enProvider } from "./en.provider";
import { enSession } from "./en.session";
import { enSync } from "./en.sync";

export const en = {
  session: enSession,
  admin: enAdmin,
  chart: enChart,
  notes: enNotes,
  results: enResults,
  documents: enDocuments,
  kiosk: enKiosk,
  schedule: enSchedule,
  scheduleSetup: enScheduleSetup,
  sync: enSync,
  interop: enInterop,
  provider: enProvider,
  billing: enBilling,
  dashboards: enDashboards,
  app: {
    title: "Clinic",
    loading: "Opening the patient database…",
    testKeyBadge: "Demo/test key — not for real patient data",
    testKeyTitle: "This installation uses an insecure test key. Do not enter real patients.",
    shortcuts: "Shortcuts: Ctrl+K or / to find a patient, Ctrl+N or Alt+N to register one, Ctrl+B or Alt+B to book an appointment.",
  },
  nav: {
    label: "Main",
    search: "Find patient",
    register: "Register patient",
    calendar: "Calendar",
    myday: "My day",
    waitlist: "Waitlist",
    reassign: "Reassign a day",
    scheduleSetup: "Schedule set-up",
    conflicts: "Conflicts",
    sync: "Sync",
    fhir: "FHIR",
    providerSync: "Provider sync",
    billing: "Billing",
    dashboards: "Dashboards",
  },
  startup: {
    title: "The clinic app could not open its patient database",
    code: "Error code",
    details: "Details",
    whatToDo: "What to do",
    help: {
      keychain_unavailable:
        "The system keychain, which holds the database key, is locked or not running. Unlock or start it — GNOME Keyring or KWallet on Linux, Keychain on macOS, Credential Manager on Windows — and then restart the app.",
      key_missing:
        "The database key is missing from the system keychain. Restore the keychain entry (or restore from your backup) and restart the app. The data file was not changed.",
      wrong_key_or_corrupt:
        "The database could not be opened with the key in the keychain: the key is wrong or the file is damaged. The file was not replaced. Restore the right keychain entry or a backup of the data file, then restart. Contact support if this keeps happening.",
      schema_too_new:
        "The patient database was written by a newer version of this app. Update the app to the latest version, then open it again.",
      config:
        "The app's configuration is invalid or incomplete. Ask your administrator to check the configuration, then restart the app.",
      default:
        "Restart the app. If the problem continues, contact support and quote the error code above.",
    },
  },
  errors: {
    title: "Something went wrong",
    detail: "Details: {{message}}",
    validation: "Some details need attention. Fix the highlighted fields and try again.",
    not_found: "This patient record could not be found.",
    edit_conflict: "Someone else changed this record while you were editing.",
    storage: "The local database could not complete the request. Try again; if it keeps failing, restart the app.",
    not_ready: "The patient database is not open. Restart the app.",
    forbidden: "Your role may not do this.",
    generic: "Something went wrong. Nothing you typed was lost; try again.",
  },
  search: {
    label: "Find a patient",
    placeholder: "Name, date of birth (YYYY-MM-DD), phone or MRN",
    hint: "Type a name, a date of birth as YYYY-MM-DD, a phone number (or its last 4 digits) or an MRN. Press ↓ to move to the results.",
    loading: "Searching…",
    resultsLabel: "Search results",
    emptyTitle: "No patients found",
    emptyBody:
      "Nothing matches “{{text}}”. Check the spelling, use fewer words, a date of birth as YYYY-MM-DD or the last 4 digits of the phone number — or register the patient.",
    emptyRegister: "Register a new patient",
    noMore: "No more results. Go back to the previous page.",
    prev: "Previous",
    next: "Next",
    page: "Page {{page}}",
    rowLabel: "Open {{name}}, born {{dob}}, MRN {{mrn}}",
    col: { family: "Family name", given: "Given names", dob: "Date of birth", sex: "Sex", phone: "Phone", mrn: "MRN" },
  },
  sex: { female: "Female", male: "Male", other: "Other", unknown: "Unknown", notRecorded: "Not recorded" },
  channel: { phone: "Phone call", sms: "Text message (SMS)", email: "Email", mail: "Post", none: "Do not contact" },
  form: {
    sections: {
      person: "Patient",
      contact: "Contact",
      address: "Address",
      emergency: "Emergency contacts",
      insurance: "Insurance",
      preferences: "Preferences",
    },
    given_name: "Given name",
    middle_name: "Middle name(s)",
    family_name: "Family name",
    date_of_birth: "Date of birth",
    dobHelp: "YYYY-MM-DD, for example 1984-03-15",
    sex: "Sex",
    phone: "Phone",
    email: "Email",
    address: {
      line1: "Address line 1",
      line2: "Address line 2",
      city: "City or town",
      region: "State, province or region",
      postal_code: "Postal code",
      country: "Country",
    },
    emergency: {
      none: "No emergency contact recorded.",
      add: "Add emergency contact",
      remove: "Remove contact {{n}}",
      legend: "Emergency contact {{n}}",
      name: "Name",
      relationship: "Relationship",
      phone: "Phone",
    },
    insurance: {
      has: "Has insurance",
      payer: "Insurer / payer",
      member_id: "Member ID",
      group_number: "Group number",
    },
    preferences: { language: "Preferred language", contact_channel: "Preferred contact" },
    required: "Required",
    register: "Register patient",
    registering: "Registering…",
    save: "Save changes",
    saving: "Saving…",
    cancel: "Cancel",
    problems: "Please check the following",
    check: {
      required: "This field is required.",
      dobFormat: "Enter a real date as YYYY-MM-DD, for example 1984-03-15.",
      dobFuture: "Date of birth cannot be in the future.",
      dobTooOld: "Date of birth cannot be before 1880.",
      email: "Enter an email address like name@example.org.",
      phoneChars: "Use digits, spaces and + - ( ) . only.",
      phoneDigits: "A phone number has 6 to 15 digits.",
      tooLong: "Use at most {{max}} characters.",
    },
  },
  register: {
    title: "Register a new patient",
    dupTitle: "This patient may already be registered",
    dupBody:
      "Nothing has been saved yet. Check these existing records first. If none of them is this patient, register a new record.",
    dupReasons: "Matches on",
    open: "Open existing record",
    anyway: "Register as new patient anyway",
    reason: {
      same_name_and_date_of_birth: "same name and date of birth",
      same_email: "same email address",
      same_phone: "same phone number",
    },
  },
  edit: {
    title: "Edit patient",
    conflictTitle: "Someone else changed this record",
    conflictBody:
      "Your changes were not saved and are still in the form. Load the latest version to see the other person's changes (this replaces your edits), or keep your edits and save them over the latest version.",
    reload: "Load latest version",
    keepMine: "Keep my edits",
    rebased: "Your edits now apply to the latest version of the record. Review them and save again.",
  },
  profile: {
    loading: "Loading patient…",
    notFound: "This patient record could not be found.",
    backToSearch: "Back to search",
    backToRegistration: "Back to the registration in progress",
    edit: "Edit",
    mrn: "MRN",
    dob: "Date of birth",
    age_one: "{{count}} year",
    age_other: "{{count}} years",
    ageMonths_one: "{{count}} month",
    ageMonths_other: "{{count}} months",
    dobWithAge: "{{dob}} (age {{age}})",
    created: "Registered",
    updated: "Last updated",
    notRecorded: "Not recorded",
    noContacts: "No emergency contact recorded.",
    noInsurance: "No insurance recorded (self-pay).",
    saved: "Changes saved.",
    registered: "Patient registered with MRN {{mrn}}.",
    dismiss: "Dismiss",
  },
  patients: {
    merge: {
      open: "Merge a duplicate…",
      title: "Merge a duplicate record",
      searchLabel: "Find the duplicate record",
      searchPlaceholder: "Name, date of birth (YYYY-MM-DD), phone or MRN",
      searchHint: "Search for the other record of this patient. Restricted records are not listed.",
      searching: "Searching…",
      candidatesLabel: "Records that can be merged with this one",
      candidate: "{{name}} · born {{dob}} · {{mrn}}",
      noCandidates: "No other record matches “{{text}}”.",
      loadingOther: "Loading the other record…",
      compareLabel: "The two records side by side",
      field: "Detail",
      thisRecord: "This record",
      otherRecord: "Other record",
      name: "Name",
      differs: "Differs",
      survivorLegend: "Which record is kept?",
      keepCurrent: "Keep this record ({{mrn}})",
      keepOther: "Keep the other record ({{mrn}})",
      warningTitle: "Check before merging",
      warningMoves:
        "All chart items of {{merged}} (problems, medications, allergies, plans, encounters, notes, results and documents) move to {{survivor}}.",
      warningRedirect:
        "{{merged}} becomes a redirect: opening it shows {{survivor}}, and it no longer appears in search.",
      warningDetails:
        "The details of {{survivor}} are kept as they are; nothing above is copied from {{merged}}. Edit the kept record afterwards if needed.",
      warningRestriction: "If either record is restricted, the kept record is restricted too.",
      chooseAnother: "Choose another record",
      cancel: "Cancel",
      confirm: "Merge",
      merging: "Merging…",
      errorTitle: "The records were not merged",
      restricted: "One of these records is restricted to the patient's care team.",
      done_one: "Merged: {{count}} chart item moved.",
      done_other: "Merged: {{count}} chart items moved.",
      redirected: "This record was merged into MRN {{mrn}}; you are seeing the surviving record.",
    },
  },
} as const;

export type Resources = typeof en;

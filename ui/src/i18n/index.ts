// i18next set-up: bundled resources only (no HTTP backend, no language detector that
// writes to storage), initialized synchronously so the first render is translated.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en";

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: typeof en };
  }
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en } },
  lng: "en",
  fallbackLng: "en",
  initAsync: false,
  interpolation: { escapeValue: false }, // React escapes output
  returnNull: false,
});

export default i18n;

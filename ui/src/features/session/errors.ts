// What a command failure means for the session: `locked` shows the lock screen,
// `session_ended` / `account_disabled` go back to sign-in. Every other code, `forbidden`
// included, is the calling screen's to show (so each error is shown once, where it
// happened). Normalize rejections with `toUiError` (it keeps `retry_after_secs`).
import type { UiError } from "../../bindings/UiError";

export type SessionEffect = "lock" | "sign_out";

export function sessionEffectOf(error: UiError): SessionEffect | null {
  switch (error.code) {
    case "locked":
      return "lock";
    case "session_ended":
    case "account_disabled":
      return "sign_out";
    default:
      return null;
  }
}

/** Server field errors by field name (several for one field are joined). */
export function fieldErrors(error: UiError | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of error?.fields ?? []) out[f.field] = out[f.field] ? `${out[f.field]} ${f.message}` : f.message;
  return out;
}

// What a command failure means for the session: `locked` shows the lock screen,
// `session_ended` / `account_disabled` go back to sign-in, `forbidden` is a message.
// Also normalizes rejections while keeping `retry_after_secs` (for `throttled`).
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";

export type SessionEffect = "lock" | "sign_out" | "forbidden";

export function sessionEffectOf(error: UiError): SessionEffect | null {
  switch (error.code) {
    case "locked":
      return "lock";
    case "session_ended":
    case "account_disabled":
      return "sign_out";
    case "forbidden":
      return "forbidden";
    default:
      return null;
  }
}

/** `toUiError` plus the throttling delay, which the shared normalizer does not carry. */
export function toSessionError(x: unknown): UiError {
  const e = toUiError(x);
  if (typeof x === "object" && x !== null) {
    const secs = (x as { retry_after_secs?: unknown }).retry_after_secs;
    if (typeof secs === "number" && Number.isFinite(secs) && secs >= 0) {
      return { ...e, retry_after_secs: Math.ceil(secs) };
    }
  }
  return e;
}

/** Server field errors by field name (several for one field are joined). */
export function fieldErrors(error: UiError | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of error?.fields ?? []) out[f.field] = out[f.field] ? `${out[f.field]} ${f.message}` : f.message;
  return out;
}

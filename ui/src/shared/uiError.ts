// Normalizes whatever a Tauri command rejected with. Commands reject with a `UiError`
// (`{code, message, fields?, retry_after_secs?}`); anything else (e.g. a plain string from
// Tauri's argument deserializer) becomes a generic `internal` error. The UI branches on
// `code` only.
import type { ErrorCode } from "../bindings/ErrorCode";
import type { FieldError } from "../bindings/FieldError";
import type { UiError } from "../bindings/UiError";

/** Every code the UI knows; a `Record` so a new Rust variant fails the type check here. */
const KNOWN_CODES: Record<ErrorCode, true> = {
  validation: true,
  not_found: true,
  edit_conflict: true,
  keychain_unavailable: true,
  key_missing: true,
  wrong_key_or_corrupt: true,
  schema_too_new: true,
  storage: true,
  config: true,
  not_ready: true,
  internal: true,
  invalid_credentials: true,
  throttled: true,
  account_disabled: true,
  invalid_totp_code: true,
  forbidden: true,
  session_ended: true,
  clinic_exists: true,
  last_administrator: true,
  restricted_patient: true,
  locked: true,
  slot_taken: true,
  kiosk_no_match: true,
  kiosk_visit_ended: true,
  sync_failed: true,
};

export function isKnownCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(KNOWN_CODES, code);
}

function isFieldError(x: unknown): x is FieldError {
  if (typeof x !== "object" || x === null) return false;
  const f = x as Record<string, unknown>;
  return typeof f.field === "string" && typeof f.message === "string";
}

/** True for a `{code, message}` object whose code this UI knows. */
export function isUiError(x: unknown): x is UiError {
  if (typeof x !== "object" || x === null) return false;
  const e = x as Record<string, unknown>;
  return typeof e.code === "string" && isKnownCode(e.code) && typeof e.message === "string";
}

/** A throttling delay in whole seconds (rounded up), or undefined when absent or malformed. */
function retryAfter(secs: unknown): number | undefined {
  return typeof secs === "number" && Number.isFinite(secs) && secs >= 0 ? Math.ceil(secs) : undefined;
}

/**
 * Turns any rejection into a `UiError`; unknown shapes become `internal` with their text.
 * Well-formed field errors and the throttling delay (`retry_after_secs`) are kept.
 */
export function toUiError(x: unknown): UiError {
  if (isUiError(x)) {
    const e: UiError = { code: x.code, message: x.message };
    const fields = Array.isArray(x.fields) ? x.fields.filter(isFieldError) : [];
    if (fields.length > 0) e.fields = fields;
    const secs = retryAfter(x.retry_after_secs);
    if (secs !== undefined) e.retry_after_secs = secs;
    return e;
  }
  if (typeof x === "string") return { code: "internal", message: x };
  if (x instanceof Error) return { code: "internal", message: x.message };
  if (typeof x === "object" && x !== null && typeof (x as { message?: unknown }).message === "string") {
    return { code: "internal", message: (x as { message: string }).message };
  }
  return { code: "internal", message: String(x) };
}

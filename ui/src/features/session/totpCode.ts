// Authenticator codes as typed: spaces and dashes are dropped ("123 456" is fine).
export const normalizeCode = (raw: string): string => raw.replace(/[\s-]/g, "");

export const isValidCode = (code: string, digits: number): boolean =>
  code.length === digits && /^\d+$/.test(code);

/** A base32 secret in groups of 4 for typing into an authenticator app by hand. */
export const groupSecret = (secret: string): string => (secret.match(/.{1,4}/g) ?? []).join(" ");

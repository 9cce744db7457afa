// English strings of sign-in, first run, TOTP enrollment, the lock screen and the
// session header (merged into `en.session`).
export const enSession = {};

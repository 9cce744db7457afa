// The only place the session screens talk to the Tauri shell: first run, sign-in, TOTP
// enrollment, lock/unlock and sign-out. Each function is one command; a failure rejects
// with a `UiError` (normalize with `toUiError`, which keeps `retry_after_secs`).
import { invoke } from "@tauri-apps/api/core";
import type { ClinicCreated } from "../../bindings/ClinicCreated";
import type { CreateClinic } from "../../bindings/CreateClinic";
import type { LockReason } from "../../bindings/LockReason";
import type { Login } from "../../bindings/Login";
import type { LoginOutcome } from "../../bindings/LoginOutcome";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { TotpEnrollment } from "../../bindings/TotpEnrollment";

export const createClinic = (request: CreateClinic): Promise<ClinicCreated> =>
  invoke<ClinicCreated>("create_clinic", { request });

export const login = (request: Login): Promise<LoginOutcome> => invoke<LoginOutcome>("login", { request });

export const beginTotpEnrollment = (): Promise<TotpEnrollment> => invoke<TotpEnrollment>("begin_totp_enrollment");

export const confirmTotp = (code: string): Promise<SessionInfo> =>
  invoke<SessionInfo>("confirm_totp", { request: { code } });

export const logout = (): Promise<null> => invoke<null>("logout");

export const lock = (reason: LockReason): Promise<null> => invoke<null>("lock", { reason });

export const unlock = (password: string): Promise<null> => invoke<null>("unlock", { request: { password } });

/** Query keys of session data (kept apart from patient data, which a lock clears). */
export const sessionKeys = {
  enrollment: (staffId: string) => ["session", "totp_enrollment", staffId] as const,
};

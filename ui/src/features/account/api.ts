// The only place "My account" talks to the Tauri shell: changing one's own password.
// (Adding an authenticator reuses `begin_totp_enrollment` / `confirm_totp` from
// `session/api`.) A failure rejects with a `UiError` (normalize with `toUiError`).
import { invoke } from "@tauri-apps/api/core";
import type { ChangePassword } from "../../bindings/ChangePassword";

export const changePassword = (request: ChangePassword): Promise<null> =>
  invoke<null>("change_password", { request });

// Who is signed in, for any screen (`useSession()`), and the way back to the session gate
// for a command that failed because the session is locked or over (`useSessionErrors()`).
// The session here is the UI's copy, for display and for hiding what a role may not use;
// the shell checks every command itself.
import { createContext, useContext } from "react";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { UiError } from "../../bindings/UiError";

export const SessionContext = createContext<SessionInfo | null>(null);

/** The signed-in session. Only screens inside the app (the Shell) may call it. */
export function useSession(): SessionInfo {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession() outside a signed-in session");
  return session;
}

export type SessionErrors = {
  /**
   * Hands a command failure to the session gate: `locked` shows the lock screen,
   * `session_ended` / `account_disabled` the sign-in screen. Returns true when the gate
   * took the error (the screen need not show it), false for any other code (`forbidden`
   * included), which the screen shows itself.
   */
  report: (error: UiError) => boolean;
};

export const SessionErrorsContext = createContext<SessionErrors>({ report: () => false });

export const useSessionErrors = (): SessionErrors => useContext(SessionErrorsContext);

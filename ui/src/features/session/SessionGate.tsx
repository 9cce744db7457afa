// After start-up, decides what the window shows: first run, sign-in, TOTP enrollment,
// the lock screen or the app (`Shell`). Locking and signing out unmount the app and clear
// the query cache, so no patient data stays in the DOM or in the page's memory. Command
// errors from any screen (through the QueryCache/MutationCache or `useSessionErrors`)
// lock or end the session here; any other error (`forbidden` included) is left to the
// screen that made the call. The inactivity timer locks after the session's minutes.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useReducer, useRef } from "react";
import type { LockReason } from "../../bindings/LockReason";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { Shell } from "../shell/Shell";
import * as api from "./api";
import { clearPatientData } from "./clearData";
import { subscribeCommandErrors } from "./errorBus";
import { sessionEffectOf } from "./errors";
import { FirstRunScreen } from "./FirstRunScreen";
import { gateReducer, initialGate, type StartupStatus } from "./gateState";
import { LockScreen } from "./LockScreen";
import { LoginScreen } from "./LoginScreen";
import { SessionErrorsContext, type SessionErrors } from "./SessionContext";
import { TotpEnrollmentScreen } from "./TotpEnrollmentScreen";
import { useIdleLock } from "./useIdleLock";

type Props = { status: StartupStatus; testKey: boolean };

export function SessionGate({ status, testKey }: Props) {
  const client = useQueryClient();
  const [state, dispatch] = useReducer(gateReducer, status, initialGate);
  const { view, clinic } = state;
  const clinicName = clinic?.name ?? null;
  const pendingLock = useRef<Promise<unknown>>(Promise.resolve());

  const report = useCallback((error: UiError): boolean => {
    switch (sessionEffectOf(error)) {
      case "lock":
        dispatch({ type: "lock" });
        return true;
      case "sign_out":
        dispatch({ type: "signed_out", notice: error });
        return true;
      default:
        return false;
    }
  }, []);
  const sessionErrors = useMemo<SessionErrors>(() => ({ report }), [report]);

  // Every failed query or mutation of every screen.
  useEffect(() => subscribeCommandErrors(client, (e) => void report(toUiError(e))), [client, report]);

  // Once the app has unmounted (locked, signed out…), forget what it loaded.
  useEffect(() => {
    if (view.screen !== "app") clearPatientData(client);
  }, [view.screen, client]);

  /** Shows the lock screen at once; the shell is told in the background. */
  const lockNow = useCallback(
    (reason: LockReason) => {
      dispatch({ type: "lock" });
      pendingLock.current = api.lock(reason).catch((e: unknown) => {
        // Already locked is fine; a session that is over goes to sign-in.
        const error = toUiError(e);
        if (sessionEffectOf(error) === "sign_out") report(error);
      });
    },
    [report],
  );

  const signOut = useCallback(() => {
    dispatch({ type: "signed_out", notice: null });
    // After any lock still on its way, so the two cannot cross.
    void pendingLock.current
      .then(() => api.logout())
      .catch((e: unknown) => {
        const error = toUiError(e);
        // Already over: nothing to tell. Otherwise say the shell may still hold it.
        if (error.code !== "session_ended") dispatch({ type: "login_notice", notice: error });
      });
  }, []);

  const lockManually = useCallback(() => lockNow("manual"), [lockNow]);

  const signedIn = view.screen === "app" || view.screen === "enroll";
  const minutes = signedIn ? view.session.auto_lock_minutes : 0;
  useIdleLock(minutes, signedIn, () => lockNow("inactivity"));

  let content;
  switch (view.screen) {
    case "first_run":
      content = <FirstRunScreen testKey={testKey} onCreated={(created) => dispatch({ type: "clinic_created", created })} />;
      break;
    case "login":
      content = (
        <LoginScreen
          clinicName={clinicName}
          testKey={testKey}
          notice={view.notice}
          onSignedIn={(session) => dispatch({ type: "signed_in", session })}
        />
      );
      break;
    case "enroll":
      content = (
        <TotpEnrollmentScreen
          clinicName={clinicName}
          testKey={testKey}
          session={view.session}
          enrollment={view.enrollment}
          onConfirmed={(session) => dispatch({ type: "totp_confirmed", session })}
          onSignOut={signOut}
        />
      );
      break;
    case "locked":
      content = (
        <LockScreen
          clinicName={clinicName}
          testKey={testKey}
          session={view.session}
          lockSettled={() => pendingLock.current}
          onUnlocked={() => dispatch({ type: "unlocked" })}
          onSignOut={signOut}
        />
      );
      break;
    case "app":
      content = (
        <Shell
          testKey={testKey}
          session={view.session}
          onLock={lockManually}
          onLogout={signOut}
        />
      );
      break;
  }
  return <SessionErrorsContext.Provider value={sessionErrors}>{content}</SessionErrorsContext.Provider>;
}

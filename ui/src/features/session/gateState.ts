// Which screen the session gate shows, as a pure reducer: first run, sign-in, TOTP
// enrollment, the lock screen or the app. Only `app` mounts patient screens.
import type { ClinicCreated } from "../../bindings/ClinicCreated";
import type { ClinicInfo } from "../../bindings/ClinicInfo";
import type { SessionInfo } from "../../bindings/SessionInfo";
import type { TotpEnrollment } from "../../bindings/TotpEnrollment";
import type { UiError } from "../../bindings/UiError";

export type GateView =
  | { screen: "first_run" }
  /** `notice`: why the previous session ended (session_ended, account_disabled…). */
  | { screen: "login"; notice: UiError | null }
  /** `enrollment` is null until `begin_totp_enrollment` answered (or after a lock). */
  | { screen: "enroll"; session: SessionInfo; enrollment: TotpEnrollment | null }
  | { screen: "locked"; session: SessionInfo }
  | { screen: "app"; session: SessionInfo };

export type GateState = { clinic: ClinicInfo | null; view: GateView };

export type GateAction =
  | { type: "clinic_created"; created: ClinicCreated }
  | { type: "signed_in"; session: SessionInfo }
  | { type: "totp_confirmed"; session: SessionInfo }
  | { type: "lock" }
  | { type: "unlocked" }
  | { type: "signed_out"; notice: UiError | null }
  /** Something to say on the sign-in screen (e.g. signing out failed). */
  | { type: "login_notice"; notice: UiError };

/** The screen for a signed-in, unlocked session. */
function viewFor(session: SessionInfo): GateView {
  return session.scope === "full"
    ? { screen: "app", session }
    : { screen: "enroll", session, enrollment: null };
}

export type StartupStatus = { clinic: ClinicInfo | null; session: SessionInfo | null; locked: boolean };

export function initialGate({ clinic, session, locked }: StartupStatus): GateState {
  if (clinic === null) return { clinic, view: { screen: "first_run" } };
  if (session === null) return { clinic, view: { screen: "login", notice: null } };
  if (locked) return { clinic, view: { screen: "locked", session } };
  return { clinic, view: viewFor(session) };
}

export function sessionOf(view: GateView): SessionInfo | null {
  return view.screen === "enroll" || view.screen === "locked" || view.screen === "app" ? view.session : null;
}

export function gateReducer(state: GateState, action: GateAction): GateState {
  const { view } = state;
  switch (action.type) {
    case "clinic_created": {
      const { clinic, session, totp_enrollment } = action.created;
      return { clinic, view: { screen: "enroll", session, enrollment: totp_enrollment } };
    }
    case "signed_in":
      return { ...state, view: viewFor(action.session) };
    case "totp_confirmed":
      return view.screen === "enroll" ? { ...state, view: viewFor(action.session) } : state;
    case "lock": {
      const session = sessionOf(view);
      if (!session || view.screen === "locked") return state;
      return { ...state, view: { screen: "locked", session } };
    }
    case "unlocked":
      return view.screen === "locked" ? { ...state, view: viewFor(view.session) } : state;
    case "signed_out":
      // Nobody signed in (first run, sign-in): nothing to end.
      if (!sessionOf(view)) return state;
      return { ...state, view: { screen: "login", notice: action.notice } };
    case "login_notice":
      return view.screen === "login" ? { ...state, view: { ...view, notice: action.notice } } : state;
  }
}

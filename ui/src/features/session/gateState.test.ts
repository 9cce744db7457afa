import { describe, expect, it } from "vitest";
import type { ClinicCreated } from "../../bindings/ClinicCreated";
import { gateReducer, initialGate, type GateState } from "./gateState";
import { clinicInfo, sessionInfo } from "./testing";

const clinic = clinicInfo();
const full = sessionInfo();
const enrolling = sessionInfo({ role: "administrator", scope: "totp_enrollment" });

describe("initialGate", () => {
  it("picks the screen from the start-up status", () => {
    expect(initialGate({ clinic: null, session: null, locked: false }).view.screen).toBe("first_run");
    expect(initialGate({ clinic, session: null, locked: false }).view.screen).toBe("login");
    expect(initialGate({ clinic, session: full, locked: true }).view.screen).toBe("locked");
    expect(initialGate({ clinic, session: full, locked: false }).view.screen).toBe("app");
    expect(initialGate({ clinic, session: enrolling, locked: false }).view).toEqual({
      screen: "enroll",
      session: enrolling,
      enrollment: null,
    });
  });
});

describe("gateReducer", () => {
  const app: GateState = initialGate({ clinic, session: full, locked: false });

  it("first run leads to enrollment, then to the app", () => {
    const enrollment = { secret_base32: "ABCD", otpauth_uri: "otpauth://totp/x", digits: 6, period_secs: 30 };
    const created: ClinicCreated = {
      clinic,
      session: enrolling,
      totp_enrollment: enrollment,
      admin: {} as ClinicCreated["admin"],
    };
    let s = gateReducer(initialGate({ clinic: null, session: null, locked: false }), { type: "clinic_created", created });
    expect(s.clinic).toEqual(clinic);
    expect(s.view).toEqual({ screen: "enroll", session: enrolling, enrollment });
    s = gateReducer(s, { type: "totp_confirmed", session: { ...enrolling, scope: "full" } });
    expect(s.view.screen).toBe("app");
  });

  it("locks and unlocks a session, and ignores a lock without one", () => {
    const locked = gateReducer(app, { type: "lock" });
    expect(locked.view).toEqual({ screen: "locked", session: full });
    expect(gateReducer(locked, { type: "lock" })).toBe(locked);
    expect(gateReducer(locked, { type: "unlocked" }).view.screen).toBe("app");
    const login = initialGate({ clinic, session: null, locked: false });
    expect(gateReducer(login, { type: "lock" })).toBe(login);
  });

  it("unlocking an enrollment session goes back to enrollment (with a new secret)", () => {
    const s = gateReducer(initialGate({ clinic, session: enrolling, locked: true }), { type: "unlocked" });
    expect(s.view).toEqual({ screen: "enroll", session: enrolling, enrollment: null });
  });

  it("an ended session goes to sign-in with the reason; nothing happens when nobody is signed in", () => {
    const notice = { code: "session_ended" as const, message: "ended" };
    const s = gateReducer(gateReducer(app, { type: "lock" }), { type: "signed_out", notice });
    expect(s.view).toEqual({ screen: "login", notice });
    expect(gateReducer(s, { type: "signed_out", notice: null })).toBe(s);
  });

  it("leaves a sign-in notice alone outside the sign-in screen", () => {
    const notice = { code: "storage" as const, message: "could not sign out" };
    expect(gateReducer(app, { type: "login_notice", notice })).toBe(app);
    const login = gateReducer(app, { type: "signed_out", notice: null });
    expect(gateReducer(login, { type: "login_notice", notice }).view).toEqual({ screen: "login", notice });
  });
});

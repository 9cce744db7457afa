import { invoke } from "@tauri-apps/api/core";
import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Login } from "../../bindings/Login";
import { commandRouter } from "../../test/render";
import { readyStatus, renderApp, sessionInfo } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const doctor = sessionInfo({ role: "doctor", display_name: "Dr Grace Hopper", username: "grace" });
const emptySearch = () => ({ items: [], page: 0, page_size: 25, has_more: false });

beforeEach(() => {
  mockInvoke.mockReset();
});
afterEach(() => {
  vi.useRealTimers();
});

async function signIn(user: ReturnType<typeof userEvent.setup>, username = "grace", password = "s3cret-words") {
  await user.type(await screen.findByTestId("login-username"), username);
  await user.type(screen.getByTestId("login-password"), password);
  await user.click(screen.getByTestId("login-submit"));
}

describe("sign-in", () => {
  it("asks for the authenticator code, then sends it with the same username and password", async () => {
    const user = userEvent.setup();
    const requests: Login[] = [];
    mockInvoke.mockImplementation(
      commandRouter({
        app_status: () => readyStatus({ session: null }),
        login: (args) => {
          const req = args!.request as Login;
          requests.push(req);
          if (!req.totp_code) return { status: "totp_required" };
          if (req.totp_code !== "654321") throw { code: "invalid_totp_code", message: "wrong code" };
          return { status: "signed_in", session: doctor };
        },
        search_patients: emptySearch,
      }),
    );
    renderApp();
    expect(screen.queryByTestId("nav-search")).toBeNull();
    await signIn(user);

    const code = await screen.findByTestId("login-totp-code");
    expect(document.activeElement).toBe(code);
    expect(screen.queryByTestId("login-password")).toBeNull();
    await user.type(code, "111111");
    await user.click(screen.getByTestId("login-totp-submit"));
    const error = await screen.findByTestId("login-error");
    expect(error.getAttribute("data-code")).toBe("invalid_totp_code");
    expect(error.textContent).toContain("That code is not right");

    await user.type(screen.getByTestId("login-totp-code"), "654 321");
    await user.click(screen.getByTestId("login-totp-submit"));
    expect((await screen.findByTestId("session-user")).textContent).toBe("Dr Grace Hopper");
    expect(requests).toEqual([
      { username: "grace", password: "s3cret-words" },
      { username: "grace", password: "s3cret-words", totp_code: "111111" },
      { username: "grace", password: "s3cret-words", totp_code: "654321" },
    ]);
    // A doctor finds and registers patients, and has no administrator screens.
    expect(screen.getByTestId("nav-register")).toBeTruthy();
    expect(screen.queryByTestId("nav-staff")).toBeNull();
  });

  it("says when the username or password is wrong, and asks for both fields first", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        app_status: () => readyStatus({ session: null }),
        login: () => {
          throw { code: "invalid_credentials", message: "invalid credentials" };
        },
      }),
    );
    renderApp();
    await user.click(await screen.findByTestId("login-submit"));
    expect(screen.getByTestId("login-form").textContent).toContain("This field is required.");
    expect(mockInvoke.mock.calls.map((c) => c[0])).not.toContain("login");
    await signIn(user);
    expect((await screen.findByTestId("login-error")).textContent).toContain("Wrong username or password.");
  });

  it("shows a countdown while throttled and blocks the button until it runs out", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    mockInvoke.mockImplementation(
      commandRouter({
        app_status: () => readyStatus({ session: null }),
        login: () => {
          throw { code: "throttled", message: "too many attempts", retry_after_secs: 30 };
        },
      }),
    );
    renderApp();
    await signIn(user);
    const error = await screen.findByTestId("login-error");
    expect(error.getAttribute("data-code")).toBe("throttled");
    expect(error.textContent).toContain("Try again in 30 seconds.");
    expect((screen.getByTestId("login-submit") as HTMLButtonElement).disabled).toBe(true);

    await act(async () => {
      vi.advanceTimersByTime(10_000);
    });
    expect(screen.getByTestId("login-error").textContent).toMatch(/Try again in 2\d seconds\./);
    await act(async () => {
      vi.advanceTimersByTime(21_000);
    });
    expect(screen.getByTestId("login-error").textContent).toContain("You can try again now.");
    expect((screen.getByTestId("login-submit") as HTMLButtonElement).disabled).toBe(false);
  });

  it("says so when the account is disabled", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        app_status: () => readyStatus({ session: null }),
        login: () => {
          throw { code: "account_disabled", message: "disabled" };
        },
      }),
    );
    renderApp();
    await signIn(user);
    await waitFor(() =>
      expect(screen.getByTestId("login-error").textContent).toContain("This account has been disabled."),
    );
    expect(screen.getByTestId("login-form")).toBeTruthy();
  });
});

import { invoke } from "@tauri-apps/api/core";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PatientSummary } from "../../bindings/PatientSummary";
import { commandRouter, type Handlers } from "../../test/render";
import { readyStatus, renderApp, sessionInfo } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const ada: PatientSummary = {
  id: "p1",
  mrn: "MRN-000123",
  given_name: "Ada",
  middle_name: "",
  family_name: "Lovelace",
  date_of_birth: "1990-12-10",
  sex: "female",
  phone: "+44 20 7946 0000",
  restricted: false,
};
const found = () => ({ items: [ada], page: 0, page_size: 25, has_more: false });
const session = sessionInfo({ display_name: "Sam Front", role: "front_desk", auto_lock_minutes: 1 });

function mock(over: Handlers = {}) {
  mockInvoke.mockImplementation(
    commandRouter({
      app_status: () => readyStatus({ session }),
      search_patients: found,
      lock: () => null,
      unlock: (args) => {
        if ((args!.request as { password: string }).password !== "right one") {
          throw { code: "invalid_credentials", message: "invalid credentials" };
        }
        return null;
      },
      logout: () => null,
      ...over,
    }),
  );
}
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

async function findAda(user: ReturnType<typeof userEvent.setup>) {
  await user.type(await screen.findByTestId("search-input"), "love");
  await waitFor(() => expect(document.body.textContent).toContain("Lovelace"));
}

beforeEach(() => {
  mockInvoke.mockReset();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("lock screen", () => {
  it("unmounts the patient screens and clears the cache; unlocking needs the password", async () => {
    const user = userEvent.setup();
    mock();
    const { client } = renderApp();
    await findAda(user);
    expect(screen.getByTestId("session-user").textContent).toBe("Sam Front");

    await user.click(screen.getByTestId("lock-button"));
    const lock = await screen.findByTestId("lock-screen");
    expect(document.body.textContent).not.toContain("Lovelace");
    expect(document.body.textContent).not.toContain("MRN-000123");
    expect(screen.queryByTestId("search-input")).toBeNull();
    expect(client.getQueryCache().findAll().map((q) => q.queryKey[0])).toEqual(["app_status"]);
    expect(client.getMutationCache().getAll()).toEqual([]);
    expect(calls("lock")).toEqual([{ reason: "manual" }]);
    expect(lock.textContent).toContain("Sam Front (Front desk)");
    expect(screen.getByTestId("auth-clinic-name").textContent).toBe("Riverside Clinic");

    await user.type(screen.getByTestId("unlock-password"), "wrong");
    await user.click(screen.getByTestId("unlock-submit"));
    expect((await screen.findByTestId("unlock-error")).textContent).toContain("Wrong password.");
    await user.type(screen.getByTestId("unlock-password"), "right one");
    await user.click(screen.getByTestId("unlock-submit"));

    // Back in the app, on a fresh search: nothing from before the lock.
    const input = (await screen.findByTestId("search-input")) as HTMLInputElement;
    expect(input.value).toBe("");
    expect(calls("unlock").at(-1)).toEqual({ request: { password: "right one" } });
  });

  it("shows the lock screen when any command answers `locked`", async () => {
    const user = userEvent.setup();
    mock({
      search_patients: () => {
        throw { code: "locked", message: "the session is locked" };
      },
    });
    renderApp();
    await user.type(await screen.findByTestId("search-input"), "love");
    expect(await screen.findByTestId("lock-screen")).toBeTruthy();
    expect(screen.queryByTestId("search-input")).toBeNull();
  });

  it("starts on the lock screen when the session is locked at start-up", async () => {
    mock({ app_status: () => readyStatus({ session, locked: true }) });
    renderApp();
    expect(await screen.findByTestId("lock-screen")).toBeTruthy();
    expect(screen.queryByTestId("nav-search")).toBeNull();
  });

  it("locks after the session's minutes without activity, even when the lock call fails", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    mock({
      lock: () => {
        throw { code: "storage", message: "disk trouble" };
      },
    });
    renderApp();
    await screen.findByTestId("search-input");
    await act(async () => {
      vi.advanceTimersByTime(50_000);
    });
    fireEvent.keyDown(window, { key: "Shift" });
    await act(async () => {
      vi.advanceTimersByTime(50_000);
    });
    expect(screen.queryByTestId("lock-screen")).toBeNull();
    await act(async () => {
      vi.advanceTimersByTime(11_000);
    });
    expect(await screen.findByTestId("lock-screen")).toBeTruthy();
    expect(calls("lock")).toEqual([{ reason: "inactivity" }]);
  });
});

describe("signing out and ended sessions", () => {
  it("signs out from the header, dropping the patient data", async () => {
    const user = userEvent.setup();
    mock();
    const { client } = renderApp();
    await findAda(user);
    await user.click(screen.getByTestId("logout-button"));
    expect(await screen.findByTestId("login-form")).toBeTruthy();
    expect(document.body.textContent).not.toContain("Lovelace");
    expect(client.getQueryCache().findAll({ queryKey: ["search"] })).toEqual([]);
    await waitFor(() => expect(calls("logout")).toHaveLength(1));
  });

  it("signs out from the lock screen", async () => {
    const user = userEvent.setup();
    mock({ app_status: () => readyStatus({ session, locked: true }) });
    renderApp();
    await user.click(await screen.findByTestId("lock-logout"));
    expect(await screen.findByTestId("login-form")).toBeTruthy();
    await waitFor(() => expect(calls("logout")).toHaveLength(1));
  });

  it("goes back to sign-in with the reason when a command says the session ended", async () => {
    const user = userEvent.setup();
    mock({
      search_patients: () => {
        throw { code: "account_disabled", message: "disabled" };
      },
    });
    renderApp();
    await user.type(await screen.findByTestId("search-input"), "love");
    const notice = await screen.findByTestId("session-notice");
    expect(notice.textContent).toContain("This account has been disabled.");
    expect(screen.getByTestId("login-form")).toBeTruthy();
  });
});

import { invoke } from "@tauri-apps/api/core";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { makeQueryClient, Providers } from "./Providers";
import { readyStatus } from "./features/session/testing";
import { commandRouter } from "./test/render";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const renderApp = () =>
  render(
    <Providers client={makeQueryClient()}>
      <App />
    </Providers>,
  );

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("App start-up", () => {
  it("shows a full-page error with the code and what to do", async () => {
    mockInvoke.mockImplementation(
      commandRouter({
        app_status: () => ({ state: "failed", error: { code: "keychain_unavailable", message: "no secret service" } }),
      }),
    );
    renderApp();
    expect((await screen.findByTestId("startup-error-code")).textContent).toBe("keychain_unavailable");
    expect(screen.getByTestId("startup-error").textContent).toContain("no secret service");
    expect(screen.getByTestId("startup-error-help").textContent).toContain("GNOME Keyring");
    expect(screen.queryByTestId("nav-search")).toBeNull();
  });

  it("treats a failing status call as a start-up error too", async () => {
    mockInvoke.mockImplementation(commandRouter({}));
    renderApp();
    expect((await screen.findByTestId("startup-error-code")).textContent).toBe("internal");
  });

  it("opens on search with the test-key badge, and shortcuts switch screens", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({ app_status: () => readyStatus({ test_key: true }) }),
    );
    renderApp();
    const search = await screen.findByTestId("search-input");
    expect(document.activeElement).toBe(search);
    expect(screen.getByTestId("test-key-badge").textContent).toContain("not for real patient data");
    expect(screen.getByTestId("search-hint")).toBeTruthy();

    await user.keyboard("{Alt>}n{/Alt}");
    expect(await screen.findByTestId("register-submit")).toBeTruthy();
    await user.keyboard("{Control>}k{/Control}");
    expect(document.activeElement).toBe(await screen.findByTestId("search-input"));
    await user.click(screen.getByTestId("nav-register"));
    expect(screen.getByTestId("field-given_name")).toBeTruthy();

    // Strict CSP: nothing may inject <style> elements at run time.
    expect(document.querySelectorAll("style").length).toBe(0);
  });

  it("hides the badge for a real key", async () => {
    mockInvoke.mockImplementation(
      commandRouter({ app_status: () => readyStatus({ test_key: false }) }),
    );
    renderApp();
    await screen.findByTestId("search-input");
    expect(screen.queryByTestId("test-key-badge")).toBeNull();
  });

  it("opens on the first-run screen when there is no clinic yet, with the test-key badge", async () => {
    mockInvoke.mockImplementation(
      commandRouter({ app_status: () => readyStatus({ clinic: null, session: null, test_key: true }) }),
    );
    renderApp();
    expect(await screen.findByTestId("first-run-form")).toBeTruthy();
    expect(screen.getByTestId("test-key-badge")).toBeTruthy();
    expect(screen.queryByTestId("nav-search")).toBeNull();
  });

  it("opens on sign-in when nobody is signed in", async () => {
    mockInvoke.mockImplementation(commandRouter({ app_status: () => readyStatus({ session: null }) }));
    renderApp();
    expect(await screen.findByTestId("login-form")).toBeTruthy();
    expect(screen.getByTestId("auth-clinic-name").textContent).toBe("Riverside Clinic");
    expect(document.activeElement).toBe(screen.getByTestId("login-username"));
    expect(document.querySelectorAll("style").length).toBe(0);
  });
});

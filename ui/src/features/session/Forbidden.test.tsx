// A refused command (`forbidden`) is shown once, by the screen that made the call; the
// session gate adds nothing of its own (it only takes locked / session_ended /
// account_disabled). Also: "My account" is open to every role.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Role } from "../../bindings/Role";
import { commandRouter, type Handlers } from "../../test/render";
import { readyStatus, renderApp, sessionInfo } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const refuse = (command: string) => () => {
  throw { code: "forbidden", message: `Your role may not use ${command}.` };
};

function mock(role: Role, over: Handlers = {}) {
  mockInvoke.mockImplementation(
    commandRouter({
      app_status: () => readyStatus({ session: sessionInfo({ role }) }),
      search_patients: () => ({ items: [], page: 0, page_size: 25, has_more: false }),
      ...over,
    }),
  );
}

/** Every alert on the page that says the role was refused. */
const refusals = () => screen.queryAllByRole("alert").filter((a) => /may not do this|does not allow this/.test(a.textContent ?? ""));

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("forbidden", () => {
  it("is shown once, in the search screen, in plain words", async () => {
    const user = userEvent.setup();
    mock("billing", { search_patients: refuse("search_patients") });
    renderApp();
    await user.type(await screen.findByTestId("search-input"), "love");
    const error = await screen.findByTestId("search-error");
    expect(error.getAttribute("data-code")).toBe("forbidden");
    expect(error.textContent).toContain("Your role may not do this.");
    expect(error.textContent).toContain("may not use search_patients");
    expect(refusals()).toHaveLength(1);
    expect(screen.queryByTestId("forbidden-alert")).toBeNull();
    // Still in the app, still able to type.
    expect(screen.getByTestId("search-input")).toBeTruthy();
  });

  it("is shown once on an administrator's screen", async () => {
    const user = userEvent.setup();
    mock("administrator", { list_staff: refuse("list_staff") });
    renderApp();
    await user.click(await screen.findByTestId("nav-staff"));
    const error = await screen.findByTestId("staff-load-error");
    expect(error.getAttribute("data-code")).toBe("forbidden");
    await waitFor(() => expect(refusals()).toHaveLength(1));
    expect(screen.queryByTestId("forbidden-alert")).toBeNull();
  });

  it("still lets the gate end the session on session_ended from a screen", async () => {
    const user = userEvent.setup();
    mock("administrator", {
      list_staff: () => {
        throw { code: "session_ended", message: "ended" };
      },
    });
    renderApp();
    await user.click(await screen.findByTestId("nav-staff"));
    expect(await screen.findByTestId("login-form")).toBeTruthy();
    expect(screen.getByTestId("session-notice").textContent).toContain("Your session has ended.");
  });
});

describe("My account", () => {
  it.each<Role>(["front_desk", "doctor", "nurse", "billing", "administrator"])("opens for %s", async (role) => {
    const user = userEvent.setup();
    mock(role);
    renderApp();
    await user.click(await screen.findByTestId("nav-account"));
    expect(await screen.findByTestId("account-screen")).toBeTruthy();
    expect(screen.getByTestId("nav-account").getAttribute("aria-current")).toBe("page");
    expect(screen.getByTestId("account-change-password")).toBeTruthy();
    expect(screen.getByTestId("account-totp-start")).toBeTruthy();
    expect(screen.queryByTestId("route-forbidden")).toBeNull();
  });
});

// Settings: auto-lock range check and save; re-key only after confirmation, with the `config` refusal shown.
import { invoke } from "@tauri-apps/api/core";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commandRouter, renderWithProviders } from "../../test/render";
import { SettingsScreen } from "./SettingsScreen";
import { withSession } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("SettingsScreen", () => {
  it("saves the inactivity lock and refuses values out of range", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        set_auto_lock: (args) => {
          const { minutes } = args!.request as { minutes: number };
          return { id: "c1", name: "Clinic", auto_lock_minutes: minutes, created_at: "2026-01-01T00:00:00Z" };
        },
      }),
    );
    renderWithProviders(withSession("administrator", <SettingsScreen />));
    const input = screen.getByTestId("auto-lock-minutes") as HTMLInputElement;
    expect(input.value).toBe("15");

    await user.clear(input);
    await user.type(input, "500");
    await user.click(screen.getByTestId("auto-lock-save"));
    expect(screen.getByTestId("auto-lock-minutes-error").textContent).toContain("1 to 240");
    expect(mockInvoke).not.toHaveBeenCalled();

    await user.clear(input);
    await user.type(input, "30");
    await user.click(screen.getByTestId("auto-lock-save"));
    expect((await screen.findByTestId("auto-lock-saved")).textContent).toContain("30 minutes");
    expect(mockInvoke).toHaveBeenCalledWith("set_auto_lock", { request: { minutes: 30 } });
  });

  it("re-keys only after confirmation and shows a configuration refusal", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        rekey_database: () =>
          Promise.reject({ code: "config", message: "the demo's fixed test key cannot be re-keyed" }),
      }),
    );
    renderWithProviders(withSession("administrator", <SettingsScreen />));
    await user.click(screen.getByTestId("rekey-open"));
    expect(await screen.findByTestId("rekey-dialog")).toBeTruthy();
    expect(mockInvoke).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("rekey-confirm"));
    const error = await screen.findByTestId("rekey-error");
    expect(error.getAttribute("data-code")).toBe("config");
    expect(error.textContent).toContain("the demo's fixed test key cannot be re-keyed");
    expect(mockInvoke.mock.calls.map((c) => c[0])).toEqual(["rekey_database"]);
  });
});

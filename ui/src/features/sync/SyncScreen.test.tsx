// "Sync server" (administrators): connects this device with `connect_sync_server` and
// shows the status afterwards; an enrolled device shows its status without the form.
import { invoke } from "@tauri-apps/api/core";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { SyncStatus } from "../../bindings/SyncStatus";
import { commandRouter, renderWithProviders } from "../../test/render";
import { withSession } from "../admin/testing";
import { navItems } from "../shell/nav";
import { SyncScreen } from "./SyncScreen";
import { syncStatus } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("sync server screen", () => {
  it("connects this device and shows its status", async () => {
    const user = userEvent.setup();
    let status: SyncStatus = syncStatus({ phase: "not_enrolled", server_url: null, last_sync_at: null });
    mockInvoke.mockImplementation(
      commandRouter({
        get_sync_status: () => status,
        connect_sync_server: () => (status = syncStatus({ phase: "syncing", last_sync_at: null })),
      }),
    );
    renderWithProviders(withSession("administrator", <SyncScreen />));
    await user.click(await screen.findByTestId("sync-submit"));
    expect(screen.getByTestId("sync-server-url-error").textContent).toBe("This field is required.");

    await user.type(screen.getByTestId("sync-server-url"), "https://sync.clinic.example:8443");
    await user.type(screen.getByTestId("sync-code"), "ABCD-1234");
    await user.type(screen.getByTestId("sync-device-name"), "Front desk 2");
    await user.click(screen.getByTestId("sync-submit"));

    expect(await screen.findByTestId("sync-connected")).toBeTruthy();
    expect(calls("connect_sync_server")).toEqual([
      {
        request: {
          server_url: "https://sync.clinic.example:8443",
          enrollment_code: "ABCD-1234",
          device_name: "Front desk 2",
          ca_pem: null,
        },
      },
    ]);
    expect(screen.getByTestId("sync-server-url").textContent).toBe("https://sync.clinic.example:8443");
    expect(screen.queryByTestId("sync-form")).toBeNull();
  });

  it("shows why connecting failed", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        get_sync_status: () => syncStatus({ phase: "not_enrolled", server_url: null }),
        connect_sync_server: () => Promise.reject({ code: "validation", message: "The enrollment code was already used." }),
      }),
    );
    renderWithProviders(withSession("administrator", <SyncScreen />));
    await user.type(await screen.findByTestId("sync-server-url"), "https://sync.clinic.example:8443");
    await user.type(screen.getByTestId("sync-code"), "USED");
    await user.type(screen.getByTestId("sync-device-name"), "Desk");
    await user.click(screen.getByTestId("sync-submit"));
    const error = await screen.findByTestId("sync-error");
    expect(error.textContent).toContain("The enrollment code was already used.");
  });

  it("is in the administrators' navigation; conflicts for the clinical and desk roles", () => {
    const targets = (role: Parameters<typeof navItems>[0]) => navItems(role).map((i) => i.target);
    expect(targets("administrator")).toEqual(expect.arrayContaining(["sync", "conflicts"]));
    expect(targets("front_desk")).toContain("conflicts");
    expect(targets("doctor")).toContain("conflicts");
    expect(targets("nurse")).toContain("conflicts");
    expect(targets("billing")).not.toContain("conflicts");
    for (const role of ["front_desk", "doctor", "nurse", "billing"] as const) expect(targets(role)).not.toContain("sync");
  });
});

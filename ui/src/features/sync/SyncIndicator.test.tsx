// The sync indicator in the session header: the phase, changes waiting, the last sync,
// the first download's progress, the conflicts link, the details panel with "Retry now",
// and refreshing open screens when the shell applied other devices' changes.
import { useQuery } from "@tanstack/react-query";
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Role } from "../../bindings/Role";
import type { SyncStatus } from "../../bindings/SyncStatus";
import { commandRouter, renderWithProviders } from "../../test/render";
import { SyncIndicator } from "./SyncIndicator";
import { syncStatus } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const mockListen = vi.mocked(listen);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

let handlers: Record<string, (e: { payload: unknown }) => void>;

function serve(status: SyncStatus, extra: Record<string, () => unknown> = {}) {
  mockInvoke.mockImplementation(commandRouter({ get_sync_status: () => status, ...extra }));
}

const renderIndicator = (role: Role = "front_desk") => renderWithProviders(<SyncIndicator role={role} />);

beforeEach(() => {
  mockInvoke.mockReset();
  mockListen.mockReset();
  handlers = {};
  mockListen.mockImplementation(async (event, handler) => {
    handlers[event] = handler as (e: { payload: unknown }) => void;
    return () => delete handlers[event];
  });
});

describe("sync indicator", () => {
  it.each([
    ["idle", "Online"],
    ["offline", "Offline"],
    ["syncing", "Syncing…"],
    ["error", "Sync error"],
    ["not_enrolled", "Not connected"],
  ] as const)("shows the %s phase", async (phase, label) => {
    serve(syncStatus({ phase }));
    renderIndicator();
    const indicator = await screen.findByTestId("sync-indicator");
    expect(indicator.getAttribute("data-phase")).toBe(phase);
    expect(screen.getByTestId("sync-phase").textContent).toBe(label);
    expect(calls("get_sync_status")).toEqual([undefined]);
  });

  it("shows the changes waiting and the last sync, not when there are none", async () => {
    serve(syncStatus({ pending_changes: 3 }));
    renderIndicator();
    expect((await screen.findByTestId("sync-pending")).textContent).toBe("3 changes to send");
    expect(screen.getByTestId("sync-last").textContent).toMatch(/^Synced /);
  });

  it("hides the pending count at zero and says when it never synced", async () => {
    serve(syncStatus({ pending_changes: 0, last_sync_at: null }));
    renderIndicator();
    expect((await screen.findByTestId("sync-last")).textContent).toBe("Not synced yet");
    expect(screen.queryByTestId("sync-pending")).toBeNull();
  });

  it("shows the first download's progress only while it runs", async () => {
    serve(syncStatus({ phase: "syncing", first_sync_done: false, received: 25, total: 100 }));
    const { unmount } = renderIndicator();
    const bar = await screen.findByTestId("sync-progress");
    expect(bar.getAttribute("data-received")).toBe("25");
    expect(bar.getAttribute("data-total")).toBe("100");
    expect(screen.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("25");
    unmount();

    serve(syncStatus({ first_sync_done: true, received: 100, total: 100 }));
    renderIndicator();
    await screen.findByTestId("sync-indicator");
    expect(screen.queryByTestId("sync-progress")).toBeNull();
  });

  it("links the open conflicts to the conflicts screen, for the roles that see it", async () => {
    const user = userEvent.setup();
    serve(syncStatus({ open_conflicts: 2 }));
    const { navigate } = renderIndicator("nurse");
    const link = await screen.findByTestId("sync-conflicts");
    expect(link.textContent).toBe("2 conflicts");
    await user.click(link);
    expect(navigate).toHaveBeenCalledWith({ name: "conflicts" });
  });

  it("does not offer conflicts to billing", async () => {
    serve(syncStatus({ open_conflicts: 2 }));
    renderIndicator("billing");
    await screen.findByTestId("sync-indicator");
    expect(screen.queryByTestId("sync-conflicts")).toBeNull();
  });

  it("opens the details: server, last error with Retry now, upgrade and held changes", async () => {
    const user = userEvent.setup();
    let status = syncStatus({
      phase: "error",
      last_error: "The server refused this device's changes.",
      upgrade_required: true,
      held_changes: 4,
      pending_changes: 2,
    });
    mockInvoke.mockImplementation(
      commandRouter({
        get_sync_status: () => status,
        sync_now: () => (status = syncStatus({ phase: "idle" })),
      }),
    );
    renderIndicator();
    await user.click(await screen.findByTestId("sync-indicator"));
    expect((await screen.findByTestId("sync-server-url")).textContent).toBe("https://sync.clinic.example:8443");
    expect(screen.getByTestId("sync-last-error").textContent).toContain("The server refused this device's changes.");
    expect(screen.getByTestId("sync-upgrade")).toBeTruthy();
    expect(screen.getByTestId("sync-held").textContent).toBe(
      "4 changes from other devices are kept until this app is updated.",
    );
    const retry = screen.getByTestId("sync-retry");
    expect(retry.textContent).toBe("Retry now");
    await user.click(retry);
    await waitFor(() => expect(screen.getByTestId("sync-indicator").getAttribute("data-phase")).toBe("idle"));
    expect(calls("sync_now")).toEqual([undefined]);
    expect(screen.queryByTestId("sync-last-error")).toBeNull();
  });

  it("shows why Retry now failed", async () => {
    const user = userEvent.setup();
    serve(syncStatus({ phase: "offline" }), {
      sync_now: () => Promise.reject({ code: "storage", message: "busy" }),
    });
    renderIndicator();
    await user.click(await screen.findByTestId("sync-indicator"));
    await user.click(await screen.findByTestId("sync-retry"));
    expect((await screen.findByTestId("sync-retry-error")).getAttribute("data-code")).toBe("storage");
  });

  it("offers administrators the set-up when the device is not connected", async () => {
    const user = userEvent.setup();
    serve(syncStatus({ phase: "not_enrolled", server_url: null, last_sync_at: null }));
    const { navigate } = renderIndicator("administrator");
    await user.click(await screen.findByTestId("sync-indicator"));
    expect(await screen.findByTestId("sync-not-enrolled")).toBeTruthy();
    expect(screen.queryByTestId("sync-retry")).toBeNull();
    await user.click(screen.getByTestId("sync-set-up"));
    expect(navigate).toHaveBeenCalledWith({ name: "sync" });
  });

  it("refreshes open screens when other devices' changes were applied", async () => {
    serve(syncStatus(), { list_things: () => ["fresh"] });
    const fetches = vi.fn(() => Promise.resolve(["x"]));
    function Other() {
      useQuery({ queryKey: ["patient", "p1"], queryFn: fetches });
      useQuery({ queryKey: ["app_status"], queryFn: fetches, staleTime: Infinity });
      return null;
    }
    renderWithProviders(
      <>
        <SyncIndicator role="doctor" />
        <Other />
      </>,
    );
    await screen.findByTestId("sync-indicator");
    await waitFor(() => expect(handlers["sync-applied"]).toBeDefined());
    await waitFor(() => expect(fetches).toHaveBeenCalledTimes(2));
    await act(async () => handlers["sync-applied"]!({ payload: { applied: 3 } }));
    // The patient query again; the start-up status is left alone.
    await waitFor(() => expect(fetches).toHaveBeenCalledTimes(3));
    expect(calls("get_sync_status").length).toBeGreaterThanOrEqual(2);
  });
});

// Break-glass alerts: the reason is inert text (an HTML payload creates no elements); acknowledging removes alerts.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BreakGlassAlert } from "../../bindings/BreakGlassAlert";
import { commandRouter, renderWithProviders } from "../../test/render";
import { AlertsScreen } from "./AlertsScreen";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

declare global {
  interface Window {
    __xss?: number;
  }
}

const PAYLOAD = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold</b>`;

const alert = (id: string, reason: string): BreakGlassAlert => ({
  id,
  created_at: "2026-01-05T10:00:00Z",
  acknowledged_at: null,
  acknowledged_by: null,
  grant: {
    id: `grant-${id}`,
    staff_id: "staff-doc",
    patient_id: "patient-1",
    reason,
    granted_at: "2026-01-05T10:00:00Z",
    expires_at: "2026-01-05T11:00:00Z",
    revoked_at: null,
  },
  staff_display_name: "Dr Who",
  patient_mrn: "MRN-000042",
});

beforeEach(() => {
  mockInvoke.mockReset();
  delete window.__xss;
});
afterEach(() => {
  expect(window.__xss).toBeUndefined();
});

describe("AlertsScreen", () => {
  it("shows who, which MRN and the reason as inert text", async () => {
    mockInvoke.mockImplementation(commandRouter({ list_break_glass_alerts: () => [alert("a1", PAYLOAD)] }));
    const { container } = renderWithProviders(<AlertsScreen />);
    const item = await screen.findByTestId("alert-item");
    expect(item.textContent).toContain("Dr Who");
    expect(item.textContent).toContain("MRN-000042");
    expect(screen.getByTestId("alert-reason").textContent).toBe(PAYLOAD);
    expect(container.querySelector("img, script, b")).toBeNull();
    for (const el of Array.from(container.querySelectorAll("*"))) {
      for (const attr of Array.from(el.attributes)) expect(attr.name.startsWith("on")).toBe(false);
    }
  });

  it("acknowledges an alert and removes it from the list", async () => {
    const user = userEvent.setup();
    let pending = [alert("a1", "Unconscious patient in A&E"), alert("a2", "Cardiac arrest, need history")];
    mockInvoke.mockImplementation(
      commandRouter({
        list_break_glass_alerts: () => pending,
        acknowledge_break_glass_alert: (args) => {
          const id = (args!.request as { alert_id: string }).alert_id;
          const done = pending.find((a) => a.id === id)!;
          pending = pending.filter((a) => a.id !== id);
          return { ...done, acknowledged_at: "2026-01-05T12:00:00Z", acknowledged_by: "staff-admin" };
        },
      }),
    );
    renderWithProviders(<AlertsScreen />);
    await waitFor(() => expect(screen.getAllByTestId("alert-item")).toHaveLength(2));
    await user.click(screen.getAllByTestId("alert-acknowledge")[0]!);
    await waitFor(() => expect(screen.getAllByTestId("alert-item")).toHaveLength(1));
    expect(mockInvoke).toHaveBeenCalledWith("acknowledge_break_glass_alert", { request: { alert_id: "a1" } });
    await user.click(screen.getByTestId("alert-acknowledge"));
    expect(await screen.findByTestId("alerts-empty")).toBeTruthy();
    expect(screen.getByTestId("alerts-list").children).toHaveLength(0);
  });
});

// Break-glass dialog: explanation, reason validation (local and server), refusal, and a successful grant.
import { invoke } from "@tauri-apps/api/core";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { BreakGlassRequest } from "../../bindings/BreakGlassRequest";
import { commandRouter, renderWithProviders } from "../../test/render";
import { BreakGlassDialog } from "./BreakGlassDialog";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const grant = (r: BreakGlassRequest) => ({
  id: "grant-1",
  staff_id: "staff-doc",
  patient_id: r.patient_id,
  reason: r.reason,
  granted_at: "2026-01-05T10:00:00Z",
  expires_at: "2026-01-05T11:00:00Z",
  revoked_at: null,
});

function open() {
  const onGranted = vi.fn();
  const onClose = vi.fn();
  renderWithProviders(
    <BreakGlassDialog patientId="patient-1" mrn="MRN-000042" opened onClose={onClose} onGranted={onGranted} />,
  );
  return { onGranted, onClose };
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("BreakGlassDialog", () => {
  it("explains the consequences and names the record", async () => {
    open();
    const dialog = await screen.findByTestId("break-glass-dialog");
    expect(dialog.textContent).toContain("MRN-000042");
    expect(dialog.textContent).toContain("audit trail");
    expect(dialog.textContent).toContain("Administrators are alerted");
    expect(dialog.textContent).toContain("60 minutes");
  });

  it("asks for a reason of at least 10 characters before calling the shell", async () => {
    const user = userEvent.setup();
    const { onGranted } = open();
    await user.type(await screen.findByTestId("break-glass-reason"), "   urgent  ");
    await user.click(screen.getByTestId("break-glass-submit"));
    expect(screen.getByTestId("break-glass-error").textContent).toBe("Say why you need access (at least 10 characters).");
    expect(screen.getByTestId("break-glass-reason").getAttribute("aria-invalid")).toBe("true");
    expect(mockInvoke).not.toHaveBeenCalled();
    expect(onGranted).not.toHaveBeenCalled();
  });

  it("shows the server's reason error under the field", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        break_glass: () =>
          Promise.reject({
            code: "validation",
            message: "invalid request",
            fields: [{ field: "reason", message: "Say why you need access (at least 10 characters)." }],
          }),
      }),
    );
    const { onGranted } = open();
    await user.type(await screen.findByTestId("break-glass-reason"), "ten chars!!");
    await user.click(screen.getByTestId("break-glass-submit"));
    expect((await screen.findByTestId("break-glass-error")).textContent).toBe(
      "Say why you need access (at least 10 characters).",
    );
    expect(onGranted).not.toHaveBeenCalled();
  });

  it("shows a refusal for a role that may not break the glass", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({ break_glass: () => Promise.reject({ code: "forbidden", message: "billing may not break glass" }) }),
    );
    open();
    await user.type(await screen.findByTestId("break-glass-reason"), "Patient collapsed at the desk");
    await user.click(screen.getByTestId("break-glass-submit"));
    const error = await screen.findByTestId("break-glass-error");
    expect(error.getAttribute("data-code")).toBe("forbidden");
    expect(error.textContent).toContain("Your role does not allow this.");
  });

  it("requests access with the trimmed reason and reports the grant", async () => {
    const user = userEvent.setup();
    const requests: BreakGlassRequest[] = [];
    mockInvoke.mockImplementation(
      commandRouter({
        break_glass: (args) => {
          const r = args!.request as BreakGlassRequest;
          requests.push(r);
          return grant(r);
        },
      }),
    );
    const { onGranted } = open();
    await user.type(await screen.findByTestId("break-glass-reason"), "  Unconscious in A&E, need allergies  ");
    await user.click(screen.getByTestId("break-glass-submit"));
    await vi.waitFor(() => expect(onGranted).toHaveBeenCalledTimes(1));
    expect(requests).toEqual([{ patient_id: "patient-1", reason: "Unconscious in A&E, need allergies" }]);
  });
});

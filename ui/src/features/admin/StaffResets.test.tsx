// Staff screen, per-row resets: "Reset password" (repeat mismatch, the shell's field error,
// success) and "Remove authenticator" (offered only when the member has one, confirmed).
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { StaffMember } from "../../bindings/StaffMember";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { StaffScreen } from "./StaffScreen";
import { staffMember, withSession } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const alice = staffMember("alice", { role: "administrator", totp_enabled: true });
const bob = staffMember("bob", { role: "nurse" });
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

function renderStaff(handlers: Handlers, selfId = "staff-self") {
  mockInvoke.mockImplementation(commandRouter({ list_staff: () => [alice, bob], ...handlers }));
  return renderWithProviders(withSession("administrator", <StaffScreen />, { staff_id: selfId }));
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("Reset password", () => {
  it("checks the repeat, shows the shell's complaint under the input, then resets", async () => {
    const user = userEvent.setup();
    let attempts = 0;
    renderStaff({
      reset_staff_password: (args) => {
        const request = args!.request as { staff_id: string; new_password: string };
        if (++attempts === 1) {
          return Promise.reject({
            code: "validation",
            message: "invalid password",
            fields: [{ field: "new_password", message: "This password is too common." }],
          });
        }
        return { ...bob, id: request.staff_id, updated_at: "2026-02-01T00:00:00Z" } satisfies StaffMember;
      },
    });
    await user.click(await screen.findByTestId("staff-reset-password-bob"));
    const dialog = await screen.findByTestId("staff-reset-password-dialog");
    expect(dialog.textContent).toContain("Bob");

    await user.type(screen.getByTestId("staff-reset-password-input"), "first password");
    await user.type(screen.getByTestId("staff-reset-password-confirm-input"), "other password");
    await user.click(screen.getByTestId("staff-reset-password-submit"));
    expect(screen.getByTestId("staff-reset-password-confirm-error").textContent).toBe(
      "The two passwords are not the same.",
    );
    expect(calls("reset_staff_password")).toHaveLength(0);

    await user.clear(screen.getByTestId("staff-reset-password-confirm-input"));
    await user.type(screen.getByTestId("staff-reset-password-confirm-input"), "first password");
    await user.click(screen.getByTestId("staff-reset-password-submit"));
    expect((await screen.findByTestId("staff-reset-password-input-error")).textContent).toBe(
      "This password is too common.",
    );
    expect(screen.queryByTestId("staff-reset-password-error")).toBeNull();
    expect(screen.queryByTestId("staff-password-reset")).toBeNull();

    await user.clear(screen.getByTestId("staff-reset-password-input"));
    await user.type(screen.getByTestId("staff-reset-password-input"), "correct horse battery");
    await user.clear(screen.getByTestId("staff-reset-password-confirm-input"));
    await user.type(screen.getByTestId("staff-reset-password-confirm-input"), "correct horse battery");
    await user.click(screen.getByTestId("staff-reset-password-submit"));

    expect((await screen.findByTestId("staff-password-reset")).textContent).toContain("Bob");
    expect(calls("reset_staff_password").at(-1)).toEqual({
      request: { staff_id: "id-bob", new_password: "correct horse battery" },
    });
    await waitFor(() => expect(screen.queryByTestId("staff-reset-password-dialog")).toBeNull());
  });

  it("cancels without calling the shell", async () => {
    const user = userEvent.setup();
    renderStaff({});
    await user.click(await screen.findByTestId("staff-reset-password-alice"));
    await user.click(await screen.findByTestId("staff-reset-password-cancel"));
    await waitFor(() => expect(screen.queryByTestId("staff-reset-password-dialog")).toBeNull());
    expect(calls("reset_staff_password")).toHaveLength(0);
  });
});

describe("Remove authenticator", () => {
  it("is offered only for members with an authenticator, and asks first", async () => {
    const user = userEvent.setup();
    renderStaff({ reset_staff_totp: () => ({ ...alice, totp_enabled: false }) });
    const row = await screen.findByTestId("staff-row-alice");
    expect(within(row).getByTestId("staff-reset-totp-alice")).toBeTruthy();
    expect(screen.queryByTestId("staff-reset-totp-bob")).toBeNull();

    await user.click(screen.getByTestId("staff-reset-totp-alice"));
    expect(await screen.findByTestId("staff-reset-totp-dialog")).toBeTruthy();
    // Not the signed-in administrator's own account.
    expect(screen.queryByTestId("staff-reset-totp-self")).toBeNull();
    expect(calls("reset_staff_totp")).toHaveLength(0);

    await user.click(screen.getByTestId("staff-reset-totp-confirm"));
    expect((await screen.findByTestId("staff-totp-reset")).textContent).toContain("Alice");
    expect(calls("reset_staff_totp")).toEqual([{ request: { staff_id: "id-alice" } }]);
    expect(screen.getByTestId("staff-totp-alice").textContent).toBe("No");
    expect(screen.queryByTestId("staff-reset-totp-alice")).toBeNull();
  });

  it("warns administrators removing their own, and shows a refusal in the dialog", async () => {
    const user = userEvent.setup();
    renderStaff(
      { reset_staff_totp: () => Promise.reject({ code: "forbidden", message: "not allowed here" }) },
      alice.id,
    );
    await user.click(await screen.findByTestId("staff-reset-totp-alice"));
    expect((await screen.findByTestId("staff-reset-totp-self")).textContent).toContain("signed out");
    await user.click(screen.getByTestId("staff-reset-totp-confirm"));
    const error = await screen.findByTestId("staff-reset-totp-error");
    expect(error.getAttribute("data-code")).toBe("forbidden");
    expect(screen.getByTestId("staff-reset-totp-alice")).toBeTruthy();
  });
});

// My account: change password (repeat mismatch, the shell's field errors, wrong current
// password, throttling, success) and setting up an authenticator app.
import { invoke } from "@tauri-apps/api/core";
import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { AccountScreen } from "./AccountScreen";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);
const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;
/** The text of the messages an input points to with aria-describedby. */
const describedBy = (el: HTMLElement) =>
  (el.getAttribute("aria-describedby") ?? "")
    .split(" ")
    .map((id) => document.getElementById(id)?.textContent ?? "")
    .join(" ");

function renderAccount(handlers: Handlers = {}) {
  mockInvoke.mockImplementation(commandRouter(handlers));
  return renderWithProviders(withSession("nurse", <AccountScreen />, { username: "nina", display_name: "Nina Nurse" }));
}

async function fill(user: ReturnType<typeof userEvent.setup>, current: string, next: string, confirm = next) {
  await user.type(input("account-current-password"), current);
  await user.type(input("account-new-password"), next);
  await user.type(input("account-confirm-password"), confirm);
  await user.click(screen.getByTestId("account-change-password"));
}

beforeEach(() => {
  mockInvoke.mockReset();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("change password", () => {
  it("checks the repeated password before sending anything", async () => {
    const user = userEvent.setup();
    renderAccount();
    expect(screen.getByTestId("account-who").textContent).toContain("Nina Nurse (nina)");

    await user.click(screen.getByTestId("account-change-password"));
    expect(describedBy(input("account-current-password"))).toContain("This field is required.");

    await fill(user, "old password", "new password one", "new password two");
    expect(describedBy(input("account-confirm-password"))).toContain("The two new passwords are not the same.");
    expect(input("account-confirm-password").getAttribute("aria-invalid")).toBe("true");
    expect(mockInvoke).not.toHaveBeenCalled();
  });

  it("shows the shell's complaint about the new password under that field", async () => {
    const user = userEvent.setup();
    renderAccount({
      change_password: () =>
        Promise.reject({
          code: "validation",
          message: "invalid password",
          fields: [{ field: "new_password", message: "This password is too common." }],
        }),
    });
    await fill(user, "old password", "password1");
    await waitFor(() => expect(describedBy(input("account-new-password"))).toContain("This password is too common."));
    expect(input("account-new-password").getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByTestId("account-password-error")).toBeNull();
    expect(screen.queryByTestId("account-password-changed")).toBeNull();
    // The input stays for correction; editing the field clears the complaint.
    expect(input("account-new-password").value).toBe("password1");
    await user.type(input("account-new-password"), "x");
    expect(describedBy(input("account-new-password"))).not.toContain("too common");
  });

  it("says when the current password is wrong, and counts down while throttled", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    let attempts = 0;
    renderAccount({
      change_password: () =>
        Promise.reject(
          ++attempts === 1
            ? { code: "invalid_credentials", message: "invalid credentials" }
            : { code: "throttled", message: "too many attempts", retry_after_secs: 30 },
        ),
    });
    await fill(user, "wrong one", "a brand new password");
    const error = await screen.findByTestId("account-password-error");
    expect(error.getAttribute("data-code")).toBe("invalid_credentials");
    expect(error.textContent).toContain("Your current password is not right.");
    expect(input("account-current-password").value).toBe("");
    expect(input("account-current-password").getAttribute("aria-invalid")).toBe("true");

    await user.type(input("account-current-password"), "wrong again");
    await user.click(screen.getByTestId("account-change-password"));
    await waitFor(() =>
      expect(screen.getByTestId("account-password-error").textContent).toContain("Try again in 30 seconds."),
    );
    expect((screen.getByTestId("account-change-password") as HTMLButtonElement).disabled).toBe(true);
    await act(async () => {
      vi.advanceTimersByTime(31_000);
    });
    expect(screen.getByTestId("account-password-error").textContent).toContain("You can try again now.");
    expect((screen.getByTestId("account-change-password") as HTMLButtonElement).disabled).toBe(false);
  });

  it("changes the password and clears the form", async () => {
    const user = userEvent.setup();
    renderAccount({ change_password: () => null });
    await fill(user, "old password", "correct horse battery");
    expect((await screen.findByTestId("account-password-changed")).textContent).toContain("has been changed");
    expect(calls("change_password")).toEqual([
      { request: { current_password: "old password", new_password: "correct horse battery" } },
    ]);
    for (const id of ["account-current-password", "account-new-password", "account-confirm-password"]) {
      expect(input(id).value).toBe("");
    }
    expect(screen.queryByTestId("account-password-error")).toBeNull();
  });
});

describe("authenticator app", () => {
  const enrollment = {
    secret_base32: "JBSWY3DPEHPK3PXPJBSWY3DP",
    otpauth_uri: "otpauth://totp/Clinic:nina?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=Clinic",
    digits: 6,
    period_secs: 30,
  };

  it("asks for a secret only when started, then confirms a code", async () => {
    const user = userEvent.setup();
    renderAccount({
      begin_totp_enrollment: () => enrollment,
      confirm_totp: (args) => {
        if ((args!.request as { code: string }).code !== "123456") {
          throw { code: "invalid_totp_code", message: "wrong code" };
        }
        return { staff_id: "staff-self", scope: "full" };
      },
    });
    expect(screen.queryByTestId("totp-secret")).toBeNull();
    expect(calls("begin_totp_enrollment")).toHaveLength(0);

    await user.click(screen.getByTestId("account-totp-start"));
    expect((await screen.findByTestId("totp-secret")).textContent).toBe("JBSW Y3DP EHPK 3PXP JBSW Y3DP");
    expect(calls("begin_totp_enrollment")).toHaveLength(1);

    await user.type(screen.getByTestId("totp-code"), "654321");
    await user.click(screen.getByTestId("totp-confirm"));
    expect((await screen.findByTestId("totp-error")).getAttribute("data-code")).toBe("invalid_totp_code");

    await user.type(screen.getByTestId("totp-code"), "123 456");
    await user.click(screen.getByTestId("totp-confirm"));
    expect(await screen.findByTestId("account-totp-enabled")).toBeTruthy();
    expect(calls("confirm_totp").at(-1)).toEqual({ request: { code: "123456" } });
    // The secret is gone once confirmed.
    expect(screen.queryByTestId("totp-secret")).toBeNull();
    expect(screen.getByTestId("account-totp-start")).toBeTruthy();
  });

  it("is not offered to a session in the administrators' forced enrollment", () => {
    mockInvoke.mockImplementation(commandRouter({}));
    renderWithProviders(withSession("administrator", <AccountScreen />, { scope: "totp_enrollment" }));
    expect(screen.getByTestId("account-change-password")).toBeTruthy();
    expect(screen.queryByTestId("account-totp-start")).toBeNull();
  });
});

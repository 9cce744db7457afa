import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ClinicCreated } from "../../bindings/ClinicCreated";
import { commandRouter } from "../../test/render";
import { clinicInfo, readyStatus, renderApp, sessionInfo } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const admin = sessionInfo({ role: "administrator", display_name: "Ana Admin", scope: "totp_enrollment" });
const created: ClinicCreated = {
  clinic: clinicInfo({ name: "Hillside Practice" }),
  admin: {
    id: "s1",
    username: "ana",
    display_name: "Ana Admin",
    role: "administrator",
    disabled: false,
    totp_enabled: false,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  },
  session: admin,
  totp_enrollment: {
    secret_base32: "JBSWY3DPEHPK3PXPJBSWY3DP",
    otpauth_uri: "otpauth://totp/Hillside%20Practice:ana?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=Hillside%20Practice",
    digits: 6,
    period_secs: 30,
  },
};

beforeEach(() => {
  mockInvoke.mockReset();
});

async function fillFirstRun(user: ReturnType<typeof userEvent.setup>, confirm = "correct horse battery") {
  await user.type(await screen.findByTestId("clinic-name"), "Hillside Practice");
  await user.type(screen.getByTestId("admin-username"), "ana");
  await user.type(screen.getByTestId("admin-display-name"), "Ana Admin");
  await user.type(screen.getByTestId("admin-password"), "correct horse battery");
  await user.type(screen.getByTestId("admin-password-confirm"), confirm);
}

describe("first run", () => {
  it("creates the clinic, enrolls the authenticator and opens the administrator's app", async () => {
    const user = userEvent.setup();
    const calls: Array<[string, unknown]> = [];
    mockInvoke.mockImplementation(
      commandRouter({
        app_status: () => readyStatus({ clinic: null, session: null }),
        create_clinic: (args) => (calls.push(["create_clinic", args]), created),
        confirm_totp: (args) => (calls.push(["confirm_totp", args]), { ...admin, scope: "full" }),
        search_patients: () => ({ items: [], page: 0, page_size: 25, has_more: false }),
      }),
    );
    renderApp();
    expect(await screen.findByTestId("first-run-form")).toBeTruthy();

    // The confirmation must match before anything is sent.
    await fillFirstRun(user, "something else");
    await user.click(screen.getByTestId("first-run-submit"));
    expect(screen.getByTestId("first-run-form").textContent).toContain("The two passwords are not the same.");
    expect(calls).toEqual([]);

    await user.clear(screen.getByTestId("admin-password-confirm"));
    await user.type(screen.getByTestId("admin-password-confirm"), "correct horse battery");
    await user.click(screen.getByTestId("first-run-submit"));

    await screen.findByTestId("totp-enrollment");
    expect(calls[0]).toEqual([
      "create_clinic",
      {
        request: {
          clinic_name: "Hillside Practice",
          admin_username: "ana",
          admin_display_name: "Ana Admin",
          admin_password: "correct horse battery",
        },
      },
    ]);
    expect(screen.getByTestId("totp-secret").textContent).toBe("JBSW Y3DP EHPK 3PXP JBSW Y3DP");
    expect(screen.getByTestId("totp-uri").textContent).toBe(created.totp_enrollment.otpauth_uri);
    expect(screen.getByTestId("totp-qr").querySelector("path")?.getAttribute("d")).toMatch(/^M\d+ \d+h1v1h-1z/);
    expect(screen.getByTestId("auth-clinic-name").textContent).toBe("Hillside Practice");
    // The secret came with the first run: no new one is asked for.
    expect(mockInvoke.mock.calls.map((c) => c[0])).not.toContain("begin_totp_enrollment");

    await user.type(screen.getByTestId("totp-code"), "12345");
    await user.click(screen.getByTestId("totp-confirm"));
    expect(screen.getByTestId("totp-form").textContent).toContain("Enter the 6 digits");
    await user.type(screen.getByTestId("totp-code"), "6");
    await user.click(screen.getByTestId("totp-confirm"));

    expect((await screen.findByTestId("session-user")).textContent).toBe("Ana Admin");
    expect(calls[1]).toEqual(["confirm_totp", { request: { code: "123456" } }]);
    expect(screen.getByTestId("nav-staff")).toBeTruthy();
    expect(screen.getByTestId("nav-search")).toBeTruthy();
    expect(screen.queryByTestId("nav-register")).toBeNull();
    expect(screen.queryByTestId("totp-secret")).toBeNull();
  });

  it("shows the shell's field errors under the fields", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        app_status: () => readyStatus({ clinic: null, session: null }),
        create_clinic: () => {
          throw {
            code: "validation",
            message: "invalid",
            fields: [
              { field: "admin_username", message: "Use letters, digits and . _ - @ only." },
              { field: "admin_password", message: "This password is too common." },
            ],
          };
        },
      }),
    );
    renderApp();
    await fillFirstRun(user);
    await user.click(screen.getByTestId("first-run-submit"));
    await waitFor(() => expect(screen.getByTestId("first-run-error").getAttribute("data-code")).toBe("validation"));
    const username = screen.getByTestId("admin-username");
    const described = username.getAttribute("aria-describedby") ?? "";
    expect(described.split(" ").map((id) => document.getElementById(id)?.textContent ?? "").join(" ")).toContain(
      "Use letters, digits and . _ - @ only.",
    );
    expect(screen.getByTestId("first-run-form").textContent).toContain("This password is too common.");
    expect(screen.getByTestId("admin-username").getAttribute("aria-invalid")).toBe("true");
  });

  it("asks for a new secret when an administrator signs in without an authenticator", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        app_status: () => readyStatus({ session: null }),
        login: () => ({ status: "totp_enrollment_required", session: admin }),
        begin_totp_enrollment: () => created.totp_enrollment,
      }),
    );
    renderApp();
    await user.type(await screen.findByTestId("login-username"), "ana");
    await user.type(screen.getByTestId("login-password"), "correct horse battery");
    await user.click(screen.getByTestId("login-submit"));
    expect((await screen.findByTestId("totp-secret")).textContent).toContain("JBSW Y3DP");
    expect(mockInvoke.mock.calls.filter((c) => c[0] === "begin_totp_enrollment")).toHaveLength(1);
  });
});

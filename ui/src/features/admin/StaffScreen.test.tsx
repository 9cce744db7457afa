// Staff screen: listing, create-form required/server field errors, role change, disable, last administrator.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CreateStaff } from "../../bindings/CreateStaff";
import type { SetStaffDisabled } from "../../bindings/SetStaffDisabled";
import type { SetStaffRole } from "../../bindings/SetStaffRole";
import { commandRouter, renderWithProviders } from "../../test/render";
import { StaffScreen } from "./StaffScreen";
import { staffMember } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const admin = staffMember("alice", { role: "administrator", totp_enabled: true });
const bob = staffMember("bob", { role: "nurse" });

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("StaffScreen", () => {
  it("lists staff with role, status and authenticator", async () => {
    mockInvoke.mockImplementation(
      commandRouter({ list_staff: () => [admin, staffMember("carol", { disabled: true })] }),
    );
    renderWithProviders(<StaffScreen />);
    const row = await screen.findByTestId("staff-row-alice");
    expect(row.textContent).toContain("Alice");
    expect(row.textContent).toContain("Enabled");
    expect(row.textContent).toContain("Yes");
    expect((screen.getByTestId("staff-role-alice") as HTMLSelectElement).value).toBe("administrator");
    const carol = screen.getByTestId("staff-row-carol");
    expect(carol.textContent).toContain("Disabled");
    expect(within(carol).getByTestId("staff-enable-carol")).toBeTruthy();
    expect(screen.queryByTestId("staff-disable-carol")).toBeNull();
    expect(within(screen.getByTestId("staff-table")).getAllByRole("row")).toHaveLength(3);
  });

  it("checks required fields, then shows the server's field errors under their inputs", async () => {
    const user = userEvent.setup();
    const requests: CreateStaff[] = [];
    mockInvoke.mockImplementation(
      commandRouter({
        list_staff: () => [admin],
        create_staff: (args) => {
          requests.push(args!.request as CreateStaff);
          return Promise.reject({
            code: "validation",
            message: "invalid staff member",
            fields: [
              { field: "username", message: "This username is taken." },
              { field: "password", message: "Use at least 12 characters." },
            ],
          });
        },
      }),
    );
    renderWithProviders(<StaffScreen />);
    await screen.findByTestId("staff-table");

    await user.click(screen.getByTestId("staff-create-submit"));
    expect(screen.getByTestId("staff-create-error-username").textContent).toBe("This field is required.");
    expect(screen.getByTestId("staff-create-error-password").textContent).toBe("This field is required.");
    expect(requests).toHaveLength(0);

    await user.type(screen.getByTestId("staff-create-username"), " alice ");
    await user.type(screen.getByTestId("staff-create-display-name"), "Alice Again");
    await user.selectOptions(screen.getByTestId("staff-create-role"), "doctor");
    await user.type(screen.getByTestId("staff-create-password"), "short");
    await user.click(screen.getByTestId("staff-create-submit"));

    expect((await screen.findByTestId("staff-create-error-username")).textContent).toBe("This username is taken.");
    expect(screen.getByTestId("staff-create-error-password").textContent).toBe("Use at least 12 characters.");
    expect(screen.queryByTestId("staff-create-error")).toBeNull();
    expect(requests).toEqual([{ username: "alice", display_name: "Alice Again", role: "doctor", password: "short" }]);
    // The input stays for correction.
    expect((screen.getByTestId("staff-create-display-name") as HTMLInputElement).value).toBe("Alice Again");
  });

  it("creates an account and adds it to the table", async () => {
    const user = userEvent.setup();
    const created = staffMember("dana", { role: "doctor" });
    let list = [admin];
    mockInvoke.mockImplementation(
      commandRouter({
        list_staff: () => list,
        create_staff: () => {
          list = [admin, created];
          return created;
        },
      }),
    );
    renderWithProviders(<StaffScreen />);
    await screen.findByTestId("staff-table");
    await user.type(screen.getByTestId("staff-create-username"), "dana");
    await user.type(screen.getByTestId("staff-create-display-name"), "Dana");
    await user.type(screen.getByTestId("staff-create-password"), "correct horse battery");
    await user.click(screen.getByTestId("staff-create-submit"));
    expect((await screen.findByTestId("staff-created")).textContent).toContain("dana");
    expect(await screen.findByTestId("staff-row-dana")).toBeTruthy();
    expect((screen.getByTestId("staff-create-username") as HTMLInputElement).value).toBe("");
  });

  it("changes a role and disables an account", async () => {
    const user = userEvent.setup();
    const calls: (SetStaffRole | SetStaffDisabled)[] = [];
    mockInvoke.mockImplementation(
      commandRouter({
        list_staff: () => [admin, bob],
        set_staff_role: (args) => {
          const r = args!.request as SetStaffRole;
          calls.push(r);
          return { ...bob, role: r.role };
        },
        set_staff_disabled: (args) => {
          const r = args!.request as SetStaffDisabled;
          calls.push(r);
          return { ...bob, role: "doctor", disabled: r.disabled };
        },
      }),
    );
    renderWithProviders(<StaffScreen />);
    await user.selectOptions(await screen.findByTestId("staff-role-bob"), "doctor");
    await waitFor(() => expect((screen.getByTestId("staff-role-bob") as HTMLSelectElement).value).toBe("doctor"));
    expect(calls).toEqual([{ staff_id: "id-bob", role: "doctor" }]);

    await user.click(screen.getByTestId("staff-disable-bob"));
    expect(await screen.findByTestId("staff-enable-bob")).toBeTruthy();
    expect(screen.getByTestId("staff-row-bob").textContent).toContain("Disabled");
    expect(calls.at(-1)).toEqual({ staff_id: "id-bob", disabled: true });
  });

  it("explains why the last administrator cannot be disabled", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        list_staff: () => [admin],
        set_staff_disabled: () =>
          Promise.reject({ code: "last_administrator", message: "at least one administrator must stay enabled" }),
      }),
    );
    renderWithProviders(<StaffScreen />);
    await user.click(await screen.findByTestId("staff-disable-alice"));
    const alert = await screen.findByTestId("staff-error");
    expect(alert.getAttribute("data-code")).toBe("last_administrator");
    expect(alert.textContent).toContain("last enabled administrator");
    expect(screen.getByTestId("staff-disable-alice")).toBeTruthy();
  });
});

import { invoke } from "@tauri-apps/api/core";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Role } from "../../../bindings/Role";
import { commandRouter, renderWithProviders, samplePatient } from "../../../test/render";
import { withSession } from "../../admin/testing";
import { ProfileScreen } from "./ProfileScreen";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("ProfileScreen", () => {
  it("shows the record, a confirmation, and opens the editor", async () => {
    const user = userEvent.setup();
    const p = samplePatient({
      details: {
        ...samplePatient().details,
        middle_name: "King",
        emergency_contacts: [{ name: "Mary", relationship: "mother", phone: "555 0101" }],
        insurance: { payer: "Acme Health", member_id: "M-42", group_number: "" },
      },
    });
    mockInvoke.mockImplementation(commandRouter({ get_patient: () => p }));
    const { navigate } = renderWithProviders(<ProfileScreen name="profile" id={p.id} flash="saved" />);

    expect((await screen.findByTestId("profile-name")).textContent).toBe("Lovelace, Ada King");
    expect(screen.getByTestId("profile-mrn").textContent).toBe("MRN-000123");
    expect(screen.getByTestId("profile-dob").textContent).toMatch(/^1990-12-10 \(age \d+ years\)$/);
    expect(screen.getByTestId("profile-sex").textContent).toBe("Female");
    expect(screen.getByTestId("profile-emergency-contact").textContent).toContain("Mary (mother) — 555 0101");
    expect(screen.getByTestId("profile-insurance-member_id").textContent).toBe("M-42");
    expect(screen.getByTestId("profile-contact-channel").textContent).toBe("Phone call");
    expect(screen.getByTestId("profile-flash").textContent).toContain("Changes saved.");
    expect(mockInvoke).toHaveBeenCalledWith("get_patient", { id: p.id });

    await user.click(screen.getByTestId("edit-patient"));
    expect(navigate).toHaveBeenCalledWith({ name: "edit", id: p.id });
  });

  it("explains a missing record", async () => {
    mockInvoke.mockImplementation(
      commandRouter({ get_patient: () => Promise.reject({ code: "not_found", message: "no such patient" }) }),
    );
    renderWithProviders(<ProfileScreen name="profile" id="missing" />);
    const alert = await screen.findByTestId("profile-error");
    expect(alert.getAttribute("data-code")).toBe("not_found");
    expect(screen.getByTestId("back-to-search")).toBeTruthy();
  });

  it("lets a doctor request emergency access to a restricted chart, then shows it", async () => {
    const user = userEvent.setup();
    const p = samplePatient();
    let granted = false;
    mockInvoke.mockImplementation(
      commandRouter({
        get_patient: () =>
          granted ? p : Promise.reject({ code: "restricted_patient", message: "restricted to the care team" }),
        break_glass: () => {
          granted = true;
          return {
            id: "g1",
            staff_id: "s1",
            patient_id: p.id,
            reason: "Collapsed in clinic",
            granted_at: "2026-01-05T10:00:00Z",
            expires_at: "2026-01-05T11:00:00Z",
            revoked_at: null,
          };
        },
      }),
    );
    renderWithProviders(withSession("doctor", <ProfileScreen name="profile" id={p.id} />));
    expect((await screen.findByTestId("restricted-message")).textContent).toContain("care team");
    expect(screen.queryByTestId("profile-error")).toBeNull();
    await user.click(screen.getByTestId("request-break-glass"));
    await user.type(await screen.findByTestId("break-glass-reason"), "Collapsed in clinic");
    await user.click(screen.getByTestId("break-glass-submit"));
    expect((await screen.findByTestId("profile-name")).textContent).toBe("Lovelace, Ada");
    expect(mockInvoke.mock.calls.filter(([cmd]) => cmd === "get_patient")).toHaveLength(2);
  });

  it("offers no emergency access to front desk staff", async () => {
    mockInvoke.mockImplementation(
      commandRouter({ get_patient: () => Promise.reject({ code: "restricted_patient", message: "restricted" }) }),
    );
    renderWithProviders(withSession("front_desk", <ProfileScreen name="profile" id="p1" />));
    expect(await screen.findByTestId("restricted-message")).toBeTruthy();
    expect(screen.queryByTestId("request-break-glass")).toBeNull();
    expect(screen.queryByTestId("profile-restriction")).toBeNull();
  });

  it("gives administrators the restriction panel instead of Edit", async () => {
    const user = userEvent.setup();
    const p = samplePatient();
    mockInvoke.mockImplementation(commandRouter({ get_patient: () => p }));
    const { navigate } = renderWithProviders(withSession("administrator", <ProfileScreen name="profile" id={p.id} />));
    await user.click(await screen.findByTestId("profile-restriction"));
    expect(navigate).toHaveBeenCalledWith({ name: "restriction", id: p.id, mrn: p.mrn });
    expect(screen.queryByTestId("edit-patient")).toBeNull();
  });

  it.each<[Role, boolean]>([
    ["doctor", true],
    ["nurse", true],
    ["front_desk", false],
    ["billing", false],
    ["administrator", false],
  ])("offers 'Open chart' to a %s: %s", async (role, shown) => {
    const user = userEvent.setup();
    const p = samplePatient();
    mockInvoke.mockImplementation(commandRouter({ get_patient: () => p }));
    const { navigate } = renderWithProviders(withSession(role, <ProfileScreen name="profile" id={p.id} />));
    await screen.findByTestId("profile-name");
    const button = screen.queryByTestId("open-chart");
    expect(button !== null).toBe(shown);
    if (button) {
      await user.click(button);
      expect(navigate).toHaveBeenCalledWith({ name: "chart", id: p.id });
    }
  });

  it("says when the record asked for was merged into the one shown", async () => {
    const p = samplePatient({ redirected_from: "0190f0a0-0000-7000-8000-000000000009" });
    mockInvoke.mockImplementation(commandRouter({ get_patient: () => p }));
    renderWithProviders(withSession("front_desk", <ProfileScreen name="profile" id="0190f0a0-0000-7000-8000-000000000009" />));
    const banner = await screen.findByTestId("merged-redirect");
    expect(banner.textContent).toBe("This record was merged into MRN MRN-000123; you are seeing the surviving record.");
    expect(screen.getByTestId("patient-profile").getAttribute("data-patient-id")).toBe(p.id);
  });

  it("shows no merge banner for a record opened by its own id", async () => {
    const p = samplePatient();
    mockInvoke.mockImplementation(commandRouter({ get_patient: () => p }));
    renderWithProviders(<ProfileScreen name="profile" id={p.id} />);
    await screen.findByTestId("profile-name");
    expect(screen.queryByTestId("merged-redirect")).toBeNull();
  });

  it("offers no 'Open chart' without a session", async () => {
    const p = samplePatient();
    mockInvoke.mockImplementation(commandRouter({ get_patient: () => p }));
    renderWithProviders(<ProfileScreen name="profile" id={p.id} />);
    await screen.findByTestId("profile-name");
    expect(screen.queryByTestId("open-chart")).toBeNull();
  });
});

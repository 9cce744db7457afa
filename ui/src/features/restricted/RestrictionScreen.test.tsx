// Restriction panel: category required, restriction and care-team changes sent in order, server field error.
import { invoke } from "@tauri-apps/api/core";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { PatientRestrictionView } from "../../bindings/PatientRestrictionView";
import { commandRouter, renderWithProviders } from "../../test/render";
import { staffMember } from "../admin/testing";
import { RestrictionScreen } from "./RestrictionScreen";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const unrestricted: PatientRestrictionView = {
  restriction: { patient_id: "patient-1", restricted: false, category: null, updated_at: null },
  care_team: ["id-bob"],
};

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("RestrictionScreen", () => {
  it("requires a category, then saves the restriction and the care-team changes", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        get_patient_restriction: () => unrestricted,
        list_staff: () => [
          staffMember("bob", { role: "doctor" }),
          staffMember("nina", { role: "nurse" }),
          staffMember("gone", { disabled: true }),
        ],
        set_patient_restriction: (args) => ({ ...(args!.request as object), updated_at: "2026-01-05T10:00:00Z" }),
        set_care_team_member: () => null,
      }),
    );
    renderWithProviders(<RestrictionScreen id="patient-1" mrn="MRN-000042" />);
    expect(screen.getByTestId("restriction-mrn").textContent).toContain("MRN-000042");
    expect(((await screen.findByTestId("care-team-bob")) as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByTestId("care-team-gone")).toBeNull();

    await user.click(screen.getByTestId("restriction-toggle"));
    await user.click(screen.getByTestId("restriction-save"));
    expect(screen.getByTestId("restriction-category-error").textContent).toBe("Choose why this patient is restricted.");
    expect(mockInvoke).not.toHaveBeenCalledWith("set_patient_restriction", expect.anything());

    await user.selectOptions(screen.getByTestId("restriction-category"), "staff_member");
    await user.click(screen.getByTestId("care-team-nina"));
    await user.click(screen.getByTestId("care-team-bob"));
    await user.click(screen.getByTestId("restriction-save"));
    expect(await screen.findByTestId("restriction-saved")).toBeTruthy();
    const writes = mockInvoke.mock.calls.filter(([cmd]) => cmd.startsWith("set_"));
    expect(writes).toEqual([
      [
        "set_patient_restriction",
        { request: { patient_id: "patient-1", restricted: true, category: "staff_member" } },
      ],
      ["set_care_team_member", { request: { patient_id: "patient-1", staff_id: "id-bob", member: false } }],
      ["set_care_team_member", { request: { patient_id: "patient-1", staff_id: "id-nina", member: true } }],
    ]);
  });

  it("shows the server's category error under the select", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        get_patient_restriction: () => unrestricted,
        list_staff: () => [],
        set_patient_restriction: () =>
          Promise.reject({
            code: "validation",
            message: "invalid",
            fields: [{ field: "category", message: "Choose why this patient is restricted." }],
          }),
      }),
    );
    renderWithProviders(<RestrictionScreen id="patient-1" mrn="MRN-000042" />);
    await user.click(await screen.findByTestId("restriction-toggle"));
    await user.selectOptions(screen.getByTestId("restriction-category"), "other");
    await user.click(screen.getByTestId("restriction-save"));
    expect((await screen.findByTestId("restriction-category-error")).textContent).toBe(
      "Choose why this patient is restricted.",
    );
    expect(screen.queryByTestId("restriction-saved")).toBeNull();
  });
});

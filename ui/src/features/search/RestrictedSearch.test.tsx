// Restricted search rows: masked display and what opening one does for each role.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useReducer } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { PatientSearch } from "../../bindings/PatientSearch";
import type { PatientSummary } from "../../bindings/PatientSummary";
import type { Role } from "../../bindings/Role";
import { commandRouter, renderWithProviders } from "../../test/render";
import { withSession } from "../admin/testing";
import { SearchScreen } from "./SearchScreen";
import { initialSearch, searchReducer } from "./searchState";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

function Harness() {
  const [state, dispatch] = useReducer(searchReducer, initialSearch);
  return <SearchScreen state={state} dispatch={dispatch} focusTick={0} />;
}

const hidden: PatientSummary = {
  id: "p-secret",
  mrn: "MRN-000777",
  given_name: "",
  middle_name: "",
  family_name: "",
  date_of_birth: "",
  sex: null,
  phone: "",
  restricted: true,
};
const open: PatientSummary = {
  ...hidden,
  id: "p-open",
  mrn: "MRN-000001",
  given_name: "Ada",
  family_name: "Smith",
  date_of_birth: "1980-01-01",
  restricted: false,
};

async function searchAs(role: Role) {
  const user = userEvent.setup();
  mockInvoke.mockImplementation(
    commandRouter({
      search_patients: (args) => {
        const req = args!.request as PatientSearch;
        return { items: [hidden, open], page: req.page, page_size: req.page_size, has_more: false };
      },
      break_glass: () => ({
        id: "g1",
        staff_id: "s1",
        patient_id: hidden.id,
        reason: "Unconscious in A&E",
        granted_at: "2026-01-05T10:00:00Z",
        expires_at: "2026-01-05T11:00:00Z",
        revoked_at: null,
      }),
    }),
  );
  const { navigate } = renderWithProviders(withSession(role, <Harness />));
  await user.type(screen.getByTestId("search-input"), "smi");
  await waitFor(() => expect(screen.getAllByTestId("search-result")).toHaveLength(2));
  const row = screen.getAllByTestId("search-result")[0]!;
  return { user, navigate, row };
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("restricted search results", () => {
  it("show only 'Restricted record' and the MRN, marked as restricted", async () => {
    const { row } = await searchAs("front_desk");
    expect(row.getAttribute("data-restricted")).toBe("true");
    expect(row.textContent).toContain("Restricted record");
    expect(row.textContent).toContain("MRN-000777");
    expect(row.getAttribute("aria-label")).toBe("Restricted record, MRN MRN-000777");
    expect(screen.getAllByTestId("search-result")[1]!.hasAttribute("data-restricted")).toBe(false);
  });

  it("tell other roles the record is for its care team", async () => {
    const { user, navigate, row } = await searchAs("front_desk");
    await user.click(row);
    expect((await screen.findByTestId("search-restricted-message")).textContent).toContain("care team");
    expect(screen.queryByTestId("break-glass-dialog")).toBeNull();
    expect(navigate).not.toHaveBeenCalled();
  });

  it("take administrators to the restriction panel", async () => {
    const { user, navigate, row } = await searchAs("administrator");
    row.focus();
    await user.keyboard("{Enter}");
    await waitFor(() =>
      expect(navigate).toHaveBeenCalledWith({ name: "restriction", id: "p-secret", mrn: "MRN-000777" }),
    );
    expect(screen.queryByTestId("break-glass-dialog")).toBeNull();
  });

  it.each(["doctor", "nurse"] as const)("offer a %s emergency access, then open the profile", async (role) => {
    const { user, navigate, row } = await searchAs(role);
    await user.click(row);
    const dialog = await screen.findByTestId("break-glass-dialog");
    expect(dialog.textContent).toContain("MRN-000777");
    expect(navigate).not.toHaveBeenCalled();
    await user.type(screen.getByTestId("break-glass-reason"), "Unconscious in A&E");
    await user.click(screen.getByTestId("break-glass-submit"));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith({ name: "profile", id: "p-secret" }));
    expect(mockInvoke).toHaveBeenCalledWith("break_glass", {
      request: { patient_id: "p-secret", reason: "Unconscious in A&E" },
    });
  });

  it("open unrestricted rows normally", async () => {
    const { user, navigate } = await searchAs("doctor");
    await user.click(screen.getAllByTestId("search-result")[1]!);
    expect(navigate).toHaveBeenCalledWith({ name: "profile", id: "p-open" });
  });
});

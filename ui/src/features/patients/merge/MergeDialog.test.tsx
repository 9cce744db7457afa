// The merge flow from a profile: candidates (never the current or a restricted record),
// the survivor choice and the ids sent, the one-off "Merged" notice, refused merges.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MergePatients } from "../../../bindings/MergePatients";
import type { Patient } from "../../../bindings/Patient";
import type { PatientSearch } from "../../../bindings/PatientSearch";
import type { PatientSummary } from "../../../bindings/PatientSummary";
import type { Role } from "../../../bindings/Role";
import { commandRouter, renderWithProviders, samplePatient, type Handlers } from "../../../test/render";
import { withSession } from "../../admin/testing";
import { ProfileScreen } from "../profile/ProfileScreen";
import { clearMergeNotice } from "./mergeNotice";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const current = samplePatient();
const other = samplePatient({
  id: "0190f0a0-0000-7000-8000-000000000002",
  mrn: "MRN-000456",
  details: { ...samplePatient().details, given_name: "Augusta", phone: "555 0199", email: "" },
});
const summary = (p: Patient, over: Partial<PatientSummary> = {}): PatientSummary => ({
  id: p.id,
  mrn: p.mrn,
  given_name: p.details.given_name,
  middle_name: p.details.middle_name,
  family_name: p.details.family_name,
  date_of_birth: p.details.date_of_birth,
  sex: p.details.sex,
  phone: p.details.phone,
  restricted: false,
  ...over,
});
const restricted = summary(samplePatient({ id: "restricted-1", mrn: "MRN-000789" }), {
  given_name: "",
  family_name: "",
  date_of_birth: "",
  sex: null,
  phone: "",
  restricted: true,
});

const searches: PatientSearch[] = [];
const merges: MergePatients[] = [];

function route(over: Handlers = {}) {
  mockInvoke.mockImplementation(
    commandRouter({
      get_patient: (args) => (args!.id === other.id ? other : current),
      search_patients: (args) => {
        const req = args!.request as PatientSearch;
        searches.push(req);
        return { items: [summary(current), summary(other), restricted], page: 0, page_size: 10, has_more: false };
      },
      merge_patients: (args) => {
        const req = args!.request as MergePatients;
        merges.push(req);
        return { survivor: req.survivor_id === other.id ? other : current, moved: 7 };
      },
      ...over,
    }),
  );
}

async function openAndPick(user: ReturnType<typeof userEvent.setup>, role: Role = "front_desk") {
  const rendered = renderWithProviders(withSession(role, <ProfileScreen name="profile" id={current.id} />));
  await user.click(await screen.findByTestId("merge-open"));
  const dialog = await screen.findByTestId("merge-dialog");
  await user.type(within(dialog).getByTestId("merge-search"), "Lovelace");
  return rendered;
}

beforeEach(() => {
  mockInvoke.mockReset();
  searches.length = 0;
  merges.length = 0;
});
afterEach(() => {
  clearMergeNotice(current.id);
  clearMergeNotice(other.id);
});

describe("Merge a duplicate", () => {
  it("lists other records only, never the current or a restricted one", async () => {
    const user = userEvent.setup();
    route();
    await openAndPick(user);
    const rows = await screen.findAllByTestId("merge-candidate");
    expect(rows.map((r) => r.getAttribute("data-patient-id"))).toEqual([other.id]);
    expect(rows[0]!.textContent).toContain("MRN-000456");
    expect(searches.at(-1)).toEqual({ text: "Lovelace", page: 0, page_size: 10 });
  });

  it("compares the records and keeps the current one by default", async () => {
    const user = userEvent.setup();
    route();
    const { navigate, client } = await openAndPick(user);
    await user.click(await screen.findByTestId("merge-candidate"));
    expect((await screen.findByTestId("merge-current-name")).textContent).toBe("Lovelace, Ada");
    expect(screen.getByTestId("merge-other-name").textContent).toBe("Lovelace, Augusta");
    expect(screen.getByTestId("merge-other-mrn").textContent).toBe("MRN-000456");
    expect(screen.getByTestId("merge-other-email").textContent).toBe("Not recorded");
    expect(screen.getByTestId("merge-current-address").textContent).toBe("1 Main St, London, SW1, GB");
    expect((screen.getByTestId("merge-survivor-current") as HTMLInputElement).checked).toBe(true);
    const warning = screen.getByTestId("merge-warning").textContent ?? "";
    expect(warning).toContain("All chart items of MRN-000456");
    expect(warning).toContain("MRN-000456 becomes a redirect");

    await user.click(screen.getByTestId("merge-confirm"));
    await waitFor(() => expect(merges).toEqual([{ survivor_id: current.id, merged_id: other.id }]));
    expect(navigate).toHaveBeenCalledWith({ name: "profile", id: current.id });
    expect((await screen.findByTestId("merge-done")).textContent).toContain("Merged: 7 chart items moved.");
    expect(screen.queryByTestId("merge-dialog")).toBeNull();
    const searchQueries = client.getQueryCache().findAll({ queryKey: ["search"] });
    expect(searchQueries.length).toBeGreaterThan(0);
    expect(searchQueries.every((q) => q.state.isInvalidated)).toBe(true);
  });

  it("keeps the other record when chosen, and its profile says what moved", async () => {
    const user = userEvent.setup();
    route();
    const { navigate, unmount } = await openAndPick(user);
    await user.click(await screen.findByTestId("merge-candidate"));
    await user.click(await screen.findByTestId("merge-survivor-other"));
    expect(screen.getByTestId("merge-warning").textContent).toContain("All chart items of MRN-000123");
    await user.click(screen.getByTestId("merge-confirm"));
    await waitFor(() => expect(merges).toEqual([{ survivor_id: other.id, merged_id: current.id }]));
    expect(navigate).toHaveBeenCalledWith({ name: "profile", id: other.id });
    expect(screen.queryByTestId("merge-done")).toBeNull();

    // The survivor's profile (as the shell would mount it) shows the notice once.
    unmount();
    const again = renderWithProviders(withSession("front_desk", <ProfileScreen name="profile" id={other.id} />));
    expect((await screen.findByTestId("merge-done")).textContent).toContain("Merged: 7 chart items moved.");
    again.unmount();
    renderWithProviders(withSession("front_desk", <ProfileScreen name="profile" id={other.id} />));
    await screen.findByTestId("profile-name");
    expect(screen.queryByTestId("merge-done")).toBeNull();
  });

  it("shows the backend's field error and stays on the dialog", async () => {
    const user = userEvent.setup();
    route({
      merge_patients: () =>
        Promise.reject({
          code: "validation",
          message: "invalid input",
          fields: [{ field: "merged_id", message: "This record was already merged into another one." }],
        }),
    });
    const { navigate } = await openAndPick(user);
    await user.click(await screen.findByTestId("merge-candidate"));
    await user.click(await screen.findByTestId("merge-confirm"));
    const error = await screen.findByTestId("merge-error");
    expect(error.getAttribute("data-code")).toBe("validation");
    expect(within(error).getByTestId("merge-field-error").textContent).toBe(
      "This record was already merged into another one.",
    );
    expect(screen.getByTestId("merge-dialog")).toBeTruthy();
    expect(navigate).not.toHaveBeenCalled();

    // Choosing another record clears it.
    await user.click(screen.getByTestId("merge-back"));
    expect(screen.queryByTestId("merge-error")).toBeNull();
    expect(await screen.findByTestId("merge-candidate")).toBeTruthy();
  });

  it("explains a restricted record", async () => {
    const user = userEvent.setup();
    route({ merge_patients: () => Promise.reject({ code: "restricted_patient", message: "restricted" }) });
    await openAndPick(user, "nurse");
    await user.click(await screen.findByTestId("merge-candidate"));
    await user.click(await screen.findByTestId("merge-confirm"));
    const error = await screen.findByTestId("merge-error");
    expect(error.getAttribute("data-code")).toBe("restricted_patient");
    expect(error.textContent).toContain("restricted to the patient's care team");
  });

  it("says when nothing else matches", async () => {
    const user = userEvent.setup();
    route({ search_patients: () => ({ items: [summary(current)], page: 0, page_size: 10, has_more: false }) });
    await openAndPick(user);
    expect((await screen.findByTestId("merge-no-candidates")).textContent).toContain("Lovelace");
    expect(screen.queryByTestId("merge-candidate")).toBeNull();
    await user.click(screen.getByTestId("merge-cancel"));
    await waitFor(() => expect(screen.queryByTestId("merge-dialog")).toBeNull());
  });

  it.each<[Role, boolean]>([
    ["front_desk", true],
    ["doctor", true],
    ["nurse", true],
    ["billing", false],
    ["administrator", false],
  ])("offers 'Merge a duplicate…' to a %s: %s", async (role, shown) => {
    route();
    renderWithProviders(withSession(role, <ProfileScreen name="profile" id={current.id} />));
    await screen.findByTestId("profile-name");
    expect(screen.queryByTestId("merge-open") !== null).toBe(shown);
  });
});

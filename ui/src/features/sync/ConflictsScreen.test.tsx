// The conflicts screen: identity conflicts with "Keep current" / "Use other" (front desk
// and administrators), possible duplicates with "Not the same person" and "Review &
// merge" (the patients' merge dialog) or "Open record", the empty state and the
// calendar hint.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Role } from "../../bindings/Role";
import type { SyncConflict } from "../../bindings/SyncConflict";
import { commandRouter, renderWithProviders, samplePatient, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { ConflictsScreen } from "./ConflictsScreen";
import { duplicateConflict, identityConflict } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

/** Conflicts the mocked shell lists and resolves (a resolved one leaves the list). */
function serve(open: SyncConflict[], extra: Handlers = {}) {
  let list = [...open];
  mockInvoke.mockImplementation(
    commandRouter({
      list_sync_conflicts: () => list,
      resolve_sync_conflict: (args) => {
        const { id } = args!.request as { id: string };
        list = list.filter((c) => c.id !== id);
        return null;
      },
      ...extra,
    }),
  );
}

const renderScreen = (role: Role) => renderWithProviders(withSession(role, <ConflictsScreen />));

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("conflicts screen", () => {
  it("says when there is nothing to review, and links to the calendar", async () => {
    const user = userEvent.setup();
    serve([]);
    const { navigate } = renderScreen("front_desk");
    expect(await screen.findByTestId("conflicts-empty")).toBeTruthy();
    await user.click(screen.getByTestId("conflicts-calendar-link"));
    expect(navigate).toHaveBeenCalledWith({ name: "calendar" });
  });

  it("shows an identity conflict in words and keeps the current value", async () => {
    const user = userEvent.setup();
    const c = identityConflict();
    serve([c]);
    renderScreen("front_desk");
    const item = await screen.findByTestId("conflict-item");
    expect(item.getAttribute("data-kind")).toBe("identity_field");
    expect(within(item).getByRole("heading").textContent).toBe("Date of birth was changed on two devices");
    expect(within(item).getByTestId("conflict-patient").textContent).toBe("Lovelace, Ada · MRN-000123");
    expect(within(item).getByTestId("conflict-current").textContent).toBe("1990-12-10");
    expect(within(item).getByTestId("conflict-other").textContent).toBe("1990-10-12");

    await user.click(screen.getByTestId(`conflict-keep-${c.id}`));
    await waitFor(() => expect(screen.queryByTestId("conflict-item")).toBeNull());
    expect(calls("resolve_sync_conflict")).toEqual([{ request: { id: c.id, resolution: "keep_current" } }]);
    expect(await screen.findByTestId("conflicts-empty")).toBeTruthy();
  });

  it("uses the other value, with the field's values in words", async () => {
    const user = userEvent.setup();
    const c = identityConflict({ id: "identity:p1:sex:x", field: "sex", current_value: "female", other_value: "" });
    serve([c]);
    renderScreen("administrator");
    const item = await screen.findByTestId("conflict-item");
    expect(within(item).getByTestId("conflict-current").textContent).toBe("Female");
    expect(within(item).getByTestId("conflict-other").textContent).toBe("(empty)");
    await user.click(screen.getByTestId(`conflict-use-other-${c.id}`));
    await waitFor(() => expect(calls("resolve_sync_conflict")).toEqual([{ request: { id: c.id, resolution: "use_other" } }]));
  });

  it("shows why a resolution failed and keeps the conflict", async () => {
    const user = userEvent.setup();
    const c = identityConflict();
    serve([c], { resolve_sync_conflict: () => Promise.reject({ code: "forbidden", message: "no" }) });
    renderScreen("front_desk");
    await user.click(await screen.findByTestId(`conflict-keep-${c.id}`));
    expect((await screen.findByTestId("conflicts-resolve-error")).getAttribute("data-code")).toBe("forbidden");
    expect(screen.getByTestId("conflict-item")).toBeTruthy();
  });

  it("dismisses a possible duplicate as not the same person", async () => {
    const user = userEvent.setup();
    const c = duplicateConflict();
    serve([c]);
    renderScreen("front_desk");
    const item = await screen.findByTestId("conflict-item");
    expect(within(item).getByTestId("conflict-patient").textContent).toBe("Lovelace, Ada · MRN-000123");
    expect(within(item).getByTestId("conflict-other-patient").textContent).toBe("Lovelace, Ada M · MRN-000456");
    await user.click(screen.getByTestId(`conflict-dismiss-${c.id}`));
    await waitFor(() => expect(calls("resolve_sync_conflict")).toEqual([{ request: { id: c.id, resolution: "dismiss" } }]));
  });

  it("lets doctors and nurses read conflicts and merge duplicates, but not resolve them", async () => {
    const user = userEvent.setup();
    const identity = identityConflict();
    const dup = duplicateConflict();
    serve([identity, dup], { get_patient: () => samplePatient({ id: "p1" }) });
    renderScreen("doctor");
    expect(await screen.findAllByTestId("conflict-item")).toHaveLength(2);
    expect(screen.getByTestId("conflicts-read-only")).toBeTruthy();
    expect(screen.queryByTestId(`conflict-keep-${identity.id}`)).toBeNull();
    expect(screen.queryByTestId(`conflict-use-other-${identity.id}`)).toBeNull();
    expect(screen.queryByTestId(`conflict-dismiss-${dup.id}`)).toBeNull();

    await user.click(screen.getByTestId(`conflict-merge-${dup.id}`));
    const dialog = await screen.findByTestId("merge-dialog");
    expect(dialog.getAttribute("data-patient-id")).toBe("p1");
    expect(calls("get_patient")).toEqual([{ id: "p1" }]);
  });

  it("opens the first record for administrators (who do not merge)", async () => {
    const user = userEvent.setup();
    const dup = duplicateConflict();
    serve([dup]);
    const { navigate } = renderScreen("administrator");
    await user.click(await screen.findByTestId(`conflict-open-${dup.id}`));
    expect(navigate).toHaveBeenCalledWith({ name: "profile", id: "p1" });
    expect(screen.queryByTestId(`conflict-merge-${dup.id}`)).toBeNull();
    expect(screen.getByTestId(`conflict-dismiss-${dup.id}`)).toBeTruthy();
  });

  it("shows a failure to load", async () => {
    mockInvoke.mockImplementation(
      commandRouter({ list_sync_conflicts: () => Promise.reject({ code: "forbidden", message: "no" }) }),
    );
    renderScreen("nurse");
    expect((await screen.findByTestId("conflicts-error")).getAttribute("data-code")).toBe("forbidden");
  });
});

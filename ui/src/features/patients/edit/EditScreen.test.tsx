import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { UpdatePatient } from "../../../bindings/UpdatePatient";
import { commandRouter, renderWithProviders, samplePatient } from "../../../test/render";
import { EditScreen } from "./EditScreen";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("EditScreen", () => {
  it("keeps the user's edits on an edit conflict and saves them over the latest version", async () => {
    const user = userEvent.setup();
    const updates: UpdatePatient[] = [];
    let version = 2;
    mockInvoke.mockImplementation(
      commandRouter({
        get_patient: () => samplePatient({ version }),
        update_patient: (args) => {
          const req = args!.request as UpdatePatient;
          updates.push(req);
          if (req.expected_version !== version) {
            return Promise.reject({ code: "edit_conflict", message: "stale" });
          }
          return samplePatient({ version: version + 1, details: req.details });
        },
      }),
    );
    const { navigate } = renderWithProviders(<EditScreen id="p1" />);
    const phone = (await screen.findByTestId("field-phone")) as HTMLInputElement;
    expect(phone.value).toBe("+44 20 7946 0000");
    version = 3; // someone else saves meanwhile
    await user.clear(phone);
    await user.type(phone, "555 0199");
    await user.click(screen.getByTestId("save-patient"));

    expect(await screen.findByTestId("edit-conflict")).toBeTruthy();
    expect((screen.getByTestId("field-phone") as HTMLInputElement).value).toBe("555 0199");

    await user.click(screen.getByTestId("conflict-keep-mine"));
    await screen.findByTestId("edit-rebased");
    expect((screen.getByTestId("field-phone") as HTMLInputElement).value).toBe("555 0199");
    await user.click(screen.getByTestId("save-patient"));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith({ name: "profile", id: samplePatient().id, flash: "saved" }));
    expect(updates.map((u) => u.expected_version)).toEqual([2, 3]);
    expect(updates[1]!.details.phone).toBe("555 0199");
  });

  it("reloads the latest version on request", async () => {
    const user = userEvent.setup();
    let phone = "+44 20 7946 0000";
    mockInvoke.mockImplementation(
      commandRouter({
        get_patient: () => samplePatient({ details: { ...samplePatient().details, phone } }),
        update_patient: () => Promise.reject({ code: "edit_conflict", message: "stale" }),
      }),
    );
    renderWithProviders(<EditScreen id="p1" />);
    await user.type(await screen.findByTestId("field-given_name"), "x");
    phone = "+1 555 0100";
    await user.click(screen.getByTestId("save-patient"));
    await user.click(await screen.findByTestId("conflict-reload"));
    await waitFor(() => expect((screen.getByTestId("field-phone") as HTMLInputElement).value).toBe("+1 555 0100"));
    expect((screen.getByTestId("field-given_name") as HTMLInputElement).value).toBe("Ada");
  });
});

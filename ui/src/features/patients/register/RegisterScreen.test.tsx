import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { RegisterOutcome } from "../../../bindings/RegisterOutcome";
import type { RegisterPatient } from "../../../bindings/RegisterPatient";
import { commandRouter, renderWithProviders, samplePatient } from "../../../test/render";
import { RegisterScreen } from "./RegisterScreen";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const field = (path: string) => screen.getByTestId(`field-${path}`) as HTMLInputElement;

async function fillMinimal(user: ReturnType<typeof userEvent.setup>) {
  await user.type(field("given_name"), "Ada");
  await user.type(field("family_name"), "Lovelace");
  await user.type(field("date_of_birth"), "1990-12-10");
  await user.type(field("email"), "ada@example.org");
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("RegisterScreen", () => {
  it("shows the server's field errors under their fields and keeps the input", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        register_patient: () =>
          Promise.reject({
            code: "validation",
            message: "invalid patient",
            fields: [
              { field: "email", message: "This address is already used by a staff account." },
              { field: "emergency_contacts", message: "Record at most 10 emergency contacts." },
            ],
          }),
      }),
    );
    renderWithProviders(<RegisterScreen />);
    await fillMinimal(user);
    await user.click(screen.getByTestId("register-submit"));

    const error = await screen.findByTestId("error-email");
    expect(error.textContent).toBe("This address is already used by a staff account.");
    const email = field("email");
    expect(email.getAttribute("aria-invalid")).toBe("true");
    expect(email.getAttribute("aria-describedby")).toContain(error.id);
    expect(document.activeElement).toBe(email);
    expect(email.value).toBe("ada@example.org");
    expect(field("given_name").value).toBe("Ada");
    expect(screen.getByTestId("form-error").textContent).toContain("Record at most 10 emergency contacts.");

    expect(mockInvoke).toHaveBeenCalledWith("register_patient", {
      request: expect.objectContaining({
        confirm_not_duplicate: false,
        details: expect.objectContaining({
          given_name: "Ada",
          family_name: "Lovelace",
          sex: null,
          insurance: null,
          preferences: { language: "en", contact_channel: "phone" },
        }),
      }),
    });
  });

  it("checks required fields before calling the server and focuses the first problem", async () => {
    const user = userEvent.setup();
    renderWithProviders(<RegisterScreen />);
    await user.click(screen.getByTestId("register-submit"));
    expect(await screen.findByTestId("error-given_name")).toBeTruthy();
    expect(screen.getByTestId("error-date_of_birth")).toBeTruthy();
    expect(document.activeElement).toBe(field("given_name"));
    expect(mockInvoke).not.toHaveBeenCalled();
  });

  it("warns about duplicates, keeps the input, and can register anyway", async () => {
    const user = userEvent.setup();
    const existing = samplePatient({ id: "existing-1", mrn: "MRN-7" });
    const created = samplePatient({ id: "new-1", mrn: "MRN-8" });
    const outcomes: RegisterOutcome[] = [
      {
        status: "possible_duplicates",
        candidates: [
          { patient: { ...existing.details, id: existing.id, mrn: existing.mrn, restricted: false }, reasons: ["same_name_and_date_of_birth", "same_phone"] },
        ],
      },
      { status: "registered", patient: created },
    ];
    mockInvoke.mockImplementation(commandRouter({ register_patient: () => outcomes.shift() }));
    const { navigate } = renderWithProviders(<RegisterScreen />);
    await fillMinimal(user);
    await user.click(screen.getByTestId("register-submit"));

    const candidate = await screen.findByTestId("duplicate-candidate");
    expect(screen.getByTestId("duplicate-warning")).toBeTruthy();
    expect(candidate.textContent).toContain("Lovelace, Ada");
    expect(candidate.textContent).toContain("MRN-7");
    expect(candidate.textContent).toContain("same name and date of birth, same phone number");
    expect(field("family_name").value).toBe("Lovelace");
    expect(navigate).not.toHaveBeenCalled();

    await user.click(screen.getByTestId("register-anyway"));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith({ name: "profile", id: "new-1", flash: "registered" }));
    const last = mockInvoke.mock.calls.at(-1) as unknown as [string, { request: { confirm_not_duplicate: boolean } }];
    expect(last[1].request.confirm_not_duplicate).toBe(true);
  });

  it("opens an existing record and remembers the draft for the way back", async () => {
    const user = userEvent.setup();
    const existing = samplePatient({ id: "existing-1" });
    mockInvoke.mockImplementation(
      commandRouter({
        register_patient: () => ({
          status: "possible_duplicates",
          candidates: [{ patient: { ...existing.details, id: existing.id, mrn: existing.mrn, restricted: false }, reasons: ["same_email"] }],
        }),
      }),
    );
    const { navigate } = renderWithProviders(<RegisterScreen />);
    await fillMinimal(user);
    await user.click(screen.getByTestId("register-submit"));
    await user.click(await screen.findByTestId("open-existing"));
    expect(navigate).toHaveBeenCalledWith(
      expect.objectContaining({
        name: "profile",
        id: "existing-1",
        registerDraft: expect.objectContaining({ given_name: "Ada" }),
      }),
    );
  });

  it("sends sex, contacts, insurance and preferences from native controls", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({ register_patient: () => ({ status: "registered", patient: samplePatient() }) }),
    );
    renderWithProviders(<RegisterScreen />);
    await fillMinimal(user);
    expect(field("sex").tagName).toBe("SELECT");
    await user.selectOptions(field("sex"), "male");
    await user.click(screen.getByTestId("add-emergency-contact"));
    expect(document.activeElement).toBe(field("emergency_contacts.0.name"));
    await user.type(field("emergency_contacts.0.name"), "Mary");
    await user.type(field("emergency_contacts.0.phone"), "+1 202 555 0188");
    const hasInsurance = screen.getByTestId("field-has-insurance") as HTMLInputElement;
    expect(hasInsurance.type).toBe("checkbox");
    expect(screen.queryByTestId("field-insurance.payer")).toBeNull();
    await user.click(hasInsurance);
    await user.type(field("insurance.payer"), "Acme Health");
    await user.type(field("insurance.member_id"), "M-1");
    await user.selectOptions(field("preferences.contact_channel"), "sms");
    await user.selectOptions(field("preferences.language"), "sw");
    await user.click(screen.getByTestId("register-submit"));

    await waitFor(() => expect(mockInvoke).toHaveBeenCalled());
    const [, args] = mockInvoke.mock.calls[0] as unknown as [string, { request: RegisterPatient }];
    expect(args.request.details).toMatchObject({
      sex: "male",
      emergency_contacts: [{ name: "Mary", relationship: "", phone: "+1 202 555 0188" }],
      insurance: { payer: "Acme Health", member_id: "M-1", group_number: "" },
      preferences: { language: "sw", contact_channel: "sms" },
    });
  });

  it("shows a non-UiError rejection as a generic error", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(commandRouter({ register_patient: () => Promise.reject("invalid args `request`") }));
    renderWithProviders(<RegisterScreen />);
    await fillMinimal(user);
    await user.click(screen.getByTestId("register-submit"));
    const alert = await screen.findByTestId("form-error");
    expect(alert.getAttribute("data-code")).toBe("internal");
    expect(alert.textContent).toContain("invalid args `request`");
    expect(field("given_name").value).toBe("Ada");
    expect((screen.getByTestId("register-submit") as HTMLButtonElement).disabled).toBe(false);
  });
});

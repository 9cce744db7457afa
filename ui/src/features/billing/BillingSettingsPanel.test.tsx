// Settings → Billing against a mocked shell: the currency and footer saved; a service
// created with its price and tax rate sent as exact minor units and basis points; a bad
// price is refused before sending and the input kept.
import { invoke } from "@tauri-apps/api/core";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commandRouter, renderWithProviders } from "../../test/render";
import { BillingSettingsPanel } from "./BillingSettingsPanel";
import { gateway, service, settings } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);
const byId = (id: string) => screen.getByTestId(id) as HTMLInputElement;

beforeEach(() => {
  mockInvoke.mockReset();
  mockInvoke.mockImplementation(
    commandRouter({
      get_billing_settings: () => settings(),
      save_billing_settings: (a) => ({ ...settings(), ...(a!.request as object) }),
      get_payment_gateway: () => gateway(),
      list_services: () => [service()],
      save_service: (a) => ({ ...service(), ...(a!.request as object), id: "0190f0a0-0000-7000-8000-0000000000c2" }),
    }),
  );
});

describe("billing settings", () => {
  it("saves the currency and footer", async () => {
    const user = userEvent.setup();
    renderWithProviders(<BillingSettingsPanel />);
    const footer = await screen.findByTestId("billing-settings-footer");
    fireEvent.change(footer, { target: { value: "Riverside Clinic LLC, EIN 12-3456789" } });
    await user.click(byId("billing-settings-save"));
    await waitFor(() =>
      expect(calls("save_billing_settings")).toEqual([
        { request: { currency: "USD", invoice_footer: "Riverside Clinic LLC, EIN 12-3456789" } },
      ]),
    );
    expect(await screen.findByTestId("billing-settings-saved")).toBeTruthy();
  });

  it("creates a service with exact minor units and basis points", async () => {
    const user = userEvent.setup();
    renderWithProviders(<BillingSettingsPanel />);
    expect((await screen.findByTestId("billing-service-row")).textContent).toContain("$60.00");
    await user.click(byId("billing-service-add"));
    fireEvent.change(byId("billing-service-code"), { target: { value: "LAB-1" } });
    fireEvent.change(byId("billing-service-name"), { target: { value: "Blood panel" } });
    fireEvent.change(byId("billing-service-price"), { target: { value: "19.999" } });
    fireEvent.change(byId("billing-service-tax-name"), { target: { value: "VAT" } });
    fireEvent.change(byId("billing-service-tax-rate"), { target: { value: "12.5" } });
    fireEvent.change(byId("billing-service-tax-mode"), { target: { value: "inclusive" } });
    await user.click(byId("billing-service-save"));
    expect(await screen.findByText("This currency has 2 digits after the decimal point.")).toBeTruthy();
    expect(calls("save_service")).toHaveLength(0);
    expect(byId("billing-service-price").value).toBe("19.999");

    fireEvent.change(byId("billing-service-price"), { target: { value: "1,019.99" } });
    await user.click(byId("billing-service-save"));
    await waitFor(() =>
      expect(calls("save_service")).toEqual([
        {
          request: {
            id: null,
            expected_version: null,
            code: "LAB-1",
            name: "Blood panel",
            price_minor: 101999,
            tax: { name: "VAT", rate_bp: 1250, mode: "inclusive" },
            appointment_type_id: null,
            active: true,
          },
        },
      ]),
    );
    await waitFor(() => expect(screen.queryByTestId("billing-service-form")).toBeNull());
  });
});

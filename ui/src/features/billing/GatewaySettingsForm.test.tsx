// Settings → Billing → Card payments against a mocked shell: Stripe saved with its key
// sends the exact request (address trimmed) and the key never stays in the input; an
// empty key keeps the saved one (`secret_key: null`); the shell's field errors land under
// their inputs; the last contact and the last error with the gateway are shown.
import { invoke } from "@tauri-apps/api/core";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { PaymentGatewaySettings } from "../../bindings/PaymentGatewaySettings";
import type { SavePaymentGateway } from "../../bindings/SavePaymentGateway";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { GatewaySettingsForm } from "./GatewaySettingsForm";
import { gateway } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);
const byId = (id: string) => screen.getByTestId(id) as HTMLInputElement;

/** The shell as it answers: saving echoes the request, without the key, as settings. */
const saved = (r: SavePaymentGateway, before: PaymentGatewaySettings): PaymentGatewaySettings => ({
  ...before,
  kind: r.kind,
  api_base: r.api_base,
  customer_email: r.customer_email,
  has_secret_key: r.kind !== null && (r.secret_key !== null || before.has_secret_key),
});

function shell(current: PaymentGatewaySettings, handlers: Handlers = {}) {
  mockInvoke.mockImplementation(
    commandRouter({
      get_payment_gateway: () => current,
      save_payment_gateway: (a) => saved(a!.request as SavePaymentGateway, current),
      ...handlers,
    }),
  );
}

beforeEach(() => {
  mockInvoke.mockReset();
  shell(gateway());
});

describe("card payment gateway settings", () => {
  it("saves Stripe with its key and a trimmed address, then clears the key", async () => {
    const user = userEvent.setup();
    renderWithProviders(<GatewaySettingsForm />);
    const kind = await screen.findByTestId("billing-gateway-kind");
    expect(screen.queryByTestId("billing-gateway-status")).toBeNull();
    expect(byId("billing-gateway-secret").placeholder).toBe("");
    await user.selectOptions(kind, "stripe");
    expect(screen.queryByTestId("billing-gateway-email")).toBeNull();
    fireEvent.change(byId("billing-gateway-api-base"), { target: { value: "  http://127.0.0.1:12111/  " } });
    fireEvent.change(byId("billing-gateway-secret"), { target: { value: "sk_test_123" } });
    await user.click(byId("billing-gateway-save"));
    await waitFor(() =>
      expect(calls("save_payment_gateway")).toEqual([
        { request: { kind: "stripe", api_base: "http://127.0.0.1:12111/", customer_email: "", secret_key: "sk_test_123" } },
      ]),
    );
    expect((await screen.findByTestId("billing-gateway-saved")).textContent).toBe("Saved");
    expect(byId("billing-gateway-secret").value).toBe("");
    expect(byId("billing-gateway-secret").placeholder).toBe("Saved — leave empty to keep it");
    expect(screen.getByTestId("billing-gateway-status").textContent).toContain("Not contacted yet");
  });

  it("keeps the saved key when the key input is left empty", async () => {
    shell(gateway({ kind: "paystack", api_base: "", customer_email: "billing@clinic.example", has_secret_key: true }));
    const user = userEvent.setup();
    renderWithProviders(<GatewaySettingsForm />);
    const email = await screen.findByTestId("billing-gateway-email");
    expect(byId("billing-gateway-kind").value).toBe("paystack");
    expect(byId("billing-gateway-secret").value).toBe("");
    expect(byId("billing-gateway-secret").placeholder).toBe("Saved — leave empty to keep it");
    fireEvent.change(email, { target: { value: " desk@clinic.example " } });
    await user.click(byId("billing-gateway-save"));
    await waitFor(() =>
      expect(calls("save_payment_gateway")).toEqual([
        { request: { kind: "paystack", api_base: "", customer_email: "desk@clinic.example", secret_key: null } },
      ]),
    );
    expect(await screen.findByTestId("billing-gateway-saved")).toBeTruthy();
  });

  it("offers Flutterwave, which asks for the billing email like Paystack", async () => {
    const user = userEvent.setup();
    renderWithProviders(<GatewaySettingsForm />);
    await user.selectOptions(await screen.findByTestId("billing-gateway-kind"), "flutterwave");
    expect(byId("billing-gateway-kind").value).toBe("flutterwave");
    expect(screen.getByTestId("billing-gateway-email")).toBeTruthy();
  });

  it("removes the gateway when None is picked", async () => {
    shell(gateway({ kind: "stripe", has_secret_key: true }));
    const user = userEvent.setup();
    renderWithProviders(<GatewaySettingsForm />);
    await screen.findByTestId("billing-gateway-status");
    await user.selectOptions(byId("billing-gateway-kind"), "");
    await user.click(byId("billing-gateway-save"));
    await waitFor(() =>
      expect(calls("save_payment_gateway")).toEqual([{ request: { kind: null, api_base: "", customer_email: "", secret_key: null } }]),
    );
    await waitFor(() => expect(screen.queryByTestId("billing-gateway-status")).toBeNull());
  });

  it("shows the shell's field errors under their inputs", async () => {
    shell(gateway(), {
      save_payment_gateway: () =>
        Promise.reject({
          code: "validation",
          message: "invalid gateway",
          fields: [
            { field: "secret_key", message: "Enter the gateway's secret key." },
            { field: "customer_email", message: "Enter the clinic's billing email." },
          ],
        }),
    });
    const user = userEvent.setup();
    renderWithProviders(<GatewaySettingsForm />);
    await user.selectOptions(await screen.findByTestId("billing-gateway-kind"), "paystack");
    await user.click(byId("billing-gateway-save"));
    expect((await screen.findByTestId("billing-gateway-secret-error")).textContent).toBe("Enter the gateway's secret key.");
    expect(screen.getByTestId("billing-gateway-email-error").textContent).toBe("Enter the clinic's billing email.");
    expect(screen.queryByTestId("billing-gateway-api-base-error")).toBeNull();
    expect(screen.queryByTestId("billing-gateway-error")).toBeNull();
    expect(screen.queryByTestId("billing-gateway-saved")).toBeNull();
  });

  it("shows a refusal that is not about a field in the alert", async () => {
    shell(gateway(), { save_payment_gateway: () => Promise.reject({ code: "forbidden", message: "administrators only" }) });
    const user = userEvent.setup();
    renderWithProviders(<GatewaySettingsForm />);
    await user.selectOptions(await screen.findByTestId("billing-gateway-kind"), "stripe");
    await user.click(byId("billing-gateway-save"));
    expect((await screen.findByTestId("billing-gateway-error")).getAttribute("data-code")).toBe("forbidden");
  });

  it("shows the last contact and the last error with the gateway", async () => {
    shell(
      gateway({
        kind: "stripe",
        has_secret_key: true,
        last_contact_at: "2026-03-02T09:15:00Z",
        last_error: "unauthorized",
      }),
    );
    renderWithProviders(<GatewaySettingsForm />);
    const status = await screen.findByTestId("billing-gateway-status");
    expect(status.textContent).toContain(`Last contact: ${new Date("2026-03-02T09:15:00Z").toLocaleString("en")}`);
    const error = screen.getByTestId("billing-gateway-last-error");
    expect(error.textContent).toContain("unauthorized");
    expect(error.textContent).toContain("pending card payments stay pending until the gateway answers");
  });

  it("shows where to point the gateway's webhooks when a sync server is connected", async () => {
    const url = "https://sync.clinic.example:8743/v1/gateway-webhooks/stripe/0190c6a2-7d1e-7c3b-9a51-3f0d2e4b6a77";
    shell(gateway({ kind: "stripe", has_secret_key: true, webhook_url: url }));
    renderWithProviders(<GatewaySettingsForm />);
    expect((await screen.findByTestId("billing-gateway-webhook")).textContent).toContain(url);
  });

  it("says when the gateway was not contacted yet", async () => {
    shell(gateway({ kind: "paystack", customer_email: "billing@clinic.example", has_secret_key: true }));
    renderWithProviders(<GatewaySettingsForm />);
    expect((await screen.findByTestId("billing-gateway-status")).textContent).toContain("Not contacted yet");
    expect(screen.getByTestId("billing-gateway-webhook").textContent).toContain("not connected to a sync server");
    expect(screen.queryByTestId("billing-gateway-last-error")).toBeNull();
  });
});
